//! Citizen notifications: rows derived from the event log (one per event the
//! citizen cares about) and their deliveries by e-mail and SMS.
//!
//! The store keeps no rules about *which* events notify or what the texts
//! say (that is `qyzmet-runtime::notify` and `qyzmet-notify`); it writes the
//! rows it is given, idempotently, together with the deriver's cursor, and
//! hands deliveries out under leases like the gateway outbox.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{StoreError, check_id};

/// Notifications in one `insert_notifications` call.
pub const NOTIFICATIONS_PER_INSERT_MAX: usize = 1_000;
/// Bytes of one notification's content as JSON text.
pub const NOTIFICATION_CONTENT_BYTES_MAX: usize = 64 * 1024;
/// Bytes of an address (e-mail or phone number).
pub const ADDRESS_BYTES_MAX: usize = 320;
/// Bytes of a stored delivery error (longer ones are cut).
pub const DELIVERY_ERROR_BYTES_MAX: usize = 1_000;

/// A delivery channel.
pub const CHANNEL_EMAIL: &str = "email";
pub const CHANNEL_SMS: &str = "sms";

/// Delivery states.
pub const DELIVERY_PENDING: &str = "pending";
pub const DELIVERY_SENT: &str = "sent";
pub const DELIVERY_FAILED: &str = "failed";

/// A notification to write, with the deliveries it starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewNotification {
    /// `{case_id}:{seq}`: the event it was derived from.
    pub id: String,
    /// IIN or BIN of the person notified.
    pub applicant_id: String,
    pub case_id: String,
    pub seq: u64,
    /// What happened (`accepted`, `completed`, …), see `qyzmet-notify`.
    pub kind: String,
    /// `kk`, `ru` or `en`: the language of `content`.
    pub lang: String,
    pub created_at: Timestamp,
    /// The texts (subject, body, SMS, link), already in `lang`.
    pub content: Value,
    pub deliveries: Vec<NewDelivery>,
}

/// One channel of a new notification; the delivery id is
/// `{notification_id}:{channel}` and the first attempt is due at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDelivery {
    /// [`CHANNEL_EMAIL`] or [`CHANNEL_SMS`].
    pub channel: String,
    pub address: String,
}

/// A stored notification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationRow {
    pub id: String,
    pub applicant_id: String,
    pub case_id: String,
    pub seq: u64,
    pub kind: String,
    pub lang: String,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
    pub content: Value,
}

/// A person's notifications, newest first, and how many are unread in all.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NotificationPage {
    pub items: Vec<NotificationRow>,
    pub unread: u64,
}

/// The state of one delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    /// `{notification_id}:{channel}`.
    pub id: String,
    pub notification_id: String,
    pub channel: String,
    pub address: String,
    /// [`DELIVERY_PENDING`], [`DELIVERY_SENT`] or [`DELIVERY_FAILED`].
    pub state: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// The next attempt not before this (pending rows).
    pub next_at: Timestamp,
    pub last_error: Option<String>,
    pub sent_at: Option<Timestamp>,
}

/// A delivery leased to a worker, with its notification's texts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryClaim {
    pub delivery: DeliveryRow,
    pub notification: NotificationRow,
}

/// The delivery id of a notification's channel.
pub fn delivery_id(notification_id: &str, channel: &str) -> String {
    format!("{notification_id}:{channel}")
}

pub fn validate_notifications(
    cursor: &str,
    from: u64,
    to: u64,
    items: &[NewNotification],
) -> Result<(), StoreError> {
    check_id("cursor", cursor)?;
    if to < from {
        return Err(StoreError::Invalid(format!(
            "cursor {cursor}: cannot move back from {from} to {to}"
        )));
    }
    i64::try_from(to).map_err(|_| StoreError::Invalid("cursor out of range".into()))?;
    if items.len() > NOTIFICATIONS_PER_INSERT_MAX {
        return Err(StoreError::Invalid(format!(
            "{} notifications in one call (max {NOTIFICATIONS_PER_INSERT_MAX})",
            items.len()
        )));
    }
    for item in items {
        check_id("notification id", &item.id)?;
        check_id("applicant_id", &item.applicant_id)?;
        check_id("case_id", &item.case_id)?;
        check_id("kind", &item.kind)?;
        if item.id != format!("{}:{}", item.case_id, item.seq) {
            return Err(StoreError::Invalid(format!(
                "notification id {} is not `case_id:seq`",
                item.id
            )));
        }
        i64::try_from(item.seq).map_err(|_| StoreError::Invalid("seq out of range".into()))?;
        if !matches!(item.lang.as_str(), "kk" | "ru" | "en") {
            return Err(StoreError::Invalid(format!(
                "notification {}: language `{}`",
                item.id, item.lang
            )));
        }
        if item.content.to_string().len() > NOTIFICATION_CONTENT_BYTES_MAX {
            return Err(StoreError::Invalid(format!(
                "notification {}: content over {NOTIFICATION_CONTENT_BYTES_MAX} bytes",
                item.id
            )));
        }
        if item.deliveries.len() > 2 {
            return Err(StoreError::Invalid(format!(
                "notification {}: {} deliveries",
                item.id,
                item.deliveries.len()
            )));
        }
        for (index, delivery) in item.deliveries.iter().enumerate() {
            if delivery.channel != CHANNEL_EMAIL && delivery.channel != CHANNEL_SMS {
                return Err(StoreError::Invalid(format!(
                    "notification {}: channel `{}`",
                    item.id, delivery.channel
                )));
            }
            if item.deliveries[..index]
                .iter()
                .any(|other| other.channel == delivery.channel)
            {
                return Err(StoreError::Invalid(format!(
                    "notification {}: channel {} twice",
                    item.id, delivery.channel
                )));
            }
            if delivery.address.is_empty() || delivery.address.len() > ADDRESS_BYTES_MAX {
                return Err(StoreError::Invalid(format!(
                    "notification {}: {} address must be 1..={ADDRESS_BYTES_MAX} bytes",
                    item.id, delivery.channel
                )));
            }
        }
    }
    Ok(())
}

/// Cuts an error text to [`DELIVERY_ERROR_BYTES_MAX`] on a character boundary.
pub fn cut_error(error: &str) -> &str {
    if error.len() <= DELIVERY_ERROR_BYTES_MAX {
        return error;
    }
    let mut end = DELIVERY_ERROR_BYTES_MAX;
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    &error[..end]
}
