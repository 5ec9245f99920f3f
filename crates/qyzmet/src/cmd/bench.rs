//! `qyzmet bench …`: benchmarks that print figures.

use std::process::ExitCode;

use anyhow::Context as _;
use qyzmet_calendar::Calendar;
use qyzmet_runtime::Catalog;
use qyzmet_runtime::bench::{BenchConfig, bench_engine};

#[path = "bench_load.rs"]
mod bench_load;
#[path = "bench_monitoring.rs"]
mod bench_monitoring;

#[derive(clap::Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub command: BenchCommand,
}

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Full cases (submit → every step → issued) through the engine and a
    /// durable store, with group commit; prints cases/s, events/s and
    /// command latency.
    Engine {
        /// How many complete cases to run.
        #[arg(long, default_value_t = 10_000)]
        cases: u64,
        /// The database (default: a fresh SQLite file in a temporary directory).
        #[arg(long)]
        db: Option<String>,
        /// In-flight cases per group commit.
        #[arg(long, default_value_t = 512)]
        window: usize,
        #[arg(long, default_value = "kyzylorda/2015-141/unemployed-registration")]
        regulation: String,
        #[arg(long, default_value = "provider_office")]
        route: String,
        /// Decide and commit in turn, on one thread (by default the engine
        /// decides one window while the store commits another).
        #[arg(long)]
        no_pipeline: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The gateway fault suite: cases on the West Kazakhstan service-centre
    /// routes against the gateway simulator with injected faults, the
    /// worker killed with SIGKILL during the run; prints stuck cases,
    /// duplicate payment orders and lost acknowledged commands.
    Gateway(super::bench_gateway::GatewayBenchArgs),
    /// Quality monitoring: fills a store with engine-driven cases, folds
    /// the whole log into the monitor and times reports over all cases and
    /// filtered ones.
    Monitoring(bench_monitoring::MonitoringBenchArgs),
    /// Latency of `qyzmet serve` under an open load: a fixed arrival rate
    /// of office applications and task completions through the HTTP API,
    /// stepped up; prints p50/p99/p99.9/max per request kind and the
    /// highest rate held with p99 under the limit.
    Load(bench_load::LoadBenchArgs),
    /// The worker process of `bench gateway` (started by it).
    #[command(hide = true)]
    GatewayWorker(super::bench_gateway::GatewayWorkerArgs),
}

pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        BenchCommand::Gateway(args) => super::bench_gateway::run(args),
        BenchCommand::Monitoring(args) => bench_monitoring::run(args),
        BenchCommand::Load(args) => bench_load::run(args),
        BenchCommand::GatewayWorker(args) => super::bench_gateway::run_worker(args),
        BenchCommand::Engine {
            cases,
            db,
            window,
            regulation,
            route,
            no_pipeline,
            json,
        } => {
            let calendar = Calendar::kazakhstan();
            let catalog = Catalog::default_for_cwd(&calendar)?;
            let entry = catalog
                .by_id(&regulation)
                .with_context(|| format!("no regulation `{regulation}`"))?;
            let temp = std::env::temp_dir().join(format!("qyzmet-bench-{}", std::process::id()));
            let url = match db {
                Some(url) => url,
                None => {
                    std::fs::create_dir_all(&temp)?;
                    temp.join("bench.db").display().to_string()
                }
            };
            let store = qyzmet_store::open(&url).with_context(|| format!("cannot open {url}"))?;
            let config = BenchConfig {
                cases,
                window,
                route,
                prefix: format!("bench-{}-", jiff::Timestamp::now().as_millisecond()),
                pipeline: !no_pipeline,
            };
            let step = (cases / 10).max(1);
            let mut next = step;
            let report = bench_engine(
                store.as_ref(),
                &entry.model,
                &entry.text,
                &calendar,
                &config,
                |done| {
                    if done >= next {
                        eprint!("\r{done}/{cases} cases");
                        next = done + step;
                    }
                },
            );
            eprintln!();
            let _ = std::fs::remove_dir_all(&temp);
            if json {
                outln!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                outln!(
                    "store:            {}",
                    if url.starts_with("postgres") {
                        "PostgreSQL"
                    } else {
                        "SQLite (WAL, synchronous=FULL)"
                    }
                );
                outln!("regulation:       {} / {}", report.regulation, report.route);
                if !report.pipelined {
                    outln!("pipeline:         off (decide, then commit)");
                } else if report.committers > 1 {
                    outln!(
                        "pipeline:         decide one window while {} others commit side by side",
                        report.committers
                    );
                } else {
                    outln!("pipeline:         decide one window while the other commits");
                }
                outln!(
                    "cases:            {} complete in {:.2} s",
                    report.cases,
                    report.seconds
                );
                outln!("cases/s:          {:.0}", report.cases_per_second);
                outln!(
                    "time in engine:   {:.2} s; in store.append_many: {:.2} s{}",
                    report.engine_seconds,
                    report.store_seconds,
                    if report.committers > 1 {
                        format!(" (summed over {} committers)", report.committers)
                    } else {
                        String::new()
                    }
                );
                outln!(
                    "events/s:         {:.0} ({} events)",
                    report.events_per_second,
                    report.events
                );
                outln!(
                    "commands/s:       {:.0} ({} commands, {} group commits)",
                    report.commands_per_second,
                    report.commands,
                    report.commits
                );
                outln!(
                    "latency p50/p99:  {:.2} ms / {:.2} ms per command",
                    report.latency_p50_ms,
                    report.latency_p99_ms
                );
                if let (Some(half), Some(end)) = (report.peak_rss_kib_half, report.peak_rss_kib_end)
                {
                    outln!("peak RSS:         {half} KiB at half, {end} KiB at the end");
                }
                let counts = report.group_counts;
                if counts.pipelined > 0 {
                    outln!(
                        "store pipeline:   {} groups pipelined, {} of them redone the classic way",
                        counts.pipelined,
                        counts.redone
                    );
                }
                outln!("errors:           {}", report.errors);
                outln!("stuck cases:      {}", report.stuck);
            }
            Ok(
                if report.errors == 0 && report.stuck == 0 && report.cases == cases {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                },
            )
        }
    }
}
