//! `execute` (decide + apply + project, packed as the store's `Batch`) and
//! `replay` (stored events back into state).

use crate::apply::apply;
use crate::case::Case;
use crate::command::Command;
use crate::decide::{Context, decide};
use crate::error::EngineError;
use crate::event::{Event, EventData};
use crate::project::{final_projections, project};
use qyzmet_storage::record::{Batch, NewEvent, Payload, ProjectionOp, StoredEvent};

/// The outcome of one command.
#[derive(Clone, Debug, PartialEq)]
pub struct Executed {
    pub events: Vec<Event>,
    /// The case after the events.
    pub case: Case,
    /// What the store appends and applies, in one transaction.
    pub batch: Batch,
}

pub fn execute(
    state: Option<&Case>,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Executed, EngineError> {
    let events = decide(state, command, ctx)?;
    let expected_seq = state.map_or(0, |case| case.version);
    let mut case = state.cloned();
    let mut new_events = Vec::with_capacity(events.len());
    let mut ops = Vec::new();
    for (offset, event) in events.iter().enumerate() {
        let after = apply(case.take(), event);
        ops.extend(project(&after, event));
        let payload = Payload::to_json(event).map_err(|error| EngineError::Serialization {
            message: error.to_string(),
        })?;
        new_events.push(NewEvent {
            seq: expected_seq + offset as u64 + 1,
            kind: event.kind().to_owned(),
            payload,
            at: event.at,
        });
        case = Some(after);
    }
    let case = case.unwrap_or_default();
    Ok(Executed {
        batch: Batch {
            case_id: command.case_id.clone(),
            expected_seq,
            idempotency_key: command.idempotency_key.clone(),
            events: new_events,
            ops: compact(ops),
            evidence: Vec::new(),
        },
        events,
        case,
    })
}

/// Drops operations a later one in the same batch supersedes (an earlier
/// view of the same case or task), keeping the order of the rest.
fn compact(ops: Vec<ProjectionOp>) -> Vec<ProjectionOp> {
    let key = |op: &ProjectionOp| match op {
        ProjectionOp::PutCase(row) => Some(format!("case\u{0}{}", row.case_id)),
        ProjectionOp::PutTask(row) => Some(format!("task\u{0}{}", row.task_id)),
        _ => None,
    };
    let mut last = std::collections::HashMap::new();
    for (index, op) in ops.iter().enumerate() {
        if let Some(key) = key(op) {
            last.insert(key, index);
        }
    }
    ops.into_iter()
        .enumerate()
        .filter(|(index, op)| key(op).is_none_or(|key| last.get(&key) == Some(index)))
        .map(|(_, op)| op)
        .collect()
}

/// Folds a case's stored events (in `seq` order, starting at 1) back into
/// its state. An empty log is no case.
pub fn replay(stored: &[StoredEvent]) -> Result<Option<Case>, EngineError> {
    let mut case: Option<Case> = None;
    for (index, row) in stored.iter().enumerate() {
        let corrupt = |reason: String| EngineError::CorruptLog {
            seq: row.seq,
            reason,
        };
        if row.seq != index as u64 + 1 {
            return Err(corrupt(format!("expected seq {}", index + 1)));
        }
        if let Some(first) = stored.first()
            && row.case_id != first.case_id
        {
            return Err(corrupt("events of two cases".into()));
        }
        let event: Event = serde_json::from_value(row.payload.clone())
            .map_err(|error| corrupt(format!("unreadable payload: {error}")))?;
        if event.kind() != row.kind {
            return Err(corrupt(format!(
                "kind `{}` but payload `{}`",
                row.kind,
                event.kind()
            )));
        }
        let submitted = matches!(event.data, EventData::CaseSubmitted { .. });
        if submitted != (index == 0) {
            return Err(corrupt(
                "a case starts with exactly one case_submitted".into(),
            ));
        }
        case = Some(apply(case, &event));
    }
    Ok(case)
}

/// The final projections of one case from its stored events (for the
/// store's rebuild).
pub fn project_all(stored: &[StoredEvent]) -> Result<Vec<ProjectionOp>, EngineError> {
    Ok(replay(stored)?
        .map(|case| final_projections(&case))
        .unwrap_or_default())
}
