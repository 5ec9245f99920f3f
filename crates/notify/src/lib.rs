//! Citizen notifications: what a person is told when their case changes,
//! and the two ways it leaves the building.
//!
//! * [`texts`] — the messages in Kazakh (the default), Russian and English.
//!   A message names only the case number, the service if known, and the
//!   link to the case in the personal cabinet: never an IIN, a name, an
//!   address or anything else about the person (an e-mail or SMS passes
//!   through systems we do not control).
//! * [`email`] — [`EmailSender`]: SMTP through `lettre`, with a stable
//!   `Message-ID` derived from the notification id, so that copies of one
//!   notification are recognisably the same message.
//! * [`sms`] — the [`SmsSender`] trait and [`HttpSmsSender`], a JSON
//!   adapter that sends the notification id as the provider's `client_id`
//!   (the provider deduplicates on it).
//! * [`simulator`] — an SMS provider simulator (axum) with fault injection,
//!   for tests and demonstrations.
//! * [`sink`] — a real SMTP sink (`aiosmtpd` run by Debian's Python) for
//!   tests of this crate and its callers.
//!
//! The durable part (which notifications exist, what was delivered) lives
//! in the store and in `qyzmet-runtime::notify`; this crate keeps no state.

pub mod email;
pub mod simulator;
pub mod sink;
pub mod sms;
pub mod texts;

pub use email::{EmailSender, Mail, MailSender, SmtpConfig, SmtpSecurity, message_id};
pub use simulator::{Faults, ReceivedSms, SmsSimulator};
pub use sms::{HttpSmsConfig, HttpSmsSender, Sms, SmsSender};
pub use texts::{Kind, Message, render};

/// Why a message did not go out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", if *.permanent { "refused" } else { "failed for now" })]
pub struct SendError {
    /// The server or provider refused for good (a 5xx SMTP reply, an HTTP
    /// 4xx): trying again will not help.
    pub permanent: bool,
    pub detail: String,
}

impl SendError {
    pub fn transient(detail: impl Into<String>) -> SendError {
        SendError {
            permanent: false,
            detail: detail.into(),
        }
    }

    pub fn permanent(detail: impl Into<String>) -> SendError {
        SendError {
            permanent: true,
            detail: detail.into(),
        }
    }
}
