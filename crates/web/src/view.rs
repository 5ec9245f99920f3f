//! What a case looks like to people: titles from the regulation, local
//! times, time left in working time. Shared by the API and the pages.

use jiff::Timestamp;
use qyzmet_calendar::{LegalClock, Schedule};
use qyzmet_core::Lang;
use qyzmet_engine::Case;
use qyzmet_engine::record::{CaseStatus, TaskRow, TaskStatus};
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::syntax::{Step, StepKind};
use qyzmet_runtime::Runtime;
use serde::Serialize;
use serde_json::{Value, json};

use crate::i18n::{t, text};

/// A task id as one URL path segment (task ids hold a `/`).
pub fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Office hours of providers without their own (built once: looking a time
/// zone up costs more than the rest of a work-list row).
static STANDARD: std::sync::LazyLock<Schedule> = std::sync::LazyLock::new(Schedule::standard);

pub fn schedule_for<'a>(runtime: &'a Runtime, provider_id: &str) -> &'a Schedule {
    runtime.schedules.get(provider_id).unwrap_or(&STANDARD)
}

/// `2026-11-30 14:05` in the provider's time zone.
pub fn local_time(at: Timestamp, schedule: &Schedule) -> String {
    at.to_zoned_datetime(schedule.time_zone().clone())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

pub fn step<'a>(model: &'a ProcessModel, route: &str, step_id: &str) -> Option<&'a Step> {
    model
        .file
        .routes
        .iter()
        .find(|candidate| candidate.key() == route)
        .and_then(|route| route.steps.iter().find(|step| step.id == step_id))
}

pub fn step_action(model: &ProcessModel, route: &str, step_id: &str, lang: Lang) -> String {
    step(model, route, step_id)
        .and_then(|step| step.action.as_ref())
        .map(|action| action.get(lang).to_owned())
        .unwrap_or_else(|| step_id.to_owned())
}

/// Working time left until `due` (negative: overdue), in words.
pub fn time_left(
    runtime: &Runtime,
    schedule: &Schedule,
    now: Timestamp,
    due: Timestamp,
    lang: Lang,
) -> (String, bool) {
    let clock = LegalClock::new(&runtime.calendar, schedule);
    let overdue = clock.is_overdue(due, now);
    let minutes = if overdue {
        clock.working_minutes_between(due, now)
    } else {
        clock.working_minutes_between(now, due)
    };
    let amount = duration_words(minutes, schedule, lang);
    let words = if overdue {
        format!("{} {amount}", t(lang, "time.overdue_by"))
    } else {
        format!("{amount} {}", t(lang, "time.left"))
    };
    (words, overdue)
}

/// Working minutes in words: `2 working days 3 h`, `45 min`.
pub fn duration_words(minutes: i64, schedule: &Schedule, lang: Lang) -> String {
    let per_day = i64::from((schedule.day_seconds() / 60).max(1));
    let (days, rest) = (minutes / per_day, minutes % per_day);
    let (hours, minutes) = (rest / 60, rest % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} {}", t(lang, "time.working_days")));
    }
    if hours > 0 {
        parts.push(format!("{hours} {}", t(lang, "time.hours")));
    }
    if days == 0 && (minutes > 0 || hours == 0) {
        parts.push(format!("{minutes} {}", t(lang, "time.minutes")));
    }
    parts.join(" ")
}

pub fn status_text(status: CaseStatus, lang: Lang) -> String {
    let key = serde_json::to_value(status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default();
    text(lang, &format!("status.{key}")).unwrap_or(key)
}

fn status_key(status: CaseStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A case as the API and the pages show it.
pub fn case_view(
    runtime: &Runtime,
    case: &Case,
    model: &ProcessModel,
    lang: Lang,
    now: Timestamp,
) -> Value {
    let schedule = schedule_for(runtime, &case.provider.id);
    let file = &model.file;
    let trail: Vec<Value> = case
        .trail
        .iter()
        .map(|visit| {
            let step = step(model, &case.route, &visit.step);
            let outcome_label = visit.outcome.as_ref().and_then(|outcome| {
                step.and_then(|step| step.outcomes.iter().find(|o| &o.id == outcome))
                    .map(|o| o.label.get(lang).to_owned())
            });
            // An end step has no action of its own: it is the result.
            let end_result = step
                .filter(|step| step.kind == StepKind::End)
                .and_then(|step| step.result.as_deref())
                .map(|result| model.result_title(result, lang));
            let (label, action) = match end_result {
                Some(result) => (t(lang, "case.result").to_owned(), result),
                None => (
                    step.and_then(|s| s.label.clone()).unwrap_or_else(|| visit.step.clone()),
                    step_action(model, &case.route, &visit.step, lang),
                ),
            };
            json!({
                "step": visit.step,
                "label": label,
                "action": action,
                "role": step.and_then(|s| s.role.as_deref()).map(|role| model.role_title(role, lang)),
                "entered_at": local_time(visit.entered_at, schedule),
                "left_at": visit.left_at.map(|at| local_time(at, schedule)),
                "outcome": visit.outcome,
                "outcome_label": outcome_label,
                "by": visit.by,
            })
        })
        .collect();
    let tasks: Vec<Value> = case
        .tasks
        .values()
        .filter(|task| matches!(task.status, TaskStatus::Open | TaskStatus::Claimed))
        .map(|task| {
            let step = step(model, &case.route, &task.step);
            let left = task
                .due
                .map(|due| time_left(runtime, schedule, now, due, lang));
            // A manual check after a failed request is settled with the
            // answer the system would have given; other tasks of a decision
            // with its outcomes.
            let failed_request = task
                .check
                .as_ref()
                .and(task.about.as_ref())
                .and_then(|request_id| case.requests.get(request_id));
            let outcomes: Vec<Value> = match failed_request {
                Some(request) => request
                    .system
                    .answers()
                    .iter()
                    .map(|answer| json!({"id": answer.as_str(), "label": answer.title().get(lang)}))
                    .collect(),
                None => step
                    .filter(|step| step.kind == StepKind::Decision && task.check.is_none())
                    .map(|step| {
                        step.outcomes
                            .iter()
                            .map(|o| json!({"id": o.id, "label": o.label.get(lang)}))
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            // The payment order needs the amount from the person who
            // completes the step (docs/gateway.md, payment).
            let asks_amount = task.check.is_none()
                && !task.escalation
                && step.is_some_and(|step| step.calls.contains(&qyzmet_core::System::Payment));
            json!({
                "task_id": task.task_id,
                "task_path": path_segment(&task.task_id),
                "step": task.step,
                "action": if task.escalation { t(lang, "task.escalation").to_owned() } else { step_action(model, &case.route, &task.step, lang) },
                "role": task.role,
                "role_title": model.role_title(&task.role, lang),
                "unit": task.unit,
                "assignee": task.assignee,
                "status": task.status,
                "escalation": task.escalation,
                "due": task.due.map(|due| local_time(due, schedule)),
                "left": left.as_ref().map(|(words, _)| words.clone()),
                "overdue": left.as_ref().is_some_and(|(_, overdue)| *overdue),
                "outcomes": outcomes,
                "check": task.check,
                "asks_amount": asks_amount,
            })
        })
        .collect();
    let documents: Vec<Value> = file
        .documents
        .iter()
        .filter(|document| {
            case.channel
                .is_some_and(|channel| document.channels.contains(&channel))
        })
        .map(|document| {
            json!({
                "id": document.id,
                "title": document.title.get(lang),
                "handed_in": case.documents.get(&document.id).copied().unwrap_or(false),
            })
        })
        .collect();
    let form: Vec<Value> = file
        .form
        .iter()
        .filter_map(|field| {
            case.form.get(&field.id).map(|value| {
                json!({"id": field.id, "title": field.title.get(lang), "value": match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                }})
            })
        })
        .collect();
    let left = case
        .due
        .map(|due| time_left(runtime, schedule, now, due, lang));
    let ground = case.refusal_ground.as_ref().and_then(|ground| {
        file.service
            .refusal_grounds
            .iter()
            .find(|candidate| &candidate.id == ground)
            .map(|ground| ground.text.get(lang).to_owned())
    });
    let route_title = file
        .routes
        .iter()
        .find(|route| route.key() == case.route)
        .and_then(|route| route.title.as_ref().map(|title| title.get(lang).to_owned()));
    json!({
        "case_id": case.case_id,
        "regulation_id": case.regulation_id,
        "regulation_hash": case.regulation_hash,
        "service_title": file.service.title.get(lang),
        "route": case.route,
        "channel": case.channel.map(|channel| channel.as_str()),
        "channel_title": case.channel.map(|channel| t(lang, &format!("channel.{}", channel.as_str())).to_owned()),
        "route_title": route_title,
        "provider_id": case.provider.id,
        "status": status_key(case.status()),
        "status_text": status_text(case.status(), lang),
        "closed": case.is_closed(),
        "submitted_at": case.submitted_at.map(|at| local_time(at, schedule)),
        "accepted_at": case.accepted_at.map(|at| local_time(at, schedule)),
        "receipt": case.receipt,
        "due": case.due.map(|due| local_time(due, schedule)),
        "left": if case.is_closed() { None } else { left.as_ref().map(|(words, _)| words.clone()) },
        "overdue": case.overdue || (!case.is_closed() && left.as_ref().is_some_and(|(_, overdue)| *overdue)),
        "extended": case.extended,
        "closed_at": case.closed_at.map(|at| local_time(at, schedule)),
        "result": case.result,
        "result_title": case.result.as_ref().map(|id| model.result_title(id, lang)),
        "refusal_ground": ground,
        "signature": case.signature.as_ref().map(|signature| json!({
            "confirmed": signature.is_valid(),
            "text": crate::signing::signature_text(signature, lang),
            "signer": signature.signer,
            "failure": signature.failure,
        })),
        "executors": case.executors,
        "trail": trail,
        "tasks": tasks,
        "documents": documents,
        "form": form,
        "version": case.version,
    })
}

/// One work-list row with the legal clock. A typed row (not a JSON value):
/// work lists are the hottest read, and borrowing the regulation's texts
/// saves an allocation per field.
#[derive(Debug, Serialize)]
pub struct TaskView<'a> {
    pub task_id: &'a str,
    /// `task_id` as one URL path segment.
    pub task_path: String,
    pub case_id: &'a str,
    pub step: &'a str,
    pub action: &'a str,
    pub service_title: Option<&'a str>,
    pub role: &'a str,
    pub role_title: &'a str,
    pub unit: &'a str,
    pub assignee: Option<&'a str>,
    pub status: TaskStatus,
    pub escalation: bool,
    pub created_at: String,
    pub due: Option<String>,
    pub left: Option<String>,
    pub overdue: bool,
}

pub fn task_view<'a>(
    runtime: &Runtime,
    row: &'a TaskRow,
    model: Option<&'a ProcessModel>,
    route: &str,
    lang: Lang,
    now: Timestamp,
) -> TaskView<'a> {
    let provider = row.unit.split('/').next().unwrap_or_default();
    let schedule = schedule_for(runtime, provider);
    let left = row
        .due
        .map(|due| time_left(runtime, schedule, now, due, lang));
    let step = model.and_then(|model| step(model, route, &row.step_id));
    let action = if row.escalation {
        t(lang, "task.escalation")
    } else {
        step.and_then(|step| step.action.as_ref())
            .map(|action| action.get(lang))
            .unwrap_or(&row.step_id)
    };
    let role_title = model
        .and_then(|model| model.file.roles.iter().find(|role| role.id == row.role))
        .map(|role| role.title.get(lang))
        .unwrap_or(&row.role);
    TaskView {
        task_id: &row.task_id,
        task_path: path_segment(&row.task_id),
        case_id: &row.case_id,
        step: &row.step_id,
        action,
        service_title: model.map(|model| model.file.service.title.get(lang)),
        role: &row.role,
        role_title,
        unit: &row.unit,
        assignee: row.assignee.as_deref(),
        status: row.status,
        escalation: row.escalation,
        created_at: local_time(row.created_at, schedule),
        due: row.due.map(|due| local_time(due, schedule)),
        overdue: left.as_ref().is_some_and(|(_, overdue)| *overdue),
        left: left.map(|(words, _)| words),
    }
}
