//! The views of a case's requests to state systems and of the messages
//! exchanged with them (`gateway.rs` builds them).

use qyzmet_core::Answer;
use serde::Serialize;
use utoipa::ToSchema;

/// A request of a case to a state system.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    pub request_id: String,
    /// The step that made it.
    pub step: String,
    /// System id, e.g. `gbd_fl`.
    #[schema(value_type = String)]
    pub system: qyzmet_core::System,
    pub system_title: String,
    /// `pending`, `answered`, `failed` or `cancelled`.
    #[schema(value_type = String)]
    pub status: qyzmet_engine::RequestStatus,
    pub status_text: String,
    /// The answer (one of the system's answers), once answered.
    #[schema(value_type = Option<String>)]
    pub answer: Option<Answer>,
    /// Who answered by hand, when the system failed.
    pub answered_by: Option<String>,
    /// RFC 3339 instants.
    pub requested_at: String,
    pub answered_at: Option<String>,
    /// Why the request failed.
    pub failure: Option<String>,
}

/// One message exchanged with a state system (an attempt of a request).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangeView {
    pub request_id: String,
    /// System id.
    pub system: String,
    pub system_title: Option<String>,
    /// 1 for the first try.
    pub attempt: u32,
    pub message_id: String,
    /// RFC 3339 instant.
    pub sent_at: String,
    pub duration_ms: u64,
    /// Neither answered nor refused by the system.
    pub failed: bool,
    /// `ok`, `on_delivery`, `refused…`, or the failure.
    pub status: String,
    pub answer: Option<String>,
    /// The message sent and the one received (XML), when kept.
    pub request: Option<String>,
    pub response: Option<String>,
}
