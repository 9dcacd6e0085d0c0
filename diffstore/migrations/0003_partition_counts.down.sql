-- 0003_partition_counts: folds the per-partition rows back into one row per
-- (run, bucket) and (run, bucket, rule).
CREATE TEMP TABLE counts_folded ON COMMIT DROP AS
SELECT run, bucket, sum(read_control) AS read_control, sum(read_candidate) AS read_candidate,
    sum(pairs) AS pairs, sum(equal) AS equal, sum(accepted) AS accepted, sum(divergent) AS divergent,
    sum(missing_in_control) AS missing_in_control, sum(missing_in_candidate) AS missing_in_candidate,
    sum(duplicates_control) AS duplicates_control, sum(duplicates_candidate) AS duplicates_candidate,
    sum(undecodable_control) AS undecodable_control, sum(undecodable_candidate) AS undecodable_candidate
FROM counts GROUP BY run, bucket;
CREATE TEMP TABLE accepted_folded ON COMMIT DROP AS
SELECT run, bucket, rule, sum(n) AS n FROM accepted_counts GROUP BY run, bucket, rule;
DELETE FROM counts;
DELETE FROM accepted_counts;
ALTER TABLE counts DROP CONSTRAINT counts_pkey;
ALTER TABLE counts DROP COLUMN partition;
ALTER TABLE counts ADD PRIMARY KEY (run, bucket);
ALTER TABLE accepted_counts DROP CONSTRAINT accepted_counts_pkey;
ALTER TABLE accepted_counts DROP COLUMN partition;
ALTER TABLE accepted_counts ADD PRIMARY KEY (run, bucket, rule);
INSERT INTO counts SELECT * FROM counts_folded;
INSERT INTO accepted_counts SELECT * FROM accepted_folded;
