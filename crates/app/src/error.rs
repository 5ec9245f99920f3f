//! Why an operation was refused, in terms every caller maps alike: the web
//! server to an HTTP status, the CLI to a message and an exit code.

use qyzmet_engine::EngineError;
use qyzmet_runtime::RuntimeError;
use qyzmet_storage::StoreError;

/// The kind of refusal (it decides the HTTP status).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The request is not acceptable as given (422).
    Invalid,
    /// No such thing, or one the account may not see (404).
    NotFound,
    /// The account may not do this (403).
    Forbidden,
    /// The case moved on, or the action does not fit its state (409).
    Conflict,
    /// Too late: a draft or a document to sign expired (410).
    Gone,
    /// Too many bytes (413).
    TooLarge,
    /// A file of a type not accepted (415).
    UnsupportedType,
    /// This installation does not offer it (no trusted roots: 501).
    Unavailable,
    /// The system failed (500): the detail is for the log, not for people.
    Internal,
}

/// A refused or failed operation: a stable code (`error.<code>` names its
/// message in the web's texts), technical detail in English, and
/// optionally the i18n key of a reason appended to the message.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct Error {
    pub kind: Kind,
    pub code: &'static str,
    pub detail: String,
    pub reason: Option<String>,
}

impl Error {
    pub fn new(kind: Kind, code: &'static str, detail: impl Into<String>) -> Error {
        Error {
            kind,
            code,
            detail: detail.into(),
            reason: None,
        }
    }

    pub fn invalid(code: &'static str, detail: impl Into<String>) -> Error {
        Error::new(Kind::Invalid, code, detail)
    }

    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Error {
        Error::new(Kind::NotFound, code, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Error {
        Error::new(Kind::Forbidden, "forbidden", detail)
    }

    pub fn internal(detail: impl Into<String>) -> Error {
        Error::new(Kind::Internal, "internal", detail)
    }

    /// Adds the reason (an i18n key) the message ends with.
    pub fn with_reason(mut self, key: impl Into<String>) -> Error {
        self.reason = Some(key.into());
        self
    }
}

impl From<RuntimeError> for Error {
    fn from(error: RuntimeError) -> Error {
        use EngineError as E;
        let detail = error.to_string();
        match &error {
            RuntimeError::Engine(engine) => {
                let (kind, code) = match engine {
                    E::UnknownCase { .. } => (Kind::NotFound, "unknown_case"),
                    E::UnknownTask { .. } => (Kind::NotFound, "unknown_task"),
                    E::WrongRole { .. } => (Kind::Forbidden, "forbidden"),
                    E::StaleVersion { .. } => (Kind::Conflict, "stale_version"),
                    E::CaseExists { .. } => (Kind::Conflict, "case_exists"),
                    E::TaskAlreadyDone { .. } => (Kind::Conflict, "task_already_done"),
                    E::AlreadyClaimed { .. } => (Kind::Conflict, "already_claimed"),
                    E::AssignedToOther { .. } => (Kind::Conflict, "assigned_to_other"),
                    E::WrongState { .. } => (Kind::Conflict, "wrong_state"),
                    E::AlreadyExtended => (Kind::Conflict, "already_extended"),
                    E::ExtensionNotAllowed { .. } => (Kind::Invalid, "extension_not_allowed"),
                    E::InvalidSubmission { .. } => (Kind::Invalid, "invalid_submission"),
                    E::UnknownRoute { .. } => (Kind::Invalid, "unknown_route"),
                    E::OutcomeRequired { .. } => (Kind::Invalid, "outcome_required"),
                    E::UnknownOutcome { .. } | E::UnexpectedOutcome { .. } => {
                        (Kind::Invalid, "unknown_outcome")
                    }
                    E::InvalidData => (Kind::Invalid, "invalid_data"),
                    E::UnknownRole { .. } => (Kind::Invalid, "unknown_role"),
                    E::MissingData { .. } => (Kind::Invalid, "missing_data"),
                    E::InvalidAnswer { .. } => (Kind::Invalid, "invalid_answer"),
                    E::UnknownRequest { .. } => (Kind::NotFound, "unknown_request"),
                    E::AnswerNotExpected { .. } => (Kind::Conflict, "answer_not_expected"),
                    E::SignatureRejected { failure } => {
                        return Error::invalid("signature_rejected", detail)
                            .with_reason(format!("signature.failure.{failure}"));
                    }
                    _ => (Kind::Internal, "internal"),
                };
                Error::new(kind, code, detail)
            }
            RuntimeError::UnknownRegulation(_) => Error::not_found("unknown_regulation", detail),
            RuntimeError::Store(StoreError::Invalid(_)) => Error::invalid("invalid_input", detail),
            RuntimeError::Store(StoreError::Conflict { .. })
            | RuntimeError::TooManyConflicts { .. } => {
                Error::new(Kind::Conflict, "stale_version", detail)
            }
            _ => Error::internal(detail),
        }
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Error {
        Error::from(RuntimeError::Store(error))
    }
}
