//! `qyzmet signer`: a local stand-in for NCALayer (`wss://127.0.0.1:13579`)
//! that signs with a PKCS #12 key, for development and tests. Thin glue over
//! `qyzmet-signer`; the clock is read here, at the boundary, never in the
//! library. See docs/signer.md.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use qyzmet_signer::{Config, Limits, SigningKey, tls};

#[derive(clap::Args)]
pub struct SignerArgs {
    /// The PKCS #12 (`.p12`) key to sign with, e.g. `signing-rsa.p12` from
    /// `qyzmet pki demo`.
    #[arg(long, value_name = "FILE")]
    pub p12: PathBuf,
    /// The PKCS #12 password.
    #[arg(long, default_value = "demo")]
    pub password: String,
    /// Where to listen; NCALayer's address is 127.0.0.1:13579.
    #[arg(long, default_value = "127.0.0.1:13579")]
    pub addr: SocketAddr,
    /// TLS certificate (PEM) for wss://; default: a self-signed certificate
    /// for localhost/127.0.0.1 generated at start.
    #[arg(long, value_name = "CERT.pem", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM) of --tls-cert.
    #[arg(long, value_name = "KEY.pem", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve plain ws:// instead of wss:// (tests, local tools).
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    pub plain: bool,
}

pub fn run(args: SignerArgs) -> anyhow::Result<ExitCode> {
    let p12 =
        std::fs::read(&args.p12).with_context(|| format!("reading {}", args.p12.display()))?;
    let key = SigningKey::from_pkcs12(&p12, &args.password)
        .with_context(|| format!("opening {}", args.p12.display()))?;
    let tls = if args.plain {
        None
    } else {
        let (cert, private_key) = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(private_key)) => {
                let cert_pem =
                    std::fs::read(cert).with_context(|| format!("reading {}", cert.display()))?;
                let key_pem = std::fs::read(private_key)
                    .with_context(|| format!("reading {}", private_key.display()))?;
                (
                    openssl::x509::X509::from_pem(&cert_pem).context("parsing --tls-cert")?,
                    openssl::pkey::PKey::private_key_from_pem(&key_pem)
                        .context("parsing --tls-key")?,
                )
            }
            _ => tls::self_signed_localhost(jiff::Timestamp::now())
                .context("generating a self-signed TLS certificate")?,
        };
        let fingerprint = tls::fingerprint_sha256(&cert)?;
        eprintln!("TLS certificate SHA-256 fingerprint: {fingerprint}");
        Some(tls::acceptor(&cert, &private_key).context("configuring TLS")?)
    };
    let listener = std::net::TcpListener::bind(args.addr)
        .with_context(|| format!("listening on {}", args.addr))?;
    let scheme = if tls.is_some() { "wss" } else { "ws" };
    eprintln!(
        "NCALayer stand-in on {scheme}://{} signing as {} (IIN {})",
        listener.local_addr()?,
        key.subject_cn().unwrap_or_default(),
        key.iin().unwrap_or_else(|| "none".into()),
    );
    if tls.is_some() {
        eprintln!(
            "a browser must trust the certificate first: open https://{} once and accept it",
            listener.local_addr()?
        );
    }
    let config = Config {
        key,
        tls,
        limits: Limits::default(),
        clock: Arc::new(jiff::Timestamp::now),
    };
    qyzmet_signer::serve_blocking(listener, config)?;
    Ok(ExitCode::SUCCESS)
}
