//! A child process for the store's crash and two-process tests.
//!
//! ```text
//! qyzmet-store-helper crash-writer SQLITE_PATH ROUND [RETRY_KEY ...]
//! qyzmet-store-helper timer-worker DB_URL WORKER_ID NOW [GO_FILE]
//! ```
//!
//! `crash-writer` appends batches in a loop (single appends and groups) and
//! prints `ack KEY` only after the append returned success; the test kills it
//! with SIGKILL at random points. Keys given as `RETRY_KEY` are submitted
//! again first (a client retrying after a crash).
//!
//! `timer-worker` claims due timers and fires each with a batch whose
//! idempotency key is the timer id and which cancels the timer; it prints
//! `claimed ID` and `fired ID`. With `GO_FILE` it waits for that file to
//! exist first, so that two workers start together.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use qyzmet_storage::record::{
    Batch, CaseRow, CaseStatus, NewEvent, ProjectionOp, TaskRow, TaskStatus, TimerRow,
};
use qyzmet_store::{Store, StoreError};
use serde_json::json;

/// Bounds on the loops (the test kills the writer long before).
const WRITER_ITERATIONS_MAX: u64 = 1_000_000;
const WORKER_ROUNDS_MAX: u64 = 100_000;
const CONFLICT_RETRIES_MAX: u32 = 1_000;
const GROUP_SIZE: u64 = 8;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("crash-writer") if args.len() >= 3 => crash_writer(&args[1], &args[2], &args[3..]),
        Some("timer-worker") if args.len() == 4 || args.len() == 5 => {
            timer_worker(&args[1], &args[2], &args[3], args.get(4).map(String::as_str))
        }
        _ => Err("usage: qyzmet-store-helper crash-writer PATH ROUND [KEY...] | timer-worker URL WORKER NOW [GO_FILE]"
            .to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("qyzmet-store-helper: {message}");
            ExitCode::FAILURE
        }
    }
}

fn say(line: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| format!("stdout: {e}"))
}

fn at(i: u64) -> Timestamp {
    Timestamp::from_second(1_740_000_000 + i as i64).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The batch for key `r{round}-{i}`, decided on the case's log at `head`.
/// Everything but `expected_seq` follows from the key, so a retry after a
/// crash rebuilds the same command.
fn writer_batch(round: u64, i: u64, head: u64) -> Batch {
    let key = format!("r{round}-{i}");
    let case_id = case_for(round, i);
    let events: Vec<NewEvent> = (0..2)
        .map(|n| NewEvent {
            seq: head + 1 + n,
            kind: if head == 0 && n == 0 {
                "case_submitted".into()
            } else {
                "step_done".into()
            },
            payload: json!({ "key": key, "n": n }).into(),
            at: at(i),
        })
        .collect();
    let version = head + 2;
    let ops = vec![
        ProjectionOp::PutCase(CaseRow {
            case_id: case_id.clone(),
            regulation_id: "crash-test".into(),
            regulation_hash: "sha256:00".into(),
            service_id: "crash-test".into(),
            route: "portal".into(),
            provider_id: "p1".into(),
            applicant_id: "000000000000".into(),
            status: CaseStatus::InProgress,
            current_steps: vec![format!("step-{version}")],
            submitted_at: at(0),
            due: None,
            closed_at: None,
            result: None,
            version,
        }),
        ProjectionOp::PutTask(TaskRow {
            task_id: format!("{case_id}-task-{version}"),
            case_id: case_id.clone(),
            step_id: format!("step-{version}"),
            role: "executor".into(),
            unit: "u1".into(),
            assignee: None,
            status: TaskStatus::Open,
            created_at: at(i),
            due: Some(at(i + 86_400)),
            escalation: false,
            check: None,
        }),
        ProjectionOp::SetTimer(TimerRow {
            timer_id: format!("{case_id}-timer"),
            case_id: case_id.clone(),
            due: at(i + 86_400),
            kind: "step_overdue".into(),
            payload: json!({ "version": version }),
        }),
    ];
    Batch {
        case_id,
        expected_seq: head,
        idempotency_key: Some(key),
        events,
        ops,
        evidence: Vec::new(),
    }
}

/// Cases span rounds so that their logs grow across restarts.
fn case_for(round: u64, i: u64) -> String {
    format!("case-{}", (round * 7 + i) % 11)
}

fn parse_key(key: &str) -> Result<(u64, u64), String> {
    let bad = || format!("bad retry key {key:?}");
    let (round, i) = key
        .strip_prefix('r')
        .and_then(|rest| rest.split_once('-'))
        .ok_or_else(bad)?;
    Ok((
        round.parse().map_err(|_| bad())?,
        i.parse().map_err(|_| bad())?,
    ))
}

fn crash_writer(path: &str, round: &str, retry_keys: &[String]) -> Result<(), String> {
    let round: u64 = round.parse().map_err(|_| format!("bad round {round:?}"))?;
    let store = qyzmet_store::SqliteStore::open(path).map_err(|e| e.to_string())?;

    for key in retry_keys {
        let (key_round, i) = parse_key(key)?;
        let head = store
            .case_head(&case_for(key_round, i))
            .map_err(|e| e.to_string())?;
        store
            .append(&writer_batch(key_round, i, head))
            .map_err(|e| e.to_string())?;
        say(&format!("ack {key}"))?;
    }

    let mut i = 0;
    while i < WRITER_ITERATIONS_MAX {
        if (i / GROUP_SIZE).is_multiple_of(2) {
            let head = store
                .case_head(&case_for(round, i))
                .map_err(|e| e.to_string())?;
            store
                .append(&writer_batch(round, i, head))
                .map_err(|e| e.to_string())?;
            say(&format!("ack r{round}-{i}"))?;
            i += 1;
        } else {
            // Group commit; batches of one group may share a case.
            let mut heads: HashMap<String, u64> = HashMap::new();
            let mut batches = Vec::new();
            for j in i..i + GROUP_SIZE {
                let case_id = case_for(round, j);
                let head = match heads.get(&case_id) {
                    Some(head) => *head,
                    None => store.case_head(&case_id).map_err(|e| e.to_string())?,
                };
                let batch = writer_batch(round, j, head);
                heads.insert(case_id, head + batch.events.len() as u64);
                batches.push(batch);
            }
            for (j, result) in (i..).zip(store.append_many(&batches)) {
                result.map_err(|e| e.to_string())?;
                say(&format!("ack r{round}-{j}"))?;
            }
            i += GROUP_SIZE;
        }
    }
    Ok(())
}

fn timer_worker(
    url: &str,
    worker_id: &str,
    now: &str,
    go_file: Option<&str>,
) -> Result<(), String> {
    let now: Timestamp = now.parse().map_err(|e| format!("bad NOW: {e}"))?;
    let store = qyzmet_store::open(url).map_err(|e| e.to_string())?;
    if let Some(go_file) = go_file {
        let mut waited = 0;
        while !std::path::Path::new(go_file).exists() {
            std::thread::sleep(Duration::from_millis(2));
            waited += 1;
            if waited > 30_000 {
                return Err("go file never appeared".into());
            }
        }
    }
    let lease = SignedDuration::from_secs(600);
    for _ in 0..WORKER_ROUNDS_MAX {
        let timers = store
            .claim_due_timers(now, 4, worker_id, lease)
            .map_err(|e| e.to_string())?;
        if timers.is_empty() {
            return Ok(());
        }
        for timer in timers {
            say(&format!("claimed {}", timer.timer_id))?;
            fire(store.as_ref(), &timer, worker_id, now)?;
            say(&format!("fired {}", timer.timer_id))?;
        }
    }
    Err("too many rounds".into())
}

fn fire(
    store: &dyn Store,
    timer: &TimerRow,
    worker_id: &str,
    now: Timestamp,
) -> Result<(), String> {
    for _ in 0..CONFLICT_RETRIES_MAX {
        let head = store.case_head(&timer.case_id).map_err(|e| e.to_string())?;
        let batch = Batch {
            case_id: timer.case_id.clone(),
            expected_seq: head,
            idempotency_key: Some(timer.timer_id.clone()),
            events: vec![NewEvent {
                seq: head + 1,
                kind: "timer_fired".into(),
                payload: json!({ "timer_id": timer.timer_id, "worker": worker_id }).into(),
                at: now,
            }],
            ops: vec![ProjectionOp::CancelTimer {
                timer_id: timer.timer_id.clone(),
            }],
            evidence: Vec::new(),
        };
        match store.append(&batch) {
            Ok(_) => return Ok(()),
            // Another worker fired a timer of the same case meanwhile.
            Err(StoreError::Conflict { .. }) => continue,
            Err(error) => return Err(error.to_string()),
        }
    }
    Err(format!("timer {}: too many conflicts", timer.timer_id))
}
