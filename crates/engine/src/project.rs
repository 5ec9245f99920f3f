//! `project`: the projection and timer operations one event implies.

use serde_json::json;

use crate::case::{Case, GatewayRequest, RequestStatus, Task};
use crate::event::{Event, EventData};
use qyzmet_storage::record::{CaseRow, OutboxRow, ProjectionOp, TaskRow, TimerRow};

/// The case view of `case`.
pub fn case_row(case: &Case) -> CaseRow {
    CaseRow {
        case_id: case.case_id.clone(),
        regulation_id: case.regulation_id.clone(),
        regulation_hash: case.regulation_hash.clone(),
        service_id: case.service_id.clone(),
        route: case.route.clone(),
        provider_id: case.provider.id.clone(),
        applicant_id: case.applicant.id.clone(),
        status: case.status(),
        current_steps: case.current_step.iter().cloned().collect(),
        submitted_at: case.submitted_at.unwrap_or_default(),
        due: case.due,
        closed_at: case.closed_at,
        result: case.result.clone(),
        version: case.version,
    }
}

pub fn task_row(case_id: &str, task: &Task) -> TaskRow {
    TaskRow {
        task_id: task.task_id.clone(),
        case_id: case_id.to_owned(),
        step_id: task.step.clone(),
        role: task.role.clone(),
        unit: task.unit.clone(),
        assignee: task.assignee.clone(),
        status: task.status,
        created_at: task.created_at,
        due: task.due,
        escalation: task.escalation,
        check: task.check.clone(),
    }
}

fn outbox_row(case: &Case, request: &GatewayRequest) -> OutboxRow {
    OutboxRow {
        request_id: request.request_id.clone(),
        case_id: case.case_id.clone(),
        system: request.system.as_str().to_owned(),
        payload: request.payload.clone(),
        created_at: request.requested_at,
    }
}

fn timer_row(case: &Case, timer: &crate::case::Timer) -> TimerRow {
    TimerRow {
        timer_id: timer.timer_id.clone(),
        case_id: case.case_id.clone(),
        due: timer.due,
        kind: timer.kind.as_str().to_owned(),
        payload: json!({"step": timer.step, "task": timer.task}),
    }
}

/// What the store writes for `event`, given the case right after it.
/// Every event rewrites the case view; task, timer and registry events add
/// their own rows. A fired timer is removed from the timer table like a
/// cancelled one.
pub fn project(case_after: &Case, event: &Event) -> Vec<ProjectionOp> {
    let mut ops = vec![ProjectionOp::PutCase(case_row(case_after))];
    let task = |task_id: &str| {
        case_after
            .tasks
            .get(task_id)
            .map(|task| ProjectionOp::PutTask(task_row(&case_after.case_id, task)))
    };
    match &event.data {
        EventData::TaskCreated { task_id, .. }
        | EventData::TaskClaimed { task_id, .. }
        | EventData::TaskAssigned { task_id, .. }
        | EventData::TaskCompleted { task_id, .. }
        | EventData::TaskCancelled { task_id } => ops.extend(task(task_id)),
        EventData::TimerSet { timer_id, .. } => {
            if let Some(timer) = case_after.timers.get(timer_id) {
                ops.push(ProjectionOp::SetTimer(timer_row(case_after, timer)));
            }
        }
        EventData::TimerCancelled { timer_id } | EventData::TimerFired { timer_id } => {
            ops.push(ProjectionOp::CancelTimer {
                timer_id: timer_id.clone(),
            });
        }
        EventData::RegistryRecorded { row } => ops.push(ProjectionOp::PutRegistry(row.clone())),
        EventData::GatewayRequested { request_id, .. } => {
            if let Some(request) = case_after.requests.get(request_id) {
                ops.push(ProjectionOp::PutOutbox(outbox_row(case_after, request)));
            }
        }
        EventData::GatewayAnswered { request_id, .. }
        | EventData::GatewayFailed { request_id, .. } => {
            ops.push(ProjectionOp::DeleteOutbox {
                request_id: request_id.clone(),
            });
        }
        EventData::CaseClosed { .. } => {
            ops.extend(
                case_after
                    .requests
                    .values()
                    .filter(|request| request.status == RequestStatus::Cancelled)
                    .map(|request| ProjectionOp::DeleteOutbox {
                        request_id: request.request_id.clone(),
                    }),
            );
        }
        _ => {}
    }
    ops
}

/// The final projections of one case: its view, every task, its active
/// timers and the registry records it produced.
pub(crate) fn final_projections(case: &Case) -> Vec<ProjectionOp> {
    let mut ops = vec![ProjectionOp::PutCase(case_row(case))];
    ops.extend(
        case.tasks
            .values()
            .map(|task| ProjectionOp::PutTask(task_row(&case.case_id, task))),
    );
    ops.extend(
        case.timers
            .values()
            .map(|timer| ProjectionOp::SetTimer(timer_row(case, timer))),
    );
    ops.extend(case.registry.iter().cloned().map(ProjectionOp::PutRegistry));
    ops.extend(
        case.requests
            .values()
            .filter(|request| request.status == RequestStatus::Pending)
            .map(|request| ProjectionOp::PutOutbox(outbox_row(case, request))),
    );
    ops
}
