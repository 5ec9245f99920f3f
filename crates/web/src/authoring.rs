//! The authoring page for analysts (docs/authoring.md, "The authoring
//! page"): a regulation file in an editor beside its step tables and
//! swimlane diagram, checked as one types, and saved as a new **draft
//! edition**.
//!
//! - `GET /authoring`: the regulations of the catalogue and the saved draft
//!   editions; `GET /authoring/{id}` (`?edition=<hash>` for a saved draft):
//!   the editor. `POST /authoring/{id}` is the same form without JavaScript
//!   (`action=check` or `action=save`).
//! - `POST /api/authoring/check` → the diagnostics of `qyzmet check`;
//!   `POST /api/authoring/preview` → the diagnostics, and the step tables
//!   (HTML) and the swimlane SVG when the text compiles;
//!   `POST /api/authoring/editions` saves, `GET` lists;
//!   `GET /api/authoring/editions/{hash}` is the saved file.
//! - Saving writes the text to the store's regulation table under its
//!   content hash ([`qyzmet_store::Store::put_regulation`], the table that
//!   keeps the editions cases are pinned to: a new text is a new hash, so an
//!   existing edition is never overwritten) and a record in the directory
//!   collection [`EDITIONS`] (hash, regulation id, author, time, the edition
//!   it was edited from). A draft is not live: the catalogue a server runs
//!   is read at start from `regulations/`; an operator downloads the file
//!   and puts it there. Text with errors is refused with its diagnostics.
//!
//! Only accounts marked `analyst` may use any of it (403 for anyone else,
//! signed in; 401 / the sign-in page without a session).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use minijinja::Value as Jv;
use qyzmet_core::Lang;
use qyzmet_regulation::{Diagnostic, ProcessModel, Severity, render};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Session, User, check_csrf};
use crate::i18n;
use crate::page::{Page, PageLang, PageUser, render_page};
use crate::{AppError, AppResult, AppState};

/// Directory collection of saved draft editions, keyed by content hash.
pub use crate::directory::EDITIONS;

const SCRIPT: &str = include_str!("../static/authoring.js");

/// The page routes (the API routes are in `api::routes`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/authoring", get(index))
        .route("/authoring/{*id}", get(editor).post(editor_form))
        .route("/static/authoring.js", get(script))
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// Only analysts author regulations.
fn analyst(session: &Session) -> Result<(), AppError> {
    if session.account.analyst {
        Ok(())
    } else {
        Err(AppError::forbidden("the authoring page is for analysts"))
    }
}

// ------------------------------------------------------------ checking

/// One diagnostic of `qyzmet check`, located in the text.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DiagnosticView {
    /// `error` or `warning`.
    pub severity: String,
    /// Stable code, e.g. `unknown-step` (docs/regulation-format.md).
    pub code: String,
    /// The compiler's message (English, as `qyzmet check` prints it).
    pub message: String,
    pub hint: Option<String>,
    /// 1-based line and column (column in characters) of the start.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// The span in UTF-16 code units, as a browser's text area counts.
    pub start: usize,
    pub end: usize,
}

fn utf16_offset(text: &str, byte: usize) -> usize {
    let mut byte = byte.min(text.len());
    while byte > 0 && !text.is_char_boundary(byte) {
        byte -= 1;
    }
    text[..byte].encode_utf16().count()
}

fn located(text: &str, diagnostic: &Diagnostic) -> DiagnosticView {
    let (line, column) = qyzmet_regulation::diag::line_col(text, diagnostic.span.start);
    let (end_line, end_column) = qyzmet_regulation::diag::line_col(text, diagnostic.span.end);
    DiagnosticView {
        severity: match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
        .to_owned(),
        code: diagnostic.code.to_owned(),
        message: diagnostic.message.clone(),
        hint: diagnostic.hint.clone(),
        line,
        column,
        end_line,
        end_column,
        start: utf16_offset(text, diagnostic.span.start),
        end: utf16_offset(text, diagnostic.span.end.max(diagnostic.span.start)),
    }
}

/// What `qyzmet check` says about a text.
pub struct CheckedText {
    pub model: Option<ProcessModel>,
    pub diagnostics: Vec<DiagnosticView>,
    pub errors: usize,
    pub warnings: usize,
    pub hash: String,
}

pub fn check_text(state: &AppState, text: &str) -> CheckedText {
    let checked = qyzmet_regulation::check(text, &state.runtime.calendar);
    let diagnostics: Vec<DiagnosticView> = checked
        .diagnostics
        .iter()
        .map(|diagnostic| located(text, diagnostic))
        .collect();
    let errors = checked
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .count();
    CheckedText {
        model: checked.model,
        warnings: diagnostics.len() - errors,
        errors,
        diagnostics,
        hash: qyzmet_regulation::model::content_hash(text),
    }
}

/// The step tables (the body of `qyzmet show --format html`) and the
/// swimlane SVG of a compiled model.
pub fn preview_of(model: &ProcessModel, lang: Lang) -> (String, String) {
    let html = render::html(model, lang);
    let body = html
        .split_once("<body>")
        .and_then(|(_, rest)| rest.rsplit_once("</body>").map(|(body, _)| body.to_owned()))
        .unwrap_or(html);
    let svg = render::svg::render(model, lang);
    let svg = match svg.find("<svg") {
        Some(start) => svg[start..].to_owned(),
        None => String::new(),
    };
    (body, svg)
}

#[derive(Deserialize, ToSchema)]
pub struct AuthoringText {
    /// The whole regulation file (YAML).
    pub text: String,
    /// Saving: the content hash of the edition the text was edited from.
    #[serde(default)]
    pub based_on: Option<String>,
}

#[derive(Deserialize, Default, IntoParams)]
pub struct AuthoringLang {
    /// Language of the step tables and the diagram: `kk` (default), `ru`, `en`.
    pub lang: Option<String>,
}

fn lang_param(params: &AuthoringLang) -> Lang {
    params
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_default()
}

fn text_limit(text: &str) -> Result<(), AppError> {
    if text.len() > qyzmet_regulation::MAX_FILE_BYTES {
        return Err(AppError::bad_request(
            "invalid_input",
            format!(
                "a regulation file is at most {} bytes",
                qyzmet_regulation::MAX_FILE_BYTES
            ),
        ));
    }
    Ok(())
}

/// What checking a text found (`POST /api/authoring/check`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckReply {
    /// No errors (warnings allowed).
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    /// Content hash of the text (`sha256:…`).
    pub hash: String,
    /// The regulation's id, when the text compiles.
    pub regulation_id: Option<String>,
    pub diagnostics: Vec<DiagnosticView>,
}

/// The check and a preview (`POST /api/authoring/preview`).
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewReply {
    #[serde(flatten)]
    pub check: CheckReply,
    /// The step tables (HTML); null while the text has errors.
    pub steps_html: Option<String>,
    /// The swimlane diagram (SVG); null while the text has errors.
    pub svg: Option<String>,
}

/// A save refused for the text's errors: the check and the error.
#[derive(Serialize, ToSchema)]
pub struct SaveErrors {
    #[serde(flatten)]
    pub check: CheckReply,
    /// `regulation_has_errors`.
    pub error: crate::error::ErrorDetail,
}

fn check_json(checked: &CheckedText) -> CheckReply {
    CheckReply {
        ok: checked.errors == 0,
        errors: checked.errors,
        warnings: checked.warnings,
        hash: checked.hash.clone(),
        regulation_id: checked.model.as_ref().map(|model| model.id.clone()),
        diagnostics: checked.diagnostics.clone(),
    }
}

/// `POST /api/authoring/check`: the diagnostics of the text.
#[utoipa::path(post, path = "/api/authoring/check", request_body = AuthoringText,
    responses((status = 200, body = CheckReply, description = "`ok` (no errors), counts of errors and warnings, the content hash and the diagnostics (code, severity, message, hint, line/column, UTF-16 span); also when the text has errors"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody, description = "not an analyst")))]
pub async fn api_check(
    State(state): State<AppState>,
    User(session): User,
    Json(body): Json<AuthoringText>,
) -> AppResult {
    analyst(&session)?;
    text_limit(&body.text)?;
    let worker = state.clone();
    let reply = state
        .blocking(move |_| Ok(check_json(&check_text(&worker, &body.text))))
        .await?;
    Ok(Json(reply).into_response())
}

/// `POST /api/authoring/preview`: the diagnostics, and the step tables and
/// swimlane SVG when the text compiles (else both null).
#[utoipa::path(post, path = "/api/authoring/preview", request_body = AuthoringText, params(AuthoringLang),
    responses((status = 200, body = PreviewReply, description = "As check, with `steps_html` and `svg` (null while the text has errors)"),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody, description = "not an analyst")))]
pub async fn api_preview(
    State(state): State<AppState>,
    User(session): User,
    Query(params): Query<AuthoringLang>,
    Json(body): Json<AuthoringText>,
) -> AppResult {
    analyst(&session)?;
    text_limit(&body.text)?;
    let lang = lang_param(&params);
    let worker = state.clone();
    let reply = state
        .blocking(move |_| {
            let checked = check_text(&worker, &body.text);
            let (steps_html, svg) = match &checked.model {
                Some(model) => {
                    let (steps, svg) = preview_of(model, lang);
                    (Some(steps), Some(svg))
                }
                None => (None, None),
            };
            Ok(PreviewReply {
                check: check_json(&checked),
                steps_html,
                svg,
            })
        })
        .await?;
    Ok(Json(reply).into_response())
}

// ------------------------------------------------------------ editions

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

fn edition_text(state: &AppState, hash: &str) -> Result<(EditionRecord, String), AppError> {
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

fn errors_reply(lang: Lang, checked: &CheckedText) -> Response {
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

// ------------------------------------------------------------ pages

fn edition_row(record: &EditionRecord, lang: Lang) -> Value {
    let schedule = qyzmet_calendar::Schedule::standard();
    json!({
        "hash": record.hash,
        "short": record.hash.trim_start_matches("sha256:").chars().take(12).collect::<String>(),
        "regulation_id": record.regulation_id,
        "author": record.author,
        "saved_at": crate::view::local_time(record.saved_at, &schedule),
        "based_on": record.based_on,
        "warnings": record.warnings,
        "status": i18n::t(lang, "authoring.draft"),
    })
}

/// `GET /authoring`: the catalogue's regulations and the saved drafts.
async fn index(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
) -> AppResult {
    analyst(&session)?;
    let worker = state.clone();
    let saved = state.blocking(move |_| editions(&worker, None)).await?;
    let regulations: Vec<Value> = state
        .runtime
        .catalog
        .models()
        .map(|model| {
            json!({
                "id": model.id,
                "title": model.service_title().get(lang),
                "hash": model.hash,
                "drafts": saved.iter().filter(|record| record.regulation_id == model.id).count(),
            })
        })
        .collect();
    let saved: Vec<Value> = saved
        .iter()
        .map(|record| edition_row(record, lang))
        .collect();
    let page = Page::new(lang, Some(session), "/authoring");
    render_page(
        &state,
        &page,
        "authoring.html",
        Jv::from_serialize(json!({
            "index": true,
            "regulations": regulations,
            "drafts": saved,
        })),
    )
}

#[derive(Deserialize, Default)]
struct EditorParams {
    #[serde(default)]
    edition: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

/// What the editor shows for `text`.
struct EditorView {
    id: String,
    text: String,
    based_on: String,
    /// The saved draft being edited, if any.
    edition: Option<String>,
    saved: Option<String>,
    /// The outcome of a form post.
    refused: bool,
}

fn editor_page(state: &AppState, session: Session, lang: Lang, view: EditorView) -> AppResult {
    let live = crate::ops::regulation(&state.runtime, &view.id).ok();
    let checked = check_text(state, &view.text);
    let (steps, svg) = match &checked.model {
        Some(model) => preview_of(model, lang),
        // A text with errors: the live edition's tables, marked stale.
        None => live
            .map(|model| preview_of(model, lang))
            .unwrap_or_default(),
    };
    let title = checked
        .model
        .as_ref()
        .or(live)
        .map(|model| model.service_title().get(lang).to_owned())
        .unwrap_or_else(|| view.id.clone());
    let drafts: Vec<Value> = editions(state, Some(&view.id))?
        .iter()
        .map(|record| edition_row(record, lang))
        .collect();
    let lines = view.text.lines().count().max(1) + usize::from(view.text.ends_with('\n'));
    let error_lines: Vec<usize> = checked
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == "error")
        .map(|diagnostic| diagnostic.line)
        .collect();
    let gutter: Vec<Value> = (1..=lines)
        .map(|line| json!({"n": line, "error": error_lines.contains(&line)}))
        .collect();
    let page = Page::new(lang, Some(session), &format!("/authoring/{}", view.id));
    let response = render_page(
        state,
        &page,
        "authoring.html",
        Jv::from_serialize(json!({
            "index": false,
            "id": view.id,
            "title": title,
            "text": view.text,
            "based_on": view.based_on,
            "live_hash": live.map(|model| model.hash.clone()),
            "edition": view.edition,
            "saved": view.saved,
            "refused": view.refused,
            "hash": checked.hash,
            "errors": checked.errors,
            "warnings": checked.warnings,
            "diagnostics": checked.diagnostics,
            "gutter": gutter,
            "stale": checked.model.is_none(),
            "steps_html": steps,
            "svg": svg,
            "drafts": drafts,
        })),
    )?;
    if view.refused {
        let mut response = response;
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    Ok(response)
}

/// `GET /authoring/{id}`: the live edition's file (or a saved draft's) in
/// the editor.
async fn editor(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
    Path(id): Path<String>,
    Query(params): Query<EditorParams>,
) -> AppResult {
    analyst(&session)?;
    let worker = state.clone();
    state
        .blocking(move |_| {
            let (text, based_on, edition) = match params.edition.filter(|hash| !hash.is_empty()) {
                Some(hash) => {
                    let (record, text) = edition_text(&worker, &hash)?;
                    if record.regulation_id != id {
                        return Err(AppError::not_found(
                            "unknown_edition",
                            format!("no saved edition `{hash}` of `{id}`"),
                        ));
                    }
                    (text, hash.clone(), Some(hash))
                }
                None => {
                    let entry = worker.runtime.catalog.by_id(&id).ok_or_else(|| {
                        AppError::not_found("unknown_regulation", format!("no regulation `{id}`"))
                    })?;
                    (entry.text.clone(), entry.model.hash.clone(), None)
                }
            };
            editor_page(
                &worker,
                session,
                lang,
                EditorView {
                    id,
                    text,
                    based_on,
                    edition,
                    saved: params.saved.filter(|saved| !saved.is_empty()),
                    refused: false,
                },
            )
        })
        .await
}

#[derive(Deserialize)]
struct EditorForm {
    csrf: String,
    text: String,
    #[serde(default)]
    based_on: String,
    /// `check` (default) or `save`.
    #[serde(default)]
    action: String,
}

/// `POST /authoring/{id}`: the editor without JavaScript — check (the page
/// again with the diagnostics) or save (then to the saved edition).
async fn editor_form(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
    Path(id): Path<String>,
    Form(form): Form<EditorForm>,
) -> AppResult {
    check_csrf(&session, &form.csrf)?;
    analyst(&session)?;
    if state.runtime.catalog.by_id(&id).is_none()
        && state
            .blocking({
                let id = id.clone();
                let worker = state.clone();
                move |_| Ok(editions(&worker, Some(&id))?.is_empty())
            })
            .await?
    {
        return Err(AppError::not_found(
            "unknown_regulation",
            format!("no regulation `{id}`"),
        ));
    }
    // Browsers send a text area's line ends as CRLF.
    let text = form.text.replace("\r\n", "\n");
    let worker = state.clone();
    state
        .blocking(move |_| {
            let view = |text: String, refused: bool| EditorView {
                id: id.clone(),
                text,
                based_on: form.based_on.clone(),
                edition: None,
                saved: None,
                refused,
            };
            if form.action != "save" {
                return editor_page(&worker, session, lang, view(text, false));
            }
            let author = session.account.login.clone();
            match save_edition(&worker, &author, &text, Some(form.based_on.clone())) {
                Ok((record, _)) => Ok(Redirect::to(&format!(
                    "/authoring/{}?edition={}&saved=1",
                    url_path(&record.regulation_id),
                    url_path(&record.hash)
                ))
                .into_response()),
                Err(SaveRefused::Errors(_)) => {
                    editor_page(&worker, session, lang, view(text, true))
                }
                Err(SaveRefused::Other(error)) => Err(error),
            }
        })
        .await
}

/// A regulation id (slashes kept) or a hash in a URL.
fn url_path(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' | b':' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
