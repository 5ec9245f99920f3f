//! A case as the API and the pages show it ([`CaseView`]), and what the
//! API adds to it ([`CaseDetail`]).

use jiff::Timestamp;
use qyzmet_core::Lang;
use qyzmet_engine::Case;
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::model::StepKind;
use qyzmet_runtime::Runtime;
use qyzmet_storage::record::TaskStatus;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

use super::{
    local_time, path_segment, schedule_for, status_key, status_text, step, step_action, time_left,
};
use crate::i18n::t;

/// A case: status, terms in the provider's local time and working time,
/// the timeline, the open tasks, the documents and the form.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub case_id: String,
    pub regulation_id: String,
    /// Content hash of the regulation edition the case runs under.
    pub regulation_hash: String,
    /// The service's title in the requested language.
    pub service_title: String,
    /// `channel` or `channel/variant`.
    pub route: String,
    /// `portal`, `provider` or `gov_center`; null for cases not filed by a person.
    pub channel: Option<&'static str>,
    pub channel_title: Option<String>,
    /// The route's own title, when the regulation gives one.
    pub route_title: Option<String>,
    pub provider_id: String,
    /// Status key, e.g. `in_progress`, `completed`, `refused`.
    pub status: String,
    /// The status in words.
    pub status_text: String,
    pub closed: bool,
    /// Local time `YYYY-MM-DD HH:MM` in the provider's time zone (as every time here).
    pub submitted_at: Option<String>,
    pub accepted_at: Option<String>,
    /// The receipt number given on acceptance.
    pub receipt: Option<String>,
    /// The legal due time of the whole case.
    pub due: Option<String>,
    /// Working time left (or overdue by), in words; null once closed.
    pub left: Option<String>,
    pub overdue: bool,
    /// The term was extended once.
    pub extended: bool,
    pub closed_at: Option<String>,
    /// The result or refusal id the case ended with.
    pub result: Option<String>,
    pub result_title: Option<String>,
    /// The refusal ground's text, when refused on one.
    pub refusal_ground: Option<String>,
    /// The check of the applicant's signature of the request (portal).
    pub signature: Option<SignatureView>,
    /// Role id → login of the executor the head assigned.
    pub executors: BTreeMap<String, String>,
    /// The steps the case went through, oldest first.
    pub trail: Vec<TimelineEntry>,
    /// Open and claimed tasks.
    pub tasks: Vec<CaseTask>,
    /// The documents the case's channel asks for.
    pub documents: Vec<DocumentView>,
    /// The filled form fields, in the regulation's order.
    pub form: Vec<FormEntry>,
    /// Last applied event's sequence number (for `expected_version`).
    pub version: u64,
}

/// The applicant's signature of the request, as checked.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureView {
    pub confirmed: bool,
    /// The check in words.
    pub text: String,
    /// The signer's name from the certificate.
    pub signer: Option<String>,
    /// Why the signature was not confirmed.
    pub failure: Option<String>,
}

/// One visit of a step on the timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    /// Step id.
    pub step: String,
    /// The step's label (for an end step: "result").
    pub label: String,
    /// What is done at the step (for an end step: the result's title).
    pub action: String,
    /// The title of the role that does it.
    pub role: Option<String>,
    pub entered_at: String,
    pub left_at: Option<String>,
    /// The outcome id the step left with.
    pub outcome: Option<String>,
    pub outcome_label: Option<String>,
    /// Login of who completed it.
    pub by: Option<String>,
}

/// An open task of the case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseTask {
    pub task_id: String,
    /// `task_id` as one URL path segment.
    pub task_path: String,
    pub step: String,
    pub action: String,
    pub role: String,
    pub role_title: String,
    /// The organisation unit the task is for.
    pub unit: String,
    pub assignee: Option<String>,
    /// `open` or `claimed`.
    #[schema(value_type = String)]
    pub status: TaskStatus,
    /// A task raised because the step's term ran out.
    pub escalation: bool,
    pub due: Option<String>,
    pub left: Option<String>,
    pub overdue: bool,
    /// The outcomes to complete it with (a decision, or the answers of a
    /// failed request checked by hand).
    pub outcomes: Vec<OutcomeView>,
    /// The check this task settles by hand, if it is one.
    pub check: Option<String>,
    /// Completing it asks for the amount to pay.
    pub asks_amount: bool,
}

/// An outcome one may complete a task with.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeView {
    pub id: String,
    pub label: String,
}

/// A document of the regulation and whether it was handed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub title: String,
    pub handed_in: bool,
}

/// A filled form field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormEntry {
    pub id: String,
    pub title: String,
    /// The value as text.
    pub value: String,
}

/// `GET /api/cases/{case_id}`: the case view with its history, files and
/// exchanges.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: CaseView,
    /// The case's events, oldest first.
    pub history: Vec<HistoryEntry>,
    /// The files attached to the case.
    pub attachments: Vec<AttachmentView>,
    /// The case's requests to state systems.
    pub requests: Vec<super::RequestView>,
    /// Every message exchanged with state systems (staff only: absent for
    /// citizens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchanges: Option<Vec<super::ExchangeView>>,
}

/// One event of the case's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub seq: u64,
    /// Event kind, e.g. `submitted`, `task_completed`.
    pub kind: String,
    /// RFC 3339 instant.
    pub at: String,
    /// The event's hash in the case's chain.
    pub hash: String,
}

/// A file attached to a case: `document` (id), `name`, `type` (MIME),
/// `size` (bytes), `sha256`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct AttachmentView(pub Value);

/// A case as the API and the pages show it.
pub fn case_view(
    runtime: &Runtime,
    case: &Case,
    model: &ProcessModel,
    lang: Lang,
    now: Timestamp,
) -> CaseView {
    let schedule = schedule_for(runtime, &case.provider.id);
    let trail = case
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
                    step.and_then(|s| s.label.clone())
                        .unwrap_or_else(|| visit.step.clone()),
                    step_action(model, &case.route, &visit.step, lang),
                ),
            };
            TimelineEntry {
                step: visit.step.clone(),
                label,
                action,
                role: step
                    .and_then(|s| s.role.as_deref())
                    .map(|role| model.role_title(role, lang)),
                entered_at: local_time(visit.entered_at, schedule),
                left_at: visit.left_at.map(|at| local_time(at, schedule)),
                outcome: visit.outcome.clone(),
                outcome_label,
                by: visit.by.clone(),
            }
        })
        .collect();
    let tasks = case
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
            let outcomes = match failed_request {
                Some(request) => request
                    .system
                    .answers()
                    .iter()
                    .map(|answer| OutcomeView {
                        id: answer.as_str().to_owned(),
                        label: answer.title().get(lang).to_owned(),
                    })
                    .collect(),
                None => step
                    .filter(|step| step.kind == StepKind::Decision && task.check.is_none())
                    .map(|step| {
                        step.outcomes
                            .iter()
                            .map(|o| OutcomeView {
                                id: o.id.clone(),
                                label: o.label.get(lang).to_owned(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            // The payment order needs the amount from the person who
            // completes the step (docs/gateway.md, payment).
            let asks_amount = task.check.is_none()
                && !task.escalation
                && step.is_some_and(|step| step.calls.contains(&qyzmet_core::System::Payment));
            CaseTask {
                task_id: task.task_id.clone(),
                task_path: path_segment(&task.task_id),
                step: task.step.clone(),
                action: if task.escalation {
                    t(lang, "task.escalation").to_owned()
                } else {
                    step_action(model, &case.route, &task.step, lang)
                },
                role: task.role.clone(),
                role_title: model.role_title(&task.role, lang),
                unit: task.unit.clone(),
                assignee: task.assignee.clone(),
                status: task.status,
                escalation: task.escalation,
                due: task.due.map(|due| local_time(due, schedule)),
                overdue: left.as_ref().is_some_and(|(_, overdue)| *overdue),
                left: left.map(|(words, _)| words),
                outcomes,
                check: task.check.clone(),
                asks_amount,
            }
        })
        .collect();
    let documents = model
        .documents()
        .iter()
        .filter(|document| {
            case.channel
                .is_some_and(|channel| document.channels.contains(&channel))
        })
        .map(|document| DocumentView {
            id: document.id.clone(),
            title: document.title.get(lang).to_owned(),
            handed_in: case.documents.get(&document.id).copied().unwrap_or(false),
        })
        .collect();
    let form = model
        .form()
        .iter()
        .filter_map(|field| {
            case.form.get(&field.id).map(|value| FormEntry {
                id: field.id.clone(),
                title: field.title.get(lang).to_owned(),
                value: match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                },
            })
        })
        .collect();
    let left = case
        .due
        .map(|due| time_left(runtime, schedule, now, due, lang));
    let ground = case.refusal_ground.as_ref().and_then(|ground| {
        model
            .service()
            .refusal_grounds
            .iter()
            .find(|candidate| &candidate.id == ground)
            .map(|ground| ground.text.get(lang).to_owned())
    });
    let route_title = model
        .route(&case.route)
        .and_then(|route| route.title().map(|title| title.get(lang).to_owned()));
    let closed = case.is_closed();
    CaseView {
        case_id: case.case_id.clone(),
        regulation_id: case.regulation_id.clone(),
        regulation_hash: case.regulation_hash.clone(),
        service_title: model.service().title.get(lang).to_owned(),
        route: case.route.clone(),
        channel: case.channel.map(|channel| channel.as_str()),
        channel_title: case
            .channel
            .map(|channel| t(lang, &format!("channel.{}", channel.as_str())).to_owned()),
        route_title,
        provider_id: case.provider.id.clone(),
        status: status_key(case.status()),
        status_text: status_text(case.status(), lang),
        closed,
        submitted_at: case.submitted_at.map(|at| local_time(at, schedule)),
        accepted_at: case.accepted_at.map(|at| local_time(at, schedule)),
        receipt: case.receipt.clone(),
        due: case.due.map(|due| local_time(due, schedule)),
        left: if closed {
            None
        } else {
            left.as_ref().map(|(words, _)| words.clone())
        },
        overdue: case.overdue || (!closed && left.as_ref().is_some_and(|(_, overdue)| *overdue)),
        extended: case.extended,
        closed_at: case.closed_at.map(|at| local_time(at, schedule)),
        result: case.result.clone(),
        result_title: case.result.as_ref().map(|id| model.result_title(id, lang)),
        refusal_ground: ground,
        signature: case.signature.as_ref().map(|signature| SignatureView {
            confirmed: signature.is_valid(),
            text: super::signature_text(signature, lang),
            signer: signature.signer.clone(),
            failure: signature.failure.clone(),
        }),
        executors: case.executors.clone(),
        trail,
        tasks,
        documents,
        form,
        version: case.version,
    }
}
