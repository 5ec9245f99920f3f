//! The work list and the commands on tasks and cases: claim, complete, assign, extend, withdraw.

use crate::error::ErrorBody;
use crate::i18n::LangParam;

use crate::auth::{Account, User};
use crate::ops::{case_of_task, pinned_model, signatures, tasks_of, with_task_views};
use crate::view;
use crate::{AppError, AppResult, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use qyzmet_app::tasks::Act;
use qyzmet_core::Lang;
use qyzmet_engine::Action;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams, Default)]
pub struct TasksParams {
    pub lang: Option<String>,
    /// At most this many tasks, most urgent first (default 50, at most 500).
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/tasks", params(TasksParams), responses((status = 200, body = [view::TaskView], description = "My work list with the legal clock, most urgent first"), (status = 401, body = ErrorBody)))]
pub(crate) async fn work_list(
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

/// What a client may add to a command: the case version it saw, and its
/// idempotency key.
#[derive(Default)]
pub(crate) struct Guard {
    expected_version: Option<u64>,
    idempotency_key: Option<String>,
}

pub(crate) async fn run_action(
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
pub(crate) async fn claim(
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
pub(crate) async fn complete(
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
pub(crate) async fn assign(
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
pub(crate) async fn extend(
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
pub(crate) async fn withdraw(
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
