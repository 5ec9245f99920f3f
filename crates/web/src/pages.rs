//! Server-rendered pages: portal, cabinet, service-centre desk, officer
//! desk, supervisor dashboard, regulation viewer. Templates are minijinja
//! files in `templates/`, embedded in the binary, auto-escaped; `t("key")`
//! looks a message up in the page's language and fails the render when the
//! key is missing. Forms post back with the session's CSRF token.

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::SignedCookieJar;
use minijinja::{Value as Jv, context};
use qyzmet_core::Lang;
use qyzmet_engine::Action;
use qyzmet_regulation::model::Channel;
use qyzmet_regulation::render;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api;
use crate::auth::{self, AccountKind, MaybeUser, Session, check_csrf};
use crate::i18n;
use crate::ops;
use crate::ops::SubmitRequest;
use crate::page::{self, Page, PageLang, PageUser, base_url, render_page, signed_in, staff};
use crate::{AppError, AppResult, AppState, view};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/static/style.css", get(page::style))
        .route("/static/app.js", get(page::script))
        .route("/favicon.ico", get(page::icon))
        .route("/static/icon.svg", get(page::icon))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/apply/{*id}", get(apply_page).post(apply))
        .route("/drafts/{draft}", get(crate::signing::sign_page))
        .route("/drafts/{draft}/sign", post(crate::signing::sign_submit))
        .route("/cabinet", get(cabinet))
        .route("/cases/{case_id}", get(case_page))
        .route("/cases/{case_id}/receipt", get(receipt))
        .route("/cases/{case_id}/receipt.pdf", get(receipt_pdf))
        .route("/cases/{case_id}/act", post(case_act))
        .route("/tasks/{task_id}/act", post(task_act))
        .route(
            "/tasks/{task_id}/result-to-sign",
            get(crate::result_signing::result_to_sign),
        )
        .route(
            "/tasks/{task_id}/sign-result",
            post(crate::result_signing::sign_result_form),
        )
        .route("/desk", get(desk))
        .route("/centre", get(centre))
        .route("/centre/ticket", post(ticket))
        .route("/supervisor", get(supervisor))
        .route("/supervisor.csv", get(supervisor_csv))
        .route("/regulations/{*id}", get(regulation_page))
        .route("/cases/{case_id}/result.pdf", get(result_pdf))
        .route("/verify/{case_id}", get(verify_page).post(verify_file))
        .layer(axum::middleware::from_fn(page::remember_lang))
}

// ------------------------------------------------------------ portal

async fn home(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    PageLang(lang): PageLang,
) -> AppResult {
    let providers = state.blocking(crate::demo::providers).await?;
    let mut regions: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for model in state.runtime.catalog.models() {
        // Appeals are filed from the case they are about.
        if model.service().id == qyzmet_runtime::appeals::APPEAL_SERVICE {
            continue;
        }
        let mut channels: Vec<&str> = model
            .routes()
            .iter()
            .map(|route| route.channel.as_str())
            .collect();
        channels.dedup();
        let channels: Vec<&str> = channels
            .iter()
            .map(|channel| i18n::t(lang, &format!("channel.{channel}")))
            .collect();
        regions
            .entry(model.act().region.clone())
            .or_default()
            .push(json!({
                "id": model.id,
                "title": model.service().title.get(lang),
                "act": format!("№ {} · {}", model.act().number, model.act().date),
                "repealed": model.act().repealed.is_some(),
                "portal": model.routes().iter().any(|route| route.channel == Channel::Portal),
                "channels": channels,
            }));
    }
    let regions: Vec<Value> = regions
        .into_iter()
        .map(|(region, services)| {
            let names: Vec<String> = providers
                .iter()
                .filter(|provider| provider.region == region)
                .map(|provider| provider.title.get(lang).to_owned())
                .collect();
            let title =
                i18n::text(lang, &format!("region.{region}")).unwrap_or_else(|| region.clone());
            json!({"region": title, "services": services, "providers": names})
        })
        .collect();
    let page = Page::new(lang, session, "/");
    render_page(
        &state,
        &page,
        "home.html",
        Jv::from_serialize(json!({"regions": regions})),
    )
}

async fn login_page(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    PageLang(lang): PageLang,
) -> AppResult {
    let page = Page::new(lang, session, "/login");
    let demo = state.blocking(crate::demo::sign_in_hint).await?;
    render_page(
        &state,
        &page,
        "login.html",
        Jv::from_serialize(json!({
            "demo": demo,
            "certificates": state.pki.is_some(),
            "ncalayer_url": state.ncalayer_url,
        })),
    )
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    Form(form): Form<LoginForm>,
) -> AppResult {
    let account = auth::authenticate(&state, &form.login, &form.password).await?;
    let (jar, _csrf) = auth::sign_in(&state, jar, &account.login);
    let target = match account.kind {
        AccountKind::Citizen => "/cabinet",
        AccountKind::Staff if account.supervisor => "/supervisor",
        AccountKind::Staff if account.analyst => "/authoring",
        AccountKind::Staff if account.is_operator() => "/centre",
        AccountKind::Staff => "/desk",
    };
    Ok((jar, Redirect::to(target)).into_response())
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    MaybeUser(session): MaybeUser,
    jar: SignedCookieJar,
    Form(form): Form<CsrfForm>,
) -> AppResult {
    if let Some(session) = &session {
        check_csrf(session, &form.csrf)?;
    }
    Ok((auth::sign_out(jar), Redirect::to("/")).into_response())
}

fn apply_data(
    state: &AppState,
    session: &Session,
    id: &str,
    prefill: &BTreeMap<String, String>,
    lang: Lang,
) -> Result<Value, AppError> {
    let model = ops::regulation(&state.runtime, id)?;
    let account = &session.account;
    let channel = match account.kind {
        AccountKind::Citizen => Channel::Portal,
        _ if account.is_operator() => Channel::ServiceCentre,
        _ if account
            .grants
            .iter()
            .any(|grant| grant.unit.ends_with("/rural_akimat")) =>
        {
            Channel::RuralAkim
        }
        _ => Channel::ProviderOffice,
    };
    let routes: Vec<Value> = model
        .routes()
        .iter()
        .filter(|route| route.channel == channel)
        .map(|route| {
            json!({"key": route.key, "title": route.title().map(|title| title.get(lang).to_owned()).unwrap_or_else(|| i18n::t(lang, &format!("channel.{}", channel.as_str())).to_owned())})
        })
        .collect();
    let appeal = model.service().id == qyzmet_runtime::appeals::APPEAL_SERVICE;
    let mut providers = api::provider_choices(&state.runtime, &model.act().region, appeal)?;
    if account.is_staff() {
        let own = account.provider();
        providers.retain(|provider| Some(&provider.id) == own.as_ref());
    }
    // An appeal names its case: the provider that gave the service comes
    // first in the list.
    if let Some(about) = prefill.get("about_case")
        && let Some(row) = state.runtime.store.case(about)?
        && let Some(index) = providers.iter().position(|p| p.id == row.provider_id)
    {
        let provider = providers.remove(index);
        providers.insert(0, provider);
    }
    let fields: Vec<Value> = model
        .form()
        .iter()
        .map(|field| {
            json!({
                "id": field.id,
                "title": field.title.get(lang),
                "type": serde_json::to_value(field.ty).unwrap_or(Value::Null),
                "values": field.values,
                "required": field.required,
                "value": prefill.get(&field.id).map(|value| value.chars().take(500).collect::<String>()).unwrap_or_default(),
            })
        })
        .collect();
    let documents: Vec<Value> = model
        .documents()
        .iter()
        .filter(|document| document.channels.contains(&channel))
        .map(|document| {
            json!({
                "id": document.id,
                "title": document.title.get(lang),
                "note": document.note.as_ref().map(|note| note.get(lang).to_owned()),
            })
        })
        .collect();
    Ok(json!({
        "regulation": {"id": model.id, "title": model.service().title.get(lang)},
        "channel": channel.as_str(),
        "channel_title": i18n::t(lang, &format!("channel.{}", channel.as_str())),
        "routes": routes,
        "providers": providers.iter().map(|provider| json!({"id": provider.id, "title": provider.title.get(lang)})).collect::<Vec<_>>(),
        "fields": fields,
        "documents": documents,
        "staff": account.is_staff(),
    }))
}

async fn apply_page(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    Path(id): Path<String>,
    Query(prefill): Query<BTreeMap<String, String>>,
    PageLang(lang): PageLang,
) -> AppResult {
    let data = apply_data(&state, &session, &id, &prefill, lang)?;
    let page = Page::new(lang, Some(session), &format!("/apply/{id}"));
    render_page(&state, &page, "apply.html", Jv::from_serialize(data))
}

/// A multipart application: text fields, `doc:<id>` checkboxes and
/// `file:<id>` uploads.
async fn apply(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> AppResult {
    let session = signed_in(session)?;
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut documents: Vec<String> = Vec::new();
    let mut files: Vec<(String, String, String, Vec<u8>)> = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| AppError::bad_request("invalid_input", error.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(document) = name.strip_prefix("file:") {
            let document = document.to_owned();
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let content_type = field.content_type().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|error| {
                AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    error.to_string(),
                )
            })?;
            if bytes.is_empty() && file_name.is_empty() {
                continue; // no file chosen
            }
            ops::check_attachment(&content_type, &bytes)?;
            files.push((document, file_name, content_type, bytes.to_vec()));
        } else {
            let value = field
                .text()
                .await
                .map_err(|error| AppError::bad_request("invalid_input", error.to_string()))?;
            if let Some(document) = name.strip_prefix("doc:") {
                documents.push(document.to_owned());
            } else {
                fields.insert(name, value);
            }
        }
    }
    check_csrf(
        &session,
        fields.get("csrf").map(String::as_str).unwrap_or_default(),
    )?;
    // Citizens hand in documents by uploading them.
    for (document, ..) in &files {
        if !documents.contains(document) {
            documents.push(document.clone());
        }
    }
    let model = ops::regulation(&state.runtime, &id)?.clone();
    let form = ops::typed_form(&model, &fields)?;
    let request = SubmitRequest {
        regulation: id,
        route: fields
            .get("route")
            .filter(|route| !route.is_empty())
            .cloned(),
        provider: fields.get("provider").cloned().unwrap_or_default(),
        applicant: fields.get("applicant").map(|iin| iin.trim().to_owned()),
        form,
        documents,
        consent: fields.contains_key("consent"),
        representative: fields
            .get("representative")
            .filter(|text| !text.trim().is_empty())
            .cloned(),
        power_of_attorney: fields
            .get("power_of_attorney")
            .filter(|text| !text.trim().is_empty())
            .cloned(),
        representative_iin: fields
            .get("representative_iin")
            .filter(|text| !text.trim().is_empty())
            .cloned(),
        idempotency_key: fields
            .get("idempotency_key")
            .filter(|key| !key.is_empty())
            .cloned(),
    };
    let now = state.now();
    let account = session.account;
    // A citizen's portal request is signed before it is filed: it becomes a
    // draft, and the signing page files it (crate::signing).
    if account.kind == AccountKind::Citizen {
        let draft = state
            .blocking(move |runtime| {
                // Check the application before storing any file.
                ops::submission(runtime, &account, &request, now)?;
                let attachments = files
                    .iter()
                    .map(|(document, name, content_type, bytes)| {
                        ops::save_blob(runtime, document, name, content_type, bytes)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                crate::signing::create_draft(runtime, &account, request, attachments, now)
            })
            .await?;
        return Ok(Redirect::to(&format!("/drafts/{}", draft.id)).into_response());
    }
    let case_id = state
        .blocking(move |runtime| {
            let case = ops::submit_case(runtime, &account, &request, None, now)?;
            for (document, name, content_type, bytes) in &files {
                ops::store_attachment(runtime, &case.case_id, document, name, content_type, bytes)?;
            }
            Ok(case.case_id)
        })
        .await?;
    Ok(Redirect::to(&format!("/cases/{case_id}")).into_response())
}

async fn cabinet(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
) -> AppResult {
    if session.account.is_staff() {
        return Ok(Redirect::to("/desk").into_response());
    }
    let account = session.account.clone();
    let now = state.now();
    let cases = state
        .blocking(move |runtime| {
            let rows = api::cases_of(runtime, &account, None, 200)?;
            Ok(rows
                .iter()
                .map(|row| {
                    let schedule = view::schedule_for(runtime, &row.provider_id);
                    let title = runtime
                        .catalog
                        .by_hash(&row.regulation_hash)
                        .map(|entry| entry.model.service_title().get(lang).to_owned())
                        .unwrap_or_else(|| row.regulation_id.clone());
                    json!({
                        "case_id": row.case_id,
                        "title": title,
                        "status": serde_json::to_value(row.status).unwrap_or(Value::Null),
                        "status_text": view::status_text(row.status, lang),
                        "submitted_at": view::local_time(row.submitted_at, schedule),
                        "due": row.due.map(|due| view::local_time(due, schedule)),
                        "overdue": row.closed_at.is_none() && row.due.is_some_and(|due| due < now),
                    })
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let login = session.account.login.clone();
    let notifications = state
        .blocking(move |runtime| crate::notifications::list(runtime, &login, 50))
        .await?;
    let page = Page::new(lang, Some(session), "/cabinet");
    render_page(
        &state,
        &page,
        "cabinet.html",
        Jv::from_serialize(json!({"cases": cases, "notifications": notifications})),
    )
}

// ------------------------------------------------------------ cases

async fn case_page(
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
struct ActForm {
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
fn parse_tenge(text: &str) -> Option<i64> {
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
fn task_form_data(form: &ActForm) -> Result<Value, AppError> {
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

async fn case_act(
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

async fn task_act(
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

async fn receipt(
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
async fn receipt_pdf(
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

// ------------------------------------------------------------ desks

async fn desk(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
) -> AppResult {
    let session = staff(Some(session))?;
    let account = session.account.clone();
    let now = state.now();
    let caches = state.caches.clone();
    let (tasks, recent) = state
        .blocking(move |runtime| {
            let rows = api::tasks_of(runtime, &account, 100)?;
            let tasks = api::with_task_views(runtime, &caches, &rows, lang, now, |views| {
                Jv::from_serialize(views)
            })?;
            let recent: Vec<Value> = api::cases_of(runtime, &account, None, 20)?
                .iter()
                .map(|row| {
                    json!({"case_id": row.case_id, "status_text": view::status_text(row.status, lang), "route": row.route})
                })
                .collect();
            Ok((tasks, recent))
        })
        .await?;
    let page = Page::new(lang, Some(session), "/desk");
    render_page(
        &state,
        &page,
        "desk.html",
        Jv::from_serialize(json!({"tasks": tasks, "recent": recent})),
    )
}

async fn centre(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
    Query(query): Query<TicketQuery>,
) -> AppResult {
    let session = staff(Some(session))?;
    if !session.account.is_operator() {
        return Err(AppError::forbidden("for State Corporation operators"));
    }
    let region = session.account.region.clone();
    let services: Vec<Value> = state
        .runtime
        .catalog
        .models()
        .filter(|model| model.region() == region)
        .filter(|model| {
            model
                .routes()
                .iter()
                .any(|route| route.channel == Channel::ServiceCentre)
        })
        .map(|model| json!({"id": model.id, "title": model.service_title().get(lang)}))
        .collect();
    let page = Page::new(lang, Some(session), "/centre");
    render_page(
        &state,
        &page,
        "centre.html",
        Jv::from_serialize(json!({"services": services, "ticket": query.ticket})),
    )
}

#[derive(Deserialize)]
struct TicketQuery {
    ticket: Option<String>,
}

/// The next electronic-queue ticket of the operator's centre for today
/// (`A-001`, `A-002` …), unique across servers (insert-if-absent).
async fn ticket(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Form(form): Form<CsrfForm>,
) -> AppResult {
    let session = staff(session)?;
    check_csrf(&session, &form.csrf)?;
    let centre = session.account.provider().unwrap_or_default();
    let today = state.now().strftime("%Y%m%d").to_string();
    let login = session.account.login.clone();
    let number = state
        .blocking(move |runtime| {
            let prefix = format!("{centre}-{today}-");
            let taken = runtime
                .store
                .docs(crate::directory::QUEUE, 10_000)?
                .into_iter()
                .filter(|(key, _)| key.starts_with(&prefix))
                .count();
            for number in taken + 1..taken + 1000 {
                let key = format!("{prefix}{number:03}");
                let mine = json!({"operator": login, "number": number});
                if runtime
                    .store
                    .insert_doc(crate::directory::QUEUE, &key, &mine)?
                    == mine
                {
                    return Ok(format!("A-{number:03}"));
                }
            }
            Err(AppError::internal("no free ticket number"))
        })
        .await?;
    Ok(Redirect::to(&format!("/centre?ticket={number}")).into_response())
}

// ------------------------------------------------------------ supervisor

async fn supervisor_rows(state: &AppState) -> Result<Vec<api::StatRow>, AppError> {
    let now = state.now();
    state
        .blocking(move |runtime| Ok(api::stat_rows(&runtime.store.case_stats(now)?)))
        .await
}

async fn supervisor(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
    Query(query): Query<SupervisorQuery>,
) -> AppResult {
    if !session.account.supervisor {
        return Err(AppError::forbidden("for supervisors"));
    }
    let rows = supervisor_rows(&state).await?;
    let now = state.now();
    let slowest = state
        .blocking(move |runtime| api::slowest_steps(runtime, now, 300, lang))
        .await?;
    let audit = if query.audit.is_some() {
        let report = state
            .blocking(|runtime| Ok(runtime.store.verify()?))
            .await?;
        Some(report.is_clean())
    } else {
        None
    };
    let max = rows
        .iter()
        .map(|row| row.received)
        .max()
        .unwrap_or(1)
        .max(1);
    let providers = state.blocking(crate::demo::providers).await?;
    let titled: Vec<Value> = rows
        .iter()
        .map(|row| {
            let title = state
                .runtime
                .catalog
                .by_id(&row.regulation_id)
                .map(|entry| entry.model.service_title().get(lang).to_owned())
                .unwrap_or_else(|| row.regulation_id.clone());
            let scale = |count: u64| (count as f64 / max as f64 * 300.0).round() as u64;
            let provider = providers
                .iter()
                .find(|provider| provider.id == row.provider_id)
                .map(|provider| provider.title.get(lang).to_owned())
                .unwrap_or_else(|| row.provider_id.clone());
            json!({
                "row": row,
                "title": title,
                "provider_short": provider.chars().take(34).collect::<String>(),
                "provider": provider,
                "channel": i18n::t(lang, &format!("channel.{}", row.route.split('/').next().unwrap_or_default())),
                "bar_in_time": scale(row.closed_in_time),
                "bar_late": scale(row.closed_late),
                "bar_overdue": scale(row.overdue_now),
            })
        })
        .collect();
    let inner = state.clone();
    let mut gateway = state
        .blocking(move |runtime| crate::gateway::health(&inner, runtime))
        .await?;
    if let Some(systems) = gateway["systems"].as_array_mut() {
        for system in systems {
            let title = system["title"][lang.code()].as_str().map(str::to_owned);
            system["title"] = json!(title);
            system["error_percent"] =
                json!((system["error_rate"].as_f64().unwrap_or(0.0) * 100.0).round());
        }
    }
    let page = Page::new(lang, Some(session), "/supervisor");
    render_page(
        &state,
        &page,
        "supervisor.html",
        Jv::from_serialize(
            json!({"rows": titled, "audit": audit, "slowest": slowest, "gateway": gateway}),
        ),
    )
}

#[derive(Deserialize)]
struct SupervisorQuery {
    audit: Option<String>,
}

async fn supervisor_csv(State(state): State<AppState>, MaybeUser(session): MaybeUser) -> AppResult {
    let session = signed_in(session)?;
    if !session.account.supervisor {
        return Err(AppError::forbidden("for supervisors"));
    }
    let rows = supervisor_rows(&state).await?;
    let mut out = String::from(
        "regulation_id,provider_id,route,received,completed,refused,open,closed_in_time,closed_late,overdue_now\n",
    );
    for row in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            csv_field(&row.regulation_id),
            csv_field(&row.provider_id),
            csv_field(&row.route),
            row.received,
            row.completed,
            row.refused,
            row.open,
            row.closed_in_time,
            row.closed_late,
            row.overdue_now
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"qyzmet-deadlines.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

// ------------------------------------------------------------ regulation viewer

async fn regulation_page(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(id): Path<String>,
    PageLang(lang): PageLang,
) -> AppResult {
    let model = ops::regulation(&state.runtime, &id)?;
    let html = render::html(model, lang);
    // The rendered regulation is a whole document; keep its body.
    let body = html
        .split_once("<body>")
        .and_then(|(_, rest)| rest.rsplit_once("</body>").map(|(body, _)| body.to_owned()))
        .unwrap_or(html);
    let diagram = render::svg::render(model, lang);
    let diagram = match diagram.find("<svg") {
        Some(start) => diagram[start..].to_owned(),
        None => String::new(),
    };
    let show = render::json(model, lang);
    let unit = |limit: &Value| {
        let amount = limit["amount"].as_u64().unwrap_or_default();
        let unit = limit["unit"].as_str().unwrap_or_default();
        format!("{amount} {}", i18n::t(lang, &format!("unit.{unit}")))
    };
    let provenance: Vec<Value> = show["routes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|route| {
            let mut rows: Vec<Value> = Vec::new();
            if route["term"].is_object() {
                rows.push(json!({"step": i18n::t(lang, "regulation.term"), "limit": unit(&route["term"]), "source": route["term"]["source"]}));
            }
            for step in route["steps"].as_array().into_iter().flatten() {
                if step["deadline"].is_object() {
                    rows.push(json!({
                        "step": step["label"].as_str().or(step["id"].as_str()),
                        "limit": unit(&step["deadline"]),
                        "source": step["source"],
                    }));
                }
            }
            json!({"title": route["title"], "rows": rows})
        })
        .collect();
    let page = Page::new(lang, session, &format!("/regulations/{id}"));
    render_page(
        &state,
        &page,
        "regulation.html",
        context! {
            provenance => Jv::from_serialize(provenance),
            id => id,
            title => model.service_title().get(lang),
            body => Jv::from_safe_string(body),
            diagram => Jv::from_safe_string(diagram),
            portal => model.routes().iter().any(|route| route.channel == Channel::Portal),
        },
    )
}

// ------------------------------------------------------------ result documents

#[derive(Deserialize)]
struct PdfQuery {
    lang: Option<String>,
}

/// The case's result as PDF, for those who may see the case.
async fn result_pdf(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(case_id): Path<String>,
    Query(query): Query<PdfQuery>,
    headers: axum::http::HeaderMap,
) -> AppResult {
    let session = signed_in(session)?;
    let lang = query
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_default();
    let base = base_url(&state, &headers);
    let account = session.account;
    let id = case_id.clone();
    let pdf = state
        .blocking(move |runtime| {
            let (case, model) = ops::load_case(runtime, &account, &id)?;
            // A signed result is the very file that was signed.
            if let Some(record) = crate::result_signing::signed_result(runtime, &case)?
                && let Some(pdf) = crate::result_signing::signed_file(runtime, &record, lang)?
            {
                return Ok(pdf);
            }
            let document = crate::documents::result_document(runtime, &case, &model, &base)?
                .ok_or_else(|| {
                    AppError::not_found("no_document", "the case has no written result yet")
                })?;
            crate::documents::render(&document, lang)
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{case_id}-{}.pdf\"", lang.code()),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// What anyone with the QR code may see: each document the case issued
/// (the intake receipt, the result), issued by whom and when, for which
/// case number — no applicant or operator data — and the SHA-256 of each
/// language's file, recomputed from the case.
fn verification(
    runtime: &qyzmet_runtime::Runtime,
    pki: Option<&crate::auth::Pki>,
    case_id: &str,
    base: &str,
    lang: Lang,
    now: jiff::Timestamp,
) -> Result<Value, AppError> {
    let no_document = || AppError::not_found("no_document", format!("no document for `{case_id}`"));
    let events = runtime.store.case_events(case_id)?;
    let case = qyzmet_engine::replay(&events)
        .map_err(|error| AppError::internal(error.to_string()))?
        .ok_or_else(no_document)?;
    let model = ops::pinned_model(runtime, &case.regulation_hash)?;
    let issued = crate::documents::issued_documents(runtime, &case, &events, &model, base)?;
    if issued.is_empty() {
        return Err(no_document());
    }
    let signed = crate::result_signing::signed_result(runtime, &case)?;
    let mut documents = Vec::new();
    for document in &issued {
        let receipt = crate::receipts::is_receipt(&document.kind);
        let mut files = Vec::new();
        let mut signature = Value::Null;
        let mut issued_at = document.issued_at.strftime("%Y-%m-%d %H:%M").to_string();
        match signed.as_ref().filter(|_| !receipt) {
            // The files that were signed, and their signatures checked now.
            Some(record) => {
                for print_lang in crate::documents::PRINT_LANGS {
                    let file = &record["files"][print_lang.code()];
                    files.push(json!({"lang": print_lang.code(), "sha256": file["sha256"]}));
                }
                let checked = crate::result_signing::recheck(runtime, pki, record, now)?;
                let signer = &record["signer"];
                if let Some(at) = record["issued_at"]
                    .as_str()
                    .and_then(|text| text.parse::<jiff::Timestamp>().ok())
                {
                    issued_at =
                        view::local_time(at, view::schedule_for(runtime, &case.provider.id));
                }
                signature = json!({
                    "valid": checked.is_ok(),
                    "text": match &checked {
                        Ok(()) => crate::i18n::t(lang, "verify.signature_valid").to_owned(),
                        Err(code) => format!(
                            "{} {}",
                            crate::i18n::t(lang, "signature.not_confirmed"),
                            crate::i18n::t(lang, &crate::signing::failure_key(code))
                        ),
                    },
                    "signer": signer["common_name"],
                    "serial": signer["certificate_serial"],
                });
            }
            None => {
                for print_lang in crate::documents::PRINT_LANGS {
                    let pdf = crate::documents::render(document, print_lang)?;
                    files.push(json!({
                        "lang": print_lang.code(),
                        "sha256": crate::documents::sha256_hex(&pdf),
                        "size": pdf.len(),
                    }));
                }
            }
        }
        let heading = qyzmet_documents::heading(&document.kind, lang);
        // A result's own title, unless it only repeats the heading.
        let title = case
            .result
            .as_ref()
            .filter(|_| !receipt)
            .map(|result| model.result_title(result, lang))
            .filter(|title| title.trim().to_lowercase() != heading.to_lowercase());
        documents.push(json!({
            "kind": if receipt { "receipt" } else { "result" },
            "document_id": document.id,
            "heading": heading,
            "title": title,
            "provider": document.provider.name.get(lang),
            "issued_at": issued_at,
            "files": files,
            "signature": signature,
        }));
    }
    Ok(json!({
        "case_id": case.case_id,
        "service_title": model.service_title().get(lang),
        "documents": documents,
    }))
}

async fn verify_page(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(case_id): Path<String>,
    PageLang(lang): PageLang,
    headers: axum::http::HeaderMap,
) -> AppResult {
    let base = base_url(&state, &headers);
    let id = case_id.clone();
    let pki = state.pki.clone();
    let now = state.now();
    let data = state
        .blocking(move |runtime| verification(runtime, pki.as_deref(), &id, &base, lang, now))
        .await?;
    let page = Page::new(lang, session, &format!("/verify/{case_id}"));
    render_page(
        &state,
        &page,
        "verify.html",
        Jv::from_serialize(json!({"doc": data, "checked": Value::Null})),
    )
}

/// Which issued document and language a file with `digest` is, if any.
fn matching_document(data: &Value, digest: &str) -> Option<Value> {
    data["documents"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|document| {
            document["files"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|file| file["sha256"] == digest)
                .map(|file| json!({"kind": document["kind"], "heading": document["heading"], "document_id": document["document_id"], "lang": file["lang"], "signature": document["signature"]}))
        })
}

#[utoipa::path(get, path = "/api/verify/{case_id}", params(("case_id" = String, Path), crate::i18n::LangParam),
    responses((status = 200, body = view::Verification, description = "Public: every document the case issued — kind, number, issuer, issue time, the SHA-256 of each language's file, and for a signed result its signature checked now (valid, signer). No applicant data."), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn api_verify(
    State(state): State<AppState>,
    Path(case_id): Path<String>,
    axum::extract::Query(params): axum::extract::Query<crate::i18n::LangParam>,
    headers: axum::http::HeaderMap,
) -> AppResult {
    let lang = params.lang();
    let base = base_url(&state, &headers);
    let pki = state.pki.clone();
    let now = state.now();
    let data = state
        .blocking(move |runtime| verification(runtime, pki.as_deref(), &case_id, &base, lang, now))
        .await?;
    Ok(axum::Json(view::Verification(data)).into_response())
}

#[utoipa::path(post, path = "/api/verify/{case_id}", params(("case_id" = String, Path), crate::i18n::LangParam),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "The file someone holds"),
    responses((status = 200, body = view::FileCheck, description = "`matched`: whether the file is one the case issued, unaltered; `document`: which one and in which language (with the signature check for a signed result)"), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn api_verify_file(
    State(state): State<AppState>,
    Path(case_id): Path<String>,
    axum::extract::Query(params): axum::extract::Query<crate::i18n::LangParam>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult {
    let lang = params.lang();
    let digest = crate::documents::sha256_hex(&body);
    let base = base_url(&state, &headers);
    let pki = state.pki.clone();
    let now = state.now();
    let data = state
        .blocking(move |runtime| verification(runtime, pki.as_deref(), &case_id, &base, lang, now))
        .await?;
    let document = matching_document(&data, &digest);
    Ok(axum::Json(view::FileCheck {
        case_id: data["case_id"].clone(),
        sha256: digest,
        matched: document.is_some(),
        document,
    })
    .into_response())
}

/// Compares a file someone holds with the document as issued.
async fn verify_file(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(case_id): Path<String>,
    PageLang(lang): PageLang,
    headers: axum::http::HeaderMap,
    mut multipart: Multipart,
) -> AppResult {
    let mut digest = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| AppError::bad_request("invalid_input", error.to_string()))?
    {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|error| {
                AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    error.to_string(),
                )
            })?;
            digest = Some(crate::documents::sha256_hex(&bytes));
        }
    }
    let digest = digest.ok_or_else(|| AppError::bad_request("invalid_input", "no file"))?;
    let base = base_url(&state, &headers);
    let id = case_id.clone();
    let pki = state.pki.clone();
    let now = state.now();
    let data = state
        .blocking(move |runtime| verification(runtime, pki.as_deref(), &id, &base, lang, now))
        .await?;
    let found = matching_document(&data, &digest);
    let matched = found.is_some();
    let page = Page::new(lang, session, &format!("/verify/{case_id}"));
    render_page(
        &state,
        &page,
        "verify.html",
        Jv::from_serialize(
            json!({"doc": data, "checked": {"sha256": digest, "matched": matched, "document": found}}),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::parse_tenge;

    #[test]
    fn tenge_as_people_write_them() {
        assert_eq!(parse_tenge("42500"), Some(4_250_000));
        assert_eq!(parse_tenge("42 500,50"), Some(4_250_050));
        assert_eq!(parse_tenge("42500.5"), Some(4_250_050));
        assert_eq!(parse_tenge("0,01"), Some(1));
        for bad in [
            "",
            "0",
            "-5",
            "1.234",
            "12a",
            ",50",
            "1e3",
            "99999999999999999999",
        ] {
            assert_eq!(parse_tenge(bad), None, "{bad}");
        }
    }
}
