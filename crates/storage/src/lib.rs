//! The storage contract of Qyzmet.
//!
//! What the engine produces and the store keeps, in one crate that neither
//! backend owns (as Restate's storage API): the rows and batches of
//! [`record`], the [`Store`] trait, its queries, reports and errors, and the
//! validation every backend runs on its input ([`validate_batch`],
//! [`check_id`], [`notifications::validate_notifications`]). The backends
//! (`qyzmet-store`: SQLite and PostgreSQL) implement only row I/O behind it;
//! the engine depends on this crate for its output types and on no backend.

pub mod evidence;
pub mod notifications;
pub mod record;

use jiff::{SignedDuration, Timestamp};
use record::{
    Batch, CaseRow, CaseStatus, ExchangeRow, ExchangeStat, OutboxClaim, ProjectionOp, RegistryRow,
    StoredEvent, TaskRow, TimerRow,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use notifications::{
    DeliveryClaim, DeliveryRow, NewDelivery, NewNotification, NotificationPage, NotificationRow,
};

/// Bounds on what one call may ask for (TigerBeetle style: bound everything).
pub mod limits {
    /// Evidence items (signatures, files, intake) in one batch.
    pub const EVIDENCE_PER_BATCH_MAX: usize = 64;
    /// Bytes of one evidence item as JSON text (a 5 MiB file is about
    /// 6.7 MiB in base64).
    pub const EVIDENCE_BYTES_MAX: usize = 8 << 20;
    /// Events in one batch.
    pub const EVENTS_PER_BATCH_MAX: usize = 1_000;
    /// Projection operations in one batch.
    pub const OPS_PER_BATCH_MAX: usize = 10_000;
    /// Batches in one `append_many` call (one transaction).
    pub const BATCHES_PER_GROUP_MAX: usize = 4_096;
    /// Bytes of one event payload as JSON text.
    pub const PAYLOAD_BYTES_MAX: usize = 1 << 20;
    /// Bytes of an identifier (case id, idempotency key, task id, …).
    pub const ID_BYTES_MAX: usize = 256;
    /// Rows one read returns (`tasks`, `cases`, `events_since`, timers).
    pub const ROWS_PER_READ_MAX: usize = 10_000;
    /// Events of one case (`case_events` refuses longer logs).
    pub const EVENTS_PER_CASE_MAX: usize = 100_000;
    /// Rows read per page by `verify` and `rebuild`.
    pub const PAGE_ROWS: usize = 1_000;
    /// Cases re-projected per transaction by `rebuild`.
    pub const REBUILD_CASES_PER_TX: usize = 256;
}

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum StoreError {
    /// The case's log moved on since the command was decided.
    #[error("case {case_id}: expected last seq {expected}, the log is at {actual}")]
    Conflict {
        case_id: String,
        expected: u64,
        actual: u64,
    },
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The caller handed over something the store will not write (bad
    /// sequence numbers, too large, empty ids).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A row in the database cannot be read back (edited by hand, truncated).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The database said no (I/O, connection, SQL).
    #[error("database error: {0}")]
    Backend(String),
}

#[cfg(feature = "rusqlite")]
impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Backend(format!("sqlite: {error}"))
    }
}

#[cfg(feature = "postgres")]
impl From<postgres::Error> for StoreError {
    fn from(error: postgres::Error) -> Self {
        // The driver's message names only the kind ("db error", "error
        // connecting to server"); the cause says what happened.
        match std::error::Error::source(&error) {
            Some(cause) => StoreError::Backend(format!("postgres: {error}: {cause}")),
            None => StoreError::Backend(format!("postgres: {error}")),
        }
    }
}

/// The outcome of appending one batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appended {
    pub case_id: String,
    /// The case's last sequence number after the batch.
    pub last_seq: u64,
    /// How many events the batch appended.
    pub events: u64,
    /// Global sequence number of the batch's last event (the global head
    /// when the batch had no events).
    pub last_global_seq: u64,
    /// Hash of the batch's last event (the global head hash when none).
    pub last_hash: String,
    /// True when the idempotency key was seen before: nothing was written and
    /// the fields above are the first outcome.
    pub duplicate: bool,
}

/// Work-list query. Empty `units`/`roles` mean "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskQuery {
    pub units: Vec<String>,
    pub roles: Vec<String>,
    pub assignee: Option<String>,
    /// Also return done and cancelled tasks.
    pub include_closed: bool,
    /// At most this many rows (capped at [`limits::ROWS_PER_READ_MAX`]).
    pub limit: usize,
}

/// Supervisor query over case views. `None` means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseQuery {
    pub status: Option<CaseStatus>,
    pub route: Option<String>,
    pub provider_id: Option<String>,
    pub regulation_id: Option<String>,
    /// The applicant's IIN or BIN (the citizen's cabinet).
    pub applicant_id: Option<String>,
    /// Newest first instead of oldest first.
    pub newest_first: bool,
    /// At most this many rows (capped at [`limits::ROWS_PER_READ_MAX`]).
    pub limit: usize,
}

/// Case counts for the supervisor: one row per regulation, provider, route
/// and status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseStat {
    pub regulation_id: String,
    pub provider_id: String,
    pub route: String,
    pub status: CaseStatus,
    pub cases: u64,
    /// Open cases whose legal due instant has passed.
    pub overdue_open: u64,
    /// Closed cases closed after their due instant.
    pub closed_late: u64,
}

/// What `verify` found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    pub events_checked: u64,
    pub problems: Vec<AuditProblem>,
}

impl AuditReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One problem found by `verify`, located by case and sequence numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditProblem {
    pub case_id: String,
    pub seq: u64,
    pub global_seq: u64,
    pub kind: AuditProblemKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditProblemKind {
    /// The stored hash is not the hash of the stored fields and the stored
    /// hashes of the row's predecessors in both chains: the row, or the
    /// `hash` of its case's previous event or of the log's previous event,
    /// was edited.
    HashMismatch { stored: String, computed: String },
    /// The case's sequence numbers skip (a row was deleted) or do not start at 1.
    CaseGap { expected_seq: u64 },
    /// The global sequence numbers skip (a row was deleted).
    GlobalGap { expected_global_seq: u64 },
    /// The chain head row does not name the last event (tail deleted or head edited).
    HeadMismatch {
        head_global_seq: u64,
        head_hash: String,
    },
    /// The row cannot be read (wrong types, NULLs, bad text).
    Unreadable { detail: String },
}

/// What `rebuild` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebuildReport {
    pub cases: u64,
    pub events: u64,
    pub ops: u64,
}

/// How a store's groups were committed (`Store::group_counts`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupCounts {
    /// Groups that took the pipelined path (staged on the groups in
    /// flight, when there were any).
    pub pipelined: u64,
    /// Pipelined groups that had to be rolled back and redone the classic
    /// way (the chain head moved under them, or a lock wait timed out).
    pub redone: u64,
}

/// The durable store. Every method is one or more short transactions; none
/// keeps per-case state in memory.
pub trait Store: Send + Sync {
    /// Appends one command's events and applies its projection ops in one
    /// transaction (see the module docs and `docs/store.md`).
    fn append(&self, batch: &Batch) -> Result<Appended, StoreError>;

    /// Group commit: all batches in one transaction, a failing batch fails
    /// alone (SQLite: a savepoint per batch; PostgreSQL: decided in memory
    /// and written with a fixed number of multi-row statements, see
    /// `docs/store.md`). Results are in input order. When the commit itself
    /// fails, every batch fails.
    fn append_many(&self, batches: &[Batch]) -> Vec<Result<Appended, StoreError>>;

    /// How many `append_many` calls gain by running at the same time, from
    /// threads of their own: 1 where one writer does all (SQLite), 2 where
    /// groups of disjoint rows are written side by side on two connections
    /// (PostgreSQL's pipelined group commit). Callers that commit groups
    /// (the commit queue, `qyzmet bench engine`) keep this many in flight.
    fn concurrent_appends(&self) -> usize {
        1
    }

    /// How this store's groups were committed since it opened (all zero
    /// where there is one way only, as on SQLite): for `bench engine` and
    /// the tests that check the pipeline is used and its groups not redone.
    fn group_counts(&self) -> GroupCounts {
        GroupCounts::default()
    }

    /// The first outcome of the command that used idempotency `key`, if any
    /// (with `duplicate: true`). The runtime asks before deciding a command,
    /// so that a retry of a command that succeeded returns its first outcome
    /// instead of being decided again against the newer state.
    fn idempotency(&self, key: &str) -> Result<Option<Appended>, StoreError>;

    /// The case's last sequence number (0 when the case has no events).
    fn case_head(&self, case_id: &str) -> Result<u64, StoreError>;

    /// All events of a case in sequence order.
    fn case_events(&self, case_id: &str) -> Result<Vec<StoredEvent>, StoreError>;

    /// Events after `global_seq` in global order, at most `limit`.
    fn events_since(&self, global_seq: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError>;

    fn case(&self, case_id: &str) -> Result<Option<CaseRow>, StoreError>;

    /// Supervisor list, ordered by submission instant then case id.
    fn cases(&self, query: &CaseQuery) -> Result<Vec<CaseRow>, StoreError>;

    /// Work list, ordered by due instant (tasks without one last), then
    /// creation instant, then task id.
    fn tasks(&self, query: &TaskQuery) -> Result<Vec<TaskRow>, StoreError>;

    fn task(&self, task_id: &str) -> Result<Option<TaskRow>, StoreError>;

    fn registry(&self, registry: &str, key: &str) -> Result<Option<RegistryRow>, StoreError>;

    /// Stores a regulation edition's text under its content hash. Storing the
    /// same hash again is a no-op; a different text under a known hash is
    /// `Invalid`.
    fn put_regulation(&self, hash: &str, regulation_id: &str, text: &str)
    -> Result<(), StoreError>;

    /// `(regulation_id, text)` of a pinned edition.
    fn regulation(&self, hash: &str) -> Result<Option<(String, String)>, StoreError>;

    /// Leases up to `limit` timers due at or before `now` that no live lease
    /// holds, to `worker_id` until `now + lease`. Two callers never hold the
    /// same timer at once. Timers leave the table through `CancelTimer`.
    fn claim_due_timers(
        &self,
        now: Timestamp,
        limit: usize,
        worker_id: &str,
        lease: SignedDuration,
    ) -> Result<Vec<TimerRow>, StoreError>;

    /// The earliest due instant of any timer (for a sleeping timer loop).
    fn next_timer_due(&self) -> Result<Option<Timestamp>, StoreError>;

    /// Recomputes both hash chains over the whole log.
    fn verify(&self) -> Result<AuditReport, StoreError>;

    /// Clears the projections and re-applies `project_case` to every case's
    /// events, in global order of each case's first event. Run it with no
    /// writers (the CLI's `qyzmet rebuild`): appends that race with it may be
    /// projected twice or lost from the projections (never from the log).
    fn rebuild(
        &self,
        project_case: &dyn Fn(&[StoredEvent]) -> Vec<ProjectionOp>,
    ) -> Result<RebuildReport, StoreError>;

    /// Case counts by regulation, provider, route and status, with what was
    /// overdue at `now`.
    fn case_stats(&self, now: Timestamp) -> Result<Vec<CaseStat>, StoreError>;

    /// The directory: small JSON documents outside the event log (accounts,
    /// providers, server settings), keyed by collection and key.
    fn doc(&self, collection: &str, key: &str) -> Result<Option<Value>, StoreError>;

    /// Writes a directory document, replacing what was there.
    fn put_doc(&self, collection: &str, key: &str, value: &Value) -> Result<(), StoreError>;

    /// Writes a directory document unless one exists; returns the stored one
    /// (so that several servers starting at once agree on, say, a key).
    fn insert_doc(&self, collection: &str, key: &str, value: &Value) -> Result<Value, StoreError>;

    /// Removes a directory document; `true` if there was one. Taking a
    /// draft once: of two callers racing, one gets `true`.
    fn delete_doc(&self, collection: &str, key: &str) -> Result<bool, StoreError>;

    /// A collection's documents in key order.
    fn docs(&self, collection: &str, limit: usize) -> Result<Vec<(String, Value)>, StoreError>;

    /// Leases up to `limit` outbox requests due at or before `now` that no
    /// live lease holds, to `worker_id` until `now + lease`, oldest first.
    /// Requests leave the outbox through `DeleteOutbox` only.
    fn claim_outbox(
        &self,
        now: Timestamp,
        limit: usize,
        worker_id: &str,
        lease: SignedDuration,
    ) -> Result<Vec<OutboxClaim>, StoreError>;

    /// Writes a request's delivery state after an attempt and frees its
    /// lease: `attempts` made so far, the next attempt not before `next`,
    /// and why the last one did not settle it. A request no longer in the
    /// outbox (answered meanwhile) is left alone.
    fn retry_outbox(
        &self,
        request_id: &str,
        attempts: u32,
        next: Timestamp,
        error: &str,
    ) -> Result<(), StoreError>;

    /// A case's requests still in the outbox, oldest first.
    fn case_outbox(&self, case_id: &str) -> Result<Vec<OutboxClaim>, StoreError>;

    /// What waits in the outbox, per system.
    fn outbox_backlog(&self) -> Result<Vec<OutboxBacklog>, StoreError>;

    /// The earliest next attempt of any request (for a sleeping worker).
    fn next_outbox_due(&self) -> Result<Option<Timestamp>, StoreError>;

    /// Logs one attempt at a request (bodies are truncated by the caller).
    fn record_exchange(&self, exchange: &ExchangeRow) -> Result<(), StoreError>;

    /// A case's logged attempts, in the order they were made.
    fn case_exchanges(&self, case_id: &str) -> Result<Vec<ExchangeRow>, StoreError>;

    /// Attempts per system sent at or after `since`.
    fn exchange_stats(&self, since: Timestamp) -> Result<Vec<ExchangeStat>, StoreError>;

    /// How far the notification deriver named `cursor` has read the global
    /// log (0 before its first call).
    fn notification_cursor(&self, cursor: &str) -> Result<u64, StoreError>;

    /// In one transaction: writes `items` and their deliveries (an id that
    /// exists already is left as it is, so deriving twice is harmless) and
    /// moves `cursor` from `from` to `to`. When the cursor is no longer at
    /// `from` (another deriver moved it), nothing is written and the result
    /// is `Conflict`. Returns how many notifications were new.
    fn insert_notifications(
        &self,
        cursor: &str,
        from: u64,
        to: u64,
        items: &[NewNotification],
    ) -> Result<usize, StoreError>;

    /// A person's notifications, newest first (at most `limit`), and the
    /// number of unread ones in all.
    fn notifications(
        &self,
        applicant_id: &str,
        limit: usize,
    ) -> Result<NotificationPage, StoreError>;

    /// Marks one of `applicant_id`'s notifications read at `at` (the first
    /// reading is kept). `false` when it is not theirs or does not exist.
    fn mark_notification_read(
        &self,
        applicant_id: &str,
        notification_id: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Leases up to `limit` pending deliveries due at or before `now` that
    /// no live lease holds, to `worker_id` until `now + lease`, earliest
    /// first. Two callers never hold the same delivery at once.
    fn claim_deliveries(
        &self,
        now: Timestamp,
        limit: usize,
        worker_id: &str,
        lease: SignedDuration,
    ) -> Result<Vec<DeliveryClaim>, StoreError>;

    /// The delivery was accepted by the server or provider: `sent`, with
    /// the attempts made, and its lease freed. Only a pending row changes.
    fn delivery_sent(
        &self,
        delivery_id: &str,
        attempts: u32,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// An attempt failed for now: the attempts made, the next attempt not
    /// before `next`, why; the lease is freed. Only a pending row changes.
    fn retry_delivery(
        &self,
        delivery_id: &str,
        attempts: u32,
        next: Timestamp,
        error: &str,
    ) -> Result<(), StoreError>;

    /// Given up (retry budget spent or a permanent refusal): `failed`,
    /// kept for people to see. Only a pending row changes.
    fn delivery_failed(
        &self,
        delivery_id: &str,
        attempts: u32,
        error: &str,
    ) -> Result<(), StoreError>;

    /// The deliveries of a notification, by channel.
    fn notification_deliveries(
        &self,
        notification_id: &str,
    ) -> Result<Vec<DeliveryRow>, StoreError>;

    /// Deliveries in `state` (`pending`, `sent`, `failed`), at most
    /// `limit`, by id (for operators and tests).
    fn deliveries(&self, state: &str, limit: usize) -> Result<Vec<DeliveryRow>, StoreError>;
}

/// The outbox of one system: requests waiting, and how stale the oldest is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxBacklog {
    pub system: String,
    pub waiting: u64,
    /// Of those, requests that failed at least once.
    pub retrying: u64,
    pub oldest: Timestamp,
}

/// Opens a store: a `postgres://` or `postgresql://` URL selects PostgreSQL,
/// anything else is a SQLite file path (`sqlite://` prefix optional).
/// Checks a batch against the contract before any backend writes it.
pub fn validate_batch(batch: &Batch) -> Result<(), StoreError> {
    check_id("case_id", &batch.case_id)?;
    if let Some(key) = &batch.idempotency_key {
        check_id("idempotency_key", key)?;
    }
    if batch.events.len() > limits::EVENTS_PER_BATCH_MAX {
        return Err(StoreError::Invalid(format!(
            "{} events in one batch (max {})",
            batch.events.len(),
            limits::EVENTS_PER_BATCH_MAX
        )));
    }
    if batch.evidence.len() > limits::EVIDENCE_PER_BATCH_MAX {
        return Err(StoreError::Invalid(format!(
            "{} evidence items in one batch (max {})",
            batch.evidence.len(),
            limits::EVIDENCE_PER_BATCH_MAX
        )));
    }
    for item in &batch.evidence {
        let write = item.directory_write();
        check_id("evidence key", &write.key)?;
        let bytes = match &write.change {
            evidence::Change::Put(value) | evidence::Change::PutIfAbsent(value) => {
                value.to_string().len()
            }
            evidence::Change::Extend(entries) => entries.iter().map(|e| e.to_string().len()).sum(),
            evidence::Change::Delete => 0,
        };
        if bytes > limits::EVIDENCE_BYTES_MAX {
            return Err(StoreError::Invalid(format!(
                "case {}: evidence of {bytes} bytes in `{}` (max {})",
                batch.case_id,
                write.collection,
                limits::EVIDENCE_BYTES_MAX
            )));
        }
    }
    if batch.ops.len() > limits::OPS_PER_BATCH_MAX {
        return Err(StoreError::Invalid(format!(
            "{} ops in one batch (max {})",
            batch.ops.len(),
            limits::OPS_PER_BATCH_MAX
        )));
    }
    for (index, event) in batch.events.iter().enumerate() {
        let want = batch.expected_seq + 1 + index as u64;
        if event.seq != want {
            return Err(StoreError::Invalid(format!(
                "case {}: event {index} has seq {}, expected {want} (expected_seq + 1 + index)",
                batch.case_id, event.seq
            )));
        }
        if event.kind.is_empty() || event.kind.len() > limits::ID_BYTES_MAX {
            return Err(StoreError::Invalid(format!(
                "case {}: event kind is empty or too long",
                batch.case_id
            )));
        }
    }
    i64::try_from(batch.expected_seq + batch.events.len() as u64)
        .map_err(|_| StoreError::Invalid("seq out of range".into()))?;
    Ok(())
}

/// An id (case, key, kind …) is 1..=`ID_BYTES_MAX` bytes.
pub fn check_id(what: &str, id: &str) -> Result<(), StoreError> {
    if id.is_empty() || id.len() > limits::ID_BYTES_MAX {
        return Err(StoreError::Invalid(format!(
            "{what} must be 1..={} bytes, got {}",
            limits::ID_BYTES_MAX,
            id.len()
        )));
    }
    Ok(())
}

/// A read's row limit, capped at `ROWS_PER_READ_MAX`.
pub fn cap_limit(limit: usize) -> usize {
    limit.min(limits::ROWS_PER_READ_MAX)
}
