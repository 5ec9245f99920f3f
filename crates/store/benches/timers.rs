//! Timer scan latency over a large table of open timers, on both backends.
//! Prints plain figures (no criterion).
//!
//! ```text
//! QYZMET_TEST_PG=postgres://…/postgres cargo bench -p qyzmet-store --bench timers
//! ```
//!
//! Fills `timers` with `QYZMET_BENCH_TIMERS` rows (default 10,000,000) by bulk
//! SQL (`generate_series` on PostgreSQL, a recursive CTE in one transaction on
//! SQLite; SQLite's size can be set apart with `QYZMET_BENCH_SQLITE_TIMERS`,
//! 0 skips a backend). One timer in 200 is due before "now", the rest up to
//! ~3 years after. Then, through the `Store` trait, measures over
//! `QYZMET_BENCH_CALLS` calls (default 200) each:
//!
//! * `claim_due_timers(now, 100, …)` — each call leases 100 due timers; the
//!   claimed timers are then deleted outside the measured time, as firing
//!   (a `CancelTimer` op) would;
//! * `claim_due_timers` when nothing is due (an instant before every timer);
//! * `next_timer_due()`.
//!
//! PostgreSQL runs in a fresh database that is dropped afterwards; SQLite in
//! a temporary file.

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use qyzmet_store::{PostgresStore, SqliteStore, Store};

/// "Now" of the benchmark: 2025-06-01T00:00:00Z in nanoseconds.
const NOW_NS: i64 = 1_748_736_000_000_000_000;
/// One timer in `DUE_EVERY` is due before now.
const DUE_EVERY: i64 = 200;
const SECOND_NS: i64 = 1_000_000_000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rows = env_usize("QYZMET_BENCH_TIMERS", 10_000_000);
    let sqlite_rows = env_usize("QYZMET_BENCH_SQLITE_TIMERS", rows);
    let calls = env_usize("QYZMET_BENCH_CALLS", 200);
    println!("timer scan: {DUE_EVERY}th timer due now, the rest in the future; {calls} calls each");
    if let Some(admin) = std::env::var("QYZMET_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty())
    {
        if rows > 0 {
            postgres_run(&admin, rows, calls);
        }
    } else {
        println!("PostgreSQL: skipped (QYZMET_TEST_PG not set)");
    }
    if sqlite_rows > 0 {
        sqlite_run(sqlite_rows, calls);
    }
}

/// The SELECT list of one generated timer row number `g`.
fn row_sql(concat: &str) -> String {
    // Due now: NOW - g seconds; future: NOW + 1 s .. ~3 years, scattered.
    format!(
        "'t' {concat} g, 'c' {concat} (g / 3), \
         CASE WHEN g % {DUE_EVERY} = 0 THEN {NOW_NS} - g * {SECOND_NS} \
              ELSE {NOW_NS} + (1 + (g * 7919) % 100000000) * {SECOND_NS} END, \
         'step_overdue', '{{\"step\":\"review\"}}', NULL, NULL"
    )
}

fn postgres_run(admin: &str, rows: usize, calls: usize) {
    let name = format!("qyzmet_timers_bench_{}", std::process::id());
    let mut admin_client = postgres::Client::connect(admin, postgres::NoTls).expect("connect");
    admin_client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    let (base, _) = admin.rsplit_once('/').expect("URL with a database name");
    let url = format!("{base}/{name}");
    {
        let store = PostgresStore::connect(&url).expect("connect store");
        let mut raw = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        let started = Instant::now();
        // Bulk load without the indexes, then build them (as a restore would).
        raw.batch_execute(&format!(
            "ALTER TABLE timers DROP CONSTRAINT timers_pkey; DROP INDEX timers_due;
             INSERT INTO timers (timer_id, case_id, due, kind, payload, lease_owner, lease_until)
             SELECT {} FROM generate_series(1::bigint, {rows}) AS g;
             ALTER TABLE timers ADD PRIMARY KEY (timer_id);
             CREATE INDEX timers_due ON timers (due);",
            row_sql("||")
        ))
        .expect("fill timers");
        raw.batch_execute("VACUUM ANALYZE timers").expect("vacuum");
        let fill = started.elapsed();
        let count: i64 = raw
            .query_one("SELECT count(*) FROM timers", &[])
            .expect("count")
            .get(0);
        println!(
            "PostgreSQL: {count} timers filled in {:.1} s",
            fill.as_secs_f64()
        );
        measure("PostgreSQL", &store, calls, |ids| {
            raw.execute("DELETE FROM timers WHERE timer_id = ANY($1)", &[&ids])
                .expect("delete fired");
        });
    }
    admin_client
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .expect("drop database");
}

fn sqlite_run(rows: usize, calls: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("timers.db");
    let store = SqliteStore::open(&path).expect("open sqlite");
    let raw = rusqlite::Connection::open(&path).expect("open raw");
    let started = Instant::now();
    raw.execute_batch(&format!(
        "BEGIN;
         DROP INDEX timers_due;
         INSERT INTO timers (timer_id, case_id, due, kind, payload, lease_owner, lease_until)
         WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {rows})
         SELECT {} FROM s;
         CREATE INDEX timers_due ON timers (due);
         COMMIT;
         ANALYZE timers;",
        row_sql("||")
    ))
    .expect("fill timers");
    let fill = started.elapsed();
    let count: i64 = raw
        .query_row("SELECT count(*) FROM timers", [], |r| r.get(0))
        .expect("count");
    println!(
        "SQLite: {count} timers filled in {:.1} s",
        fill.as_secs_f64()
    );
    measure("SQLite", &store, calls, |ids| {
        let tx = raw.unchecked_transaction().expect("begin");
        {
            let mut delete = tx
                .prepare_cached("DELETE FROM timers WHERE timer_id = ?1")
                .expect("prepare");
            for id in &ids {
                delete.execute([id]).expect("delete fired");
            }
        }
        tx.commit().expect("commit");
    });
}

fn measure(backend: &str, store: &dyn Store, calls: usize, mut fire: impl FnMut(Vec<String>)) {
    let now = Timestamp::from_nanosecond(i128::from(NOW_NS)).expect("now");
    let before_all =
        Timestamp::from_nanosecond(i128::from(NOW_NS - 200_000_000 * SECOND_NS)).expect("before");
    let lease = SignedDuration::from_secs(60);

    let mut claim = Vec::with_capacity(calls);
    let mut claimed = 0;
    for _ in 0..calls {
        let started = Instant::now();
        let timers = store
            .claim_due_timers(now, 100, "bench", lease)
            .expect("claim");
        claim.push(started.elapsed());
        claimed += timers.len();
        fire(timers.into_iter().map(|t| t.timer_id).collect());
    }
    report(
        backend,
        &format!("claim_due_timers(now, 100) [{claimed} claimed]"),
        &mut claim,
    );

    let mut empty = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        let timers = store
            .claim_due_timers(before_all, 100, "bench", lease)
            .expect("claim");
        empty.push(started.elapsed());
        assert!(timers.is_empty());
    }
    report(backend, "claim_due_timers, nothing due", &mut empty);

    let mut next = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        let due = store.next_timer_due().expect("next due");
        next.push(started.elapsed());
        assert!(due.is_some());
    }
    report(backend, "next_timer_due()", &mut next);
}

fn report(backend: &str, what: &str, samples: &mut [Duration]) {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "{backend}: {what}: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        pick(0.50).as_secs_f64() * 1e3,
        pick(0.99).as_secs_f64() * 1e3,
        samples[samples.len() - 1].as_secs_f64() * 1e3,
    );
}
