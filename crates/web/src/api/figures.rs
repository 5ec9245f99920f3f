//! Registries, the audit of the hash chains and the supervisors' figures.

use crate::error::ErrorBody;

use crate::auth::{Account, User};
use crate::ops::{StatRow, stat_rows};
use crate::view;
use crate::{AppError, AppResult, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;

#[utoipa::path(get, path = "/api/registries/{registry}/{key}", params(("registry" = String, Path, description = "unemployed, targeted_social_assistance, semipalatinsk_victims, oralman, foreign_labour_permits"), ("key" = String, Path, description = "IIN or BIN")),
    responses((status = 200, body = view::RegistryRecord, description = "The record"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn registry(
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

pub(crate) fn require_supervisor(account: &Account) -> Result<(), AppError> {
    if account.supervisor {
        Ok(())
    } else {
        Err(AppError::forbidden("for supervisors"))
    }
}

#[utoipa::path(get, path = "/api/audit", responses((status = 200, body = view::AuditReply, description = "Both hash chains verified"), (status = 403, body = ErrorBody)))]
pub(crate) async fn audit(State(state): State<AppState>, User(session): User) -> AppResult {
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

#[utoipa::path(get, path = "/api/stats", responses((status = 200, body = [StatRow], description = "Cases received, completed, in time, overdue now — per regulation, provider and route"), (status = 403, body = ErrorBody)))]
pub(crate) async fn stats(State(state): State<AppState>, User(session): User) -> AppResult {
    require_supervisor(&session.account)?;
    let now = state.now();
    let rows = state
        .blocking(move |runtime| Ok(stat_rows(&runtime.store.case_stats(now)?)))
        .await?;
    Ok(Json(rows).into_response())
}
