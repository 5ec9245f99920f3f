//! `apply`: fold one event into the case state. Total and infallible: it
//! never fails and never panics; an event that does not fit the state (only
//! possible with a hand-made log, which `replay` rejects first) is recorded
//! as far as it makes sense.

use crate::case::{Case, GatewayRequest, RequestStatus, StepVisit, Task, Timer};
use crate::event::{Event, EventData};
use qyzmet_storage::record::{CaseStatus, TaskStatus};

pub fn apply(state: Option<Case>, event: &Event) -> Case {
    let mut case = state.unwrap_or_default();
    case.version += 1;
    let at = event.at;
    match &event.data {
        EventData::CaseSubmitted {
            case_id,
            regulation_id,
            regulation_hash,
            service_id,
            route,
            channel,
            variant,
            applicant,
            form,
            documents,
            provider,
            checks,
            signature,
            representative,
            due,
            by,
        } => {
            case.case_id = case_id.clone();
            case.regulation_id = regulation_id.clone();
            case.regulation_hash = regulation_hash.clone();
            case.service_id = service_id.clone();
            case.route = route.clone();
            case.channel = Some(*channel);
            case.variant = variant.clone();
            case.applicant = applicant.clone();
            case.form = form.clone();
            case.documents = documents.clone();
            case.provider = provider.clone();
            case.checks = checks.clone();
            case.signature = signature.clone();
            case.representative = representative.clone();
            case.submitted_by = by.clone();
            case.status = Some(CaseStatus::Submitted);
            case.submitted_at = Some(at);
            case.due = *due;
        }
        EventData::CaseAccepted { receipt } => {
            case.receipt = Some(receipt.clone());
            case.accepted_at = Some(at);
            if case.status() == CaseStatus::Submitted {
                case.status = Some(CaseStatus::InProgress);
            }
        }
        EventData::StepEntered { step } => {
            case.current_step = Some(step.clone());
            case.trail.push(StepVisit {
                step: step.clone(),
                entered_at: at,
                left_at: None,
                outcome: None,
                by: None,
            });
        }
        EventData::StepPassed { step, outcome, by } => {
            leave_step(&mut case, step, outcome.clone(), Some(by.clone()), at);
        }
        EventData::RuleFailed {
            rule,
            refusal: _,
            ground,
            step,
        } => {
            case.refused_by_rule = Some(rule.clone());
            case.refused_at_step = step.clone();
            case.refusal_ground = ground.clone();
        }
        EventData::TaskCreated {
            task_id,
            step,
            role,
            unit,
            assignee,
            due,
            escalation,
            about,
            wait,
            check,
        } => {
            let status = if assignee.is_some() {
                TaskStatus::Claimed
            } else {
                TaskStatus::Open
            };
            case.tasks.insert(
                task_id.clone(),
                Task {
                    task_id: task_id.clone(),
                    step: step.clone(),
                    role: role.clone(),
                    unit: unit.clone(),
                    assignee: assignee.clone(),
                    status,
                    created_at: at,
                    due: *due,
                    escalation: *escalation,
                    about: about.clone(),
                    check: check.clone(),
                    outcome: None,
                    completed_by: None,
                    closed_at: None,
                },
            );
            if *wait && !case.is_closed() {
                case.status = Some(CaseStatus::Waiting);
            }
            if check.is_some()
                && let Some(request) = about.as_ref().and_then(|id| case.requests.get_mut(id))
            {
                request.manual_task = Some(task_id.clone());
            }
        }
        EventData::GatewayRequested {
            request_id,
            step,
            system,
            payload,
        } => {
            let visit = case.trail.len().saturating_sub(1);
            case.requests.insert(
                request_id.clone(),
                GatewayRequest {
                    request_id: request_id.clone(),
                    step: step.clone(),
                    visit,
                    system: *system,
                    payload: payload.clone(),
                    status: RequestStatus::Pending,
                    requested_at: at,
                    answer: None,
                    data: serde_json::Value::Null,
                    answered_by: None,
                    answered_at: None,
                    failure: None,
                    manual_task: None,
                },
            );
        }
        EventData::GatewayAnswered {
            request_id,
            answer,
            data,
            by,
        } => {
            if let Some(request) = case.requests.get_mut(request_id) {
                request.status = RequestStatus::Answered;
                request.answer = Some(*answer);
                request.data = data.clone();
                request.answered_by = Some(by.clone());
                request.answered_at = Some(at);
            }
        }
        EventData::GatewayFailed { request_id, reason } => {
            if let Some(request) = case.requests.get_mut(request_id) {
                request.status = RequestStatus::Failed;
                request.failure = Some(reason.clone());
            }
        }
        EventData::TaskClaimed { task_id, by } => {
            if let Some(task) = case.tasks.get_mut(task_id) {
                task.assignee = Some(by.clone());
                task.status = TaskStatus::Claimed;
            }
        }
        EventData::TaskAssigned {
            task_id, assignee, ..
        } => {
            if let Some(task) = case.tasks.get_mut(task_id) {
                task.assignee = assignee.clone();
                task.status = if assignee.is_some() {
                    TaskStatus::Claimed
                } else {
                    TaskStatus::Open
                };
            }
        }
        EventData::TaskCompleted {
            task_id,
            by,
            outcome,
            data,
        } => {
            let mut left = None;
            if let Some(task) = case.tasks.get_mut(task_id) {
                task.status = TaskStatus::Done;
                task.outcome = outcome.clone();
                task.completed_by = Some(by.clone());
                task.closed_at = Some(at);
                if task.assignee.is_none() {
                    task.assignee = Some(by.clone());
                }
                // A manual check standing in for one request leaves the
                // step only through that request's resolution.
                let stands_in_for_request = task.check.is_some() && task.about.is_some();
                if !task.escalation && !stands_in_for_request {
                    left = Some(task.step.clone());
                }
            }
            if let Some(step) = left {
                if !data.is_null() {
                    case.data.insert(step.clone(), data.clone());
                }
                leave_step(&mut case, &step, outcome.clone(), Some(by.clone()), at);
                end_wait(&mut case);
            }
        }
        EventData::TaskCancelled { task_id } => {
            if let Some(task) = case.tasks.get_mut(task_id) {
                task.status = TaskStatus::Cancelled;
                task.closed_at = Some(at);
            }
            end_wait(&mut case);
        }
        EventData::ExecutorAssigned { role, executor, .. } => {
            case.executors.insert(role.clone(), executor.clone());
        }
        EventData::TimerSet {
            timer_id,
            kind,
            due,
            step,
            task,
        } => {
            case.timers.insert(
                timer_id.clone(),
                Timer {
                    timer_id: timer_id.clone(),
                    kind: *kind,
                    due: *due,
                    step: step.clone(),
                    task: task.clone(),
                },
            );
        }
        EventData::TimerCancelled { timer_id } | EventData::TimerFired { timer_id } => {
            case.timers.remove(timer_id);
        }
        EventData::StepOverdue { .. } => {}
        EventData::CaseOverdue { .. } => {
            case.overdue = true;
        }
        EventData::TermExtended { reason, due, .. } => {
            case.extended = true;
            case.extension_reason = Some(reason.clone());
            case.due = Some(*due);
            case.overdue = false;
        }
        EventData::RegistryRecorded { row } => {
            case.registry.push(row.clone());
        }
        EventData::CaseWithdrawn { reason, .. } => {
            case.withdrawal_reason = reason.clone();
        }
        EventData::CaseClosed { status, result } => {
            case.status = Some(*status);
            case.result = result.clone();
            case.closed_at = Some(at);
            case.current_step = None;
            for request in case.requests.values_mut() {
                if matches!(
                    request.status,
                    RequestStatus::Pending | RequestStatus::Failed
                ) {
                    request.status = RequestStatus::Cancelled;
                }
            }
            if let Some(visit) = case.trail.last_mut()
                && visit.left_at.is_none()
            {
                visit.left_at = Some(at);
            }
        }
        EventData::CaseReopened {
            appeal,
            waived_rule,
            ..
        } => {
            case.status = Some(if case.accepted_at.is_some() {
                CaseStatus::InProgress
            } else {
                CaseStatus::Submitted
            });
            case.result = None;
            case.closed_at = None;
            case.refused_by_rule = None;
            case.refused_at_step = None;
            case.refusal_ground = None;
            case.waived_rules.extend(waived_rule.iter().cloned());
            case.reopened_by.push(appeal.clone());
        }
    }
    case
}

fn leave_step(
    case: &mut Case,
    step: &str,
    outcome: Option<String>,
    by: Option<String>,
    at: jiff::Timestamp,
) {
    let open = case
        .trail
        .iter()
        .rposition(|visit| visit.step == step && visit.left_at.is_none());
    // A task that asks state systems was left when its person completed
    // it; the answer that follows is still that visit's outcome.
    let asked_after_task = || {
        case.trail
            .len()
            .checked_sub(1)
            .filter(|&last| case.trail[last].step == step && outcome.is_some())
    };
    if let Some(index) = open.or_else(asked_after_task) {
        let visit = &mut case.trail[index];
        visit.left_at = Some(at);
        visit.outcome = outcome;
        visit.by = by;
    }
    if case.current_step.as_deref() == Some(step) {
        case.current_step = None;
    }
}

fn end_wait(case: &mut Case) {
    if case.status() == CaseStatus::Waiting {
        case.status = Some(if case.accepted_at.is_some() {
            CaseStatus::InProgress
        } else {
            CaseStatus::Submitted
        });
    }
}
