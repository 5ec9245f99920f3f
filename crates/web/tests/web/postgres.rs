//! Two servers on one PostgreSQL database: they agree on the session key,
//! so a session opened on one is valid on the other, and a case filed
//! through one is worked on through the other.

#[path = "../../../../tests/support/pg.rs"]
mod pg;

use std::sync::Arc;

use axum::http::StatusCode;
use qyzmet_calendar::Calendar;
use qyzmet_runtime::{Catalog, Runtime};
use qyzmet_web::{AppState, app, demo};
use serde_json::json;

use crate::common::*;

fn server(url: &str) -> TestAppOnPg {
    let calendar = Calendar::kazakhstan();
    let store = qyzmet_store::open(url).unwrap();
    let runtime = Runtime::new(store, Catalog::bundled(&calendar), calendar);
    let now = monday_morning();
    let mut state = AppState::new(runtime, false, Arc::new(move || now)).unwrap();
    state.pki = Some(Arc::new(qyzmet_web::demo_pki::trust_of(demo_pki())));
    demo::install(&state.runtime).unwrap();
    state.gateway = qyzmet_web::gateway::connect(
        &qyzmet_web::gateway::GatewaySetup::Simulator,
        &state.runtime,
    )
    .unwrap()
    .map(Arc::new);
    TestAppOnPg {
        router: app(state.clone()),
        state,
    }
}

struct TestAppOnPg {
    router: axum::Router,
    state: AppState,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_one_postgres() {
    let Some(admin_url) = pg::server_url() else {
        return;
    };
    let database = format!("qyzmet_web_{}", std::process::id());
    let statements = [
        format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
        format!("CREATE DATABASE {database}"),
    ];
    let admin = admin_url.clone();
    tokio::task::spawn_blocking(move || {
        let mut admin = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        for statement in statements {
            admin.batch_execute(&statement).unwrap();
        }
    })
    .await
    .unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let url = format!("{base}/{database}");
    let (one, two) = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || (server(&url), server(&url)))
            .await
            .unwrap()
    };
    let iin = demo::applicant_iins()[0].clone();

    // Sign in on server one, file through server two with the same cookie.
    let mut on_one = Client {
        router: one.router.clone(),
        cookie: None,
        csrf: String::new(),
    };
    let (status, me) = on_one
        .post(
            "/api/session",
            json!({"login": iin, "password": demo::PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    on_one.csrf = me["csrf"].as_str().unwrap().to_owned();
    let mut on_two = Client {
        router: two.router.clone(),
        cookie: on_one.cookie.clone(),
        csrf: on_one.csrf.clone(),
    };
    let cert = person_cert(&iin, qyzmet_pki::Purpose::Signing);
    let at = monday_morning();
    let (status, case) = on_two
        .submit_signed(
            json!({"regulation": REG, "provider": PROVIDER, "documents": ["application"], "consent": true}),
            |data| sign(data, &cert, at),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    // Server two's outbox asks the person database (p-1-lookup).
    qyzmet_web::gateway::run_outbox_round(&two.state, "two")
        .await
        .unwrap();
    let reply = on_two.get(&format!("/api/cases/{case_id}")).await;
    let case = reply.json();
    let p2 = task_at(&case, "p-2");

    // The executor works through server one; two executors racing for the
    // same decision: one wins, the other is told the task is done.
    let mut executor_one = Client {
        router: one.router.clone(),
        cookie: None,
        csrf: String::new(),
    };
    let (_, me) = executor_one
        .post(
            "/api/session",
            json!({"login": "kyzylorda-city.executor", "password": "demo"}),
        )
        .await;
    executor_one.csrf = me["csrf"].as_str().unwrap().to_owned();
    let mut executor_two = Client {
        router: two.router.clone(),
        cookie: executor_one.cookie.clone(),
        csrf: executor_one.csrf.clone(),
    };
    let path = format!("/api/tasks/{p2}/complete");
    let body = json!({"outcome": "complete"});
    let (a, b) = tokio::join!(
        executor_one.post(&path, body.clone()),
        executor_two.post(&path, body.clone())
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{a:?} {b:?}"
    );

    let shown = on_one.get(&format!("/api/cases/{case_id}")).await.json();
    assert!(
        shown["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|task| task["step"] == "p-3-notice"),
        "{shown}"
    );
    // The sync PostgreSQL client owns a runtime: drop it off the async threads.
    let routers = (one, two, on_one, on_two, executor_one, executor_two);
    tokio::task::spawn_blocking(move || drop(routers))
        .await
        .unwrap();
}
