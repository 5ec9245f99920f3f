//! The gateway in the server: the desk's lookups against the embedded
//! simulator, "the data cannot be obtained", the notary check, the
//! supervisor's health and `/metrics`.

use axum::http::StatusCode;
use serde_json::json;

use crate::common::*;

fn app_with_simulator() -> TestApp {
    // TestApp connects the simulator itself.
    let app = TestApp::new();
    assert!(app.state.gateway.is_some());
    app
}

#[tokio::test]
async fn the_desk_finds_the_applicant_or_says_the_data_cannot_be_obtained() {
    let app = app_with_simulator();
    let dataset = app.dataset();
    let person = &dataset.persons[0];
    // The server's own demo citizens are in the simulator's database.
    let citizen = app.citizen(0);
    assert!(dataset.persons.iter().any(|known| known.iin == citizen));
    let mut operator = app.client("kyzylorda-city.sc").await;
    let reply = operator.get(&format!("/api/persons/{}", person.iin)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["person"]["surname"], person.surname.as_str());
    assert_eq!(body["person"]["address"], person.address.as_str());

    // A valid IIN the database does not know: process 4 of the routes.
    let reply = operator.get("/api/persons/000101500001?lang=ru").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["found"], false);
    assert_eq!(reply.json()["message"], "Данные невозможно получить");
    // Not an IIN at all.
    assert_eq!(
        operator.get("/api/persons/123").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Citizens do not look people up.
    let mut citizen = app.client(&citizen).await;
    assert_eq!(
        citizen
            .get(&format!("/api/persons/{}", person.iin))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The representative's power of attorney: valid and revoked.
    let check = |index: usize| {
        let power = &dataset.powers_of_attorney[index];
        format!(
            "/api/powers-of-attorney?principal={}&representative={}&lang=en",
            power.principal_iin, power.representative_iin
        )
    };
    let valid = operator.get(&check(0)).await.json();
    assert_eq!(
        (valid["answer"].as_str(), valid["valid"].as_bool()),
        (Some("valid"), Some(true))
    );
    let revoked = operator.get(&check(1)).await.json();
    assert_eq!(revoked["answer"], "revoked");
    assert_eq!(revoked["message"], "The power of attorney was revoked");

    // The supervisor sees the calls just made, and /metrics has them.
    let mut supervisor = app.client("supervisor").await;
    let health = supervisor.get("/api/gateway/health").await.json();
    assert_eq!(health["simulator"], true);
    let person_db = health["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|system| system["system"] == "person_database")
        .unwrap()
        .clone();
    // The desk's lookups are not case exchanges: nothing is logged for them.
    assert_eq!(person_db["calls"], 0);
    // A day's reconciliation (no payments either side) shows on the page.
    let day: jiff::civil::Date = "2026-11-29".parse().unwrap();
    let report = qyzmet_web::gateway::reconcile(&app.state, day)
        .await
        .unwrap();
    assert!(report.is_clean());
    *app.state
        .gateway
        .as_ref()
        .unwrap()
        .reconciliation
        .lock()
        .unwrap() = Some((day.to_string(), Ok(report)));
    let page = supervisor.get("/supervisor").await.text();
    assert!(page.contains("id=\"gateway-health\""), "{page}");
    assert!(page.contains("id=\"reconciliation\""), "{page}");
    let metrics = app.anonymous().get("/metrics").await.text();
    assert!(
        metrics.contains("qyzmet_gateway_calls_24h{system=\"person_database\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.trim_end().ends_with("# EOF"),
        "OpenMetrics ends with EOF"
    );
}

#[tokio::test]
async fn without_a_gateway_the_desk_is_told_the_data_cannot_be_obtained() {
    let app = TestApp::without_gateway();
    let mut operator = app.client("kyzylorda-city.sc").await;
    let reply = operator.get("/api/persons/000101500001").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = reply.json();
    assert_eq!(body["error"]["code"], "gateway_unavailable");
    assert_eq!(body["message"], "Деректерді алу мүмкін емес");
    let mut supervisor = app.client("supervisor").await;
    let page = supervisor.get("/supervisor").await.text();
    assert!(page.contains("Шлюз бапталмаған"), "the supervisor is told");
}

const SEMEY: &str = "west-kazakhstan/2016-122/semipalatinsk-victims";

/// Completes the open task at `step` through the API as `login`.
async fn complete_step(app: &TestApp, login: &str, case_id: &str, step: &str) {
    let mut who = app.client(login).await;
    let case = app.case(&mut who, case_id).await;
    let task = task_at(&case, step);
    let (status, body) = who
        .post(&format!("/api/tasks/{task}/complete"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{step}: {body}");
}

/// The clerk's task form of the payment step asks for the amount; the
/// order goes to the pension payment centre (the simulator), which accepts
/// it, and the compensation ends on the control account the form declared.
#[tokio::test]
async fn the_compensation_order_is_paid_from_the_task_form() {
    let app = TestApp::new();
    let mut clerk = app.client("wko-uralsk.office-clerk").await;
    let (status, case) = clerk
        .post(
            "/api/cases",
            json!({
                "regulation": SEMEY, "provider": "wko-uralsk",
                "route": "provider_office/compensation", "applicant": app.citizen(1),
                "documents": ["application", "standard-documents"],
                "form": {"control_account": true}, "consent": true,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    for (login, step) in [
        ("wko-uralsk.office-clerk", "po-compensation-1"),
        ("wko-uralsk.head", "po-compensation-2"),
        ("wko-uralsk.executor", "po-compensation-3"),
        ("wko-uralsk.head", "po-compensation-4"),
    ] {
        complete_step(&app, login, &case_id, step).await;
    }
    let page = clerk.get(&format!("/cases/{case_id}?lang=ru")).await.text();
    assert!(page.contains("data-amount"), "the form asks for the amount");
    assert!(page.contains("Сумма выплаты, тенге"), "{page}");
    let case = app.case(&mut clerk, &case_id).await;
    let task = task_at(&case, "po-compensation-5");
    let csrf = clerk.csrf.clone();
    let act = format!("/tasks/{task}/act");
    for (amount, status) in [
        ("12,345", StatusCode::UNPROCESSABLE_ENTITY),
        ("", StatusCode::UNPROCESSABLE_ENTITY),
        ("42 500,50", StatusCode::SEE_OTHER),
    ] {
        let reply = clerk
            .form(
                &act,
                &[("csrf", &csrf), ("action", "complete"), ("amount", amount)],
            )
            .await;
        assert_eq!(reply.status, status, "{amount}: {}", reply.text());
    }
    let case = app.case(&mut clerk, &case_id).await;
    assert_eq!(
        case["status"], "in_progress",
        "waits for the payment centre"
    );
    app.settle().await;
    let case = app.case(&mut clerk, &case_id).await;
    assert_eq!(case["result"], "compensation-control-account", "{case}");
    let payment = case["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|request| request["system"] == "payment")
        .expect("a payment request");
    assert_eq!(payment["answer"], "accepted");
}

/// When the person database does not answer within the retry budget, the
/// operator's task shows why and offers the answers the system could have
/// given; the chosen one takes the case on.
#[tokio::test]
async fn a_request_that_fails_becomes_a_check_by_hand_on_the_case_page() {
    let app = TestApp::new();
    let link = app.state.gateway.clone().unwrap();
    link.sim
        .as_ref()
        .unwrap()
        .set_faults(qyzmet_gateway::sim::FaultConfig {
            error_rate: 1.0,
            ..qyzmet_gateway::sim::FaultConfig::default()
        });
    let mut citizen = app.client(&app.citizen(0)).await;
    let cert = person_cert(&app.citizen(0), qyzmet_pki::Purpose::Signing);
    let (status, case) = citizen
        .submit_signed(
            json!({"regulation": REG, "provider": PROVIDER, "documents": ["application"], "consent": true}),
            |data| sign(data, &cert, app.now()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    let mut executor = app.client("kyzylorda-city.executor").await;
    // Every attempt fails; the clock moves past each back-off.
    let mut case = app.case(&mut executor, &case_id).await;
    for _ in 0..link.policy.max_attempts + 2 {
        app.settle().await;
        case = app.case(&mut executor, &case_id).await;
        if !case["tasks"].as_array().unwrap().is_empty() {
            break;
        }
        let later = app.now() + jiff::SignedDuration::from_mins(10);
        app.set_now(&later.to_string());
    }
    let check = task_at(&case, "p-1-lookup");
    let page = executor
        .get(&format!("/cases/{case_id}?lang=en"))
        .await
        .text();
    assert!(page.contains("check by hand"), "{page}");
    for answer in ["found", "not_found", "refused"] {
        assert!(
            page.contains(&format!("data-outcome=\"{answer}\"")),
            "{answer}: {page}"
        );
    }
    let csrf = executor.csrf.clone();
    let reply = executor
        .form(
            &format!("/tasks/{check}/act"),
            &[
                ("csrf", &csrf),
                ("action", "complete"),
                ("outcome", "found"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let case = app.case(&mut executor, &case_id).await;
    task_at(&case, "p-2");
}
