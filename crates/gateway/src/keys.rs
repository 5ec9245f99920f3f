//! The keys of a party to the gateway: its signing certificate and key
//! (every payload it sends carries its enveloped XMLDSig), and the trust it
//! verifies the other side's payloads with (roots, intermediates, CRLs).
//!
//! Signing and verification are qyzmet-pki's (`sign_xml`, `verify_xml`):
//! exclusive canonicalization, RSA-SHA256 or ECDSA-SHA256, the certificate
//! checked for chain, validity, revocation and key usage exactly like the
//! applicants' signatures.

use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use jiff::Timestamp;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use qyzmet_core::{Bin, Iin};
use qyzmet_pki::{
    Canonicalization, Check, CrlCache, DemoPki, Holder, Purpose, TrustStore, Verifier,
};
use serde::{Deserialize, Serialize};

/// What a party signs with and verifies with.
#[derive(Clone)]
pub struct Keys {
    cert: X509,
    key: PKey<Private>,
    trust: Arc<(Verifier, CrlCache)>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let subject = self
            .cert
            .subject_name()
            .entries()
            .filter_map(|entry| entry.data().to_string().ok())
            .collect::<Vec<_>>()
            .join(", ");
        f.debug_struct("Keys").field("subject", &subject).finish()
    }
}

impl Keys {
    pub fn new(cert: X509, key: PKey<Private>, verifier: Verifier, crls: CrlCache) -> Keys {
        Keys {
            cert,
            key,
            trust: Arc::new((verifier, crls)),
        }
    }

    /// Keys from PEM files: the signing certificate, its private key
    /// (PKCS #8), the trusted roots, and optionally intermediates and CRLs
    /// (DER or PEM). Without CRLs, revocation is checked only where a CRL
    /// is cached.
    pub fn from_files(
        cert: &Path,
        key: &Path,
        roots: &Path,
        intermediates: Option<&Path>,
        crls: &[&Path],
    ) -> anyhow::Result<Keys> {
        use anyhow::Context as _;
        let read = |path: &Path| {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
        };
        let cert = X509::from_pem(&read(cert)?).context("the gateway certificate")?;
        let key = PKey::private_key_from_pem(&read(key)?).context("the gateway key")?;
        let mut trust = TrustStore::new();
        trust
            .add_roots(&read(roots)?)
            .map_err(|error| anyhow::anyhow!("the gateway's trusted roots: {error}"))?;
        if let Some(path) = intermediates {
            trust
                .add_intermediates(&read(path)?)
                .map_err(|error| anyhow::anyhow!("the gateway's intermediates: {error}"))?;
        }
        let mut cache = CrlCache::default();
        for path in crls {
            cache
                .insert(&read(path)?)
                .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
        }
        let mut verifier = Verifier::new(trust);
        if crls.is_empty() {
            verifier = verifier.with_policy(qyzmet_pki::Policy {
                revocation: qyzmet_pki::RevocationPolicy::IfAvailable,
                ..qyzmet_pki::Policy::default()
            });
        }
        Ok(Keys::new(cert, key, verifier, cache))
    }

    /// `xml` (a payload document without declaration) with the party's
    /// enveloped signature as the last child of its root.
    pub fn sign(&self, xml: &str) -> Result<String, String> {
        let signed = qyzmet_pki::sign_xml(
            xml.as_bytes(),
            &self.cert,
            &self.key,
            Canonicalization::Exclusive,
        )
        .map_err(|error| format!("cannot sign the payload: {error}"))?;
        String::from_utf8(signed).map_err(|error| error.to_string())
    }

    /// Verifies the other side's signature on a payload at `now`.
    pub fn verify(&self, xml: &str, now: Timestamp) -> Result<(), String> {
        let (verifier, crls) = &*self.trust;
        verifier
            .verify_xml(xml.as_bytes(), &Check::new(now, Purpose::Signing), crls)
            .map(|_| ())
            .map_err(|failure| failure.to_string())
    }
}

/// The demo keys of the simulator and of its clients, from one demo PKI
/// (`qyzmet_pki::demo_pki`): for tests, `serve --demo` and the fault bench,
/// never for a real gateway.
pub struct DemoKeys {
    pub simulator: Keys,
    pub client: Keys,
    /// What a client in another process needs (`GET /sim/demo-keys`).
    pub export: DemoKeyExport,
}

/// The demo client's keys and the demo trust, as the simulator hands them
/// out to clients in other processes (a simulator only: a real gateway
/// never gives out keys).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoKeyExport {
    pub root_pem: String,
    pub issuing_pem: String,
    /// Base64 DER.
    pub crls: Vec<String>,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

fn organisation_holder<'a>(name: &'a str, iin: &str, bin: &str) -> Holder<'a> {
    let complete = |prefix: &str| {
        (0..10)
            .map(|digit| format!("{prefix}{digit}"))
            .find(|text| Iin::parse(text).is_ok())
            .expect("the prefix has a check digit")
    };
    let bin = (0..10)
        .find_map(|digit| Bin::parse(&format!("{bin}{digit}")).ok())
        .expect("the prefix has a check digit");
    Holder {
        surname: name,
        given_name: "СИСТЕМА",
        patronymic: "",
        iin: Iin::parse(&complete(iin)).expect("complete"),
        organisation: Some((name, bin)),
    }
}

fn pem(cert: &X509) -> String {
    String::from_utf8(cert.to_pem().expect("a built certificate encodes")).expect("PEM is ASCII")
}

impl DemoKeys {
    /// A fresh demo PKI around `now` (a second or two: RSA CA keys).
    pub fn generate(now: Timestamp) -> anyhow::Result<DemoKeys> {
        let pki: DemoPki = qyzmet_pki::demo_pki(now)?;
        let trust = || Verifier::new(pki.trust_store());
        let sim = pki.issue_to(
            &organisation_holder("ЭҮШ СИМУЛЯТОРЫ", "80010130000", "04084000061"),
            Purpose::Signing,
        )?;
        let client = pki.issue_to(
            &organisation_holder("QYZMET", "80010130001", "04084000052"),
            Purpose::Signing,
        )?;
        let b64 = |der: &[u8]| base64::engine::general_purpose::STANDARD.encode(der);
        let export = DemoKeyExport {
            root_pem: pem(&pki.root.cert),
            issuing_pem: pem(&pki.issuing.cert),
            crls: vec![b64(&pki.root_crl), b64(&pki.crl), b64(&pki.delta_crl)],
            client_cert_pem: pem(&client.cert),
            client_key_pem: String::from_utf8(client.key.private_key_to_pem_pkcs8()?)?,
        };
        Ok(DemoKeys {
            simulator: Keys::new(sim.cert, sim.key, trust(), pki.crl_cache()),
            client: Keys::new(client.cert, client.key, trust(), pki.crl_cache()),
            export,
        })
    }
}

impl DemoKeyExport {
    /// The client's keys from the export.
    pub fn client_keys(&self) -> anyhow::Result<Keys> {
        let mut trust = TrustStore::new();
        trust
            .add_roots(self.root_pem.as_bytes())
            .map_err(anyhow::Error::msg)?;
        trust
            .add_intermediates(self.issuing_pem.as_bytes())
            .map_err(anyhow::Error::msg)?;
        let mut crls = CrlCache::default();
        for crl in &self.crls {
            crls.insert(&base64::engine::general_purpose::STANDARD.decode(crl)?)?;
        }
        Ok(Keys::new(
            X509::from_pem(self.client_cert_pem.as_bytes())?,
            PKey::private_key_from_pem(self.client_key_pem.as_bytes())?,
            Verifier::new(trust),
            crls,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_side_verifies_the_other_and_tampering_fails() {
        let now = Timestamp::now();
        let keys = DemoKeys::generate(now).unwrap();
        let doc = "<P xmlns=\"urn:x\"><a>қазақ</a></P>";
        let signed = keys.client.sign(doc).unwrap();
        keys.simulator.verify(&signed, now).unwrap();
        let tampered = signed.replace("қазақ", "казак");
        assert!(keys.simulator.verify(&tampered, now).is_err());
        assert!(keys.client.verify(doc, now).is_err(), "unsigned");
        // A client in another process gets the same trust from the export.
        let remote = keys.export.client_keys().unwrap();
        let answer = keys.simulator.sign(doc).unwrap();
        remote.verify(&answer, now).unwrap();
        keys.simulator
            .verify(&remote.sign(doc).unwrap(), now)
            .unwrap();
    }
}
