//! Filing and reading cases, and attaching files to them.

use crate::error::ErrorBody;
use crate::i18n::LangParam;

use crate::auth::User;
use crate::ops::{
    SubmitRequest, attachments, cases_of, load_case, load_case_events, regulation,
    store_attachment, submit_case,
};
use crate::view;
use crate::{AppError, AppResult, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;

#[utoipa::path(post, path = "/api/cases", request_body = SubmitRequest, params(LangParam),
    responses((status = 201, body = view::CaseView, description = "The new case"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn submit(
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

#[derive(Deserialize, IntoParams, Default)]
pub struct CasesParams {
    pub lang: Option<String>,
    /// Supervisors and staff: only cases of this provider.
    pub provider: Option<String>,
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/cases", params(CasesParams), responses((status = 200, body = [view::CaseSummary], description = "Cases the account may see, newest first"), (status = 401, body = ErrorBody)))]
pub(crate) async fn list_cases(
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
pub(crate) async fn get_case(
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
pub(crate) async fn put_attachment(
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
