//! Notifications end to end on a SQLite file: derived from the log in the
//! citizen's language, delivered to a real SMTP sink and the SMS simulator,
//! retried, given up, and shown in the cabinet.

mod notify_common;

use jiff::SignedDuration;
use notify_common::*;
use qyzmet_notify::sink::SmtpSink;
use qyzmet_notify::{EmailSender, Faults, HttpSmsConfig, HttpSmsSender, SmsSimulator, SmtpConfig};
use qyzmet_runtime::notify::{
    DeliveryPolicy, DeriveOptions, Senders, deliver_notifications, derive_notifications,
    derive_notifications_with,
};
use qyzmet_store::{SqliteStore, Store};
use serde_json::json;

fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqliteStore::open(dir.path().join("store.db")).expect("open");
    (dir, store)
}

/// Cases of three people: A (ru, e-mail and phone), B (no contacts),
/// C (en, e-mail only); A also appeals and has the case reopened.
fn seed(store: &dyn Store) {
    store
        .put_doc(
            "contacts",
            A,
            &json!({"email": "a@example.kz", "phone": "+77010000001", "lang": "ru"}),
        )
        .unwrap();
    store
        .put_doc(
            "contacts",
            C,
            &json!({"email": "c@example.kz", "lang": "en"}),
        )
        .unwrap();
    let n = append(
        store,
        "K-1",
        0,
        &[
            submitted("K-1", A, "unemployed-registration"),
            plain("step_entered"),
        ],
    );
    let n = append(
        store,
        "K-1",
        n,
        &[plain("case_accepted"), plain("task_created")],
    );
    let n = append(store, "K-1", n, &[plain("term_extended")]);
    let k1 = append(store, "K-1", n, &[closed("refused", None)]);
    append(
        store,
        "K-2",
        0,
        &[
            submitted("K-2", B, "unemployed-registration"),
            closed("refused_to_accept", None),
        ],
    );
    let n = append(
        store,
        "K-3",
        0,
        &[
            submitted("K-3", C, "unemployed-registration"),
            plain("case_accepted"),
        ],
    );
    append(
        store,
        "K-3",
        n,
        &[
            closed("completed", Some("certificate")),
            plain("case_withdrawn"),
        ],
    );
    let n = append(
        store,
        "AP-1",
        0,
        &[submitted("AP-1", A, "appeal"), plain("case_accepted")],
    );
    append(
        store,
        "AP-1",
        n,
        &[closed("completed", Some("appeal-upheld"))],
    );
    append(
        store,
        "K-1",
        k1,
        &[(
            "case_reopened",
            json!({"type": "case_reopened", "appeal": "AP-1", "step": "review", "by": "system"}),
        )],
    );
}

#[test]
fn derived_once_in_the_citizens_language_without_personal_data() {
    let (_dir, store) = store();
    seed(&store);
    // Small pages: a case's `case_submitted` is often on an earlier page.
    let mut created = 0;
    loop {
        let derived = derive_notifications(&store, 3).unwrap();
        if derived.events == 0 {
            break;
        }
        created += derived.created;
    }
    // K-1: accepted, extended, refused, reopened; K-2: refused to accept;
    // K-3: accepted, completed (its `case_withdrawn` notifies nobody);
    // AP-1: accepted, appeal upheld.
    assert_eq!(created, 9);
    assert_eq!(derive_notifications(&store, 100).unwrap().created, 0);

    let a = store.notifications(A, 50).unwrap();
    let kinds: Vec<_> = a
        .items
        .iter()
        .map(|n| (n.id.as_str(), n.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("K-1:7", "reopened"),
            ("K-1:6", "refused"),
            ("K-1:5", "term_extended"),
            ("K-1:3", "accepted"),
            ("AP-1:3", "appeal_upheld"),
            ("AP-1:2", "accepted"),
        ]
    );
    assert_eq!(a.unread, 6);
    assert!(a.items.iter().all(|n| n.lang == "ru"));
    assert_eq!(a.items[1].content["subject"], "Отказ в оказании услуги");
    assert_eq!(a.items[4].content["link"], "/cabinet/cases/AP-1");
    assert_eq!(a.items[4].content["subject"], "Жалоба рассмотрена");
    let b = store.notifications(B, 50).unwrap();
    assert_eq!(b.items.len(), 1);
    assert_eq!(b.items[0].lang, "kk", "no contacts: Kazakh, cabinet only");
    assert!(store.notification_deliveries("K-2:2").unwrap().is_empty());
    let c = store.notifications(C, 50).unwrap();
    assert_eq!(c.items[0].content["subject"], "Result ready");
    let channels: Vec<_> = store
        .notification_deliveries("K-1:3")
        .unwrap()
        .into_iter()
        .map(|d| (d.channel, d.address))
        .collect();
    assert_eq!(
        channels,
        [
            ("email".into(), "a@example.kz".into()),
            ("sms".into(), "+77010000001".into())
        ]
    );
    assert_eq!(store.notification_deliveries("K-3:3").unwrap().len(), 1);

    for person in [A, B, C] {
        for n in store.notifications(person, 50).unwrap().items {
            let text = n.content.to_string();
            for secret in [A, B, C, "a@example.kz", "+77010000001", "almaty"] {
                assert!(!text.contains(secret), "{} leaks {secret}: {text}", n.id);
            }
        }
    }
}

#[test]
fn service_titles_and_portal_address_are_used_when_given() {
    let (_dir, store) = store();
    seed(&store);
    let title = |regulation_id: &str, lang: qyzmet_core::Lang| {
        (regulation_id == "test-regulation").then(|| format!("Service-{lang}"))
    };
    derive_notifications_with(
        &store,
        1000,
        &DeriveOptions {
            base_url: Some("https://portal.example.kz/"),
            service_title: Some(&title),
        },
    )
    .unwrap();
    let c = store.notifications(C, 50).unwrap();
    let body = c.items[0].content["body"].as_str().unwrap().to_owned();
    assert!(body.contains("(Service-en)"), "{body}");
    assert!(
        body.contains("https://portal.example.kz/cabinet/cases/K-3"),
        "{body}"
    );
}

#[test]
fn delivered_by_email_and_sms_and_recorded() {
    let (_dir, store) = store();
    seed(&store);
    derive_notifications(&store, 1000).unwrap();
    let sink = SmtpSink::start().expect("aiosmtpd");
    let sim = SmsSimulator::start(Faults::default()).expect("simulator");
    let email = EmailSender::new(&SmtpConfig::plain(
        "127.0.0.1",
        sink.port(),
        "Qyzmet <noreply@qyzmet.kz>",
    ))
    .unwrap();
    let sms = HttpSmsSender::new(HttpSmsConfig::new(&sim.send_url()));
    let senders = Senders {
        email: Some(&email),
        sms: Some(&sms),
    };
    let now = jiff::Timestamp::now();
    let round =
        deliver_notifications(&store, &senders, now, "w1", &DeliveryPolicy::default()).unwrap();
    // A: 6 notifications × 2 channels; C: 2 × e-mail.
    assert_eq!(
        (round.claimed, round.sent, round.failed),
        (14, 14, 0),
        "{round:?}"
    );
    let again = deliver_notifications(
        &store,
        &senders,
        now + SignedDuration::from_hours(1),
        "w1",
        &DeliveryPolicy::default(),
    )
    .unwrap();
    assert_eq!(again.claimed, 0);
    let mails = sink.messages();
    assert_eq!(mails.len(), 8);
    assert!(
        mails
            .iter()
            .any(|m| m.message_id.as_deref() == Some("<K-1%3A3@qyzmet>")
                && m.subject == "Заявка принята")
    );
    let texts = sim.messages();
    assert_eq!(texts.len(), 6);
    assert!(texts.iter().all(|m| m.to == "+77010000001"));
    assert!(texts.iter().any(|m| m.client_id == "AP-1:3"));
    assert_eq!(store.deliveries("sent", 100).unwrap().len(), 14);
}

#[test]
fn retried_with_backoff_then_given_up_and_kept_visible() {
    let (_dir, store) = store();
    seed(&store);
    derive_notifications(&store, 1000).unwrap();
    let sim = SmsSimulator::start(Faults {
        error_rate: 1.0,
        ..Faults::default()
    })
    .expect("simulator");
    let sms = HttpSmsSender::new(HttpSmsConfig::new(&sim.send_url()));
    // No e-mail sender here: e-mail deliveries wait, untouched.
    let senders = Senders {
        email: None,
        sms: Some(&sms),
    };
    let policy = DeliveryPolicy {
        max_attempts: 3,
        base_delay: SignedDuration::from_secs(10),
        max_delay: SignedDuration::from_secs(60),
        ..DeliveryPolicy::default()
    };
    let mut now = jiff::Timestamp::now();
    let first = deliver_notifications(&store, &senders, now, "w1", &policy).unwrap();
    assert_eq!((first.retried, first.skipped), (6, 8), "{first:?}");
    // Not due again before the backoff.
    let early = deliver_notifications(
        &store,
        &senders,
        now + SignedDuration::from_secs(5),
        "w1",
        &policy,
    )
    .unwrap();
    assert_eq!(early.claimed, 0, "{early:?}");
    let mut failed = 0;
    for _ in 0..5 {
        now += SignedDuration::from_secs(30);
        failed += deliver_notifications(&store, &senders, now, "w1", &policy)
            .unwrap()
            .failed;
    }
    assert_eq!(failed, 6);
    let rows = store.deliveries("failed", 100).unwrap();
    assert_eq!(rows.len(), 6);
    assert!(
        rows.iter().all(|d| d.channel == "sms" && d.attempts == 3),
        "{rows:#?}"
    );
    assert!(
        rows[0].last_error.as_deref().unwrap().contains("HTTP 503"),
        "{rows:#?}"
    );
    assert_eq!(sim.stats().requests, 18);
    assert_eq!(
        store.deliveries("pending", 100).unwrap().len(),
        8,
        "e-mail still waits"
    );
}

#[test]
fn a_permanent_refusal_fails_at_once() {
    let (_dir, store) = store();
    store
        .put_doc("contacts", A, &json!({"email": "reject@example.kz"}))
        .unwrap();
    append(
        &store,
        "K-9",
        0,
        &[submitted("K-9", A, "x"), plain("case_accepted")],
    );
    derive_notifications(&store, 1000).unwrap();
    let sink = SmtpSink::start().expect("aiosmtpd");
    let email = EmailSender::new(&SmtpConfig::plain(
        "127.0.0.1",
        sink.port(),
        "Qyzmet <noreply@qyzmet.kz>",
    ))
    .unwrap();
    let senders = Senders {
        email: Some(&email),
        sms: None,
    };
    let round = deliver_notifications(
        &store,
        &senders,
        jiff::Timestamp::now(),
        "w1",
        &DeliveryPolicy::default(),
    )
    .unwrap();
    assert_eq!(round.failed, 1, "{round:?}");
    let rows = store.notification_deliveries("K-9:2").unwrap();
    assert_eq!(rows[0].state, "failed");
    assert_eq!(rows[0].attempts, 1);
    assert!(sink.messages().is_empty());
    // Kazakh by default.
    assert_eq!(
        store.notifications(A, 10).unwrap().items[0].content["subject"],
        "Өтінім қабылданды"
    );
}

#[test]
fn the_runtime_names_the_service_from_its_catalogue() {
    let (_dir, store) = store();
    let regulation = "kyzylorda/2015-141/unemployed-registration";
    store
        .put_doc("contacts", A, &json!({"lang": "ru"}))
        .unwrap();
    let (kind, mut payload) = submitted("K-5", A, "unemployed-registration");
    payload["regulation_id"] = json!(regulation);
    append(&store, "K-5", 0, &[(kind, payload), plain("case_accepted")]);
    let calendar = qyzmet_calendar::Calendar::kazakhstan();
    let catalog = qyzmet_runtime::Catalog::bundled(&calendar);
    let runtime = qyzmet_runtime::Runtime::new(Box::new(store), catalog, calendar);
    let title = runtime
        .service_title(regulation, qyzmet_core::Lang::Ru)
        .expect("bundled regulation");
    let derived = runtime.derive_notifications(100, None).unwrap();
    assert_eq!(derived.created, 1);
    let page = runtime.store.notifications(A, 10).unwrap();
    let body = page.items[0].content["body"].as_str().unwrap();
    assert!(body.contains(&format!("({title})")), "{body}");
}
