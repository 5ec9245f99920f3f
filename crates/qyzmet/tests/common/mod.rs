//! What the failover drills share (`failover.rs`, `failover_serve.rs`):
//! the PostgreSQL pair of `scripts/pg-ha-cluster`, commands with
//! idempotency keys retried until acknowledged, and the checks on the new
//! primary's log (no duplicates, gapless sequences, timers fired once).
//!
//! Each test binary uses a part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use qyzmet_calendar::Calendar;
use qyzmet_engine::{Action, Actor, Applicant, Command, Grant, Provider};
use qyzmet_runtime::{Catalog, Runtime};

pub const REGULATION: &str = "kyzylorda/2015-141/unemployed-registration";
/// How long a writer retries one command before the test gives up.
pub const RETRY_MAX: Duration = Duration::from_secs(60);

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

/// The pair under a temporary directory, stopped (`down`) when dropped.
pub struct Cluster {
    dir: tempfile::TempDir,
}

impl Cluster {
    pub fn up(port1: u16, port2: u16) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let cluster = Cluster { dir };
        let urls = cluster.script(&["up", &port1.to_string(), &port2.to_string()]);
        assert_eq!(urls.lines().count(), 2, "{urls}");
        cluster
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `scripts/pg-ha-cluster COMMAND DIR ARGS…`; its stdout.
    pub fn script(&self, args: &[&str]) -> String {
        let mut all = vec![args[0], self.path().to_str().unwrap()];
        all.extend_from_slice(&args[1..]);
        let output = Process::new(repo_root().join("scripts/pg-ha-cluster"))
            .args(&all)
            .output()
            .expect("scripts/pg-ha-cluster runs");
        assert!(
            output.status.success(),
            "pg-ha-cluster {all:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Process::new(repo_root().join("scripts/pg-ha-cluster"))
            .args(["down", self.path().to_str().unwrap()])
            .status();
    }
}

/// A port nothing listens on now (the kernel's pick; other clusters on this
/// machine, such as the tests' own on 54329, keep theirs).
pub fn free_port() -> u16 {
    static TAKEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut taken = TAKEN.lock().unwrap();
        if !taken.contains(&port) {
            taken.push(port);
            return port;
        }
    }
}

pub fn multi_host(port1: u16, port2: u16) -> String {
    format!(
        "postgres://qyzmet@127.0.0.1:{port1},127.0.0.1:{port2}/qyzmet?target_session_attrs=read-write"
    )
}

pub fn catalog(calendar: &Calendar) -> Catalog {
    Catalog::from_dir(&repo_root().join("regulations"), calendar).unwrap()
}

pub fn node(url: &str, catalog: &Catalog) -> Runtime {
    let calendar = Calendar::kazakhstan();
    let store = qyzmet_store::open(url).unwrap();
    Runtime::new(store, catalog.clone(), calendar)
}

pub fn submission(runtime: &Runtime, case_id: &str) -> Command {
    let model = &runtime.catalog.by_id(REGULATION).unwrap().model;
    Command {
        case_id: case_id.into(),
        actor: Actor {
            user_id: "applicant".into(),
            grants: vec![],
        },
        idempotency_key: Some(format!("submit:{case_id}")),
        expected_version: None,
        action: Action::Submit {
            route: "provider_office".into(),
            applicant: Applicant {
                id: "900101300037".into(),
                region: "kyzylorda".into(),
                ..Applicant::default()
            },
            form: serde_json::json!({}),
            documents: Default::default(),
            provider: Provider {
                id: "p1".into(),
                region: "kyzylorda".into(),
                units: qyzmet_runtime::default_units(model, "p1"),
            },
            checks: Default::default(),
            signature: None,
            representative: None,
        },
    }
}

pub fn completion(case: &qyzmet_engine::Case) -> Option<Command> {
    let task = case.open_tasks().next()?;
    Some(Command {
        case_id: case.case_id.clone(),
        actor: Actor {
            user_id: "executor".into(),
            grants: vec![Grant {
                role: task.role.clone(),
                unit: task.unit.clone(),
            }],
        },
        idempotency_key: Some(format!("complete:{}:{}", case.case_id, task.task_id)),
        expected_version: None,
        action: Action::Complete {
            task_id: task.task_id.clone(),
            outcome: None,
            data: serde_json::Value::Null,
        },
    })
}

/// A command the store acknowledged.
#[derive(Clone, Debug)]
pub struct Ack {
    pub key: String,
    pub case_id: String,
    pub submission: bool,
    /// Failed at least once (connection broken) before being acknowledged.
    pub retried: bool,
    /// The retry found the first attempt applied (its commit had landed, its
    /// acknowledgement was lost with the connection).
    pub duplicate: bool,
    pub at: Instant,
}

#[derive(Debug, Default)]
pub struct Log {
    pub acks: Vec<Ack>,
    pub failures: usize,
    /// The longest a writer went from a failure to the acknowledgement.
    pub longest_outage: Duration,
}

/// Runs `command` until the store acknowledges it, retrying with the same
/// idempotency key after every error.
pub fn run_until_acknowledged(
    runtime: &Runtime,
    command: &Command,
    regulation: Option<&str>,
    log: &Mutex<Log>,
) -> qyzmet_engine::Case {
    run_until_acknowledged_at(runtime, command, regulation, log, Timestamp::now)
}

/// [`run_until_acknowledged`] at the instants `now` gives (a clock set back,
/// for commands whose timers are due at once).
pub fn run_until_acknowledged_at(
    runtime: &Runtime,
    command: &Command,
    regulation: Option<&str>,
    log: &Mutex<Log>,
    now: impl Fn() -> Timestamp,
) -> qyzmet_engine::Case {
    let start = Instant::now();
    let mut failed = false;
    loop {
        match runtime.run(command, regulation, now()) {
            Ok(outcome) => {
                let mut log = log.lock().unwrap();
                if failed {
                    log.longest_outage = log.longest_outage.max(start.elapsed());
                }
                log.acks.push(Ack {
                    key: command.idempotency_key.clone().unwrap(),
                    case_id: command.case_id.clone(),
                    submission: regulation.is_some(),
                    retried: failed,
                    duplicate: outcome.duplicate,
                    at: Instant::now(),
                });
                return outcome.case;
            }
            Err(error) => {
                assert!(
                    start.elapsed() < RETRY_MAX,
                    "{} not acknowledged within {RETRY_MAX:?}: {error}",
                    command.case_id
                );
                if !failed {
                    log.lock().unwrap().failures += 1;
                }
                failed = true;
                thread::sleep(Duration::from_millis(25));
            }
        }
    }
}

pub fn find_timer_id(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Object(map) => map
            .get("timer_id")
            .and_then(|v| v.as_str().map(str::to_owned))
            .or_else(|| map.values().find_map(find_timer_id)),
        serde_json::Value::Array(items) => items.iter().find_map(find_timer_id),
        _ => None,
    }
}

/// Everything in the log, page by page.
pub fn all_events(store: &dyn qyzmet_store::Store) -> Vec<qyzmet_storage::record::StoredEvent> {
    let mut events = Vec::new();
    loop {
        let last = events
            .last()
            .map_or(0, |e: &qyzmet_storage::record::StoredEvent| e.global_seq);
        let page = store.events_since(last, 1000).unwrap();
        if page.is_empty() {
            return events;
        }
        events.extend(page);
    }
}

/// No duplicates: every case's sequence gapless from 1, one submission per
/// case, each task completed at most once, each timer fired at most once.
/// Returns the cases and the number of timers fired.
pub fn check_no_duplicates(
    events: &[qyzmet_storage::record::StoredEvent],
) -> (BTreeSet<String>, usize) {
    let mut seqs: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    let mut submitted: HashMap<&str, usize> = HashMap::new();
    let mut completed: HashMap<String, usize> = HashMap::new();
    let mut fired: HashMap<String, usize> = HashMap::new();
    for event in events {
        seqs.entry(&event.case_id).or_default().push(event.seq);
        match event.kind.as_str() {
            "case_submitted" => *submitted.entry(&event.case_id).or_default() += 1,
            "task_completed" => {
                let task = event.payload["task_id"].as_str().unwrap_or_default();
                *completed
                    .entry(format!("{}/{task}", event.case_id))
                    .or_default() += 1;
            }
            "timer_fired" => {
                let timer = find_timer_id(&event.payload).expect("timer_fired names its timer");
                *fired.entry(timer).or_default() += 1;
            }
            _ => {}
        }
    }
    for (case_id, seqs) in &seqs {
        let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(seqs, &expected, "case {case_id}: sequence not gapless");
        assert_eq!(
            submitted.get(case_id),
            Some(&1),
            "case {case_id}: submissions"
        );
    }
    for (task, count) in &completed {
        assert_eq!(*count, 1, "task {task} completed {count} times");
    }
    for (timer, count) in &fired {
        assert_eq!(*count, 1, "timer {timer} fired {count} times");
    }
    (seqs.keys().map(|s| (*s).to_owned()).collect(), fired.len())
}
