-- Qyzmet store, PostgreSQL, version 4: citizen notifications.
-- A notification is derived from one event of the log (id = `{case_id}:{seq}`),
-- so it can always be derived again; the rows are not hash-chained.
CREATE TABLE notifications (
    id           TEXT    PRIMARY KEY,
    applicant_id TEXT    NOT NULL,
    case_id      TEXT    NOT NULL,
    seq          BIGINT  NOT NULL,
    kind         TEXT    NOT NULL,
    lang         TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,                 -- ns since the Unix epoch
    read_at      BIGINT ,
    content      TEXT    NOT NULL                  -- JSON: subject, body, sms, link
);
CREATE INDEX notifications_applicant ON notifications (applicant_id, created_at, id);
CREATE INDEX notifications_unread ON notifications (applicant_id) WHERE read_at IS NULL;

-- One row per notification and channel (e-mail, SMS): the delivery outbox.
CREATE TABLE notification_deliveries (
    id              TEXT    PRIMARY KEY,           -- `{notification_id}:{channel}`
    notification_id TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending',   -- pending | sent | failed
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_at         BIGINT  NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT ,
    last_error      TEXT,
    sent_at         BIGINT 
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (next_at) WHERE state = 'pending';
CREATE INDEX notification_deliveries_notification ON notification_deliveries (notification_id);

-- How far a deriver has read the global log.
CREATE TABLE notification_cursors (
    name       TEXT    PRIMARY KEY,
    global_seq BIGINT  NOT NULL
);
