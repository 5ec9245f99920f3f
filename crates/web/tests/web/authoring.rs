//! The authoring page (docs/authoring.md, "The authoring page"): an
//! analyst checks a regulation text as they type, previews its step tables
//! and diagram, and saves it as a new draft edition — never touching the
//! edition a case is pinned to; nobody else may.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

/// The catalogue's text of [`REG`].
fn live_text(app: &TestApp) -> String {
    app.state.runtime.catalog.by_id(REG).unwrap().text.clone()
}

fn live_hash(app: &TestApp) -> String {
    app.state
        .runtime
        .catalog
        .by_id(REG)
        .unwrap()
        .model
        .hash
        .clone()
}

/// The text with the first `next: po-2` pointing at a step that does not
/// exist; returns it with the 1-based line of the change.
fn with_unknown_step(text: &str) -> (String, usize) {
    let at = text
        .find("next: po-2")
        .expect("the seed file has `next: po-2`");
    let line = text[..at].matches('\n').count() + 1;
    (text.replacen("next: po-2", "next: po-29", 1), line)
}

/// A valid change the step table shows: the executor reads the documents
/// carefully.
const CAREFULLY: &str = "құжаттарды мұқият қарайды";

fn edited(text: &str) -> String {
    assert!(text.contains("құжаттарды қарайды"));
    text.replacen("құжаттарды қарайды", CAREFULLY, 1)
}

fn diagnostic<'a>(reply: &'a Value, code: &str) -> &'a Value {
    reply["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|diagnostic| diagnostic["code"] == code)
        .unwrap_or_else(|| panic!("no {code}: {reply}"))
}

#[tokio::test]
async fn an_analyst_checks_previews_and_saves_a_new_edition() {
    let app = TestApp::new();
    // A case pinned to the catalogue's edition.
    let (mut citizen, case) = portal_case(&app).await;
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    let pinned = app
        .state
        .runtime
        .store
        .case(&case_id)
        .unwrap()
        .unwrap()
        .regulation_hash;
    assert_eq!(pinned, live_hash(&app));
    let original = live_text(&app);

    let mut analyst = app.client(qyzmet_web::demo::ANALYST).await;

    // Lint as you type: an unknown step, located on its line.
    let (broken, line) = with_unknown_step(&original);
    let (status, reply) = analyst
        .post("/api/authoring/check", json!({"text": broken}))
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["ok"], false, "{reply}");
    assert!(reply["errors"].as_u64().unwrap() >= 1, "{reply}");
    let unknown = diagnostic(&reply, "unknown-step");
    assert_eq!(unknown["severity"], "error");
    assert_eq!(unknown["line"], line, "{unknown}");
    assert!(unknown["column"].as_u64().unwrap() > 1, "{unknown}");
    assert!(
        unknown["message"].as_str().unwrap().contains("po-29"),
        "{unknown}"
    );
    // The UTF-16 span selects the step id in a browser's text area.
    let utf16: Vec<u16> = broken.encode_utf16().collect();
    let start = unknown["start"].as_u64().unwrap() as usize;
    let end = unknown["end"].as_u64().unwrap() as usize;
    assert!(
        String::from_utf16_lossy(&utf16[start..end]).contains("po-29"),
        "{unknown}"
    );

    // No preview while the text has errors.
    let (status, reply) = analyst
        .post("/api/authoring/preview", json!({"text": broken}))
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert!(reply["steps_html"].is_null() && reply["svg"].is_null());
    assert_eq!(diagnostic(&reply, "unknown-step")["line"], line);

    // Fixed and edited: the step table and the diagram follow, in Russian
    // when asked.
    let text = edited(&original);
    let (status, reply) = analyst
        .post("/api/authoring/preview", json!({"text": text}))
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["ok"], true, "{reply}");
    let steps = reply["steps_html"].as_str().unwrap();
    assert!(steps.contains(CAREFULLY), "{steps}");
    assert!(steps.contains("<table"), "{steps}");
    assert!(reply["svg"].as_str().unwrap().starts_with("<svg"));
    let new_hash = reply["hash"].as_str().unwrap().to_owned();
    assert_ne!(new_hash, pinned);
    let (_, russian) = analyst
        .post("/api/authoring/preview?lang=ru", json!({"text": text}))
        .await;
    assert!(
        russian["steps_html"]
            .as_str()
            .unwrap()
            .contains("рассматривает документы"),
        "{russian}"
    );

    // Text with errors is not saved.
    let (status, refused) = analyst
        .post("/api/authoring/editions", json!({"text": broken}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["code"], "regulation_has_errors");
    assert_eq!(diagnostic(&refused, "unknown-step")["line"], line);
    let broken_hash = refused["hash"].as_str().unwrap();
    assert_eq!(
        app.state.runtime.store.regulation(broken_hash).unwrap(),
        None
    );
    // The catalogue's own text is no new edition.
    let (status, same) = analyst
        .post("/api/authoring/editions", json!({"text": original}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{same}");
    assert_eq!(same["error"]["code"], "edition_unchanged");
    let list = analyst.get("/api/authoring/editions").await.json();
    assert_eq!(list, json!([]), "nothing saved so far");

    // Saved as a new draft edition.
    let (status, saved) = analyst
        .post(
            "/api/authoring/editions",
            json!({"text": text, "based_on": pinned}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["hash"], new_hash.as_str());
    assert_eq!(saved["regulation_id"], REG);
    assert_eq!(saved["author"], qyzmet_web::demo::ANALYST);
    assert_eq!(saved["status"], "draft");
    assert_eq!(saved["based_on"], pinned.as_str());
    let store = &app.state.runtime.store;
    assert_eq!(
        store.regulation(&new_hash).unwrap(),
        Some((REG.to_owned(), text.clone()))
    );
    // The pinned edition is untouched and still readable; the catalogue
    // still runs it (a draft is not live).
    assert_eq!(
        store.regulation(&pinned).unwrap(),
        Some((REG.to_owned(), original.clone()))
    );
    assert_eq!(live_hash(&app), pinned);
    assert_eq!(
        store.case(&case_id).unwrap().unwrap().regulation_hash,
        pinned
    );
    let view = app.case(&mut citizen, &case_id).await;
    assert_eq!(view["case_id"], case_id.as_str());
    // Saving the same text again makes nothing new.
    let (status, again) = analyst
        .post("/api/authoring/editions", json!({"text": text}))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["saved_at"], saved["saved_at"]);

    // Listed, downloadable, and open in the editor.
    let list = analyst.get("/api/authoring/editions").await.json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["hash"], new_hash.as_str());
    let file = analyst
        .get(&format!("/api/authoring/editions/{new_hash}"))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.text(), text);
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("unemployed-registration-"),
        "{:?}",
        file.headers
    );
    let index = analyst.get("/authoring").await;
    assert_eq!(index.status, StatusCode::OK, "{}", index.text());
    assert!(index.text().contains(&format!("data-hash=\"{new_hash}\"")));
    let page = analyst
        .get(&format!("/authoring/{REG}?edition={new_hash}&saved=1"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("id=\"saved-edition\""), "{html}");
    assert!(
        html.contains(CAREFULLY),
        "the draft's text is in the editor"
    );
    let unknown = analyst
        .get(&format!(
            "/api/authoring/editions/sha256:{}",
            "0".repeat(64)
        ))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_page_works_without_javascript_in_every_language() {
    let app = TestApp::new();
    let mut analyst = app.client(qyzmet_web::demo::ANALYST).await;
    for (lang, save) in [
        ("kk", "Жаңа редакция ретінде сақтау"),
        ("ru", "Сохранить как новую редакцию"),
        ("en", "Save as a new edition"),
    ] {
        let page = analyst.get(&format!("/authoring/{REG}?lang={lang}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let html = page.text();
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        assert!(html.contains(save), "{lang}");
        assert!(html.contains("<textarea id=\"text\""));
        assert!(html.contains("id=\"preview-diagram\""));
        assert!(html.contains("<svg"), "the live diagram");
        let index = analyst.get(&format!("/authoring?lang={lang}")).await;
        assert_eq!(index.status, StatusCode::OK, "{}", index.text());
    }
    // The sign-in page sends the analyst to the authoring page, which the
    // header links.
    let mut browser = app.anonymous();
    let reply = browser
        .form(
            "/login",
            &[("login", qyzmet_web::demo::ANALYST), ("password", "demo")],
        )
        .await;
    assert_eq!(reply.headers["location"], "/authoring");
    let html = browser.get("/authoring").await.text();
    assert!(html.contains("id=\"nav-authoring\""), "{html}");
    assert!(
        !html.contains("id=\"nav-desk\""),
        "an analyst has no work list"
    );

    let original = live_text(&app);
    let (broken, line) = with_unknown_step(&original);
    let csrf = analyst.csrf.clone();
    // Without the CSRF token the form is refused.
    let reply = analyst
        .form(
            &format!("/authoring/{REG}"),
            &[("csrf", "x"), ("text", &broken), ("action", "check")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // «Check» shows the diagnostics on the page, the line marked.
    let reply = analyst
        .form(
            &format!("/authoring/{REG}?lang=en"),
            &[("csrf", &csrf), ("text", &broken), ("action", "check")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let html = reply.text();
    assert!(
        html.contains(&format!("data-code=\"unknown-step\" data-line=\"{line}\"")),
        "{html}"
    );
    assert!(html.contains("id=\"save-edition\" disabled"), "{html}");
    // «Save» with errors is refused, nothing stored.
    let reply = analyst
        .form(
            &format!("/authoring/{REG}?lang=en"),
            &[("csrf", &csrf), ("text", &broken), ("action", "save")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.text().contains("id=\"save-refused\""));
    assert!(
        app.state
            .runtime
            .store
            .docs(qyzmet_web::authoring::EDITIONS, 10)
            .unwrap()
            .is_empty()
    );
    // A valid text (with the browser's CRLF line ends) is saved and the
    // browser sent to it.
    let text = edited(&original);
    let reply = analyst
        .form(
            &format!("/authoring/{REG}"),
            &[
                ("csrf", &csrf),
                ("text", &text.replace('\n', "\r\n")),
                ("based_on", &live_hash(&app)),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let hash = qyzmet_regulation::model::content_hash(&text);
    assert_eq!(
        reply.headers["location"].to_str().unwrap(),
        format!("/authoring/{REG}?edition={hash}&saved=1")
    );
    assert_eq!(
        app.state.runtime.store.regulation(&hash).unwrap(),
        Some((REG.to_owned(), text))
    );
}

#[tokio::test]
async fn only_analysts_author() {
    let app = TestApp::new();
    let text = live_text(&app);
    let unknown_edition = format!("/api/authoring/editions/sha256:{}", "0".repeat(64));
    // Signed in but not an analyst: 403 everywhere — also for what does not
    // exist, which an analyst gets a 404 for.
    for login in ["supervisor", "kyzylorda-city.head"] {
        let mut other = app.client(login).await;
        for path in [
            "/api/authoring/check",
            "/api/authoring/preview",
            "/api/authoring/editions",
        ] {
            let (status, reply) = other.post(path, json!({"text": text})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{login} {path}: {reply}");
            assert_eq!(reply["error"]["code"], "forbidden");
        }
        for path in [
            "/api/authoring/editions".to_owned(),
            unknown_edition.clone(),
            "/authoring".to_owned(),
            format!("/authoring/{REG}"),
            "/authoring/no/such-regulation".to_owned(),
        ] {
            let reply = other.get(&path).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{login} {path}");
        }
        let csrf = other.csrf.clone();
        let reply = other
            .form(
                &format!("/authoring/{REG}"),
                &[
                    ("csrf", &csrf),
                    ("text", &edited(&text)),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
    }
    let mut citizen = app.client(&app.citizen(0)).await;
    let (status, _) = citizen
        .post("/api/authoring/editions", json!({"text": edited(&text)}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Without a session: 401 from the API, the sign-in page for pages.
    let mut anonymous = app.anonymous();
    let (status, _) = anonymous
        .post("/api/authoring/check", json!({"text": text}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let page = anonymous.get(&format!("/authoring/{REG}")).await;
    assert_eq!(page.headers["location"], "/login");
    // The analyst's session without its CSRF token: refused.
    let mut analyst = app.client(qyzmet_web::demo::ANALYST).await;
    let token = std::mem::take(&mut analyst.csrf);
    let (status, reply) = analyst
        .post("/api/authoring/editions", json!({"text": edited(&text)}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(reply["error"]["code"], "csrf");
    analyst.csrf = token;
    // The analyst gets 404 for what does not exist.
    assert_eq!(
        analyst.get("/authoring/no/such-regulation").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        analyst.get(&unknown_edition).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        analyst
            .get(&format!(
                "/authoring/{REG}?edition=sha256:{}",
                "0".repeat(64)
            ))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        app.state
            .runtime
            .store
            .docs(qyzmet_web::authoring::EDITIONS, 10)
            .unwrap()
            .is_empty(),
        "nobody saved anything"
    );
}
