//! The JSON API under `/api`, and the operations the pages share with it.
//!
//! Authorization is decided here before the engine sees a command (who may
//! submit on which channel, who may see a case) and again by the engine
//! (the role and unit a task needs). The OpenAPI document is generated from
//! the `#[utoipa::path]` annotations below.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::SignedCookieJar;
use qyzmet_app::tasks::Act;
use qyzmet_core::Lang;
use qyzmet_engine::Action;
use qyzmet_runtime::Runtime;
use qyzmet_storage::record::{CaseStatus, TaskRow};
use qyzmet_store::{CaseQuery, CaseStat, TaskQuery};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::{Account, AccountKind, User};
use crate::demo::{self, ProviderRecord};
pub use crate::error::{ErrorBody, ErrorDetail};
pub use crate::i18n::LangParam;
use crate::ops::{
    SubmitRequest, attachments, case_of_task, load_case, load_case_events, pinned_model,
    regulation, signatures, store_attachment, submit_case,
};
use crate::view;
use crate::{AppError, AppResult, AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Qyzmet API",
        description = "Public services run from their regulations: catalogue, applications, cases, work lists, supervision. Errors: {\"error\": {\"code\", \"message\", \"detail\"}}; the message is in the language of `?lang=` (kk default, ru, en). State-changing calls need the session's CSRF token in `X-CSRF-Token`.",
        license(name = "Apache-2.0")
    ),
    paths(
        list_regulations,
        get_regulation,
        sign_in,
        sign_out,
        sign_in_challenge,
        sign_in_certificate,
        me,
        list_providers,
        submit,
        crate::signing::post_draft,
        crate::signing::post_draft_submit,
        list_cases,
        get_case,
        put_attachment,
        work_list,
        claim,
        complete,
        crate::result_signing::api_result_to_sign,
        crate::result_signing::api_sign_result,
        assign,
        extend,
        withdraw,
        registry,
        audit,
        stats,
        crate::pages::api_verify,
        crate::pages::api_verify_file,
        crate::monitoring::api,
        crate::notifications::api_list,
        crate::notifications::api_read,
        crate::authoring::api_check,
        crate::authoring::api_preview,
        crate::authoring::api_save,
        crate::authoring::api_editions,
        crate::authoring::api_edition
    ),
    components(schemas(
        SignIn,
        CertificateSignIn,
        SubmitRequest,
        crate::signing::DraftBody,
        crate::signing::SignatureBody,
        CompleteRequest,
        crate::result_signing::ResultToSign,
        crate::result_signing::SignResultRequest,
        AssignRequest,
        ReasonRequest,
        ErrorBody,
        ErrorDetail,
        crate::authoring::AuthoringText,
        crate::authoring::DiagnosticView,
        crate::authoring::EditionRecord,
        crate::authoring::CheckReply,
        crate::authoring::PreviewReply,
        crate::authoring::SaveErrors,
        view::RegulationSummary,
        view::RegulationDocument,
        view::AccountView,
        view::GrantView,
        view::Challenge,
        view::ProviderView,
        view::CaseSummary,
        view::CaseView,
        view::CaseDetail,
        view::SignatureView,
        view::TimelineEntry,
        view::CaseTask,
        view::OutcomeView,
        view::DocumentView,
        view::FormEntry,
        view::HistoryEntry,
        view::AttachmentView,
        view::TaskView,
        view::RegistryRecord,
        view::AuditReply,
        view::Verification,
        view::FileCheck,
        StatRow,
        crate::gateway::RequestView,
        crate::gateway::ExchangeView,
        crate::notifications::NotificationList,
        crate::notifications::NotificationView,
        crate::monitoring::MonitoringReport,
        qyzmet_app::AccountKind
    ))
)]
pub struct ApiDoc;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/regulations", get(list_regulations))
        .route("/api/regulations/{*id}", get(get_regulation))
        .route("/api/session", post(sign_in).delete(sign_out))
        .route("/api/session/challenge", post(sign_in_challenge))
        .route("/api/session/certificate", post(sign_in_certificate))
        .route("/api/me", get(me))
        .route("/api/providers", get(list_providers))
        .route("/api/cases", post(submit).get(list_cases))
        .route("/api/drafts", post(crate::signing::post_draft))
        .route(
            "/api/drafts/{draft}/submit",
            post(crate::signing::post_draft_submit),
        )
        .route("/api/cases/{case_id}", get(get_case))
        .route(
            "/api/cases/{case_id}/attachments/{document}",
            axum::routing::put(put_attachment),
        )
        .route("/api/cases/{case_id}/assign", post(assign))
        .route("/api/cases/{case_id}/extend", post(extend))
        .route("/api/cases/{case_id}/withdraw", post(withdraw))
        .route("/api/tasks", get(work_list))
        .route("/api/tasks/{task_id}/claim", post(claim))
        .route("/api/tasks/{task_id}/complete", post(complete))
        .route(
            "/api/tasks/{task_id}/result-to-sign",
            get(crate::result_signing::api_result_to_sign),
        )
        .route(
            "/api/tasks/{task_id}/sign-result",
            post(crate::result_signing::api_sign_result),
        )
        .route("/api/registries/{registry}/{key}", get(registry))
        .route("/api/audit", get(audit))
        .route("/api/stats", get(stats))
        .route("/api/monitoring", get(crate::monitoring::api))
        .route("/api/notifications", get(crate::notifications::api_list))
        .route(
            "/api/notifications/{id}/read",
            post(crate::notifications::api_read),
        )
        .route("/api/authoring/check", post(crate::authoring::api_check))
        .route(
            "/api/authoring/preview",
            post(crate::authoring::api_preview),
        )
        .route(
            "/api/authoring/editions",
            get(crate::authoring::api_editions).post(crate::authoring::api_save),
        )
        .route(
            "/api/authoring/editions/{hash}",
            get(crate::authoring::api_edition),
        )
        .route(
            "/api/verify/{case_id}",
            get(crate::pages::api_verify).post(crate::pages::api_verify_file),
        )
}

async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

// ------------------------------------------------------------ catalogue

#[utoipa::path(get, path = "/api/regulations", params(LangParam), responses((status = 200, body = [view::RegulationSummary], description = "Every regulation in the catalogue")))]
async fn list_regulations(
    State(state): State<AppState>,
    Query(params): Query<LangParam>,
) -> Response {
    let lang = params.lang();
    let rows: Vec<_> = state
        .runtime
        .catalog
        .models()
        .map(|model| view::RegulationSummary {
            id: model.id.clone(),
            hash: model.hash.clone(),
            region: model.region().to_owned(),
            service: model.service_id().to_owned(),
            title: model.service_title().get(lang).to_owned(),
            channels: model
                .routes()
                .iter()
                .map(|route| route.key.clone())
                .collect(),
            repealed_on: model
                .act()
                .repealed
                .as_ref()
                .map(|repeal| repeal.on.unwrap_or(repeal.by.date)),
        })
        .collect();
    Json(rows).into_response()
}

#[utoipa::path(get, path = "/api/regulations/{id}", params(("id" = String, Path, description = "Regulation id; contains slashes, e.g. kyzylorda/2015-141/unemployed-registration"), LangParam),
    responses((status = 200, description = "The regulation as JSON, BPMN, SVG, Mermaid or Markdown", content(
        (view::RegulationDocument = "application/json"),
        (String = "application/xml"),
        (String = "image/svg+xml"),
        (String = "text/plain"),
        (String = "text/markdown"))), (status = 404, body = ErrorBody)))]
async fn get_regulation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<LangParam>,
) -> AppResult {
    use qyzmet_regulation::render;
    let model = regulation(&state.runtime, &id)?;
    let lang = params.lang();
    let response = match params.format.as_deref().unwrap_or("json") {
        "json" => Json(render::json(model, lang)).into_response(),
        "bpmn" => (
            [(header::CONTENT_TYPE, "application/xml")],
            render::bpmn::render(model, lang),
        )
            .into_response(),
        "svg" => (
            [(header::CONTENT_TYPE, "image/svg+xml")],
            render::svg::render(model, lang),
        )
            .into_response(),
        "mermaid" => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            render::mermaid::render(model, lang),
        )
            .into_response(),
        "md" => (
            [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
            render::markdown(model, lang),
        )
            .into_response(),
        other => {
            return Err(AppError::bad_request(
                "unknown_format",
                format!("unknown format `{other}`; use json, bpmn, svg, mermaid or md"),
            ));
        }
    };
    Ok(response)
}

// ------------------------------------------------------------ session

#[derive(Deserialize, ToSchema)]
pub struct SignIn {
    /// IIN for citizens, the staff login otherwise.
    pub login: String,
    pub password: String,
}

#[utoipa::path(post, path = "/api/session", request_body = SignIn,
    responses((status = 200, body = view::AccountView, description = "Signed in; the session cookie is set and the CSRF token returned"), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn sign_in(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    Json(body): Json<SignIn>,
) -> AppResult {
    let account = crate::auth::authenticate(&state, &body.login, &body.password).await?;
    let (jar, csrf) = crate::auth::sign_in(&state, jar, &account.login);
    Ok((jar, Json(account_json(&account, &csrf))).into_response())
}

#[utoipa::path(post, path = "/api/session/challenge", responses((status = 200, body = view::Challenge, description = "A challenge text to sign with the authentication certificate (CMS, attached), valid 5 minutes")))]
async fn sign_in_challenge(State(state): State<AppState>) -> Response {
    Json(view::Challenge {
        challenge: crate::auth::challenge(&state),
        expires_in_seconds: crate::auth::CHALLENGE_SECONDS,
    })
    .into_response()
}

#[derive(Deserialize, ToSchema)]
pub struct CertificateSignIn {
    /// The CMS SignedData over the challenge (attached), base64 or PEM.
    pub cms: String,
}

#[utoipa::path(post, path = "/api/session/certificate", request_body = CertificateSignIn,
    responses((status = 200, body = view::AccountView, description = "Signed in; the session cookie is set and the CSRF token returned"), (status = 401, body = ErrorBody, description = "certificate_refused with the reason (expired, revoked, wrong key usage, unknown issuer …), challenge_refused, or no account for the IIN"), (status = 501, body = ErrorBody)))]
async fn sign_in_certificate(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    Json(body): Json<CertificateSignIn>,
) -> AppResult {
    let account = crate::auth::authenticate_certificate(&state, body.cms.as_bytes()).await?;
    let (jar, csrf) = crate::auth::sign_in(&state, jar, &account.login);
    tracing::info!("signed in with a certificate");
    Ok((jar, Json(account_json(&account, &csrf))).into_response())
}

#[utoipa::path(delete, path = "/api/session", responses((status = 204, description = "Signed out")))]
async fn sign_out(jar: SignedCookieJar) -> Response {
    (crate::auth::sign_out(jar), StatusCode::NO_CONTENT).into_response()
}

pub fn account_json(account: &Account, csrf: &str) -> view::AccountView {
    view::AccountView {
        login: account.login.clone(),
        kind: account.kind,
        name: account.name.clone(),
        grants: account
            .grants
            .iter()
            .map(|grant| view::GrantView {
                role: grant.role.clone(),
                unit: grant.unit.clone(),
            })
            .collect(),
        supervisor: account.supervisor,
        analyst: account.analyst,
        csrf: csrf.to_owned(),
    }
}

#[utoipa::path(get, path = "/api/me", responses((status = 200, body = view::AccountView, description = "The signed-in account and its CSRF token"), (status = 401, body = ErrorBody)))]
async fn me(User(session): User) -> Response {
    Json(account_json(&session.account, &session.csrf)).into_response()
}

#[utoipa::path(get, path = "/api/providers", params(LangParam), responses((status = 200, body = [view::ProviderView], description = "Providers and the regulations they apply")))]
async fn list_providers(
    State(state): State<AppState>,
    Query(params): Query<LangParam>,
) -> AppResult {
    let lang = params.lang();
    let providers = state.blocking(demo::providers).await?;
    let rows: Vec<view::ProviderView> = providers
        .iter()
        .map(|provider| view::ProviderView {
            id: provider.id.clone(),
            region: provider.region.clone(),
            title: provider.title.get(lang).to_owned(),
            regulations: state
                .runtime
                .catalog
                .models()
                .filter(|model| model.region() == provider.region)
                .map(|model| model.id.clone())
                .collect(),
        })
        .collect();
    Ok(Json(rows).into_response())
}

// ------------------------------------------------------------ submission

#[utoipa::path(post, path = "/api/cases", request_body = SubmitRequest, params(LangParam),
    responses((status = 201, body = view::CaseView, description = "The new case"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn submit(
    State(state): State<AppState>,
    User(session): User,
    Query(params): Query<LangParam>,
    Json(request): Json<SubmitRequest>,
) -> AppResult {
    let lang = params.lang();
    let now = state.now();
    let account = session.account;
    let view = state
        .blocking(move |runtime| {
            let case = submit_case(runtime, &account, &request, None, now)?;
            let model = regulation(runtime, &case.regulation_id)?;
            Ok(view::case_view(runtime, &case, model, lang, now))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

// ------------------------------------------------------------ cases

#[derive(Deserialize, IntoParams, Default)]
pub struct CasesParams {
    pub lang: Option<String>,
    /// Supervisors and staff: only cases of this provider.
    pub provider: Option<String>,
    pub limit: Option<usize>,
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

#[utoipa::path(get, path = "/api/cases", params(CasesParams), responses((status = 200, body = [view::CaseSummary], description = "Cases the account may see, newest first"), (status = 401, body = ErrorBody)))]
async fn list_cases(
    State(state): State<AppState>,
    User(session): User,
    Query(params): Query<CasesParams>,
) -> AppResult {
    let account = session.account;
    let limit = params.limit.unwrap_or(100).min(1000);
    let rows = state
        .blocking(move |runtime| cases_of(runtime, &account, params.provider, limit))
        .await?;
    let rows: Vec<view::CaseSummary> = rows.into_iter().map(view::CaseSummary::from).collect();
    Ok(Json(rows).into_response())
}

#[utoipa::path(get, path = "/api/cases/{case_id}", params(("case_id" = String, Path), LangParam),
    responses((status = 200, body = view::CaseDetail, description = "Status, due date, timeline, open tasks, documents and the event history"), (status = 404, body = ErrorBody)))]
async fn get_case(
    State(state): State<AppState>,
    User(session): User,
    Path(case_id): Path<String>,
    Query(params): Query<LangParam>,
) -> AppResult {
    let lang = params.lang();
    let now = state.now();
    let account = session.account;
    let view = state
        .blocking(move |runtime| {
            let (case, model, events) = load_case_events(runtime, &account, &case_id)?;
            let history = events
                .iter()
                .map(|event| view::HistoryEntry {
                    seq: event.seq,
                    kind: event.kind.clone(),
                    at: event.at.to_string(),
                    hash: event.hash.clone(),
                })
                .collect();
            let exchanges = if account.is_staff() {
                Some(crate::gateway::exchanges_json(runtime, &case_id, lang)?)
            } else {
                None
            };
            Ok(view::CaseDetail {
                case: view::case_view(runtime, &case, &model, lang, now),
                history,
                attachments: attachments(runtime, &case_id)?
                    .into_iter()
                    .map(view::AttachmentView)
                    .collect(),
                requests: crate::gateway::requests_json(&case, lang),
                exchanges,
            })
        })
        .await?;
    Ok(Json(view).into_response())
}

#[utoipa::path(put, path = "/api/cases/{case_id}/attachments/{document}", params(("case_id" = String, Path), ("document" = String, Path, description = "Document id of the regulation")),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "The file: PDF, JPEG or PNG, at most 5 MiB"),
    responses((status = 201, body = view::AttachmentView, description = "Stored"), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
async fn put_attachment(
    State(state): State<AppState>,
    User(session): User,
    Path((case_id, document)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let account = session.account;
    let entry = state
        .blocking(move |runtime| {
            let (case, model) = load_case(runtime, &account, &case_id)?;
            if case.is_closed() {
                return Err(AppError::new(
                    StatusCode::CONFLICT,
                    "wrong_state",
                    "the case is closed",
                ));
            }
            if model.document(&document).is_none() {
                return Err(AppError::bad_request(
                    "unknown_document",
                    format!("the regulation has no document `{document}`"),
                ));
            }
            store_attachment(
                runtime,
                &case_id,
                &document,
                &document,
                &content_type,
                &body,
            )
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view::AttachmentView(entry))).into_response())
}

// ------------------------------------------------------------ work

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

#[derive(Deserialize, IntoParams, Default)]
pub struct TasksParams {
    pub lang: Option<String>,
    /// At most this many tasks, most urgent first (default 50, at most 500).
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/tasks", params(TasksParams), responses((status = 200, body = [view::TaskView], description = "My work list with the legal clock, most urgent first"), (status = 401, body = ErrorBody)))]
async fn work_list(
    State(state): State<AppState>,
    User(session): User,
    Query(params): Query<TasksParams>,
) -> AppResult {
    let lang = params
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_default();
    let limit = params.limit.unwrap_or(50).clamp(1, 500);
    let now = state.now();
    let account = session.account;
    let caches = state.caches.clone();
    let body = state
        .blocking(move |runtime| {
            let rows = tasks_of(runtime, &account, limit)?;
            with_task_views(runtime, &caches, &rows, lang, now, |views| {
                serde_json::to_vec(views)
            })?
            .map_err(|error| AppError::internal(error.to_string()))
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
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

/// What a client may add to a command: the case version it saw, and its
/// idempotency key.
#[derive(Default)]
struct Guard {
    expected_version: Option<u64>,
    idempotency_key: Option<String>,
}

async fn run_action(
    state: AppState,
    account: Account,
    case_id: Option<String>,
    task_id: Option<String>,
    action: Action,
    guard: Guard,
    lang: Lang,
) -> AppResult {
    let now = state.now();
    let pki = state.pki.clone();
    let view = state
        .blocking(move |runtime| {
            let case_id = match (case_id, task_id) {
                (Some(case_id), _) => case_id,
                (None, Some(task_id)) => case_of_task(runtime, &task_id)?,
                (None, None) => return Err(AppError::internal("no case")),
            };
            // A step that signs the result is completed only by signing it
            // (the application layer refuses it here).
            let case = qyzmet_app::tasks::act(
                runtime,
                &account,
                Act {
                    case_id: &case_id,
                    action,
                    expected_version: guard.expected_version,
                    idempotency_key: guard.idempotency_key.as_deref(),
                },
                signatures(pki.as_deref()),
                now,
            )?;
            let model = pinned_model(runtime, &case.regulation_hash)?;
            Ok(view::case_view(runtime, &case, &model, lang, now))
        })
        .await?;
    Ok(Json(view).into_response())
}

#[derive(Deserialize, ToSchema, Default)]
pub struct VersionOnly {
    #[serde(default)]
    pub expected_version: Option<u64>,
}

#[utoipa::path(post, path = "/api/tasks/{task_id}/claim", params(("task_id" = String, Path), LangParam),
    responses((status = 200, body = view::CaseView, description = "The case after the command"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn claim(
    State(state): State<AppState>,
    User(session): User,
    Path(task_id): Path<String>,
    Query(params): Query<LangParam>,
) -> AppResult {
    let action = Action::Claim {
        task_id: task_id.clone(),
    };
    run_action(
        state,
        session.account,
        None,
        Some(task_id),
        action,
        Guard::default(),
        params.lang(),
    )
    .await
}

#[derive(Deserialize, ToSchema, Default)]
pub struct CompleteRequest {
    /// The outcome id of a decision.
    #[serde(default)]
    pub outcome: Option<String>,
    /// Data handed on with the task (a JSON object).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: Value,
    /// The case version seen; another current version is `stale_version`.
    #[serde(default)]
    pub expected_version: Option<u64>,
    /// Retrying with the same key (per case) changes nothing: the answer is
    /// the case as it is.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

#[utoipa::path(post, path = "/api/tasks/{task_id}/complete", request_body = CompleteRequest, params(("task_id" = String, Path), LangParam),
    responses((status = 200, body = view::CaseView, description = "The case after the command"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn complete(
    State(state): State<AppState>,
    User(session): User,
    Path(task_id): Path<String>,
    Query(params): Query<LangParam>,
    Json(body): Json<CompleteRequest>,
) -> AppResult {
    let action = Action::Complete {
        task_id: task_id.clone(),
        outcome: body.outcome,
        data: body.data,
    };
    run_action(
        state,
        session.account,
        None,
        Some(task_id),
        action,
        Guard {
            expected_version: body.expected_version,
            idempotency_key: body.idempotency_key,
        },
        params.lang(),
    )
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct AssignRequest {
    /// The executor's login.
    pub executor: String,
    /// The role they take (default `executor`).
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub expected_version: Option<u64>,
}

#[utoipa::path(post, path = "/api/cases/{case_id}/assign", request_body = AssignRequest, params(("case_id" = String, Path), LangParam),
    responses((status = 200, body = view::CaseView, description = "The head's resolution is recorded"), (status = 403, body = ErrorBody)))]
async fn assign(
    State(state): State<AppState>,
    User(session): User,
    Path(case_id): Path<String>,
    Query(params): Query<LangParam>,
    Json(body): Json<AssignRequest>,
) -> AppResult {
    let action = Action::AssignExecutor {
        executor: body.executor,
        role: body.role,
    };
    run_action(
        state,
        session.account,
        Some(case_id),
        None,
        action,
        Guard {
            expected_version: body.expected_version,
            idempotency_key: None,
        },
        params.lang(),
    )
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct ReasonRequest {
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub expected_version: Option<u64>,
}

#[utoipa::path(post, path = "/api/cases/{case_id}/extend", request_body = ReasonRequest, params(("case_id" = String, Path), LangParam),
    responses((status = 200, body = view::CaseView, description = "The term is extended"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn extend(
    State(state): State<AppState>,
    User(session): User,
    Path(case_id): Path<String>,
    Query(params): Query<LangParam>,
    Json(body): Json<ReasonRequest>,
) -> AppResult {
    let reason = body.reason.unwrap_or_default();
    if reason.trim().is_empty() {
        return Err(AppError::bad_request("reason_required", "give the reason"));
    }
    run_action(
        state,
        session.account,
        Some(case_id),
        None,
        Action::Extend { reason },
        Guard {
            expected_version: body.expected_version,
            idempotency_key: None,
        },
        params.lang(),
    )
    .await
}

#[utoipa::path(post, path = "/api/cases/{case_id}/withdraw", request_body = ReasonRequest, params(("case_id" = String, Path), LangParam),
    responses((status = 200, body = view::CaseView, description = "The application is withdrawn"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn withdraw(
    State(state): State<AppState>,
    User(session): User,
    Path(case_id): Path<String>,
    Query(params): Query<LangParam>,
    Json(body): Json<ReasonRequest>,
) -> AppResult {
    let action = Action::Withdraw {
        reason: body.reason,
    };
    run_action(
        state,
        session.account,
        Some(case_id),
        None,
        action,
        Guard {
            expected_version: body.expected_version,
            idempotency_key: None,
        },
        params.lang(),
    )
    .await
}

// ------------------------------------------------------------ registries, audit, stats

#[utoipa::path(get, path = "/api/registries/{registry}/{key}", params(("registry" = String, Path, description = "unemployed, targeted_social_assistance, semipalatinsk_victims, oralman, foreign_labour_permits"), ("key" = String, Path, description = "IIN or BIN")),
    responses((status = 200, body = view::RegistryRecord, description = "The record"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn registry(
    State(state): State<AppState>,
    User(session): User,
    Path((registry, key)): Path<(String, String)>,
) -> AppResult {
    if !session.account.is_staff() {
        return Err(AppError::forbidden("registries are for officers"));
    }
    let row = state
        .blocking(move |runtime| Ok(runtime.store.registry(&registry, &key)?))
        .await?
        .ok_or_else(|| AppError::not_found("no_record", "no such record"))?;
    Ok(Json(view::RegistryRecord::from(row)).into_response())
}

fn require_supervisor(account: &Account) -> Result<(), AppError> {
    if account.supervisor {
        Ok(())
    } else {
        Err(AppError::forbidden("for supervisors"))
    }
}

#[utoipa::path(get, path = "/api/audit", responses((status = 200, body = view::AuditReply, description = "Both hash chains verified"), (status = 403, body = ErrorBody)))]
async fn audit(State(state): State<AppState>, User(session): User) -> AppResult {
    require_supervisor(&session.account)?;
    let report = state
        .blocking(|runtime| Ok(runtime.store.verify()?))
        .await?;
    Ok(Json(view::AuditReply {
        clean: report.is_clean(),
        report,
    })
    .into_response())
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

#[utoipa::path(get, path = "/api/stats", responses((status = 200, body = [StatRow], description = "Cases received, completed, in time, overdue now — per regulation, provider and route"), (status = 403, body = ErrorBody)))]
async fn stats(State(state): State<AppState>, User(session): User) -> AppResult {
    require_supervisor(&session.account)?;
    let now = state.now();
    let rows = state
        .blocking(move |runtime| Ok(stat_rows(&runtime.store.case_stats(now)?)))
        .await?;
    Ok(Json(rows).into_response())
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
