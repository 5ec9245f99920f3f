//! Fills a store with realistic cases for tests and `qyzmet bench
//! monitoring`: the real engine decides every command, each case on its own
//! virtual clock (random working delays between commands, so some cases
//! close late), several providers, every route of the regulation, refusals
//! and withdrawals at given rates; a window of in-flight cases is appended
//! per round in one group commit (`Store::append_many`), as `qyzmet bench
//! engine` does.

use std::collections::BTreeMap;
use std::time::Instant;

use jiff::{Timestamp, ToSpan};
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_engine::{
    Action, Actor, Applicant, Case, Command, Context, Grant, MemoryRegistries, Provider,
};
use qyzmet_regulation::ProcessModel;
use qyzmet_store::Store;
use serde::Serialize;

#[derive(Clone, Debug)]
pub struct FillConfig {
    pub cases: u64,
    /// In-flight cases per group commit.
    pub window: usize,
    /// Routes cases arrive on, in turn (all routes of the model when empty).
    pub routes: Vec<String>,
    /// Providers `<prefix>provider-1` … `-N`, in turn.
    pub providers: u32,
    pub seed: u64,
    /// The first submission; later ones follow `arrival_minutes` apart.
    pub start: Timestamp,
    pub arrival_minutes: i64,
    /// The longest delay between two commands of a case, in minutes (the
    /// delay is this times a random number cubed).
    pub delay_max_minutes: i64,
    /// Probability that a decision takes another outcome than its first.
    pub refusal_rate: f64,
    /// Probability that the applicant withdraws instead of the next step.
    pub withdrawal_rate: f64,
    /// Case ids are `<prefix><n>`.
    pub prefix: String,
}

impl Default for FillConfig {
    fn default() -> Self {
        FillConfig {
            cases: 100,
            window: 512,
            routes: Vec::new(),
            providers: 4,
            seed: 1,
            start: "2024-04-01T04:00:00Z"
                .parse()
                .unwrap_or(Timestamp::UNIX_EPOCH),
            arrival_minutes: 3,
            delay_max_minutes: 6 * 24 * 60,
            refusal_rate: 0.1,
            withdrawal_rate: 0.01,
            prefix: "M".into(),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct FillReport {
    pub cases: u64,
    pub closed: u64,
    pub commands: u64,
    pub events: u64,
    pub commits: u64,
    pub seconds: f64,
    pub errors: u64,
    pub error_codes: BTreeMap<String, u64>,
}

/// SplitMix64: small, seeded, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// A valid IIN for applicant `n` (check digit by Decree No 406; numbers
/// whose check digit is 10 twice are skipped).
fn applicant_iin(n: u64) -> String {
    (n..)
        .find_map(|candidate| {
            qyzmet_core::Iin::complete(&format!("9001013{:04}", candidate % 10_000))
        })
        .map(|iin| iin.to_string())
        .expect("some number in every 10,000 has a check digit")
}

struct Slot {
    number: u64,
    case_id: String,
    route: String,
    provider: String,
    now: Timestamp,
    case: Option<Case>,
    stuck: u32,
}

fn submit(model: &ProcessModel, slot: &Slot) -> Command {
    let route_def = model.route(&slot.route);
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
            FieldType::Enum => serde_json::json!(field.values.first().cloned().unwrap_or_default()),
            FieldType::String => serde_json::json!("x"),
            FieldType::Int => serde_json::json!(1),
            FieldType::Bool => serde_json::json!(true),
            FieldType::Date => serde_json::json!("2000-01-01"),
        };
        form.insert(field.id.clone(), value);
    }
    Command {
        case_id: slot.case_id.clone(),
        actor: Actor {
            user_id: "applicant".into(),
            grants: Vec::new(),
        },
        idempotency_key: None,
        expected_version: None,
        action: Action::Submit {
            route: slot.route.clone(),
            applicant: Applicant {
                id: applicant_iin(slot.number),
                region: model.region().to_owned(),
                ..Applicant::default()
            },
            form: serde_json::Value::Object(form),
            documents,
            provider: Provider {
                id: slot.provider.clone(),
                region: model.region().to_owned(),
                units: qyzmet_runtime::default_units(model, &slot.provider),
            },
            checks: BTreeMap::new(),
            signature: None,
            representative: None,
        },
    }
}

/// The next command of an open case, and the instant it happens.
fn next_command(
    model: &ProcessModel,
    slot: &Slot,
    case: &Case,
    rng: &mut Rng,
    config: &FillConfig,
) -> Option<(Command, Timestamp)> {
    let r = rng.unit();
    let delay = ((r * r * r) * config.delay_max_minutes as f64) as i64 + 1;
    let at = slot.now.checked_add(delay.minutes()).unwrap_or(slot.now);
    let command = |user: &str, grants: Vec<Grant>, action: Action| Command {
        case_id: slot.case_id.clone(),
        actor: Actor {
            user_id: user.into(),
            grants,
        },
        idempotency_key: None,
        expected_version: Some(case.version),
        action,
    };
    if let Some(request) = case
        .open_requests()
        .find(|request| request.status == qyzmet_engine::RequestStatus::Pending)
    {
        let at = slot.now.checked_add(1.minute()).unwrap_or(slot.now);
        return Some((
            command(
                "system:gateway",
                Vec::new(),
                Action::RecordAnswer {
                    request_id: request.request_id.clone(),
                    answer: request.system.positive(),
                    data: serde_json::Value::Null,
                },
            ),
            at,
        ));
    }
    if rng.unit() < config.withdrawal_rate {
        return Some((
            command(
                &case.applicant.id,
                Vec::new(),
                Action::Withdraw {
                    reason: Some("changed mind".into()),
                },
            ),
            at,
        ));
    }
    if let Some(task) = case.open_tasks().next() {
        let step = model.step(&case.route, &task.step);
        let outcome = step.filter(|_| !task.escalation).and_then(|step| {
            let first = step.outcomes.first()?;
            if step.outcomes.len() > 1 && rng.unit() < config.refusal_rate {
                let other = 1 + rng.below(step.outcomes.len() - 1);
                Some(step.outcomes[other].id.clone())
            } else {
                Some(first.id.clone())
            }
        });
        let data = if step.is_some_and(|step| step.calls.contains(&qyzmet_core::System::Payment)) {
            serde_json::json!({"amount_tiyn": 4_250_000})
        } else {
            serde_json::Value::Null
        };
        return Some((
            command(
                &format!("staff:{}", task.role),
                vec![Grant {
                    role: task.role.clone(),
                    unit: task.unit.clone(),
                }],
                Action::Complete {
                    task_id: task.task_id.clone(),
                    outcome,
                    data,
                },
            ),
            at,
        ));
    }
    // Nothing to do but wait: the earliest timer fires.
    let timer = case.timers.values().min_by_key(|timer| timer.due)?;
    Some((
        command(
            "system:timer",
            Vec::new(),
            Action::FireTimer {
                timer_id: timer.timer_id.clone(),
            },
        ),
        timer.due.max(slot.now),
    ))
}

/// Runs `config.cases` cases of `model` into `store`; `progress` gets the
/// number of cases finished so far.
pub fn fill(
    store: &dyn Store,
    model: &ProcessModel,
    text: &str,
    calendar: &Calendar,
    schedule: &Schedule,
    config: &FillConfig,
    mut progress: impl FnMut(u64),
) -> FillReport {
    let mut report = FillReport::default();
    let started = Instant::now();
    if store.put_regulation(&model.hash, &model.id, text).is_err() {
        report.errors += 1;
    }
    let routes: Vec<String> = if config.routes.is_empty() {
        model
            .routes()
            .iter()
            .map(|route| route.key.clone())
            .collect()
    } else {
        config.routes.clone()
    };
    let registries = MemoryRegistries::default();
    let mut rng = Rng(config.seed);
    let mut admitted = 0u64;
    let mut window: Vec<Slot> = Vec::with_capacity(config.window);
    let window_size = config.window.max(1);
    let rounds_max = config.cases.saturating_mul(64).max(64);
    for _round in 0..rounds_max {
        while window.len() < window_size && admitted < config.cases {
            let number = admitted;
            admitted += 1;
            let arrival = config
                .start
                .checked_add((config.arrival_minutes * number as i64).minutes())
                .unwrap_or(config.start);
            window.push(Slot {
                number,
                case_id: format!("{}{number:07}", config.prefix),
                route: routes[(number as usize) % routes.len().max(1)].clone(),
                provider: format!(
                    "{}provider-{}",
                    config.prefix,
                    1 + number % u64::from(config.providers.max(1))
                ),
                now: arrival,
                case: None,
                stuck: 0,
            });
        }
        if window.is_empty() {
            break;
        }
        let mut batches = Vec::with_capacity(window.len());
        let mut targets = Vec::with_capacity(window.len());
        for (index, slot) in window.iter_mut().enumerate() {
            let planned = match &slot.case {
                None => Some((submit(model, slot), slot.now)),
                Some(case) if case.is_closed() => None,
                Some(case) => next_command(model, slot, case, &mut rng, config),
            };
            let Some((command, at)) = planned else {
                slot.stuck += 1;
                continue;
            };
            let context = Context {
                now: at,
                model,
                calendar,
                schedule,
                registries: &registries,
            };
            match qyzmet_engine::execute(slot.case.as_ref(), &command, &context) {
                Ok(executed) => {
                    report.events += executed.batch.events.len() as u64;
                    batches.push(executed.batch);
                    targets.push((index, executed.case, at));
                }
                Err(error) => {
                    report.errors += 1;
                    slot.stuck += 1;
                    *report
                        .error_codes
                        .entry(format!("{}: {}", command.action.name(), error.code()))
                        .or_default() += 1;
                }
            }
        }
        let results = store.append_many(&batches);
        report.commits += 1;
        for ((index, case, at), result) in targets.into_iter().zip(results) {
            report.commands += 1;
            match result {
                Ok(_) => {
                    window[index].case = Some(case);
                    window[index].now = at;
                }
                Err(error) => {
                    report.errors += 1;
                    *report
                        .error_codes
                        .entry(format!("append: {error}"))
                        .or_default() += 1;
                }
            }
        }
        let before = window.len();
        let mut closed = 0u64;
        window.retain(|slot| {
            let done = slot.case.as_ref().is_some_and(Case::is_closed);
            if done {
                closed += 1;
            }
            // A case with nothing left to do (or failing again and again)
            // leaves the window open.
            !done && slot.stuck < 3
        });
        report.closed += closed;
        report.cases += (before - window.len()) as u64;
        if before != window.len() {
            progress(report.cases);
        }
        if report.errors > 1000 {
            break;
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report
}
