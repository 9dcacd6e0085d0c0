-- 0003_partition_counts: counts and accepted_counts get a row per partition.
--
-- With one row per (run, bucket), every partition's CommitBatch added to the
-- same rows: their transactions queued on each other's row locks
-- (Lock/transactionid waits in pg_stat_activity), so the comparator's
-- partitions committed one after another. Each partition now adds to its own
-- rows; every reader already sums over rows. Existing rows keep partition -1.
ALTER TABLE counts ADD COLUMN partition int NOT NULL DEFAULT -1;
ALTER TABLE counts DROP CONSTRAINT counts_pkey;
ALTER TABLE counts ADD PRIMARY KEY (run, bucket, partition);
ALTER TABLE accepted_counts ADD COLUMN partition int NOT NULL DEFAULT -1;
ALTER TABLE accepted_counts DROP CONSTRAINT accepted_counts_pkey;
ALTER TABLE accepted_counts ADD PRIMARY KEY (run, bucket, rule, partition);
