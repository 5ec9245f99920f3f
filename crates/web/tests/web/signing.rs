//! Signed portal requests: a draft, its bytes signed as CMS with keys of the
//! demo PKI (and by the `openssl` command-line tool), the verification's
//! result in the engine's signature check. Every failure reason reaches the
//! citizen; nothing is accepted on a failed signature.

use axum::http::StatusCode;
use base64::Engine as _;
use qyzmet_pki::{DemoCert, Purpose};
use qyzmet_web::auth::{Account, AccountKind, hash_password, save_account};
use serde_json::{Value, json};

use crate::common::*;

/// West Kazakhstan's unemployed certificate: "condition 2" refuses the
/// service when the signature is not confirmed.
const WITH_BRANCH: &str = "west-kazakhstan/2016-122/unemployed-certificate";
/// Kyzylorda's: the check is an automatic step without a refusal branch.
const WITHOUT_BRANCH: &str = "kyzylorda/2015-141/unemployed-certificate";

/// Signs in as a citizen with `iin` (the account is made for the test).
async fn citizen(app: &TestApp, iin: &str, region: &str) -> Client {
    save_account(
        app.state.runtime.store.as_ref(),
        &Account {
            login: iin.to_owned(),
            kind: AccountKind::Citizen,
            name: "Test Citizen".into(),
            password: hash_password("demo").unwrap(),
            grants: Vec::new(),
            supervisor: false,
            analyst: false,
            region: region.into(),
            iin: None,
        },
    )
    .unwrap();
    app.client(iin).await
}

fn request(regulation: &str) -> Value {
    let provider = if regulation.starts_with("west") {
        "wko-uralsk"
    } else {
        PROVIDER
    };
    json!({"regulation": regulation, "provider": provider, "documents": ["application"], "consent": true})
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn a_confirmed_signature_files_the_case_and_keeps_the_evidence() {
    let app = TestApp::new();
    let iin = app.citizen(0);
    let mut client = app.client(&iin).await;
    let cert = person_cert(&iin, Purpose::Signing);
    let (status, case) = client
        .submit_signed(request(WITH_BRANCH), |data| sign(data, &cert, app.now()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["signature"]["confirmed"], true, "{case}");
    let condition = case["trail"]
        .as_array()
        .unwrap()
        .iter()
        .find(|visit| visit["step"] == "p-condition-2")
        .cloned();
    assert_eq!(
        condition.map(|visit| visit["outcome"].clone()),
        Some(json!("valid")),
        "{case}"
    );
    let case_id = case["case_id"].as_str().unwrap();
    let evidence = qyzmet_web::signing::request_evidence(&app.state.runtime, case_id)
        .unwrap()
        .expect("the signature is kept");
    assert!(evidence["cms"].as_str().is_some_and(|cms| !cms.is_empty()));
    // The draft is gone: signing it again files nothing new.
    let drafts = app
        .state
        .runtime
        .store
        .docs(qyzmet_app::drafts::DRAFTS, 10)
        .unwrap();
    assert!(drafts.is_empty(), "{drafts:?}");
}

/// Each crafted certificate or signature, and the reason the citizen is told.
#[tokio::test]
async fn every_failure_reason_refuses_the_service_with_its_reason() {
    let app = TestApp::new();
    let pki = demo_pki();
    let now = app.now();
    let own = |iin: &str| person_cert(iin, Purpose::Signing);
    let other_iin = app.citizen(1);
    type Signer = Box<dyn Fn(&[u8]) -> String>;
    let signed_by = |cert: DemoCert| -> Signer { Box::new(move |data| sign(data, &cert, now)) };
    let cases: Vec<(&str, String, Signer)> = vec![
        (
            "expired",
            pki.people[2].iin.to_string(),
            signed_by(pki.expired.clone()),
        ),
        (
            "not-yet-valid",
            pki.people[2].iin.to_string(),
            signed_by(pki.not_yet_valid.clone()),
        ),
        (
            "revoked",
            pki.people[3].iin.to_string(),
            signed_by(pki.revoked.clone()),
        ),
        (
            "wrong-key-usage",
            pki.people[3].iin.to_string(),
            signed_by(pki.wrong_usage.clone()),
        ),
        (
            "wrong-key-usage",
            pki.people[0].iin.to_string(),
            signed_by(pki.authentication.clone()),
        ),
        (
            "unknown-issuer",
            pki.people[0].iin.to_string(),
            signed_by(pki.foreign.clone()),
        ),
        ("iin-mismatch", app.citizen(0), signed_by(own(&other_iin))),
        (
            "content-mismatch",
            app.citizen(0),
            Box::new({
                let cert = own(&app.citizen(0));
                move |_data: &[u8]| sign(b"another text", &cert, now)
            }),
        ),
        (
            "bad-signature",
            app.citizen(0),
            Box::new({
                let cert = own(&app.citizen(0));
                move |data: &[u8]| {
                    let mut der =
                        qyzmet_pki::sign_cms(data, &cert.cert, &cert.key, false, now).unwrap();
                    // The signature value is the last bytes of the SignerInfo.
                    let last = der.len() - 3;
                    der[last] ^= 0x01;
                    b64(&der)
                }
            }),
        ),
        (
            "malformed",
            app.citizen(0),
            Box::new(|_data: &[u8]| b64(b"not a signature")),
        ),
    ];
    for (reason, iin, signer) in cases {
        let mut client = citizen(&app, &iin, "west-kazakhstan").await;
        let before = app.case_count();
        let (status, case) = client.submit_signed(request(WITH_BRANCH), signer).await;
        assert_eq!(status, StatusCode::CREATED, "{reason}: {case}");
        assert_eq!(app.case_count(), before + 1, "{reason}");
        assert_eq!(case["signature"]["confirmed"], false, "{reason}: {case}");
        assert_eq!(case["signature"]["failure"], reason, "{case}");
        assert_eq!(case["result"], "motivated-refusal", "{reason}: {case}");
        assert_eq!(case["status"], "refused", "{reason}: {case}");
        assert!(case["tasks"].as_array().is_none_or(Vec::is_empty), "{case}");
        // The case page tells the citizen why, in Russian too.
        let case_id = case["case_id"].as_str().unwrap();
        let page = client
            .get(&format!("/cases/{case_id}?lang=ru"))
            .await
            .text();
        assert!(page.contains("ЭЦП не подтверждена:"), "{reason}: {page}");
    }
}

#[tokio::test]
async fn a_route_without_a_refusal_for_it_stores_nothing_and_says_why() {
    let app = TestApp::new();
    let iin = app.citizen(0);
    let mut client = app.client(&iin).await;
    let before = app.case_count();
    let stranger = person_cert(&app.citizen(1), Purpose::Signing);
    let (status, error) = client
        .submit_signed(request(WITHOUT_BRANCH), |data| {
            sign(data, &stranger, app.now())
        })
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["code"], "signature_rejected");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains("ЖСН"), "the reason in Kazakh: {message}");
    assert_eq!(app.case_count(), before, "nothing stored");
    // The draft stays: the citizen signs again with their own key.
    let drafts = app
        .state
        .runtime
        .store
        .docs(qyzmet_app::drafts::DRAFTS, 10)
        .unwrap();
    assert_eq!(drafts.len(), 1);
    let draft_id = drafts[0].0.clone();
    let data = base64::engine::general_purpose::STANDARD
        .decode(drafts[0].1["content"].as_str().unwrap())
        .unwrap();
    let own = person_cert(&iin, Purpose::Signing);
    let (status, case) = client
        .post(
            &format!("/api/drafts/{draft_id}/submit"),
            json!({"signature": sign(&data, &own, app.now())}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(app.case_count(), before + 1);
}

#[tokio::test]
async fn portal_requests_must_be_signed_and_drafts_are_private_and_expire() {
    let app = TestApp::new();
    let mut client = app.client(&app.citizen(0)).await;
    let (status, error) = client.post("/api/cases", request(WITH_BRANCH)).await;
    assert_eq!(
        (status, error["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "signature_required")
    );
    let (status, draft) = client.post("/api/drafts", request(WITH_BRANCH)).await;
    assert_eq!(status, StatusCode::CREATED);
    let draft_id = draft["draft"].as_str().unwrap().to_owned();
    assert_eq!(draft["ncalayer"]["module"], "kz.gov.pki.knca.basics");
    assert_eq!(draft["ncalayer"]["args"]["data"], draft["data"]);
    // Someone else cannot see or sign it.
    let mut other = app.client(&app.citizen(1)).await;
    let (status, _) = other
        .post(
            &format!("/api/drafts/{draft_id}/submit"),
            json!({"signature": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.get(&format!("/drafts/{draft_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Staff do not make drafts.
    let mut operator = app.client("kyzylorda-city.sc").await;
    let (status, _) = operator.post("/api/drafts", request(WITHOUT_BRANCH)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // An hour later the draft has expired and is purged.
    app.set_now("2026-11-30T06:00:01Z");
    let cert = person_cert(&app.citizen(0), Purpose::Signing);
    let data = base64::engine::general_purpose::STANDARD
        .decode(draft["data"].as_str().unwrap())
        .unwrap();
    let (status, error) = client
        .post(
            &format!("/api/drafts/{draft_id}/submit"),
            json!({"signature": sign(&data, &cert, app.now())}),
        )
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str().unwrap()),
        (StatusCode::GONE, "draft_expired")
    );
    let purged = qyzmet_web::signing::purge_drafts(&app.state.runtime, app.now(), 100).unwrap();
    assert_eq!(purged, 1);
}

/// A signature made by an independent signer, the `openssl` command-line
/// tool, over the draft's bytes.
#[tokio::test]
async fn a_signature_made_by_the_openssl_cli_is_confirmed() {
    // openssl writes the machine's clock as the signing time; a signing
    // time after the server's clock is refused, so the server runs on the
    // machine's clock here, with a demo PKI made at that clock (the shared
    // one's delta CRL is valid for a day around `monday_morning`, so on a
    // later day revocation could not be checked).
    let now = jiff::Timestamp::now();
    let pki = std::sync::Arc::new(qyzmet_pki::demo_pki(now).unwrap());
    let trust = std::sync::Arc::new(qyzmet_web::demo_pki::trust_of(&pki));
    let app = TestApp::with(move |state| state.pki = Some(trust));
    app.set_now(&now.to_string());
    let iin = app.citizen(0);
    let mut client = app.client(&iin).await;
    let cert = pki
        .issue_to(
            &qyzmet_pki::Holder {
                surname: "ТЕСТОВ",
                given_name: "ТЕСТ",
                patronymic: "",
                iin: qyzmet_core::Iin::parse(&iin).unwrap(),
                organisation: None,
            },
            Purpose::Signing,
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.cert.to_pem().unwrap()).unwrap();
    std::fs::write(&key_path, cert.key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    let (status, case) = client
        .submit_signed(request(WITH_BRANCH), |data| {
            let content = dir.path().join("request.json");
            let out = dir.path().join("request.p7s");
            std::fs::write(&content, data).unwrap();
            let status = std::process::Command::new("openssl")
                .args(["cms", "-sign", "-binary", "-nodetach", "-outform", "DER"])
                .arg("-in")
                .arg(&content)
                .arg("-signer")
                .arg(&cert_path)
                .arg("-inkey")
                .arg(&key_path)
                .arg("-out")
                .arg(&out)
                .status()
                .expect("the openssl command runs");
            assert!(status.success());
            b64(&std::fs::read(&out).unwrap())
        })
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["signature"]["confirmed"], true, "{case}");
}

/// The page flow: the application form makes a draft, the signing page
/// shows what is signed and takes the signature (here pasted, as a citizen
/// with another signing tool would); a refused signature keeps the page
/// with the reason.
#[tokio::test]
async fn the_signing_page_files_the_case_or_shows_the_reason() {
    let app = TestApp::new();
    let iin = app.citizen(0);
    let mut client = app.client(&iin).await;
    let (status, draft) = client.post("/api/drafts", request(WITHOUT_BRANCH)).await;
    assert_eq!(status, StatusCode::CREATED);
    let draft_id = draft["draft"].as_str().unwrap();
    let page = client.get(&format!("/drafts/{draft_id}?lang=kk")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("data-ncalayer=\"wss:&#x2f;&#x2f;127.0.0.1:13579\""),
        "{html}"
    );
    assert!(html.contains(&format!("data-iin=\"{iin}\"")));
    assert!(
        html.contains("qyzmet.portal-request"),
        "the signed text is shown"
    );
    assert!(
        page.headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|csp| csp.contains("connect-src 'self' wss://127.0.0.1:13579")),
        "{:?}",
        page.headers
    );
    let data = base64::engine::general_purpose::STANDARD
        .decode(draft["data"].as_str().unwrap())
        .unwrap();
    let csrf = client.csrf.clone();
    let stranger = person_cert(&app.citizen(1), Purpose::Signing);
    let refused = client
        .form(
            &format!("/drafts/{draft_id}/sign?lang=ru"),
            &[
                ("csrf", &csrf),
                ("signature", &sign(&data, &stranger, app.now())),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(html.contains("id=\"sign-error\""), "{html}");
    assert!(
        html.contains("ИИН в регистрационном свидетельстве"),
        "{html}"
    );
    let own = person_cert(&iin, Purpose::Signing);
    let filed = client
        .form(
            &format!("/drafts/{draft_id}/sign"),
            &[
                ("csrf", &csrf),
                ("signature", &sign(&data, &own, app.now())),
            ],
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.text());
    let location = filed.headers[axum::http::header::LOCATION]
        .to_str()
        .unwrap();
    assert!(location.starts_with("/cases/Q"), "{location}");
    let case_page = client.get(&format!("{location}?lang=en")).await.text();
    assert!(
        case_page.contains("The signature was confirmed."),
        "{case_page}"
    );
}
