//! Quality monitoring through the API and the page: the figures of a small
//! log (a refusal, an appeal upheld, a case still open), the exports, and
//! who may see which provider.

use axum::http::{StatusCode, header};
use serde_json::json;

use crate::appeals::{appeal_at_provider, refused_certificate};
use crate::common::*;

#[tokio::test]
async fn the_report_counts_what_the_log_holds() {
    let app = TestApp::new();
    let mut clerk = app.client("wko-uralsk.office-clerk").await;
    let refused = refused_certificate(&app, &mut clerk).await;
    appeal_at_provider(&app, &mut clerk, &refused, "upheld").await;
    // A second application, left open.
    let (status, open) = clerk
        .post(
            "/api/cases",
            json!({
                "regulation": "west-kazakhstan/2016-122/unemployed-certificate",
                "provider": "wko-uralsk", "route": "provider_office",
                "applicant": app.citizen(1), "documents": ["documents-per-standard"],
                "consent": true,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{open}");

    let mut supervisor = app.client("supervisor").await;
    let report = supervisor.get("/api/monitoring").await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text());
    let report = report.json();
    let totals = &report["totals"];
    // Two certificates and one appeal were received; the refusal and the
    // appeal closed; the refusal was appealed and the appeal upheld.
    assert_eq!(totals["received"], 3, "{report}");
    assert_eq!(totals["refused"], 1, "{report}");
    assert_eq!(totals["appealed"], 1, "{report}");
    assert_eq!(totals["upheld"], 1, "{report}");
    let service = |id: &str| {
        report["by_service"]
            .as_array()
            .unwrap()
            .iter()
            .find(|group| group["key"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no service {id}: {report}"))
    };
    assert_eq!(
        service("west-kazakhstan/2016-122/unemployed-certificate")["received"],
        2
    );
    assert_eq!(service("appeal")["received"], 1);

    // The exports.
    let csv = supervisor.get("/api/monitoring?format=csv&lang=ru").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.text().contains("wko-uralsk"), "{}", csv.text());
    let xlsx = supervisor.get("/api/monitoring?format=xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert_eq!(
        xlsx.headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(xlsx.body.starts_with(b"PK"), "an XLSX is a zip file");
    let bad = supervisor.get("/api/monitoring?format=pdf").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = supervisor
        .get("/api/monitoring?from=2026-12-31&to=2026-01-01")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The page, with both charts, in every language.
    for lang in ["kk", "ru", "en"] {
        let page = supervisor.get(&format!("/monitoring?lang={lang}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let text = page.text();
        assert!(text.contains("id=\"chart-trend\""), "{text}");
        assert!(text.matches("<svg").count() >= 2, "{text}");
    }

    // A head sees their own provider only; a clerk is not shown the page.
    let mut head = app.client("wko-uralsk.head").await;
    let own = head.get("/api/monitoring").await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.json()["query"]["provider"], "wko-uralsk");
    let other = head.get("/api/monitoring?provider=kyzylorda-city").await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let denied = clerk.get("/api/monitoring").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}
