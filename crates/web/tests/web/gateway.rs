//! The gateway in the server: the desk's lookups against the embedded
//! simulator, "the data cannot be obtained", the notary check, the
//! supervisor's health and `/metrics`.

use std::sync::Arc;

use axum::http::StatusCode;
use qyzmet_web::gateway::{GatewaySetup, connect};

use crate::common::*;

fn app_with_simulator() -> TestApp {
    let app = TestApp::new();
    let mut state = app.state.clone();
    state.gateway = connect(&GatewaySetup::Simulator, &app.state.runtime)
        .unwrap()
        .map(Arc::new);
    app.with_state(state)
}

#[tokio::test]
async fn the_desk_finds_the_applicant_or_says_the_data_cannot_be_obtained() {
    let app = app_with_simulator();
    let dataset = app
        .state
        .gateway
        .as_ref()
        .unwrap()
        .sim
        .as_ref()
        .unwrap()
        .dataset()
        .clone();
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
    let app = TestApp::new();
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
