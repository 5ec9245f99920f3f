//! One error type for the API and the pages.
//!
//! A handler returns [`AppError`] (status, stable code, technical detail).
//! Its response carries the error as an extension; `respond::render_errors`
//! (a middleware) then writes the body in the request's language: the JSON shape
//! `{"error": {"code", "message", "detail"}}` under `/api`, an HTML page
//! elsewhere. Details never hold personal data (IINs, names, form values).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use qyzmet_core::Lang;
use qyzmet_runtime::RuntimeError;
use qyzmet_store::StoreError;

use crate::i18n;

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

impl From<qyzmet_app::Error> for AppError {
    fn from(error: qyzmet_app::Error) -> AppError {
        use qyzmet_app::Kind;
        let status = match error.kind {
            Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::Gone => StatusCode::GONE,
            Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Kind::Unavailable => StatusCode::NOT_IMPLEMENTED,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        AppError {
            status,
            code: error.code,
            detail: error.detail,
            // A signature's failure reason names a text only if we have one.
            reason: error
                .reason
                .map(|key| match key.strip_prefix("signature.failure.") {
                    Some(code) => crate::i18n::failure_key(code),
                    None => key,
                }),
        }
    }
}

impl AppError {
    /// Back into the application layer's terms (for a web lookup that an
    /// application-layer operation calls back into).
    pub fn into_app(self) -> qyzmet_app::Error {
        use qyzmet_app::Kind;
        let kind = match self.status {
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => Kind::Invalid,
            StatusCode::NOT_FOUND => Kind::NotFound,
            StatusCode::FORBIDDEN => Kind::Forbidden,
            StatusCode::CONFLICT => Kind::Conflict,
            StatusCode::GONE => Kind::Gone,
            _ => Kind::Internal,
        };
        qyzmet_app::Error {
            kind,
            code: self.code,
            detail: self.detail,
            reason: self.reason,
        }
    }
}

impl From<RuntimeError> for AppError {
    fn from(error: RuntimeError) -> AppError {
        AppError::from(qyzmet_app::Error::from(error))
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

/// The error shape of every failed call.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `invalid_iin`, `forbidden`, `stale_version`.
    pub code: String,
    /// For people, in the requested language.
    pub message: String,
    /// Technical detail (English), on refusals (4xx).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// On a server failure (5xx) instead of the detail: the reference the
    /// log keeps the detail under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}
