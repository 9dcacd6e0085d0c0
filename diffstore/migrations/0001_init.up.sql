-- 0001_init: the comparator's store. Released migrations are never edited;
-- change the schema with a new numbered pair of files.

-- runs: one shadow run, comparing a control topic (v1) with a candidate topic
-- (v2) under a set of rules.
CREATE TABLE runs (
    name            text PRIMARY KEY,
    control_topic   text NOT NULL,
    candidate_topic text NOT NULL,
    rules_name      text NOT NULL DEFAULT '',
    rules           jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    CHECK (name <> ''),
    CHECK (control_topic <> ''),
    CHECK (candidate_topic <> '')
);

-- counts: totals of a run per 10-second bucket of the records' source event
-- time (bucket = its start, UTC). 10 s rather than a minute so that a cutover
-- gate's window, which must not count pairs from before its stage, starts
-- counting within 10 s; sum over date_trunc('minute', bucket) for minutes.
-- Writers only ever add to a row.
CREATE TABLE counts (
    run                   text NOT NULL REFERENCES runs ON DELETE CASCADE,
    bucket                timestamptz NOT NULL,
    read_control          bigint NOT NULL DEFAULT 0,
    read_candidate        bigint NOT NULL DEFAULT 0,
    pairs                 bigint NOT NULL DEFAULT 0,
    equal                 bigint NOT NULL DEFAULT 0,
    accepted              bigint NOT NULL DEFAULT 0,
    divergent             bigint NOT NULL DEFAULT 0,
    missing_in_control    bigint NOT NULL DEFAULT 0,
    missing_in_candidate  bigint NOT NULL DEFAULT 0,
    duplicates_control    bigint NOT NULL DEFAULT 0,
    duplicates_candidate  bigint NOT NULL DEFAULT 0,
    undecodable_control   bigint NOT NULL DEFAULT 0,
    undecodable_candidate bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (run, bucket)
);

-- accepted_counts: pairs whose differences were accepted, per bucket and by
-- the name of the accept rule.
CREATE TABLE accepted_counts (
    run    text NOT NULL REFERENCES runs ON DELETE CASCADE,
    bucket timestamptz NOT NULL,
    rule   text NOT NULL,
    n      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (run, bucket, rule)
);

-- divergences: one row per identity and kind, with both payloads. diff is an
-- array of {"path", "control", "candidate", "rule"}; accepted_by lists the
-- accept rules that matched some of its differences.
CREATE TABLE divergences (
    run         text NOT NULL REFERENCES runs ON DELETE CASCADE,
    identity    text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('divergent', 'missing_in_control',
                    'missing_in_candidate', 'duplicate_control', 'duplicate_candidate')),
    partition   int NOT NULL,
    event_time  timestamptz NOT NULL,
    control     jsonb,
    candidate   jsonb,
    diff        jsonb NOT NULL DEFAULT '[]',
    accepted_by text[] NOT NULL DEFAULT '{}',
    first_seen  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run, identity, kind)
);

CREATE INDEX divergences_run_first_seen ON divergences (run, first_seen DESC);

-- field_diffs: one row per differing field path of a compared pair. rule is
-- the accept rule that matched; NULL means a real divergence.
CREATE TABLE field_diffs (
    run             text NOT NULL REFERENCES runs ON DELETE CASCADE,
    identity        text NOT NULL,
    path            text NOT NULL,
    control_value   jsonb,
    candidate_value jsonb,
    rule            text,
    PRIMARY KEY (run, identity, path)
);

CREATE INDEX field_diffs_run_path ON field_diffs (run, path);

-- checkpoints: a comparator's progress on one partition of a run, written in
-- the same transaction as the results it covers. owner_epoch fences an
-- instance that lost the partition.
CREATE TABLE checkpoints (
    run                 text NOT NULL REFERENCES runs ON DELETE CASCADE,
    partition           int NOT NULL CHECK (partition >= 0),
    owner_epoch         bigint NOT NULL,
    owner               text NOT NULL,
    control_offset      bigint NOT NULL DEFAULT -1,
    candidate_offset    bigint NOT NULL DEFAULT -1,
    -- first offset of each side's dedupe window: a restart re-reads from
    -- there (or from the oldest pending record) to rebuild the join's state
    control_recent_from   bigint NOT NULL DEFAULT -1,
    candidate_recent_from bigint NOT NULL DEFAULT -1,
    pending             jsonb NOT NULL DEFAULT '[]',
    watermark_control   timestamptz,
    watermark_candidate timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run, partition)
);

-- heartbeats: the latest report of each comparator instance.
CREATE TABLE heartbeats (
    run        text NOT NULL REFERENCES runs ON DELETE CASCADE,
    instance   text NOT NULL,
    partitions int[] NOT NULL DEFAULT '{}',
    lag        bigint NOT NULL DEFAULT 0,
    caught_up  bool NOT NULL DEFAULT false,
    last_seen  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run, instance)
);
