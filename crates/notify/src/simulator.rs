//! An SMS provider simulator: the [`crate::sms`] protocol on an axum
//! server, idempotent on `client_id`, with injected faults.
//!
//! * `POST /sms` `{"client_id", "to", "text"}` → `200 {"id", "duplicate"}`.
//!   A `client_id` seen before is acknowledged (`duplicate: true`) and not
//!   counted again.
//! * Faults, drawn per request from a seeded generator: a share of
//!   requests answered `503` (nothing kept), and a share kept but answered
//!   only after [`Faults::timeout_delay_ms`] (the client times out although
//!   the provider has the message: the retry must be deduplicated).
//! * `GET /messages` lists what was kept, in arrival order.
//!
//! [`SmsSimulator::start`] runs it in-process on `127.0.0.1:0` on its own
//! thread (callable from synchronous code) and stops it on drop.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What goes wrong, and how often (shares in `0.0..=1.0`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Faults {
    /// Requests answered `503 Service Unavailable` without keeping them.
    pub error_rate: f64,
    /// Requests kept but answered late (after `timeout_delay_ms`).
    pub timeout_rate: f64,
    pub timeout_delay_ms: u64,
    /// Seed of the fault draws (a run is reproducible).
    pub seed: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            error_rate: 0.0,
            timeout_rate: 0.0,
            timeout_delay_ms: 2_000,
            seed: 1,
        }
    }
}

/// A message the simulated provider kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedSms {
    /// The provider's id (`sim-1`, `sim-2`, …).
    pub id: String,
    pub client_id: String,
    pub to: String,
    pub text: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatorStats {
    /// Every `POST /sms`, faulted or not.
    pub requests: u64,
    /// Answered `503`.
    pub errors: u64,
    /// Kept, answered late.
    pub timeouts: u64,
    /// Repeated `client_id`s acknowledged without keeping a copy.
    pub duplicates: u64,
}

#[derive(Debug)]
struct Inner {
    faults: Faults,
    rng: u64,
    messages: Vec<ReceivedSms>,
    by_client_id: HashMap<String, String>,
    stats: SimulatorStats,
}

type Shared = Arc<Mutex<Inner>>;

fn lock(shared: &Shared) -> MutexGuard<'_, Inner> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Inner {
    /// A draw in `[0, 1)` (xorshift64*).
    fn draw(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Keeps a message unless its client id was seen: `(provider id, duplicate)`.
    fn keep(&mut self, client_id: &str, to: &str, text: &str) -> (String, bool) {
        if let Some(id) = self.by_client_id.get(client_id) {
            self.stats.duplicates += 1;
            return (id.clone(), true);
        }
        let id = format!("sim-{}", self.messages.len() + 1);
        self.by_client_id.insert(client_id.to_owned(), id.clone());
        self.messages.push(ReceivedSms {
            id: id.clone(),
            client_id: client_id.to_owned(),
            to: to.to_owned(),
            text: text.to_owned(),
        });
        (id, false)
    }
}

/// A running simulator; stops when dropped.
pub struct SmsSimulator {
    addr: SocketAddr,
    shared: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for SmsSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSimulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl SmsSimulator {
    /// Starts on `127.0.0.1:0`.
    pub fn start(faults: Faults) -> std::io::Result<SmsSimulator> {
        SmsSimulator::start_on("127.0.0.1:0", faults)
    }

    /// Starts on `addr` (e.g. `0.0.0.0:8025` for a standalone simulator).
    pub fn start_on(addr: &str, faults: Faults) -> std::io::Result<SmsSimulator> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared: Shared = Arc::new(Mutex::new(Inner {
            rng: faults.seed.max(1),
            faults,
            messages: Vec::new(),
            by_client_id: HashMap::new(),
            stats: SimulatorStats::default(),
        }));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = router(shared.clone());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("sms-simulator".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => {
                            let _ = ready_tx.send(Ok(()));
                            listener
                        }
                        Err(error) => {
                            let _ = ready_tx.send(Err(error));
                            return;
                        }
                    };
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await;
                });
            })?;
        ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("simulator thread ended"))??;
        Ok(SmsSimulator {
            addr,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT` (the send endpoint is [`Self::send_url`]).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/sms`, for [`crate::HttpSmsConfig::url`].
    pub fn send_url(&self) -> String {
        format!("{}/sms", self.url())
    }

    /// What was kept, in arrival order (one per `client_id`).
    pub fn messages(&self) -> Vec<ReceivedSms> {
        lock(&self.shared).messages.clone()
    }

    pub fn stats(&self) -> SimulatorStats {
        lock(&self.shared).stats
    }

    /// Changes the faults of later requests (e.g. heal the provider).
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.shared).faults = faults;
    }
}

impl Drop for SmsSimulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route("/sms", post(send))
        .route("/messages", get(messages))
        .with_state(shared)
}

#[derive(Deserialize)]
struct SendBody {
    client_id: String,
    to: String,
    text: String,
}

async fn send(
    State(shared): State<Shared>,
    body: Result<Json<SendBody>, axum::extract::rejection::JsonRejection>,
) -> (StatusCode, Json<Value>) {
    let Ok(Json(body)) = body else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "expected {client_id, to, text}"})),
        );
    };
    if body.client_id.is_empty() || body.to.is_empty() || body.text.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "empty field"})),
        );
    }
    let (late, answer) = {
        let mut inner = lock(&shared);
        inner.stats.requests += 1;
        let draw = inner.draw();
        let faults = inner.faults.clone();
        if draw < faults.error_rate {
            inner.stats.errors += 1;
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"error": "simulated outage"})),
            );
        }
        let late = draw < faults.error_rate + faults.timeout_rate;
        if late {
            inner.stats.timeouts += 1;
        }
        let (id, duplicate) = inner.keep(&body.client_id, &body.to, &body.text);
        (
            late.then_some(Duration::from_millis(faults.timeout_delay_ms)),
            json!({"id": id, "duplicate": duplicate}),
        )
    };
    if let Some(delay) = late {
        tokio::time::sleep(delay).await;
    }
    (StatusCode::OK, Json(answer))
}

async fn messages(State(shared): State<Shared>) -> Json<Vec<ReceivedSms>> {
    Json(lock(&shared).messages.clone())
}
