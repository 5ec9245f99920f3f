//! What the runtime's outbox sees: one call, its reply or its error, and the
//! HTTP exchanges behind them.

use jiff::Timestamp;
use qyzmet_core::{Answer, System};
use serde::{Deserialize, Serialize};

/// The UUID v5 namespace of Qyzmet's gateway message ids (itself the v5 id
/// of `qyzmet.kz/gateway` in the DNS namespace, fixed here so that ids never
/// change between releases).
const MESSAGE_ID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_bytes([
    0x4e, 0x1f, 0x6b, 0x52, 0x0c, 0x8a, 0x5d, 0x3e, 0x9a, 0x61, 0x2f, 0x7c, 0x18, 0x95, 0xd4, 0x07,
]);

/// Deterministic SOAP messageId (UUID v5 over a fixed namespace) of an
/// outbox request id such as `"K1/q7"`: the same on every retry, so the
/// other side deduplicates.
pub fn message_id(request_id: &str) -> String {
    uuid::Uuid::new_v5(&MESSAGE_ID_NAMESPACE, request_id.as_bytes()).to_string()
}

/// A fresh message id for a message that must not be deduplicated (status
/// queries, statements).
#[allow(
    dead_code,
    reason = "for the client's status queries (issue 11, being written)"
)]
pub(crate) fn fresh_message_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// One call of the outbox.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    pub request_id: &'a str,
    pub message_id: &'a str,
    pub system: System,
    /// The engine's request payload (JSON, see `docs/gateway.md`).
    pub payload: &'a serde_json::Value,
    /// 0 for the first attempt.
    pub attempt: u32,
}

/// A system's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub answer: Answer,
    pub data: serde_json::Value,
    /// The exchange that gave the answer (the last one of the call).
    pub exchange: Exchange,
}

/// One HTTP exchange, for the case page and metrics (no secrets: the
/// sender's password is masked; request and response bodies truncated to
/// 16 KiB).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    pub system: System,
    pub service_id: String,
    pub message_id: String,
    pub sent_at: Timestamp,
    pub duration_ms: u64,
    /// `ok`, `timeout`, `connect`, `http 503`, `fault <code>`,
    /// `refused <code>`, `malformed`, `bad_signature`, `on_delivery`.
    pub status: String,
    pub request: Option<String>,
    pub response: Option<String>,
}

/// Bodies kept in an [`Exchange`].
pub(crate) const EXCHANGE_BODY_MAX: usize = 16 * 1024;

/// `text` cut to at most [`EXCHANGE_BODY_MAX`] bytes at a character boundary.
#[allow(
    dead_code,
    reason = "for the client's exchanges (issue 11, being written)"
)]
pub(crate) fn truncate_body(text: &str) -> String {
    if text.len() <= EXCHANGE_BODY_MAX {
        return text.to_string();
    }
    let mut end = EXCHANGE_BODY_MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// A call that gave no answer: the runtime retries it with the same
/// message id (except where noted on [`FaultKind`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallError {
    pub kind: FaultKind,
    pub detail: String,
    /// Boxed: an error travels through `Result`s; the exchange is large.
    pub exchange: Box<Exchange>,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}: {}",
            self.exchange.system,
            self.exchange.service_id,
            self.kind.as_str(),
            self.detail
        )
    }
}

impl std::error::Error for CallError {}

impl CallError {
    /// Whether this is a business refusal (an ErrorInfo fault with one of
    /// [`crate::REFUSAL_CODES`]). Only the typed adapters return those as
    /// errors; [`Gateway::call`] turns them into [`Answer::Refused`].
    pub fn is_refusal(&self) -> bool {
        self.kind.is_refusal()
    }
}

/// Why a call gave no answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// No complete response within the client's timeout.
    Timeout,
    /// No connection (refused, reset, name not resolved, TLS failed).
    Connect,
    /// An HTTP status other than 200 without a SOAP fault in the body.
    Http(u16),
    /// A SOAP fault with ErrorInfo; the errorCode.
    Fault(String),
    /// A response that is not the protocol (not XML, no SendMessageResponse,
    /// wrong correlation, payload missing fields), or an engine payload the
    /// adapter cannot read.
    Malformed,
    /// The response payload's XMLDSig is missing or does not verify.
    BadSignature,
    /// Asynchronous delivery still ON_DELIVERY: ask again later.
    Pending,
}

impl FaultKind {
    /// `timeout`, `connect`, `http 503`, `fault <code>`, `malformed`,
    /// `bad_signature`, `on_delivery`.
    pub fn as_str(&self) -> String {
        match self {
            FaultKind::Timeout => "timeout".into(),
            FaultKind::Connect => "connect".into(),
            FaultKind::Http(status) => format!("http {status}"),
            FaultKind::Fault(code) => format!("fault {code}"),
            FaultKind::Malformed => "malformed".into(),
            FaultKind::BadSignature => "bad_signature".into(),
            FaultKind::Pending => "on_delivery".into(),
        }
    }

    /// A fault whose code is a business refusal ([`crate::REFUSAL_CODES`]).
    pub fn is_refusal(&self) -> bool {
        matches!(self, FaultKind::Fault(code) if crate::soap::is_refusal_code(code))
    }
}

/// What the runtime's outbox calls. Implemented by [`crate::Client`]; tests
/// may implement it with fakes.
pub trait Gateway: Send + Sync {
    fn call(&self, call: &Call<'_>) -> Result<Reply, CallError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINNED_K1_Q7: &str = "127382fe-fffd-5ab7-9b63-74b61eb8e976";

    #[test]
    fn message_ids_are_deterministic_and_distinct() {
        assert_eq!(message_id("K1/q7"), message_id("K1/q7"));
        assert_ne!(message_id("K1/q7"), message_id("K1/q8"));
        let id = uuid::Uuid::parse_str(&message_id("K1/q7")).unwrap();
        assert_eq!(id.get_version_num(), 5);
        // Pinned: a change of namespace would break deduplication of
        // messages sent before an upgrade.
        assert_eq!(message_id("K1/q7"), PINNED_K1_Q7);
    }

    #[test]
    fn truncation_keeps_characters_whole() {
        let text = "ә".repeat(EXCHANGE_BODY_MAX);
        let cut = truncate_body(&text);
        assert!(cut.len() <= EXCHANGE_BODY_MAX + '…'.len_utf8());
        assert!(cut.ends_with('…'));
        assert_eq!(truncate_body("short"), "short");
    }
}
