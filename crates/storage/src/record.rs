//! What the engine hands to the store: events to append and the projection
//! and timer operations that go with them, in one transaction.
//!
//! These are *storage* types: plain data with explicit names, versioned by
//! `kind` strings, separate from the engine's own event enum so that the
//! store never needs to understand business rules.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An event to append to a case's log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// 1-based position in the case's log; `(case_id, seq)` is unique.
    pub seq: u64,
    /// Stable event type name, e.g. `case_submitted`, `task_completed`.
    pub kind: String,
    /// The event's data: the engine's event serialized to JSON text once,
    /// stored and hashed as it is.
    pub payload: Payload,
    /// When the event happened (the caller's clock).
    pub at: Timestamp,
}

/// JSON text made once, when the event is decided: the store keeps and
/// hashes exactly this text, so an event is not serialized twice (first to
/// a `serde_json::Value`, then to text) on the write path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload(String);

impl Payload {
    pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Payload, serde_json::Error> {
        serde_json::to_string(value).map(Payload)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The payload as a JSON value (for tests and tools; text made by
    /// [`Payload::to_json`] always parses).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

impl From<Value> for Payload {
    fn from(value: Value) -> Payload {
        Payload(value.to_string())
    }
}

impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(self.0.clone())
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Payload, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        Ok(Payload(raw.get().to_owned()))
    }
}

/// An event as stored, with its place in both hash chains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub case_id: String,
    pub seq: u64,
    /// Position in the global log (1-based, gapless).
    pub global_seq: u64,
    pub kind: String,
    pub payload: Value,
    pub at: Timestamp,
    /// `sha256:<hex>` over this event's fields and the hashes of its two
    /// predecessors (the case's event `seq - 1` and the log's event
    /// `global_seq - 1`, `""` for a first event). The predecessors' hashes
    /// are hashed, not stored: they are the neighbouring events' `hash`.
    pub hash: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Submitted, not yet accepted (service centre intake, portal checks).
    Submitted,
    /// Accepted and being worked on.
    InProgress,
    /// Waiting for something outside the provider (a `wait` step).
    Waiting,
    /// Ended with a positive result.
    Completed,
    /// Ended with a motivated refusal.
    Refused,
    /// Not accepted (refusal-to-accept receipt).
    RefusedToAccept,
    /// Withdrawn by the applicant.
    Withdrawn,
}

impl CaseStatus {
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            CaseStatus::Completed
                | CaseStatus::Refused
                | CaseStatus::RefusedToAccept
                | CaseStatus::Withdrawn
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    Claimed,
    Done,
    Cancelled,
}

/// The case view kept for work lists, supervisors and the applicant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseRow {
    pub case_id: String,
    pub regulation_id: String,
    /// The content hash of the regulation edition the case runs under.
    pub regulation_hash: String,
    pub service_id: String,
    /// `channel` or `channel/variant`.
    pub route: String,
    pub provider_id: String,
    /// The applicant's IIN or BIN. Personal data: never logged.
    pub applicant_id: String,
    pub status: CaseStatus,
    /// Steps the case currently stands at.
    pub current_steps: Vec<String>,
    pub submitted_at: Timestamp,
    /// The case's overall legal due instant, when the route has a term.
    pub due: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// The result or refusal id the case ended with.
    pub result: Option<String>,
    /// Last applied event's sequence number.
    pub version: u64,
}

/// One task of a work list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskRow {
    pub task_id: String,
    pub case_id: String,
    pub step_id: String,
    pub role: String,
    /// The organisation unit whose staff in `role` may take the task.
    pub unit: String,
    pub assignee: Option<String>,
    pub status: TaskStatus,
    pub created_at: Timestamp,
    /// The step's legal due instant, when the step has a limit.
    pub due: Option<Timestamp>,
    /// An escalation task for the unit head about an overdue step or case.
    pub escalation: bool,
    /// A manual check of a state system's answer, and why a person has to
    /// look (`failed: timeout`, `answer: not_delivered`); `None` for other
    /// tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
}

/// A registry record kept as a projection of issued results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegistryRow {
    /// `unemployed`, `targeted_social_assistance`, `semipalatinsk_victims`,
    /// `oralman`, `foreign_labour_permits`.
    pub registry: String,
    /// The person's IIN (or the employer's BIN).
    pub key: String,
    pub region: String,
    /// The record's fields as rules see them (`active`, `since`, `quarters`, …).
    pub record: Value,
    /// The case that produced the record.
    pub case_id: String,
}

/// A timer: fires once at `due` (step limit passed, wait over, case overdue).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimerRow {
    pub timer_id: String,
    pub case_id: String,
    pub due: Timestamp,
    /// e.g. `step_overdue`, `wait_timeout`, `case_overdue`.
    pub kind: String,
    pub payload: Value,
}

/// A request to a state information system waiting in the outbox. It is
/// written in the transaction of the `gateway_requested` event, so a
/// request exists exactly when the event does, and it leaves the outbox in
/// the transaction of the event that records its answer or failure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxRow {
    /// `{case}/q{seq}`; the gateway message id is derived from it.
    pub request_id: String,
    pub case_id: String,
    /// `person_database`, `notary`, `labour_market`, `unemployment_record`,
    /// `payment`, `regional_gateway`.
    pub system: String,
    /// The request as the engine built it (see docs/gateway.md).
    pub payload: Value,
    pub created_at: Timestamp,
}

/// An outbox request leased to a worker, with its delivery state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxClaim {
    pub row: OutboxRow,
    /// Attempts made so far (0 before the first).
    pub attempts: u32,
    /// What went wrong the last time (`timeout`, `http 503`, …).
    pub last_error: Option<String>,
}

/// One attempt at a request: the operational record of the gateway
/// exchange (not part of the hash-chained event log; the answer itself is
/// an event).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExchangeRow {
    pub request_id: String,
    pub case_id: String,
    pub system: String,
    /// 0 for the first attempt.
    pub attempt: u32,
    /// The SOAP messageId (the same on every attempt).
    pub message_id: String,
    pub sent_at: Timestamp,
    pub duration_ms: u64,
    /// `ok`, `timeout`, `connect`, `http 503`, `fault <code>`, `malformed`,
    /// `bad_signature`, `on_delivery`.
    pub status: String,
    /// The answer when there was one (`found`, `not_delivered` …).
    pub answer: Option<String>,
    /// The request and response bodies, truncated (personal data: shown
    /// only to staff of the case's units).
    pub request: Option<String>,
    pub response: Option<String>,
}

/// Calls of one system over a period, for the gateway's health.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExchangeStat {
    pub system: String,
    pub calls: u64,
    /// Attempts whose status is not `ok` (`on_delivery` counts as ok).
    pub errors: u64,
    pub total_ms: u64,
    pub max_ms: u64,
}

/// A change to the projections, applied in the transaction of the events
/// that caused it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ProjectionOp {
    /// Insert or replace the case view.
    PutCase(CaseRow),
    /// Insert or replace a task.
    PutTask(TaskRow),
    /// Insert or replace a registry record (by registry and key).
    PutRegistry(RegistryRow),
    /// Remove a registry record.
    DeleteRegistry { registry: String, key: String },
    /// Schedule a timer (replaces a timer with the same id).
    SetTimer(TimerRow),
    /// Cancel a timer that has not fired.
    CancelTimer { timer_id: String },
    /// Put a request in the outbox (insert; an existing row with the same
    /// id keeps its delivery state).
    PutOutbox(OutboxRow),
    /// A request was answered, failed for good or cancelled: it leaves the
    /// outbox.
    DeleteOutbox { request_id: String },
}

/// Everything one command writes, atomically.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub case_id: String,
    /// The case's last sequence number the command was decided on (0 for a
    /// new case); the append fails with a conflict if the log moved on.
    pub expected_seq: u64,
    /// Retrying a command with the same key changes nothing and returns the
    /// first outcome.
    pub idempotency_key: Option<String>,
    pub events: Vec<NewEvent>,
    pub ops: Vec<ProjectionOp>,
    /// What the application keeps beside the events, committed with them
    /// ([`crate::evidence`]): a crash never leaves a case without the
    /// signature, intake record or files its events speak of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// Evidence: the bytes that prove what a case's events say (the signed
/// request, the signed result, the uploaded files) and the intake record,
/// written in the same transaction as the batch that carries them. It is
/// not derived from events, so `rebuild` leaves it alone; a batch that turns
/// out to be an idempotent duplicate writes none of it again. Where each
/// kind is kept is [`crate::evidence`]'s business, not the caller's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "evidence", rename_all = "snake_case")]
pub enum Evidence {
    /// Who took the application and for whom (a representative), by case.
    Intake { case_id: String, record: Value },
    /// The signed bytes of a portal request and its CMS, by case.
    RequestSignature { case_id: String, record: Value },
    /// Entries of files attached to the case (their bytes are `Blob`s),
    /// added to the case's list.
    Attachments {
        case_id: String,
        entries: Vec<Value>,
    },
    /// The provider's signatures over the result documents, by case.
    ResultSignature { case_id: String, record: Value },
    /// A file's bytes by SHA-256: written once (content-addressed).
    Blob {
        sha256: String,
        content_type: String,
        /// The bytes, base64 (standard alphabet, padded).
        data: String,
    },
    /// The signed draft that became this case is removed.
    DraftRemoved { draft_id: String },
}
