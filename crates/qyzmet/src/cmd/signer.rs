//! `qyzmet signer`: a local stand-in for NCALayer (`wss://127.0.0.1:13579`)
//! that signs with PKCS #12 keys, for development and tests. Thin glue over
//! `qyzmet-signer`; the clock is read here, at the boundary, never in the
//! library. See docs/signer.md.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use qyzmet_signer::{Config, Limits, SigningKey, tls};

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("keys").required(true).multiple(true).args(["p12", "p12_dir"])))]
pub struct SignerArgs {
    /// A PKCS #12 (`.p12`) key to sign with, e.g. `signing-rsa.p12` from
    /// `qyzmet pki demo`. Repeat for several keys: each request is signed
    /// with the first key that matches it (IIN, BIN, signing or
    /// authentication), as NCALayer offers only matching keys.
    #[arg(long, value_name = "FILE")]
    pub p12: Vec<PathBuf>,
    /// Every `*.p12` file of a directory (by name, after the --p12 keys),
    /// all with the same password.
    #[arg(long, value_name = "DIR")]
    pub p12_dir: Option<PathBuf>,
    /// The PKCS #12 password (of every key).
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

/// The key files: the `--p12` ones in order, then the `--p12-dir` ones by
/// name.
fn key_files(args: &SignerArgs) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = args.p12.clone();
    if let Some(dir) = &args.p12_dir {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.is_file() && path.extension().is_some_and(|ext| ext == "p12") {
                found.push(path);
            }
        }
        anyhow::ensure!(!found.is_empty(), "no *.p12 file in {}", dir.display());
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

pub fn run(args: SignerArgs) -> anyhow::Result<ExitCode> {
    let mut keys = Vec::new();
    for file in key_files(&args)? {
        let p12 = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        let key = SigningKey::from_pkcs12(&p12, &args.password)
            .with_context(|| format!("opening {}", file.display()))?;
        keys.push((file, key));
    }
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
        "NCALayer stand-in on {scheme}://{} with {} key(s), first match signs:",
        listener.local_addr()?,
        keys.len()
    );
    for (file, key) in &keys {
        eprintln!(
            "  {}: {} (IIN {}{}), {}",
            file.display(),
            key.subject_cn().unwrap_or_default(),
            key.iin().unwrap_or_else(|| "none".into()),
            key.bin()
                .map(|bin| format!(", BIN {bin}"))
                .unwrap_or_default(),
            key.usage_label(),
        );
    }
    if tls.is_some() {
        eprintln!(
            "a browser must trust the certificate first: open https://{} once and accept it",
            listener.local_addr()?
        );
    }
    let config = Config {
        keys: keys.into_iter().map(|(_, key)| key).collect(),
        tls,
        limits: Limits::default(),
        clock: Arc::new(jiff::Timestamp::now),
    };
    qyzmet_signer::serve_blocking(listener, config)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(p12: Vec<PathBuf>, p12_dir: Option<PathBuf>) -> SignerArgs {
        SignerArgs {
            p12,
            p12_dir,
            password: "demo".into(),
            addr: "127.0.0.1:0".parse().unwrap(),
            tls_cert: None,
            tls_key: None,
            plain: true,
        }
    }

    #[test]
    fn key_files_are_the_p12_ones_then_the_directory_by_name() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.p12", "a.p12", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.p12")).unwrap();
        let first = PathBuf::from("first.p12");
        let files = key_files(&args(vec![first.clone()], Some(dir.path().into()))).unwrap();
        assert_eq!(
            files,
            vec![first, dir.path().join("a.p12"), dir.path().join("b.p12")]
        );
        let empty = tempfile::tempdir().unwrap();
        assert!(key_files(&args(vec![], Some(empty.path().into()))).is_err());
    }
}
