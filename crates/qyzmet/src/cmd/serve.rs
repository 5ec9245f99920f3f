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
    /// The e-government gateway's SyncChannel endpoint, or `sim` for the
    /// simulator inside the server (the default with --demo). Without one,
    /// requests to state systems become manual checks.
    #[arg(long, env = "QYZMET_GATEWAY")]
    pub gateway: Option<String>,
    /// Qyzmet's signing certificate for the gateway (PEM).
    #[arg(long, requires = "gateway_key")]
    pub gateway_cert: Option<PathBuf>,
    /// Its private key (PKCS #8 PEM).
    #[arg(long, requires = "gateway_cert")]
    pub gateway_key: Option<PathBuf>,
    /// The roots the systems' answers are verified with (PEM).
    #[arg(long, requires = "gateway_cert")]
    pub gateway_roots: Option<PathBuf>,
    /// Intermediate CA certificates of the systems' keys (PEM).
    #[arg(long)]
    pub gateway_intermediates: Option<PathBuf>,
    /// CRLs of those CAs; repeat for several.
    #[arg(long = "gateway-crl")]
    pub gateway_crls: Vec<PathBuf>,
    /// The sender id registered with the gateway.
    #[arg(long, default_value = "qyzmet", env = "QYZMET_GATEWAY_SENDER")]
    pub gateway_sender: String,
    /// The sender's password.
    #[arg(long, env = "QYZMET_GATEWAY_PASSWORD", hide_env_values = true)]
    pub gateway_password: Option<String>,
    /// Timeout of one gateway exchange, in seconds.
    #[arg(long, default_value_t = 10)]
    pub gateway_timeout: u64,
    /// Milliseconds between rounds of the outbox (requests to state systems).
    #[arg(long, default_value_t = 500)]
    pub outbox_interval_ms: u64,
    /// The SMTP server for e-mail to citizens, `HOST:PORT`
    /// (docs/notifications.md). Without it e-mail notifications wait; the
    /// personal cabinet has them all.
    #[arg(long, env = "QYZMET_SMTP")]
    pub smtp: Option<String>,
    /// `none` (a local relay), `starttls` or `tls`.
    #[arg(long, default_value = "starttls", value_parser = ["none", "starttls", "tls"])]
    pub smtp_security: String,
    /// The sender address of e-mail to citizens.
    #[arg(long, default_value = "noreply@qyzmet.kz", env = "QYZMET_SMTP_FROM")]
    pub smtp_from: String,
    #[arg(long, env = "QYZMET_SMTP_USER")]
    pub smtp_user: Option<String>,
    #[arg(long, env = "QYZMET_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The SMS provider's send endpoint (JSON; docs/notifications.md).
    /// `--demo` without it runs the SMS simulator.
    #[arg(long, env = "QYZMET_SMS_URL")]
    pub sms_url: Option<String>,
    #[arg(long, env = "QYZMET_SMS_TOKEN", hide_env_values = true)]
    pub sms_token: Option<String>,
    /// The portal's public address, for absolute links in messages
    /// (`https://…`; default: links relative to the portal).
    #[arg(long, env = "QYZMET_PUBLIC_URL")]
    pub public_url: Option<String>,
}

fn notify_config(args: &ServeArgs) -> anyhow::Result<qyzmet_runtime::notify::NotifyConfig> {
    use qyzmet_notify::{HttpSmsConfig, SmtpConfig, SmtpSecurity};
    let smtp = match args.smtp.as_deref() {
        None => None,
        Some(address) => {
            let (host, port) = address
                .rsplit_once(':')
                .and_then(|(host, port)| Some((host, port.parse::<u16>().ok()?)))
                .ok_or_else(|| anyhow::anyhow!("--smtp takes HOST:PORT, not {address:?}"))?;
            let mut config = SmtpConfig::plain(host, port, &args.smtp_from);
            config.security = match args.smtp_security.as_str() {
                "none" => SmtpSecurity::None,
                "tls" => SmtpSecurity::Tls,
                _ => SmtpSecurity::StartTls,
            };
            config.username = args.smtp_user.clone();
            config.password = args.smtp_password.clone();
            Some(config)
        }
    };
    if let Some(url) = &args.sms_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        anyhow::bail!("--sms-url takes an http(s) URL, not {url:?}");
    }
    Ok(qyzmet_runtime::notify::NotifyConfig {
        smtp,
        sms: args.sms_url.clone().map(|url| HttpSmsConfig {
            url,
            token: args.sms_token.clone(),
            timeout_ms: 10_000,
        }),
        base_url: args.public_url.clone(),
        policy: Default::default(),
    })
}

fn gateway_setup(args: &ServeArgs) -> anyhow::Result<qyzmet_web::gateway::GatewaySetup> {
    use qyzmet_gateway::{ClientConfig, KeySource};
    use qyzmet_web::gateway::GatewaySetup;
    Ok(match args.gateway.as_deref() {
        None if args.demo => GatewaySetup::Simulator,
        None => GatewaySetup::Off,
        Some("sim") => GatewaySetup::Simulator,
        Some(url) => {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                anyhow::bail!("--gateway takes an http(s) URL or `sim`, not {url:?}");
            }
            let keys = match (&args.gateway_cert, &args.gateway_key, &args.gateway_roots) {
                (Some(cert), Some(key), Some(roots)) => KeySource::Files {
                    cert: cert.clone(),
                    key: key.clone(),
                    roots: roots.clone(),
                    intermediates: args.gateway_intermediates.clone(),
                    crls: args.gateway_crls.clone(),
                },
                (None, None, None) => KeySource::Simulator,
                _ => anyhow::bail!(
                    "--gateway-cert, --gateway-key and --gateway-roots go together (without them, the gateway must be a Qyzmet simulator that hands out demo keys)"
                ),
            };
            GatewaySetup::Remote(Box::new(ClientConfig {
                url: url.trim_end_matches('/').to_string(),
                sender_id: args.gateway_sender.clone(),
                password: args.gateway_password.clone(),
                timeout: Duration::from_secs(args.gateway_timeout.max(1)),
                keys,
                service_ids: Default::default(),
            }))
        }
    })
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    qyzmet_web::init_logging();
    let gateway = gateway_setup(&args)?;
    let notify = notify_config(&args)?;
    let config = qyzmet_web::ServeConfig {
        notify,
        gateway,
        outbox_interval: Duration::from_millis(args.outbox_interval_ms.max(10)),
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
