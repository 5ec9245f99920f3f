//! Two processes on one PostgreSQL claim and fire the same 500 timers; each
//! timer is claimed by one of them only and fired exactly once.

use std::collections::{BTreeSet, HashMap};
use std::process::{Command, Stdio};

use qyzmet_storage::record::{Batch, NewEvent, ProjectionOp, TimerRow};
use qyzmet_store::{PostgresStore, Store};
use serde_json::json;

use crate::common::{fresh_pg_database, ts};

const CASES: usize = 50;
const TIMERS_PER_CASE: usize = 10;

#[test]
fn two_workers_fire_each_timer_once() {
    let Some((admin_url, db_url, db_name)) = fresh_pg_database() else {
        return;
    };
    let store = PostgresStore::connect(&db_url).unwrap();
    let batches: Vec<Batch> = (0..CASES)
        .map(|c| {
            let case_id = format!("case-{c:02}");
            Batch {
                case_id: case_id.clone(),
                expected_seq: 0,
                idempotency_key: None,
                events: vec![NewEvent {
                    seq: 1,
                    kind: "case_submitted".into(),
                    payload: json!({}).into(),
                    at: ts("2025-03-03T04:00:00Z"),
                }],
                ops: (0..TIMERS_PER_CASE)
                    .map(|t| {
                        ProjectionOp::SetTimer(TimerRow {
                            timer_id: format!("{case_id}-timer-{t}"),
                            case_id: case_id.clone(),
                            due: ts("2025-03-04T04:00:00Z"),
                            kind: "step_overdue".into(),
                            payload: json!({ "t": t }),
                        })
                    })
                    .collect(),
                evidence: Vec::new(),
            }
        })
        .collect();
    assert!(store.append_many(&batches).iter().all(Result::is_ok));

    let dir = tempfile::tempdir().unwrap();
    let go = dir.path().join("go");
    let spawn = |worker: &str| {
        Command::new(env!("CARGO_BIN_EXE_qyzmet-store-helper"))
            .args([
                "timer-worker",
                &db_url,
                worker,
                "2025-03-05T00:00:00Z",
                go.to_str().unwrap(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap()
    };
    let workers = [spawn("w1"), spawn("w2")];
    std::fs::write(&go, b"go").unwrap();
    let mut claimed: Vec<BTreeSet<String>> = Vec::new();
    for worker in workers {
        let output = worker.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "worker failed: {:?}",
            output.status
        );
        let text = String::from_utf8(output.stdout).unwrap();
        let ids: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("claimed "))
            .collect();
        let set: BTreeSet<String> = ids.iter().map(|s| s.to_string()).collect();
        assert_eq!(set.len(), ids.len(), "a worker claimed a timer twice");
        claimed.push(set);
    }
    eprintln!(
        "w1 claimed {}, w2 claimed {}",
        claimed[0].len(),
        claimed[1].len()
    );
    assert!(
        claimed[0].is_disjoint(&claimed[1]),
        "both workers claimed {:?}",
        claimed[0].intersection(&claimed[1])
    );
    assert_eq!(claimed[0].len() + claimed[1].len(), CASES * TIMERS_PER_CASE);
    assert!(
        !claimed[0].is_empty() && !claimed[1].is_empty(),
        "the workers did not run concurrently"
    );

    let mut fired: HashMap<String, u32> = HashMap::new();
    let mut after = 0;
    loop {
        let page = store.events_since(after, 1000).unwrap();
        let Some(last) = page.last() else { break };
        after = last.global_seq;
        for event in page.iter().filter(|e| e.kind == "timer_fired") {
            *fired
                .entry(event.payload["timer_id"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    assert_eq!(fired.len(), CASES * TIMERS_PER_CASE);
    assert!(fired.values().all(|&n| n == 1), "a timer fired twice");
    assert_eq!(store.next_timer_due().unwrap(), None);
    assert!(store.verify().unwrap().is_clean());

    drop(store);
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap();
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"));
}
