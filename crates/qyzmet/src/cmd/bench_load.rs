//! `qyzmet bench load`: latency of a real `qyzmet serve` under an open load.
//!
//! The bench starts `qyzmet serve --demo` as a child process on a fresh
//! store (a temporary SQLite file, or the `--db` it is given), signs in the
//! demo staff of `kyzylorda-city` and offers a **fixed arrival rate** through
//! the HTTP API, stepping it up (`--rates`, `--step-seconds` each).
//!
//! Open loop: a scheduler thread hands each arrival to a pool of workers at
//! its scheduled instant, whatever the earlier answers take; latency is
//! measured from that scheduled instant to the end of the answer, so time
//! spent queueing (in the client's channel, the socket or the server) is
//! counted and coordinated omission cannot hide it.
//!
//! The mix is a working day of the Kyzylorda unemployed registration on the
//! provider's office route (`po-1` … `po-4`): every `k+1`-th arrival
//! (`--completions-per-submission k`, default 3) is a new application filed
//! by the executor (`POST /api/cases`), the others complete the oldest open
//! task known to the bench by the account holding its role: the executor's
//! `po-2` and `po-4` (`POST /api/tasks/{task}/complete`), the head's `po-3`,
//! which signs the notice (`GET …/result-to-sign`, a detached CMS signature
//! per file with the head's demo key, `POST …/sign-result`). Tasks are learnt
//! from the answers and from the work lists of the executor and the head,
//! which a poller reads every 250 ms (the state systems answer `po-2`'s
//! request through the server's outbox, so `po-3` opens later).

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use serde::Serialize;
use serde_json::{Value, json};

const REGULATION: &str = "kyzylorda/2015-141/unemployed-registration";
const PROVIDER: &str = "kyzylorda-city";
const ROUTE: &str = "provider_office";
const EXECUTOR: &str = "kyzylorda-city.executor";
const HEAD: &str = "kyzylorda-city.head";
/// Demo citizens (`--demo` makes them), applicants in turn.
const APPLICANTS: [&str; 3] = ["900101300037", "780605100215", "850315400124"];

#[derive(clap::Args)]
pub struct LoadBenchArgs {
    /// Offered arrival rates in requests per second, one step each, in this
    /// order (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "25,50,100,200,400,800")]
    pub rates: Vec<f64>,
    /// Length of each step, in seconds.
    #[arg(long, default_value_t = 10.0)]
    pub step_seconds: f64,
    /// A step "holds" its rate when p99 over all requests stays at or under
    /// this (and no request failed, and ≥ 95 % of the rate was achieved);
    /// the bench stops after the first step that does not.
    #[arg(long, default_value_t = 50.0)]
    pub p99_limit_ms: f64,
    /// Run every step of `--rates`, even after one that did not hold.
    #[arg(long)]
    pub no_stop: bool,
    /// Task completions per new application in the mix.
    #[arg(long, default_value_t = 3)]
    pub completions_per_submission: u32,
    /// Applications filed (closed loop, not measured) before the first step,
    /// so that open tasks are waiting when the load starts.
    #[arg(long, default_value_t = 300)]
    pub warmup_cases: usize,
    /// Worker threads, each with its own keep-alive connection; an arrival
    /// finding every worker busy waits (and the wait is counted).
    #[arg(long, default_value_t = 64)]
    pub workers: usize,
    /// The server's database: a `postgres://` URL of an EMPTY database, or
    /// a SQLite file path (default: a fresh SQLite file in a temporary
    /// directory).
    #[arg(long)]
    pub db: Option<String>,
    /// Passed to `serve --outbox-interval-ms` (how soon `po-2`'s request to
    /// the labour-market system is answered and `po-3` opens).
    #[arg(long, default_value_t = 500)]
    pub outbox_interval_ms: u64,
    /// Keep the temporary directory (server log, SQLite file) and say where.
    #[arg(long)]
    pub keep: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

// ------------------------------------------------------------ schedule

/// The scheduled arrival instants of one step, as offsets from its start:
/// `i / rate` for `i` in `0..rate × seconds`, whatever the answers take
/// (open loop).
pub fn arrival_offsets(rate: f64, seconds: f64) -> Vec<Duration> {
    if rate.is_nan() || seconds.is_nan() || rate <= 0.0 || seconds <= 0.0 {
        return Vec::new();
    }
    let count = (rate * seconds).round() as u64;
    (0..count)
        .map(|i| Duration::from_secs_f64(i as f64 / rate))
        .collect()
}

// ------------------------------------------------------------ HTTP

#[derive(Clone)]
struct Session {
    cookie: String,
    csrf: String,
}

fn new_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .max_idle_connections(4)
        .max_idle_connections_per_host(4)
        .build()
        .into()
}

/// One request; `Ok((status, body))` for any HTTP answer.
fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    session: Option<&Session>,
    body: Option<&Value>,
) -> Result<(u16, String), String> {
    let result = match (method, body) {
        ("GET", _) => {
            let mut request = agent.get(url);
            if let Some(session) = session {
                request = request.header("Cookie", &session.cookie);
            }
            request.call()
        }
        (_, body) => {
            let mut request = agent.post(url).header("Content-Type", "application/json");
            if let Some(session) = session {
                request = request
                    .header("Cookie", &session.cookie)
                    .header("X-CSRF-Token", &session.csrf);
            }
            let text = body.map(Value::to_string).unwrap_or_else(|| "{}".into());
            request.send(text.as_str())
        }
    };
    let mut response = result.map_err(|error| match error {
        ureq::Error::Timeout(_) => "timeout".to_owned(),
        error => format!("transport: {error}"),
    })?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .map_err(|error| format!("reading the answer: {error}"))?;
    Ok((status, text))
}

fn sign_in(agent: &ureq::Agent, base: &str, login: &str) -> anyhow::Result<Session> {
    let body = json!({"login": login, "password": "demo"}).to_string();
    let mut response = agent
        .post(&format!("{base}/api/session"))
        .header("Content-Type", "application/json")
        .send(body.as_str())
        .with_context(|| format!("signing in as {login}"))?;
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("qz_session="))
        .and_then(|value| value.split(';').next())
        .map(str::to_owned);
    let text = response.body_mut().read_to_string()?;
    if status != 200 {
        bail!("signing in as {login}: HTTP {status}: {text}");
    }
    let answer: Value = serde_json::from_str(&text)?;
    let csrf = answer["csrf"]
        .as_str()
        .with_context(|| format!("no csrf in the sign-in answer: {text}"))?
        .to_owned();
    let cookie = cookie.context("the sign-in answer set no qz_session cookie")?;
    Ok(Session { cookie, csrf })
}

/// The error code of an API error body, else the status.
fn error_label(status: u16, body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|value| value["error"]["code"].as_str().map(str::to_owned))
        .map(|code| format!("{status} {code}"))
        .unwrap_or_else(|| format!("HTTP {status}"))
}

// ------------------------------------------------------------ the mix

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Kind {
    /// `POST /api/cases` by the executor (an office application).
    Submit,
    /// `POST /api/tasks/{task}/complete` by the executor (`po-2`, `po-4`).
    Complete,
    /// The head's `po-3`: `GET result-to-sign`, sign, `POST sign-result`.
    Sign,
    /// The poller's `GET /api/tasks?limit=500` (closed loop, 4 a second).
    WorkList,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Submit => "submit",
            Kind::Complete => "complete",
            Kind::Sign => "sign",
            Kind::WorkList => "work list (poller)",
        }
    }
}

#[derive(Clone, Debug)]
struct ReadyTask {
    path: String,
    head: bool,
    outcome: Option<String>,
}

/// Open tasks the bench knows of and has not handed out yet.
#[derive(Default)]
struct Tasks {
    /// The executor's and the head's open tasks, oldest first.
    ready: Mutex<[VecDeque<ReadyTask>; 2]>,
    seen: Mutex<HashSet<String>>,
}

impl Tasks {
    /// Takes the open tasks of a case view or a work list.
    fn learn(&self, tasks: &Value) {
        let Some(tasks) = tasks.as_array() else {
            return;
        };
        for task in tasks {
            let (Some(id), Some(path), Some(role)) = (
                task["task_id"].as_str(),
                task["task_path"].as_str(),
                task["role"].as_str(),
            ) else {
                continue;
            };
            if task["status"].as_str().is_some_and(|s| s != "open") {
                continue;
            }
            let head = match role {
                "head" => true,
                "executor" => false,
                _ => continue,
            };
            if !self.seen.lock().unwrap().insert(id.to_owned()) {
                continue;
            }
            let outcome = task["outcomes"]
                .as_array()
                .and_then(|outcomes| outcomes.first())
                .and_then(|outcome| outcome["id"].as_str())
                .map(str::to_owned);
            self.ready.lock().unwrap()[usize::from(head)].push_back(ReadyTask {
                path: path.to_owned(),
                head,
                outcome,
            });
        }
    }

    /// The oldest open task, the head's for every third completion (a
    /// case has two executor tasks and one of the head's), the other
    /// account's when that one has none.
    fn take(&self, completion: usize) -> Option<ReadyTask> {
        let mut ready = self.ready.lock().unwrap();
        let first = usize::from(completion % 3 == 2);
        ready[first]
            .pop_front()
            .or_else(|| ready[1 - first].pop_front())
    }

    fn heads(&self) -> usize {
        self.ready.lock().unwrap()[1].len()
    }

    fn len(&self) -> usize {
        let ready = self.ready.lock().unwrap();
        ready[0].len() + ready[1].len()
    }
}

enum Job {
    Submit { applicant: &'static str },
    Task(ReadyTask),
}

struct Scheduled {
    step: usize,
    at: Instant,
    job: Job,
}

struct Sample {
    step: usize,
    kind: Kind,
    micros: u64,
    error: Option<String>,
}

struct Shared {
    base: String,
    executor: Session,
    head: Session,
    head_key: (
        openssl::x509::X509,
        openssl::pkey::PKey<openssl::pkey::Private>,
    ),
    tasks: Tasks,
}

/// Runs one job; `Err` is the failure's label.
fn run_job(agent: &ureq::Agent, shared: &Shared, job: &Job) -> (Kind, Result<(), String>) {
    let base = &shared.base;
    match job {
        Job::Submit { applicant } => {
            let body = json!({
                "regulation": REGULATION, "provider": PROVIDER, "route": ROUTE,
                "applicant": applicant, "documents": ["identity-document"], "consent": true,
            });
            let result = call(
                agent,
                "POST",
                &format!("{base}/api/cases"),
                Some(&shared.executor),
                Some(&body),
            )
            .and_then(|(status, text)| {
                if status != 201 {
                    return Err(error_label(status, &text));
                }
                if let Ok(case) = serde_json::from_str::<Value>(&text) {
                    shared.tasks.learn(&case["tasks"]);
                }
                Ok(())
            });
            (Kind::Submit, result)
        }
        Job::Task(task) if task.head => (Kind::Sign, sign(agent, shared, task)),
        Job::Task(task) => {
            let mut body = json!({});
            if let Some(outcome) = &task.outcome {
                body["outcome"] = json!(outcome);
            }
            let result = call(
                agent,
                "POST",
                &format!("{base}/api/tasks/{}/complete", task.path),
                Some(&shared.executor),
                Some(&body),
            )
            .and_then(|(status, text)| {
                if status != 200 {
                    return Err(error_label(status, &text));
                }
                if let Ok(case) = serde_json::from_str::<Value>(&text) {
                    shared.tasks.learn(&case["tasks"]);
                }
                Ok(())
            });
            (Kind::Complete, result)
        }
    }
}

/// The head signs the notice the way NCALayer would: each file, detached CMS.
fn sign(agent: &ureq::Agent, shared: &Shared, task: &ReadyTask) -> Result<(), String> {
    let base = &shared.base;
    let (status, text) = call(
        agent,
        "GET",
        &format!("{base}/api/tasks/{}/result-to-sign", task.path),
        Some(&shared.head),
        None,
    )?;
    if status != 200 {
        return Err(format!("result-to-sign {}", error_label(status, &text)));
    }
    let to_sign: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let engine = base64::engine::general_purpose::STANDARD;
    let (cert, key) = &shared.head_key;
    let mut signatures = Vec::new();
    for data in to_sign["data"].as_array().into_iter().flatten() {
        let pdf = engine
            .decode(data.as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        let der = qyzmet_pki::sign_cms(&pdf, cert, key, true, jiff::Timestamp::now())
            .map_err(|e| format!("signing: {e}"))?;
        signatures.push(engine.encode(der));
    }
    let (status, text) = call(
        agent,
        "POST",
        &format!("{base}/api/tasks/{}/sign-result", task.path),
        Some(&shared.head),
        Some(&json!({"issued_at": to_sign["issued_at"], "signatures": signatures})),
    )?;
    if status != 200 {
        return Err(format!("sign-result {}", error_label(status, &text)));
    }
    if let Ok(case) = serde_json::from_str::<Value>(&text) {
        shared.tasks.learn(&case["tasks"]);
    }
    Ok(())
}

// ------------------------------------------------------------ figures

#[derive(Clone, Debug, Default, Serialize)]
pub struct KindFigures {
    pub kind: String,
    pub count: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct StepReport {
    pub offered_per_second: f64,
    pub achieved_per_second: f64,
    pub arrivals: usize,
    pub completed: usize,
    /// Arrivals meant as a task completion that found no open task known
    /// to the bench and filed an application instead.
    pub no_task_ready: usize,
    pub errors: usize,
    pub errors_by_kind: BTreeMap<String, usize>,
    pub p99_all_ms: f64,
    pub kinds: Vec<KindFigures>,
    /// The poller's work-list reads during the step (not in the figures above).
    pub work_list: Option<KindFigures>,
    pub held: bool,
    /// PostgreSQL only: WAL fsyncs and committed transactions in the
    /// database during the step (`pg_stat_wal`, `pg_stat_database`).
    pub pg_wal_syncs: Option<i64>,
    pub pg_commits: Option<i64>,
    pub open_tasks_known_at_end: usize,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct LoadReport {
    pub store: String,
    pub workers: usize,
    pub step_seconds: f64,
    pub p99_limit_ms: f64,
    pub steps: Vec<StepReport>,
    /// The highest offered rate that held (p99 ≤ limit, no error, ≥ 95 %
    /// achieved).
    pub highest_rate_held: Option<f64>,
}

/// Exact percentile of sorted samples (nearest rank).
fn percentile(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1000.0
}

fn figures(kind: &str, mut micros: Vec<u64>, errors: usize) -> KindFigures {
    micros.sort_unstable();
    KindFigures {
        kind: kind.to_owned(),
        count: micros.len(),
        errors,
        p50_ms: percentile(&micros, 0.50),
        p99_ms: percentile(&micros, 0.99),
        p999_ms: percentile(&micros, 0.999),
        max_ms: micros.last().map(|&m| m as f64 / 1000.0).unwrap_or(0.0),
    }
}

// ------------------------------------------------------------ the server

struct Server {
    child: Child,
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
    lines[lines.len().saturating_sub(15)..].join("\n")
}

fn start_server(dir: &Path, db: Option<&str>, outbox_ms: u64) -> anyhow::Result<(Server, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let log = dir.join("serve.log");
    let mut command = std::process::Command::new(std::env::current_exe()?);
    command
        .args(["serve", "--demo", "--addr", &addr])
        .arg("--data")
        .arg(dir.join("data"))
        .args(["--outbox-interval-ms", &outbox_ms.to_string()])
        .env("QYZMET_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?);
    if let Some(db) = db {
        command.args(["--db", db]);
    }
    let child = command.spawn().context("cannot start `qyzmet serve`")?;
    let mut server = Server { child, log };
    let base = format!("http://{addr}");
    let agent = new_agent();
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        if let Some(status) = server.child.try_wait()? {
            bail!(
                "`qyzmet serve` ended ({status}) before it was ready; its log:\n{}",
                log_tail(&server.log)
            );
        }
        if let Ok((200, _)) = call(&agent, "GET", &format!("{base}/readyz"), None, None) {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "`qyzmet serve` was not ready within 180 s; its log:\n{}",
                log_tail(&server.log)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok((server, base))
}

/// PostgreSQL counters, through `psql` when it is installed (best effort).
fn pg_counters(db: Option<&str>) -> Option<(i64, i64)> {
    let url = db.filter(|db| db.starts_with("postgres"))?;
    let output = std::process::Command::new("psql")
        .args([
            url,
            "-Atc",
            "select (select wal_sync from pg_stat_wal), \
             (select xact_commit from pg_stat_database where datname = current_database())",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let (syncs, commits) = text.trim().split_once('|')?;
    Some((syncs.parse().ok()?, commits.parse().ok()?))
}

// ------------------------------------------------------------ run

pub fn run(args: LoadBenchArgs) -> anyhow::Result<ExitCode> {
    if args.rates.is_empty()
        || args
            .rates
            .iter()
            .any(|rate| !rate.is_finite() || *rate <= 0.0)
    {
        bail!("--rates takes positive requests per second, e.g. 25,50,100");
    }
    if !args.step_seconds.is_finite() || args.step_seconds <= 0.0 {
        bail!("--step-seconds must be positive");
    }
    if args.workers == 0 {
        bail!("--workers must be at least 1");
    }
    let dir = std::env::temp_dir().join(format!("qyzmet-bench-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run_in(&args, &dir);
    if args.keep {
        eprintln!("qyzmet: kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn run_in(args: &LoadBenchArgs, dir: &Path) -> anyhow::Result<ExitCode> {
    let store = match &args.db {
        Some(db) if db.starts_with("postgres") => "PostgreSQL".to_owned(),
        Some(db) => format!("SQLite (WAL, synchronous=FULL) {db}"),
        None => "SQLite (WAL, synchronous=FULL), fresh temporary file".to_owned(),
    };
    eprintln!("qyzmet: starting `qyzmet serve --demo` on {store}");
    let (server, base) = start_server(dir, args.db.as_deref(), args.outbox_interval_ms)?;
    let agent = new_agent();
    let executor = sign_in(&agent, &base, EXECUTOR)?;
    let head = sign_in(&agent, &base, HEAD)?;
    let p12 = dir
        .join("data")
        .join("demo-pki")
        .join("people")
        .join(format!("{HEAD}-sign.p12"));
    let p12 = std::fs::read(&p12).with_context(|| {
        format!(
            "the head's demo signing key {} (made by `serve --demo`)",
            p12.display()
        )
    })?;
    let parsed = openssl::pkcs12::Pkcs12::from_der(&p12)?.parse2("demo")?;
    let head_key = (
        parsed
            .cert
            .context("no certificate in the head's key file")?,
        parsed.pkey.context("no key in the head's key file")?,
    );
    let shared = Arc::new(Shared {
        base: base.clone(),
        executor,
        head,
        head_key,
        tasks: Tasks::default(),
    });

    // Warm-up: applications filed closed-loop by 8 threads, not measured.
    let warm_started = Instant::now();
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    std::thread::scope(|scope| {
        for thread in 0..8 {
            let shared = shared.clone();
            let failures = failures.clone();
            scope.spawn(move || {
                let agent = new_agent();
                let mut index = thread;
                while index < args.warmup_cases {
                    let job = Job::Submit {
                        applicant: APPLICANTS[index % APPLICANTS.len()],
                    };
                    if let (_, Err(error)) = run_job(&agent, &shared, &job) {
                        failures.lock().unwrap().push(error);
                        return;
                    }
                    index += 8;
                }
            });
        }
    });
    // A third of them one step on (`po-2` done), so that the head has
    // tasks to sign when the load starts, as on a working day.
    let advance: Vec<ReadyTask> = (0..args.warmup_cases / 3)
        .filter_map(|_| shared.tasks.take(0))
        .collect();
    for task in advance {
        if let (_, Err(error)) = run_job(&agent, &shared, &Job::Task(task)) {
            failures.lock().unwrap().push(error);
            break;
        }
    }
    if let Some(error) = failures.lock().unwrap().first() {
        bail!(
            "a warm-up request failed: {error}; the server's log:\n{}",
            log_tail(&server.log)
        );
    }
    eprintln!(
        "qyzmet: warm-up: {} applications in {:.1} s, {} open tasks known",
        args.warmup_cases,
        warm_started.elapsed().as_secs_f64(),
        shared.tasks.len()
    );

    // Workers and the poller.
    let (job_tx, job_rx) = mpsc::channel::<Scheduled>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (sample_tx, sample_rx) = mpsc::channel::<Sample>();
    let current_step = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for _ in 0..args.workers {
        let (shared, job_rx, sample_tx) = (shared.clone(), job_rx.clone(), sample_tx.clone());
        threads.push(std::thread::spawn(move || {
            let agent = new_agent();
            loop {
                let next = job_rx.lock().unwrap().recv();
                let Ok(scheduled) = next else { return };
                let (kind, result) = run_job(&agent, &shared, &scheduled.job);
                let _ = sample_tx.send(Sample {
                    step: scheduled.step,
                    kind,
                    micros: scheduled.at.elapsed().as_micros() as u64,
                    error: result.err(),
                });
            }
        }));
    }
    {
        let (shared, sample_tx, stop, current_step) = (
            shared.clone(),
            sample_tx.clone(),
            stop.clone(),
            current_step.clone(),
        );
        threads.push(std::thread::spawn(move || {
            poll_work_lists(&shared, &sample_tx, &stop, &current_step)
        }));
    }
    drop(sample_tx);
    // The advanced cases' `po-3` opens once the outbox has the answer; the
    // poller finds it.
    let waited = Instant::now();
    while shared.tasks.heads() < args.warmup_cases / 3 && waited.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    while sample_rx.try_recv().is_ok() {}
    eprintln!(
        "qyzmet: {} open tasks known ({} of the head's) when the load starts",
        shared.tasks.len(),
        shared.tasks.heads()
    );

    let mut report = LoadReport {
        store,
        workers: args.workers,
        step_seconds: args.step_seconds,
        p99_limit_ms: args.p99_limit_ms,
        ..LoadReport::default()
    };
    let mut applicant = 0usize;
    let mut completions = 0usize;
    for (index, &rate) in args.rates.iter().enumerate() {
        let step = index + 1;
        current_step.store(step, Ordering::Relaxed);
        let offsets = arrival_offsets(rate, args.step_seconds);
        let pg_before = pg_counters(args.db.as_deref());
        let mut no_task_ready = 0;
        let start = Instant::now() + Duration::from_millis(20);
        for (i, offset) in offsets.iter().enumerate() {
            let at = start + *offset;
            let now = Instant::now();
            if at > now {
                std::thread::sleep(at - now);
            }
            let submission = i % (args.completions_per_submission as usize + 1) == 0;
            if !submission {
                completions += 1;
            }
            let job = match (!submission)
                .then(|| shared.tasks.take(completions))
                .flatten()
            {
                Some(task) => Job::Task(task),
                None => {
                    if !submission {
                        no_task_ready += 1;
                    }
                    applicant += 1;
                    Job::Submit {
                        applicant: APPLICANTS[applicant % APPLICANTS.len()],
                    }
                }
            };
            job_tx
                .send(Scheduled { step, at, job })
                .map_err(|_| anyhow::anyhow!("the workers are gone"))?;
        }
        // Every arrival of the step answered (or 60 s passed).
        let mut samples: Vec<Sample> = Vec::new();
        let mut work_list: Vec<Sample> = Vec::new();
        let mut last_end = Instant::now();
        let drain_deadline = Instant::now() + Duration::from_secs(60);
        while samples.len() < offsets.len() {
            let left = drain_deadline.saturating_duration_since(Instant::now());
            match sample_rx.recv_timeout(left) {
                Ok(sample) if sample.kind == Kind::WorkList => work_list.push(sample),
                Ok(sample) if sample.step == step => {
                    last_end = Instant::now();
                    samples.push(sample);
                }
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => bail!("the workers ended"),
            }
        }
        while let Ok(sample) = sample_rx.try_recv() {
            if sample.kind == Kind::WorkList {
                work_list.push(sample);
            }
        }
        let pg_after = pg_counters(args.db.as_deref());
        let lost = offsets.len() - samples.len();
        let elapsed = last_end.saturating_duration_since(start).as_secs_f64();
        let mut step_report = summarize(rate, &offsets, samples, work_list, elapsed);
        step_report.no_task_ready = no_task_ready;
        if lost > 0 {
            step_report.errors += lost;
            *step_report
                .errors_by_kind
                .entry("no answer within 60 s".into())
                .or_default() += lost;
        }
        if let (Some(before), Some(after)) = (pg_before, pg_after) {
            step_report.pg_wal_syncs = Some(after.0 - before.0);
            step_report.pg_commits = Some(after.1 - before.1);
        }
        step_report.open_tasks_known_at_end = shared.tasks.len();
        step_report.held = step_report.errors == 0
            && step_report.p99_all_ms <= args.p99_limit_ms
            && step_report.achieved_per_second >= 0.95 * rate;
        progress(step, args.rates.len(), &step_report);
        let held = step_report.held;
        if held {
            report.highest_rate_held = Some(rate);
        }
        report.steps.push(step_report);
        if !held && !args.no_stop {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    drop(job_tx);
    for thread in threads {
        let _ = thread.join();
    }
    let server_errors = std::fs::read_to_string(&server.log)
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains("ERROR") || line.contains("panicked"))
        .count();
    drop(server);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report, args);
    }
    if server_errors > 0 {
        eprintln!("qyzmet: the server logged {server_errors} error lines (see --keep)");
    }
    Ok(ExitCode::SUCCESS)
}

fn summarize(
    rate: f64,
    offsets: &[Duration],
    samples: Vec<Sample>,
    work_list: Vec<Sample>,
    elapsed: f64,
) -> StepReport {
    let mut by_kind: BTreeMap<Kind, (Vec<u64>, usize)> = BTreeMap::new();
    let mut errors_by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut all = Vec::with_capacity(samples.len());
    let mut errors = 0;
    for sample in &samples {
        let entry = by_kind.entry(sample.kind).or_default();
        entry.0.push(sample.micros);
        all.push(sample.micros);
        if let Some(error) = &sample.error {
            entry.1 += 1;
            errors += 1;
            *errors_by_kind
                .entry(format!("{}: {error}", sample.kind.name()))
                .or_default() += 1;
        }
    }
    all.sort_unstable();
    let work_list_errors = work_list.iter().filter(|s| s.error.is_some()).count();
    StepReport {
        offered_per_second: rate,
        achieved_per_second: if elapsed > 0.0 {
            samples.len() as f64 / elapsed
        } else {
            0.0
        },
        arrivals: offsets.len(),
        completed: samples.len(),
        errors,
        errors_by_kind,
        p99_all_ms: percentile(&all, 0.99),
        kinds: by_kind
            .into_iter()
            .map(|(kind, (micros, errors))| figures(kind.name(), micros, errors))
            .collect(),
        work_list: (!work_list.is_empty()).then(|| {
            figures(
                Kind::WorkList.name(),
                work_list.iter().map(|s| s.micros).collect(),
                work_list_errors,
            )
        }),
        ..StepReport::default()
    }
}

/// Reads the executor's and the head's work lists every 250 ms and learns
/// their open tasks (closed loop; timed separately).
fn poll_work_lists(
    shared: &Shared,
    samples: &Sender<Sample>,
    stop: &AtomicBool,
    step: &std::sync::atomic::AtomicUsize,
) {
    let agent = new_agent();
    while !stop.load(Ordering::Relaxed) {
        for session in [&shared.head, &shared.executor] {
            let started = Instant::now();
            let url = format!("{}/api/tasks?limit=500", shared.base);
            let error = match call(&agent, "GET", &url, Some(session), None) {
                Ok((200, text)) => {
                    if let Ok(list) = serde_json::from_str::<Value>(&text) {
                        shared.tasks.learn(&list);
                    }
                    None
                }
                Ok((status, text)) => Some(error_label(status, &text)),
                Err(error) => Some(error),
            };
            let _ = samples.send(Sample {
                step: step.load(Ordering::Relaxed),
                kind: Kind::WorkList,
                micros: started.elapsed().as_micros() as u64,
                error,
            });
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn progress(step: usize, steps: usize, report: &StepReport) {
    let kinds: Vec<String> = report
        .kinds
        .iter()
        .map(|kind| format!("{} {:.1}", kind.kind, kind.p99_ms))
        .collect();
    eprintln!(
        "qyzmet: step {step}/{steps}: offered {:.0}/s, achieved {:.1}/s; p99 {:.1} ms ({}); errors {}; {}",
        report.offered_per_second,
        report.achieved_per_second,
        report.p99_all_ms,
        kinds.join(", "),
        report.errors,
        if report.held { "held" } else { "NOT held" }
    );
    let _ = std::io::stderr().flush();
}

fn print_report(report: &LoadReport, args: &LoadBenchArgs) {
    println!("open-load latency of `qyzmet serve` (HTTP API)");
    println!("  store          {}", report.store);
    println!(
        "  mix            1 office application per {} task completions ({REGULATION}, {ROUTE})",
        args.completions_per_submission
    );
    println!(
        "  steps          {} s each, {} workers, latency from the scheduled arrival",
        report.step_seconds, report.workers
    );
    for step in &report.steps {
        println!();
        println!(
            "  {:.0} req/s offered: {:.1}/s achieved, {} of {} answered, {} errors, p99 {:.2} ms — {}",
            step.offered_per_second,
            step.achieved_per_second,
            step.completed,
            step.arrivals,
            step.errors,
            step.p99_all_ms,
            if step.held { "held" } else { "not held" }
        );
        println!(
            "    {:<20} {:>6} {:>6} {:>9} {:>9} {:>9} {:>9}",
            "kind", "count", "errors", "p50 ms", "p99 ms", "p99.9 ms", "max ms"
        );
        for kind in step.kinds.iter().chain(step.work_list.iter()) {
            println!(
                "    {:<20} {:>6} {:>6} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                kind.kind,
                kind.count,
                kind.errors,
                kind.p50_ms,
                kind.p99_ms,
                kind.p999_ms,
                kind.max_ms
            );
        }
        for (error, count) in &step.errors_by_kind {
            println!("    error: {error} × {count}");
        }
        if step.no_task_ready > 0 {
            println!(
                "    {} completions found no open task and filed an application instead",
                step.no_task_ready
            );
        }
        if let (Some(syncs), Some(commits)) = (step.pg_wal_syncs, step.pg_commits) {
            println!("    PostgreSQL: {syncs} WAL fsyncs, {commits} committed transactions");
        }
    }
    println!();
    match report.highest_rate_held {
        Some(rate) => println!(
            "  highest rate held with p99 ≤ {} ms: {rate:.0} req/s",
            report.p99_limit_ms
        ),
        None => println!(
            "  no rate held with p99 ≤ {} ms and no errors",
            report.p99_limit_ms
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_are_scheduled_by_the_clock_alone() {
        let offsets = arrival_offsets(100.0, 2.0);
        assert_eq!(offsets.len(), 200);
        assert_eq!(offsets[0], Duration::ZERO);
        assert_eq!(offsets[100], Duration::from_secs(1));
        // Evenly spaced at 1/rate: nothing depends on answers.
        for pair in offsets.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap.abs_diff(Duration::from_millis(10)) < Duration::from_micros(1));
        }
        assert!(arrival_offsets(0.0, 10.0).is_empty());
    }
}
