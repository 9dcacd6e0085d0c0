-- 0004_evidence: what the comparator needs to judge records by evidence
-- rather than by the clock (docs/comparator-evidence.md).
--
-- checkpoints.future lists the offset ranges ({side, from, to}) of records
-- that were judged dated too far in the future (past the clock plus
-- --max-future-skew) and lie in the range a restarted comparator replays:
-- the replay skips exactly them, so the judgment made when a record was
-- first read is never made again by a later clock.
ALTER TABLE checkpoints ADD COLUMN future jsonb NOT NULL DEFAULT '[]';

-- heartbeats: per side, whether it is behind (records of the other side
-- have waited for it longer than the match window with no evidence that it
-- passed them), by how much event time, and how many input events its
-- producer group has not committed yet (NULL: unknown).
ALTER TABLE heartbeats
    ADD COLUMN control_behind bool NOT NULL DEFAULT false,
    ADD COLUMN control_lag_seconds float8 NOT NULL DEFAULT 0,
    ADD COLUMN control_input_lag bigint,
    ADD COLUMN candidate_behind bool NOT NULL DEFAULT false,
    ADD COLUMN candidate_lag_seconds float8 NOT NULL DEFAULT 0,
    ADD COLUMN candidate_input_lag bigint;
