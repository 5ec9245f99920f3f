-- Qyzmet store, SQLite, version 1.
-- Instants in projections are INTEGER nanoseconds since the Unix epoch (UTC).
-- Event instants and payloads are TEXT exactly as hashed.

CREATE TABLE events (
    global_seq       INTEGER PRIMARY KEY,          -- 1-based, gapless
    case_id          TEXT    NOT NULL,
    seq              INTEGER NOT NULL,             -- 1-based per case
    kind             TEXT    NOT NULL,
    payload          TEXT    NOT NULL,             -- exact JSON text that was hashed
    at               TEXT    NOT NULL,             -- RFC 3339 text that was hashed
    prev_case_hash   TEXT    NOT NULL,
    prev_global_hash TEXT    NOT NULL,
    hash             TEXT    NOT NULL,
    UNIQUE (case_id, seq)
);

-- One row: the last event of the global chain (0, '' before the first).
CREATE TABLE chain_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    global_seq INTEGER NOT NULL,
    hash       TEXT    NOT NULL
);
INSERT INTO chain_head (id, global_seq, hash) VALUES (1, 0, '');

CREATE TABLE idempotency (
    key             TEXT    PRIMARY KEY,
    case_id         TEXT    NOT NULL,
    last_seq        INTEGER NOT NULL,
    events          INTEGER NOT NULL,
    last_global_seq INTEGER NOT NULL,
    last_hash       TEXT    NOT NULL
);

CREATE TABLE cases (
    case_id         TEXT    PRIMARY KEY,
    regulation_id   TEXT    NOT NULL,
    regulation_hash TEXT    NOT NULL,
    service_id      TEXT    NOT NULL,
    route           TEXT    NOT NULL,
    provider_id     TEXT    NOT NULL,
    applicant_id    TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    current_steps   TEXT    NOT NULL,              -- JSON array of step ids
    submitted_at    INTEGER NOT NULL,
    due             INTEGER,
    closed_at       INTEGER,
    result          TEXT,
    version         INTEGER NOT NULL
);
CREATE INDEX cases_status ON cases (status, submitted_at, case_id);
CREATE INDEX cases_provider ON cases (provider_id, status, submitted_at);
CREATE INDEX cases_route ON cases (route, status, submitted_at);

CREATE TABLE tasks (
    task_id    TEXT    PRIMARY KEY,
    case_id    TEXT    NOT NULL,
    step_id    TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    unit       TEXT    NOT NULL,
    assignee   TEXT,
    status     TEXT    NOT NULL,
    is_open    INTEGER NOT NULL,                   -- 1 for open and claimed
    created_at INTEGER NOT NULL,
    due        INTEGER,
    due_key    INTEGER NOT NULL,                   -- due, or i64::MAX when none
    escalation INTEGER NOT NULL
);
CREATE INDEX tasks_open_work ON tasks (unit, role, due_key, created_at) WHERE is_open = 1;
CREATE INDEX tasks_assignee ON tasks (assignee, is_open, due_key) WHERE assignee IS NOT NULL;
CREATE INDEX tasks_case ON tasks (case_id);

CREATE TABLE registries (
    registry TEXT NOT NULL,
    key      TEXT NOT NULL,
    region   TEXT NOT NULL,
    record   TEXT NOT NULL,                        -- JSON
    case_id  TEXT NOT NULL,
    PRIMARY KEY (registry, key)
);

CREATE TABLE timers (
    timer_id    TEXT    PRIMARY KEY,
    case_id     TEXT    NOT NULL,
    due         INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    payload     TEXT    NOT NULL,                  -- JSON
    lease_owner TEXT,
    lease_until INTEGER
);
CREATE INDEX timers_due ON timers (due);

CREATE TABLE regulations (
    hash          TEXT PRIMARY KEY,
    regulation_id TEXT NOT NULL,
    text          TEXT NOT NULL
);
