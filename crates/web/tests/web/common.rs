//! A test server without a socket: a fresh SQLite file, the bundled
//! regulations, the demo directory and a pinned clock; clients keep their
//! session cookie and CSRF token.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use jiff::Timestamp;
use qyzmet_calendar::Calendar;
use qyzmet_runtime::{Catalog, Runtime};
use qyzmet_web::{AppState, app, demo};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const REG: &str = "kyzylorda/2015-141/unemployed-registration";
pub const PROVIDER: &str = "kyzylorda-city";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The pinned clock, in seconds since the epoch; tests move it on.
    pub clock: Arc<std::sync::atomic::AtomicI64>,
    _dir: tempfile::TempDir,
}

/// One demo PKI for the whole test process (its CRLs are valid for a day
/// around `monday_morning`).
pub fn demo_pki() -> &'static qyzmet_pki::DemoPki {
    static PKI: std::sync::OnceLock<qyzmet_pki::DemoPki> = std::sync::OnceLock::new();
    PKI.get_or_init(|| qyzmet_pki::demo_pki(monday_morning()).unwrap())
}

/// A certificate of the demo PKI for the person with `iin`.
pub fn person_cert(iin: &str, purpose: qyzmet_pki::Purpose) -> qyzmet_pki::DemoCert {
    demo_pki()
        .issue_to(
            &qyzmet_pki::Holder {
                surname: "ТЕСТОВ",
                given_name: "ТЕСТ",
                patronymic: "",
                iin: qyzmet_core::Iin::parse(iin).unwrap(),
                organisation: None,
            },
            purpose,
        )
        .unwrap()
}

/// Signs `content` (CMS, attached) with `cert` at `at`, base64.
pub fn sign(content: &[u8], cert: &qyzmet_pki::DemoCert, at: Timestamp) -> String {
    use base64::Engine as _;
    let der = qyzmet_pki::sign_cms(content, &cert.cert, &cert.key, false, at).unwrap();
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// Monday 30 November 2026, 10:00 in Kazakhstan (UTC+5).
pub fn monday_morning() -> Timestamp {
    "2026-11-30T05:00:00Z".parse().unwrap()
}

impl TestApp {
    pub fn new() -> TestApp {
        TestApp::with(|_| {})
    }

    /// A test server with no gateway configured (as `serve` without
    /// `--gateway` or `--demo`).
    pub fn without_gateway() -> TestApp {
        TestApp::build(|_| {}, false)
    }

    /// A test server whose state is adjusted before the router is built.
    pub fn with(adjust: impl FnOnce(&mut AppState)) -> TestApp {
        TestApp::build(adjust, true)
    }

    fn build(adjust: impl FnOnce(&mut AppState), simulator: bool) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qyzmet.sqlite3");
        let store = qyzmet_store::open(path.to_str().unwrap()).unwrap();
        let calendar = Calendar::kazakhstan();
        let catalog = Catalog::bundled(&calendar);
        let runtime = Runtime::new(store, catalog, calendar);
        let clock = Arc::new(std::sync::atomic::AtomicI64::new(
            monday_morning().as_second(),
        ));
        let reading = clock.clone();
        let state = AppState::new(
            runtime,
            false,
            Arc::new(move || {
                Timestamp::from_second(reading.load(std::sync::atomic::Ordering::SeqCst)).unwrap()
            }),
        )
        .unwrap();
        let mut state = state;
        state.pki = Some(Arc::new(qyzmet_web::demo_pki::trust_of(demo_pki())));
        adjust(&mut state);
        demo::install(&state.runtime).unwrap();
        // The gateway simulator answers the cases' requests to the state
        // systems (after the demo data exist: its person database holds the
        // demo citizens); `settle` drives the outbox.
        if simulator {
            state.gateway = qyzmet_web::gateway::connect(
                &qyzmet_web::gateway::GatewaySetup::Simulator,
                &state.runtime,
            )
            .unwrap()
            .map(Arc::new);
        }
        TestApp {
            router: app(state.clone()),
            state,
            clock,
            _dir: dir,
        }
    }

    pub fn anonymous(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookie: None,
            csrf: String::new(),
        }
    }

    /// A signed-in client (every demo account's password is `demo`).
    pub async fn client(&self, login: &str) -> Client {
        let mut client = self.anonymous();
        let (status, body) = client
            .json(
                Method::POST,
                "/api/session",
                json!({"login": login, "password": demo::PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "sign in {login}: {body}");
        client.csrf = body["csrf"].as_str().unwrap().to_owned();
        client
    }

    /// Runs the outbox until no request is left to send: the state
    /// systems' answers take the cases on, as the server's outbox loop
    /// would.
    pub async fn settle(&self) {
        for _ in 0..20 {
            let round = qyzmet_web::gateway::run_outbox_round(&self.state, "test")
                .await
                .unwrap();
            if round.claimed == 0 {
                return;
            }
        }
        panic!("the outbox does not settle");
    }

    /// A case as `client` sees it now (`GET /api/cases/{id}`).
    pub async fn case(&self, client: &mut Client, case_id: &str) -> Value {
        let reply = client.get(&format!("/api/cases/{case_id}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        reply.json()
    }

    /// Moves the pinned clock to `at`.
    pub fn set_now(&self, at: &str) {
        let at: Timestamp = at.parse().unwrap();
        self.clock
            .store(at.as_second(), std::sync::atomic::Ordering::SeqCst);
    }

    pub fn case_count(&self) -> usize {
        self.state
            .runtime
            .store
            .cases(&qyzmet_store::CaseQuery {
                limit: 10_000,
                ..Default::default()
            })
            .unwrap()
            .len()
    }

    pub fn citizen(&self, index: usize) -> String {
        demo::applicant_iins()[index].clone()
    }

    pub fn now(&self) -> Timestamp {
        self.state.now()
    }
}

pub struct Client {
    pub router: Router,
    pub cookie: Option<String>,
    pub csrf: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

impl Client {
    pub async fn send(&mut self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for cookie in headers.get_all(header::SET_COOKIE) {
            let cookie = cookie.to_str().unwrap();
            if let Some(rest) = cookie.strip_prefix("qz_session=") {
                let value = rest.split(';').next().unwrap();
                self.cookie = if value.is_empty() {
                    None
                } else {
                    Some(format!("qz_session={value}"))
                };
            }
        }
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024)
            .await
            .unwrap()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn request(&self, method: Method, uri: &str) -> axum::http::request::Builder {
        let mut builder = Request::builder().method(method.clone()).uri(uri);
        if let Some(cookie) = &self.cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        if method != Method::GET {
            builder = builder.header("x-csrf-token", &self.csrf);
        }
        builder
    }

    pub async fn get(&mut self, uri: &str) -> Reply {
        let request = self.request(Method::GET, uri).body(Body::empty()).unwrap();
        self.send(request).await
    }

    pub async fn json(&mut self, method: Method, uri: &str, body: Value) -> (StatusCode, Value) {
        let request = self
            .request(method, uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let reply = self.send(request).await;
        (reply.status, reply.json())
    }

    pub async fn post(&mut self, uri: &str, body: Value) -> (StatusCode, Value) {
        self.json(Method::POST, uri, body).await
    }

    /// A form post as a browser sends it.
    pub async fn form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        let body = fields
            .iter()
            .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .request(Method::POST, uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }
}

pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Files a portal application for the unemployed registration as the
/// first demo citizen; returns the case view.
pub async fn portal_case(app: &TestApp) -> (Client, Value) {
    let mut citizen = app.client(&app.citizen(0)).await;
    let cert = person_cert(&app.citizen(0), qyzmet_pki::Purpose::Signing);
    let (status, case) = citizen
        .submit_signed(
            json!({"regulation": REG, "provider": PROVIDER, "documents": ["application"], "consent": true}),
            |data| sign(data, &cert, app.now()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    // The person database confirms the applicant (p-1-lookup).
    app.settle().await;
    let case = app
        .case(&mut citizen, case["case_id"].as_str().unwrap())
        .await;
    (citizen, case)
}

/// Posts a file to the public verification page (`/verify/{case}`, a
/// multipart form as the browser sends it); returns the page.
pub async fn verify_upload(client: &mut Client, case_id: &str, bytes: &[u8]) -> String {
    let boundary = "qyzmet-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"document.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = client
        .request(Method::POST, &format!("/verify/{case_id}?lang=en"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let reply = client.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.text()
}

impl Client {
    /// Completes a task that signs the result, as `login` (staff with a demo
    /// IIN) would through NCALayer: the files to sign, each signed (CMS,
    /// detached) with a key bound to the account's IIN, posted back.
    pub async fn sign_result(
        &mut self,
        app: &TestApp,
        login: &str,
        task: &str,
    ) -> (StatusCode, Value) {
        use base64::Engine as _;
        let iin = app
            .state
            .runtime
            .store
            .doc(qyzmet_web::auth::ACCOUNTS, login)
            .unwrap()
            .and_then(|account| account["iin"].as_str().map(str::to_owned))
            .expect("the account has an IIN");
        let cert = person_cert(&iin, qyzmet_pki::Purpose::Signing);
        let to_sign = self.get(&format!("/api/tasks/{task}/result-to-sign")).await;
        assert_eq!(to_sign.status, StatusCode::OK, "{}", to_sign.text());
        let to_sign = to_sign.json();
        let signatures: Vec<String> = to_sign["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|data| {
                let pdf = base64::engine::general_purpose::STANDARD
                    .decode(data.as_str().unwrap())
                    .unwrap();
                let der =
                    qyzmet_pki::sign_cms(&pdf, &cert.cert, &cert.key, true, app.now()).unwrap();
                base64::engine::general_purpose::STANDARD.encode(der)
            })
            .collect();
        self.post(
            &format!("/api/tasks/{task}/sign-result"),
            json!({"issued_at": to_sign["issued_at"], "signatures": signatures}),
        )
        .await
    }

    /// A portal request the way a page files it: a draft, its data signed by
    /// `signer`, the signature posted. The draft must be accepted.
    pub async fn submit_signed(
        &mut self,
        request: Value,
        signer: impl FnOnce(&[u8]) -> String,
    ) -> (StatusCode, Value) {
        use base64::Engine as _;
        let (status, draft) = self.post("/api/drafts", request).await;
        assert_eq!(status, StatusCode::CREATED, "draft: {draft}");
        let data = base64::engine::general_purpose::STANDARD
            .decode(draft["data"].as_str().unwrap())
            .unwrap();
        let signature = signer(&data);
        self.post(
            &format!("/api/drafts/{}/submit", draft["draft"].as_str().unwrap()),
            json!({ "signature": signature }),
        )
        .await
    }
}

/// The open task of a case at `step`, as a URL path segment.
pub fn task_at(case: &Value, step: &str) -> String {
    case["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|task| task["step"] == step)
        .unwrap_or_else(|| panic!("no open task at {step}: {case}"))["task_path"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Every `.rs` file under the crate's `src/` (the tests that read the
/// source: module shape, routed paths).
pub fn source_files() -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut out,
    );
    out
}

impl TestApp {
    /// The gateway simulator's data set (persons, powers of attorney).
    pub fn dataset(&self) -> qyzmet_gateway::sim::Dataset {
        self.state
            .gateway
            .as_ref()
            .expect("a gateway")
            .sim
            .as_ref()
            .expect("the simulator")
            .dataset()
            .clone()
    }
}
