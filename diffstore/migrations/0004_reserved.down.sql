-- 0004_reserved: see the .up.sql file; nothing to undo.
SELECT 1;
