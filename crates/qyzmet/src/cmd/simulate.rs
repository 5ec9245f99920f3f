//! `qyzmet simulate`: capacity planning with the real engine in virtual time.

use std::process::ExitCode;

use anyhow::Context as _;
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_runtime::Catalog;
use qyzmet_runtime::simulate::{SimulationConfig, simulate};

#[derive(clap::Args)]
pub struct SimulateArgs {
    /// Regulation id (`qyzmet list`).
    #[arg(long)]
    pub regulation: String,
    /// Route(s) applications arrive on, shared evenly (default: all).
    #[arg(long = "route")]
    pub routes: Vec<String>,
    /// Calendar days during which applications arrive.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Mean applications per working day.
    #[arg(long, default_value_t = 20.0)]
    pub arrivals_per_day: f64,
    /// Staff of a role, `role=count`; roles not named have one person.
    #[arg(long = "staff", value_parser = parse_staff)]
    pub staff: Vec<(String, u32)>,
    /// Seed of the random generator: the same seed gives the same report.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First day, YYYY-MM-DD.
    #[arg(long, default_value = "2024-04-01")]
    pub start: jiff::civil::Date,
    /// Office hours (`qyzmet deadline --help` lists the named schedules).
    #[arg(long, default_value = "standard")]
    pub schedule: String,
    /// Probability that a decision takes another outcome than its first.
    #[arg(long, default_value_t = 0.1)]
    pub refusal_rate: f64,
    /// Output: a table for people or the full report as JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Directory of regulation files (default: ./regulations or the bundled copy).
    #[arg(long)]
    pub regulations: Option<std::path::PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

fn parse_staff(text: &str) -> Result<(String, u32), String> {
    let (role, count) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: write staff as role=count"))?;
    let count = count
        .parse::<u32>()
        .map_err(|_| format!("`{count}` is not a number of people"))?;
    Ok((role.to_owned(), count))
}

pub fn run(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.days <= 3660, "at most ten years (3660 days) per run");
    anyhow::ensure!(
        (0.0..=100_000.0).contains(&args.arrivals_per_day),
        "--arrivals-per-day must be between 0 and 100000"
    );
    let calendar = Calendar::kazakhstan();
    let catalog = match &args.regulations {
        Some(dir) => Catalog::from_dir(dir, &calendar)?,
        None => Catalog::default_for_cwd(&calendar)?,
    };
    let entry = catalog.by_id(&args.regulation).with_context(|| {
        format!(
            "no regulation `{}`; `qyzmet list` shows the ids",
            args.regulation
        )
    })?;
    let routes: Vec<String> = entry
        .model
        .routes()
        .iter()
        .map(|route| route.key.clone())
        .collect();
    for route in &args.routes {
        anyhow::ensure!(
            routes.contains(route),
            "no route `{route}`; routes: {}",
            routes.join(", ")
        );
    }
    let schedule = Schedule::named(&args.schedule)
        .with_context(|| format!("unknown schedule `{}`", args.schedule))?;
    let config = SimulationConfig {
        routes: args.routes.clone(),
        days: args.days,
        arrivals_per_day: args.arrivals_per_day,
        staff: args.staff.iter().cloned().collect(),
        seed: args.seed,
        start: args.start,
        refusal_rate: args.refusal_rate,
        ..SimulationConfig::default()
    };
    let report = simulate(&entry.model, &calendar, &schedule, &config);
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => {
            outln!(
                "{} — {} day(s), seed {}: {} case(s) closed, {} still open, {} simulated event(s)",
                report.regulation,
                report.days,
                report.seed,
                report.cases,
                report.open_cases,
                report.events
            );
            outln!("\nper channel:");
            for route in &report.routes {
                let within = if route.with_term > 0 {
                    format!(
                        "{:.1}% within term",
                        100.0 * route.within_term as f64 / route.with_term as f64
                    )
                } else {
                    "no term in the regulation".to_owned()
                };
                outln!(
                    "  {:<40} submitted {:>6}  closed {:>6}  {within}  {:?}",
                    route.route,
                    route.submitted,
                    route.closed,
                    route.statuses
                );
            }
            outln!("\nper step (working minutes):");
            for step in &report.steps {
                let within = if step.with_limit > 0 {
                    format!(
                        "{:>5.1}%",
                        100.0 * step.within_limit as f64 / step.with_limit as f64
                    )
                } else {
                    "   — ".to_owned()
                };
                outln!(
                    "  {:<40} {:<22} {:<16} tasks {:>6}  within limit {within}  wait mean {:>8.1} max {:>6}  work {:>6.1}",
                    step.route,
                    step.step,
                    step.role,
                    step.tasks,
                    step.mean_wait_minutes,
                    step.max_wait_minutes,
                    step.mean_work_minutes
                );
            }
            outln!("\nper role:");
            for role in &report.roles {
                outln!(
                    "  {:<24} staff {:>3}  tasks {:>7}  utilization {:>5.1}%",
                    role.role,
                    role.staff,
                    role.tasks,
                    100.0 * role.utilization
                );
            }
            if let Some(role) = &report.busiest_role {
                outln!("\nbusiest role: {role}");
            }
            if report.engine_errors > 0 {
                outln!(
                    "engine refused {} command(s): {:?}",
                    report.engine_errors,
                    report.engine_error_codes
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
