-- 0004_reserved: a placeholder on the levels branch only. Migration 0004
-- belongs to another branch (the comparator's heartbeats); the migrations
-- must run 1, 2, 3… without a gap, so this branch holds the number until the
-- merge, which replaces this pair of files with the real 0004.
SELECT 1;
