-- Qyzmet store, PostgreSQL, version 3: requests to state information systems.
-- A manual-check task says why a person has to look at a system's answer.
ALTER TABLE tasks ADD COLUMN check_reason TEXT;

-- The durable outbox: a row is written in the transaction of the case's
-- `gateway_requested` event and deleted in the transaction of the event that
-- records the answer or the final failure. Delivery state (attempts, the
-- next attempt, the lease) is the worker's, not part of the event log.
CREATE TABLE outbox (
    request_id  TEXT    PRIMARY KEY,
    case_id     TEXT    NOT NULL,
    system      TEXT    NOT NULL,
    payload     TEXT    NOT NULL,                  -- JSON
    created_at  BIGINT  NOT NULL,                  -- ns since the Unix epoch
    attempts    BIGINT  NOT NULL DEFAULT 0,
    last_error  TEXT,
    next_at     BIGINT  NOT NULL,                  -- due for the next attempt
    lease_owner TEXT,
    lease_until BIGINT 
);
CREATE INDEX outbox_due ON outbox (next_at);
CREATE INDEX outbox_case ON outbox (case_id);

-- Every attempt at a request, for the case page and the gateway's health.
-- Operational, not hash-chained: the answer itself is an event.
CREATE TABLE gateway_exchanges (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  TEXT    NOT NULL,
    case_id     TEXT    NOT NULL,
    system      TEXT    NOT NULL,
    attempt     BIGINT  NOT NULL,
    message_id  TEXT    NOT NULL,
    sent_at     BIGINT  NOT NULL,
    duration_ms BIGINT  NOT NULL,
    status      TEXT    NOT NULL,
    answer      TEXT,
    request     TEXT,
    response    TEXT
);
CREATE INDEX gateway_exchanges_case ON gateway_exchanges (case_id, id);
CREATE INDEX gateway_exchanges_sent ON gateway_exchanges (sent_at);
