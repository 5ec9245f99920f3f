//! Citizen notifications: derived from the event log, delivered through a
//! durable outbox by e-mail and SMS.
//!
//! Two synchronous loops, like the gateway outbox (`outbox.rs`):
//!
//! * [`derive_notifications`] tails the global log from the store's cursor
//!   (`events_since`), turns the events a citizen cares about into
//!   notifications in the citizen's language (the directory collection
//!   `contacts`, key = IIN/BIN: `{"email", "phone", "lang"}`), and writes
//!   them with their deliveries **and** the new cursor in one transaction.
//!   Notification ids are `{case_id}:{seq}` of the event, so deriving the
//!   same events twice writes nothing new: nothing is lost when a deriver
//!   crashes, nothing is doubled.
//! * [`deliver_notifications`] claims due deliveries under a lease, sends
//!   each, and records the outcome at once (one short transaction per
//!   message). Transient failures are retried with backoff; after the
//!   budget, or on a permanent refusal, the delivery is `failed` and stays
//!   visible.
//!
//! Delivery is at-least-once. Every copy carries the same identity: the
//! e-mail `Message-ID` `<{notification_id}@qyzmet>` and the SMS
//! `client_id` = notification id. The SMS provider deduplicates on
//! `client_id`, so SMS is exactly-once at the provider. SMTP cannot be
//! (RFC 1047): a crash after the server's `250` and before our commit sends
//! the e-mail again (same bytes, same Message-ID). See
//! `docs/notifications.md`.

use std::collections::HashMap;
use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};
use qyzmet_core::Lang;
use qyzmet_notify::{
    EmailSender, HttpSmsConfig, HttpSmsSender, Kind, Mail, MailSender, SendError, Sms, SmsSender,
    SmtpConfig, render,
};
use qyzmet_storage::record::StoredEvent;
use qyzmet_store::notifications::{CHANNEL_EMAIL, CHANNEL_SMS, NOTIFICATIONS_PER_INSERT_MAX};
use qyzmet_store::{DeliveryClaim, NewDelivery, NewNotification, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{RetryPolicy, Runtime, RuntimeError};

/// The store cursor of the deriver.
pub const CURSOR: &str = "notifications";
/// The directory collection of citizens' contacts (key = IIN/BIN).
pub const CONTACTS: &str = "contacts";
/// The environment variable of the crash test's fault point: with
/// `QYZMET_FAULT_AFTER_SEND=n`, the process stops dead (sleeps, waiting to
/// be killed) right after its `n`-th accepted send and before recording
/// it. Never set it in production.
pub const FAULT_AFTER_SEND: &str = "QYZMET_FAULT_AFTER_SEND";

/// A service's title by regulation id, in a language.
pub type ServiceTitle<'a> = &'a dyn Fn(&str, Lang) -> Option<String>;

/// What the deriver needs besides the store.
#[derive(Default)]
pub struct DeriveOptions<'a> {
    /// Makes the cabinet link absolute (`https://portal.example.kz`).
    pub base_url: Option<&'a str>,
    /// The service's title by regulation id, in a language (`None`: the
    /// texts name no service).
    pub service_title: Option<ServiceTitle<'a>>,
}

/// What one call of the deriver did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derived {
    /// Events read from the log (0: caught up).
    pub events: usize,
    /// Notifications written (new ones; a repeat writes none).
    pub created: usize,
}

/// Reads up to `limit` events after the cursor and writes their
/// notifications (see the module docs). Call it until `events` is 0.
pub fn derive_notifications(store: &dyn Store, limit: usize) -> Result<Derived, RuntimeError> {
    derive_notifications_with(store, limit, &DeriveOptions::default())
}

/// [`derive_notifications`] with a portal address and service titles.
pub fn derive_notifications_with(
    store: &dyn Store,
    limit: usize,
    options: &DeriveOptions<'_>,
) -> Result<Derived, RuntimeError> {
    let from = store.notification_cursor(CURSOR)?;
    let events = store.events_since(from, limit.clamp(1, NOTIFICATIONS_PER_INSERT_MAX))?;
    let Some(last) = events.last() else {
        return Ok(Derived::default());
    };
    let to = last.global_seq;
    let mut cases: HashMap<String, Option<CaseInfo>> = HashMap::new();
    for event in &events {
        if event.kind == "case_submitted" {
            cases.insert(
                event.case_id.clone(),
                CaseInfo::from_submitted(&event.payload),
            );
        }
    }
    let mut contacts: HashMap<String, Contacts> = HashMap::new();
    let mut items = Vec::new();
    for event in &events {
        if !is_candidate(event) {
            continue;
        }
        if !cases.contains_key(&event.case_id) {
            let info = case_info(store, &event.case_id)?;
            cases.insert(event.case_id.clone(), info);
        }
        let Some(info) = cases.get(&event.case_id).and_then(Option::as_ref) else {
            continue;
        };
        let Some(kind) = classify(event, info.is_appeal()) else {
            continue;
        };
        if !contacts.contains_key(&info.applicant_id) {
            let found = Contacts::from_doc(store.doc(CONTACTS, &info.applicant_id)?);
            contacts.insert(info.applicant_id.clone(), found);
        }
        let contact = &contacts[&info.applicant_id];
        let title = options
            .service_title
            .and_then(|title| title(&info.regulation_id, contact.lang));
        let message = render(
            kind,
            contact.lang,
            &event.case_id,
            title.as_deref(),
            options.base_url,
        );
        let mut deliveries = Vec::new();
        if let Some(email) = &contact.email {
            deliveries.push(NewDelivery {
                channel: CHANNEL_EMAIL.into(),
                address: email.clone(),
            });
        }
        if let Some(phone) = &contact.phone {
            deliveries.push(NewDelivery {
                channel: CHANNEL_SMS.into(),
                address: phone.clone(),
            });
        }
        items.push(NewNotification {
            id: format!("{}:{}", event.case_id, event.seq),
            applicant_id: info.applicant_id.clone(),
            case_id: event.case_id.clone(),
            seq: event.seq,
            kind: kind.code().into(),
            lang: contact.lang.code().into(),
            created_at: event.at,
            content: serde_json::to_value(&message).unwrap_or(Value::Null),
            deliveries,
        });
    }
    match store.insert_notifications(CURSOR, from, to, &items) {
        Ok(created) => Ok(Derived {
            events: events.len(),
            created,
        }),
        // Another deriver moved the cursor meanwhile: it wrote these (or
        // will); the next call starts from where it got.
        Err(StoreError::Conflict { .. }) => Ok(Derived {
            events: events.len(),
            created: 0,
        }),
        Err(error) => Err(error.into()),
    }
}

/// Events that may notify (cheap filter before any lookup).
fn is_candidate(event: &StoredEvent) -> bool {
    matches!(
        event.kind.as_str(),
        "case_accepted" | "case_closed" | "term_extended" | "case_reopened"
    )
}

/// The notification an event makes, if any.
pub fn classify(event: &StoredEvent, appeal: bool) -> Option<Kind> {
    let text = |key: &str| event.payload.get(key).and_then(Value::as_str);
    match event.kind.as_str() {
        "case_accepted" => Some(Kind::Accepted),
        "term_extended" => Some(Kind::TermExtended),
        "case_reopened" => Some(Kind::Reopened),
        "case_closed" => match (text("status")?, appeal) {
            ("refused_to_accept", _) => Some(Kind::RefusedToAccept),
            ("withdrawn", _) => None,
            (_, true) => Some(match text("result") {
                Some("appeal-upheld") => Kind::AppealUpheld,
                Some("appeal-rejected") => Kind::AppealRejected,
                _ => Kind::AppealDecided,
            }),
            ("completed", false) => Some(Kind::Completed),
            ("refused", false) => Some(Kind::Refused),
            _ => None,
        },
        _ => None,
    }
}

/// What the deriver needs to know about a case.
#[derive(Clone, Debug)]
struct CaseInfo {
    applicant_id: String,
    service_id: String,
    regulation_id: String,
}

impl CaseInfo {
    fn from_submitted(payload: &Value) -> Option<CaseInfo> {
        let text = |pointer: &str| {
            payload
                .pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Some(CaseInfo {
            applicant_id: text("/applicant/id").filter(|id| !id.is_empty())?,
            service_id: text("/service_id").unwrap_or_default(),
            regulation_id: text("/regulation_id").unwrap_or_default(),
        })
    }

    fn is_appeal(&self) -> bool {
        self.service_id == "appeal"
    }
}

/// A case submitted before the page: its projection, else its first event.
fn case_info(store: &dyn Store, case_id: &str) -> Result<Option<CaseInfo>, RuntimeError> {
    if let Some(row) = store.case(case_id)?
        && !row.applicant_id.is_empty()
    {
        return Ok(Some(CaseInfo {
            applicant_id: row.applicant_id,
            service_id: row.service_id,
            regulation_id: row.regulation_id,
        }));
    }
    let events = store.case_events(case_id)?;
    Ok(events
        .iter()
        .find(|event| event.kind == "case_submitted")
        .and_then(|event| CaseInfo::from_submitted(&event.payload)))
}

/// A citizen's contacts from the directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Contacts {
    email: Option<String>,
    phone: Option<String>,
    lang: Lang,
}

impl Contacts {
    fn from_doc(doc: Option<Value>) -> Contacts {
        let Some(doc) = doc else {
            return Contacts::default();
        };
        let field = |key: &str| {
            doc.get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|value| !value.is_empty() && value.len() <= 320)
                .map(str::to_owned)
        };
        Contacts {
            email: field("email").filter(|email| email.contains('@')),
            phone: field("phone"),
            lang: field("lang")
                .and_then(|code| Lang::parse(&code))
                .unwrap_or_default(),
        }
    }
}

// ---------------------------------------------------------------- delivery

/// The channels a worker can send on; a channel without a sender leaves
/// its deliveries pending (they wait for a server that has one).
#[derive(Clone, Copy, Default)]
pub struct Senders<'a> {
    pub email: Option<&'a dyn MailSender>,
    pub sms: Option<&'a dyn SmsSender>,
}

/// How hard the worker tries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The delay after the first failed attempt; doubled after each, with
    /// jitter (the gateway's [`RetryPolicy::backoff`]).
    pub base_delay: SignedDuration,
    pub max_delay: SignedDuration,
    /// How long a claimed delivery is the worker's alone. Keep it well
    /// above the SMTP and SMS timeouts: a lease that runs out during a
    /// slow send lets another worker send a second copy.
    pub lease: SignedDuration,
    /// Deliveries claimed per round.
    pub batch: usize,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            max_attempts: 8,
            base_delay: SignedDuration::from_secs(30),
            max_delay: SignedDuration::from_secs(3_600),
            lease: SignedDuration::from_secs(120),
            batch: 32,
        }
    }
}

impl DeliveryPolicy {
    /// The delay before attempt `attempts + 1`.
    pub fn backoff(&self, attempts: u32, delivery_id: &str) -> SignedDuration {
        RetryPolicy {
            base_delay: self.base_delay,
            max_delay: self.max_delay,
            ..RetryPolicy::default()
        }
        .backoff(attempts, delivery_id)
    }
}

/// What one round of the delivery worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRound {
    pub claimed: usize,
    pub sent: usize,
    /// Failed for now, to be tried again.
    pub retried: usize,
    /// Given up (budget spent or refused for good).
    pub failed: usize,
    /// No sender for the channel here: left pending.
    pub skipped: usize,
}

/// Claims due deliveries and sends each once (see the module docs).
pub fn deliver_notifications(
    store: &dyn Store,
    senders: &Senders<'_>,
    now: Timestamp,
    worker_id: &str,
    policy: &DeliveryPolicy,
) -> Result<DeliveryRound, RuntimeError> {
    let claims = store.claim_deliveries(now, policy.batch.max(1), worker_id, policy.lease)?;
    let mut round = DeliveryRound {
        claimed: claims.len(),
        ..DeliveryRound::default()
    };
    for claim in &claims {
        deliver_one(store, senders, claim, now, policy, &mut round)?;
    }
    Ok(round)
}

fn deliver_one(
    store: &dyn Store,
    senders: &Senders<'_>,
    claim: &DeliveryClaim,
    now: Timestamp,
    policy: &DeliveryPolicy,
    round: &mut DeliveryRound,
) -> Result<(), RuntimeError> {
    let delivery = &claim.delivery;
    let notification = &claim.notification;
    let content = |key: &str| {
        notification
            .content
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let result = match delivery.channel.as_str() {
        CHANNEL_EMAIL => senders.email.map(|sender| {
            sender.send(&Mail {
                notification_id: notification.id.clone(),
                to: delivery.address.clone(),
                subject: content("subject"),
                body: content("body"),
                date: notification.created_at,
            })
        }),
        CHANNEL_SMS => senders.sms.map(|sender| {
            sender.send(&Sms {
                client_id: notification.id.clone(),
                to: delivery.address.clone(),
                text: content("sms"),
            })
        }),
        other => Some(Err(SendError::permanent(format!(
            "unknown channel {other}"
        )))),
    };
    let Some(result) = result else {
        store.retry_delivery(
            &delivery.id,
            delivery.attempts,
            now + policy.max_delay,
            &format!("no {} sender configured", delivery.channel),
        )?;
        round.skipped += 1;
        return Ok(());
    };
    let attempts = delivery.attempts + 1;
    match result {
        Ok(()) => {
            fault_point_after_send(&delivery.id);
            // Recorded at once, before the next message: the window in
            // which a crash sends this one again is one local commit.
            store.delivery_sent(&delivery.id, attempts, now)?;
            round.sent += 1;
        }
        Err(error) if error.permanent => {
            store.delivery_failed(&delivery.id, attempts, &error.to_string())?;
            round.failed += 1;
        }
        Err(error) if attempts >= policy.max_attempts => {
            store.delivery_failed(
                &delivery.id,
                attempts,
                &format!("gave up after {attempts} attempts: {error}"),
            )?;
            round.failed += 1;
        }
        Err(error) => {
            let next = now + policy.backoff(attempts, &delivery.id);
            store.retry_delivery(&delivery.id, attempts, next, &error.to_string())?;
            round.retried += 1;
        }
    }
    Ok(())
}

/// The crash test's fault point (see [`FAULT_AFTER_SEND`]).
fn fault_point_after_send(delivery_id: &str) {
    static AFTER: OnceLock<Option<u64>> = OnceLock::new();
    static SENT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let Some(after) = *AFTER.get_or_init(|| {
        std::env::var(FAULT_AFTER_SEND)
            .ok()
            .and_then(|value| value.parse().ok())
    }) else {
        return;
    };
    let sent = SENT.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    if sent >= after {
        // Straight to the file descriptor (not `println!`, which a test
        // harness may capture): the crash test waits for this line.
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "\nfault-point {delivery_id}");
        let _ = stdout.flush();
        // Wait to be killed (SIGKILL from the test); never record.
        loop {
            std::thread::sleep(std::time::Duration::from_secs(60));
        }
    }
}

// ---------------------------------------------------------------- configuration

/// What the server fills in from its configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyConfig {
    /// E-mail; `None`: e-mail deliveries stay pending.
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    /// SMS; `None`: SMS deliveries stay pending.
    #[serde(default)]
    pub sms: Option<HttpSmsConfig>,
    /// The portal's address for absolute links (`https://…`).
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub policy: DeliveryPolicy,
}

/// Senders built from a [`NotifyConfig`].
#[derive(Debug, Default)]
pub struct ConfiguredSenders {
    pub email: Option<EmailSender>,
    pub sms: Option<HttpSmsSender>,
}

impl ConfiguredSenders {
    pub fn new(config: &NotifyConfig) -> Result<ConfiguredSenders, SendError> {
        Ok(ConfiguredSenders {
            email: config.smtp.as_ref().map(EmailSender::new).transpose()?,
            sms: config.sms.clone().map(HttpSmsSender::new),
        })
    }

    pub fn senders(&self) -> Senders<'_> {
        Senders {
            email: self.email.as_ref().map(|s| s as &dyn MailSender),
            sms: self.sms.as_ref().map(|s| s as &dyn SmsSender),
        }
    }
}

impl Runtime {
    /// The title of a regulation's service in `lang`, from the catalogue.
    pub fn service_title(&self, regulation_id: &str, lang: Lang) -> Option<String> {
        self.catalog
            .entries
            .iter()
            .find(|entry| entry.model.id == regulation_id)
            .map(|entry| entry.model.service_title().get(lang).to_owned())
    }

    /// [`derive_notifications_with`] on this runtime's store, naming the
    /// services from its catalogue.
    pub fn derive_notifications(
        &self,
        limit: usize,
        base_url: Option<&str>,
    ) -> Result<Derived, RuntimeError> {
        let title = |regulation_id: &str, lang: Lang| self.service_title(regulation_id, lang);
        derive_notifications_with(
            self.store.as_ref(),
            limit,
            &DeriveOptions {
                base_url,
                service_title: Some(&title),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, payload: Value) -> StoredEvent {
        StoredEvent {
            case_id: "c1".into(),
            seq: 4,
            global_seq: 9,
            kind: kind.into(),
            payload,
            at: Timestamp::UNIX_EPOCH,
            hash: String::new(),
        }
    }

    #[test]
    fn events_map_to_the_kinds_the_citizen_sees() {
        let closed = |status: &str, result: Value| {
            event("case_closed", json!({"status": status, "result": result}))
        };
        assert_eq!(
            classify(&event("case_accepted", json!({})), false),
            Some(Kind::Accepted)
        );
        assert_eq!(
            classify(&event("term_extended", json!({})), false),
            Some(Kind::TermExtended)
        );
        assert_eq!(
            classify(&event("case_reopened", json!({})), false),
            Some(Kind::Reopened)
        );
        assert_eq!(classify(&event("task_created", json!({})), false), None);
        assert_eq!(
            classify(&closed("completed", json!("r")), false),
            Some(Kind::Completed)
        );
        assert_eq!(
            classify(&closed("refused", Value::Null), false),
            Some(Kind::Refused)
        );
        assert_eq!(
            classify(&closed("refused_to_accept", Value::Null), false),
            Some(Kind::RefusedToAccept)
        );
        assert_eq!(classify(&closed("withdrawn", Value::Null), false), None);
        assert_eq!(
            classify(&closed("completed", json!("appeal-upheld")), true),
            Some(Kind::AppealUpheld)
        );
        assert_eq!(
            classify(&closed("refused", json!("appeal-rejected")), true),
            Some(Kind::AppealRejected)
        );
        assert_eq!(
            classify(&closed("completed", Value::Null), true),
            Some(Kind::AppealDecided)
        );
    }

    #[test]
    fn contacts_default_to_kazakh_and_skip_bad_fields() {
        let c = Contacts::from_doc(Some(
            json!({"email": "not-an-address", "phone": " ", "lang": "de"}),
        ));
        assert_eq!(c, Contacts::default());
        let c = Contacts::from_doc(Some(
            json!({"email": "a@b.kz", "phone": "+77010000000", "lang": "ru"}),
        ));
        assert_eq!(c.lang, Lang::Ru);
        assert_eq!(c.email.as_deref(), Some("a@b.kz"));
    }
}
