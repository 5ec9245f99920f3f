//! The case page, its commands (the case's and the tasks' forms), and the intake receipt.

use crate::auth::{AccountKind, MaybeUser, check_csrf};
use crate::ops;
use crate::page::{Page, PageLang, PageUser, base_url, render_page, signed_in, staff};
use crate::{AppError, AppResult, AppState, view};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use minijinja::Value as Jv;
use qyzmet_engine::Action;
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) async fn case_page(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    Path(case_id): Path<String>,
    PageLang(lang): PageLang,
) -> AppResult {
    let account = session.account.clone();
    let now = state.now();
    let id = case_id.clone();
    let signatures = state.pki.is_some();
    let data = state
        .blocking(move |runtime| {
            let (case, model) = ops::load_case(runtime, &account, &id)?;
            // The page adds what this person may do to the API's view.
            let mut view = json!(view::case_view(runtime, &case, &model, lang, now));
            let actor = account.actor();
            let route = case.route.clone();
            // Which open tasks this person can act on.
            if let Some(tasks) = view["tasks"].as_array_mut() {
                for task in tasks {
                    let role = task["role"].as_str().unwrap_or_default().to_owned();
                    let unit = task["unit"].as_str().unwrap_or_default().to_owned();
                    let assignee = task["assignee"].as_str().map(str::to_owned);
                    let mine = actor.holds(&role, &unit);
                    task["can_claim"] = json!(mine && assignee.is_none());
                    task["can_complete"] =
                        json!(mine && assignee.as_ref().is_none_or(|who| who == &account.login));
                    // Completing it means signing the result (with a key
                    // bound to the person's IIN).
                    let step = task["step"].as_str().unwrap_or_default();
                    task["signs_result"] = json!(
                        signatures
                            && account.iin.is_some()
                            && crate::result_signing::signs_result(&model, &route, step).is_some()
                    );
                }
            }
            let head = model
                .head_role(qyzmet_regulation::model::OrgKind::Provider)
                .map(|role| actor.holds(&role.id, &case.provider.id))
                .unwrap_or(false);
            view["can_assign"] = json!(head && !case.is_closed());
            view["can_extend"] = json!(head && !case.is_closed() && !case.extended);
            view["can_withdraw"] = json!(!case.is_closed() && account.kind == AccountKind::Citizen);
            let appeals = crate::appeals::case_appeals(runtime, &account, &case, lang)?;
            for (key, value) in appeals {
                view[key] = value;
            }
            view["attachments"] = json!(ops::attachments(runtime, &id)?);
            view["staff_view"] = json!(account.is_staff());
            view["requests"] = json!(crate::gateway::requests_json(&case, lang));
            // The raw exchanges (messages, timings) are for staff only.
            view["exchanges"] = if account.is_staff() {
                json!(crate::gateway::exchanges_json(runtime, &id, lang)?)
            } else {
                json!([])
            };
            Ok(view)
        })
        .await?;
    let page = Page::new(lang, Some(session), &format!("/cases/{case_id}"));
    render_page(
        &state,
        &page,
        "case.html",
        Jv::from_serialize(json!({"case": data, "ncalayer_url": state.ncalayer_url})),
    )
}

#[derive(Deserialize)]
pub(crate) struct ActForm {
    csrf: String,
    /// `claim`, `complete`, `assign`, `extend`, `withdraw`.
    action: String,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    executor: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    version: Option<u64>,
    /// The amount of a payment order, in tenge (`42 500,50`).
    #[serde(default)]
    amount: Option<String>,
    /// The recipient's account of a payment order.
    #[serde(default)]
    account: Option<String>,
}

/// Tenge as people write them (`42500`, `42 500,50`, `42500.5`) → tiyn.
pub(crate) fn parse_tenge(text: &str) -> Option<i64> {
    let text: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    let (whole, fraction) = match text.split_once(['.', ',']) {
        Some((whole, fraction)) => (whole, fraction),
        None => (text.as_str(), ""),
    };
    if whole.is_empty()
        || fraction.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let tenge: i64 = whole.parse().ok()?;
    let tiyn: i64 = format!("{fraction:0<2}").parse().ok()?;
    tenge
        .checked_mul(100)?
        .checked_add(tiyn)
        .filter(|amount| *amount > 0)
}

/// The data a task form carries: the payment order's amount and account
/// when the step asks for them, else nothing.
pub(crate) fn task_form_data(form: &ActForm) -> Result<Value, AppError> {
    let mut data = serde_json::Map::new();
    if let Some(amount) = form.amount.as_deref().filter(|a| !a.trim().is_empty()) {
        let tiyn = parse_tenge(amount).ok_or_else(|| {
            AppError::bad_request(
                "invalid_amount",
                format!("`{amount}` is not an amount in tenge (e.g. 42 500,50)"),
            )
        })?;
        data.insert("amount_tiyn".into(), json!(tiyn));
    }
    if let Some(account) = form
        .account
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        data.insert("account".into(), json!(account));
    }
    Ok(if data.is_empty() {
        Value::Null
    } else {
        Value::Object(data)
    })
}

pub(crate) async fn case_act(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(case_id): Path<String>,
    Form(form): Form<ActForm>,
) -> AppResult {
    let session = signed_in(session)?;
    check_csrf(&session, &form.csrf)?;
    let action = match form.action.as_str() {
        "assign" => Action::AssignExecutor {
            executor: form.executor.clone().unwrap_or_default().trim().to_owned(),
            role: None,
        },
        "extend" => {
            let reason = form.reason.clone().unwrap_or_default();
            if reason.trim().is_empty() {
                return Err(AppError::bad_request("reason_required", "give the reason"));
            }
            Action::Extend { reason }
        }
        "withdraw" => Action::Withdraw {
            reason: form
                .reason
                .clone()
                .filter(|reason| !reason.trim().is_empty()),
        },
        other => {
            return Err(AppError::bad_request(
                "invalid_input",
                format!("unknown action `{other}`"),
            ));
        }
    };
    let now = state.now();
    let account = session.account;
    let id = case_id.clone();
    let pki = state.pki.clone();
    state
        .blocking(move |runtime| {
            ops::act(
                runtime,
                &account,
                &id,
                action,
                form.version,
                ops::signatures(pki.as_deref()),
                now,
            )
        })
        .await?;
    Ok(Redirect::to(&format!("/cases/{case_id}")).into_response())
}

pub(crate) async fn task_act(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(task_id): Path<String>,
    Form(form): Form<ActForm>,
) -> AppResult {
    let session = staff(session)?;
    check_csrf(&session, &form.csrf)?;
    let action = match form.action.as_str() {
        "claim" => Action::Claim {
            task_id: task_id.clone(),
        },
        "complete" => Action::Complete {
            task_id: task_id.clone(),
            outcome: form.outcome.clone().filter(|outcome| !outcome.is_empty()),
            data: task_form_data(&form)?,
        },
        other => {
            return Err(AppError::bad_request(
                "invalid_input",
                format!("unknown action `{other}`"),
            ));
        }
    };
    let now = state.now();
    let account = session.account;
    let pki = state.pki.clone();
    let case_id = state
        .blocking(move |runtime| {
            let case_id = ops::case_of_task(runtime, &task_id)?;
            // A step that signs the result is refused here (the
            // application layer's rule): it completes by signing.
            ops::act(
                runtime,
                &account,
                &case_id,
                action,
                form.version,
                ops::signatures(pki.as_deref()),
                now,
            )?;
            Ok(case_id)
        })
        .await?;
    Ok(Redirect::to(&format!("/cases/{case_id}")).into_response())
}

pub(crate) async fn receipt(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(case_id): Path<String>,
    PageLang(lang): PageLang,
) -> AppResult {
    let session = signed_in(session)?;
    let account = session.account.clone();
    let now = state.now();
    let id = case_id.clone();
    let data = state
        .blocking(move |runtime| {
            let (case, model) = ops::load_case(runtime, &account, &id)?;
            let view = view::case_view(runtime, &case, &model, lang, now);
            let intake = qyzmet_app::evidence::intake(runtime, &id)?;
            let operator = case
                .trail
                .iter()
                .find(|visit| visit.by.as_ref().is_some_and(|by| by.contains('.')))
                .and_then(|visit| visit.by.clone())
                .unwrap_or_else(|| case.submitted_by.clone());
            let refused = case.status() == qyzmet_storage::record::CaseStatus::RefusedToAccept;
            Ok(json!({
                "case": view,
                "refused": refused,
                "operator": operator,
                "intake": intake,
                // A receipt exists once the package is accepted or refused.
                "pdf": case.accepted_at.is_some() || refused,
            }))
        })
        .await?;
    let page = Page::new(lang, Some(session), &format!("/cases/{case_id}/receipt"));
    render_page(&state, &page, "receipt.html", Jv::from_serialize(data))
}

/// The receipt as PDF, for those who may see the case: the acceptance
/// receipt, or the refusal-to-accept receipt, in the page's language
/// (English pages get the Kazakh one).
pub(crate) async fn receipt_pdf(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(case_id): Path<String>,
    PageLang(lang): PageLang,
    headers: axum::http::HeaderMap,
) -> AppResult {
    let session = signed_in(session)?;
    let lang = crate::receipts::print_lang(lang);
    let base = base_url(&state, &headers);
    let account = session.account;
    let id = case_id.clone();
    let (pdf, file_name) = state
        .blocking(move |runtime| {
            let (case, model, events) = ops::load_case_events(runtime, &account, &id)?;
            let document =
                crate::receipts::receipt_document(runtime, &case, &events, &model, &base)?
                    .ok_or_else(|| {
                        AppError::not_found("no_document", "the package is not accepted yet")
                    })?;
            let pdf = crate::documents::render(&document, lang)?;
            Ok((pdf, crate::receipts::file_name(&document, lang)))
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        pdf,
    )
        .into_response())
}
