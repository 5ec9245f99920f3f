//! `cargo bench -p qyzmet-monitoring --bench report`: the fold and the
//! report over synthetic events (cases of 3 services × 2 channels × 20
//! providers, 4 steps each, some late, some refused, appeals).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jiff::{Timestamp, ToSpan};
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_monitoring::{Headers, Monitor, Query, StoredEvent, to_csv, to_xlsx};
use serde_json::{Value, json};

fn event(case: &str, seq: u64, kind: &str, at: Timestamp, payload: Value) -> StoredEvent {
    StoredEvent {
        case_id: case.to_owned(),
        seq,
        global_seq: 0,
        kind: kind.to_owned(),
        payload,
        at,
        hash: String::new(),
    }
}

/// The events of synthetic case `n` (deterministic).
fn case_events(n: u64) -> Vec<StoredEvent> {
    let base: Timestamp = "2024-01-08T04:00:00Z".parse().unwrap();
    let id = format!("S{n:07}");
    let hash = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let submitted = base.checked_add(((n * 7) as i64).minutes()).unwrap();
    let due = submitted.checked_add(120.hours()).unwrap();
    let appeal = n % 50 == 49;
    let mut events = Vec::with_capacity(12);
    let mut seq = 0;
    let mut push = |kind: &str, at: Timestamp, payload: Value| {
        seq += 1;
        events.push(event(&id, seq, kind, at, payload));
    };
    let route = ["provider_office", "portal"][(hash >> 8) as usize % 2];
    push(
        "case_submitted",
        submitted,
        json!({
            "case_id": id,
            "regulation_id": format!("region/act/service-{}", hash % 3),
            "service_id": if appeal { "appeal" } else { "svc" },
            "route": route,
            "provider": {"id": format!("provider-{}", (hash >> 16) % 20), "region": "r"},
            "form": if appeal { json!({"about_case": format!("S{:07}", n - 1)}) } else { json!({}) },
            "due": due.to_string(),
        }),
    );
    let mut now = submitted;
    for step in 0..4u64 {
        let name = format!("s{step}");
        push("step_entered", now, json!({"step": name}));
        let task = format!("{id}/t{step}");
        push(
            "task_created",
            now,
            json!({"task_id": task, "step": name, "escalation": false}),
        );
        let minutes = ((hash >> (step * 8)) % 2000) as i64 + 5;
        now = now.checked_add(minutes.minutes()).unwrap();
        push("task_completed", now, json!({"task_id": task}));
    }
    let (status, result) = match (appeal, hash % 10) {
        (true, 0..=4) => ("completed", "appeal-upheld"),
        (true, _) => ("refused", "appeal-rejected"),
        (false, 0) => ("refused", "refusal"),
        (false, _) => ("completed", "issued"),
    };
    push(
        "case_closed",
        now,
        json!({"status": status, "result": result}),
    );
    events
}

fn monitor_of(cases: u64) -> Monitor {
    let mut monitor = Monitor::new(Calendar::kazakhstan(), Schedule::standard());
    let mut global = 0;
    for n in 0..cases {
        for mut event in case_events(n) {
            global += 1;
            event.global_seq = global;
            monitor.apply(&event);
        }
    }
    monitor
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("monitoring");
    group.sample_size(10);

    let events: Vec<StoredEvent> = (0..10_000)
        .flat_map(case_events)
        .enumerate()
        .map(|(index, mut event)| {
            event.global_seq = index as u64 + 1;
            event
        })
        .collect();
    group.bench_function("fold 10k cases (140k events)", |b| {
        b.iter_batched(
            || Monitor::new(Calendar::kazakhstan(), Schedule::standard()),
            |mut monitor| {
                monitor.apply_all(&events);
                monitor
            },
            BatchSize::LargeInput,
        )
    });
    drop(events);

    let monitor = monitor_of(100_000);
    let all = Query::period(
        "2024-01-01T00:00:00Z".parse().unwrap(),
        "2025-01-01T00:00:00Z".parse().unwrap(),
    );
    group.bench_function("report 100k cases, all", |b| {
        b.iter(|| black_box(monitor.report(black_box(&all))))
    });
    let provider = all.clone().provider("provider-3");
    group.bench_function("report 100k cases, one provider", |b| {
        b.iter(|| black_box(monitor.report(black_box(&provider))))
    });
    let month = Query::period(
        "2024-03-01T00:00:00Z".parse().unwrap(),
        "2024-04-01T00:00:00Z".parse().unwrap(),
    );
    group.bench_function("report 100k cases, one month", |b| {
        b.iter(|| black_box(monitor.report(black_box(&month))))
    });
    let report = monitor.report(&all);
    let headers = Headers::new(qyzmet_core::Lang::Ru);
    group.bench_function("csv + xlsx of the full report", |b| {
        b.iter(|| {
            black_box(to_csv(&report, &headers));
            black_box(to_xlsx(&report, &headers).unwrap())
        })
    });
    group.finish();
}

criterion_group!(report, benches);
criterion_main!(report);
