//! The e-government gateway (ЭҮШ / ШЭП): a client of its synchronous
//! channel SyncChannel v10 (`SendMessage`, SOAP 1.1), typed adapters to the
//! state systems a regulation's steps ask ([`System`]), and a simulator that
//! speaks the same protocol for all of them ([`sim`]).
//!
//! The runtime's outbox calls [`Gateway::call`] with the engine's request
//! payload (JSON) and a deterministic message id ([`message_id`]), so that
//! the other side deduplicates retries. A business refusal is an answer
//! ([`Answer::Refused`]); everything else that goes wrong is a [`CallError`]
//! the runtime retries with the same message id. See `docs/gateway.md`.

pub use qyzmet_core::{Answer, System};

mod client;
mod gateway;
pub mod keys;
pub mod messages;
pub mod sim;
pub mod soap;
mod xml;

pub use client::{Client, ClientConfig, KeySource, Typed, kazakhstan_day, power_answer};
pub use gateway::{Call, CallError, Exchange, FaultKind, Gateway, Reply, message_id};
pub use keys::{DemoKeys, Keys};
pub use soap::{REFUSAL_CODES, is_refusal_code, service};
