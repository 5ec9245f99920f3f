//! `qyzmet bench engine`: full cases through the engine and a durable store.
//!
//! A window of in-flight cases advances in rounds: each round decides the
//! next command of every case in the window (a submission, each state
//! system's answer, each open task completed in turn) with the real engine
//! and appends all of them in one group commit (`Store::append_many`; a
//! failing command fails alone). Cases that close leave the window and new
//! ones enter, so memory holds only the window, whatever the number of
//! cases. With `pipeline`, two windows alternate: the engine decides one
//! while a committer thread appends the other, as a server's request
//! threads overlap; a case's next command is still decided only after its
//! previous one is durable.

use std::time::{Duration as WallDuration, Instant};

use jiff::{Timestamp, ToSpan};
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_engine::{Action, Actor, Applicant, Case, Command, Context, Grant, Provider};
use qyzmet_regulation::ProcessModel;
use qyzmet_storage::record::Batch;
use qyzmet_store::{Appended, GroupCounts, Store, StoreError};
use serde::Serialize;

#[derive(Clone, Debug)]
pub struct BenchConfig {
    pub cases: u64,
    /// In-flight cases per group commit.
    pub window: usize,
    pub route: String,
    /// Case ids are `<prefix><n>` so that runs against one database differ.
    pub prefix: String,
    /// Two windows: the engine decides one while the store commits the
    /// other (else one window, decided and committed in turn).
    pub pipeline: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct BenchReport {
    pub regulation: String,
    pub route: String,
    /// Whether deciding and committing overlapped (`BenchConfig::pipeline`).
    pub pipelined: bool,
    /// Groups committed at once, each by a committer thread of its own
    /// (`Store::concurrent_appends`; 1 without the pipeline).
    pub committers: usize,
    /// How the store committed the groups (PostgreSQL: how many took the
    /// pipelined path, how many of those were redone the classic way),
    /// counted since it opened.
    pub group_counts: GroupCounts,
    pub cases: u64,
    pub commands: u64,
    pub events: u64,
    pub commits: u64,
    pub seconds: f64,
    /// Time spent deciding commands (the engine: decide, apply, project,
    /// serialize) and appending groups (the store, to the durable commit).
    /// With the pipeline they overlap, so the larger of the two bounds the run;
    /// `store_seconds` sums the committers' times.
    pub engine_seconds: f64,
    pub store_seconds: f64,
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
    /// The applicant's IIN: a person of their own for every case, as on a
    /// real day (one person for all cases would make every closing case
    /// rewrite one registry record).
    applicant: String,
    case: Option<Case>,
    stuck: bool,
}

/// Distinct valid IINs: men and women born from 1 January 1990 on, ten
/// thousand serial numbers a day each (a serial whose check digit does not
/// exist is skipped, as the registry office does).
struct Applicants {
    born: jiff::civil::Date,
    /// The sex and century digit (3: a man, 4: a woman born 1900–1999) and
    /// the serial number: `century * 10_000 + serial`.
    next: u32,
}

impl Applicants {
    fn new() -> Applicants {
        Applicants {
            born: jiff::civil::date(1990, 1, 1),
            next: 30_000,
        }
    }

    fn next_iin(&mut self) -> String {
        loop {
            if self.next >= 50_000 {
                self.next = 30_000;
                self.born = self.born.tomorrow().unwrap_or(self.born);
            }
            let stem = format!("{}{:05}", self.born.strftime("%y%m%d"), self.next);
            self.next += 1;
            if let Some(iin) = qyzmet_core::Iin::complete(&stem) {
                return iin.to_string();
            }
        }
    }
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
                    id: slot.applicant.clone(),
                    region: model.region().to_owned(),
                    ..Applicant::default()
                },
                form: serde_json::json!({}),
                documents: model
                    .documents()
                    .iter()
                    .map(|document| (document.id.clone(), true))
                    .collect(),
                provider: Provider {
                    id: "bench".into(),
                    region: model.region().to_owned(),
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
                .step(&case.route, &task.step)
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

/// One half of the bench's cases: a window decided together and committed
/// as one group.
struct Side {
    slots: Vec<Slot>,
    /// The cases as they will be once the group in flight commits.
    targets: Vec<(usize, Case)>,
    decided_at: Instant,
    in_flight: bool,
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
        pipelined: config.pipeline,
        ..BenchReport::default()
    };
    if store.put_regulation(&model.hash, &model.id, text).is_err() {
        report.errors += 1;
    }
    let mut now: Timestamp = "2024-04-01T04:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let mut admitted = 0u64;
    let mut applicants = Applicants::new();
    let mut latencies: Vec<u32> = Vec::new();
    let started = Instant::now();
    let window_size = config.window.max(1);
    // Pipelined: as many groups in flight as the store commits at once
    // (`Store::concurrent_appends`), each on a committer thread, and one
    // side more that the engine decides meanwhile.
    let depth = if config.pipeline {
        store.concurrent_appends().max(1)
    } else {
        1
    };
    report.committers = depth;
    let sides_count = if config.pipeline { depth + 1 } else { 1 };
    let mut sides: Vec<Side> = (0..sides_count)
        .map(|_| Side {
            slots: Vec::with_capacity(window_size),
            targets: Vec::new(),
            decided_at: Instant::now(),
            in_flight: false,
        })
        .collect();
    // The committers: append the groups they are handed, each on a thread
    // of its own, so that the engine decides one side's commands while the
    // store commits the others' — as a server's request threads do. A
    // case's next command is decided only after its previous one is durable.
    let (to_store, groups) = std::sync::mpsc::sync_channel::<(usize, Vec<Batch>)>(depth);
    let (committed, from_store) = std::sync::mpsc::sync_channel::<Committed>(depth);
    let groups = std::sync::Mutex::new(groups);
    // Groups committed for a side the loop is not waiting on yet.
    let mut arrived: Vec<Option<Outcomes>> = (0..sides_count).map(|_| None).collect();
    std::thread::scope(|scope| {
        for _ in 0..depth {
            let committed = committed.clone();
            let groups = &groups;
            scope.spawn(move || {
                loop {
                    let next = groups
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .recv();
                    let Ok((side, batches)) = next else { return };
                    let start = Instant::now();
                    let results = store.append_many(&batches);
                    if committed.send((side, results, start.elapsed())).is_err() {
                        return;
                    }
                }
            });
        }
        drop(committed);
        // Bounded: each round either advances every case of a side or
        // retires it; a case needs a bounded number of commands.
        let rounds_max = config.cases.saturating_mul(64).max(64);
        'rounds: for _round in 0..rounds_max {
            for (side_index, side) in sides.iter_mut().enumerate() {
                if side.in_flight {
                    side.in_flight = false;
                    let Some((results, appending)) =
                        wait_for(side_index, &mut arrived, &from_store)
                    else {
                        report.errors += 1;
                        break 'rounds;
                    };
                    report.store_seconds += appending.as_secs_f64();
                    let latency = side.decided_at.elapsed();
                    let closed = settle(side, results, latency, &mut report, &mut latencies);
                    if closed > 0 {
                        report.cases += closed;
                        progress(report.cases);
                        if report.peak_rss_kib_half.is_none() && report.cases >= config.cases / 2 {
                            report.peak_rss_kib_half = peak_rss_kib();
                        }
                    }
                }
                while side.slots.len() < window_size && admitted < config.cases {
                    admitted += 1;
                    side.slots.push(Slot {
                        case_id: format!("{}{admitted}", config.prefix),
                        applicant: applicants.next_iin(),
                        case: None,
                        stuck: false,
                    });
                }
                if side.slots.is_empty() {
                    continue;
                }
                now = now.checked_add(1.second()).unwrap_or(now);
                let context = Context {
                    now,
                    model,
                    calendar,
                    schedule: &schedule,
                    registries: &registries,
                };
                side.decided_at = Instant::now();
                let deciding = Instant::now();
                let mut batches = Vec::with_capacity(side.slots.len());
                for (index, slot) in side.slots.iter_mut().enumerate() {
                    let Some(command) = next_command(model, &config.route, slot) else {
                        // An open case with nothing to do: the route waits on
                        // something the bench does not drive. Counted and
                        // retired, so that the run ends and says so.
                        report.stuck += 1;
                        slot.stuck = true;
                        continue;
                    };
                    match qyzmet_engine::execute(slot.case.as_ref(), &command, &context) {
                        Ok(executed) => {
                            report.events += executed.batch.events.len() as u64;
                            batches.push(executed.batch);
                            side.targets.push((index, executed.case));
                        }
                        Err(_) => report.errors += 1,
                    }
                }
                report.engine_seconds += deciding.elapsed().as_secs_f64();
                if batches.is_empty() {
                    side.slots.retain(|slot| !slot.stuck);
                    continue;
                }
                if to_store.send((side_index, batches)).is_err() {
                    report.errors += 1;
                    break 'rounds;
                }
                report.commits += 1;
                side.in_flight = true;
            }
            if sides
                .iter()
                .all(|side| side.slots.is_empty() && !side.in_flight)
                || report.errors > 1000
            {
                break;
            }
        }
        // Collect what is still in flight before the committer is told to stop.
        for (side_index, side) in sides.iter_mut().enumerate() {
            if !side.in_flight {
                continue;
            }
            if let Some((results, appending)) = wait_for(side_index, &mut arrived, &from_store) {
                report.store_seconds += appending.as_secs_f64();
                let latency = side.decided_at.elapsed();
                report.cases += settle(side, results, latency, &mut report, &mut latencies);
            }
        }
        drop(to_store);
    });
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
    report.group_counts = store.group_counts();
    report
}

/// A committed group's outcomes and the time its `append_many` took.
type Outcomes = (Vec<Result<Appended, StoreError>>, WallDuration);
/// A committed group, with the side it came from.
type Committed = (usize, Vec<Result<Appended, StoreError>>, WallDuration);

/// The committed group of `side`: from the groups that arrived before it
/// was waited on, or the next ones off the channel. `None`: the committers
/// are gone.
fn wait_for(
    side: usize,
    arrived: &mut [Option<Outcomes>],
    from_store: &std::sync::mpsc::Receiver<Committed>,
) -> Option<Outcomes> {
    loop {
        if let Some(group) = arrived.get_mut(side).and_then(Option::take) {
            return Some(group);
        }
        let (other, results, appending) = from_store.recv().ok()?;
        if let Some(slot) = arrived.get_mut(other) {
            *slot = Some((results, appending));
        }
    }
}

/// Takes a side's committed group back: the cases move on, closed and stuck
/// ones leave the window. Returns how many closed.
fn settle(
    side: &mut Side,
    results: Vec<Result<Appended, StoreError>>,
    latency: WallDuration,
    report: &mut BenchReport,
    latencies: &mut Vec<u32>,
) -> u64 {
    for ((index, case), result) in side.targets.drain(..).zip(results) {
        report.commands += 1;
        latencies.push(latency.as_micros().min(u128::from(u32::MAX)) as u32);
        match result {
            Ok(_) => side.slots[index].case = Some(case),
            Err(_) => report.errors += 1,
        }
    }
    let closed = side
        .slots
        .iter()
        .filter(|slot| slot.case.as_ref().is_some_and(Case::is_closed))
        .count() as u64;
    side.slots
        .retain(|slot| !slot.stuck && slot.case.as_ref().is_none_or(|case| !case.is_closed()));
    closed
}
