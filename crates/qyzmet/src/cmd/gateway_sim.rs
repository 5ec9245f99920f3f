//! `qyzmet gateway-sim`: the gateway simulator as a process of its own.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use qyzmet_gateway::sim::{self, Dataset, FaultConfig, SimConfig};

#[derive(clap::Args)]
pub struct GatewaySimArgs {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8089")]
    pub listen: SocketAddr,
    /// The dataset (JSON: persons, powers_of_attorney, unemployed,
    /// unreachable_providers, payment_refused); default: the demo dataset.
    #[arg(long)]
    pub dataset: Option<PathBuf>,
    /// Write the dataset in use to this file and go on (a starting point
    /// for a dataset of one's own).
    #[arg(long)]
    pub dump_dataset: Option<PathBuf>,
    /// Share of requests whose answer is held back past the client's
    /// timeout (the request is processed: a late answer).
    #[arg(long, default_value_t = 0.0)]
    pub timeout_rate: f64,
    /// Share of requests answered HTTP 503.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Share of requests answered with a SOAP fault SYSTEM_ERROR.
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Share of requests answered with broken XML.
    #[arg(long, default_value_t = 0.0)]
    pub malformed_rate: f64,
    /// Share of answers whose payload signature does not verify.
    #[arg(long, default_value_t = 0.0)]
    pub bad_signature_rate: f64,
    /// How long a held-back answer waits, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    pub hang_ms: u64,
    /// Added to every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Status queries a regional-gateway delivery stays ON_DELIVERY for.
    #[arg(long, default_value_t = 1)]
    pub delivery_polls: u32,
    /// The sender password to require (default: any).
    #[arg(long)]
    pub password: Option<String>,
    /// Seed of the fault draw.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub fn run(args: GatewaySimArgs) -> anyhow::Result<ExitCode> {
    let rates = [
        args.timeout_rate,
        args.error_rate,
        args.fault_rate,
        args.malformed_rate,
        args.bad_signature_rate,
    ];
    if rates.iter().any(|rate| !(0.0..=1.0).contains(rate)) || rates.iter().sum::<f64>() > 1.0 {
        anyhow::bail!("fault rates are shares between 0 and 1, together at most 1");
    }
    let dataset = match &args.dataset {
        Some(path) => Dataset::load(path)?,
        None => Dataset::demo(),
    };
    if let Some(path) = &args.dump_dataset {
        std::fs::write(path, serde_json::to_string_pretty(&dataset)?)?;
    }
    let persons = dataset.persons.len();
    let powers = dataset.powers_of_attorney.len();
    let handle = sim::start(SimConfig {
        listen: args.listen,
        dataset,
        faults: FaultConfig {
            timeout_rate: args.timeout_rate,
            error_rate: args.error_rate,
            fault_rate: args.fault_rate,
            malformed_rate: args.malformed_rate,
            bad_signature_rate: args.bad_signature_rate,
            seed: args.seed,
            hang: Duration::from_millis(args.hang_ms),
            latency: Duration::from_millis(args.latency_ms),
            delivery_polls: args.delivery_polls,
        },
        password: args.password,
    })?;
    eprintln!(
        "qyzmet gateway-sim: SyncChannel v10 at {} ({persons} persons, {powers} powers of attorney); \
         GET /sim/stats, PUT /sim/faults; Ctrl-C stops",
        handle.url()
    );
    handle.wait();
    Ok(ExitCode::SUCCESS)
}
