//! E-mail against a real SMTP server: `aiosmtpd` started by the test.

use qyzmet_core::Lang;
use qyzmet_notify::sink::SmtpSink;
use qyzmet_notify::{EmailSender, Kind, Mail, MailSender, SmtpConfig, message_id, render};

fn mail(notification_id: &str, to: &str, lang: Lang) -> Mail {
    let text = render(
        Kind::Completed,
        lang,
        "K-2025-000042",
        Some("Жұмыссыз ретінде тіркеу"),
        None,
    );
    Mail {
        notification_id: notification_id.to_owned(),
        to: to.to_owned(),
        subject: text.subject,
        body: text.body,
        date: "2025-03-03T04:00:00Z".parse().expect("ts"),
    }
}

fn sender(sink: &SmtpSink) -> EmailSender {
    EmailSender::new(&SmtpConfig::plain(
        "127.0.0.1",
        sink.port(),
        "Qyzmet <noreply@qyzmet.kz>",
    ))
    .expect("sender")
}

#[test]
fn messages_arrive_with_a_stable_message_id_in_the_citizens_language() {
    let sink = SmtpSink::start().expect("aiosmtpd sink");
    let sender = sender(&sink);
    for (i, lang) in Lang::ALL.into_iter().enumerate() {
        sender
            .send(&mail(
                &format!("K-2025-000042:{}", i + 2),
                "citizen@example.kz",
                lang,
            ))
            .expect("sent");
    }
    let got = sink.messages();
    assert_eq!(got.len(), 3, "{got:#?}");
    assert_eq!(
        got[0].message_id.as_deref(),
        Some("<K-2025-000042%3A2@qyzmet>")
    );
    assert_eq!(
        got[0].message_id.as_deref(),
        Some(message_id("K-2025-000042:2").as_str())
    );
    assert_eq!(got[0].subject, "Нәтиже дайын");
    assert_eq!(got[1].subject, "Результат готов");
    assert_eq!(got[2].subject, "Result ready");
    assert!(got[1].body.contains("№ K-2025-000042"), "{}", got[1].body);
    assert!(got[1].body.contains("/cabinet/cases/K-2025-000042"));
    assert_eq!(got[0].rcpt, vec!["citizen@example.kz".to_owned()]);
}

#[test]
fn a_resent_mail_is_the_same_bytes() {
    let sink = SmtpSink::start().expect("aiosmtpd sink");
    let sender = sender(&sink);
    let m = mail("c7:3", "a@example.kz", Lang::Kk);
    sender.send(&m).expect("first");
    sender.send(&m).expect("again");
    let got = sink.messages();
    assert_eq!(
        got.len(),
        2,
        "SMTP has no deduplication: two transport copies"
    );
    assert_eq!(got[0].sha256, got[1].sha256, "identical content");
    assert_eq!(got[0].message_id, got[1].message_id);
}

#[test]
fn a_451_is_transient_and_a_550_is_permanent() {
    let sink = SmtpSink::start_with(1).expect("aiosmtpd sink");
    let sender = sender(&sink);
    let error = sender
        .send(&mail("c1:2", "a@example.kz", Lang::Ru))
        .expect_err("451");
    assert!(!error.permanent, "{error}");
    sender
        .send(&mail("c1:2", "a@example.kz", Lang::Ru))
        .expect("second try");
    let error = sender
        .send(&mail("c1:3", "reject@example.kz", Lang::Ru))
        .expect_err("550");
    assert!(error.permanent, "{error}");
    assert_eq!(sink.messages().len(), 1);
}

#[test]
fn no_server_is_transient() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let mut config = SmtpConfig::plain("127.0.0.1", port, "Qyzmet <noreply@qyzmet.kz>");
    config.timeout_secs = 2;
    let sender = EmailSender::new(&config).expect("sender");
    let error = sender
        .send(&mail("c1:2", "a@example.kz", Lang::Kk))
        .expect_err("refused");
    assert!(!error.permanent, "{error}");
}
