//! One work-list row ([`TaskView`]).

use jiff::Timestamp;
use qyzmet_core::Lang;
use qyzmet_regulation::ProcessModel;
use qyzmet_runtime::Runtime;
use qyzmet_storage::record::{TaskRow, TaskStatus};
use serde::Serialize;
use utoipa::ToSchema;

use super::{local_time, path_segment, schedule_for, step, time_left};
use crate::i18n::t;

/// One work-list row with the legal clock. A typed row (not a JSON value):
/// work lists are the hottest read, and borrowing the regulation's texts
/// saves an allocation per field.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView<'a> {
    pub task_id: &'a str,
    /// `task_id` as one URL path segment.
    pub task_path: String,
    pub case_id: &'a str,
    pub step: &'a str,
    /// What is done at the step, in the requested language.
    pub action: &'a str,
    pub service_title: Option<&'a str>,
    pub role: &'a str,
    pub role_title: &'a str,
    /// The organisation unit the task is for.
    pub unit: &'a str,
    pub assignee: Option<&'a str>,
    /// `open` or `claimed`.
    #[schema(value_type = String)]
    pub status: TaskStatus,
    /// A task raised because the step's term ran out.
    pub escalation: bool,
    /// Local time `YYYY-MM-DD HH:MM` in the provider's time zone.
    pub created_at: String,
    pub due: Option<String>,
    /// Working time left (or overdue by), in words.
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
        .and_then(|model| model.role(&row.role))
        .map(|role| role.title.get(lang))
        .unwrap_or(&row.role);
    TaskView {
        task_id: &row.task_id,
        task_path: path_segment(&row.task_id),
        case_id: &row.case_id,
        step: &row.step_id,
        action,
        service_title: model.map(|model| model.service_title().get(lang)),
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
