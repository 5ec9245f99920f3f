//! Conversions between record types and column values shared by both backends.

use jiff::Timestamp;
use qyzmet_storage::record::{CaseStatus, TaskStatus};
use serde_json::Value;

use crate::StoreError;

/// Projection instants are stored as i64 nanoseconds since the Unix epoch so
/// that indexes order them (1677..2262 fits).
pub(crate) fn ts_to_ns(ts: Timestamp) -> Result<i64, StoreError> {
    i64::try_from(ts.as_nanosecond())
        .map_err(|_| StoreError::Invalid(format!("instant {ts} out of the stored range")))
}

pub(crate) fn ns_to_ts(ns: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_nanosecond(i128::from(ns))
        .map_err(|e| StoreError::Corrupt(format!("instant {ns}: {e}")))
}

pub(crate) fn opt_ts_to_ns(ts: Option<Timestamp>) -> Result<Option<i64>, StoreError> {
    ts.map(ts_to_ns).transpose()
}

pub(crate) fn opt_ns_to_ts(ns: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    ns.map(ns_to_ts).transpose()
}

/// Event instants are stored as the text that is hashed.
pub(crate) fn parse_at(text: &str) -> Result<Timestamp, StoreError> {
    text.parse::<Timestamp>()
        .map_err(|e| StoreError::Corrupt(format!("event instant {text:?}: {e}")))
}

pub(crate) fn to_json_text(value: &Value) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(format!("payload: {e}")))
}

pub(crate) fn parse_json(text: &str, what: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn u64_to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value)
        .map_err(|_| StoreError::Invalid(format!("{value} out of the stored range")))
}

pub(crate) fn i64_to_u64(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| {
        StoreError::Corrupt(format!(
            "negative number {value} where a sequence is stored"
        ))
    })
}

pub(crate) fn case_status_str(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Submitted => "submitted",
        CaseStatus::InProgress => "in_progress",
        CaseStatus::Waiting => "waiting",
        CaseStatus::Completed => "completed",
        CaseStatus::Refused => "refused",
        CaseStatus::RefusedToAccept => "refused_to_accept",
        CaseStatus::Withdrawn => "withdrawn",
    }
}

pub(crate) fn parse_case_status(text: &str) -> Result<CaseStatus, StoreError> {
    Ok(match text {
        "submitted" => CaseStatus::Submitted,
        "in_progress" => CaseStatus::InProgress,
        "waiting" => CaseStatus::Waiting,
        "completed" => CaseStatus::Completed,
        "refused" => CaseStatus::Refused,
        "refused_to_accept" => CaseStatus::RefusedToAccept,
        "withdrawn" => CaseStatus::Withdrawn,
        other => {
            return Err(StoreError::Corrupt(format!(
                "unknown case status {other:?}"
            )));
        }
    })
}

pub(crate) fn task_status_str(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Open => "open",
        TaskStatus::Claimed => "claimed",
        TaskStatus::Done => "done",
        TaskStatus::Cancelled => "cancelled",
    }
}

pub(crate) fn parse_task_status(text: &str) -> Result<TaskStatus, StoreError> {
    Ok(match text {
        "open" => TaskStatus::Open,
        "claimed" => TaskStatus::Claimed,
        "done" => TaskStatus::Done,
        "cancelled" => TaskStatus::Cancelled,
        other => {
            return Err(StoreError::Corrupt(format!(
                "unknown task status {other:?}"
            )));
        }
    })
}

/// Tasks are ordered by due instant with "no due" last: the sort key is the
/// due instant in nanoseconds or `i64::MAX`.
pub(crate) fn due_key(due: Option<i64>) -> i64 {
    due.unwrap_or(i64::MAX)
}

pub(crate) fn steps_to_text(steps: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(steps).map_err(|e| StoreError::Invalid(format!("current_steps: {e}")))
}

pub(crate) fn steps_from_text(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("current_steps: {e}")))
}
