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
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use qyzmet_core::Lang;
use qyzmet_regulation::{Diagnostic, ProcessModel, Severity, render};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Session, User};
use crate::{AppError, AppResult, AppState};

/// Directory collection of saved draft editions, keyed by content hash.
pub use crate::directory::EDITIONS;

mod editions;
pub(crate) use editions::*;
mod editor;
pub(crate) use editor::*;

const SCRIPT: &str = include_str!("../../static/authoring.js");

/// The page routes (the API routes are in `crate::api`).
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

// ------------------------------------------------------------ pages
