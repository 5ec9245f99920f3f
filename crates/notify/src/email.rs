//! E-mail over SMTP (`lettre`).
//!
//! Every copy of one notification is the same message: the `Message-ID` is
//! `<{notification_id}@qyzmet>` (characters outside RFC 5322 `atext`, such
//! as the `:` between case id and sequence number, are percent-encoded),
//! and the `Date` is the notification's instant, not the instant of the
//! attempt. A retry after a crash therefore sends byte-identical content,
//! and mail clients that collapse duplicates by Message-ID show it once.
//!
//! SMTP itself cannot be exactly-once (RFC 1047): when the server has
//! answered `250` to the final dot and we crash before writing that down,
//! the next attempt sends the message again. See `docs/notifications.md`.

use std::time::{Duration, SystemTime};

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};
use serde::{Deserialize, Serialize};

use crate::SendError;

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain SMTP (a local relay or a test sink only).
    #[default]
    None,
    /// STARTTLS required (submission, port 587).
    StartTls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

/// What the server fills in from its configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    #[serde(default)]
    pub security: SmtpSecurity,
    /// Login for servers that require one (sent only over TLS in
    /// production; lettre refuses to send credentials in the clear unless
    /// the server offers AUTH on a plain connection).
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// The sender, e.g. `Qyzmet <noreply@qyzmet.kz>`.
    pub from: String,
    /// Per SMTP command; an attempt that times out is retried.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_timeout_secs() -> u64 {
    20
}

impl SmtpConfig {
    /// Plain SMTP to `host:port` with no login (local relay, test sink).
    pub fn plain(host: &str, port: u16, from: &str) -> SmtpConfig {
        SmtpConfig {
            host: host.to_owned(),
            port,
            security: SmtpSecurity::None,
            username: None,
            password: None,
            from: from.to_owned(),
            timeout_secs: default_timeout_secs(),
        }
    }
}

/// One e-mail of one notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// The notification id (`{case_id}:{seq}`): the Message-ID's left part.
    pub notification_id: String,
    pub to: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
    /// The notification's instant, sent as `Date`.
    pub date: jiff::Timestamp,
}

/// Sends mail; [`EmailSender`] over SMTP, or a fake in tests.
pub trait MailSender: Send + Sync {
    /// Returns once the server accepted the message (`250` after DATA).
    fn send(&self, mail: &Mail) -> Result<(), SendError>;
}

/// `<{notification_id}@qyzmet>`, with bytes outside RFC 5322 `atext` and
/// `.` percent-encoded so that the header is a valid `msg-id`.
pub fn message_id(notification_id: &str) -> String {
    let mut left = String::with_capacity(notification_id.len() + 8);
    for byte in notification_id.bytes() {
        let atext = byte.is_ascii_alphanumeric() || b"!#$&'*+-/=?^_`{|}~.".contains(&byte);
        if atext {
            left.push(byte as char);
        } else {
            left.push_str(&format!("%{byte:02X}"));
        }
    }
    let left = left.trim_matches('.');
    format!("<{left}@qyzmet>")
}

/// SMTP through `lettre` (a pooled, blocking transport).
pub struct EmailSender {
    transport: SmtpTransport,
    from: Mailbox,
}

impl std::fmt::Debug for EmailSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSender")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl EmailSender {
    pub fn new(config: &SmtpConfig) -> Result<EmailSender, SendError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| SendError::permanent(format!("sender address: {e}")))?;
        let mut builder = SmtpTransport::builder_dangerous(config.host.as_str())
            .port(config.port)
            .timeout(Some(Duration::from_secs(config.timeout_secs.max(1))));
        match config.security {
            SmtpSecurity::None => builder = builder.tls(Tls::None),
            SmtpSecurity::StartTls | SmtpSecurity::Tls => {
                let params = TlsParameters::new(config.host.clone())
                    .map_err(|e| SendError::permanent(format!("TLS: {e}")))?;
                builder = builder.tls(if config.security == SmtpSecurity::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                });
            }
        }
        if let Some(username) = &config.username {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                config.password.clone().unwrap_or_default(),
            ));
        }
        Ok(EmailSender {
            transport: builder.build(),
            from,
        })
    }

    /// The message exactly as it goes on the wire (same bytes every time
    /// for the same mail).
    pub fn build(&self, mail: &Mail) -> Result<Message, SendError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| SendError::permanent(format!("recipient address: {e}")))?;
        let seconds = u64::try_from(mail.date.as_second()).unwrap_or(0);
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.as_str())
            .message_id(Some(message_id(&mail.notification_id)))
            .date(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| SendError::permanent(format!("message: {e}")))
    }
}

impl MailSender for EmailSender {
    fn send(&self, mail: &Mail) -> Result<(), SendError> {
        let message = self.build(mail)?;
        match self.transport.send(&message) {
            Ok(_) => Ok(()),
            // 5xx: the server will not take it (bad mailbox, policy).
            Err(error) if error.is_permanent() => Err(SendError::permanent(error.to_string())),
            Err(error) => Err(SendError::transient(error.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_is_stable_and_valid() {
        assert_eq!(message_id("K-2025-1:7"), "<K-2025-1%3A7@qyzmet>");
        assert_eq!(message_id("a b"), "<a%20b@qyzmet>");
        assert_eq!(message_id("K-2025-1:7"), message_id("K-2025-1:7"));
    }

    #[test]
    fn the_same_mail_builds_the_same_bytes() {
        let sender = EmailSender::new(&SmtpConfig::plain(
            "127.0.0.1",
            25,
            "Qyzmet <noreply@qyzmet.kz>",
        ))
        .expect("sender");
        let mail = Mail {
            notification_id: "c1:3".into(),
            to: "citizen@example.kz".into(),
            subject: "Нәтиже дайын".into(),
            body: "№ c1 өтініміңіз бойынша нәтиже дайын.\n".into(),
            date: "2025-03-03T04:00:00Z".parse().expect("ts"),
        };
        let a = sender.build(&mail).expect("build").formatted();
        let b = sender.build(&mail).expect("build").formatted();
        assert_eq!(a, b);
        let text = String::from_utf8_lossy(&a);
        assert!(text.contains("Message-ID: <c1%3A3@qyzmet>"), "{text}");
    }
}
