//! API and page tests through `app(state)`, without a socket.

mod appeals;
mod authoring;
mod certificates;
mod common;
mod errors;
mod gateway;
mod modules;
mod monitoring;
mod notifications;
mod openapi;
mod postgres;
mod receipts;
mod result_signing;
mod signing;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use common::*;
use serde_json::json;

#[tokio::test]
async fn portal_application_end_to_end() {
    let app = TestApp::new();
    let (mut citizen, case) = portal_case(&app).await;
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    assert_eq!(case["status"], "in_progress", "{case}");
    assert_eq!(case["channel"], "portal");

    // The executor of the provider sees the task in the work list.
    let mut executor = app.client("kyzylorda-city.executor").await;
    let list = executor.get("/api/tasks").await.json();
    let task = list
        .as_array()
        .unwrap()
        .iter()
        .find(|task| task["case_id"] == case_id.as_str())
        .unwrap_or_else(|| panic!("not in the work list: {list}"));
    assert_eq!(task["step"], "p-2");
    assert!(
        task["left"].as_str().unwrap().contains("working days")
            || task["left"].as_str().unwrap().contains("жұм"),
        "{task}"
    );
    let p2 = task["task_path"].as_str().unwrap().to_owned();

    // A decision needs its outcome.
    let (status, error) = executor
        .post(&format!("/api/tasks/{p2}/complete"), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error["error"]["code"], "outcome_required");

    let (status, case) = executor
        .post(
            &format!("/api/tasks/{p2}/complete"),
            json!({"outcome": "complete"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let sign = task_at(&case, "p-3-notice");

    // The head signs the result; "done" without a signature is refused.
    let mut head = app.client("kyzylorda-city.head").await;
    let (status, error) = head
        .post(&format!("/api/tasks/{sign}/complete"), json!({}))
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("signature_required"))
    );
    let (status, case) = head.sign_result(&app, "kyzylorda-city.head", &sign).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["status"], "completed");

    let mine = citizen.get(&format!("/api/cases/{case_id}?lang=en")).await;
    assert_eq!(mine.status, StatusCode::OK);
    let mine = mine.json();
    assert_eq!(mine["status"], "completed");
    assert_eq!(mine["result"], "notice");
    assert_eq!(mine["status_text"], "Completed");
    assert!(mine["history"].as_array().unwrap().len() >= 5, "{mine}");
    let listed = citizen.get("/api/cases").await.json();
    assert_eq!(listed[0]["case_id"], case_id.as_str());

    // The registry now holds the person as unemployed, for officers only.
    let iin = app.citizen(0);
    let reply = executor
        .get(&format!("/api/registries/unemployed/{iin}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let reply = citizen
        .get(&format!("/api/registries/unemployed/{iin}"))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn service_centre_intake_with_representative_and_receipt() {
    let app = TestApp::new();
    let mut operator = app.client("kyzylorda-city.sc").await;
    let before = app.case_count();
    let (status, case) = operator
        .post(
            "/api/cases",
            json!({
                "regulation": REG, "provider": PROVIDER, "applicant": app.citizen(0),
                "documents": ["identity-document", "application"], "consent": true,
                "representative": "Representative Name", "power_of_attorney": "№ 15 of 2026-11-02",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(app.case_count(), before + 1);
    assert_eq!(case["channel"], "service_centre");
    // The operator checks the package: complete.
    let intake = task_at(&case, "sc-2");
    let (status, case) = operator
        .post(
            &format!("/api/tasks/{intake}/complete"),
            json!({"outcome": "accepted"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert!(case["receipt"].is_string(), "an acceptance receipt: {case}");
    task_at(&case, "sc-3");
    let case_id = case["case_id"].as_str().unwrap();

    let receipt = operator
        .get(&format!("/cases/{case_id}/receipt?lang=ru"))
        .await;
    assert_eq!(receipt.status, StatusCode::OK);
    let html = receipt.text();
    assert!(html.contains("Расписка о приёме документов"), "{html}");
    assert!(html.contains("Representative Name"));
    assert!(html.contains("kyzylorda-city.sc"), "the operator is named");

    // The citizen sees it in the cabinet, another citizen does not.
    let mut citizen = app.client(&app.citizen(0)).await;
    assert_eq!(
        citizen.get(&format!("/api/cases/{case_id}")).await.status,
        StatusCode::OK
    );
    let mut other = app.client(&app.citizen(1)).await;
    assert_eq!(
        other.get(&format!("/api/cases/{case_id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn incomplete_package_gets_a_refusal_to_accept_receipt() {
    let app = TestApp::new();
    let mut operator = app.client("kyzylorda-city.sc").await;
    let (_, case) = operator
        .post(
            "/api/cases",
            json!({"regulation": REG, "provider": PROVIDER, "applicant": app.citizen(0), "documents": ["application"], "consent": true}),
        )
        .await;
    // The identity document is missing: the completeness check refuses.
    assert_eq!(case["status"], "refused_to_accept", "{case}");
    let case_id = case["case_id"].as_str().unwrap();
    let html = operator
        .get(&format!("/cases/{case_id}/receipt?lang=kk"))
        .await
        .text();
    assert!(html.contains("Құжаттарды қабылдаудан бас тарту туралы қолхат"));
    assert!(
        html.contains("жеке басын куәландыратын") || html.contains("identity"),
        "the missing document is listed: {html}"
    );
}

/// Every role × every action on one case: allowed, or refused with 403
/// (404 where the case must stay invisible).
#[tokio::test]
async fn authorization_matrix() {
    let app = TestApp::new();
    let owner = app.citizen(0);
    let stranger = app.citizen(1);
    let accounts = [
        owner.as_str(),
        stranger.as_str(),
        "kyzylorda-city.executor",
        "kyzylorda-city.head",
        "kyzylorda-city.sc",
        "kyzylorda-aral.executor",
        "kyzylorda-aral.head",
        "supervisor",
    ];
    // Expected outcome per account for: view, claim p-2, assign executor,
    // withdraw (the applicant, or the provider's staff recording it),
    // stats, audit, registry.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum E {
        Ok,
        Forbidden,
        Hidden,
    }
    use E::*;
    let expected: [[E; 7]; 8] = [
        [
            Ok, Forbidden, Forbidden, Ok, Forbidden, Forbidden, Forbidden,
        ], // owner
        [
            Hidden, Hidden, Hidden, Hidden, Forbidden, Forbidden, Forbidden,
        ], // other citizen
        [Ok, Ok, Forbidden, Ok, Forbidden, Forbidden, Ok], // executor
        [Ok, Forbidden, Ok, Ok, Forbidden, Forbidden, Ok], // head
        [Ok, Forbidden, Forbidden, Ok, Forbidden, Forbidden, Ok], // centre operator (provider's centre)
        [Hidden, Hidden, Hidden, Hidden, Forbidden, Forbidden, Ok], // executor elsewhere
        [Hidden, Hidden, Hidden, Hidden, Forbidden, Forbidden, Ok], // head elsewhere
        [Ok, Forbidden, Forbidden, Forbidden, Ok, Ok, Ok],        // supervisor
    ];
    // A registry record to read, so that "allowed" is a 200 and never a
    // 404 (which would look the same as "hidden").
    let iin = app.citizen(0);
    app.state
        .runtime
        .store
        .append(&qyzmet_storage::record::Batch {
            case_id: "REGISTRY-FIXTURE".into(),
            expected_seq: 0,
            idempotency_key: None,
            events: vec![qyzmet_storage::record::NewEvent {
                seq: 1,
                kind: "registered".into(),
                payload: json!({}).into(),
                at: app.now(),
            }],
            ops: vec![qyzmet_storage::record::ProjectionOp::PutRegistry(
                qyzmet_storage::record::RegistryRow {
                    registry: "unemployed".into(),
                    key: iin.clone(),
                    region: "kyzylorda".into(),
                    record: json!({"since": "2026-11-30"}),
                    case_id: "REGISTRY-FIXTURE".into(),
                },
            )],
            evidence: Vec::new(),
        })
        .unwrap();
    for (index, login) in accounts.iter().enumerate() {
        // A fresh case for each account, so that allowed actions do not
        // change what the next account sees.
        let (_, case) = portal_case(&app).await;
        let case_id = case["case_id"].as_str().unwrap().to_owned();
        let p2 = task_at(&case, "p-2");
        let mut client = app.client(login).await;
        let results = [
            client.get(&format!("/api/cases/{case_id}")).await.status,
            client
                .post(&format!("/api/tasks/{p2}/claim"), json!({}))
                .await
                .0,
            client
                .post(
                    &format!("/api/cases/{case_id}/assign"),
                    json!({"executor": "kyzylorda-city.executor"}),
                )
                .await
                .0,
            client
                .post(
                    &format!("/api/cases/{case_id}/withdraw"),
                    json!({"reason": "test"}),
                )
                .await
                .0,
            client.get("/api/stats").await.status,
            client.get("/api/audit").await.status,
            client
                .get(&format!("/api/registries/unemployed/{iin}"))
                .await
                .status,
        ];
        for (action, (status, want)) in results.iter().zip(expected[index]).enumerate() {
            let ok = match want {
                Ok => status.is_success(),
                Forbidden => *status == StatusCode::FORBIDDEN,
                Hidden => *status == StatusCode::NOT_FOUND,
            };
            assert!(ok, "{login} action #{action}: got {status}, want {want:?}");
        }
    }
    // Allowed, but no such record: a 404 that says so, not a hidden case.
    let mut executor = app.client("kyzylorda-city.executor").await;
    let reply = executor
        .get(&format!("/api/registries/unemployed/{}", app.citizen(2)))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["error"]["code"], "no_record");
}

#[tokio::test]
async fn bad_input_is_refused_clearly_and_stores_nothing() {
    let app = TestApp::new();
    let mut operator = app.client("kyzylorda-city.sc").await;
    let before = app.case_count();
    let cases = [
        (
            json!({"regulation": REG, "provider": PROVIDER, "applicant": "900101300038", "consent": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_iin",
        ),
        (
            json!({"regulation": REG, "provider": PROVIDER, "applicant": "12345", "consent": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_iin",
        ),
        (
            json!({"regulation": REG, "provider": PROVIDER, "applicant": app.citizen(0)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "consent_required",
        ),
        (
            json!({"regulation": "nowhere/1/none", "provider": PROVIDER, "applicant": app.citizen(0), "consent": true}),
            StatusCode::NOT_FOUND,
            "unknown_regulation",
        ),
        (
            json!({"regulation": REG, "provider": "balkhash", "applicant": app.citizen(0), "consent": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_provider",
        ),
        (
            json!({"regulation": REG, "provider": PROVIDER, "applicant": app.citizen(0), "consent": true, "documents": ["passport-of-mars"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_document",
        ),
        (
            json!({"regulation": REG, "provider": "kyzylorda-aral", "applicant": app.citizen(0), "consent": true}),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
    ];
    for (body, status, code) in cases {
        let (got, error) = operator.post("/api/cases?lang=ru", body.clone()).await;
        assert_eq!(
            (got, error["error"]["code"].as_str().unwrap_or_default()),
            (status, code),
            "{body} → {error}"
        );
        assert!(
            !error["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
    }
    // A required form field (employment referral: `measure`).
    let mut citizen = app.client(&app.citizen(0)).await;
    let (status, error) = citizen
        .post("/api/cases", json!({"regulation": "kyzylorda/2015-141/employment-referral", "provider": PROVIDER, "consent": true}))
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "missing_field")
    );
    // Citizens cannot file for themselves at the centre's counter.
    let (status, _) = citizen
        .post("/api/cases", json!({"regulation": REG, "provider": PROVIDER, "route": "service_centre", "consent": true}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Malformed JSON.
    let request = citizen
        .request(Method::POST, "/api/cases")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    assert!(citizen.send(request).await.status.is_client_error());
    assert_eq!(app.case_count(), before, "nothing stored");

    // Not signed in; wrong CSRF token.
    let mut anonymous = app.anonymous();
    let (status, error) = anonymous
        .post("/api/cases", json!({"regulation": REG}))
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str().unwrap()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    let csrf = std::mem::replace(&mut citizen.csrf, "forged".into());
    let (status, error) = citizen
        .post(
            "/api/cases",
            json!({"regulation": REG, "provider": PROVIDER, "consent": true}),
        )
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str().unwrap()),
        (StatusCode::FORBIDDEN, "csrf")
    );
    citizen.csrf = csrf;
    // A cross-site form post is refused before anything runs.
    let request = citizen
        .request(Method::POST, "/api/cases")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::HOST, "qyzmet.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"regulation": REG, "provider": PROVIDER, "consent": true}).to_string(),
        ))
        .unwrap();
    assert_eq!(citizen.send(request).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.case_count(), before, "nothing stored");
}

#[tokio::test]
async fn stale_version_and_finished_task_conflict() {
    let app = TestApp::new();
    let (_, case) = portal_case(&app).await;
    let p2 = task_at(&case, "p-2");
    let version = case["version"].as_u64().unwrap();
    let mut executor = app.client("kyzylorda-city.executor").await;
    let (status, error) = executor
        .post(
            &format!("/api/tasks/{p2}/complete"),
            json!({"outcome": "complete", "expected_version": version - 1}),
        )
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str().unwrap()),
        (StatusCode::CONFLICT, "stale_version")
    );
    let (status, _) = executor
        .post(
            &format!("/api/tasks/{p2}/complete"),
            json!({"outcome": "complete", "expected_version": version}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, error) = executor
        .post(
            &format!("/api/tasks/{p2}/complete"),
            json!({"outcome": "complete"}),
        )
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str().unwrap()),
        (StatusCode::CONFLICT, "task_already_done")
    );
    let (status, error) = executor
        .post("/api/tasks/no-such-task/claim", json!({}))
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str().unwrap()),
        (StatusCode::NOT_FOUND, "unknown_task")
    );
}

#[tokio::test]
async fn attachments_limits_and_types() {
    let app = TestApp::new();
    let (mut citizen, case) = portal_case(&app).await;
    let case_id = case["case_id"].as_str().unwrap();
    let mut put = async |content_type: &str, bytes: Vec<u8>| {
        let request = citizen
            .request(
                Method::PUT,
                &format!("/api/cases/{case_id}/attachments/application"),
            )
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(bytes))
            .unwrap();
        let reply = citizen.send(request).await;
        (reply.status, reply.json())
    };
    let pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n".to_vec();
    let (status, entry) = put("application/pdf", pdf.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    assert_eq!(entry["size"], pdf.len());
    // Declared PDF, but an executable inside.
    let (status, error) = put("application/pdf", b"MZ\x90\x00".to_vec()).await;
    assert_eq!(
        (status, error["error"]["code"].as_str().unwrap()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "attachment_type")
    );
    let (status, _) = put("text/html", b"<script>".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut big = b"%PDF-".to_vec();
    big.resize(qyzmet_web::ops::ATTACHMENT_MAX_BYTES + 1, b' ');
    let (status, error) = put("application/pdf", big).await;
    assert_eq!(
        (status, error["error"]["code"].as_str().unwrap()),
        (StatusCode::PAYLOAD_TOO_LARGE, "attachment_too_large")
    );
    let mut huge = b"%PDF-".to_vec();
    huge.resize(qyzmet_web::BODY_MAX_BYTES + 10, b' ');
    let (status, _) = put("application/pdf", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let shown = citizen.get(&format!("/api/cases/{case_id}")).await.json();
    assert_eq!(
        shown["attachments"].as_array().unwrap().len(),
        1,
        "only the good file: {shown}"
    );
}

#[tokio::test]
async fn sign_in_is_rate_limited_and_cookies_are_safe() {
    let app = TestApp::new();
    let mut client = app.anonymous();
    let (status, error) = client
        .post(
            "/api/session",
            json!({"login": "kyzylorda-city.head", "password": "wrong"}),
        )
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str().unwrap()),
        (StatusCode::UNAUTHORIZED, "bad_credentials")
    );
    let mut last = StatusCode::OK;
    for _ in 0..qyzmet_web::auth::LOGIN_ATTEMPTS_PER_MINUTE {
        last = client
            .post(
                "/api/session",
                json!({"login": "kyzylorda-city.head", "password": "wrong"}),
            )
            .await
            .0;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Even the right password waits out the limit.
    let (status, _) = client
        .post(
            "/api/session",
            json!({"login": "kyzylorda-city.head", "password": "demo"}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    let request = client
        .request(Method::POST, "/api/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"login": "supervisor", "password": "demo"}).to_string(),
        ))
        .unwrap();
    let reply = client.send(request).await;
    assert_eq!(reply.status, StatusCode::OK);
    let cookie = reply
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("demo"));
    for name in [
        "content-security-policy",
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
    ] {
        assert!(reply.headers.contains_key(name), "{name} missing");
    }
    // A tampered cookie is no session.
    client.cookie = client
        .cookie
        .map(|cookie| cookie.replace("supervisor", "kyzylorda-city.head"));
    assert_eq!(client.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn openapi_documents_every_api_route() {
    let app = TestApp::new();
    let reply = app.anonymous().get("/api/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/regulations",
        "/api/regulations/{id}",
        "/api/session",
        "/api/session/challenge",
        "/api/session/certificate",
        "/api/me",
        "/api/providers",
        "/api/cases",
        "/api/cases/{case_id}",
        "/api/cases/{case_id}/attachments/{document}",
        "/api/cases/{case_id}/assign",
        "/api/cases/{case_id}/extend",
        "/api/cases/{case_id}/withdraw",
        "/api/tasks",
        "/api/tasks/{task_id}/claim",
        "/api/tasks/{task_id}/result-to-sign",
        "/api/tasks/{task_id}/sign-result",
        "/api/drafts",
        "/api/drafts/{draft}/submit",
        "/api/verify/{case_id}",
        "/api/tasks/{task_id}/complete",
        "/api/registries/{registry}/{key}",
        "/api/audit",
        "/api/stats",
        "/api/monitoring",
        "/api/notifications",
        "/api/notifications/{id}/read",
        "/api/authoring/check",
        "/api/authoring/preview",
        "/api/authoring/editions",
        "/api/authoring/editions/{hash}",
        "/api/persons/{iin}",
        "/api/powers-of-attorney",
        "/api/gateway/health",
    ] {
        assert!(paths.contains_key(path), "{path} undocumented");
    }
    // That every routed `/api/` path of every module is documented (and
    // nothing else): `openapi::every_routed_api_path_is_in_the_document`.
}

#[tokio::test]
async fn health_readiness_metrics_and_catalogue() {
    let app = TestApp::new();
    let mut client = app.anonymous();
    assert_eq!(client.get("/healthz").await.text(), "ok");
    assert_eq!(client.get("/readyz").await.text(), "ready");
    let list = client.get("/api/regulations").await.json();
    // The 17 services and the West Kazakhstan appeal procedure.
    assert_eq!(list.as_array().unwrap().len(), 18);
    let bpmn = client
        .get(&format!("/api/regulations/{REG}?format=bpmn"))
        .await;
    assert!(bpmn.text().contains("definitions"));
    let (status, error) = (
        client.get("/api/regulations/none/x?lang=en").await.status,
        client.get("/api/regulations/none/x?lang=en").await.json(),
    );
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["error"]["message"], "No such regulation.");
    let metrics = client.get("/metrics").await.text();
    assert!(metrics.contains("qyzmet_http_requests_total"), "{metrics}");
    assert!(
        metrics.contains("route=\"/api/regulations/{*id}\""),
        "labels are route templates: {metrics}"
    );
    assert!(!metrics.contains("none/x"), "no raw paths in labels");
}

/// Every page in kk, ru and en renders with no missing message.
#[tokio::test]
async fn every_page_renders_in_every_language() {
    let app = TestApp::new();
    let (mut citizen, case) = portal_case(&app).await;
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    let mut executor = app.client("kyzylorda-city.executor").await;
    let mut operator = app.client("kyzylorda-city.sc").await;
    let mut supervisor = app.client("supervisor").await;
    let mut analyst = app.client(qyzmet_web::demo::ANALYST).await;
    let mut anonymous = app.anonymous();
    for lang in ["kk", "ru", "en"] {
        let checks: [(&str, String); 13] = [
            ("anonymous", "/".into()),
            ("anonymous", "/login".into()),
            ("anonymous", format!("/regulations/{REG}")),
            ("citizen", "/cabinet".into()),
            ("citizen", format!("/apply/{REG}")),
            ("citizen", format!("/cases/{case_id}")),
            ("executor", "/desk".into()),
            ("executor", format!("/cases/{case_id}")),
            ("operator", "/centre".into()),
            ("operator", format!("/apply/{REG}")),
            ("supervisor", "/supervisor".into()),
            ("analyst", "/authoring".into()),
            ("analyst", format!("/authoring/{REG}")),
        ];
        for (who, path) in checks {
            let client = match who {
                "anonymous" => &mut anonymous,
                "citizen" => &mut citizen,
                "executor" => &mut executor,
                "operator" => &mut operator,
                "analyst" => &mut analyst,
                _ => &mut supervisor,
            };
            let reply = client.get(&format!("{path}?lang={lang}")).await;
            let html = reply.text();
            assert_eq!(reply.status, StatusCode::OK, "{who} {path} {lang}: {html}");
            assert!(
                html.contains(&format!("<html lang=\"{lang}\">")),
                "{path} {lang}"
            );
            assert!(!html.contains("no message"), "{path} {lang}");
        }
    }
    // An error page is a page too, in the asked language.
    let reply = citizen.get("/cases/NOPE?lang=ru").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.text().contains("Заявление не найдено."));
}

/// The web forms alone take a case from the portal to its result.
#[tokio::test]
async fn pages_walk_a_case_with_forms() {
    let app = TestApp::new();
    let (mut citizen, case) = portal_case(&app).await;
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    let p2 = task_at(&case, "p-2");
    let mut executor = app.client("kyzylorda-city.executor").await;
    // Without the CSRF token the form is refused.
    let reply = executor
        .form(
            &format!("/tasks/{p2}/act"),
            &[("csrf", "x"), ("action", "claim")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let csrf = executor.csrf.clone();
    let reply = executor
        .form(
            &format!("/tasks/{p2}/act"),
            &[("csrf", &csrf), ("action", "claim")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let reply = executor
        .form(
            &format!("/tasks/{p2}/act"),
            &[
                ("csrf", &csrf),
                ("action", "complete"),
                ("outcome", "complete"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let page = executor
        .get(&format!("/cases/{case_id}?lang=en"))
        .await
        .text();
    assert!(page.contains("p-3-notice"), "{page}");
    let sign = citizen.get(&format!("/api/cases/{case_id}")).await.json();
    let sign = task_at(&sign, "p-3-notice");
    let mut head = app.client("kyzylorda-city.head").await;
    let csrf = head.csrf.clone();
    let reply = head
        .form(
            &format!("/tasks/{sign}/act"),
            &[("csrf", &csrf), ("action", "complete")],
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "signing is required"
    );
    let (status, _) = head.sign_result(&app, "kyzylorda-city.head", &sign).await;
    assert_eq!(status, StatusCode::OK);
    let page = citizen
        .get(&format!("/cases/{case_id}?lang=en"))
        .await
        .text();
    assert!(page.contains("data-status=\"completed\""), "{page}");
    let cabinet = citizen.get("/cabinet?lang=kk").await.text();
    assert!(cabinet.contains(&case_id));
    let csv = app
        .client("supervisor")
        .await
        .get("/supervisor.csv")
        .await
        .text();
    assert!(csv.starts_with("regulation_id,provider_id,route,received"));
    assert!(
        csv.contains(&format!("{REG},{PROVIDER},portal,1,1,0,0,1,0,0")),
        "{csv}"
    );
}

#[tokio::test]
async fn providers_me_extension_and_sign_out() {
    let app = TestApp::new();
    let mut anonymous = app.anonymous();
    let providers = anonymous.get("/api/providers?lang=ru").await.json();
    let city = providers
        .as_array()
        .unwrap()
        .iter()
        .find(|provider| provider["id"] == PROVIDER)
        .unwrap_or_else(|| panic!("{providers}"));
    assert!(
        city["title"].as_str().unwrap().contains("Кызылорд"),
        "{city}"
    );
    assert!(
        city["regulations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|id| id == REG)
    );
    assert_eq!(
        anonymous.get("/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );

    let (_, case) = portal_case(&app).await;
    let case_id = case["case_id"].as_str().unwrap();
    let mut head = app.client("kyzylorda-city.head").await;
    let me = head.get("/api/me").await.json();
    assert_eq!(me["login"], "kyzylorda-city.head");
    assert_eq!(me["grants"][0]["unit"], PROVIDER);
    // This regulation's routes allow no extension; only a head may ask.
    let (status, error) = head
        .post(
            &format!("/api/cases/{case_id}/extend"),
            json!({"reason": "extra checks"}),
        )
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "extension_not_allowed"),
        "{error}"
    );
    let (status, error) = head
        .post(&format!("/api/cases/{case_id}/extend"), json!({}))
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "reason_required")
    );
    let mut executor = app.client("kyzylorda-city.executor").await;
    let (status, _) = executor
        .post(
            &format!("/api/cases/{case_id}/extend"),
            json!({"reason": "extra checks"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Signing out removes the cookie.
    let request = head
        .request(Method::DELETE, "/api/session")
        .body(Body::empty())
        .unwrap();
    let reply = head.send(request).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(head.cookie.is_none(), "the session cookie is cleared");
    assert_eq!(head.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
}

/// A completed case's result as PDF, and the public verification page that
/// tells an issued file from an altered one without showing the applicant.
#[tokio::test]
async fn result_pdf_and_public_verification() {
    let app = TestApp::new();
    let (mut citizen, case) = portal_case(&app).await;
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    let p2 = task_at(&case, "p-2");
    let mut executor = app.client("kyzylorda-city.executor").await;
    let (_, case) = executor
        .post(
            &format!("/api/tasks/{p2}/complete"),
            json!({"outcome": "complete"}),
        )
        .await;
    // No document while the case is open.
    assert_eq!(
        citizen
            .get(&format!("/cases/{case_id}/result.pdf"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let sign = task_at(&case, "p-3-notice");
    let mut head = app.client("kyzylorda-city.head").await;
    let (status, _) = head.sign_result(&app, "kyzylorda-city.head", &sign).await;
    assert_eq!(status, StatusCode::OK);

    let pdf = citizen
        .get(&format!("/cases/{case_id}/result.pdf?lang=kk"))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(pdf.body.starts_with(b"%PDF-"));
    let again = citizen
        .get(&format!("/cases/{case_id}/result.pdf?lang=kk"))
        .await;
    assert_eq!(pdf.body, again.body, "the same case renders the same bytes");
    // Someone else's case stays hidden.
    let mut other = app.client(&app.citizen(1)).await;
    assert_eq!(
        other
            .get(&format!("/cases/{case_id}/result.pdf"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let mut anyone = app.anonymous();
    let page = anyone.get(&format!("/verify/{case_id}?lang=en")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    use sha2::Digest as _;
    let digest = hex::encode(sha2::Sha256::digest(&pdf.body));
    assert!(html.contains(&digest), "the page lists the file's digest");
    assert!(!html.contains(&app.citizen(0)), "no IIN on the public page");

    let verdict = verify_upload(&mut anyone, &case_id, &pdf.body).await;
    assert!(verdict.contains("data-matched=\"true\""), "{verdict}");
    let mut altered = pdf.body.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 1;
    let verdict = verify_upload(&mut anyone, &case_id, &altered).await;
    assert!(verdict.contains("data-matched=\"false\""), "{verdict}");
    assert_eq!(
        anyone.get("/verify/NOPE").await.status,
        StatusCode::NOT_FOUND
    );
}

/// The server's timer loop: a step left past its limit turns red in the work
/// list and puts an escalation task on the head's list.
#[tokio::test]
async fn overdue_steps_escalate_through_the_timer_loop() {
    let app = TestApp::new();
    let (_, case) = portal_case(&app).await;
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    let mut executor = app.client("kyzylorda-city.executor").await;
    let list = executor.get("/api/tasks?lang=en").await.json();
    let task = &list[0];
    assert_eq!(task["case_id"], case_id.as_str());
    assert_eq!(task["overdue"], false);
    let due = task["due"].as_str().unwrap().to_owned();
    // Nothing is due yet.
    assert_eq!(
        qyzmet_web::fire_due_timers(&app.state, "test")
            .await
            .unwrap(),
        0
    );

    // A week later (three working days were allowed).
    app.set_now("2026-12-07T05:00:00Z");
    let fired = qyzmet_web::fire_due_timers(&app.state, "test")
        .await
        .unwrap();
    assert!(fired >= 1, "the step's timer fired");
    assert_eq!(
        qyzmet_web::fire_due_timers(&app.state, "test")
            .await
            .unwrap(),
        0,
        "once"
    );
    // Sessions last 8 hours: yesterday's has expired.
    assert_eq!(
        executor.get("/api/tasks").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut executor = app.client("kyzylorda-city.executor").await;
    let list = executor.get("/api/tasks?lang=en").await.json();
    let task = list
        .as_array()
        .unwrap()
        .iter()
        .find(|task| task["case_id"] == case_id.as_str())
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(task["overdue"], true, "{task}");
    assert!(
        task["left"].as_str().unwrap().starts_with("overdue by"),
        "{task} (due {due})"
    );
    let desk = executor.get("/desk?lang=en").await.text();
    assert!(
        desk.contains("class=\"overdue\""),
        "overdue rows are marked on the desk"
    );

    let mut head = app.client("kyzylorda-city.head").await;
    let list = head.get("/api/tasks?lang=en").await.json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|task| task["case_id"] == case_id.as_str() && task["escalation"] == true),
        "the head has an escalation task: {list}"
    );
}
