//! The service-centre desk's receipts as PDF: the acceptance receipt after a
//! paper intake, the refusal-to-accept receipt of an incomplete package,
//! who may download them, and the public verification page that recognises
//! them. The PDFs are read back with poppler's `pdftotext`.

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::http::{StatusCode, header};
use serde_json::{Value, json};

use crate::common::*;

/// The text of a PDF as `pdftotext` reads it, every run of whitespace made
/// one space.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("receipt.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(
        output.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `text` holds `phrase`, whatever the line breaks.
fn has(text: &str, phrase: &str) -> bool {
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    squash(text).contains(&squash(phrase))
}

/// The account's display name from the directory.
fn account_name(app: &TestApp, login: &str) -> String {
    app.state
        .runtime
        .store
        .doc("accounts", login)
        .unwrap()
        .unwrap_or_else(|| panic!("no account {login}"))["name"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `target/receipt-artifacts/`, for the PDFs and page images a person
/// looks at.
fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("receipt-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Keeps a PDF and its pages as PNG (`pdftoppm -png -r 60`).
fn save_artifact(name: &str, pdf: &[u8]) {
    let dir = artifacts_dir();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "60"])
        .arg(&path)
        .arg(dir.join(name))
        .status()
        .expect("pdftoppm (poppler-utils) is installed");
    assert!(status.success(), "pdftoppm {name}");
}

/// A paper application taken at the Kyzylorda city service centre with
/// both documents, the package checked and accepted; returns the case.
async fn accepted_paper_case(app: &TestApp, operator: &mut Client) -> Value {
    let (status, case) = operator
        .post(
            "/api/cases",
            json!({
                "regulation": REG, "provider": PROVIDER, "applicant": app.citizen(0),
                "documents": ["identity-document", "application"], "consent": true,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let intake = task_at(&case, "sc-2");
    let (status, case) = operator
        .post(
            &format!("/api/tasks/{intake}/complete"),
            json!({"outcome": "accepted"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert!(case["receipt"].is_string(), "accepted: {case}");
    case
}

/// `2026-12-07 18:00` (a page's local time) as printed on a document.
fn printed_date(local: &str) -> String {
    let day = &local[..10];
    let parts: Vec<&str> = day.split('-').collect();
    format!("{}.{}.{}", parts[2], parts[1], parts[0])
}

#[tokio::test]
async fn the_desk_prints_the_acceptance_receipt_as_pdf() {
    let app = TestApp::new();
    let mut operator = app.client("kyzylorda-city.sc").await;
    let case = accepted_paper_case(&app, &mut operator).await;
    let case_id = case["case_id"].as_str().unwrap().to_owned();

    // The HTML receipt links to the PDF.
    let html = operator
        .get(&format!("/cases/{case_id}/receipt?lang=kk"))
        .await
        .text();
    assert!(
        html.contains(&format!("/cases/{case_id}/receipt.pdf?lang=kk")),
        "{html}"
    );

    let reply = operator
        .get(&format!("/cases/{case_id}/receipt.pdf?lang=kk"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/pdf");
    let disposition = reply.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert_eq!(
        disposition,
        format!("inline; filename=\"{case_id}-receipt-kk.pdf\"")
    );
    let kazakh = reply.body;
    assert!(kazakh.starts_with(b"%PDF-"));
    save_artifact("acceptance-receipt-kk", &kazakh);

    let text = pdf_text(&kazakh);
    assert!(has(&text, &case_id), "the case number: {text}");
    assert!(
        has(&text, "ҚҰЖАТТАРДЫ ҚАБЫЛДАУ ТУРАЛЫ ҚОЛХАТ"),
        "the Kazakh heading: {text}"
    );
    // The operator's name from the directory (the demo's names are long:
    // the document prints at most 128 characters of it) and position.
    let name = account_name(&app, "kyzylorda-city.sc");
    let printed: String = name.chars().take(60).collect();
    assert!(has(&text, &printed), "the operator «{printed}»: {text}");
    assert!(
        has(&text, "Мемлекеттік корпорация қызметкері"),
        "the operator's position: {text}"
    );
    assert!(
        has(&text, "Азаматтарға арналған үкімет"),
        "the State Corporation's header: {text}"
    );
    assert!(has(&text, "1. жеке басын куәландыратын құжат"), "{text}");
    assert!(has(&text, "2. стандарттың 1-қосымшасына"), "{text}");
    // Accepted on Monday 30 November 2026 at 10:00 local time.
    assert!(has(&text, "30.11.2026 10:00"), "date and time: {text}");
    // This route has no overall term: the standard's term is named.
    assert!(case["due"].is_null(), "{case}");
    assert!(
        has(
            &text,
            "мемлекеттік көрсетілетін қызмет стандартында белгіленген мерзімде"
        ),
        "{text}"
    );
    assert!(has(&text, &format!("/verify/{case_id}")), "the URL: {text}");

    let russian = operator
        .get(&format!("/cases/{case_id}/receipt.pdf?lang=ru"))
        .await;
    assert_eq!(russian.status, StatusCode::OK);
    assert!(
        russian.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("-receipt-ru.pdf")
    );
    let text = pdf_text(&russian.body);
    assert!(
        has(&text, "РАСПИСКА О ПРИЕМЕ ДОКУМЕНТОВ"),
        "the Russian heading: {text}"
    );
    assert!(
        has(
            &text,
            "в сроки, установленные стандартом государственной услуги"
        ),
        "{text}"
    );
    assert!(has(&text, &case_id), "{text}");
    assert!(has(&text, "работник Государственной корпорации"), "{text}");

    // English pages get the Kazakh receipt; the same case, the same bytes.
    let english = operator
        .get(&format!("/cases/{case_id}/receipt.pdf?lang=en"))
        .await;
    assert!(english.body == kazakh, "English falls back to Kazakh");
    let again = operator
        .get(&format!("/cases/{case_id}/receipt.pdf?lang=kk"))
        .await;
    assert!(again.body == kazakh, "rendering is deterministic");

    // Later steps do not change the receipt the applicant holds.
    let case = operator.get(&format!("/api/cases/{case_id}")).await.json();
    let forward = task_at(&case, "sc-3");
    let (status, _) = operator
        .post(&format!("/api/tasks/{forward}/complete"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    // Three hours later, within the operator's session.
    app.set_now("2026-11-30T08:00:00Z");
    let later = operator
        .get(&format!("/cases/{case_id}/receipt.pdf?lang=kk"))
        .await;
    assert_eq!(later.status, StatusCode::OK, "{}", later.text());
    assert!(later.body == kazakh, "the receipt is fixed at acceptance");
}

#[tokio::test]
async fn whoever_may_see_the_case_gets_the_receipt_and_no_one_else() {
    let app = TestApp::new();
    let mut operator = app.client("kyzylorda-city.sc").await;
    let case = accepted_paper_case(&app, &mut operator).await;
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    let path = format!("/cases/{case_id}/receipt.pdf");

    let mut applicant = app.client(&app.citizen(0)).await;
    let mut executor = app.client("kyzylorda-city.executor").await;
    let mut supervisor = app.client("supervisor").await;
    for (who, client) in [
        ("applicant", &mut applicant),
        ("executor", &mut executor),
        ("supervisor", &mut supervisor),
    ] {
        let reply = client.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{who}: {}", reply.text());
    }
    let mut other_citizen = app.client(&app.citizen(1)).await;
    let mut other_provider = app.client("wko-uralsk.sc").await;
    for (who, client) in [
        ("another citizen", &mut other_citizen),
        ("another provider's operator", &mut other_provider),
    ] {
        let reply = client.get(&path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{who}");
        assert!(!reply.body.starts_with(b"%PDF"), "{who}");
    }
    let reply = app.anonymous().get(&path).await;
    assert!(
        reply.status == StatusCode::UNAUTHORIZED || reply.status.is_redirection(),
        "anonymous: {}",
        reply.status
    );
    assert!(!reply.body.starts_with(b"%PDF"));
    assert_eq!(
        operator.get("/cases/NOPE/receipt.pdf").await.status,
        StatusCode::NOT_FOUND
    );

    // A package still being checked has no receipt yet.
    let (_, open) = operator
        .post(
            "/api/cases",
            json!({
                "regulation": REG, "provider": PROVIDER, "applicant": app.citizen(0),
                "documents": ["identity-document", "application"], "consent": true,
            }),
        )
        .await;
    let open_id = open["case_id"].as_str().unwrap();
    let reply = operator.get(&format!("/cases/{open_id}/receipt.pdf")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text());
    let html = operator
        .get(&format!("/cases/{open_id}/receipt"))
        .await
        .text();
    assert!(!html.contains("receipt.pdf"), "no PDF link yet: {html}");
}

#[tokio::test]
async fn an_incomplete_package_gets_the_refusal_to_accept_receipt() {
    let app = TestApp::new();
    let mut operator = app.client("kyzylorda-city.sc").await;
    let (_, case) = operator
        .post(
            "/api/cases",
            json!({"regulation": REG, "provider": PROVIDER, "applicant": app.citizen(0), "documents": ["application"], "consent": true}),
        )
        .await;
    assert_eq!(case["status"], "refused_to_accept", "{case}");
    let case_id = case["case_id"].as_str().unwrap().to_owned();

    let reply = operator
        .get(&format!("/cases/{case_id}/receipt.pdf?lang=kk"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(
        reply.headers[header::CONTENT_DISPOSITION],
        format!("inline; filename=\"{case_id}-refusal-receipt-kk.pdf\"").as_str()
    );
    save_artifact("refusal-receipt-kk", &reply.body);
    let text = pdf_text(&reply.body);
    assert!(
        has(&text, "ҚҰЖАТТАРДЫ ҚАБЫЛДАУДАН БАС ТАРТУ ТУРАЛЫ ҚОЛХАТ"),
        "{text}"
    );
    assert!(has(&text, &case_id), "{text}");
    assert!(has(&text, "Ұсынылмаған құжаттар"), "{text}");
    assert!(
        has(&text, "1. жеке басын куәландыратын құжат"),
        "the missing document is listed: {text}"
    );
    assert!(
        has(&text, "құжаттардың толық емес топтамасы"),
        "the regulation's ground: {text}"
    );
    let name = account_name(&app, "kyzylorda-city.sc");
    let printed: String = name.chars().take(60).collect();
    assert!(has(&text, &printed), "the operator: {text}");

    let russian = operator
        .get(&format!("/cases/{case_id}/receipt.pdf?lang=ru"))
        .await;
    let text = pdf_text(&russian.body);
    assert!(
        has(&text, "РАСПИСКА ОБ ОТКАЗЕ В ПРИЕМЕ ДОКУМЕНТОВ"),
        "{text}"
    );
    assert!(has(&text, "Непредставленные документы"), "{text}");

    // The receipt is the case's result: the result PDF is the same file.
    let result = operator
        .get(&format!("/cases/{case_id}/result.pdf?lang=kk"))
        .await;
    assert_eq!(result.status, StatusCode::OK);
    assert!(result.body == reply.body, "the result PDF is the receipt");

    let mut anyone = app.anonymous();
    let page = anyone.get(&format!("/verify/{case_id}?lang=kk")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert_eq!(
        html.matches("class=\"facts card verified-document\"")
            .count(),
        1,
        "one document, listed once: {html}"
    );
    let verdict = verify_upload(&mut anyone, &case_id, &russian.body).await;
    assert!(verdict.contains("data-matched=\"true\""), "{verdict}");
    assert!(verdict.contains("data-kind=\"receipt\""), "{verdict}");
}

#[tokio::test]
async fn the_verification_page_recognises_the_receipts() {
    let app = TestApp::new();
    let mut operator = app.client("kyzylorda-city.sc").await;
    let case = accepted_paper_case(&app, &mut operator).await;
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    let kazakh = operator
        .get(&format!("/cases/{case_id}/receipt.pdf?lang=kk"))
        .await
        .body;
    let russian = operator
        .get(&format!("/cases/{case_id}/receipt.pdf?lang=ru"))
        .await
        .body;

    // The case is open, and the QR code's page already knows the receipt.
    let mut anyone = app.anonymous();
    for lang in ["kk", "ru", "en"] {
        let page = anyone.get(&format!("/verify/{case_id}?lang={lang}")).await;
        assert_eq!(page.status, StatusCode::OK, "verify {lang}");
        let receipt = operator
            .get(&format!("/cases/{case_id}/receipt?lang={lang}"))
            .await;
        assert_eq!(receipt.status, StatusCode::OK, "receipt {lang}");
        assert!(
            receipt.text().contains("id=\"receipt-pdf\""),
            "the PDF link in {lang}"
        );
    }
    let page = anyone.get(&format!("/verify/{case_id}?lang=ru")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    use sha2::Digest as _;
    for pdf in [&kazakh, &russian] {
        let digest = hex::encode(sha2::Sha256::digest(pdf));
        assert!(html.contains(&digest), "the page lists {digest}: {html}");
    }
    assert!(html.contains("Расписка о приеме документов"), "{html}");
    assert!(html.contains("id=\"verified-receipt\""), "{html}");
    // No personal data beyond the printed document: no IIN, no names.
    assert!(!html.contains(&app.citizen(0)), "no IIN");
    assert!(!html.contains("Нұрланова"), "no applicant name");
    let operator_name = account_name(&app, "kyzylorda-city.sc");
    assert!(!html.contains(&operator_name), "no operator name");

    for pdf in [&kazakh, &russian] {
        let verdict = verify_upload(&mut anyone, &case_id, pdf).await;
        assert!(verdict.contains("data-matched=\"true\""), "{verdict}");
        assert!(verdict.contains("data-kind=\"receipt\""), "{verdict}");
    }
    let mut altered = kazakh.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 1;
    let verdict = verify_upload(&mut anyone, &case_id, &altered).await;
    assert!(verdict.contains("data-matched=\"false\""), "{verdict}");
}

/// A West Kazakhstan service-centre route with an overall term: the receipt
/// prints the due date, and the case's result later sits next to the
/// receipt on the verification page.
#[tokio::test]
async fn a_route_with_a_term_prints_the_due_date() {
    let app = TestApp::new();
    let mut operator = app.client("wko-uralsk.sc").await;
    let (status, case) = operator
        .post(
            "/api/cases",
            json!({
                "regulation": "west-kazakhstan/2016-122/unemployed-registration",
                "provider": "wko-uralsk", "applicant": app.citizen(1),
                "documents": ["documents-per-standard", "application"], "consent": true,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let first = task_at(&case, "sc-process-1");
    let (status, case) = operator
        .post(&format!("/api/tasks/{first}/complete"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert!(case["receipt"].is_string(), "accepted: {case}");
    let due = case["due"]
        .as_str()
        .unwrap_or_else(|| panic!("a due date: {case}"));
    let case_id = case["case_id"].as_str().unwrap();

    let reply = operator
        .get(&format!("/cases/{case_id}/receipt.pdf?lang=ru"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let text = pdf_text(&reply.body);
    assert!(has(&text, "Дата выдачи результата"), "{text}");
    assert!(has(&text, &printed_date(due)), "due {due}: {text}");
    assert!(!has(&text, "в сроки, установленные стандартом"), "{text}");
}
