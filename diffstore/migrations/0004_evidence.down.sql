-- 0004_evidence: drops the future positions and the sides' progress.
ALTER TABLE checkpoints DROP COLUMN future;
ALTER TABLE heartbeats
    DROP COLUMN control_behind, DROP COLUMN control_lag_seconds, DROP COLUMN control_input_lag,
    DROP COLUMN candidate_behind, DROP COLUMN candidate_lag_seconds, DROP COLUMN candidate_input_lag;
