//! Signing in with an authentication certificate: a challenge signed as CMS
//! with keys of the demo PKI; every refusal reason reaches the client.

use std::sync::Arc;

use axum::http::StatusCode;
use base64::Engine as _;
use qyzmet_pki::{DemoCert, DemoPki, Verifier, demo_pki, sign_cms};
use qyzmet_web::auth::{Account, AccountKind, Pki, save_account};
use serde_json::json;

use crate::common::*;

fn app_with_pki() -> (TestApp, DemoPki) {
    let pki = demo_pki(monday_morning()).unwrap();
    let trust = pki.trust_store();
    let crls = pki.crl_cache();
    let app = TestApp::with(|state| {
        state.pki = Some(Arc::new(Pki {
            verifier: Verifier::new(trust),
            crls,
        }));
    });
    // The demo PKI's person has a citizen account.
    save_account(
        app.state.runtime.store.as_ref(),
        &Account {
            login: pki.people[0].iin.to_string(),
            kind: AccountKind::Citizen,
            name: "Demo Person".into(),
            password: String::new(),
            grants: Vec::new(),
            supervisor: false,
            analyst: false,
            region: "kyzylorda".into(),
            iin: None,
        },
    )
    .unwrap();
    (app, pki)
}

async fn sign_in_with(
    app: &TestApp,
    cert: &DemoCert,
    tamper: bool,
) -> (StatusCode, serde_json::Value, Client) {
    let mut client = app.anonymous();
    let (status, body) = client.post("/api/session/challenge", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let mut challenge = body["challenge"].as_str().unwrap().to_owned();
    if tamper {
        challenge = challenge.replacen(":", ":9", 1);
    }
    let cms = sign_cms(
        challenge.as_bytes(),
        &cert.cert,
        &cert.key,
        false,
        monday_morning(),
    )
    .unwrap();
    let cms = base64::engine::general_purpose::STANDARD.encode(cms);
    let (status, body) = client
        .post("/api/session/certificate?lang=en", json!({"cms": cms}))
        .await;
    if status == StatusCode::OK {
        client.csrf = body["csrf"].as_str().unwrap().to_owned();
    }
    (status, body, client)
}

#[tokio::test]
async fn certificate_sign_in_and_its_refusals() {
    let (app, pki) = app_with_pki();
    let (status, body, mut client) = sign_in_with(&app, &pki.authentication, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["login"], pki.people[0].iin.to_string());
    assert_eq!(client.get("/api/me").await.status, StatusCode::OK);

    for (cert, reason) in [
        (&pki.revoked, "revoked"),
        (&pki.expired, "expired"),
        (&pki.wrong_usage, "usage"),
        (&pki.foreign, "issuer"),
    ] {
        let (status, body, _) = sign_in_with(&app, cert, false).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{} {body}", cert.name);
        assert_eq!(
            body["error"]["code"], "certificate_refused",
            "{} {body}",
            cert.name
        );
        let detail = body["error"]["detail"].as_str().unwrap().to_lowercase();
        assert!(detail.contains(reason), "{}: {detail}", cert.name);
        assert_eq!(body["error"]["message"], "The certificate was refused.");
    }
    // A challenge the server did not issue.
    let (status, body, _) = sign_in_with(&app, &pki.authentication, true).await;
    assert_eq!(
        (status, body["error"]["code"].as_str().unwrap()),
        (StatusCode::UNAUTHORIZED, "challenge_refused")
    );
    // An organisation's certificate names no citizen account.
    let (status, _, _) = sign_in_with(&app, &pki.organisation, false).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A challenge older than five minutes is refused.
    let mut client = app.anonymous();
    let (_, body) = client.post("/api/session/challenge", json!({})).await;
    let challenge = body["challenge"].as_str().unwrap().to_owned();
    app.set_now("2026-11-30T05:06:00Z");
    let cms = sign_cms(
        challenge.as_bytes(),
        &pki.authentication.cert,
        &pki.authentication.key,
        false,
        monday_morning(),
    )
    .unwrap();
    let (status, body) = client
        .post(
            "/api/session/certificate",
            json!({"cms": base64::engine::general_purpose::STANDARD.encode(cms)}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str().unwrap()),
        (StatusCode::UNAUTHORIZED, "challenge_refused"),
        "{body}"
    );
    // Garbage is a refusal, not a panic.
    let (status, _) = client
        .post(
            "/api/session/certificate",
            json!({"cms": "not a signature"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn certificate_sign_in_is_off_without_trusted_roots() {
    let app = TestApp::with(|state| state.pki = None);
    let (status, body) = app
        .anonymous()
        .post("/api/session/certificate", json!({"cms": "x"}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str().unwrap()),
        (StatusCode::NOT_IMPLEMENTED, "certificates_off")
    );
}
