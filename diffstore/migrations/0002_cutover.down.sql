-- 0002_cutover: drops everything 0002_cutover.up.sql created.
DROP INDEX divergences_run_event_time;
DROP TABLE audit;
DROP TABLE gate_evaluations;
DROP TABLE transitions;
DROP TABLE cutover_state;
DROP TABLE plans;
