//! `qyzmet bench gateway`: the fault suite of the gateway and its outbox.
//!
//! The parent process starts the gateway simulator with injected faults,
//! plans `--cases` applications on the West Kazakhstan service-centre
//! routes, and runs a worker process (`qyzmet bench gateway-worker`) that
//! submits them, runs the outbox and completes every task as staff would.
//! It kills the worker with SIGKILL `--kills` times at random instants and
//! starts it again, then lets it finish, and checks from the store and the
//! simulator's own counters:
//!
//! - no case is stuck: each is closed, or has an open task for a person;
//! - no payment order exists twice for one case and amount;
//! - every command the worker acknowledged (after its append returned) is
//!   in the store.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use jiff::{SignedDuration, Timestamp};
use qyzmet_calendar::Calendar;
use qyzmet_core::System;
use qyzmet_engine::{
    Action, Actor, Applicant, ApplicantKind, Command, Grant, Provider, Representative,
};
use qyzmet_gateway::sim::{Dataset, FaultConfig, SimConfig};
use qyzmet_gateway::{Client, ClientConfig};
use qyzmet_regulation::model::{Channel, StepKind};
use qyzmet_runtime::{Catalog, RetryPolicy, Runtime};
use serde::{Deserialize, Serialize};

#[derive(clap::Args)]
pub struct GatewayBenchArgs {
    /// How many applications to run.
    #[arg(long, default_value_t = 1000)]
    pub cases: usize,
    /// The share of gateway requests that meet an injected fault (split
    /// evenly between timeouts, HTTP 5xx, SOAP faults, malformed XML and
    /// bad response signatures).
    #[arg(long, default_value_t = 0.2)]
    pub fault_rate: f64,
    /// How many times the worker is killed with SIGKILL during the run.
    #[arg(long, default_value_t = 10)]
    pub kills: usize,
    /// The database (default: a fresh SQLite file in a temporary directory).
    #[arg(long)]
    pub db: Option<String>,
    /// Seed of the plan, the faults and the kill instants.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct GatewayWorkerArgs {
    #[arg(long)]
    pub db: String,
    #[arg(long)]
    pub gateway: String,
    #[arg(long)]
    pub plan: PathBuf,
    /// Acknowledged commands are appended here, one line each, after the
    /// store confirmed them.
    #[arg(long)]
    pub ack: PathBuf,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct PlannedCase {
    case_id: String,
    regulation: String,
    route: String,
    applicant: String,
    representative: Option<String>,
}

#[derive(Debug, Serialize)]
struct Report {
    cases: usize,
    fault_rate: f64,
    kills: usize,
    worker_starts: usize,
    wall_seconds: f64,
    closed: usize,
    open_with_task: usize,
    stuck: Vec<String>,
    manual_checks: usize,
    requests: u64,
    exchanges: u64,
    exchange_errors: u64,
    payment_orders: u64,
    duplicate_payment_orders: u64,
    acknowledged: usize,
    acknowledged_missing: Vec<String>,
    faults_injected: BTreeMap<String, u64>,
}

/// Where a bench run keeps its files.
fn work_dir() -> PathBuf {
    std::env::temp_dir().join(format!("qyzmet-bench-gateway-{}", std::process::id()))
}

pub fn run(args: GatewayBenchArgs) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.fault_rate) {
        bail!("--fault-rate is a share between 0 and 1");
    }
    let dir = work_dir();
    std::fs::create_dir_all(&dir)?;
    let db = args
        .db
        .clone()
        .unwrap_or_else(|| dir.join("bench.db").display().to_string());
    let calendar = Calendar::kazakhstan();
    let catalog = Catalog::default_for_cwd(&calendar)?;

    let dataset = Dataset::generate(args.cases.max(10), args.seed);
    let plan = plan_cases(&catalog, &dataset, args.cases, args.seed)?;
    let plan_path = dir.join("plan.json");
    std::fs::write(&plan_path, serde_json::to_vec(&plan)?)?;
    let ack_path = dir.join("ack.log");

    let share = args.fault_rate / 5.0;
    let sim = qyzmet_gateway::sim::start(SimConfig {
        dataset,
        faults: FaultConfig {
            timeout_rate: share,
            error_rate: share,
            fault_rate: share,
            malformed_rate: share,
            bad_signature_rate: share,
            seed: args.seed,
            ..FaultConfig::default()
        },
        ..SimConfig::default()
    })
    .context("cannot start the gateway simulator")?;
    let url = sim.url();
    eprintln!(
        "qyzmet: {} cases, {:.0} % faults, {} kills; simulator at {url}, database {db}",
        args.cases,
        args.fault_rate * 100.0,
        args.kills
    );

    let started = Instant::now();
    let exe = std::env::current_exe()?;
    let spawn = || {
        std::process::Command::new(&exe)
            .args(["bench", "gateway-worker", "--db", &db, "--gateway", &url])
            .arg("--plan")
            .arg(&plan_path)
            .arg("--ack")
            .arg(&ack_path)
            .stdin(std::process::Stdio::null())
            .spawn()
            .context("cannot start the worker")
    };
    let mut rng = args.seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let mut starts = 0;
    for kill in 0..args.kills {
        let mut child = spawn()?;
        starts += 1;
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let wait = Duration::from_millis(400 + (rng >> 33) % 2600);
        std::thread::sleep(wait);
        match child.try_wait()? {
            Some(status) => {
                eprintln!(
                    "qyzmet: the worker ended before kill {} ({status})",
                    kill + 1
                );
                break;
            }
            None => {
                child.kill()?; // SIGKILL
                child.wait()?;
                eprintln!(
                    "qyzmet: kill {}/{} after {:.1} s",
                    kill + 1,
                    args.kills,
                    wait.as_secs_f64()
                );
            }
        }
    }
    let mut child = spawn()?;
    starts += 1;
    let status = child.wait()?;
    if !status.success() {
        bail!("the last worker failed: {status}");
    }
    let wall = started.elapsed();

    let report = verify(&db, &catalog, &plan, &ack_path, &sim, args, starts, wall)?;
    if report.json_requested {
        println!("{}", serde_json::to_string_pretty(&report.report)?);
    } else {
        print_report(&report.report);
    }
    let ok = report.report.stuck.is_empty()
        && report.report.duplicate_payment_orders == 0
        && report.report.acknowledged_missing.is_empty();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

struct Verified {
    report: Report,
    json_requested: bool,
}

#[allow(clippy::too_many_arguments)]
fn verify(
    db: &str,
    catalog: &Catalog,
    plan: &[PlannedCase],
    ack_path: &Path,
    sim: &qyzmet_gateway::sim::SimHandle,
    args: GatewayBenchArgs,
    starts: usize,
    wall: Duration,
) -> anyhow::Result<Verified> {
    let store = qyzmet_store::open(db)?;
    let mut closed = 0;
    let mut open_with_task = 0;
    let mut stuck = Vec::new();
    let mut manual_checks = 0;
    let mut requests = 0;
    for planned in plan {
        let events = store.case_events(&planned.case_id)?;
        let Some(case) = qyzmet_engine::replay(&events)? else {
            stuck.push(format!("{}: never submitted", planned.case_id));
            continue;
        };
        requests += case.requests.len() as u64;
        manual_checks += case
            .tasks
            .values()
            .filter(|task| task.check.is_some())
            .count();
        if case.is_closed() {
            closed += 1;
        } else if case.open_tasks().next().is_some() {
            open_with_task += 1;
        } else {
            stuck.push(format!(
                "{} at {}",
                planned.case_id,
                case.current_step.as_deref().unwrap_or("?")
            ));
        }
    }
    let _ = catalog;
    let stats = store.exchange_stats(Timestamp::UNIX_EPOCH)?;
    let exchanges = stats.iter().map(|stat| stat.calls).sum();
    let exchange_errors = stats.iter().map(|stat| stat.errors).sum();

    // Every acknowledged command: the case holds at least that many events.
    let mut acknowledged = 0;
    let mut missing = Vec::new();
    if let Ok(file) = std::fs::File::open(ack_path) {
        for line in std::io::BufReader::new(file).lines() {
            let line = line?;
            let mut parts = line.split_whitespace();
            let (Some(case_id), Some(version)) = (parts.next(), parts.next()) else {
                continue; // a line torn by the kill was never acknowledged
            };
            let Ok(version) = version.parse::<u64>() else {
                continue;
            };
            acknowledged += 1;
            if store.case_head(case_id)? < version {
                missing.push(format!("{case_id} v{version}"));
            }
        }
    }

    let sim_stats = sim.stats();
    let payment_orders = sim_stats.payment_orders.iter().map(|o| o.count).sum();
    let duplicate_payment_orders = sim_stats
        .payment_orders
        .iter()
        .map(|o| o.count.saturating_sub(1))
        .sum();
    Ok(Verified {
        json_requested: args.json,
        report: Report {
            cases: plan.len(),
            fault_rate: args.fault_rate,
            kills: args.kills,
            worker_starts: starts,
            wall_seconds: wall.as_secs_f64(),
            closed,
            open_with_task,
            stuck,
            manual_checks,
            requests,
            exchanges,
            exchange_errors,
            payment_orders,
            duplicate_payment_orders,
            acknowledged,
            acknowledged_missing: missing,
            faults_injected: sim_stats.faults.clone(),
        },
    })
}

fn print_report(report: &Report) {
    println!("gateway fault suite");
    println!(
        "  cases                    {} (West Kazakhstan, service-centre and payment routes)",
        report.cases
    );
    println!(
        "  injected fault rate      {:.0} %",
        report.fault_rate * 100.0
    );
    println!(
        "  worker SIGKILLs          {} ({} starts)",
        report.kills, report.worker_starts
    );
    println!("  wall time                {:.1} s", report.wall_seconds);
    println!("  closed                   {}", report.closed);
    println!(
        "  open with a task         {} (a person has it)",
        report.open_with_task
    );
    println!("  stuck                    {}", report.stuck.len());
    for case in report.stuck.iter().take(10) {
        println!("    {case}");
    }
    println!("  requests to systems      {}", report.requests);
    println!(
        "  exchanges (attempts)     {} ({} failed)",
        report.exchanges, report.exchange_errors
    );
    let faults: Vec<String> = report
        .faults_injected
        .iter()
        .map(|(kind, count)| format!("{kind} {count}"))
        .collect();
    println!("  faults injected          {}", faults.join(", "));
    println!(
        "  manual checks opened     {} (retry budget spent)",
        report.manual_checks
    );
    println!("  payment orders           {}", report.payment_orders);
    println!(
        "  duplicate payment orders {}",
        report.duplicate_payment_orders
    );
    println!(
        "  acknowledged commands    {} ({} missing from the store)",
        report.acknowledged,
        report.acknowledged_missing.len()
    );
}

/// Applications on every West Kazakhstan regulation's service-centre
/// routes and payment-ordering routes in turn, by applicants of the simulator's dataset; every tenth
/// through a representative with a valid power of attorney.
fn plan_cases(
    catalog: &Catalog,
    dataset: &Dataset,
    cases: usize,
    seed: u64,
) -> anyhow::Result<Vec<PlannedCase>> {
    let mut routes = Vec::new();
    for model in catalog.models() {
        if !model.id.starts_with("west-kazakhstan/") {
            continue;
        }
        for route in model.routes() {
            // The service-centre routes, and the provider's compensation
            // route, the one that orders payments (the centre's routes
            // order none: see semipalatinsk-victims.yaml), so that the
            // duplicate-payment figure counts real orders.
            let pays = route
                .steps()
                .iter()
                .any(|step| step.calls.contains(&System::Payment));
            if route.channel == Channel::ServiceCentre || pays {
                routes.push((model.id.clone(), route.key.clone()));
            }
        }
    }
    routes.sort();
    if routes.is_empty() {
        bail!("no West Kazakhstan service-centre or payment route in the catalogue");
    }
    let people = dataset.person_iins();
    let powers = dataset.valid_powers_of_attorney();
    if people.is_empty() {
        bail!("the simulator's dataset has no persons");
    }
    Ok((0..cases)
        .map(|index| {
            let (regulation, route) = &routes[index % routes.len()];
            let representative = (index % 10 == 9)
                .then(|| powers.get(index / 10 % powers.len().max(1)).cloned())
                .flatten();
            let applicant = match &representative {
                Some((principal, _)) => principal.clone(),
                None => people[(index + seed as usize) % people.len()].clone(),
            };
            PlannedCase {
                case_id: format!("GW{seed}-{index:05}"),
                regulation: regulation.clone(),
                route: route.clone(),
                applicant,
                representative: representative.map(|(_, representative)| representative),
            }
        })
        .collect())
}

/// The worker: submits what is not submitted yet, runs the outbox and
/// completes open tasks until every case is closed. Safe to kill at any
/// instant and start again.
pub fn run_worker(args: GatewayWorkerArgs) -> anyhow::Result<ExitCode> {
    let calendar = Calendar::kazakhstan();
    let catalog = Catalog::default_for_cwd(&calendar)?;
    let store = qyzmet_store::open(&args.db)?;
    let runtime = Runtime::new(store, catalog, calendar);
    let plan: Vec<PlannedCase> = serde_json::from_slice(&std::fs::read(&args.plan)?)?;
    let gateway = Client::new(ClientConfig {
        timeout: Duration::from_millis(300),
        ..ClientConfig::for_simulator(&args.gateway)
    })?;
    let policy = RetryPolicy {
        max_attempts: 6,
        base_delay: SignedDuration::from_millis(20),
        max_delay: SignedDuration::from_millis(500),
        poll_interval: SignedDuration::from_millis(50),
        max_polls: 200,
        lease: SignedDuration::from_secs(2),
    };
    let mut ack = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&args.ack)?;
    let mut acknowledge = |case_id: &str, version: u64| -> anyhow::Result<()> {
        writeln!(ack, "{case_id} {version}")?;
        ack.sync_data()?;
        Ok(())
    };
    let worker = format!("bench-{}", std::process::id());
    let mut closed: BTreeSet<String> = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        if Instant::now() > deadline {
            bail!("the cases did not finish within 15 minutes");
        }
        let mut progress = 0;
        for planned in &plan {
            if closed.contains(&planned.case_id) {
                continue;
            }
            let Some(case) = qyzmet_engine::replay(&runtime.store.case_events(&planned.case_id)?)?
            else {
                let outcome = runtime
                    .run(
                        &submission(&runtime, planned)?,
                        Some(&planned.regulation),
                        Timestamp::now(),
                    )
                    .with_context(|| format!("submitting {}", planned.case_id))?;
                acknowledge(&planned.case_id, outcome.case.version)?;
                progress += 1;
                continue;
            };
            if case.is_closed() {
                closed.insert(planned.case_id.clone());
                continue;
            }
            // One task per round: the case changes, so it is read again.
            if let Some(task) = case.open_tasks().next() {
                let command = completion(&runtime, &case, task)?;
                match runtime.run(&command, None, Timestamp::now()) {
                    Ok(outcome) => {
                        acknowledge(&planned.case_id, outcome.case.version)?;
                        progress += 1;
                    }
                    Err(error) => {
                        bail!("completing {}: {error}", task.task_id);
                    }
                }
            }
        }
        let round = runtime.run_outbox(&gateway, Timestamp::now(), &worker, 200, &policy)?;
        progress += round.answered + round.failed + round.stale;
        if closed.len() == plan.len() {
            return Ok(ExitCode::SUCCESS);
        }
        if progress == 0 {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn submission(runtime: &Runtime, planned: &PlannedCase) -> anyhow::Result<Command> {
    let entry = runtime
        .catalog
        .by_id(&planned.regulation)
        .with_context(|| format!("no regulation {}", planned.regulation))?;
    let provider_id = "wk-bench";
    let units = qyzmet_runtime::default_units(&entry.model, provider_id);
    let documents = entry
        .model
        .documents()
        .iter()
        .map(|document| (document.id.clone(), true))
        .collect();
    Ok(Command {
        case_id: planned.case_id.clone(),
        actor: Actor {
            user_id: "bench-operator".into(),
            grants: Vec::new(),
        },
        idempotency_key: Some(format!("submit:{}", planned.case_id)),
        expected_version: None,
        action: Action::Submit {
            route: planned.route.clone(),
            applicant: Applicant {
                id: planned.applicant.clone(),
                kind: ApplicantKind::Individual,
                region: "west-kazakhstan".into(),
                birth_date: None,
                citizen: Some(true),
                resident: Some(true),
            },
            form: serde_json::Value::Object(bench_form(&entry.model)),
            documents,
            provider: Provider {
                id: provider_id.into(),
                region: "west-kazakhstan".into(),
                units,
            },
            checks: BTreeMap::new(),
            signature: None,
            representative: planned.representative.as_ref().map(|iin| Representative {
                iin: iin.clone(),
                power_of_attorney: None,
            }),
        },
    })
}

/// A value for every required form field.
fn bench_form(
    model: &qyzmet_regulation::ProcessModel,
) -> serde_json::Map<String, serde_json::Value> {
    use qyzmet_regulation::model::FieldType;
    model
        .form()
        .iter()
        .filter(|field| field.required)
        .map(|field| {
            let value = match field.ty {
                FieldType::String => serde_json::json!("bench"),
                FieldType::Int => serde_json::json!(1),
                FieldType::Bool => serde_json::json!(true),
                FieldType::Date => serde_json::json!("2000-01-01"),
                FieldType::Enum => {
                    serde_json::json!(field.values.first().cloned().unwrap_or_default())
                }
            };
            (field.id.clone(), value)
        })
        .collect()
}

/// What a member of staff does with an open task: the positive outcome of
/// a decision, the system's positive answer for a manual check, with the
/// payment's amount and account in the data.
fn completion(
    runtime: &Runtime,
    case: &qyzmet_engine::Case,
    task: &qyzmet_engine::Task,
) -> anyhow::Result<Command> {
    let entry = runtime
        .catalog
        .by_hash(&case.regulation_hash)
        .context("the case's edition is not in the catalogue")?;
    let step = entry.model.step(&case.route, &task.step);
    let outcome = if task.escalation {
        None
    } else if task.check.is_some() {
        task.about
            .as_ref()
            .and_then(|request| case.requests.get(request))
            .map(|request| request.system.positive().as_str().to_owned())
    } else if step.is_some_and(|step| step.kind == StepKind::Decision) {
        step.and_then(|step| step.outcomes.first())
            .map(|outcome| outcome.id.clone())
    } else {
        None
    };
    Ok(Command {
        case_id: case.case_id.clone(),
        actor: Actor {
            // A task the head assigned is completed by its assignee.
            user_id: task
                .assignee
                .clone()
                .unwrap_or_else(|| "bench-staff".into()),
            grants: vec![Grant {
                role: task.role.clone(),
                unit: task.unit.clone(),
            }],
        },
        idempotency_key: Some(format!("complete:{}", task.task_id)),
        expected_version: None,
        action: Action::Complete {
            task_id: task.task_id.clone(),
            outcome,
            data: payment_data(),
        },
    })
}

fn payment_data() -> serde_json::Value {
    serde_json::json!({"amount_tiyn": 15_000_000, "account": "KZ86125KZT5004100100"})
}
