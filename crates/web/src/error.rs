//! One error type for the API and the pages.
//!
//! A handler returns [`AppError`] (status, stable code, technical detail).
//! Its response carries the error as an extension; [`render_errors`] then
//! writes the body in the request's language: the JSON shape
//! `{"error": {"code", "message", "detail"}}` under `/api`, an HTML page
//! elsewhere. Details never hold personal data (IINs, names, form values).

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use qyzmet_core::Lang;
use qyzmet_runtime::RuntimeError;
use qyzmet_store::StoreError;
use serde_json::json;

use crate::{AppState, i18n};

#[derive(Clone, Debug)]
pub struct AppError {
    pub status: StatusCode,
    /// Stable code; `error.<code>` names its message in `i18n`.
    pub code: &'static str,
    /// Technical detail in English (ids, limits), shown under the message.
    pub detail: String,
    /// An i18n key whose text says why, appended to the message (a
    /// signature's failure reason, say).
    pub reason: Option<String>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> AppError {
        AppError {
            status,
            code,
            detail: detail.into(),
            reason: None,
        }
    }

    /// Adds the reason (an i18n key) the message ends with.
    pub fn with_reason(mut self, key: impl Into<String>) -> AppError {
        self.reason = Some(key.into());
        self
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }

    pub fn not_found(code: &'static str, detail: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, code, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> AppError {
        AppError::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn unauthenticated() -> AppError {
        AppError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first")
    }

    pub fn internal(detail: impl Into<String>) -> AppError {
        AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", detail)
    }

    /// The message in `lang`, falling back to Kazakh.
    pub fn message(&self, lang: Lang) -> String {
        let message = i18n::text(lang, &format!("error.{}", self.code))
            .unwrap_or_else(|| i18n::text(lang, "error.internal").unwrap_or_default());
        match self.reason.as_deref().and_then(|key| i18n::text(lang, key)) {
            Some(reason) => format!("{message} {reason}"),
            None => message,
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

impl std::error::Error for AppError {}

impl From<RuntimeError> for AppError {
    fn from(error: RuntimeError) -> AppError {
        use qyzmet_engine::EngineError as E;
        let detail = error.to_string();
        match &error {
            RuntimeError::Engine(engine) => {
                let (status, code) = match engine {
                    E::UnknownCase { .. } => (StatusCode::NOT_FOUND, "unknown_case"),
                    E::UnknownTask { .. } => (StatusCode::NOT_FOUND, "unknown_task"),
                    E::WrongRole { .. } => (StatusCode::FORBIDDEN, "forbidden"),
                    E::StaleVersion { .. } => (StatusCode::CONFLICT, "stale_version"),
                    E::CaseExists { .. } => (StatusCode::CONFLICT, "case_exists"),
                    E::TaskAlreadyDone { .. } => (StatusCode::CONFLICT, "task_already_done"),
                    E::AlreadyClaimed { .. } => (StatusCode::CONFLICT, "already_claimed"),
                    E::AssignedToOther { .. } => (StatusCode::CONFLICT, "assigned_to_other"),
                    E::WrongState { .. } => (StatusCode::CONFLICT, "wrong_state"),
                    E::AlreadyExtended => (StatusCode::CONFLICT, "already_extended"),
                    E::ExtensionNotAllowed { .. } => {
                        (StatusCode::UNPROCESSABLE_ENTITY, "extension_not_allowed")
                    }
                    E::InvalidSubmission { .. } => {
                        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_submission")
                    }
                    E::UnknownRoute { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_route"),
                    E::OutcomeRequired { .. } => {
                        (StatusCode::UNPROCESSABLE_ENTITY, "outcome_required")
                    }
                    E::UnknownOutcome { .. } | E::UnexpectedOutcome { .. } => {
                        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_outcome")
                    }
                    E::InvalidData => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_data"),
                    E::UnknownRole { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_role"),
                    E::MissingData { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "missing_data"),
                    E::InvalidAnswer { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_answer"),
                    E::UnknownRequest { .. } => (StatusCode::NOT_FOUND, "unknown_request"),
                    E::AnswerNotExpected { .. } => (StatusCode::CONFLICT, "answer_not_expected"),
                    E::SignatureRejected { failure } => {
                        return AppError::bad_request("signature_rejected", detail)
                            .with_reason(crate::signing::failure_key(failure));
                    }
                    _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
                };
                AppError::new(status, code, detail)
            }
            RuntimeError::UnknownRegulation(_) => AppError::not_found("unknown_regulation", detail),
            RuntimeError::Store(StoreError::Invalid(_)) => {
                AppError::bad_request("invalid_input", detail)
            }
            RuntimeError::Store(StoreError::Conflict { .. })
            | RuntimeError::TooManyConflicts { .. } => {
                AppError::new(StatusCode::CONFLICT, "stale_version", detail)
            }
            _ => AppError::internal(detail),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        AppError::from(RuntimeError::Store(error))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut response = status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Writes the body of an [`AppError`] response in the request's language.
pub async fn render_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let lang = i18n::request_lang(&request);
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let Some(error) = response.extensions().get::<AppError>().cloned() else {
        return response;
    };
    if error.status.is_server_error() {
        tracing::error!(code = error.code, detail = %error.detail, "request failed");
    } else {
        tracing::debug!(code = error.code, "request refused");
    }
    let message = error.message(lang);
    let mut out = if api {
        Json(json!({"error": {"code": error.code, "message": message, "detail": error.detail}}))
            .into_response()
    } else {
        let html = crate::pages::render_error(&state, lang, &error, &message);
        Html(html).into_response()
    };
    *out.status_mut() = error.status;
    out
}
