//! The head signs the result: the case page offers signing instead of a
//! plain "done"; the result PDFs are rendered, signed (CMS, detached) with
//! the key bound to the head's IIN, verified and kept; the citizen gets the
//! very files that were signed, and the public page checks the signature.

use axum::http::StatusCode;
use base64::Engine as _;
use qyzmet_pki::Purpose;
use serde_json::{Value, json};

use crate::common::*;

const HEAD: &str = "kyzylorda-city.head";

fn head_iin(app: &TestApp) -> String {
    let account = app
        .state
        .runtime
        .store
        .doc(qyzmet_web::auth::ACCOUNTS, HEAD)
        .unwrap()
        .unwrap();
    account["iin"]
        .as_str()
        .expect("demo heads have an IIN")
        .to_owned()
}

/// A portal case at the head's signing step (`p-3-notice`).
async fn at_signing_step(app: &TestApp) -> (Client, String, String) {
    let (citizen, case) = portal_case(app).await;
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    let p2 = task_at(&case, "p-2");
    let mut executor = app.client("kyzylorda-city.executor").await;
    let (status, case) = executor
        .post(
            &format!("/api/tasks/{p2}/complete"),
            json!({"outcome": "complete"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    (citizen, case_id, task_at(&case, "p-3-notice"))
}

fn decode(value: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(value.as_str().unwrap())
        .unwrap()
}

fn detached(pdf: &[u8], cert: &qyzmet_pki::DemoCert, at: jiff::Timestamp) -> String {
    let der = qyzmet_pki::sign_cms(pdf, &cert.cert, &cert.key, true, at).unwrap();
    base64::engine::general_purpose::STANDARD.encode(der)
}

#[tokio::test]
async fn the_head_signs_the_result_and_the_public_page_checks_it() {
    let app = TestApp::new();
    let (mut citizen, case_id, task) = at_signing_step(&app).await;
    let mut head = app.client(HEAD).await;
    let page = head.get(&format!("/cases/{case_id}")).await.text();
    assert!(
        page.contains("data-sign-result"),
        "the page offers signing: {page}"
    );

    let reply = head.get(&format!("/tasks/{task}/result-to-sign")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let to_sign = reply.json();
    assert_eq!(to_sign["langs"], json!(["kk", "ru"]));
    assert_eq!(to_sign["iin"], head_iin(&app).as_str());
    let files: Vec<Vec<u8>> = to_sign["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(decode)
        .collect();
    assert!(files.iter().all(|pdf| pdf.starts_with(b"%PDF-")));

    // Signed with someone else's key: refused, the task stays open.
    let stranger = person_cert(&app.citizen(1), Purpose::Signing);
    let csrf = head.csrf.clone();
    let issued_at = to_sign["issued_at"].as_i64().unwrap().to_string();
    let wrong: Vec<String> = files
        .iter()
        .map(|pdf| detached(pdf, &stranger, app.now()))
        .collect();
    let refused = head
        .form(
            &format!("/tasks/{task}/sign-result?lang=en"),
            &[
                ("csrf", &csrf),
                ("issued_at", &issued_at),
                ("signatures", &wrong.join(",")),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("the IIN in the certificate"),
        "{}",
        refused.text()
    );
    let case = citizen.get(&format!("/api/cases/{case_id}")).await.json();
    assert!(case["closed_at"].is_null(), "still open: {case}");

    // A one-byte change in the file signed: refused too.
    let own = person_cert(&head_iin(&app), Purpose::Signing);
    let mut altered = files[0].clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 1;
    let tampered = [
        detached(&altered, &own, app.now()),
        detached(&files[1], &own, app.now()),
    ];
    let refused = head
        .form(
            &format!("/tasks/{task}/sign-result"),
            &[
                ("csrf", &csrf),
                ("issued_at", &issued_at),
                ("signatures", &tampered.join(",")),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The head's own key: the task is done, the case closes with the notice.
    let good: Vec<String> = files
        .iter()
        .map(|pdf| detached(pdf, &own, app.now()))
        .collect();
    let signed = head
        .form(
            &format!("/tasks/{task}/sign-result"),
            &[
                ("csrf", &csrf),
                ("issued_at", &issued_at),
                ("signatures", &good.join(",")),
            ],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text());
    let case = citizen.get(&format!("/api/cases/{case_id}")).await.json();
    assert_eq!(case["result"], "notice", "{case}");

    // The citizen downloads exactly the files that were signed.
    for (lang, file) in ["kk", "ru"].iter().zip(&files) {
        let pdf = citizen
            .get(&format!("/cases/{case_id}/result.pdf?lang={lang}"))
            .await;
        assert_eq!(&pdf.body, file, "{lang}");
    }
    // The public page confirms the signature and the file.
    let mut anyone = app.anonymous();
    let html = anyone
        .get(&format!("/verify/{case_id}?lang=en"))
        .await
        .text();
    assert!(html.contains("data-valid=\"true\""), "{html}");
    assert!(html.contains("The signature is valid"), "{html}");
    use sha2::Digest as _;
    assert!(html.contains(&hex::encode(sha2::Sha256::digest(&files[0]))));
    assert!(!html.contains(&app.citizen(0)), "no applicant IIN");
    // The same through the API: the file, and the file changed by a byte.
    let reply = anyone
        .send(
            anyone
                .request(axum::http::Method::POST, &format!("/api/verify/{case_id}"))
                .header(axum::http::header::CONTENT_TYPE, "application/pdf")
                .body(axum::body::Body::from(files[1].clone()))
                .unwrap(),
        )
        .await
        .json();
    assert_eq!(reply["matched"], true, "{reply}");
    assert_eq!(reply["document"]["lang"], "ru");
    assert_eq!(reply["document"]["signature"]["valid"], true, "{reply}");
    let mut altered = files[1].clone();
    altered[100] ^= 1;
    let reply = anyone
        .send(
            anyone
                .request(axum::http::Method::POST, &format!("/api/verify/{case_id}"))
                .header(axum::http::header::CONTENT_TYPE, "application/pdf")
                .body(axum::body::Body::from(altered))
                .unwrap(),
        )
        .await
        .json();
    assert_eq!(reply["matched"], false, "{reply}");
    let listed = anyone.get(&format!("/api/verify/{case_id}")).await.json();
    assert_eq!(
        listed["documents"].as_array().unwrap().len(),
        2,
        "receipt and result: {listed}"
    );
}

#[tokio::test]
async fn only_the_person_who_may_complete_the_task_gets_the_result_to_sign() {
    let app = TestApp::new();
    let (mut citizen, _case_id, task) = at_signing_step(&app).await;
    assert_ne!(
        citizen
            .get(&format!("/tasks/{task}/result-to-sign"))
            .await
            .status,
        StatusCode::OK
    );
    let mut executor = app.client("kyzylorda-city.executor").await;
    assert_eq!(
        executor
            .get(&format!("/tasks/{task}/result-to-sign"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A stale rendering (more than ten minutes old) is not accepted.
    let mut head = app.client(HEAD).await;
    let to_sign = head
        .get(&format!("/tasks/{task}/result-to-sign"))
        .await
        .json();
    app.set_now("2026-11-30T05:11:00Z");
    let own = person_cert(&head_iin(&app), Purpose::Signing);
    let signatures: Vec<String> = to_sign["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|data| detached(&decode(data), &own, app.now()))
        .collect();
    let csrf = head.csrf.clone();
    let late = head
        .form(
            &format!("/tasks/{task}/sign-result"),
            &[
                ("csrf", &csrf),
                (
                    "issued_at",
                    &to_sign["issued_at"].as_i64().unwrap().to_string(),
                ),
                ("signatures", &signatures.join(",")),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::GONE);
}
