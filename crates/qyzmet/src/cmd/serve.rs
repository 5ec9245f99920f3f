//! `qyzmet serve`: the HTTP API and the web application (crate `qyzmet-web`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const BLOCKING_THREADS: usize = 16;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "QYZMET_ADDR")]
    pub addr: SocketAddr,
    /// Data directory: holds the SQLite database when --db is not given.
    #[arg(long, default_value = "qyzmet-data", env = "QYZMET_DATA")]
    pub data: PathBuf,
    /// Database: a `postgres://` URL (several servers may share it) or a
    /// SQLite file path. Default: <DATA>/qyzmet.sqlite3.
    #[arg(long, env = "QYZMET_DB")]
    pub db: Option<String>,
    /// Create demo providers of the seed regions, staff accounts for every
    /// role, a supervisor and applicants (password `demo`).
    #[arg(long)]
    pub demo: bool,
    /// Directory of regulation files; ./regulations, else the copy bundled
    /// in the binary, when omitted.
    #[arg(long)]
    pub regulations: Option<PathBuf>,
    /// Mark cookies `Secure` (set this when a TLS proxy fronts the server).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Seconds between runs of the timer loop (overdue steps, case terms).
    #[arg(long, default_value_t = 30)]
    pub timer_interval: u64,
    /// A trusted root certificate (PEM or DER) for signed portal requests,
    /// result signatures and certificate sign-in; repeat for several.
    /// Without any, `--demo` makes its own demo CA in `<data>/demo-pki`;
    /// otherwise portal requests cannot be signed and sign-in is by password
    /// only. (`qyzmet pki demo --out DIR` writes a test PKI.)
    #[arg(long = "trust-root")]
    pub trust_roots: Vec<PathBuf>,
    /// An intermediate (issuing) CA certificate; repeat for several.
    #[arg(long = "trust-intermediate")]
    pub trust_intermediates: Vec<PathBuf>,
    /// A CRL of a trusted CA; when any is given, revocation must be known.
    #[arg(long = "crl")]
    pub crls: Vec<PathBuf>,
    /// Where pages ask for signatures: NCALayer on the citizen's computer,
    /// or `qyzmet signer` (`--plain` gives ws://).
    #[arg(long, default_value = qyzmet_web::signing::NCALAYER_URL, env = "QYZMET_NCALAYER_URL")]
    pub ncalayer_url: String,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    qyzmet_web::init_logging();
    let config = qyzmet_web::ServeConfig {
        addr: args.addr,
        data_dir: args.data,
        db: args.db,
        demo: args.demo,
        regulations: args.regulations,
        secure_cookies: args.secure_cookies,
        timer_interval: Duration::from_secs(args.timer_interval.max(1)),
        trust_roots: args.trust_roots,
        trust_intermediates: args.trust_intermediates,
        crls: args.crls,
        ncalayer_url: args.ncalayer_url,
    };
    // Engine and store calls run on the blocking pool; a small pool keeps
    // them from fighting over the store's connections (the SQLite store keeps
    // 16 readers open).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()?;
    runtime.block_on(qyzmet_web::serve(config))?;
    Ok(ExitCode::SUCCESS)
}
