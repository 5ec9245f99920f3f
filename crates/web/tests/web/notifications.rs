//! Notifications through the server: what the citizen is told (in the
//! cabinet, by e-mail to a real aiosmtpd sink and by SMS to the simulator)
//! when their case is refused, their appeal upheld and the case reopened;
//! read/unread, and that nobody else can mark them.

use std::sync::Arc;

use axum::http::StatusCode;
use qyzmet_runtime::notify::NotifyConfig;
use serde_json::Value;

use crate::appeals::{appeal_at_provider, refused_certificate};
use crate::common::*;

fn kinds(list: &Value) -> Vec<String> {
    let mut kinds: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    kinds
}

#[tokio::test]
async fn the_citizen_is_told_in_the_cabinet_by_email_and_by_sms() {
    let sink = qyzmet_notify::sink::SmtpSink::start().expect("aiosmtpd (python3-aiosmtpd)");
    let config = NotifyConfig {
        smtp: Some(qyzmet_notify::SmtpConfig::plain(
            "127.0.0.1",
            sink.port(),
            "noreply@qyzmet.test",
        )),
        ..NotifyConfig::default()
    };
    // `true`: the SMS simulator stands in for the provider, as in the demo.
    let link = qyzmet_web::notifications::connect(config, true).unwrap();
    let app = TestApp::with(|state| state.notify = Some(Arc::new(link)));
    let mut clerk = app.client("wko-uralsk.office-clerk").await;
    let case_id = refused_certificate(&app, &mut clerk).await;
    appeal_at_provider(&app, &mut clerk, &case_id, "upheld").await;
    qyzmet_web::follow_appeals(&app.state).await.unwrap();
    let (created, sent) = qyzmet_web::notifications::round(&app.state, "test")
        .await
        .unwrap();
    assert!(created >= 4, "{created} notifications");
    assert_eq!(sent, created * 2, "every notification by e-mail and SMS");
    // Nothing new: nothing more is sent.
    assert_eq!(
        qyzmet_web::notifications::round(&app.state, "test")
            .await
            .unwrap(),
        (0, 0)
    );

    let mut citizen = app.client(&app.citizen(1)).await;
    let list = citizen.get("/api/notifications").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let list = list.json();
    for kind in ["accepted", "refused", "appeal_upheld", "reopened"] {
        assert!(kinds(&list).contains(&kind.to_owned()), "{kind}: {list}");
    }
    assert_eq!(list["unread"], created as u64);
    // The demo's second citizen reads Russian; nothing personal is in them.
    for item in list["items"].as_array().unwrap() {
        let text = format!("{} {}", item["subject"], item["body"]);
        assert!(!text.contains(&app.citizen(1)), "an IIN in {text}");
        assert!(
            text.chars().any(|c| ('а'..='я').contains(&c)),
            "not Russian: {text}"
        );
    }

    // E-mail at the sink, one per notification, to the citizen's address.
    let mails = sink.messages();
    assert_eq!(mails.len(), created, "{mails:?}");
    assert!(
        mails
            .iter()
            .all(|mail| mail.rcpt == vec![format!("{}@demo.qyzmet.kz", app.citizen(1))]),
        "{mails:?}"
    );
    let sms = app
        .state
        .notify
        .as_ref()
        .unwrap()
        .sms_simulator
        .as_ref()
        .unwrap()
        .messages();
    assert_eq!(sms.len(), created);

    // The cabinet lists them; marking one read, by its owner only.
    let page = citizen.get("/cabinet").await.text();
    assert!(page.contains("id=\"unread-count\""), "{page}");
    let first = list["items"][0]["id"].as_str().unwrap().to_owned();
    let mut other = app.client(&app.citizen(0)).await;
    let (status, _) = other
        .post(
            &format!("/api/notifications/{first}/read"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let csrf = citizen.csrf.clone();
    let reply = citizen
        .form(
            &format!("/cabinet/notifications/{first}/read"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let after = citizen.get("/api/notifications").await.json();
    assert_eq!(after["unread"], created as u64 - 1);
    // Staff have no notifications list.
    assert_eq!(
        clerk.get("/api/notifications").await.status,
        StatusCode::FORBIDDEN
    );
}
