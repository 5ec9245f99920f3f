//! A primary crash under two real `qyzmet serve` processes
//! (docs/operations.md, "Two servers through a failover").
//!
//! `serve_nodes_ride_out_a_primary_crash`: the pair of
//! scripts/pg-ha-cluster (a primary and its synchronous streaming replica),
//! two `qyzmet serve --demo` processes on its multi-host URL
//! (`target_session_attrs=read-write`), and load through both servers' HTTP
//! APIs: citizens file signed portal applications (`POST /api/drafts`, sign
//! with the demo key, `POST /api/drafts/{draft}/submit`; the draft id is the
//! idempotency key) and the executor decides the step the gateway
//! simulator's answer opens (`POST /api/tasks/{task}/complete` with an
//! `idempotency_key`). Every request that fails (the server's store lost its
//! connection: 5xx, or the HTTP request broke) is retried with the same key
//! until it is acknowledged. Alongside, the test files cases with a clock
//! set back 60 days, whose timers are due at once; the servers' timer loops
//! fire them.
//!
//! The primary is SIGKILLed mid-load and the replica promoted; the servers
//! are NOT restarted. Both must acknowledge writes again within
//! [`RECOVERY_MAX`] of the promotion. Then, on the new primary: every
//! acknowledged submission and completion is there exactly once and nothing
//! else is (the store's cases and completions are the acknowledged ones),
//! sequences are gapless, every due timer fired exactly once (also those
//! leased when the primary died), `qyzmet audit verify` is clean, and both
//! server processes are the ones started at the beginning.
//!
//! Needs the PostgreSQL server binaries, like `failover.rs`.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{
    Cluster, Log, REGULATION, RETRY_MAX, all_events, catalog, check_no_duplicates, free_port,
    multi_host, node, run_until_acknowledged_at, submission,
};
use jiff::{Timestamp, ToSpan};
use qyzmet_calendar::Calendar;
use serde_json::{Value, json};

const PROVIDER: &str = "kyzylorda-city";
const EXECUTOR: &str = "kyzylorda-city.executor";
/// Demo citizens (`serve --demo` makes them and their signing keys).
const CITIZENS: [&str; 3] = ["900101300037", "850315400124", "780605100215"];
/// The portal route's decision after the gateway's answer.
const DECISION_STEP: &str = "p-2";
/// Both servers acknowledge writes again within this of the promotion.
const RECOVERY_MAX: Duration = Duration::from_secs(30);
/// Every due timer fired within this of the end of the load (a timer leased
/// by a server when the primary died waits out its 60 s lease).
const TIMERS_MAX: Duration = Duration::from_secs(120);

// ------------------------------------------------------------ servers

/// A `qyzmet serve` child, killed when dropped.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// Starts `qyzmet serve --demo` on `url`, with the data directory (the demo
/// CA) shared by both servers; returns once `/readyz` answers.
fn start_server(data: &Path, url: &str, log: PathBuf) -> Server {
    let addr = format!("127.0.0.1:{}", free_port());
    let child = Process::new(env!("CARGO_BIN_EXE_qyzmet"))
        .args(["serve", "--demo", "--addr", &addr, "--db", url])
        .arg("--data")
        .arg(data)
        .arg("--regulations")
        .arg(common::repo_root().join("regulations"))
        .args(["--timer-interval", "1", "--outbox-interval-ms", "200"])
        .env("QYZMET_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("QYZMET_LOG_JSON")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("qyzmet serve starts");
    let mut server = Server {
        child,
        base: format!("http://{addr}"),
        log,
    };
    let agent = agent();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!(
                "qyzmet serve ended ({status}) before it was ready:\n{}",
                log_tail(&server.log)
            );
        }
        if let Ok((200, _)) = call(
            &agent,
            "GET",
            &format!("{}/readyz", server.base),
            None,
            None,
        ) {
            return server;
        }
        assert!(
            Instant::now() < deadline,
            "qyzmet serve not ready within 120 s:\n{}",
            log_tail(&server.log)
        );
        thread::sleep(Duration::from_millis(100));
    }
}

// ------------------------------------------------------------ HTTP

#[derive(Clone, Debug)]
struct Session {
    cookie: String,
    csrf: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(20)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// One request; `Ok((status, body))` for any HTTP answer, `Err` when the
/// request broke.
fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    session: Option<&Session>,
    body: Option<&Value>,
) -> Result<(u16, String), String> {
    let result = if method == "GET" {
        let mut request = agent.get(url);
        if let Some(session) = session {
            request = request.header("Cookie", &session.cookie);
        }
        request.call()
    } else {
        let mut request = agent.post(url).header("Content-Type", "application/json");
        if let Some(session) = session {
            request = request
                .header("Cookie", &session.cookie)
                .header("X-CSRF-Token", &session.csrf);
        }
        let text = body.map(Value::to_string).unwrap_or_else(|| "{}".into());
        request.send(text.as_str())
    };
    let mut response = result.map_err(|error| error.to_string())?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .map_err(|error| format!("reading the answer: {error}"))?;
    Ok((status, text))
}

fn sign_in(agent: &ureq::Agent, base: &str, login: &str) -> Session {
    let body = json!({"login": login, "password": "demo"}).to_string();
    let mut response = agent
        .post(&format!("{base}/api/session"))
        .header("Content-Type", "application/json")
        .send(body.as_str())
        .unwrap();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("qz_session="))
        .and_then(|value| value.split(';').next())
        .map(str::to_owned);
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    assert_eq!(status, 200, "signing in as {login}: {text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    Session {
        cookie: cookie.expect("a qz_session cookie"),
        csrf: answer["csrf"].as_str().expect("a csrf token").to_owned(),
    }
}

/// The error code of an API error body.
fn error_code(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|value| value["error"]["code"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// What a client does after a failed request: retry it (the server's store
/// was unreachable, or the request broke) or give up (a refusal).
fn transient(status: u16, body: &str) -> bool {
    status >= 500 || (status == 409 && error_code(body) == "stale_version")
}

// ------------------------------------------------------------ the load

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Submission,
    Completion,
}

/// A write a server acknowledged (2xx).
#[derive(Clone, Debug)]
struct Ack {
    server: usize,
    kind: Kind,
    /// The draft id (submissions) or the task id (completions).
    key: String,
    case_id: String,
    /// Failed at least once before being acknowledged.
    retried: bool,
    at: Instant,
    /// The request, to post again (a client whose answer was lost).
    path: String,
    body: Value,
    session: Session,
}

#[derive(Default)]
struct Record {
    acks: Vec<Ack>,
    /// Requests (drafts too) that failed at least once and were retried.
    failures: usize,
    /// Failed attempts in all (every retry of every write).
    failed_attempts: usize,
    /// Answers no retry can mend (a refusal): the test fails.
    refusals: Vec<String>,
}

struct Client {
    server: usize,
    base: String,
    agent: ureq::Agent,
    session: Session,
    record: Arc<Mutex<Record>>,
}

impl Client {
    /// POSTs `body` until an answer with `expected` status, retrying
    /// failures with the same body (and so the same idempotency key).
    /// `None` after a refusal (recorded).
    fn post_until(&self, path: &str, body: &Value, expected: u16) -> Option<(Value, bool)> {
        let url = format!("{}{path}", self.base);
        let start = Instant::now();
        let mut failed = false;
        loop {
            let error = match call(&self.agent, "POST", &url, Some(&self.session), Some(body)) {
                Ok((status, text)) if status == expected => {
                    return Some((serde_json::from_str(&text).unwrap(), failed));
                }
                Ok((status, text)) if transient(status, &text) => format!("HTTP {status} {text}"),
                Ok((status, text)) => {
                    self.record.lock().unwrap().refusals.push(format!(
                        "server {} POST {path}: HTTP {status} {text} (after a failure: {failed})",
                        self.server
                    ));
                    return None;
                }
                Err(error) => error,
            };
            assert!(
                start.elapsed() < RETRY_MAX,
                "server {} POST {path} not acknowledged within {RETRY_MAX:?}: {error}",
                self.server
            );
            let mut record = self.record.lock().unwrap();
            record.failed_attempts += 1;
            if !failed {
                record.failures += 1;
            }
            drop(record);
            failed = true;
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn acknowledged(
        &self,
        kind: Kind,
        key: &str,
        answer: &Value,
        retried: bool,
        request: (String, Value),
    ) {
        self.record.lock().unwrap().acks.push(Ack {
            server: self.server,
            kind,
            key: key.to_owned(),
            case_id: answer["case_id"].as_str().unwrap().to_owned(),
            retried,
            at: Instant::now(),
            path: request.0,
            body: request.1,
            session: self.session.clone(),
        });
    }
}

/// A citizen filing signed portal applications, one after another.
fn citizen(client: &Client, key: &SigningKey, stop: &AtomicBool) {
    let request = json!({
        "regulation": REGULATION, "provider": PROVIDER, "route": "portal",
        "documents": ["identity-document"], "consent": true,
    });
    while !stop.load(Ordering::Relaxed) {
        // A draft is no command: a failed one is simply made again.
        let Some((draft, _)) = client.post_until("/api/drafts", &request, 201) else {
            return;
        };
        let id = draft["draft"].as_str().unwrap().to_owned();
        let data = base64::engine::general_purpose::STANDARD
            .decode(draft["data"].as_str().unwrap())
            .unwrap();
        let cms = qyzmet_pki::sign_cms(&data, &key.0, &key.1, false, Timestamp::now()).unwrap();
        let signature = json!({"signature": base64::engine::general_purpose::STANDARD.encode(cms)});
        let path = format!("/api/drafts/{id}/submit");
        let Some((case, retried)) = client.post_until(&path, &signature, 201) else {
            return;
        };
        client.acknowledged(Kind::Submission, &id, &case, retried, (path, signature));
    }
}

/// The executor deciding the open `p-2` tasks of the work list; `taken`
/// (shared by both servers' executors) gives each task to one of them.
fn executor(client: &Client, taken: &Mutex<HashSet<String>>, stop: &AtomicBool) {
    let url = format!("{}/api/tasks?limit=500", client.base);
    while !stop.load(Ordering::Relaxed) {
        let tasks = match call(&client.agent, "GET", &url, Some(&client.session), None) {
            Ok((200, text)) => serde_json::from_str::<Value>(&text).unwrap(),
            // The store is away: the next round reads again.
            _ => {
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        for task in tasks.as_array().into_iter().flatten() {
            if task["step"] != DECISION_STEP
                || task["status"] != "open"
                || task["escalation"] == true
            {
                continue;
            }
            let task_id = task["task_id"].as_str().unwrap().to_owned();
            if !taken.lock().unwrap().insert(task_id.clone()) {
                continue;
            }
            let path = task["task_path"].as_str().unwrap();
            let body =
                json!({"outcome": "complete", "idempotency_key": format!("decide:{task_id}")});
            let path = format!("/api/tasks/{path}/complete");
            let Some((case, retried)) = client.post_until(&path, &body, 200) else {
                continue;
            };
            client.acknowledged(Kind::Completion, &task_id, &case, retried, (path, body));
            if stop.load(Ordering::Relaxed) {
                return;
            }
        }
        thread::sleep(Duration::from_millis(100));
    }
}

type SigningKey = (
    openssl::x509::X509,
    openssl::pkey::PKey<openssl::pkey::Private>,
);

fn signing_key(data: &Path, login: &str) -> SigningKey {
    let path = data
        .join("demo-pki")
        .join("people")
        .join(format!("{login}-sign.p12"));
    let der = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let parsed = openssl::pkcs12::Pkcs12::from_der(&der)
        .unwrap()
        .parse2("demo")
        .unwrap();
    (parsed.cert.unwrap(), parsed.pkey.unwrap())
}

/// A server's log lines, without terminal colours.
fn log_lines(log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-letter
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain.lines().map(str::to_owned).collect()
}

/// `timers fired fired=N` lines of a server's log: (when, how many).
fn timer_rounds(log: &Path) -> Vec<(Timestamp, usize)> {
    log_lines(log)
        .iter()
        .filter(|line| line.contains("timers fired"))
        .filter_map(|line| {
            let at = line.split_whitespace().next()?.parse().ok()?;
            let fired = line.split("fired=").nth(1)?.split_whitespace().next()?;
            Some((at, fired.parse().ok()?))
        })
        .collect()
}

#[test]
fn serve_nodes_ride_out_a_primary_crash() {
    let test_started = Instant::now();
    let (port1, port2) = (free_port(), free_port());
    let cluster = Cluster::up(port1, port2);
    let url = multi_host(port1, port2);
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    // One after the other: the first installs the demo (accounts, CA), the
    // second finds it.
    let mut servers = Vec::new();
    for i in 0..2 {
        servers.push(start_server(
            &data,
            &url,
            work.path().join(format!("serve{i}.log")),
        ));
    }
    let started_servers = test_started.elapsed();

    let record = Arc::new(Mutex::new(Record::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let taken = Arc::new(Mutex::new(HashSet::new()));
    let keys: BTreeMap<&str, Arc<SigningKey>> = CITIZENS
        .iter()
        .map(|iin| (*iin, Arc::new(signing_key(&data, iin))))
        .collect();
    let mut threads = Vec::new();
    for (i, server) in servers.iter().enumerate() {
        let client = |login: &str| {
            let agent = agent();
            let session = sign_in(&agent, &server.base, login);
            Client {
                server: i,
                base: server.base.clone(),
                agent,
                session,
                record: Arc::clone(&record),
            }
        };
        for (c, iin) in CITIZENS.iter().enumerate() {
            if c == 2 && i == 1 {
                continue;
            }
            let (client, key, stop) = (client(iin), Arc::clone(&keys[iin]), Arc::clone(&stop));
            threads.push(thread::spawn(move || citizen(&client, &key, &stop)));
        }
        let (client, taken, stop) = (client(EXECUTOR), Arc::clone(&taken), Arc::clone(&stop));
        threads.push(thread::spawn(move || executor(&client, &taken, &stop)));
    }
    // Cases filed 60 days ago: their timers are due, for the servers' timer
    // loops to fire through the failover.
    let calendar = Calendar::kazakhstan();
    let seeder = Arc::new(node(&url, &catalog(&calendar)));
    let seeded = Arc::new(Mutex::new(Log::default()));
    let seeding = {
        let (seeder, seeded, stop) = (Arc::clone(&seeder), Arc::clone(&seeded), Arc::clone(&stop));
        thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let command = submission(&seeder, &format!("backdated-{n}"));
                run_until_acknowledged_at(&seeder, &command, Some(REGULATION), &seeded, || {
                    Timestamp::now().checked_sub(1440.hours()).unwrap()
                });
                thread::sleep(Duration::from_millis(100));
            }
        })
    };

    let load_started = Instant::now();
    thread::sleep(Duration::from_secs(5));
    let before_kill = record.lock().unwrap().acks.len();
    let killed = Instant::now();
    cluster.script(&["kill-primary"]);
    // A failover manager would take about this long to decide.
    thread::sleep(Duration::from_secs(1));
    cluster.script(&["promote"]);
    let promoted = Instant::now();
    let promoted_at = Timestamp::now();
    // Both servers write again by themselves, then a little more load.
    let first_after = |record: &Record, server: usize| {
        record
            .acks
            .iter()
            .filter(|ack| ack.server == server && ack.at > promoted)
            .map(|ack| ack.at)
            .min()
    };
    loop {
        let recovered = {
            let record = record.lock().unwrap();
            (0..2).all(|server| first_after(&record, server).is_some())
        };
        if recovered || promoted.elapsed() > RECOVERY_MAX {
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    for thread in threads {
        thread.join().expect("a client panicked");
    }
    seeding.join().expect("the seeder panicked");
    let load = load_started.elapsed();
    let record = Arc::try_unwrap(record).ok().unwrap().into_inner().unwrap();
    let seeded = Arc::try_unwrap(seeded).unwrap().into_inner().unwrap();
    for (i, server) in servers.iter_mut().enumerate() {
        assert!(
            server.child.try_wait().unwrap().is_none(),
            "server {i} ended:\n{}",
            log_tail(&server.log)
        );
    }
    assert!(
        record.refusals.is_empty(),
        "refused: {:#?}",
        record.refusals
    );
    let recovery: Vec<Instant> = (0..2)
        .map(|server| {
            first_after(&record, server).unwrap_or_else(|| {
                panic!(
                    "server {server} acknowledged no write within {RECOVERY_MAX:?} of the promotion:\n{}",
                    log_tail(&servers[server].log)
                )
            })
        })
        .collect();
    // Both kinds of write, on both servers: the completions after the
    // promotion also need the outbox (the gateway's answer opens the task).
    for (server, process) in servers.iter().enumerate() {
        for kind in [Kind::Submission, Kind::Completion] {
            assert!(
                record
                    .acks
                    .iter()
                    .any(|ack| ack.server == server && ack.kind == kind && ack.at > promoted),
                "server {server}: no {kind:?} acknowledged after the promotion:\n{}",
                log_tail(&process.log)
            );
        }
    }

    // A client whose answer was lost posts again, through the other server:
    // the same case comes back, and nothing new is stored (the checks on the
    // store below).
    let replay = agent();
    for server in 0..2 {
        for kind in [Kind::Submission, Kind::Completion] {
            let ack = record
                .acks
                .iter()
                .find(|ack| ack.server == server && ack.kind == kind)
                .unwrap();
            let url = format!("{}{}", servers[1 - server].base, ack.path);
            let (status, text) =
                call(&replay, "POST", &url, Some(&ack.session), Some(&ack.body)).unwrap();
            let expected = if kind == Kind::Submission { 201 } else { 200 };
            assert_eq!(
                status, expected,
                "{kind:?} {} posted again: {text}",
                ack.key
            );
            let answer: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(answer["case_id"].as_str(), Some(ack.case_id.as_str()));
        }
    }

    // The servers' timer loops fire every due timer, also those leased by a
    // server when the primary died (after their lease).
    let store = qyzmet_store::open(&format!("postgres://qyzmet@127.0.0.1:{port2}/qyzmet")).unwrap();
    let timers_started = Instant::now();
    loop {
        let now = Timestamp::now();
        match store.next_timer_due().unwrap() {
            Some(due) if due <= now => {}
            _ => break,
        }
        assert!(
            timers_started.elapsed() < TIMERS_MAX,
            "timers still due {TIMERS_MAX:?} after the load"
        );
        thread::sleep(Duration::from_millis(200));
    }
    let timers_drained = timers_started.elapsed();

    // On the new primary: every acknowledged write, once; nothing else.
    let events = all_events(store.as_ref());
    let (cases, timers_fired) = check_no_duplicates(&events);
    let mut lost = Vec::new();
    for ack in record
        .acks
        .iter()
        .filter(|ack| ack.kind == Kind::Submission)
    {
        match store.idempotency(&ack.key).unwrap() {
            Some(applied) if applied.case_id == ack.case_id => {}
            other => lost.push((ack.key.clone(), other)),
        }
    }
    for ack in &seeded.acks {
        match store.idempotency(&ack.key).unwrap() {
            Some(applied) if applied.case_id == ack.case_id => {}
            other => lost.push((ack.key.clone(), other)),
        }
    }
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let acked_cases: BTreeSet<String> = record
        .acks
        .iter()
        .filter(|ack| ack.kind == Kind::Submission)
        .map(|ack| ack.case_id.clone())
        .chain(seeded.acks.iter().map(|ack| ack.case_id.clone()))
        .collect();
    assert_eq!(
        acked_cases.len(),
        record
            .acks
            .iter()
            .filter(|ack| ack.kind == Kind::Submission)
            .count()
            + seeded.acks.len(),
        "an acknowledged submission answered another's case"
    );
    assert_eq!(
        cases, acked_cases,
        "the cases in the store are the acknowledged submissions"
    );
    let decided: BTreeSet<(String, String)> = events
        .iter()
        .filter(|event| event.kind == "task_completed" && event.payload["by"] == EXECUTOR)
        .filter_map(|event| {
            let task = event.payload["task_id"].as_str()?;
            Some((event.case_id.clone(), task.to_owned()))
        })
        .collect();
    let acked_completions: BTreeSet<(String, String)> = record
        .acks
        .iter()
        .filter(|ack| ack.kind == Kind::Completion)
        .map(|ack| (ack.case_id.clone(), ack.key.clone()))
        .collect();
    assert_eq!(
        acked_completions.len(),
        record
            .acks
            .iter()
            .filter(|ack| ack.kind == Kind::Completion)
            .count(),
        "a task acknowledged twice"
    );
    assert_eq!(
        decided, acked_completions,
        "the completions in the store are the acknowledged ones"
    );
    let fired_after_promotion = events
        .iter()
        .filter(|event| event.kind == "timer_fired" && event.at > promoted_at)
        .count();
    assert!(timers_fired > 0, "the backdated cases have due timers");
    assert!(
        fired_after_promotion > 0,
        "no timer fired after the promotion"
    );

    // `qyzmet audit verify` on the multi-host URL, as an operator would.
    let audit = Process::new(env!("CARGO_BIN_EXE_qyzmet"))
        .args(["audit", "verify", "--db", &url])
        .arg("--regulations")
        .arg(common::repo_root().join("regulations"))
        .output()
        .unwrap();
    assert!(
        audit.status.success(),
        "audit verify: {}{}",
        String::from_utf8_lossy(&audit.stdout),
        String::from_utf8_lossy(&audit.stderr)
    );
    let report: Value = serde_json::from_slice(&audit.stdout).unwrap();

    let count = |kind: Kind| record.acks.iter().filter(|ack| ack.kind == kind).count();
    let per_server: Vec<String> = (0..2)
        .map(|server| {
            let acks = record.acks.iter().filter(|ack| ack.server == server);
            let rounds = timer_rounds(&servers[server].log);
            let after: usize = rounds
                .iter()
                .filter(|(at, _)| *at > promoted_at)
                .map(|(_, n)| n)
                .sum();
            let total: usize = rounds.iter().map(|(_, n)| n).sum();
            format!(
                "server {server}: {} writes acknowledged, first write after the promotion {:.2} s after the kill \
                 ({:.3} s after the promotion), {total} timers fired ({after} after the promotion)",
                acks.count(),
                (recovery[server] - killed).as_secs_f64(),
                (recovery[server] - promoted).as_secs_f64(),
            )
        })
        .collect();
    // What the servers logged as errors, by message (the timestamp off).
    let mut server_errors: BTreeMap<String, usize> = BTreeMap::new();
    for server in &servers {
        for line in log_lines(&server.log) {
            if let Some((_, error)) = line.split_once(" ERROR ") {
                let error: String = error.chars().take(160).collect();
                *server_errors.entry(error).or_default() += 1;
            }
        }
    }
    eprintln!("errors logged by the servers:");
    for (error, count) in &server_errors {
        eprintln!("  {count} × {error}");
    }
    let server_errors: usize = server_errors.values().sum();
    eprintln!(
        "failover through two `qyzmet serve`: {} writes acknowledged over HTTP in {:.1} s ({} submissions, {} completions; \
         {before_kill} before the kill), lost 0, duplicates 0; {} requests failed during the outage ({} failed attempts) \
         and were retried with the same key ({} of them writes, acknowledged on retry), {server_errors} error lines in the servers' logs; \
         kill -> promoted {:.2} s; {}; {} backdated cases filed alongside; {timers_fired} timers fired once each \
         ({fired_after_promotion} after the promotion; none due {:.1} s after the load); {} cases, {} events, \
         audit verify clean ({} events); servers started in {:.1} s, test {:.1} s",
        record.acks.len(),
        load.as_secs_f64(),
        count(Kind::Submission),
        count(Kind::Completion),
        record.failures,
        record.failed_attempts,
        record.acks.iter().filter(|ack| ack.retried).count(),
        (promoted - killed).as_secs_f64(),
        per_server.join("; "),
        seeded.acks.len(),
        timers_drained.as_secs_f64(),
        cases.len(),
        events.len(),
        report["events_checked"],
        started_servers.as_secs_f64(),
        test_started.elapsed().as_secs_f64(),
    );
    drop(store);
    drop(seeder);
    drop(servers);
}
