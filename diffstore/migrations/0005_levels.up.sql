-- 0005_levels: the comparator judges whole Kafka records at four levels.
--
-- counts.equal keeps its meaning for old readers (pairs equal after the
-- rules) and is now split into identical (key, value bytes, headers and
-- timestamp equal) and equivalent (equal after the rules, but some bytes or
-- metadata differ): equal = identical + equivalent for every pair counted
-- from this migration on. Rows written before it keep 0 in both, so a run
-- compared before has equal - identical - equivalent pairs of no known level.
ALTER TABLE counts ADD COLUMN identical bigint NOT NULL DEFAULT 0;
ALTER TABLE counts ADD COLUMN equivalent bigint NOT NULL DEFAULT 0;

-- equivalent_counts: per bucket, partition and path, the compared pairs with
-- a difference at that path that does not count (a $value format path, a
-- path a rule ignores, tolerates or normalises), whatever the pair's level.
-- Per partition like counts, so partitions never wait on each other's rows.
CREATE TABLE equivalent_counts (
    run       text NOT NULL REFERENCES runs ON DELETE CASCADE,
    bucket    timestamptz NOT NULL,
    partition int NOT NULL,
    path      text NOT NULL,
    n         bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (run, bucket, path, partition)
);
