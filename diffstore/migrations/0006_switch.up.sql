-- 0006_switch: the switch's provenance. Live records carry exactly what
-- their version wrote, so what came from which version is kept here: per
-- partition of the live topic, the switch's last synced state, and per
-- minute of source event time what it forwarded from each version.
--
-- The switch's own progress is not here but in its state topic, written in
-- the same Kafka transaction as the live records; these rows follow it
-- (SyncSwitch applies a state only if its seq is newer), so a Postgres
-- outage never stops the live topic and a replayed sync never counts
-- twice. Like the cutover tables, these do not reference runs: the switch
-- may start before the comparator creates the run.

-- switch_partitions: one row per partition of the live topic a run's switch
-- writes, as of its last synced transaction. The totals are exact.
CREATE TABLE switch_partitions (
    run                  text NOT NULL CHECK (run <> ''),
    live_topic           text NOT NULL,
    partition            int NOT NULL CHECK (partition >= 0),
    seq                  bigint NOT NULL,  -- the state-topic transaction synced
    epoch                int NOT NULL,     -- producer epoch of the writer that committed it
    instance             text NOT NULL,
    next_control         bigint NOT NULL,  -- next source offsets to read (-1: never read)
    next_candidate       bigint NOT NULL,
    parked               int NOT NULL,     -- records read but past the route's horizon
    forwarded_control    bigint NOT NULL,  -- v1 records forwarded to the live topic
    forwarded_candidate  bigint NOT NULL,  -- v2 records forwarded
    not_owned_control    bigint NOT NULL,  -- skipped: the other version owned their bucket
    not_owned_candidate  bigint NOT NULL,
    duplicates_control   bigint NOT NULL,  -- dropped: same identity and bytes as one forwarded
    duplicates_candidate bigint NOT NULL,
    collisions_control   bigint NOT NULL,  -- forwarded though their identity was, with other bytes
    collisions_candidate bigint NOT NULL,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run, live_topic, partition)
);

-- switch_forwards: records forwarded per minute of source event time, live
-- partition and version. minute is '-infinity' for records whose minute
-- was lost (forwarded and committed by a switch that crashed while
-- Postgres was unreachable): the sum over all minutes always equals
-- switch_partitions' totals.
CREATE TABLE switch_forwards (
    run        text NOT NULL,
    live_topic text NOT NULL,
    partition  int NOT NULL,
    minute     timestamptz NOT NULL,
    version    text NOT NULL CHECK (version IN ('v1', 'v2')),
    records    bigint NOT NULL,
    PRIMARY KEY (run, live_topic, partition, minute, version)
);
