//! TLS for `wss://`: a self-signed certificate for `localhost`/`127.0.0.1`
//! made at start, or one given by the operator.

use jiff::{SignedDuration, Timestamp};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509, X509NameBuilder};

/// A self-signed ECDSA P-256 server certificate for `localhost` and
/// `127.0.0.1`, valid from an hour before `now` for 365 days.
pub fn self_signed_localhost(now: Timestamp) -> Result<(X509, PKey<Private>), ErrorStack> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, "localhost")?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "Qyzmet signer (NCALayer stand-in)")?;
    let name = name.build();
    let mut builder = X509::builder()?;
    builder.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = Asn1Integer::from_bn(&serial)?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(&name)?;
    builder.set_issuer_name(&name)?;
    builder.set_pubkey(&key)?;
    let start = now - SignedDuration::from_hours(1);
    let end = now + SignedDuration::from_hours(24 * 365);
    let not_before = Asn1Time::from_unix(start.as_second())?;
    let not_after = Asn1Time::from_unix(end.as_second())?;
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    builder.append_extension(BasicConstraints::new().critical().build()?)?;
    builder.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
    builder.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
    let san = SubjectAlternativeName::new()
        .dns("localhost")
        .ip("127.0.0.1")
        .build(&builder.x509v3_context(None, None))?;
    builder.append_extension(san)?;
    builder.sign(&key, MessageDigest::sha256())?;
    Ok((builder.build(), key))
}

/// The SHA-256 fingerprint as colon-separated upper-case hex (as browsers show it).
pub fn fingerprint_sha256(cert: &X509) -> Result<String, ErrorStack> {
    let digest = cert.digest(MessageDigest::sha256())?;
    Ok(digest
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":"))
}

/// A TLS server configuration (Mozilla "intermediate") with `cert` and `key`.
pub fn acceptor(cert: &X509, key: &PKey<Private>) -> Result<SslAcceptor, ErrorStack> {
    let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
    builder.set_private_key(key)?;
    builder.set_certificate(cert)?;
    builder.check_private_key()?;
    Ok(builder.build())
}
