//! SMS: the [`SmsSender`] trait and a JSON-over-HTTP provider adapter.
//!
//! The protocol (what [`crate::simulator`] speaks): `POST {url}` with
//! `{"client_id": notification_id, "to": "+7…", "text": "…"}`, optionally
//! `Authorization: Bearer {token}`. A 2xx answer means the provider has the
//! message. The provider keeps `client_id`s: a repeated one is acknowledged
//! and not sent again, so a retry after a lost answer or a crash does not
//! reach the phone twice.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::SendError;

/// One SMS of one notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sms {
    /// The notification id: the provider's idempotency key.
    pub client_id: String,
    pub to: String,
    pub text: String,
}

/// Sends SMS; [`HttpSmsSender`], or a fake in tests.
pub trait SmsSender: Send + Sync {
    /// Returns once the provider acknowledged the message.
    fn send(&self, sms: &Sms) -> Result<(), SendError>;
}

/// What the server fills in for the HTTP SMS provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpSmsConfig {
    /// The provider's send endpoint, e.g. `https://sms.example.kz/v1/sms`
    /// (the simulator's is `{url}/sms`).
    pub url: String,
    /// Sent as `Authorization: Bearer {token}` when set.
    #[serde(default)]
    pub token: Option<String>,
    /// For the whole request; an attempt that times out is retried (the
    /// provider may have the message: the retry is deduplicated).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_timeout_ms() -> u64 {
    10_000
}

impl HttpSmsConfig {
    pub fn new(url: &str) -> HttpSmsConfig {
        HttpSmsConfig {
            url: url.to_owned(),
            token: None,
            timeout_ms: default_timeout_ms(),
        }
    }
}

pub struct HttpSmsSender {
    config: HttpSmsConfig,
    agent: ureq::Agent,
}

impl std::fmt::Debug for HttpSmsSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSmsSender")
            .field("url", &self.config.url)
            .finish_non_exhaustive()
    }
}

impl HttpSmsSender {
    pub fn new(config: HttpSmsConfig) -> HttpSmsSender {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_millis(config.timeout_ms.max(1))))
            .http_status_as_error(false)
            .build()
            .into();
        HttpSmsSender { config, agent }
    }
}

impl SmsSender for HttpSmsSender {
    fn send(&self, sms: &Sms) -> Result<(), SendError> {
        let body = serde_json::json!({
            "client_id": sms.client_id,
            "to": sms.to,
            "text": sms.text,
        })
        .to_string();
        let mut request = self
            .agent
            .post(&self.config.url)
            .header("Content-Type", "application/json");
        if let Some(token) = &self.config.token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let mut response = match request.send(body.as_str()) {
            Ok(response) => response,
            Err(ureq::Error::Timeout(_)) => return Err(SendError::transient("timeout")),
            Err(error) => return Err(SendError::transient(format!("connect: {error}"))),
        };
        let status = response.status().as_u16();
        // Read the answer so the connection can be reused; its content is
        // not needed (and is not logged: it may echo the phone number).
        let _ = response.body_mut().read_to_string();
        match status {
            200..=299 => Ok(()),
            408 | 425 | 429 | 500..=599 => Err(SendError::transient(format!("HTTP {status}"))),
            _ => Err(SendError::permanent(format!("HTTP {status}"))),
        }
    }
}
