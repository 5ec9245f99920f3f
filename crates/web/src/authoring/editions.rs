//! Draft editions: saving a checked text as a new edition by content hash (never over a pinned one), listing them, and reading one back.

use super::*;
use crate::auth::User;
use crate::i18n;
use crate::{AppError, AppResult, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use qyzmet_core::Lang;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A saved draft edition (directory collection [`EDITIONS`]).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EditionRecord {
    /// Content hash of the text (`sha256:…`), its key in the store.
    pub hash: String,
    pub regulation_id: String,
    /// Login of the analyst who saved it.
    pub author: String,
    /// RFC 3339 instant.
    #[schema(value_type = String)]
    pub saved_at: jiff::Timestamp,
    /// The edition it was edited from, when known.
    #[serde(default)]
    pub based_on: Option<String>,
    /// Always `draft`: not in the catalogue until an operator adds the file.
    pub status: String,
    pub warnings: usize,
}

/// Why a save did not happen.
pub enum SaveRefused {
    /// The text has errors (the diagnostics).
    Errors(Box<CheckedText>),
    Other(AppError),
}

impl From<AppError> for SaveRefused {
    fn from(error: AppError) -> SaveRefused {
        SaveRefused::Other(error)
    }
}

/// Saves `text` as a new draft edition by `author`; `Ok((record, true))`
/// when it is new, `false` when the same text was saved before.
pub fn save_edition(
    state: &AppState,
    author: &str,
    text: &str,
    based_on: Option<String>,
) -> Result<(EditionRecord, bool), SaveRefused> {
    text_limit(text)?;
    let checked = check_text(state, text);
    let Some(model) = &checked.model else {
        return Err(SaveRefused::Errors(Box::new(checked)));
    };
    let runtime = &state.runtime;
    if runtime.catalog.by_hash(&model.hash).is_some() {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "edition_unchanged",
            format!("{} is the catalogue's edition already", model.hash),
        )
        .into());
    }
    // Content-addressed: a new text is a new row; an edition a case is
    // pinned to has another hash and is not touched.
    runtime
        .store
        .put_regulation(&model.hash, &model.id, text)
        .map_err(AppError::from)?;
    let record = EditionRecord {
        hash: model.hash.clone(),
        regulation_id: model.id.clone(),
        author: author.to_owned(),
        saved_at: state.now(),
        based_on: based_on.filter(|hash| !hash.is_empty() && hash.len() <= 80),
        status: "draft".into(),
        warnings: checked.warnings,
    };
    let value = serde_json::to_value(&record)
        .map_err(|error| AppError::internal(format!("edition record: {error}")))?;
    let stored = runtime
        .store
        .insert_doc(EDITIONS, &record.hash, &value)
        .map_err(AppError::from)?;
    let fresh = stored == value;
    let record = serde_json::from_value(stored)
        .map_err(|error| AppError::internal(format!("edition record: {error}")))?;
    tracing::info!(regulation = %model.id, hash = %model.hash, fresh, "draft edition saved");
    Ok((record, fresh))
}

/// The saved draft editions, newest first (of one regulation, if given).
pub fn editions(
    state: &AppState,
    regulation: Option<&str>,
) -> Result<Vec<EditionRecord>, AppError> {
    let mut records: Vec<EditionRecord> = state
        .runtime
        .store
        .docs(EDITIONS, 1000)?
        .into_iter()
        .filter_map(|(_, value)| serde_json::from_value(value).ok())
        .filter(|record: &EditionRecord| regulation.is_none_or(|id| record.regulation_id == id))
        .collect();
    records.sort_by(|a, b| b.saved_at.cmp(&a.saved_at).then(a.hash.cmp(&b.hash)));
    Ok(records)
}

pub(crate) fn edition_text(
    state: &AppState,
    hash: &str,
) -> Result<(EditionRecord, String), AppError> {
    let unknown = || AppError::not_found("unknown_edition", format!("no saved edition `{hash}`"));
    if hash.is_empty() || hash.len() > 80 {
        return Err(unknown());
    }
    let record: EditionRecord = state
        .runtime
        .store
        .doc(EDITIONS, hash)?
        .and_then(|value| serde_json::from_value(value).ok())
        .ok_or_else(unknown)?;
    let (_, text) = state.runtime.store.regulation(hash)?.ok_or_else(unknown)?;
    Ok((record, text))
}

pub(crate) fn errors_reply(lang: Lang, checked: &CheckedText) -> Response {
    let body = SaveErrors {
        check: check_json(checked),
        error: crate::error::ErrorDetail {
            code: "regulation_has_errors".to_owned(),
            message: i18n::t(lang, "error.regulation_has_errors").to_owned(),
            detail: Some(format!("{} error(s); nothing saved", checked.errors)),
            reference: None,
        },
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// `POST /api/authoring/editions`: saves the text as a new draft edition.
#[utoipa::path(post, path = "/api/authoring/editions", request_body = AuthoringText,
    responses((status = 201, body = EditionRecord, description = "Saved as a new draft edition (not live)"),
        (status = 200, body = EditionRecord, description = "The same text was saved before: its record"),
        (status = 409, body = crate::error::ErrorBody, description = "edition_unchanged: the text is the catalogue's edition"),
        (status = 422, body = SaveErrors, description = "regulation_has_errors, with the diagnostics; nothing saved"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody, description = "not an analyst")))]
pub async fn api_save(
    State(state): State<AppState>,
    User(session): User,
    Query(params): Query<AuthoringLang>,
    Json(body): Json<AuthoringText>,
) -> AppResult {
    analyst(&session)?;
    let lang = lang_param(&params);
    let worker = state.clone();
    let author = session.account.login.clone();
    let saved = state
        .blocking(move |_| {
            Ok(save_edition(
                &worker,
                &author,
                &body.text,
                body.based_on.clone(),
            ))
        })
        .await?;
    match saved {
        Ok((record, fresh)) => {
            let status = if fresh {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((status, Json(record)).into_response())
        }
        Err(SaveRefused::Errors(checked)) => Ok(errors_reply(lang, &checked)),
        Err(SaveRefused::Other(error)) => Err(error),
    }
}

/// `GET /api/authoring/editions`: the saved draft editions, newest first.
#[utoipa::path(get, path = "/api/authoring/editions",
    responses((status = 200, body = [EditionRecord], description = "Saved draft editions, newest first"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody, description = "not an analyst")))]
pub async fn api_editions(State(state): State<AppState>, User(session): User) -> AppResult {
    analyst(&session)?;
    let worker = state.clone();
    let list = state.blocking(move |_| editions(&worker, None)).await?;
    Ok(Json(list).into_response())
}

/// `GET /api/authoring/editions/{hash}`: the saved file, to put under
/// `regulations/`.
#[utoipa::path(get, path = "/api/authoring/editions/{hash}", params(("hash" = String, Path, description = "Content hash, `sha256:…`")),
    responses((status = 200, body = String, content_type = "application/yaml", description = "The regulation file (YAML)"),
        (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody, description = "not an analyst")))]
pub async fn api_edition(
    State(state): State<AppState>,
    User(session): User,
    Path(hash): Path<String>,
) -> AppResult {
    analyst(&session)?;
    let worker = state.clone();
    let (record, text) = state
        .blocking(move |_| edition_text(&worker, &hash))
        .await?;
    let name = record
        .regulation_id
        .rsplit('/')
        .next()
        .unwrap_or("regulation")
        .to_owned();
    let short = record
        .hash
        .trim_start_matches("sha256:")
        .chars()
        .take(12)
        .collect::<String>();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/yaml; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}-{short}.yaml\""),
            ),
        ],
        text,
    )
        .into_response())
}
