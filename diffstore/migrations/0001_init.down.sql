-- 0001_init: drops everything 0001_init.up.sql created.
DROP TABLE heartbeats;
DROP TABLE checkpoints;
DROP TABLE field_diffs;
DROP TABLE divergences;
DROP TABLE accepted_counts;
DROP TABLE counts;
DROP TABLE runs;
