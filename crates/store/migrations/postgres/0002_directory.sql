-- Qyzmet store, PostgreSQL, version 2: the directory (accounts, providers,
-- server settings — small JSON documents outside the event log) and the
-- applicant's cabinet index.
CREATE TABLE directory (
    collection TEXT   NOT NULL,
    key        TEXT   NOT NULL,
    value      TEXT   NOT NULL,                    -- JSON
    updated_at BIGINT NOT NULL,                    -- ns since the Unix epoch
    PRIMARY KEY (collection, key)
);
CREATE INDEX cases_applicant ON cases (applicant_id, submitted_at);
-- The work list orders by (due_key, created_at, task_id): the index carries
-- the whole order so that a page is read in order, without a sort.
DROP INDEX tasks_open_work;
CREATE INDEX tasks_open_work ON tasks (unit, role, due_key, created_at, task_id) WHERE is_open;
