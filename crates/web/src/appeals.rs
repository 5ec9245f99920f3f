//! Appeals in the web application (docs/appeals.md): which regulation an
//! appeal about a case runs under and what the case page shows about
//! appeals (the checks at filing are the application layer's,
//! `qyzmet_app::submit`).

use qyzmet_core::Lang;
use qyzmet_engine::Case;
use qyzmet_regulation::ProcessModel;
use qyzmet_runtime::Runtime;
use qyzmet_runtime::appeals::APPEAL_SERVICE;
use qyzmet_storage::record::CaseStatus;
use qyzmet_store::CaseQuery;
use serde_json::{Value, json};

use crate::AppError;
use crate::auth::{Account, AccountKind};
use crate::view;

/// The variant of an appeal considered by the authorized body.
pub use qyzmet_app::submit::AUTHORIZED_BODY;

/// The appeal regulation of a region, if it has one.
pub fn appeal_regulation<'a>(runtime: &'a Runtime, region: &str) -> Option<&'a ProcessModel> {
    runtime
        .catalog
        .models()
        .find(|model| model.service_id() == APPEAL_SERVICE && model.region() == region)
}

fn first_form(runtime: &Runtime, case_id: &str) -> Result<Option<Value>, AppError> {
    let events = runtime.store.case_events(case_id)?;
    Ok(events
        .first()
        .and_then(|first| first.payload.get("form").cloned()))
}

/// What the case page shows about appeals: the link to file one, the
/// appeals about the case, the case an appeal is about, and whether an
/// upheld appeal reopened it.
pub fn case_appeals(
    runtime: &Runtime,
    account: &Account,
    case: &Case,
    lang: Lang,
) -> Result<Vec<(&'static str, Value)>, AppError> {
    // Every key is always there (the templates are strict).
    let mut out = vec![
        ("about_case", Value::Null),
        ("appeal_url", Value::Null),
        ("appeals", json!([])),
        ("reopened", json!(!case.reopened_by.is_empty())),
    ];
    if case.service_id == APPEAL_SERVICE {
        let about = first_form(runtime, &case.case_id)?
            .and_then(|form| form.get("about_case").cloned())
            .unwrap_or(Value::Null);
        out[0].1 = about;
        return Ok(out);
    }
    let regulation = appeal_regulation(runtime, &case.provider.region);
    let may_file = account.kind == AccountKind::Citizen && account.login == case.applicant.id
        || account.is_staff();
    if let Some(model) = regulation
        && may_file
        && case.status() != CaseStatus::Withdrawn
    {
        out[1].1 = json!(format!("/apply/{}?about_case={}", model.id, case.case_id));
    }
    let mut appeals = Vec::new();
    if let Some(model) = regulation {
        let rows = runtime.store.cases(&CaseQuery {
            applicant_id: Some(case.applicant.id.clone()),
            regulation_id: Some(model.id.clone()),
            limit: 200,
            ..CaseQuery::default()
        })?;
        for row in rows {
            let about = first_form(runtime, &row.case_id)?.and_then(|form| {
                form.get("about_case")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
            if about.as_deref() != Some(case.case_id.as_str()) {
                continue;
            }
            let schedule = view::schedule_for(runtime, &row.provider_id);
            // The decision by its title ("decision upholding the appeal"),
            // else the status.
            let service = model.service();
            let decided = row.result.as_deref().and_then(|result| {
                service
                    .results
                    .iter()
                    .find(|def| def.id == result)
                    .map(|def| def.title.get(lang).to_owned())
                    .or_else(|| {
                        service
                            .refusals
                            .iter()
                            .find(|def| def.id == result)
                            .map(|def| def.title.get(lang).to_owned())
                    })
            });
            appeals.push(json!({
                "decision": decided,
                "case_id": row.case_id,
                "route": row.route,
                "status": row.status,
                "status_text": view::status_text(row.status, lang),
                "result": row.result,
                "submitted_at": view::local_time(row.submitted_at, schedule),
            }));
        }
    }
    out[2].1 = json!(appeals);
    Ok(out)
}
