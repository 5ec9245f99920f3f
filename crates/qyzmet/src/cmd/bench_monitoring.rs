//! `qyzmet bench monitoring`: fills a store with engine-driven cases, folds
//! the whole log into a `qyzmet_monitoring::Monitor` (the catch-up a server
//! does at start), and times reports over all cases and filtered ones.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_monitoring::fill::{FillConfig, fill};
use qyzmet_monitoring::{Monitor, Query};
use qyzmet_runtime::Catalog;
use serde::Serialize;

#[derive(clap::Args)]
pub struct MonitoringBenchArgs {
    /// How many cases to put in the store (split evenly over the
    /// regulations); 0 folds what the store already holds.
    #[arg(long, default_value_t = 100_000)]
    pub cases: u64,
    /// The store (default: a fresh SQLite file in a temporary directory;
    /// or a `postgres://` URL).
    #[arg(long)]
    pub store: Option<String>,
    /// Regulations the cases run under (all their routes, in turn).
    #[arg(
        long = "regulation",
        default_values_t = [
            "kyzylorda/2015-141/unemployed-registration".to_owned(),
            "west-kazakhstan/2016-122/oralman-status".to_owned(),
        ]
    )]
    pub regulations: Vec<String>,
    /// Providers per regulation.
    #[arg(long, default_value_t = 10)]
    pub providers: u32,
    /// In-flight cases per group commit while filling.
    #[arg(long, default_value_t = 512)]
    pub window: usize,
    /// Events per `events_since` page while folding.
    #[arg(long, default_value_t = 10_000)]
    pub page: usize,
    /// Runs of each report (the median is printed).
    #[arg(long, default_value_t = 9)]
    pub runs: usize,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Default, Serialize)]
struct MonitoringBench {
    store: String,
    cases_filled: u64,
    fill_events: u64,
    fill_seconds: f64,
    fill_errors: u64,
    events_folded: u64,
    catch_up_seconds: f64,
    /// Of the catch-up, the time spent in `events_since` (store read and
    /// JSON decoding) and in `Monitor::apply`.
    read_seconds: f64,
    fold_seconds: f64,
    events_per_second: f64,
    cases_in_monitor: u64,
    step_visits: u64,
    monitor_bytes_estimate: u64,
    rss_kib_before_fold: Option<u64>,
    rss_kib_after_fold: Option<u64>,
    report_all_ms: f64,
    report_all_max_ms: f64,
    report_provider_ms: f64,
    report_provider_service_channel_ms: f64,
    report_one_week_ms: f64,
    received_all: u64,
    rows_all: usize,
    steps_all: usize,
    weeks_all: usize,
    received_provider: u64,
    received_provider_service_channel: u64,
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Median and maximum of `runs` runs of `f`, in milliseconds.
fn time_runs<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut times = Vec::with_capacity(runs.max(1));
    let mut last = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let value = f();
        times.push(millis(started.elapsed()));
        last = Some(value);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let max = times[times.len() - 1];
    // `last` is set: the loop runs at least once.
    (median, max, last.expect("at least one run"))
}

pub fn run(args: MonitoringBenchArgs) -> anyhow::Result<ExitCode> {
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let catalog = Catalog::default_for_cwd(&calendar)?;
    let temp = std::env::temp_dir().join(format!("qyzmet-bench-monitoring-{}", std::process::id()));
    let url = match &args.store {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&temp)?;
            temp.join("monitoring.db").display().to_string()
        }
    };
    let store = qyzmet_store::open(&url).with_context(|| format!("cannot open {url}"))?;
    let mut bench = MonitoringBench {
        store: if url.starts_with("postgres") {
            "PostgreSQL".into()
        } else {
            "SQLite (WAL, synchronous=FULL)".into()
        },
        ..MonitoringBench::default()
    };

    // Fill.
    let run_id = jiff::Timestamp::now().as_millisecond();
    let parts = args.regulations.len().max(1) as u64;
    let started = Instant::now();
    for (index, id) in args.regulations.iter().enumerate() {
        let entry = catalog
            .by_id(id)
            .with_context(|| format!("no regulation `{id}`"))?;
        let cases = args.cases / parts + u64::from((index as u64) < args.cases % parts);
        if cases == 0 {
            continue;
        }
        let config = FillConfig {
            cases,
            window: args.window,
            providers: args.providers,
            seed: 11 + index as u64,
            prefix: format!("b{run_id}-{index}-"),
            ..FillConfig::default()
        };
        let step = (cases / 10).max(1);
        let mut next = step;
        let report = fill(
            store.as_ref(),
            &entry.model,
            &entry.text,
            &calendar,
            &schedule,
            &config,
            |done| {
                if done >= next {
                    eprint!("\r{id}: {done}/{cases} cases");
                    next = done + step;
                }
            },
        );
        eprintln!();
        bench.cases_filled += report.cases;
        bench.fill_events += report.events;
        bench.fill_errors += report.errors;
        for (code, count) in &report.error_codes {
            eprintln!("fill error {code}: {count}");
        }
    }
    bench.fill_seconds = started.elapsed().as_secs_f64();

    // Catch-up: the whole log, page by page.
    bench.rss_kib_before_fold = rss_kib();
    let mut monitor = Monitor::new(calendar.clone(), schedule.clone());
    let page = args.page.clamp(1, 10_000);
    let mut read = Duration::ZERO;
    let mut fold = Duration::ZERO;
    let started = Instant::now();
    loop {
        let read_started = Instant::now();
        let events = store.events_since(monitor.last_global_seq(), page)?;
        read += read_started.elapsed();
        if events.is_empty() {
            break;
        }
        let fold_started = Instant::now();
        monitor.apply_all(&events);
        fold += fold_started.elapsed();
        bench.events_folded += events.len() as u64;
        if events.len() < page {
            break;
        }
    }
    bench.catch_up_seconds = started.elapsed().as_secs_f64();
    bench.read_seconds = read.as_secs_f64();
    bench.fold_seconds = fold.as_secs_f64();
    bench.events_per_second = bench.events_folded as f64 / bench.catch_up_seconds.max(1e-9);
    bench.rss_kib_after_fold = rss_kib();
    let stats = monitor.stats();
    bench.cases_in_monitor = stats.cases;
    bench.step_visits = stats.step_visits;
    bench.monitor_bytes_estimate = stats.approx_bytes;

    // Reports.
    let all = Query::period(
        "2000-01-01T00:00:00Z".parse()?,
        "2100-01-01T00:00:00Z".parse()?,
    );
    let (median, max, report) = time_runs(args.runs, || monitor.report(&all));
    bench.report_all_ms = median;
    bench.report_all_max_ms = max;
    bench.received_all = report.totals.received;
    bench.rows_all = report.rows.len();
    bench.steps_all = report.steps.len();
    bench.weeks_all = report.weeks.len();
    if let Some(row) = report.rows.first() {
        let provider = all.clone().provider(row.provider.clone());
        let (median, _, filtered) = time_runs(args.runs, || monitor.report(&provider));
        bench.report_provider_ms = median;
        bench.received_provider = filtered.totals.received;
        let narrow = provider
            .service(row.service.clone())
            .channel(row.channel.clone());
        let (median, _, filtered) = time_runs(args.runs, || monitor.report(&narrow));
        bench.report_provider_service_channel_ms = median;
        bench.received_provider_service_channel = filtered.totals.received;
    }
    let week = Query::period(
        "2024-04-08T00:00:00Z".parse()?,
        "2024-04-15T00:00:00Z".parse()?,
    );
    let (median, _, _) = time_runs(args.runs, || monitor.report(&week));
    bench.report_one_week_ms = median;

    if args.store.is_none() {
        drop(store);
        let _ = std::fs::remove_dir_all(&temp);
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&bench)?);
    } else {
        let b = &bench;
        outln!("store:              {}", b.store);
        outln!(
            "filled:             {} cases, {} events in {:.1} s ({:.0} cases/s), {} errors",
            b.cases_filled,
            b.fill_events,
            b.fill_seconds,
            b.cases_filled as f64 / b.fill_seconds.max(1e-9),
            b.fill_errors
        );
        outln!(
            "catch-up:           {} events in {:.2} s = {:.0} events/s (read {:.2} s, fold {:.2} s)",
            b.events_folded,
            b.catch_up_seconds,
            b.events_per_second,
            b.read_seconds,
            b.fold_seconds
        );
        outln!(
            "monitor:            {} cases, {} step visits, ~{:.1} MiB estimated",
            b.cases_in_monitor,
            b.step_visits,
            b.monitor_bytes_estimate as f64 / 1_048_576.0
        );
        if let (Some(before), Some(after)) = (b.rss_kib_before_fold, b.rss_kib_after_fold) {
            outln!(
                "RSS:                {:.1} MiB before the fold, {:.1} MiB after",
                before as f64 / 1024.0,
                after as f64 / 1024.0
            );
        }
        outln!(
            "report, all:        {:.2} ms median of {} (max {:.2} ms): {} received, {} rows, {} steps, {} weeks",
            b.report_all_ms,
            args.runs.max(1),
            b.report_all_max_ms,
            b.received_all,
            b.rows_all,
            b.steps_all,
            b.weeks_all
        );
        outln!(
            "report, 1 provider: {:.2} ms median ({} received)",
            b.report_provider_ms,
            b.received_provider
        );
        outln!(
            "report, provider × service × channel: {:.2} ms median ({} received)",
            b.report_provider_service_channel_ms,
            b.received_provider_service_channel
        );
        outln!("report, one week:   {:.2} ms median", b.report_one_week_ms);
    }
    Ok(if bench.fill_errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
