//! Appeals in the web application (docs/appeals.md): which regulation an
//! appeal about a case runs under, the checks at filing, and what the case
//! page shows about appeals.

use qyzmet_core::Lang;
use qyzmet_engine::Case;
use qyzmet_engine::record::CaseStatus;
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::syntax::Route;
use qyzmet_runtime::Runtime;
use qyzmet_runtime::appeals::APPEAL_SERVICE;
use qyzmet_store::CaseQuery;
use serde_json::{Value, json};

use crate::AppError;
use crate::auth::{Account, AccountKind};
use crate::demo::ProviderRecord;
use crate::view;

/// The variant of an appeal considered by the authorized body.
pub const AUTHORIZED_BODY: &str = "authorized-body";

/// The appeal regulation of a region, if it has one.
pub fn appeal_regulation<'a>(runtime: &'a Runtime, region: &str) -> Option<&'a ProcessModel> {
    runtime
        .catalog
        .models()
        .find(|model| model.file.service.id == APPEAL_SERVICE && model.file.act.region == region)
}

fn first_form(runtime: &Runtime, case_id: &str) -> Result<Option<Value>, AppError> {
    let events = runtime.store.case_events(case_id)?;
    Ok(events
        .first()
        .and_then(|first| first.payload.get("form").cloned()))
}

/// Checks an appeal before it is filed: the case it is about exists and is
/// the applicant's, it is not itself an appeal, and the appeal goes to the
/// body the variant names — the provider of the case, or an authorized body
/// of the region.
pub fn check_filing(
    runtime: &Runtime,
    route: &Route,
    provider: &ProviderRecord,
    applicant_id: &str,
    form: &serde_json::Map<String, Value>,
) -> Result<(), AppError> {
    let about = form
        .get("about_case")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default();
    let unknown = || {
        AppError::bad_request(
            "unknown_case",
            format!("no application `{about}` of this applicant to appeal against"),
        )
    };
    let row = runtime.store.case(about)?.ok_or_else(unknown)?;
    if row.applicant_id != applicant_id {
        return Err(unknown());
    }
    if row.service_id == APPEAL_SERVICE {
        return Err(AppError::bad_request(
            "appeal_about_appeal",
            "a further appeal names the application, not the earlier appeal",
        ));
    }
    if row.status == CaseStatus::Withdrawn {
        return Err(AppError::bad_request(
            "case_withdrawn",
            "the application was withdrawn",
        ));
    }
    match route.variant.as_deref() {
        Some(AUTHORIZED_BODY) if !provider.authorized_body => Err(AppError::bad_request(
            "appeal_wrong_body",
            format!(
                "`{}` is not an authorized body for quality control",
                provider.id
            ),
        )),
        Some(AUTHORIZED_BODY) => Ok(()),
        _ if provider.id != row.provider_id => Err(AppError::bad_request(
            "appeal_wrong_body",
            format!(
                "an appeal to the provider goes to `{}`, which gave the service",
                row.provider_id
            ),
        )),
        _ => Ok(()),
    }
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
            let service = &model.file.service;
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
