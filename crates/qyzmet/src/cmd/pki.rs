//! `qyzmet pki`: the demonstration PKI and signature verification from the
//! command line. Thin glue over `qyzmet-pki`; the clock is read here, at the
//! boundary, never in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use qyzmet_pki::{Check, CrlCache, Purpose, TrustStore, Verifier};

#[derive(clap::Args)]
pub struct PkiArgs {
    #[command(subcommand)]
    pub command: PkiCommand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PurposeArg {
    /// digitalSignature + nonRepudiation (signing keys).
    Signing,
    /// digitalSignature + keyEncipherment (authentication keys).
    Authentication,
}

#[derive(clap::Subcommand)]
pub enum PkiCommand {
    /// Generate the demo PKI (root and issuing CA, individual, organisation,
    /// expired, not-yet-valid, revoked and wrong-usage certificates, CRLs) as
    /// PEM, PKCS #8, PKCS #12 (password `demo`) and DER CRL files. Test keys
    /// only: never use them for anything real.
    Demo {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Verify a CMS signature (DER, PEM or base64) and print the verdict as
    /// JSON. Exit status 0 when valid, 1 when not.
    Verify {
        #[arg(long, value_name = "FILE")]
        cms: PathBuf,
        /// The signed content of a detached signature.
        #[arg(long, value_name = "FILE")]
        content: Option<PathBuf>,
        /// Trusted root certificate(s), PEM or DER.
        #[arg(long, value_name = "ROOT.pem")]
        trust: PathBuf,
        /// Intermediate CA certificate(s), PEM or DER.
        #[arg(long, value_name = "CA.pem")]
        intermediate: Vec<PathBuf>,
        /// CRL files (DER or PEM); with none, revocation is not checked.
        #[arg(long, value_name = "CRL")]
        crl: Vec<PathBuf>,
        /// The IIN the signer's certificate must carry.
        #[arg(long)]
        iin: Option<String>,
        /// The BIN the signer's certificate must carry.
        #[arg(long)]
        bin: Option<String>,
        #[arg(long, value_enum, default_value = "signing")]
        purpose: PurposeArg,
        /// The moment to check at (RFC 3339); default: now.
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
    },
}

pub fn run(args: PkiArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        PkiCommand::Demo { out } => demo(out),
        PkiCommand::Verify {
            cms,
            content,
            trust,
            intermediate,
            crl,
            iin,
            bin,
            purpose,
            at,
        } => {
            // Validate every argument before reading any file.
            let iin = iin
                .map(|text| {
                    qyzmet_core::Iin::parse(&text).map_err(|e| anyhow::anyhow!("--iin {text}: {e}"))
                })
                .transpose()?;
            let bin = bin
                .map(|text| {
                    qyzmet_core::Bin::parse(&text).map_err(|e| anyhow::anyhow!("--bin {text}: {e}"))
                })
                .transpose()?;
            let now = match at {
                Some(text) => text
                    .parse::<jiff::Timestamp>()
                    .with_context(|| format!("--at {text}: not an RFC 3339 timestamp"))?,
                None => jiff::Timestamp::now(),
            };
            let read = |path: &PathBuf| {
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))
            };
            let mut store = TrustStore::new();
            store
                .add_roots(&read(&trust)?)
                .map_err(|e| anyhow::anyhow!("{}: {e}", trust.display()))?;
            for path in &intermediate {
                store
                    .add_intermediates(&read(path)?)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            }
            let mut crls = CrlCache::default();
            for path in &crl {
                crls.insert(&read(path)?)
                    .with_context(|| format!("{}", path.display()))?;
            }
            let policy = qyzmet_pki::Policy {
                revocation: if crl.is_empty() {
                    qyzmet_pki::RevocationPolicy::IfAvailable
                } else {
                    qyzmet_pki::RevocationPolicy::Require
                },
                ..qyzmet_pki::Policy::default()
            };
            let verifier = Verifier::new(store).with_policy(policy);
            let cms_bytes = read(&cms)?;
            let content_bytes = content.as_ref().map(read).transpose()?;
            let mut check = Check::new(
                now,
                match purpose {
                    PurposeArg::Signing => Purpose::Signing,
                    PurposeArg::Authentication => Purpose::Authentication,
                },
            );
            check.iin = iin;
            check.bin = bin;
            check.content = content_bytes.as_deref();
            let (verdict, code) = match verifier.verify_cms(&cms_bytes, &check, &crls) {
                Ok(verified) => (
                    serde_json::json!({"valid": true, "checked_at": now, "signature": verified}),
                    ExitCode::SUCCESS,
                ),
                Err(failure) => (
                    serde_json::json!({
                        "valid": false,
                        "checked_at": now,
                        "failure": failure,
                        "message": failure.to_string(),
                    }),
                    ExitCode::from(1),
                ),
            };
            println!("{}", serde_json::to_string_pretty(&verdict)?);
            Ok(code)
        }
    }
}

fn demo(out: PathBuf) -> anyhow::Result<ExitCode> {
    let now = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second())?;
    let pki = qyzmet_pki::demo_pki(now).context("generating the demo PKI")?;
    let written = pki
        .write_to(&out)
        .with_context(|| format!("writing into {}", out.display()))?;
    for path in written {
        println!("{}", path.display());
    }
    eprintln!("Demo IINs (valid check digits):");
    for person in &pki.people {
        eprintln!(
            "  {} {} {}: {}",
            person.surname, person.given_name, person.patronymic, person.iin
        );
    }
    eprintln!("Demo organisation BIN: {}", pki.organisation_bin);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_then_verify_a_signature_made_with_the_demo_keys() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("pki");
        assert_eq!(
            run(PkiArgs {
                command: PkiCommand::Demo { out: out.clone() }
            })
            .unwrap(),
            ExitCode::SUCCESS
        );
        let cert =
            openssl::x509::X509::from_pem(&std::fs::read(out.join("signing-rsa.pem")).unwrap())
                .unwrap();
        let key = openssl::pkey::PKey::private_key_from_pem(
            &std::fs::read(out.join("signing-rsa.key.pem")).unwrap(),
        )
        .unwrap();
        let now = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second()).unwrap();
        let cms = qyzmet_pki::sign_cms(b"hello", &cert, &key, false, now).unwrap();
        let cms_path = dir.path().join("hello.p7s");
        std::fs::write(&cms_path, cms).unwrap();
        let verify = |iin: Option<String>| {
            run(PkiArgs {
                command: PkiCommand::Verify {
                    cms: cms_path.clone(),
                    content: None,
                    trust: out.join("root-ca.pem"),
                    intermediate: vec![out.join("issuing-ca.pem")],
                    crl: vec![out.join("root-ca.crl"), out.join("issuing-ca.crl")],
                    iin,
                    bin: None,
                    purpose: PurposeArg::Signing,
                    at: None,
                },
            })
            .unwrap()
        };
        assert_eq!(verify(None), ExitCode::SUCCESS);
        // A valid IIN that is not the signer's.
        let other = (0..10)
            .map(|d| format!("0101013000{d}0"))
            .chain((0..10).map(|d| format!("01010130000{d}")))
            .find(|text| qyzmet_core::Iin::parse(text).is_ok())
            .unwrap();
        assert_eq!(verify(Some(other)), ExitCode::from(1));
    }
}
