//! Append throughput on SQLite with `synchronous=FULL`, single and grouped
//! commits. Prints plain figures first (appends/s, complete cases/s), then
//! runs the criterion benchmarks.
//!
//! ```text
//! cargo bench -p qyzmet-store --bench append
//! ```
//!
//! A "complete case" here is the store's share of one application from
//! submission to issued result: 6 commands (submit, 4 steps, issue) with 12
//! events and 21 projection/timer operations, each command its own batch.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use jiff::Timestamp;
use qyzmet_storage::record::{
    Batch, CaseRow, CaseStatus, NewEvent, ProjectionOp, RegistryRow, TaskRow, TaskStatus, TimerRow,
};
use qyzmet_store::{PostgresStore, SqliteStore, Store};
use serde_json::json;

const STAGES: u64 = 6;

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_740_000_000 + second).unwrap()
}

/// Command `stage` (0-based) of a case; `expected_seq` is 2 * stage.
fn command(case_id: &str, stage: u64) -> Batch {
    let expected_seq = stage * 2;
    let kinds: [&str; 2] = match stage {
        0 => ["case_submitted", "case_accepted"],
        s if s == STAGES - 1 => ["result_signed", "result_issued"],
        _ => ["task_completed", "step_entered"],
    };
    let events = kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| NewEvent {
            seq: expected_seq + 1 + i as u64,
            kind: (*kind).to_owned(),
            payload: json!({
                "step": format!("step-{stage}"),
                "officer": "officer-7",
                "outcome": "approve",
                "data": {"comment": "документы в порядке", "pages": 3}
            })
            .into(),
            at: at(stage as i64 * 3600),
        })
        .collect();
    let closed = stage == STAGES - 1;
    let case = CaseRow {
        case_id: case_id.to_owned(),
        regulation_id: "west-kazakhstan/2016-122/unemployed-registration".into(),
        regulation_hash: "sha256:5a1f0c".into(),
        service_id: "unemployed-registration".into(),
        route: "service_centre".into(),
        provider_id: "wko-employment-centre".into(),
        applicant_id: "900101300123".into(),
        status: if closed {
            CaseStatus::Completed
        } else {
            CaseStatus::InProgress
        },
        current_steps: if closed {
            vec![]
        } else {
            vec![format!("step-{}", stage + 1)]
        },
        submitted_at: at(0),
        due: Some(at(10 * 86_400)),
        closed_at: closed.then(|| at(stage as i64 * 3600)),
        result: closed.then(|| "certificate".to_owned()),
        version: expected_seq + 2,
    };
    let task = |n: u64, status| {
        ProjectionOp::PutTask(TaskRow {
            task_id: format!("{case_id}-task-{n}"),
            case_id: case_id.to_owned(),
            step_id: format!("step-{n}"),
            role: "executor".into(),
            unit: "wko-employment-centre/registration".into(),
            assignee: Some("officer-7".into()),
            status,
            created_at: at(n as i64 * 3600),
            due: Some(at(n as i64 * 3600 + 86_400)),
            escalation: false,
            check: None,
        })
    };
    let timer = |n: u64| format!("{case_id}-step-{n}-due");
    let mut ops = vec![ProjectionOp::PutCase(case)];
    if stage > 0 {
        ops.push(task(stage, TaskStatus::Done));
        ops.push(ProjectionOp::CancelTimer {
            timer_id: timer(stage),
        });
    }
    if closed {
        ops.push(ProjectionOp::CancelTimer {
            timer_id: format!("{case_id}-case-due"),
        });
        ops.push(ProjectionOp::PutRegistry(RegistryRow {
            registry: "unemployed".into(),
            key: format!("iin-{case_id}"),
            region: "west-kazakhstan".into(),
            record: json!({"active": true, "since": "2025-02-20"}),
            case_id: case_id.to_owned(),
        }));
    } else {
        ops.push(task(stage + 1, TaskStatus::Open));
        ops.push(ProjectionOp::SetTimer(TimerRow {
            timer_id: timer(stage + 1),
            case_id: case_id.to_owned(),
            due: at((stage as i64 + 1) * 3600 + 86_400),
            kind: "step_overdue".into(),
            payload: json!({"step": format!("step-{}", stage + 1)}),
        }));
        if stage == 0 {
            ops.push(ProjectionOp::SetTimer(TimerRow {
                timer_id: format!("{case_id}-case-due"),
                case_id: case_id.to_owned(),
                due: at(10 * 86_400),
                kind: "case_overdue".into(),
                payload: json!({}),
            }));
        }
    }
    Batch {
        case_id: case_id.to_owned(),
        expected_seq,
        idempotency_key: Some(format!("{case_id}-cmd-{stage}")),
        events,
        ops,
        evidence: Vec::new(),
    }
}

fn fresh_store(dir: &tempfile::TempDir, name: &str) -> SqliteStore {
    SqliteStore::open(dir.path().join(name)).unwrap()
}

/// Runs `cases` complete cases, `in_flight` cases at a time, committing each
/// round of commands (one per in-flight case) as one group. Returns the time
/// spent in the store (building the batches, the engine's work, is not counted).
fn run_cases(store: &dyn Store, prefix: &str, cases: u64, in_flight: u64) -> Duration {
    let mut in_store = Duration::ZERO;
    for chunk_start in (0..cases).step_by(in_flight as usize) {
        let ids: Vec<String> = (chunk_start..(chunk_start + in_flight).min(cases))
            .map(|i| format!("{prefix}-{i:07}"))
            .collect();
        for stage in 0..STAGES {
            let group: Vec<Batch> = ids.iter().map(|id| command(id, stage)).collect();
            let start = Instant::now();
            let results = store.append_many(&group);
            in_store += start.elapsed();
            for result in results {
                result.unwrap();
            }
        }
    }
    in_store
}

fn print_figures(dir: &tempfile::TempDir) {
    let store = fresh_store(dir, "figures.db");
    // Single commits: one transaction (one WAL fsync) per command.
    let singles = 600;
    let start = Instant::now();
    for i in 0..singles / STAGES {
        for stage in 0..STAGES {
            store
                .append(&command(&format!("single-{i}"), stage))
                .unwrap();
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "sqlite FULL, single commits: {singles} appends in {elapsed:.3} s = {:.0} appends/s = {:.0} complete cases/s",
        singles as f64 / elapsed,
        singles as f64 / STAGES as f64 / elapsed
    );
    for in_flight in [16, 64, 256] {
        let cases = 4_000;
        let elapsed =
            run_cases(&store, &format!("group{in_flight}"), cases, in_flight).as_secs_f64();
        let batches = cases * STAGES;
        println!(
            "sqlite FULL, group commit of {in_flight}: {cases} complete cases ({batches} appends, {} events) in {elapsed:.3} s = {:.0} appends/s = {:.0} complete cases/s = {:.0} events/s",
            batches * 2,
            batches as f64 / elapsed,
            cases as f64 / elapsed,
            (batches * 2) as f64 / elapsed
        );
    }
}

/// The same grouped run on PostgreSQL when `QYZMET_TEST_PG` names a cluster
/// (a scratch database is created and dropped).
fn print_postgres_figures() {
    let Ok(admin_url) = std::env::var("QYZMET_TEST_PG") else {
        println!("postgres: QYZMET_TEST_PG not set, skipped");
        return;
    };
    let db_name = format!("qyzmet_bench_{}", std::process::id());
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {db_name}"))
        .unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    {
        let store = PostgresStore::connect(&format!("{base}/{db_name}")).unwrap();
        let singles = 300;
        let start = Instant::now();
        for i in 0..singles / STAGES {
            for stage in 0..STAGES {
                store
                    .append(&command(&format!("single-{i}"), stage))
                    .unwrap();
            }
        }
        let elapsed = start.elapsed().as_secs_f64();
        println!(
            "postgres, single commits: {:.0} appends/s",
            singles as f64 / elapsed
        );
        for in_flight in [64, 256] {
            let cases = 2_000;
            let elapsed =
                run_cases(&store, &format!("group{in_flight}"), cases, in_flight).as_secs_f64();
            println!(
                "postgres, group commit of {in_flight}: {cases} complete cases in {elapsed:.3} s = {:.0} appends/s = {:.0} complete cases/s",
                (cases * STAGES) as f64 / elapsed,
                cases as f64 / elapsed
            );
        }
    }
    admin
        .batch_execute(&format!("DROP DATABASE {db_name} WITH (FORCE)"))
        .unwrap();
}

fn benches(c: &mut Criterion, dir: &tempfile::TempDir) {
    let mut group = c.benchmark_group("sqlite_full_append");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));

    let store = fresh_store(dir, "criterion-single.db");
    let mut n = 0u64;
    group.throughput(Throughput::Elements(STAGES));
    group.bench_function("single_commit_case", |b| {
        b.iter(|| {
            n += 1;
            let id = format!("s-{n}");
            for stage in 0..STAGES {
                store.append(&command(&id, stage)).unwrap();
            }
        })
    });

    let store = fresh_store(dir, "criterion-group.db");
    let mut round = 0u64;
    group.throughput(Throughput::Elements(64 * STAGES));
    group.bench_function("group_commit_64_cases", |b| {
        b.iter(|| {
            round += 1;
            run_cases(&store, &format!("g{round}"), 64, 64);
        })
    });
    group.finish();
}

fn main() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    print_figures(&dir);
    print_postgres_figures();
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion, &dir);
    criterion.final_summary();
}
