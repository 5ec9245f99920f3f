//! Capacity planning: the real engine run in virtual time.
//!
//! Applications arrive on working days (Poisson-distributed counts, instants
//! spread over office hours), each task waits in its role's queue for one of
//! the role's staff, takes a random share of its step's legal limit as
//! working time, and decisions take their first outcome except with
//! probability `refusal_rate`. Timers fire at their due instants, so overdue
//! steps escalate to the head exactly as in production. Everything is
//! driven by one seeded generator and ordered collections: the same
//! configuration and seed give the same report.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use qyzmet_calendar::{Calendar, LegalClock, Schedule, TermRule};
use qyzmet_core::{Duration, Unit};
use qyzmet_engine::{
    Action, Actor, Applicant, Case, Command, Context, Grant, MemoryRegistries, Provider,
};
use qyzmet_regulation::ProcessModel;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};
use serde::Serialize;

/// The most simulated events (bounds a run whatever the configuration).
pub const SIMULATION_EVENTS_MAX: u64 = 50_000_000;

#[derive(Clone, Debug)]
pub struct SimulationConfig {
    /// Routes cases arrive on, shared evenly (all routes when empty).
    pub routes: Vec<String>,
    /// Calendar days during which applications arrive.
    pub days: u32,
    /// Mean applications per working day.
    pub arrivals_per_day: f64,
    /// Staff per role; roles not listed have one person.
    pub staff: BTreeMap<String, u32>,
    pub seed: u64,
    /// The first day of the simulation.
    pub start: Date,
    /// The share of a step's limit a task takes as working time: uniform in
    /// `[effort_min, effort_max]`.
    pub effort_min: f64,
    pub effort_max: f64,
    /// Longest working time one task takes, in minutes.
    pub effort_cap_minutes: i64,
    /// Working minutes of a task whose step has no limit.
    pub effort_unlimited_minutes: i64,
    /// Probability that a decision takes another outcome than its first.
    pub refusal_rate: f64,
}

impl Default for SimulationConfig {
    fn default() -> Self {
        SimulationConfig {
            routes: Vec::new(),
            days: 30,
            arrivals_per_day: 20.0,
            staff: BTreeMap::new(),
            seed: 1,
            start: jiff::civil::date(2024, 4, 1),
            effort_min: 0.05,
            effort_max: 0.4,
            effort_cap_minutes: 240,
            effort_unlimited_minutes: 15,
            refusal_rate: 0.1,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct StepStats {
    pub route: String,
    pub step: String,
    pub role: String,
    pub tasks: u64,
    /// Tasks of steps with a limit, and those finished within it.
    pub with_limit: u64,
    pub within_limit: u64,
    /// Working minutes from task creation to a person taking it.
    pub mean_wait_minutes: f64,
    pub max_wait_minutes: i64,
    pub mean_work_minutes: f64,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct RouteStats {
    pub route: String,
    pub submitted: u64,
    pub closed: u64,
    /// Closed cases whose route has a term, and those closed within it.
    pub with_term: u64,
    pub within_term: u64,
    /// Cases by final status.
    pub statuses: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct RoleStats {
    pub role: String,
    pub staff: u32,
    pub tasks: u64,
    /// Busy working minutes over available working minutes.
    pub utilization: f64,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct SimulationReport {
    pub regulation: String,
    pub seed: u64,
    pub days: u32,
    pub cases: u64,
    pub events: u64,
    pub steps: Vec<StepStats>,
    pub routes: Vec<RouteStats>,
    pub roles: Vec<RoleStats>,
    pub busiest_role: Option<String>,
    /// Commands the engine refused (a simulation bug if not zero), by code.
    pub engine_errors: u64,
    pub engine_error_codes: BTreeMap<String, u64>,
    /// Cases still open when the simulation stopped.
    pub open_cases: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Happening {
    Arrival {
        route: String,
    },
    WorkDone {
        case_id: String,
        task_id: String,
        role: String,
    },
    TimerDue {
        case_id: String,
        timer_id: String,
    },
    /// A state system answers a request (positively, a minute after it was
    /// asked: the simulation measures people's work, not the gateway's).
    Answer {
        case_id: String,
        request_id: String,
    },
}

#[derive(Default)]
struct StepAccumulator {
    role: String,
    tasks: u64,
    with_limit: u64,
    within_limit: u64,
    wait_total: i64,
    wait_max: i64,
    work_total: i64,
}

/// A valid IIN for simulated applicant `n` (the check digit computed by the
/// Decree No 406 rule; numbers whose check digit is 10 twice are skipped).
fn applicant_iin(n: u64) -> String {
    (n..)
        .find_map(|candidate| {
            qyzmet_core::Iin::complete(&format!("9001013{:04}", candidate % 10_000))
        })
        .map(|iin| iin.to_string())
        .expect("some number in every 10,000 has a check digit")
}

pub fn simulate(
    model: &ProcessModel,
    calendar: &Calendar,
    schedule: &Schedule,
    config: &SimulationConfig,
) -> SimulationReport {
    let clock = LegalClock::new(calendar, schedule);
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let routes: Vec<String> = if config.routes.is_empty() {
        model
            .routes()
            .iter()
            .map(|route| route.key.clone())
            .collect()
    } else {
        config.routes.clone()
    };
    let mut queue: BinaryHeap<Reverse<(Timestamp, u64, Happening)>> = BinaryHeap::new();
    let mut order = 0u64;
    let mut push = |queue: &mut BinaryHeap<_>, at: Timestamp, happening: Happening| {
        order += 1;
        queue.push(Reverse((at, order, happening)));
    };

    // Arrivals: a Poisson count per working day, spread over office time.
    let poisson = Poisson::new(config.arrivals_per_day.max(1e-9)).ok();
    let mut arrivals = 0u64;
    for day in 0..config.days {
        let Ok(date) = config.start.checked_add(i64::from(day).days()) else {
            break;
        };
        if !calendar.is_working_day(date) {
            continue;
        }
        let count = poisson.as_ref().map_or(0, |p| p.sample(&mut rng) as u64);
        let Ok(opening) = date
            .at(0, 0, 0, 0)
            .to_zoned_datetime(schedule.time_zone().clone())
        else {
            continue;
        };
        let Ok(day_start) = clock.deadline(
            opening.timestamp(),
            Duration::new(0, Unit::Minutes),
            TermRule::default(),
        ) else {
            continue;
        };
        let Ok(day_end) = clock.deadline(
            day_start,
            Duration::new(1, Unit::WorkingDays),
            TermRule::default(),
        ) else {
            continue;
        };
        let office_minutes = clock.working_minutes_between(day_start, day_end).max(1);
        for _ in 0..count {
            let offset = rng.random_range(0..office_minutes) as u32;
            let Ok(at) = clock.deadline(
                day_start,
                Duration::new(offset, Unit::Minutes),
                TermRule::default(),
            ) else {
                continue;
            };
            let route = routes[(arrivals as usize) % routes.len().max(1)].clone();
            arrivals += 1;
            push(&mut queue, at, Happening::Arrival { route });
        }
    }

    let registries = MemoryRegistries::default();
    let mut cases: BTreeMap<String, Case> = BTreeMap::new();
    let mut role_queues: BTreeMap<String, VecDeque<(String, String, Timestamp)>> = BTreeMap::new();
    let mut free: BTreeMap<String, u32> = BTreeMap::new();
    let mut busy_minutes: BTreeMap<String, i64> = BTreeMap::new();
    let mut role_tasks: BTreeMap<String, u64> = BTreeMap::new();
    let mut started: BTreeMap<String, (Timestamp, i64)> = BTreeMap::new();
    let mut steps: BTreeMap<(String, String), StepAccumulator> = BTreeMap::new();
    let mut route_stats: BTreeMap<String, RouteStats> = BTreeMap::new();
    let mut queued: std::collections::BTreeSet<String> = Default::default();
    let mut report = SimulationReport {
        regulation: model.id.clone(),
        seed: config.seed,
        days: config.days,
        ..SimulationReport::default()
    };
    let staff_of = |role: &str| config.staff.get(role).copied().unwrap_or(1);
    let mut last_instant = None::<Timestamp>;
    let mut case_number = 0u64;

    while let Some(Reverse((now, _, happening))) = queue.pop() {
        report.events += 1;
        if report.events > SIMULATION_EVENTS_MAX {
            break;
        }
        last_instant = Some(now);
        let context = Context {
            now,
            model,
            calendar,
            schedule,
            registries: &registries,
        };
        let command = match happening {
            Happening::Arrival { route } => {
                case_number += 1;
                let case_id = format!("S{case_number:07}");
                route_stats
                    .entry(route.clone())
                    .or_insert_with(|| RouteStats {
                        route: route.clone(),
                        ..RouteStats::default()
                    })
                    .submitted += 1;
                let route_def = model.route(&route);
                let documents = model
                    .documents()
                    .iter()
                    .filter(|d| route_def.is_some_and(|r| d.channels.contains(&r.channel)))
                    .map(|d| (d.id.clone(), true))
                    .collect();
                let mut form = serde_json::Map::new();
                for field in model.form() {
                    use qyzmet_regulation::model::FieldType;
                    let value = match field.ty {
                        FieldType::Enum => {
                            serde_json::json!(field.values.first().cloned().unwrap_or_default())
                        }
                        FieldType::String => serde_json::json!("x"),
                        FieldType::Int => serde_json::json!(1),
                        FieldType::Bool => serde_json::json!(true),
                        FieldType::Date => serde_json::json!("2000-01-01"),
                    };
                    form.insert(field.id.clone(), value);
                }
                Command {
                    case_id,
                    actor: Actor {
                        user_id: "applicant".into(),
                        grants: Vec::new(),
                    },
                    idempotency_key: None,
                    expected_version: None,
                    action: Action::Submit {
                        route,
                        applicant: Applicant {
                            id: applicant_iin(case_number),
                            region: model.region().to_owned(),
                            ..Applicant::default()
                        },
                        form: serde_json::Value::Object(form),
                        documents,
                        provider: Provider {
                            id: "simulated-provider".into(),
                            region: model.region().to_owned(),
                            units: crate::default_units(model, "simulated-provider"),
                        },
                        checks: BTreeMap::new(),
                        signature: None,
                        representative: None,
                    },
                }
            }
            Happening::WorkDone {
                case_id,
                task_id,
                role,
            } => {
                *free.entry(role.clone()).or_insert_with(|| staff_of(&role)) += 1;
                let Some(case) = cases.get(&case_id) else {
                    continue;
                };
                let Some(task) = case.tasks.get(&task_id).cloned() else {
                    continue;
                };
                let route = case.route.clone();
                if let Some((start, work)) = started.remove(&task_id) {
                    // Escalations are the head's extra work about a step,
                    // counted apart from the step itself.
                    let step_key = if task.escalation {
                        format!("{} (escalation)", task.step)
                    } else {
                        task.step.clone()
                    };
                    let accumulator = steps.entry((route.clone(), step_key)).or_default();
                    accumulator.role = task.role.clone();
                    accumulator.tasks += 1;
                    let wait = clock.working_minutes_between(task.created_at, start).max(0);
                    accumulator.wait_total += wait;
                    accumulator.wait_max = accumulator.wait_max.max(wait);
                    accumulator.work_total += work;
                    if let Some(due) = task.due {
                        accumulator.with_limit += 1;
                        if now <= due {
                            accumulator.within_limit += 1;
                        }
                    }
                }
                let step = model.step(&route, &task.step);
                let outcome = step.filter(|_| !task.escalation).and_then(|step| {
                    let first = step.outcomes.first()?;
                    if step.outcomes.len() > 1
                        && rng.random_bool(config.refusal_rate.clamp(0.0, 1.0))
                    {
                        let other = rng.random_range(1..step.outcomes.len());
                        Some(step.outcomes[other].id.clone())
                    } else {
                        Some(first.id.clone())
                    }
                });
                Command {
                    case_id,
                    actor: Actor {
                        user_id: format!("staff:{role}"),
                        grants: vec![Grant {
                            role: task.role.clone(),
                            unit: task.unit.clone(),
                        }],
                    },
                    idempotency_key: None,
                    expected_version: None,
                    action: Action::Complete {
                        task_id,
                        outcome,
                        // A payment order needs its amount.
                        data: if step
                            .is_some_and(|step| step.calls.contains(&qyzmet_core::System::Payment))
                        {
                            serde_json::json!({"amount_tiyn": 4_250_000})
                        } else {
                            serde_json::Value::Null
                        },
                    },
                }
            }
            Happening::Answer {
                case_id,
                request_id,
            } => {
                let Some(request) = cases
                    .get(&case_id)
                    .and_then(|case| case.requests.get(&request_id))
                else {
                    continue;
                };
                if request.status != qyzmet_engine::RequestStatus::Pending {
                    continue;
                }
                Command {
                    case_id,
                    actor: Actor {
                        user_id: "system:gateway".into(),
                        grants: Vec::new(),
                    },
                    idempotency_key: None,
                    expected_version: None,
                    action: Action::RecordAnswer {
                        request_id,
                        answer: request.system.positive(),
                        data: serde_json::Value::Null,
                    },
                }
            }
            Happening::TimerDue { case_id, timer_id } => {
                let Some(case) = cases.get(&case_id) else {
                    continue;
                };
                if !case.timers.contains_key(&timer_id) {
                    continue;
                }
                Command {
                    case_id,
                    actor: Actor {
                        user_id: "system:timer".into(),
                        grants: Vec::new(),
                    },
                    idempotency_key: None,
                    expected_version: None,
                    action: Action::FireTimer { timer_id },
                }
            }
        };
        let case_id = command.case_id.clone();
        let state = cases.get(&case_id);
        let executed = match qyzmet_engine::execute(state, &command, &context) {
            Ok(executed) => executed,
            Err(error) => {
                report.engine_errors += 1;
                *report
                    .engine_error_codes
                    .entry(format!("{}: {}", command.action.name(), error))
                    .or_default() += 1;
                continue;
            }
        };
        let case = executed.case;
        // New timers and tasks enter the queues.
        for timer in case.timers.values() {
            if queued.insert(timer.timer_id.clone()) {
                push(
                    &mut queue,
                    timer.due,
                    Happening::TimerDue {
                        case_id: case_id.clone(),
                        timer_id: timer.timer_id.clone(),
                    },
                );
            }
        }
        for request in case.open_requests() {
            if request.status == qyzmet_engine::RequestStatus::Pending
                && queued.insert(request.request_id.clone())
            {
                push(
                    &mut queue,
                    now.checked_add(1.minute()).unwrap_or(now),
                    Happening::Answer {
                        case_id: case_id.clone(),
                        request_id: request.request_id.clone(),
                    },
                );
            }
        }
        for task in case.open_tasks() {
            if queued.insert(task.task_id.clone()) {
                role_queues
                    .entry(task.role.clone())
                    .or_default()
                    .push_back((case_id.clone(), task.task_id.clone(), now));
            }
        }
        if case.is_closed() {
            let stats = route_stats
                .entry(case.route.clone())
                .or_insert_with(|| RouteStats {
                    route: case.route.clone(),
                    ..RouteStats::default()
                });
            stats.closed += 1;
            *stats
                .statuses
                .entry(format!("{:?}", case.status()).to_lowercase())
                .or_default() += 1;
            if let (Some(due), Some(closed)) = (case.due, case.closed_at) {
                stats.with_term += 1;
                if closed <= due {
                    stats.within_term += 1;
                }
            }
            report.cases += 1;
            cases.remove(&case_id);
        } else {
            cases.insert(case_id, case);
        }
        // Free staff take queued tasks (skipping tasks closed meanwhile).
        let roles: Vec<String> = role_queues.keys().cloned().collect();
        for role in roles {
            let available = free.entry(role.clone()).or_insert_with(|| staff_of(&role));
            let Some(queue_of_role) = role_queues.get_mut(&role) else {
                continue;
            };
            while *available > 0 {
                let Some((task_case, task_id, _)) = queue_of_role.pop_front() else {
                    break;
                };
                let Some(task) = cases
                    .get(&task_case)
                    .and_then(|case| case.tasks.get(&task_id))
                else {
                    continue;
                };
                if !matches!(
                    task.status,
                    qyzmet_storage::record::TaskStatus::Open
                        | qyzmet_storage::record::TaskStatus::Claimed
                ) {
                    continue;
                }
                let limit_minutes = match task.due {
                    Some(due) => clock.working_minutes_between(task.created_at, due).max(1),
                    None => config.effort_unlimited_minutes.max(1),
                };
                let share =
                    rng.random_range(config.effort_min..=config.effort_max.max(config.effort_min));
                let work = ((limit_minutes as f64 * share) as i64)
                    .clamp(1, config.effort_cap_minutes.max(1));
                let Ok(done) = clock.deadline(
                    now,
                    Duration::new(work as u32, Unit::Minutes),
                    TermRule::default(),
                ) else {
                    continue;
                };
                *available -= 1;
                *busy_minutes.entry(role.clone()).or_default() += work;
                *role_tasks.entry(role.clone()).or_default() += 1;
                started.insert(task_id.clone(), (now, work));
                push(
                    &mut queue,
                    done,
                    Happening::WorkDone {
                        case_id: task_case,
                        task_id,
                        role: role.clone(),
                    },
                );
            }
        }
    }

    report.open_cases = cases.len() as u64;
    report.steps = steps
        .into_iter()
        .map(|((route, step), acc)| StepStats {
            route,
            step,
            role: acc.role,
            tasks: acc.tasks,
            with_limit: acc.with_limit,
            within_limit: acc.within_limit,
            mean_wait_minutes: if acc.tasks > 0 {
                acc.wait_total as f64 / acc.tasks as f64
            } else {
                0.0
            },
            max_wait_minutes: acc.wait_max,
            mean_work_minutes: if acc.tasks > 0 {
                acc.work_total as f64 / acc.tasks as f64
            } else {
                0.0
            },
        })
        .collect();
    report.routes = route_stats.into_values().collect();
    // Available working minutes per person over the simulated span.
    let span_end = last_instant.unwrap_or(Timestamp::UNIX_EPOCH);
    let span_start = config
        .start
        .at(0, 0, 0, 0)
        .to_zoned_datetime(schedule.time_zone().clone())
        .map(|zoned| zoned.timestamp())
        .unwrap_or(span_end);
    let available_minutes = clock.working_minutes_between(span_start, span_end).max(1) as f64;
    report.roles = role_tasks
        .into_iter()
        .map(|(role, tasks)| {
            let staff = staff_of(&role);
            let busy = busy_minutes.get(&role).copied().unwrap_or(0) as f64;
            RoleStats {
                utilization: busy / (available_minutes * f64::from(staff.max(1))),
                role,
                staff,
                tasks,
            }
        })
        .collect();
    report.busiest_role = report
        .roles
        .iter()
        .max_by(|a, b| a.utilization.total_cmp(&b.utilization))
        .map(|role| role.role.clone());
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(id: &str) -> ProcessModel {
        let calendar = Calendar::kazakhstan();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../../regulations/{id}.yaml"));
        let text = std::fs::read_to_string(path).unwrap();
        qyzmet_regulation::check(&text, &calendar).model.unwrap()
    }

    #[test]
    fn same_seed_same_report_and_every_case_closes() {
        let model = model("kyzylorda/2015-141/unemployed-registration");
        let calendar = Calendar::kazakhstan();
        let schedule = Schedule::standard();
        let config = SimulationConfig {
            days: 10,
            arrivals_per_day: 8.0,
            ..SimulationConfig::default()
        };
        let first = simulate(&model, &calendar, &schedule, &config);
        let second = simulate(&model, &calendar, &schedule, &config);
        assert_eq!(first, second);
        assert_eq!(first.engine_errors, 0, "{:?}", first.engine_error_codes);
        assert_eq!(first.open_cases, 0);
        let submitted: u64 = first.routes.iter().map(|route| route.submitted).sum();
        assert!(submitted > 40, "{submitted} cases in 10 days at 8/day");
        assert_eq!(first.cases, submitted);
        let other = simulate(
            &model,
            &calendar,
            &schedule,
            &SimulationConfig { seed: 2, ..config },
        );
        assert_ne!(first, other);
    }

    #[test]
    fn more_staff_means_less_waiting() {
        let model = model("kyzylorda/2015-141/unemployed-registration");
        let calendar = Calendar::kazakhstan();
        let schedule = Schedule::standard();
        let busy = SimulationConfig {
            days: 10,
            arrivals_per_day: 40.0,
            ..SimulationConfig::default()
        };
        let staffed = SimulationConfig {
            staff: [("executor".to_owned(), 8), ("head".to_owned(), 2)]
                .into_iter()
                .collect(),
            ..busy.clone()
        };
        let wait = |report: &SimulationReport| -> f64 {
            report
                .steps
                .iter()
                .map(|step| step.mean_wait_minutes * step.tasks as f64)
                .sum()
        };
        let one = simulate(&model, &calendar, &schedule, &busy);
        let many = simulate(&model, &calendar, &schedule, &staffed);
        assert!(
            wait(&many) < wait(&one),
            "{} !< {}",
            wait(&many),
            wait(&one)
        );
        assert_eq!(one.busiest_role.as_deref(), Some("executor"));
    }
}
