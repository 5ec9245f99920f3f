//! What people see when the server fails: a reference, not internals.

use axum::http::StatusCode;
use qyzmet_storage::record::{Batch, NewEvent};
use serde_json::json;

use crate::common::*;

/// A case whose log cannot be read back (an event appended past the engine,
/// with a payload no event has) makes `GET /api/cases/{id}` fail inside the
/// server. The answer carries a reference and the generic message, and no
/// `detail` (which would name the log's internals); the page the same.
#[tokio::test]
async fn server_failures_show_a_reference_not_internals() {
    let app = TestApp::new();
    let (mut citizen, case) = portal_case(&app).await;
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    let version = case["version"].as_u64().unwrap();
    app.state
        .runtime
        .store
        .append(&Batch {
            case_id: case_id.clone(),
            expected_seq: version,
            idempotency_key: None,
            events: vec![NewEvent {
                seq: version + 1,
                kind: "no_such_event".into(),
                payload: json!({"secret-internal-marker": 1}).into(),
                at: app.now(),
            }],
            ops: Vec::new(),
            evidence: Vec::new(),
        })
        .unwrap();

    let reply = citizen.get(&format!("/api/cases/{case_id}")).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    let body = reply.json();
    let error = &body["error"];
    assert_eq!(error["code"], "internal", "{body}");
    let reference = error["reference"].as_str().expect("a reference");
    assert!(
        reference.len() == 14
            && reference.starts_with("E-")
            && reference[2..].chars().all(|c| c.is_ascii_hexdigit()),
        "{reference}"
    );
    assert!(error.get("detail").is_none(), "{body}");
    assert!(!reply.text().contains("no_such_event"), "{}", reply.text());

    // Two failures get two references.
    let again = citizen.get(&format!("/api/cases/{case_id}")).await.json();
    assert_ne!(again["error"]["reference"], error["reference"]);

    let page = citizen.get(&format!("/cases/{case_id}?lang=ru")).await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    let html = page.text();
    assert!(html.contains("id=\"error-reference\""), "{html}");
    assert!(html.contains("Номер обращения"), "{html}");
    assert!(!html.contains("no_such_event"), "{html}");

    // A refusal (4xx) still says what was wrong.
    let reply = citizen.get("/api/cases/Q-NO-SUCH-CASE").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let refused = reply.json();
    assert!(refused["error"].get("reference").is_none(), "{refused}");
    assert_eq!(refused["error"]["detail"], "no case `Q-NO-SUCH-CASE`");
}
