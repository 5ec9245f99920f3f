//! Appeals through the API and the pages: filing is checked against the case
//! it is about, the provider considers it, and the upheld appeal reopens the
//! case through the server's follow-up (docs/appeals.md).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

const CERTIFICATE: &str = "west-kazakhstan/2016-122/unemployed-certificate";
const APPEAL: &str = "west-kazakhstan/2016-122/appeal";

pub async fn complete(
    app: &TestApp,
    login: &str,
    case_id: &str,
    step: &str,
    outcome: Option<&str>,
) {
    let mut who = app.client(login).await;
    let case = app.case(&mut who, case_id).await;
    let task = task_at(&case, step);
    let body = match outcome {
        Some(outcome) => json!({ "outcome": outcome }),
        None => json!({}),
    };
    let (status, body) = who.post(&format!("/api/tasks/{task}/complete"), body).await;
    assert_eq!(status, StatusCode::OK, "{step}: {body}");
}

pub async fn refused_certificate(app: &TestApp, clerk: &mut Client) -> String {
    let (status, case) = clerk
        .post(
            "/api/cases",
            json!({
                "regulation": CERTIFICATE, "provider": "wko-uralsk",
                "route": "provider_office", "applicant": app.citizen(1),
                "documents": ["documents-per-standard"], "consent": true,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    for (login, step, outcome) in [
        ("wko-uralsk.office-clerk", "po-1", None),
        ("wko-uralsk.head", "po-2", None),
        ("wko-uralsk.executor", "po-3", Some("refusal")),
        ("wko-uralsk.head", "po-4-refusal", None),
        ("wko-uralsk.office-clerk", "po-5-refusal", None),
    ] {
        complete(app, login, &case_id, step, outcome).await;
    }
    case_id
}

/// Files an appeal about `case_id` at the provider's office, registers it
/// and takes `outcome` (`upheld` / `rejected`); returns the appeal's id.
pub async fn appeal_at_provider(
    app: &TestApp,
    clerk: &mut Client,
    case_id: &str,
    outcome: &str,
) -> String {
    let (status, appeal) = clerk
        .post(
            "/api/cases",
            appeal_request(app, "wko-uralsk", "provider_office/provider", case_id),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{appeal}");
    let appeal_id = appeal["case_id"].as_str().unwrap().to_owned();
    complete(app, "wko-uralsk.office-clerk", &appeal_id, "register", None).await;
    complete(
        app,
        "wko-uralsk.executor",
        &appeal_id,
        "consider",
        Some(outcome),
    )
    .await;
    appeal_id
}

pub fn appeal_request(app: &TestApp, provider: &str, route: &str, about: &str) -> Value {
    json!({
        "regulation": APPEAL, "provider": provider, "route": route,
        "applicant": app.citizen(1), "documents": ["complaint"], "consent": true,
        "form": {"about_case": about, "about": "decision", "grounds": "every document was handed in"},
    })
}

#[tokio::test]
async fn an_appeal_upheld_at_the_provider_reopens_the_case() {
    let app = TestApp::new();
    let mut clerk = app.client("wko-uralsk.office-clerk").await;
    let case_id = refused_certificate(&app, &mut clerk).await;
    let case = app.case(&mut clerk, &case_id).await;
    assert_eq!(case["status"], "refused", "{case}");

    // The case page offers the appeal, under the region's appeal regulation.
    let page = clerk.get(&format!("/cases/{case_id}")).await.text();
    // (minijinja escapes the slashes of the link.)
    assert!(page.contains("id=\"file-appeal\""), "{page}");
    assert!(
        page.contains(&format!("appeal?about_case={case_id}")),
        "{page}"
    );
    let form = clerk
        .get(&format!("/apply/{APPEAL}?about_case={case_id}"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains(&format!("value=\"{case_id}\"")));

    // Filing is checked against the case.
    for (provider, route, about, code) in [
        (
            "wko-burlin",
            "provider_office/provider",
            case_id.as_str(),
            "appeal_wrong_body",
        ),
        (
            "wko-uralsk",
            "provider_office/provider",
            "no-such-case",
            "unknown_case",
        ),
        (
            "wko-uralsk",
            "provider_office/authorized-body",
            case_id.as_str(),
            "appeal_wrong_body",
        ),
    ] {
        let mut who = if provider == "wko-burlin" {
            app.client("wko-burlin.office-clerk").await
        } else {
            app.client("wko-uralsk.office-clerk").await
        };
        let (status, body) = who
            .post("/api/cases", appeal_request(&app, provider, route, about))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
    }
    // An authorized body gives no services.
    let mut quality = app.client("wko-quality.office-clerk").await;
    let (status, body) = quality
        .post(
            "/api/cases",
            json!({
                "regulation": CERTIFICATE, "provider": "wko-quality",
                "route": "provider_office", "applicant": app.citizen(1),
                "documents": ["documents-per-standard"], "consent": true,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let appeal_id = appeal_at_provider(&app, &mut clerk, &case_id, "upheld").await;
    let appeal = app.case(&mut clerk, &appeal_id).await;
    assert_eq!(appeal["result"], "appeal-upheld", "{appeal}");

    // Before the follow-up runs, the case is still refused; after, it stands
    // at the executor's decision again, and once only.
    assert_eq!(app.case(&mut clerk, &case_id).await["status"], "refused");
    assert_eq!(qyzmet_web::follow_appeals(&app.state).await.unwrap(), 1);
    assert_eq!(qyzmet_web::follow_appeals(&app.state).await.unwrap(), 0);
    let case = app.case(&mut clerk, &case_id).await;
    assert_eq!(case["status"], "in_progress", "{case}");
    task_at(&case, "po-3");
    let page = clerk.get(&format!("/cases/{case_id}?lang=ru")).await.text();
    assert!(page.contains("Жалоба удовлетворена"), "{page}");
    assert!(
        page.contains(&format!(">{appeal_id}</a>")),
        "the appeal is listed"
    );
    assert!(
        page.contains("решение об удовлетворении жалобы"),
        "with its decision: {page}"
    );
    let page = clerk.get(&format!("/cases/{appeal_id}")).await.text();
    assert!(page.contains("id=\"about-case\""), "{page}");
}

#[tokio::test]
async fn an_appeal_is_taken_at_the_service_centre_desk() {
    let app = TestApp::new();
    let mut clerk = app.client("wko-uralsk.office-clerk").await;
    let case_id = refused_certificate(&app, &mut clerk).await;
    let mut operator = app.client("wko-uralsk.sc").await;
    let (status, appeal) = operator
        .post(
            "/api/cases",
            appeal_request(&app, "wko-uralsk", "service_centre/provider", &case_id),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{appeal}");
    let appeal_id = appeal["case_id"].as_str().unwrap().to_owned();
    assert_eq!(appeal["channel"], "service_centre", "{appeal}");
    // The centre forwards it; the provider registers and considers it.
    complete(&app, "wko-uralsk.sc", &appeal_id, "sc-forward", None).await;
    complete(
        &app,
        "wko-uralsk.office-clerk",
        &appeal_id,
        "register",
        None,
    )
    .await;
    complete(
        &app,
        "wko-uralsk.executor",
        &appeal_id,
        "consider",
        Some("rejected"),
    )
    .await;
    let appeal = app.case(&mut clerk, &appeal_id).await;
    assert_eq!(appeal["result"], "appeal-rejected", "{appeal}");
}

#[tokio::test]
async fn a_further_appeal_goes_to_the_authorized_body() {
    let app = TestApp::new();
    let mut clerk = app.client("wko-uralsk.office-clerk").await;
    let case_id = refused_certificate(&app, &mut clerk).await;
    let mut quality = app.client("wko-quality.office-clerk").await;
    let (status, appeal) = quality
        .post(
            "/api/cases",
            appeal_request(
                &app,
                "wko-quality",
                "provider_office/authorized-body",
                &case_id,
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{appeal}");
    let appeal_id = appeal["case_id"].as_str().unwrap().to_owned();
    complete(
        &app,
        "wko-quality.office-clerk",
        &appeal_id,
        "register",
        None,
    )
    .await;
    let appeal = app.case(&mut quality, &appeal_id).await;
    let task = task_at(&appeal, "consider");
    // The provider's own staff cannot decide the authorized body's appeal.
    let mut executor = app.client("wko-uralsk.executor").await;
    let (status, _) = executor
        .post(
            &format!("/api/tasks/{task}/complete"),
            json!({"outcome": "upheld"}),
        )
        .await;
    assert_ne!(status, StatusCode::OK);
    complete(
        &app,
        "wko-quality.executor",
        &appeal_id,
        "consider",
        Some("rejected"),
    )
    .await;
    let appeal = app.case(&mut quality, &appeal_id).await;
    assert_eq!(appeal["result"], "appeal-rejected", "{appeal}");
    assert_eq!(qyzmet_web::follow_appeals(&app.state).await.unwrap(), 0);
    assert_eq!(app.case(&mut clerk, &case_id).await["status"], "refused");
}
