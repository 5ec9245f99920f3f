//! The portal: home, signing in and out, applying (the form, the draft to sign), the citizen's cabinet.

use crate::auth::{self, AccountKind, MaybeUser, Session, check_csrf};
use crate::i18n;
use crate::ops;
use crate::ops::SubmitRequest;
use crate::page::{Page, PageLang, PageUser, render_page, signed_in};
use crate::{AppError, AppResult, AppState, view};
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::SignedCookieJar;
use minijinja::Value as Jv;
use qyzmet_core::Lang;
use qyzmet_regulation::model::Channel;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(crate) async fn home(
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

pub(crate) async fn login_page(
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
pub(crate) struct LoginForm {
    login: String,
    password: String,
}

pub(crate) async fn login(
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
pub(crate) struct CsrfForm {
    pub(crate) csrf: String,
}

pub(crate) async fn logout(
    MaybeUser(session): MaybeUser,
    jar: SignedCookieJar,
    Form(form): Form<CsrfForm>,
) -> AppResult {
    if let Some(session) = &session {
        check_csrf(session, &form.csrf)?;
    }
    Ok((auth::sign_out(jar), Redirect::to("/")).into_response())
}

pub(crate) fn apply_data(
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
    let mut providers = ops::provider_choices(&state.runtime, &model.act().region, appeal)?;
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

pub(crate) async fn apply_page(
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
pub(crate) async fn apply(
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

pub(crate) async fn cabinet(
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
            let rows = ops::cases_of(runtime, &account, None, 200)?;
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
