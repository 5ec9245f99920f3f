//! `qyzmet bench engine`: full cases through the engine and a durable store.
//!
//! A window of in-flight cases advances in rounds: each round decides the
//! next command of every case in the window (a submission, then each open
//! task completed in turn) with the real engine and appends all of them in
//! one group commit (`Store::append_many`, a savepoint per command). Cases
//! that close leave the window and new ones enter, so memory holds only the
//! window, whatever the number of cases.

use std::time::{Duration as WallDuration, Instant};

use jiff::{Timestamp, ToSpan};
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_engine::{Action, Actor, Applicant, Case, Command, Context, Grant, Provider};
use qyzmet_regulation::ProcessModel;
use qyzmet_store::Store;
use serde::Serialize;

#[derive(Clone, Debug)]
pub struct BenchConfig {
    pub cases: u64,
    /// In-flight cases per group commit.
    pub window: usize,
    pub route: String,
    /// Case ids are `<prefix><n>` so that runs against one database differ.
    pub prefix: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct BenchReport {
    pub regulation: String,
    pub route: String,
    pub cases: u64,
    pub commands: u64,
    pub events: u64,
    pub commits: u64,
    pub seconds: f64,
    pub cases_per_second: f64,
    pub events_per_second: f64,
    pub commands_per_second: f64,
    /// Latency of one command: from the start of its round (when it was
    /// decided) to the durable commit of its group.
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
    /// Peak resident memory (VmHWM) at half the cases and at the end, in KiB,
    /// when the platform reports it.
    pub peak_rss_kib_half: Option<u64>,
    pub peak_rss_kib_end: Option<u64>,
    pub errors: u64,
    /// Open cases the bench could not advance (no task, no pending request).
    pub stuck: u64,
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Slot {
    case_id: String,
    case: Option<Case>,
    stuck: bool,
}

fn next_command(model: &ProcessModel, route: &str, slot: &Slot) -> Option<Command> {
    match &slot.case {
        None => Some(Command {
            case_id: slot.case_id.clone(),
            actor: Actor {
                user_id: "bench".into(),
                grants: Vec::new(),
            },
            idempotency_key: Some(format!("{}:submit", slot.case_id)),
            expected_version: None,
            action: Action::Submit {
                route: route.to_owned(),
                applicant: Applicant {
                    id: "900101300037".into(),
                    region: model.file.act.region.clone(),
                    ..Applicant::default()
                },
                form: serde_json::json!({}),
                documents: model
                    .file
                    .documents
                    .iter()
                    .map(|document| (document.id.clone(), true))
                    .collect(),
                provider: Provider {
                    id: "bench".into(),
                    region: model.file.act.region.clone(),
                    units: crate::default_units(model, "bench"),
                },
                checks: Default::default(),
                signature: None,
                representative: None,
            },
        }),
        Some(case) if case.is_closed() => None,
        Some(case) => {
            // A request to a state system: the system gives its positive
            // answer, as the gateway would record it (the gateway itself is
            // measured by `qyzmet bench gateway`).
            if let Some(request) = case
                .requests
                .values()
                .find(|request| request.status == qyzmet_engine::RequestStatus::Pending)
            {
                return Some(Command {
                    case_id: slot.case_id.clone(),
                    actor: Actor {
                        user_id: "gateway".into(),
                        grants: Vec::new(),
                    },
                    idempotency_key: Some(format!("answer:{}", request.request_id)),
                    expected_version: None,
                    action: Action::RecordAnswer {
                        request_id: request.request_id.clone(),
                        answer: request.system.positive(),
                        data: serde_json::Value::Null,
                    },
                });
            }
            let task = case.open_tasks().next()?;
            let outcome = model
                .file
                .routes
                .iter()
                .find(|r| r.key() == case.route)
                .and_then(|r| r.steps.iter().find(|s| s.id == task.step))
                .and_then(|step| step.outcomes.first())
                .filter(|_| !task.escalation)
                .map(|outcome| outcome.id.clone());
            Some(Command {
                case_id: slot.case_id.clone(),
                actor: Actor {
                    user_id: "bench".into(),
                    grants: vec![Grant {
                        role: task.role.clone(),
                        unit: task.unit.clone(),
                    }],
                },
                idempotency_key: Some(format!("{}:{}", slot.case_id, case.version)),
                expected_version: Some(case.version),
                action: Action::Complete {
                    task_id: task.task_id.clone(),
                    outcome,
                    data: serde_json::Value::Null,
                },
            })
        }
    }
}

pub fn bench_engine(
    store: &dyn Store,
    model: &ProcessModel,
    text: &str,
    calendar: &Calendar,
    config: &BenchConfig,
    mut progress: impl FnMut(u64),
) -> BenchReport {
    let schedule = Schedule::standard();
    let registries = qyzmet_engine::NoRegistries;
    let mut report = BenchReport {
        regulation: model.id.clone(),
        route: config.route.clone(),
        ..BenchReport::default()
    };
    if store.put_regulation(&model.hash, &model.id, text).is_err() {
        report.errors += 1;
    }
    let mut now: Timestamp = "2024-04-01T04:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let mut admitted = 0u64;
    let mut window: Vec<Slot> = Vec::with_capacity(config.window);
    let mut latencies: Vec<u32> = Vec::new();
    let started = Instant::now();
    let window_size = config.window.max(1);
    // Bounded: each round either advances every case in the window or
    // retires it; a case needs a bounded number of commands.
    let rounds_max = config.cases.saturating_mul(64).max(64);
    for _round in 0..rounds_max {
        while window.len() < window_size && admitted < config.cases {
            admitted += 1;
            window.push(Slot {
                case_id: format!("{}{admitted}", config.prefix),
                case: None,
                stuck: false,
            });
        }
        if window.is_empty() {
            break;
        }
        now = now.checked_add(1.second()).unwrap_or(now);
        let context = Context {
            now,
            model,
            calendar,
            schedule: &schedule,
            registries: &registries,
        };
        let round_start = Instant::now();
        let mut batches = Vec::with_capacity(window.len());
        let mut targets = Vec::with_capacity(window.len());
        for (index, slot) in window.iter_mut().enumerate() {
            let Some(command) = next_command(model, &config.route, slot) else {
                // An open case with nothing to do: the route waits on
                // something the bench does not drive. Counted and retired,
                // so that the run ends and says so.
                report.stuck += 1;
                slot.stuck = true;
                continue;
            };
            match qyzmet_engine::execute(slot.case.as_ref(), &command, &context) {
                Ok(executed) => {
                    report.events += executed.batch.events.len() as u64;
                    batches.push(executed.batch);
                    targets.push((index, executed.case));
                }
                Err(_) => report.errors += 1,
            }
        }
        let results = store.append_many(&batches);
        report.commits += 1;
        let latency = round_start.elapsed();
        for ((index, case), result) in targets.into_iter().zip(results) {
            report.commands += 1;
            latencies.push(latency.as_micros().min(u128::from(u32::MAX)) as u32);
            match result {
                Ok(_) => window[index].case = Some(case),
                Err(_) => report.errors += 1,
            }
        }
        let closed = window
            .iter()
            .filter(|slot| slot.case.as_ref().is_some_and(Case::is_closed))
            .count() as u64;
        window
            .retain(|slot| !slot.stuck && slot.case.as_ref().is_none_or(|case| !case.is_closed()));
        if closed > 0 {
            report.cases += closed;
            progress(report.cases);
            if report.peak_rss_kib_half.is_none() && report.cases >= config.cases / 2 {
                report.peak_rss_kib_half = peak_rss_kib();
            }
        }
        if report.errors > 1000 {
            break;
        }
    }
    let elapsed = started
        .elapsed()
        .max(WallDuration::from_micros(1))
        .as_secs_f64();
    report.seconds = elapsed;
    report.cases_per_second = report.cases as f64 / elapsed;
    report.events_per_second = report.events as f64 / elapsed;
    report.commands_per_second = report.commands as f64 / elapsed;
    latencies.sort_unstable();
    let quantile = |q: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let index = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        f64::from(latencies[index]) / 1000.0
    };
    report.latency_p50_ms = quantile(0.50);
    report.latency_p99_ms = quantile(0.99);
    report.peak_rss_kib_end = peak_rss_kib();
    report
}
