//! The operations the JSON API and the pages share, over the application
//! layer (`qyzmet-app`): each is a thin adapter from the web's types
//! (`AppError`, the server's directory) to a typed operation. A leaf of the
//! web crate: the handler modules use it, it uses none of them.

use std::collections::BTreeMap;

use qyzmet_app::tasks::{Act, Signatures};
use qyzmet_core::Lang;
use qyzmet_engine::{Action, Case, Command};
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::model::FieldType;
use qyzmet_runtime::Runtime;
use qyzmet_storage::record::{CaseStatus, TaskRow};
use qyzmet_store::{CaseQuery, CaseStat, TaskQuery};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::AppError;
use crate::auth::{Account, AccountKind};
use crate::demo::{self, ProviderRecord};
use crate::view;

/// A regulation of the catalogue by id.
pub fn regulation<'a>(runtime: &'a Runtime, id: &str) -> Result<&'a ProcessModel, AppError> {
    Ok(qyzmet_app::submit::regulation(runtime, id)?)
}

pub use qyzmet_app::SubmitRequest;

/// Converts form text (from an HTML form) to the field's JSON type.
pub fn typed_form(
    model: &ProcessModel,
    raw: &BTreeMap<String, String>,
) -> Result<serde_json::Map<String, Value>, AppError> {
    let mut form = serde_json::Map::new();
    for field in model.form() {
        let Some(text) = raw.get(&field.id).map(|text| text.trim()) else {
            continue;
        };
        if text.is_empty() && field.ty != FieldType::Bool {
            continue;
        }
        let value = match field.ty {
            FieldType::String | FieldType::Date | FieldType::Enum => json!(text),
            FieldType::Int => json!(text.parse::<i64>().map_err(|_| {
                AppError::bad_request(
                    "invalid_form",
                    format!("`{}` is not a whole number", field.id),
                )
            })?),
            FieldType::Bool => json!(matches!(text, "on" | "true" | "1" | "yes")),
        };
        form.insert(field.id.clone(), value);
    }
    Ok(form)
}

/// Files an application through the application layer
/// ([`qyzmet_app::submit`]: the rules of intake, the case and its evidence
/// in one transaction). Portal requests come signed, through
/// [`crate::signing`].
pub fn submit_case(
    runtime: &Runtime,
    account: &Account,
    request: &SubmitRequest,
    signed: Option<qyzmet_app::SignedRequest>,
    now: jiff::Timestamp,
) -> Result<Case, AppError> {
    Ok(qyzmet_app::submit(
        runtime,
        &WebDirectory(runtime),
        account,
        request,
        signed,
        now,
    )?)
}

/// Checks an application ([`qyzmet_app::submission`]) without filing it.
pub fn submission(
    runtime: &Runtime,
    account: &Account,
    request: &SubmitRequest,
    now: jiff::Timestamp,
) -> Result<Command, AppError> {
    Ok(qyzmet_app::submission(
        runtime,
        &WebDirectory(runtime),
        account,
        request,
        now,
    )?)
}

/// The server's directory (providers, accounts) as intake asks it.
pub struct WebDirectory<'a>(pub &'a Runtime);

impl qyzmet_app::Directory for WebDirectory<'_> {
    fn provider(&self, id: &str) -> Result<Option<qyzmet_app::ProviderInfo>, qyzmet_app::Error> {
        let record = demo::provider(self.0, id).map_err(AppError::into_app)?;
        Ok(record.map(|record| qyzmet_app::ProviderInfo {
            id: record.id,
            region: record.region,
            authorized_body: record.authorized_body,
        }))
    }

    fn applicant_region(&self, iin: &str) -> Result<Option<String>, qyzmet_app::Error> {
        let account = self.0.store.doc(crate::auth::ACCOUNTS, iin)?;
        Ok(account
            .as_ref()
            .and_then(|value| value.get("region"))
            .and_then(Value::as_str)
            .map(str::to_owned))
    }
}

pub use qyzmet_app::cases::{can_view, case_of_task, load_case, load_case_events, pinned_model};

/// Checks a file and attaches it to a case: its blob and the case's list
/// in one transaction ([`qyzmet_app::evidence::attach`]).
pub fn store_attachment(
    runtime: &Runtime,
    case_id: &str,
    document: &str,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<Value, AppError> {
    let file = qyzmet_app::evidence::file(document, name, content_type, bytes)?;
    qyzmet_app::evidence::attach(runtime, case_id, &file)?;
    Ok(file.entry)
}

/// Checks a file and keeps its bytes by SHA-256; returns its attachment
/// entry (document, name, type, size, sha256), not yet attached to a case.
pub fn save_blob(
    runtime: &Runtime,
    document: &str,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<Value, AppError> {
    let file = qyzmet_app::evidence::file(document, name, content_type, bytes)?;
    qyzmet_app::evidence::keep_blob(runtime, &file)?;
    Ok(file.entry)
}

pub use qyzmet_app::evidence::{
    ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES, attachments, check_attachment,
};

/// Whether this server verifies signatures (it has trusted roots).
pub fn signatures(pki: Option<&crate::auth::Pki>) -> Signatures {
    if pki.is_some() {
        Signatures::Verified
    } else {
        Signatures::Off
    }
}

/// Runs a command on a case the account may see, as the account
/// ([`qyzmet_app::tasks::act`]).
pub fn act(
    runtime: &Runtime,
    account: &Account,
    case_id: &str,
    action: Action,
    expected_version: Option<u64>,
    signatures: Signatures,
    now: jiff::Timestamp,
) -> Result<Case, AppError> {
    Ok(qyzmet_app::tasks::act(
        runtime,
        account,
        Act {
            case_id,
            action,
            expected_version,
            idempotency_key: None,
        },
        signatures,
        now,
    )?)
}

/// Cases the account may list: a citizen's own; staff: their provider's;
/// supervisors: all.
pub fn cases_of(
    runtime: &Runtime,
    account: &Account,
    provider: Option<String>,
    limit: usize,
) -> Result<Vec<qyzmet_storage::record::CaseRow>, AppError> {
    let query = match account.kind {
        AccountKind::Citizen => CaseQuery {
            applicant_id: Some(account.login.clone()),
            newest_first: true,
            limit,
            ..Default::default()
        },
        AccountKind::Staff => {
            let own = account.provider();
            let provider = if account.supervisor { provider } else { own };
            if provider.is_none() && !account.supervisor {
                return Ok(Vec::new());
            }
            CaseQuery {
                provider_id: provider,
                newest_first: true,
                limit,
                ..Default::default()
            }
        }
    };
    Ok(runtime.store.cases(&query)?)
}

/// The open tasks of the account's units and roles, most urgent first.
pub fn tasks_of(
    runtime: &Runtime,
    account: &Account,
    limit: usize,
) -> Result<Vec<TaskRow>, AppError> {
    if !account.is_staff() || account.grants.is_empty() {
        return Ok(Vec::new());
    }
    let rows = runtime.store.tasks(&TaskQuery {
        units: account.units(),
        roles: account.roles(),
        assignee: None,
        include_closed: false,
        limit: limit.saturating_mul(2),
    })?;
    // The query matches units × roles; keep exact grants, and tasks assigned
    // to someone else are theirs.
    let actor = account.actor();
    Ok(rows
        .into_iter()
        .filter(|row| actor.holds(&row.role, &row.unit))
        .filter(|row| {
            row.assignee
                .as_ref()
                .is_none_or(|who| who == &account.login)
        })
        .take(limit)
        .collect())
}

/// Work-list rows with their case's edition and route (cached: both are
/// fixed when the case is filed), handed to `use_views`.
pub fn with_task_views<R>(
    runtime: &Runtime,
    caches: &crate::cache::Caches,
    rows: &[TaskRow],
    lang: Lang,
    now: jiff::Timestamp,
    use_views: impl FnOnce(&[view::TaskView<'_>]) -> R,
) -> Result<R, AppError> {
    let mut routes = Vec::with_capacity(rows.len());
    for row in rows {
        let route = match caches.case_route(&row.case_id) {
            Some(route) => Some(route),
            None => runtime.store.case(&row.case_id)?.map(|case| {
                caches.put_case_route(&row.case_id, &case.regulation_hash, &case.route);
                (case.regulation_hash, case.route)
            }),
        };
        routes.push(route);
    }
    let views: Vec<view::TaskView<'_>> = rows
        .iter()
        .zip(&routes)
        .map(|(row, route)| {
            let model = route
                .as_ref()
                .and_then(|(hash, _)| runtime.catalog.by_hash(hash))
                .map(|entry| &entry.model);
            let route = route
                .as_ref()
                .map(|(_, route)| route.as_str())
                .unwrap_or("");
            view::task_view(runtime, row, model, route, lang, now)
        })
        .collect();
    Ok(use_views(&views))
}

/// Supervisor figures per regulation, provider and route.
#[derive(Serialize, Clone, Debug, Default, ToSchema)]
pub struct StatRow {
    pub regulation_id: String,
    pub provider_id: String,
    /// `channel` or `channel/variant`.
    pub route: String,
    /// Cases filed.
    pub received: u64,
    pub completed: u64,
    /// Refused, or refused to accept.
    pub refused: u64,
    /// Not closed yet.
    pub open: u64,
    /// Closed within the term.
    pub closed_in_time: u64,
    /// Closed after the term.
    pub closed_late: u64,
    /// Open and past the term now.
    pub overdue_now: u64,
}

pub fn stat_rows(stats: &[CaseStat]) -> Vec<StatRow> {
    let mut rows: BTreeMap<(String, String, String), StatRow> = BTreeMap::new();
    for stat in stats {
        let row = rows
            .entry((
                stat.regulation_id.clone(),
                stat.provider_id.clone(),
                stat.route.clone(),
            ))
            .or_insert_with(|| StatRow {
                regulation_id: stat.regulation_id.clone(),
                provider_id: stat.provider_id.clone(),
                route: stat.route.clone(),
                ..Default::default()
            });
        row.received += stat.cases;
        match stat.status {
            CaseStatus::Completed => row.completed += stat.cases,
            CaseStatus::Refused | CaseStatus::RefusedToAccept => row.refused += stat.cases,
            CaseStatus::Withdrawn => {}
            _ => row.open += stat.cases,
        }
        if stat.status.is_closed() {
            row.closed_late += stat.closed_late;
            row.closed_in_time += stat.cases - stat.closed_late;
        }
        row.overdue_now += stat.overdue_open;
    }
    rows.into_values().collect()
}

/// The steps that took longest, in working time, over the `cases` most
/// recent cases: (regulation, step) with the count, mean and longest time
/// from entering the step to leaving it (open steps count until `now`).
/// Automatic, applicant and end steps are left out.
pub fn slowest_steps(
    runtime: &Runtime,
    now: jiff::Timestamp,
    cases: usize,
    lang: Lang,
) -> Result<Vec<Value>, AppError> {
    use qyzmet_regulation::model::StepKind;
    let rows = runtime.store.cases(&CaseQuery {
        newest_first: true,
        limit: cases,
        ..Default::default()
    })?;
    // (regulation, route, step) → (count, sum, max) in working minutes
    let mut spans: BTreeMap<(String, String, String), (u64, i64, i64)> = BTreeMap::new();
    for row in &rows {
        let events = runtime.store.case_events(&row.case_id)?;
        let Ok(Some(case)) = qyzmet_engine::replay(&events) else {
            continue;
        };
        let Some(entry) = runtime.catalog.by_hash(&case.regulation_hash) else {
            continue;
        };
        let schedule = view::schedule_for(runtime, &case.provider.id);
        let clock = qyzmet_calendar::LegalClock::new(&runtime.calendar, schedule);
        for visit in &case.trail {
            let Some(step) = view::step(&entry.model, &case.route, &visit.step) else {
                continue;
            };
            let worked = matches!(
                step.kind,
                StepKind::Task | StepKind::Decision | StepKind::Wait
            ) && step.role.as_deref().is_some_and(|role| role != "applicant");
            if !worked {
                continue;
            }
            let minutes = clock
                .working_minutes_between(visit.entered_at, visit.left_at.unwrap_or(now))
                .max(0);
            let span = spans
                .entry((
                    case.regulation_id.clone(),
                    case.route.clone(),
                    visit.step.clone(),
                ))
                .or_insert((0, 0, 0));
            span.0 += 1;
            span.1 += minutes;
            span.2 = span.2.max(minutes);
        }
    }
    let schedule = view::schedule_for(runtime, "");
    let mut out: Vec<(i64, Value)> = spans
        .into_iter()
        .map(|((regulation, route, step), (count, sum, max))| {
            let mean = sum / count.max(1) as i64;
            let model = runtime.catalog.by_id(&regulation).map(|entry| &entry.model);
            let action = model
                .map(|model| view::step_action(model, &route, &step, lang))
                .unwrap_or_else(|| step.clone());
            let action: String = action.chars().take(90).collect();
            (
                mean,
                json!({
                    "regulation_id": regulation,
                    "service_title": model.map(|model| model.service_title().get(lang).to_owned()),
                    "channel": crate::i18n::t(lang, &format!("channel.{}", route.split('/').next().unwrap_or_default())),
                    "route": route,
                    "step": step,
                    "action": action,
                    "count": count,
                    "mean_minutes": mean,
                    "max_minutes": max,
                    "mean": view::duration_words(mean, schedule, lang),
                    "max": view::duration_words(max, schedule, lang),
                }),
            )
        })
        .collect();
    out.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    Ok(out.into_iter().take(10).map(|(_, value)| value).collect())
}

/// Providers as the pages list them.
/// The providers one may file with under a regulation of `region`: an
/// authorized body only takes appeals.
pub fn provider_choices(
    runtime: &Runtime,
    region: &str,
    appeal: bool,
) -> Result<Vec<ProviderRecord>, AppError> {
    Ok(demo::providers(runtime)?
        .into_iter()
        .filter(|provider| provider.region == region && (appeal || !provider.authorized_body))
        .collect())
}
