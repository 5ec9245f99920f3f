//! The middleware that writes an [`AppError`] response's body, after the
//! handler: JSON under `/api`, the error page elsewhere. It sits above both
//! `error` and `page`, so that the error type never depends on the page
//! frame (which itself returns errors).

use axum::Json;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::{AppError, AppState, i18n, page};

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
    // A server's failure shows a reference, never its internals (a
    // database error names tables and hosts): the log has the detail under
    // the same reference, for the operator the person quotes it to.
    let shown = if error.status.is_server_error() {
        let reference = reference_id();
        tracing::error!(code = error.code, reference = %reference, detail = %error.detail, "request failed");
        Shown {
            error: AppError {
                detail: String::new(),
                ..error.clone()
            },
            reference: Some(reference),
        }
    } else {
        tracing::debug!(code = error.code, "request refused");
        Shown {
            error: error.clone(),
            reference: None,
        }
    };
    let message = shown.error.message(lang);
    let mut out = if api {
        let mut body = json!({"code": shown.error.code, "message": message});
        match &shown.reference {
            Some(reference) => body["reference"] = json!(reference),
            None => body["detail"] = json!(shown.error.detail),
        }
        Json(json!({ "error": body })).into_response()
    } else {
        let html = page::render_error(
            &state,
            lang,
            &shown.error,
            &message,
            shown.reference.as_deref(),
        );
        Html(html).into_response()
    };
    *out.status_mut() = error.status;
    out
}

/// An error as people see it: a server failure carries a reference instead
/// of its detail.
struct Shown {
    error: AppError,
    reference: Option<String>,
}

/// A short random reference for a failed request (`E-` and 12 hex digits),
/// logged with the detail.
fn reference_id() -> String {
    let mut random = [0u8; 6];
    if getrandom::getrandom(&mut random).is_err() {
        random.copy_from_slice(&jiff::Timestamp::now().as_nanosecond().to_le_bytes()[..6]);
    }
    format!("E-{}", hex::encode(random).to_uppercase())
}
