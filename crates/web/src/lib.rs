//! `qyzmet serve`: the HTTP API and the web application.
//!
//! One axum [`Router`] built by [`app`] from an [`AppState`], testable without
//! a socket (`tower::ServiceExt::oneshot`). The case engine and store are
//! synchronous; every handler that touches them runs on tokio's blocking pool
//! ([`AppState::blocking`]).
//!
//! - `api`: the JSON API under `/api`, described by the OpenAPI document at
//!   `/api/openapi.json` (generated from the handlers with `utoipa`).
//! - `pages`: the server-rendered pages (minijinja templates in
//!   `templates/`, embedded at build time; Kazakh by default).
//! - `auth`: accounts, argon2id passwords, signed session cookies, CSRF
//!   tokens and the login rate limit.
//! - `demo`: the demo providers, staff and applicants of `serve --demo`.
//!
//! Errors are one type, [`error::AppError`], with a stable code; a
//! middleware turns it into JSON for the API and into an HTML page elsewhere,
//! in the request's language. See `docs/web.md`.

pub mod api;
pub mod appeals;
pub mod auth;
pub mod authoring;
mod cache;
pub mod demo;
pub mod demo_pki;
mod directory;
mod document_parts;
mod documents;
pub mod error;
pub mod gateway;
pub mod i18n;
mod metrics;
pub mod monitoring;
pub mod notifications;
pub mod ops;
mod page;
mod pages;
mod receipts;
mod respond;
pub mod result_signing;
pub mod signing;
mod view;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderValue, header};
use axum_extra::extract::cookie::Key;
use jiff::Timestamp;
use qyzmet_calendar::Calendar;
use qyzmet_runtime::{Catalog, Runtime};
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::AppError;
pub use metrics::Metrics;

/// The largest request body accepted (an application with its attachments).
pub const BODY_MAX_BYTES: usize = 12 * 1024 * 1024;

/// Where the current time comes from (tests pin it).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub runtime: Arc<Runtime>,
    /// Signs session cookies; shared by every server on the same database.
    pub key: Key,
    /// Send cookies with `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
    pub limiter: Arc<auth::LoginLimiter>,
    pub metrics: Arc<Metrics>,
    pub templates: Arc<minijinja::Environment<'static>>,
    pub clock: Clock,
    pub caches: Arc<cache::Caches>,
    /// Trusted CAs for signed portal requests and certificate sign-in
    /// (none: citizens sign in by password only and cannot file portal
    /// requests, which must be signed).
    pub pki: Option<Arc<auth::Pki>>,
    /// The address pages ask NCALayer (or `qyzmet signer`) for signatures.
    pub ncalayer_url: String,
    /// The e-government gateway (none: requests become manual checks).
    pub gateway: Option<Arc<gateway::GatewayLink>>,
    /// The quality-monitoring fold of the event log (docs/monitoring.md).
    pub monitor: monitoring::SharedMonitor,
    /// E-mail and SMS to citizens (none: the cabinet only; docs/notifications.md).
    pub notify: notifications::SharedNotify,
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Key {
        state.key.clone()
    }
}

impl AppState {
    /// Builds the state over a runtime: reads (or creates, once for all
    /// servers sharing the database) the session signing key.
    pub fn new(runtime: Runtime, secure_cookies: bool, clock: Clock) -> anyhow::Result<AppState> {
        let key = auth::session_key(runtime.store.as_ref())?;
        let monitor = monitoring::new_monitor(&runtime);
        Ok(AppState {
            runtime: Arc::new(runtime),
            key,
            secure_cookies,
            limiter: Arc::new(auth::login_limiter()),
            metrics: Arc::new(Metrics::default()),
            templates: Arc::new(page::templates()),
            clock,
            caches: Arc::default(),
            pki: None,
            ncalayer_url: signing::NCALAYER_URL.to_owned(),
            gateway: None,
            monitor,
            notify: None,
        })
    }

    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Runs synchronous engine and store work off the async threads.
    pub async fn blocking<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&Runtime) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let runtime = self.runtime.clone();
        tokio::task::spawn_blocking(move || work(&runtime))
            .await
            .map_err(|error| AppError::internal(format!("worker: {error}")))?
    }
}

/// The whole application: API, pages, static files, health and metrics,
/// with the security headers and the body limit.
pub fn app(state: AppState) -> Router {
    // Pages may open a WebSocket to NCALayer and nowhere else.
    let csp = format!(
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self' {}; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        signing::csp_source(&state.ncalayer_url)
    );
    let csp = HeaderValue::from_str(&csp)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    let security_headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ];
    let mut router = Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .merge(authoring::routes())
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route("/readyz", axum::routing::get(readyz))
        .route("/metrics", axum::routing::get(metrics::handler))
        .route(
            "/cabinet/notifications/{id}/read",
            axum::routing::post(notifications::page_read),
        )
        .route(
            "/cabinet/cases/{case_id}",
            axum::routing::get(notifications::cabinet_case),
        )
        .route("/monitoring", axum::routing::get(monitoring::page))
        .route("/api/persons/{iin}", axum::routing::get(gateway::person))
        .route(
            "/api/powers-of-attorney",
            axum::routing::get(gateway::power_of_attorney),
        )
        .route(
            "/api/gateway/health",
            axum::routing::get(gateway::health_api),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            respond::render_errors,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::same_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_MAX_BYTES))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            BODY_MAX_BYTES,
        ));
    for (name, value) in security_headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router = router.layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        csp,
    ));
    router.with_state(state)
}

/// Ready when the store answers.
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> AppResult {
    state
        .blocking(|runtime| {
            runtime.store.case_head("readyz-probe")?;
            Ok(())
        })
        .await?;
    Ok(axum::response::IntoResponse::into_response("ready"))
}

pub type AppResult = Result<axum::response::Response, AppError>;

/// `qyzmet serve`'s settings.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    /// Holds the SQLite database when `db` is not given.
    pub data_dir: PathBuf,
    /// A `postgres://` URL or a SQLite path; default `<data_dir>/qyzmet.sqlite3`.
    pub db: Option<String>,
    /// Create the demo providers, staff and applicants.
    pub demo: bool,
    /// Regulation directory; default `./regulations`, else the bundled copy.
    pub regulations: Option<PathBuf>,
    pub secure_cookies: bool,
    /// How often due timers are fired.
    pub timer_interval: Duration,
    /// Trusted root and intermediate certificates (PEM or DER) and CRLs for
    /// signing in with an authentication certificate.
    pub trust_roots: Vec<PathBuf>,
    pub trust_intermediates: Vec<PathBuf>,
    pub crls: Vec<PathBuf>,
    /// Where pages ask NCALayer for signatures.
    pub ncalayer_url: String,
    /// How the state systems are reached.
    pub gateway: gateway::GatewaySetup,
    /// How often the outbox sends due requests.
    pub outbox_interval: Duration,
    /// E-mail and SMS to citizens; `--demo` runs an SMS simulator when no
    /// SMS provider is given.
    pub notify: qyzmet_runtime::notify::NotifyConfig,
}

/// Builds the certificate sign-in from files (roots, intermediates, CRLs).
pub fn load_pki(
    roots: &[PathBuf],
    intermediates: &[PathBuf],
    crls: &[PathBuf],
) -> anyhow::Result<Option<auth::Pki>> {
    if roots.is_empty() {
        return Ok(None);
    }
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))
    };
    let mut trust = qyzmet_pki::TrustStore::new();
    for path in roots {
        trust
            .add_roots(&read(path)?)
            .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
    }
    for path in intermediates {
        trust
            .add_intermediates(&read(path)?)
            .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
    }
    let mut cache = qyzmet_pki::CrlCache::default();
    for path in crls {
        cache
            .insert(&read(path)?)
            .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
    }
    let policy = qyzmet_pki::Policy {
        revocation: if crls.is_empty() {
            qyzmet_pki::RevocationPolicy::IfAvailable
        } else {
            qyzmet_pki::RevocationPolicy::Require
        },
        ..qyzmet_pki::Policy::default()
    };
    Ok(Some(auth::Pki {
        verifier: qyzmet_pki::Verifier::new(trust).with_policy(policy),
        crls: cache,
    }))
}

/// Runs the server until Ctrl-C or SIGTERM, then finishes the requests in
/// flight.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let calendar = Calendar::kazakhstan();
    let catalog = match &config.regulations {
        Some(dir) => Catalog::from_dir(dir, &calendar)
            .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", dir.display()))?,
        None => Catalog::default_for_cwd(&calendar)?,
    };
    for (name, error) in &catalog.skipped {
        tracing::warn!(file = %name, %error, "regulation skipped (run `qyzmet check`)");
    }
    let db = match &config.db {
        Some(db) => db.clone(),
        None => {
            std::fs::create_dir_all(&config.data_dir).map_err(|error| {
                anyhow::anyhow!("cannot create {}: {error}", config.data_dir.display())
            })?;
            config.data_dir.join("qyzmet.sqlite3").display().to_string()
        }
    };
    // Opening the store, reading the session key (and, on failure, dropping
    // the store) are synchronous: the PostgreSQL client blocks on a runtime
    // of its own, which is not allowed on an async thread.
    let secure_cookies = config.secure_cookies;
    let mut pki = load_pki(
        &config.trust_roots,
        &config.trust_intermediates,
        &config.crls,
    )?;

    let demo = config.demo;
    let (mut state, created) = tokio::task::spawn_blocking(move || {
        let store = qyzmet_store::open(&db)?;
        let mut runtime = Runtime::new(store, catalog, calendar);
        // The demo directory first, so that its providers' office hours
        // are read with the others'.
        let created = demo.then(|| demo::install(&runtime)).transpose()?;
        let hours = runtime.load_schedules()?;
        tracing::info!(providers = hours, "office hours loaded");
        anyhow::Ok((
            AppState::new(runtime, secure_cookies, Arc::new(Timestamp::now))?,
            created,
        ))
    })
    .await??;
    state.ncalayer_url = config.ncalayer_url.clone();
    if let Some(created) = created {
        tracing::info!(
            providers = created.providers,
            accounts = created.accounts,
            "demo data ready (password `{}`)",
            demo::PASSWORD
        );
        // The demo has its own certification authority, unless told otherwise.
        if pki.is_none() {
            let dir = config.data_dir.join("demo-pki");
            let runtime = state.runtime.clone();
            let ca = tokio::task::spawn_blocking(move || {
                let people = demo_pki::people(&runtime)?;
                demo_pki::install(&dir, &people, Timestamp::now())
            })
            .await??;
            eprintln!(
                "qyzmet: demo certificates in {} (password `{}`); sign like NCALayer with `qyzmet signer --p12 {}/<login>-sign.p12`",
                ca.dir.display(),
                demo_pki::P12_PASSWORD,
                ca.dir.join("people").display()
            );
            pki = Some(ca.pki);
        }
    }
    if pki.is_none() {
        tracing::warn!(
            "no trusted certificate authorities (--trust-root): portal requests cannot be signed and certificate sign-in is off"
        );
    }
    state.pki = pki.map(Arc::new);
    let notify = config.notify.clone();
    let demo_sms = config.demo;
    let link =
        tokio::task::spawn_blocking(move || notifications::connect(notify, demo_sms)).await??;
    match (&link.senders.email, &link.sms_simulator, &link.senders.sms) {
        (_, Some(simulator), _) => eprintln!(
            "qyzmet: SMS to citizens go to the SMS simulator at {} (docs/notifications.md)",
            simulator.url()
        ),
        (_, None, Some(_)) => tracing::info!("SMS provider configured"),
        _ => tracing::warn!("no SMS provider (--sms-url): SMS notifications wait"),
    }
    if link.senders.email.is_none() {
        tracing::warn!(
            "no SMTP server (--smtp): e-mail notifications wait; the cabinet has them all"
        );
    }
    state.notify = Some(Arc::new(link));
    let setup = config.gateway.clone();
    let runtime = state.runtime.clone();
    state.gateway = tokio::task::spawn_blocking(move || gateway::connect(&setup, &runtime))
        .await??
        .map(Arc::new);
    match &state.gateway {
        Some(link) if link.sim.is_some() => eprintln!(
            "qyzmet: state systems simulated by the gateway simulator at {} (docs/gateway.md)",
            link.client.url()
        ),
        Some(link) => tracing::info!(url = link.client.url(), "e-government gateway"),
        None => tracing::warn!(
            "no e-government gateway (--gateway URL): requests to state systems become manual checks"
        ),
    }
    let timers = tokio::spawn(fire_timers(state.clone(), config.timer_interval));
    let outbox = tokio::spawn(gateway::outbox_loop(state.clone(), config.outbox_interval));
    let reconciliation = tokio::spawn(gateway::reconciliation_loop(state.clone()));
    let follow = tokio::spawn(follow_log(state.clone(), config.outbox_interval));
    let runtime = state.runtime.clone();
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", config.addr))?;
    let local = listener.local_addr()?;
    tracing::info!(
        regulations = state.runtime.catalog.entries.len(),
        "serving on http://{local}"
    );
    eprintln!(
        "qyzmet: serving {} regulation(s) on http://{local}",
        state.runtime.catalog.entries.len()
    );
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    timers.abort();
    outbox.abort();
    reconciliation.abort();
    follow.abort();
    let _ = follow.await;
    let _ = timers.await;
    let _ = outbox.await;
    let _ = reconciliation.await;
    // The last handle on the store: the synchronous PostgreSQL client owns
    // a runtime of its own, which must not be dropped on an async thread.
    tokio::task::spawn_blocking(move || drop(runtime)).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Fires due timers (overdue steps, waits, case terms) every `interval`.
/// Several servers on one PostgreSQL share the work: each timer is leased by
/// one of them and fires once.
async fn fire_timers(state: AppState, interval: Duration) {
    let worker = format!("serve-{}", std::process::id());
    let mut ticker = tokio::time::interval(interval);
    loop {
        ticker.tick().await;
        match fire_due_timers(&state, &worker).await {
            Ok(0) => {}
            Ok(fired) => tracing::info!(fired, "timers fired"),
            Err(error) => tracing::warn!(code = error.code, "timer loop: {}", error.detail),
        }
    }
}

/// The follow-ups of the log, at the outbox's pace: cases reopened by
/// upheld appeals (docs/appeals.md), citizens' notifications
/// (docs/notifications.md), the monitoring fold (docs/monitoring.md).
async fn follow_log(state: AppState, interval: Duration) {
    let worker = format!("serve-{}", std::process::id());
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if let Err(error) = follow_appeals(&state).await {
            tracing::warn!(code = error.code, "appeal follow-up: {}", error.detail);
        }
        match notifications::round(&state, &worker).await {
            Ok((0, 0)) => {}
            Ok((created, sent)) => tracing::info!(created, sent, "notifications"),
            Err(error) => tracing::warn!(code = error.code, "notifications: {}", error.detail),
        }
        // Keeps the monitoring fold warm, so a report reads only the tail.
        let monitor = state.clone();
        if let Err(error) = state
            .blocking(move |_| monitoring::catch_up(&monitor))
            .await
        {
            tracing::warn!(code = error.code, "monitoring catch-up: {}", error.detail);
        }
    }
}

/// One round of the appeal follow-up (docs/appeals.md): reopens the cases
/// of appeals upheld since the last round; returns how many.
pub async fn follow_appeals(state: &AppState) -> Result<u64, AppError> {
    let now = state.now();
    state
        .blocking(move |runtime| {
            let mut reopened = 0;
            // Catch up page by page (a server that was down for long).
            for _ in 0..100 {
                let round = runtime.follow_appeals(now, 1000)?;
                reopened += round.reopened;
                for missed in &round.not_reopened {
                    tracing::warn!(
                        appeal = %missed.appeal,
                        case = %missed.about_case,
                        code = %missed.code,
                        "upheld appeal: the case could not be reopened; the appeal's officer acts by hand"
                    );
                }
                if round.reopened > 0 {
                    tracing::info!(reopened = round.reopened, "cases reopened by upheld appeals");
                }
                if round.events < 1000 {
                    break;
                }
            }
            Ok(reopened)
        })
        .await
}

/// One round of the timer loop: fires what is due at the state's clock.
pub async fn fire_due_timers(state: &AppState, worker: &str) -> Result<usize, AppError> {
    let now = state.now();
    let worker = worker.to_owned();
    state
        .blocking(move |runtime| {
            let fired = runtime
                .fire_due_timers(now, &worker, 1000)
                .map_err(AppError::from)?;
            // Drafts nobody signed within the hour.
            signing::purge_drafts(runtime, now, 100)?;
            Ok(fired)
        })
        .await
}

/// Structured logs (JSON lines on stderr when `QYZMET_LOG_JSON=1`). Log
/// lines carry codes, ids of cases and tasks, never IINs, names or form data.
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("QYZMET_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if std::env::var_os("QYZMET_LOG_JSON").is_some() {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // Already initialised (tests): keep the first subscriber.
    let _ = result;
}
