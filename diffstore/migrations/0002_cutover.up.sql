-- 0002_cutover: the cutover's store: plans, the run's cutover state, route
-- transitions, gate evaluations and an audit log. Released migrations are
-- never edited; change the schema with a new numbered pair of files.
--
-- These tables do not reference runs: a plan may be applied (and even
-- started) before the comparator creates the run, and the runs row cannot be
-- created early (its topics are required and the comparator's EnsureRun
-- insists on its own). For the same reason deleting a run keeps its cutover
-- rows: the route a switch may still read and the audit trail outlive it.

-- plans: every version of a run's cutover plan; the newest is not
-- necessarily in force (cutover_state.plan_version is). margin is the plan's
-- margin, kept as a column for the route queries.
CREATE TABLE plans (
    run        text NOT NULL CHECK (run <> ''),
    version    int NOT NULL CHECK (version >= 1),
    plan       jsonb NOT NULL,
    margin     interval NOT NULL CHECK (margin > interval '0'),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL,
    PRIMARY KEY (run, version)
);

-- cutover_state: where a run's cutover stands. stage indexes the plan's
-- steps; -1 is before the first step (0%). stage_started_at is the
-- effective_from of the transition that began the stage (source event time:
-- the gate's window starts there), stage_entered_at that transition's
-- created_at (database time: divergences recorded since then count too).
-- version is raised by every write: writers compare it to the version they
-- read, so a decision made on a stale read is refused.
CREATE TABLE cutover_state (
    run              text PRIMARY KEY,
    plan_version     int NOT NULL,
    stage            int NOT NULL CHECK (stage >= -1),
    phase            text NOT NULL CHECK (phase IN ('pending', 'running', 'paused',
                         'rolled_back', 'promoted', 'aborted')),
    stage_started_at timestamptz,
    stage_entered_at timestamptz,
    version          bigint NOT NULL DEFAULT 1,
    reason           text NOT NULL DEFAULT '',
    updated_by       text NOT NULL DEFAULT '',
    updated_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (run, plan_version) REFERENCES plans (run, version)
);

-- transitions: the route, one row per change of the percent of key buckets
-- owned by v2, from effective_from (source event time) on. seq counts 1, 2,
-- 3… per run. Written only by the store's one insert, which makes
-- effective_from at least the database clock plus the plan's margin at the
-- insert and never earlier than the previous transition's (see
-- diffstore.Store.AddTransition).
CREATE TABLE transitions (
    run            text NOT NULL,
    seq            bigint NOT NULL CHECK (seq >= 1),
    percent        double precision NOT NULL CHECK (percent >= 0 AND percent <= 100),
    effective_from timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor          text NOT NULL,
    reason         text NOT NULL DEFAULT '',
    PRIMARY KEY (run, seq),
    CHECK (effective_from > created_at)
);

-- gate_evaluations: what the controller read and concluded at each tick of
-- a running stage. Only the newest rows of a run are kept (the store prunes
-- at each insert); decisions keep their evaluation in audit for ever.
CREATE TABLE gate_evaluations (
    run                  text NOT NULL,
    id                   bigserial,
    at                   timestamptz NOT NULL DEFAULT clock_timestamp(),
    stage                int NOT NULL,
    percent              double precision NOT NULL,
    pairs                bigint NOT NULL,
    min_pairs            bigint NOT NULL,
    divergent            bigint NOT NULL,
    missing_in_candidate bigint NOT NULL,
    instances_alive      int NOT NULL,
    lag_seconds          double precision, -- NULL: unknown
    hold_left_seconds    double precision NOT NULL,
    passed               bool NOT NULL,
    reasons              text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (run, id)
);

-- audit: every decision and manual command, with who and why. details holds
-- the states before and after, the transition and the gate, as JSON.
CREATE TABLE audit (
    run     text NOT NULL,
    id      bigserial,
    at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor   text NOT NULL,
    action  text NOT NULL,
    reason  text NOT NULL DEFAULT '',
    details jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (run, id)
);

-- The gate counts a stage's divergences by source event time.
CREATE INDEX divergences_run_event_time ON divergences (run, event_time);
