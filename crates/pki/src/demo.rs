//! A demonstration PKI shaped like NCA RK's: a root and an issuing CA,
//! individual certificates for signing and for authentication, an
//! organisation's certificate, and the broken ones the tests need (expired,
//! not yet valid, revoked with its CRL, wrong key usage, foreign issuer).
//! Names and IINs come from a fixed list; keys are fresh on every run.

use std::path::{Path, PathBuf};

use der::asn1::{BitString, OctetString, Uint};
use der::{Any, Decode, Encode};
use jiff::{SignedDuration, Timestamp};
use openssl::asn1::{Asn1Time, Asn1Type};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage as KeyUsageExt, SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509Name, X509NameBuilder};
use qyzmet_core::{Bin, Iin};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::certificate::Version;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::name::Name;

use crate::algorithms::oids;
use crate::cert::Purpose;
use crate::crl::CrlCache;
use crate::der_util::x509_time;
use crate::failure::RevocationReason;
use crate::sign::SignError;
use crate::verify::TrustStore;

/// A person of the demo PKI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub surname: &'static str,
    pub given_name: &'static str,
    pub patronymic: &'static str,
    pub iin: Iin,
}

/// Someone the demo issuing CA certifies on request ([`DemoPki::issue_to`]):
/// a demo server's citizens and staff.
#[derive(Clone, Copy, Debug)]
pub struct Holder<'a> {
    pub surname: &'a str,
    pub given_name: &'a str,
    /// May be empty.
    pub patronymic: &'a str,
    pub iin: Iin,
    /// An employee's organisation (O=…, OU=BIN…).
    pub organisation: Option<(&'a str, Bin)>,
}

/// A certificate with its private key.
#[derive(Clone)]
pub struct DemoCert {
    pub name: &'static str,
    pub cert: X509,
    pub key: PKey<Private>,
}

impl DemoCert {
    /// The certificate and key as PKCS #12 (`.p12`) under `password`.
    pub fn pkcs12(&self, password: &str) -> Result<Vec<u8>, SignError> {
        Ok(openssl::pkcs12::Pkcs12::builder()
            .name(self.name)
            .pkey(&self.key)
            .cert(&self.cert)
            .build2(password)?
            .to_der()?)
    }
}

impl std::fmt::Debug for DemoCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoCert")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The whole demo PKI. Validity periods are relative to `now`.
#[derive(Clone, Debug)]
pub struct DemoPki {
    pub now: Timestamp,
    pub root: DemoCert,
    pub issuing: DemoCert,
    /// Individual signing certificate (RSA-2048, digitalSignature + nonRepudiation).
    pub signing_rsa: DemoCert,
    /// Individual signing certificate (ECDSA P-256), same person as `signing_rsa`.
    pub signing_ec: DemoCert,
    /// Individual authentication certificate (digitalSignature + keyEncipherment).
    pub authentication: DemoCert,
    /// An organisation's employee (O=…, OU=BIN…), signing.
    pub organisation: DemoCert,
    pub expired: DemoCert,
    pub not_yet_valid: DemoCert,
    pub revoked: DemoCert,
    /// keyEncipherment only: fits neither signing nor authentication.
    pub wrong_usage: DemoCert,
    /// A root that no verifier trusts, and a certificate it issued.
    pub foreign_root: DemoCert,
    pub foreign: DemoCert,
    /// The issuing CA's CRL (number 1) listing `revoked`.
    pub crl: Vec<u8>,
    /// A delta CRL (number 2, base 1) that lists nothing new.
    pub delta_crl: Vec<u8>,
    /// The root's CRL of CA certificates (empty).
    pub root_crl: Vec<u8>,
    pub people: Vec<Person>,
    pub organisation_bin: Bin,
}

/// Completes 11 digits with the check digit, by trying each last digit
/// against `qyzmet_core`'s rules (Government Decree No. 406).
fn complete_iin(prefix: &str) -> Iin {
    (0..10)
        .find_map(|digit| Iin::parse(&format!("{prefix}{digit}")).ok())
        .expect("the demo IIN prefixes are chosen to have a check digit")
}

fn complete_bin(prefix: &str) -> Bin {
    (0..10)
        .find_map(|digit| Bin::parse(&format!("{prefix}{digit}")).ok())
        .expect("the demo BIN prefix is chosen to have a check digit")
}

fn people() -> Vec<Person> {
    vec![
        Person {
            surname: "САРСЕНОВА",
            given_name: "АЙГҮЛ",
            patronymic: "ҚАНАТҚЫЗЫ",
            iin: complete_iin("90031540012"),
        },
        Person {
            surname: "ЖҰМАБАЕВ",
            given_name: "ЕРЛАН",
            patronymic: "БОЛАТҰЛЫ",
            iin: complete_iin("85071230045"),
        },
        Person {
            surname: "ӘБІЛОВА",
            given_name: "ДИНАРА",
            patronymic: "СЕРІКҚЫЗЫ",
            iin: complete_iin("92112040078"),
        },
        Person {
            surname: "НҰРЛАНОВ",
            given_name: "ДӘУЛЕТ",
            patronymic: "АСҚАРҰЛЫ",
            iin: complete_iin("78020530091"),
        },
    ]
}

enum Profile {
    Ca,
    Usage(KeyUsageExt),
}

fn signing_usage() -> KeyUsageExt {
    let mut usage = KeyUsageExt::new();
    usage.critical().digital_signature().non_repudiation();
    usage
}

fn authentication_usage() -> KeyUsageExt {
    let mut usage = KeyUsageExt::new();
    usage.critical().digital_signature().key_encipherment();
    usage
}

fn rsa_key() -> Result<PKey<Private>, SignError> {
    Ok(PKey::from_rsa(Rsa::generate(2048)?)?)
}

fn ec_key() -> Result<PKey<Private>, SignError> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    Ok(PKey::from_ec_key(EcKey::generate(&group)?)?)
}

fn asn1_time(at: Timestamp) -> Result<Asn1Time, SignError> {
    Ok(Asn1Time::from_unix(at.as_second())?)
}

fn utf8(builder: &mut X509NameBuilder, field: &str, value: &str) -> Result<(), SignError> {
    builder.append_entry_by_text_with_type(field, value, Asn1Type::UTF8STRING)?;
    Ok(())
}

fn ca_name(common_name: &str) -> Result<X509Name, SignError> {
    let mut name = X509NameBuilder::new()?;
    utf8(&mut name, "CN", common_name)?;
    name.append_entry_by_text("C", "KZ")?;
    Ok(name.build())
}

fn person_name(person: &Person, organisation: Option<(&str, Bin)>) -> Result<X509Name, SignError> {
    holder_name(&Holder {
        surname: person.surname,
        given_name: person.given_name,
        patronymic: person.patronymic,
        iin: person.iin,
        organisation,
    })
}

fn holder_name(holder: &Holder<'_>) -> Result<X509Name, SignError> {
    let mut name = X509NameBuilder::new()?;
    utf8(
        &mut name,
        "CN",
        &format!("{} {}", holder.surname, holder.given_name),
    )?;
    utf8(&mut name, "SN", holder.surname)?;
    name.append_entry_by_text("serialNumber", &format!("IIN{}", holder.iin))?;
    name.append_entry_by_text("C", "KZ")?;
    if let Some((organisation, bin)) = holder.organisation {
        utf8(&mut name, "O", organisation)?;
        name.append_entry_by_text("OU", &format!("BIN{bin}"))?;
    }
    if !holder.patronymic.is_empty() {
        utf8(&mut name, "GN", holder.patronymic)?;
    }
    Ok(name.build())
}

struct Issue<'a> {
    name: &'static str,
    subject: X509Name,
    key: PKey<Private>,
    issuer: Option<&'a DemoCert>,
    not_before: Timestamp,
    not_after: Timestamp,
    profile: Profile,
}

fn issue(request: Issue<'_>) -> Result<DemoCert, SignError> {
    let mut builder = X509Builder::new()?;
    builder.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(159, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(&request.subject)?;
    let (issuer_name, signing_key) = match request.issuer {
        Some(issuer) => (issuer.cert.subject_name().to_owned()?, &issuer.key),
        None => (request.subject.as_ref().to_owned()?, &request.key),
    };
    builder.set_issuer_name(&issuer_name)?;
    builder.set_pubkey(&request.key)?;
    let not_before = asn1_time(request.not_before)?;
    builder.set_not_before(&not_before)?;
    let not_after = asn1_time(request.not_after)?;
    builder.set_not_after(&not_after)?;
    match request.profile {
        Profile::Ca => {
            builder.append_extension(BasicConstraints::new().critical().ca().build()?)?;
            builder.append_extension(
                KeyUsageExt::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()?,
            )?;
        }
        Profile::Usage(usage) => {
            builder.append_extension(BasicConstraints::new().critical().build()?)?;
            builder.append_extension(usage.build()?)?;
        }
    }
    let subject_key_id = SubjectKeyIdentifier::new()
        .build(&builder.x509v3_context(request.issuer.map(|i| i.cert.as_ref()), None))?;
    builder.append_extension(subject_key_id)?;
    if let Some(issuer) = request.issuer {
        let authority_key_id = AuthorityKeyIdentifier::new()
            .keyid(false)
            .build(&builder.x509v3_context(Some(issuer.cert.as_ref()), None))?;
        builder.append_extension(authority_key_id)?;
    }
    builder.sign(signing_key, MessageDigest::sha256())?;
    Ok(DemoCert {
        name: request.name,
        cert: builder.build(),
        key: request.key,
    })
}

/// Builds the demo PKI with validity periods around `now`.
pub fn demo_pki(now: Timestamp) -> Result<DemoPki, SignError> {
    let days = |n: i64| SignedDuration::from_hours(24 * n);
    let people = people();
    let organisation_bin = complete_bin("04084000052");
    let root = issue(Issue {
        name: "root-ca",
        subject: ca_name("ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (DEMO ROOT)")?,
        key: rsa_key()?,
        issuer: None,
        not_before: now - days(3650),
        not_after: now + days(3650),
        profile: Profile::Ca,
    })?;
    let issuing = issue(Issue {
        name: "issuing-ca",
        subject: ca_name("ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) DEMO")?,
        key: rsa_key()?,
        issuer: Some(&root),
        not_before: now - days(1825),
        not_after: now + days(1825),
        profile: Profile::Ca,
    })?;
    let individual = |name: &'static str,
                      person: &Person,
                      key: PKey<Private>,
                      usage: KeyUsageExt,
                      not_before: Timestamp,
                      not_after: Timestamp|
     -> Result<DemoCert, SignError> {
        issue(Issue {
            name,
            subject: person_name(person, None)?,
            key,
            issuer: Some(&issuing),
            not_before,
            not_after,
            profile: Profile::Usage(usage),
        })
    };
    let (valid_from, valid_to) = (now - days(30), now + days(335));
    let signing_rsa = individual(
        "signing-rsa",
        &people[0],
        rsa_key()?,
        signing_usage(),
        valid_from,
        valid_to,
    )?;
    let signing_ec = individual(
        "signing-ec",
        &people[0],
        ec_key()?,
        signing_usage(),
        valid_from,
        valid_to,
    )?;
    let authentication = individual(
        "authentication",
        &people[0],
        rsa_key()?,
        authentication_usage(),
        valid_from,
        valid_to,
    )?;
    let organisation = issue(Issue {
        name: "organisation",
        subject: person_name(&people[1], Some(("«QYZMET DEMO» ЖШС", organisation_bin)))?,
        key: rsa_key()?,
        issuer: Some(&issuing),
        not_before: valid_from,
        not_after: valid_to,
        profile: Profile::Usage(signing_usage()),
    })?;
    let expired = individual(
        "expired",
        &people[2],
        rsa_key()?,
        signing_usage(),
        now - days(400),
        now - days(35),
    )?;
    let not_yet_valid = individual(
        "not-yet-valid",
        &people[2],
        rsa_key()?,
        signing_usage(),
        now + days(30),
        now + days(395),
    )?;
    let revoked = individual(
        "revoked",
        &people[3],
        rsa_key()?,
        signing_usage(),
        valid_from,
        valid_to,
    )?;
    let mut key_encipherment_only = KeyUsageExt::new();
    key_encipherment_only.critical().key_encipherment();
    let wrong_usage = individual(
        "wrong-usage",
        &people[3],
        rsa_key()?,
        key_encipherment_only,
        valid_from,
        valid_to,
    )?;
    let foreign_root = issue(Issue {
        name: "foreign-root-ca",
        subject: ca_name("ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (DEMO ROOT)")?,
        key: rsa_key()?,
        issuer: None,
        not_before: now - days(3650),
        not_after: now + days(3650),
        profile: Profile::Ca,
    })?;
    let foreign = issue(Issue {
        name: "foreign",
        subject: person_name(&people[0], None)?,
        key: rsa_key()?,
        issuer: Some(&foreign_root),
        not_before: valid_from,
        not_after: valid_to,
        profile: Profile::Usage(signing_usage()),
    })?;
    let crl = build_crl(
        &issuing,
        now - days(1),
        now + days(7),
        1,
        None,
        &[(
            &revoked.cert,
            now - days(2),
            RevocationReason::KeyCompromise,
        )],
    )?;
    let delta_crl = build_crl(
        &issuing,
        now - SignedDuration::from_hours(1),
        now + days(1),
        2,
        Some(1),
        &[],
    )?;
    let root_crl = build_crl(&root, now - days(1), now + days(30), 1, None, &[])?;
    Ok(DemoPki {
        now,
        root_crl,
        root,
        issuing,
        signing_rsa,
        signing_ec,
        authentication,
        organisation,
        expired,
        not_yet_valid,
        revoked,
        wrong_usage,
        foreign_root,
        foreign,
        crl,
        delta_crl,
        people,
        organisation_bin,
    })
}

fn crl_reason(reason: RevocationReason) -> CrlReason {
    match reason {
        RevocationReason::Unspecified => CrlReason::Unspecified,
        RevocationReason::KeyCompromise => CrlReason::KeyCompromise,
        RevocationReason::CaCompromise => CrlReason::CaCompromise,
        RevocationReason::AffiliationChanged => CrlReason::AffiliationChanged,
        RevocationReason::Superseded => CrlReason::Superseded,
        RevocationReason::CessationOfOperation => CrlReason::CessationOfOperation,
        RevocationReason::CertificateHold => CrlReason::CertificateHold,
        RevocationReason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
        RevocationReason::AaCompromise => CrlReason::AaCompromise,
    }
}

fn encoding(error: der::Error) -> SignError {
    SignError::Encoding(error.to_string())
}

fn extension(
    oid: der::asn1::ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> Result<Extension, SignError> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(encoding)?).map_err(encoding)?,
    })
}

/// Builds a DER CRL signed by `issuer` (SHA-256), with a CRL number, and
/// with a delta CRL indicator naming `delta_of` when given.
pub fn build_crl(
    issuer: &DemoCert,
    this_update: Timestamp,
    next_update: Timestamp,
    number: u32,
    delta_of: Option<u32>,
    revoked: &[(&X509, Timestamp, RevocationReason)],
) -> Result<Vec<u8>, SignError> {
    let (signature_oid, parameters) = match issuer.key.id() {
        Id::RSA => (oids::SHA256_WITH_RSA, Some(Any::null())),
        Id::EC => (oids::ECDSA_WITH_SHA256, None),
        _ => return Err(SignError::UnsupportedKey),
    };
    let algorithm = AlgorithmIdentifierOwned {
        oid: signature_oid,
        parameters,
    };
    let mut entries = Vec::new();
    for (cert, at, reason) in revoked {
        let parsed = Certificate::from_der(&cert.to_der()?).map_err(encoding)?;
        entries.push(RevokedCert {
            serial_number: parsed.tbs_certificate.serial_number,
            revocation_date: x509_time(*at).map_err(encoding)?,
            crl_entry_extensions: Some(vec![extension(
                oids::CRL_REASON,
                false,
                &crl_reason(*reason),
            )?]),
        });
    }
    let uint = |n: u32| Uint::new(&n.to_be_bytes()).map_err(encoding);
    let mut extensions = vec![extension(oids::CRL_NUMBER, false, &uint(number)?)?];
    if let Some(base) = delta_of {
        extensions.push(extension(oids::DELTA_CRL_INDICATOR, true, &uint(base)?)?);
    }
    let tbs = TbsCertList {
        version: Version::V2,
        signature: algorithm.clone(),
        issuer: Name::from_der(&issuer.cert.subject_name().to_der()?).map_err(encoding)?,
        this_update: x509_time(this_update).map_err(encoding)?,
        next_update: Some(x509_time(next_update).map_err(encoding)?),
        revoked_certificates: (!entries.is_empty()).then_some(entries),
        crl_extensions: Some(extensions),
    };
    let tbs_der = tbs.to_der().map_err(encoding)?;
    let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), &issuer.key)?;
    signer.update(&tbs_der)?;
    let signature = signer.sign_to_vec()?;
    let list = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature).map_err(encoding)?,
    };
    list.to_der().map_err(encoding)
}

impl DemoPki {
    /// Issues `holder` a certificate from the demo issuing CA for `purpose`
    /// (ECDSA P-256, so that a demo server can certify dozens of people at
    /// start quickly), valid from 30 days before `self.now` for a year.
    pub fn issue_to(&self, holder: &Holder<'_>, purpose: Purpose) -> Result<DemoCert, SignError> {
        let days = |n: i64| SignedDuration::from_hours(24 * n);
        let usage = match purpose {
            Purpose::Signing => signing_usage(),
            Purpose::Authentication => authentication_usage(),
        };
        issue(Issue {
            name: match purpose {
                Purpose::Signing => "signing",
                Purpose::Authentication => "authentication",
            },
            subject: holder_name(holder)?,
            key: ec_key()?,
            issuer: Some(&self.issuing),
            not_before: self.now - days(30),
            not_after: self.now + days(335),
            profile: Profile::Usage(usage),
        })
    }

    /// A trust store with the demo root and the issuing CA as intermediate.
    pub fn trust_store(&self) -> TrustStore {
        let mut trust = TrustStore::new();
        trust
            .add_roots(
                &self
                    .root
                    .cert
                    .to_der()
                    .expect("a built certificate encodes"),
            )
            .expect("the demo root parses");
        trust
            .add_intermediates(
                &self
                    .issuing
                    .cert
                    .to_der()
                    .expect("a built certificate encodes"),
            )
            .expect("the demo issuing CA parses");
        trust
    }

    /// A CRL cache holding the root's CRL and the issuing CA's CRL and delta CRL.
    pub fn crl_cache(&self) -> CrlCache {
        let mut cache = CrlCache::default();
        cache
            .insert(&self.root_crl)
            .expect("the demo root CRL parses");
        cache.insert(&self.crl).expect("the demo CRL parses");
        cache
            .insert(&self.delta_crl)
            .expect("the demo delta CRL parses");
        cache
    }

    pub fn certificates(&self) -> Vec<&DemoCert> {
        vec![
            &self.root,
            &self.issuing,
            &self.signing_rsa,
            &self.signing_ec,
            &self.authentication,
            &self.organisation,
            &self.expired,
            &self.not_yet_valid,
            &self.revoked,
            &self.wrong_usage,
            &self.foreign_root,
            &self.foreign,
        ]
    }

    /// Writes `<name>.pem` (certificate), `<name>.key.pem` (PKCS #8 key,
    /// unencrypted: test keys only) and `<name>.p12` (password `demo`) for
    /// every certificate, and `root-ca.crl`, `issuing-ca.crl` and
    /// `issuing-ca-delta.crl` (DER).
    pub fn write_to(&self, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        let openssl_error =
            |error: openssl::error::ErrorStack| std::io::Error::other(error.to_string());
        std::fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        let mut write = |name: String, bytes: &[u8]| -> std::io::Result<()> {
            let path = dir.join(name);
            std::fs::write(&path, bytes)?;
            written.push(path);
            Ok(())
        };
        for demo in self.certificates() {
            write(
                format!("{}.pem", demo.name),
                &demo.cert.to_pem().map_err(openssl_error)?,
            )?;
            write(
                format!("{}.key.pem", demo.name),
                &demo.key.private_key_to_pem_pkcs8().map_err(openssl_error)?,
            )?;
            let p12 = openssl::pkcs12::Pkcs12::builder()
                .name(demo.name)
                .pkey(&demo.key)
                .cert(&demo.cert)
                .build2("demo")
                .and_then(|p12| p12.to_der())
                .map_err(openssl_error)?;
            write(format!("{}.p12", demo.name), &p12)?;
        }
        write("root-ca.crl".into(), &self.root_crl)?;
        write("issuing-ca.crl".into(), &self.crl)?;
        write("issuing-ca-delta.crl".into(), &self.delta_crl)?;
        Ok(written)
    }
}
