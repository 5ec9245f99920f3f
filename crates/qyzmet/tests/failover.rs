//! PostgreSQL high availability that loses nothing (docs/operations.md).
//!
//! `primary_crash_loses_no_acknowledged_command`: a primary with a
//! synchronous streaming replica (scripts/pg-ha-cluster), two runtime nodes
//! (each its own `qyzmet_store::open` of the multi-host URL, as two
//! `qyzmet serve` processes would have) writing submissions and task
//! completions under idempotency keys; the primary is SIGKILLed mid-load and
//! the replica promoted with `pg_ctl promote`; the writers reconnect by
//! themselves and retry what was not acknowledged with the same keys. On the
//! new primary every acknowledged command is there, once, the audit is clean
//! and the timers fired by two workers fire once each.
//!
//! `point_in_time_recovery_restores_exactly_what_was_acknowledged`: a base
//! backup plus the WAL archive, recovered to a target time into a fresh
//! directory, holds exactly the commands acknowledged before the target.
//!
//! Needs the PostgreSQL server binaries (`.ci/run` installs them); when run
//! as root the servers run as the `postgres` account.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{
    Cluster, Log, REGULATION, all_events, catalog, check_no_duplicates, completion, free_port,
    multi_host, node, run_until_acknowledged, submission,
};
use jiff::{Timestamp, ToSpan};
use qyzmet_calendar::Calendar;
use qyzmet_runtime::Runtime;

/// One writer: submits cases and completes the first task of two in three.
fn writer(runtime: &Runtime, name: &str, stop: &AtomicBool, log: &Mutex<Log>) {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let case_id = format!("{name}-{n}");
        let case = run_until_acknowledged(
            runtime,
            &submission(runtime, &case_id),
            Some(REGULATION),
            log,
        );
        if n % 3 != 0 {
            let command = completion(&case).expect("a submitted case has an open task");
            run_until_acknowledged(runtime, &command, None, log);
        }
    }
}

#[test]
fn primary_crash_loses_no_acknowledged_command() {
    let (port1, port2) = (free_port(), free_port());
    let cluster = Cluster::up(port1, port2);
    let url = multi_host(port1, port2);
    let calendar = Calendar::kazakhstan();
    let catalog = catalog(&calendar);
    let nodes = [
        Arc::new(node(&url, &catalog)),
        Arc::new(node(&url, &catalog)),
    ];

    let stop = Arc::new(AtomicBool::new(false));
    let log = Arc::new(Mutex::new(Log::default()));
    let started = Instant::now();
    let mut writers = Vec::new();
    for (i, runtime) in nodes.iter().enumerate() {
        for w in 0..3 {
            let (runtime, stop, log) = (Arc::clone(runtime), Arc::clone(&stop), Arc::clone(&log));
            writers.push(thread::spawn(move || {
                writer(&runtime, &format!("node{i}-w{w}"), &stop, &log)
            }));
        }
    }

    thread::sleep(Duration::from_secs(4));
    let before_kill = log.lock().unwrap().acks.len();
    let killed = Instant::now();
    cluster.script(&["kill-primary"]);
    // A failover manager would take about this long to decide.
    thread::sleep(Duration::from_secs(1));
    cluster.script(&["promote"]);
    let promoted = Instant::now();
    thread::sleep(Duration::from_secs(5));
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().expect("a writer panicked");
    }
    let load = started.elapsed();
    let log = Arc::try_unwrap(log).unwrap().into_inner().unwrap();
    let first_after = log
        .acks
        .iter()
        .filter(|ack| ack.at > promoted)
        .map(|ack| ack.at)
        .min()
        .expect("commands acknowledged after the promotion");

    // Two workers fire the due timers (60 days on, every limit has passed).
    let later = Timestamp::now().checked_add(1440.hours()).unwrap();
    let fired_by_workers: usize = nodes
        .iter()
        .enumerate()
        .map(|(i, runtime)| {
            let runtime = Arc::clone(runtime);
            thread::spawn(move || {
                let mut fired = 0;
                loop {
                    let n = runtime
                        .fire_due_timers(later, &format!("worker{i}"), 50)
                        .unwrap();
                    if n == 0 {
                        return fired;
                    }
                    fired += n;
                }
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|handle| handle.join().unwrap())
        .sum();

    // On the new primary (the replica's port), through a fresh store.
    let store = qyzmet_store::open(&format!("postgres://qyzmet@127.0.0.1:{port2}/qyzmet")).unwrap();
    let mut lost = Vec::new();
    for ack in &log.acks {
        match store.idempotency(&ack.key).unwrap() {
            Some(applied) if applied.case_id == ack.case_id => {}
            other => lost.push((ack.key.clone(), other)),
        }
    }
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let events = all_events(store.as_ref());
    let (cases, timers_fired) = check_no_duplicates(&events);
    let submitted: BTreeSet<String> = log
        .acks
        .iter()
        .filter(|ack| ack.submission)
        .map(|ack| ack.case_id.clone())
        .collect();
    assert_eq!(
        cases, submitted,
        "the cases in the store are the acknowledged submissions"
    );
    assert_eq!(timers_fired, fired_by_workers);
    assert!(timers_fired > 0, "the uncompleted cases have timers");
    let audit = store.verify().unwrap();
    assert!(audit.is_clean(), "{:?}", audit.problems);

    let retried = log.acks.iter().filter(|ack| ack.retried).count();
    let duplicates_on_retry = log.acks.iter().filter(|ack| ack.duplicate).count();
    eprintln!(
        "failover: {} commands acknowledged in {:.1} s ({:.0}/s; {before_kill} before the kill), \
         lost 0, duplicates 0; {} failed on the broken connection and were retried with their key \
         ({retried} acknowledged on retry, {duplicates_on_retry} of them found already applied); \
         kill -> promoted {:.2} s, promoted -> first acknowledgement {:.2} s, longest writer outage {:.2} s; \
         {} cases, {} events, audit clean ({} events checked); {timers_fired} timers fired once each by two workers",
        log.acks.len(),
        load.as_secs_f64(),
        log.acks.len() as f64 / load.as_secs_f64(),
        log.failures,
        (promoted - killed).as_secs_f64(),
        (first_after - promoted).as_secs_f64(),
        log.longest_outage.as_secs_f64(),
        cases.len(),
        events.len(),
        audit.events_checked,
    );
    drop(store);
    drop(nodes);
}

#[test]
fn point_in_time_recovery_restores_exactly_what_was_acknowledged() {
    let (port1, port2, port3) = (free_port(), free_port(), free_port());
    let cluster = Cluster::up(port1, port2);
    let url = multi_host(port1, port2);
    let calendar = Calendar::kazakhstan();
    let runtime = node(&url, &catalog(&calendar));
    // The base backup first (the schema is migrated): the drill replays
    // everything after it from the WAL archive.
    cluster.script(&["backup", "base"]);
    let log = Mutex::new(Log::default());
    let write = |prefix: &str, count: usize| {
        for n in 0..count {
            let case_id = format!("{prefix}-{n}");
            let case = run_until_acknowledged(
                &runtime,
                &submission(&runtime, &case_id),
                Some(REGULATION),
                &log,
            );
            let command = completion(&case).unwrap();
            run_until_acknowledged(&runtime, &command, None, &log);
        }
    };
    write("before", 100);
    let acknowledged_before = log.lock().unwrap().acks.len();
    // A quiet second either side of the target: every command is either
    // acknowledged before it or started after it.
    thread::sleep(Duration::from_millis(1100));
    let mut admin = postgres::Client::connect(
        &format!("postgres://qyzmet@127.0.0.1:{port1}/qyzmet"),
        postgres::NoTls,
    )
    .unwrap();
    let target: String = admin
        .query_one("SELECT clock_timestamp()::text", &[])
        .unwrap()
        .get(0);
    thread::sleep(Duration::from_millis(1100));
    write("after", 50);
    // Close the WAL segment holding the commits after the target, and wait
    // for the archiver to copy it.
    let segment: String = admin
        .query_one("SELECT pg_walfile_name(pg_switch_wal())", &[])
        .unwrap()
        .get(0);
    let archived = cluster.path().join("archive").join(&segment);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !archived.exists() {
        assert!(Instant::now() < deadline, "{segment} not archived");
        thread::sleep(Duration::from_millis(50));
    }
    drop(admin);
    drop(runtime);

    let started = Instant::now();
    let restored_url = cluster.script(&["restore", "base", &target, &port3.to_string()]);
    let restore_time = started.elapsed();
    let store = qyzmet_store::open(restored_url.trim()).unwrap();
    let log = log.into_inner().unwrap();
    let (before, after) = log.acks.split_at(acknowledged_before);
    for ack in before {
        let applied = store.idempotency(&ack.key).unwrap();
        assert!(
            applied.is_some_and(|a| a.case_id == ack.case_id),
            "{} acknowledged before the target but not restored",
            ack.key
        );
    }
    for ack in after {
        assert!(
            store.idempotency(&ack.key).unwrap().is_none(),
            "{} acknowledged after the target but restored",
            ack.key
        );
    }
    let events = all_events(store.as_ref());
    let (cases, _) = check_no_duplicates(&events);
    let expected: BTreeSet<String> = before
        .iter()
        .filter(|ack| ack.submission)
        .map(|ack| ack.case_id.clone())
        .collect();
    assert_eq!(cases, expected);
    let audit = store.verify().unwrap();
    assert!(audit.is_clean(), "{:?}", audit.problems);
    let archive_files = std::fs::read_dir(cluster.path().join("archive"))
        .unwrap()
        .count();
    eprintln!(
        "restore drill: base backup + {archive_files} archived WAL files recovered to {target} in {:.2} s: \
         {} of {} acknowledged commands restored (exactly those before the target), {} after it absent; \
         {} cases, {} events, audit clean",
        restore_time.as_secs_f64(),
        before.len(),
        log.acks.len(),
        after.len(),
        cases.len(),
        events.len(),
    );
    drop(store);
}
