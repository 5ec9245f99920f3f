//! What the verifier needs from a certificate: NCA-style subject fields,
//! key usage, CA flag and validity, decoded once.

use der::{Decode, Encode, Tagged};
use jiff::Timestamp;
use qyzmet_core::{Bin, Iin};
use serde::Serialize;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage as X509KeyUsage};
use x509_cert::name::Name;

use crate::algorithms::{SignatureAlgorithm, oids};
use crate::der_util::{first_inner_tlv, timestamp};

/// What a key is used for, in NCA's sense: signing keys carry
/// digitalSignature + nonRepudiation, authentication keys digitalSignature +
/// keyEncipherment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    Signing,
    Authentication,
}

impl Purpose {
    pub fn required_usage(self) -> KeyUsage {
        match self {
            Purpose::Signing => KeyUsage(KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION),
            Purpose::Authentication => {
                KeyUsage(KeyUsage::DIGITAL_SIGNATURE | KeyUsage::KEY_ENCIPHERMENT)
            }
        }
    }
}

/// The keyUsage bits of a certificate (bit 0 = digitalSignature, RFC 5280).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyUsage(pub u16);

const KEY_USAGE_NAMES: [&str; 9] = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

impl KeyUsage {
    pub const DIGITAL_SIGNATURE: u16 = 1 << 0;
    pub const NON_REPUDIATION: u16 = 1 << 1;
    pub const KEY_ENCIPHERMENT: u16 = 1 << 2;
    pub const KEY_CERT_SIGN: u16 = 1 << 5;
    pub const CRL_SIGN: u16 = 1 << 6;

    pub fn contains(self, other: KeyUsage) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn names(self) -> Vec<&'static str> {
        KEY_USAGE_NAMES
            .iter()
            .enumerate()
            .filter(|(bit, _)| self.0 & (1 << bit) != 0)
            .map(|(_, name)| *name)
            .collect()
    }
}

impl std::fmt::Display for KeyUsage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = self.names();
        if names.is_empty() {
            f.write_str("(none)")
        } else {
            f.write_str(&names.join("+"))
        }
    }
}

impl Serialize for KeyUsage {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.names().serialize(serializer)
    }
}

/// The NCA-style fields of a certificate subject. `iin` and `bin` are set only
/// when the subject has `SERIALNUMBER=IIN<12 digits>` / `OU=BIN<12 digits>`
/// with valid check digits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Subject {
    pub common_name: Option<String>,
    pub surname: Option<String>,
    /// NCA puts the patronymic in `G` (givenName).
    pub patronymic: Option<String>,
    pub country: Option<String>,
    pub organisation: Option<String>,
    #[serde(serialize_with = "display_option")]
    pub iin: Option<Iin>,
    #[serde(serialize_with = "display_option")]
    pub bin: Option<Bin>,
}

fn display_option<T: std::fmt::Display, S: serde::Serializer>(
    value: &Option<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.collect_str(value),
        None => serializer.serialize_none(),
    }
}

/// Reads a directory string (UTF8String, PrintableString, IA5String,
/// BMPString is not supported) from an attribute value.
fn directory_string(value: &der::Any) -> Option<String> {
    use der::Tag;
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            String::from_utf8(value.value().to_vec()).ok()
        }
        _ => None,
    }
}

impl Subject {
    pub(crate) fn from_name(name: &Name) -> Subject {
        let mut subject = Subject::default();
        for rdn in name.0.iter() {
            for attribute in rdn.0.iter() {
                let Some(text) = directory_string(&attribute.value) else {
                    continue;
                };
                match attribute.oid {
                    oids::COMMON_NAME => subject.common_name = Some(text),
                    oids::SURNAME => subject.surname = Some(text),
                    oids::GIVEN_NAME => subject.patronymic = Some(text),
                    oids::COUNTRY => subject.country = Some(text),
                    oids::ORGANIZATION => subject.organisation = Some(text),
                    oids::SERIAL_NUMBER => {
                        if let Some(digits) = text.strip_prefix("IIN") {
                            subject.iin = Iin::parse(digits).ok();
                        }
                    }
                    oids::ORGANIZATIONAL_UNIT => {
                        if let Some(digits) = text.strip_prefix("BIN") {
                            subject.bin = Bin::parse(digits).ok();
                        }
                    }
                    _ => {}
                }
            }
        }
        subject
    }
}

/// A decoded certificate with the parts the verifier needs.
#[derive(Clone, Debug)]
pub(crate) struct ParsedCert {
    pub der: Vec<u8>,
    pub tbs_der_range: std::ops::Range<usize>,
    pub cert: Certificate,
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    pub spki_der: Vec<u8>,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    pub key_usage: Option<KeyUsage>,
    pub is_ca: bool,
    pub subject_key_id: Option<Vec<u8>>,
    /// extKeyUsage purposes (empty when the extension is absent).
    pub extended_key_usage: Vec<const_oid::ObjectIdentifier>,
}

impl ParsedCert {
    pub fn from_der(der: &[u8]) -> Result<ParsedCert, String> {
        let cert = Certificate::from_der(der).map_err(|error| error.to_string())?;
        ParsedCert::from_cert(cert)
    }

    pub fn from_cert(cert: Certificate) -> Result<ParsedCert, String> {
        let der = cert.to_der().map_err(|error| error.to_string())?;
        let tbs = first_inner_tlv(&der)?;
        let tbs_start = tbs.as_ptr() as usize - der.as_ptr() as usize;
        let tbs_der_range = tbs_start..tbs_start + tbs.len();
        let tbs_cert = &cert.tbs_certificate;
        let subject_der = tbs_cert
            .subject
            .to_der()
            .map_err(|error| error.to_string())?;
        let issuer_der = tbs_cert
            .issuer
            .to_der()
            .map_err(|error| error.to_string())?;
        let spki_der = tbs_cert
            .subject_public_key_info
            .to_der()
            .map_err(|error| error.to_string())?;
        let mut key_usage = None;
        let mut is_ca = false;
        let mut subject_key_id = None;
        let mut extended_key_usage = Vec::new();
        for extension in tbs_cert.extensions.iter().flatten() {
            let value = extension.extn_value.as_bytes();
            match extension.extn_id {
                oids::KEY_USAGE => {
                    let usage = X509KeyUsage::from_der(value).map_err(|error| error.to_string())?;
                    key_usage = Some(KeyUsage(usage.0.bits()));
                }
                oids::BASIC_CONSTRAINTS => {
                    let constraints =
                        BasicConstraints::from_der(value).map_err(|error| error.to_string())?;
                    is_ca = constraints.ca;
                }
                const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER => {
                    let id = x509_cert::ext::pkix::SubjectKeyIdentifier::from_der(value)
                        .map_err(|error| error.to_string())?;
                    subject_key_id = Some(id.0.as_bytes().to_vec());
                }
                const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE => {
                    let usage = x509_cert::ext::pkix::ExtendedKeyUsage::from_der(value)
                        .map_err(|error| error.to_string())?;
                    extended_key_usage = usage.0;
                }
                _ => {}
            }
        }
        Ok(ParsedCert {
            not_before: timestamp(tbs_cert.validity.not_before),
            not_after: timestamp(tbs_cert.validity.not_after),
            der,
            tbs_der_range,
            subject_der,
            issuer_der,
            spki_der,
            key_usage,
            is_ca,
            subject_key_id,
            extended_key_usage,
            cert,
        })
    }

    pub fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs_der_range.clone()]
    }

    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        let algorithm = &self.cert.signature_algorithm;
        SignatureAlgorithm {
            signature: algorithm.oid,
            parameters: algorithm.parameters.as_ref().and_then(|p| p.to_der().ok()),
            digest: None,
        }
    }

    pub fn signature(&self) -> &[u8] {
        self.cert.signature.raw_bytes()
    }

    pub fn serial(&self) -> &[u8] {
        self.cert.tbs_certificate.serial_number.as_bytes()
    }

    pub fn info(&self) -> CertificateInfo {
        CertificateInfo {
            subject: Subject::from_name(&self.cert.tbs_certificate.subject),
            issuer_common_name: Subject::from_name(&self.cert.tbs_certificate.issuer).common_name,
            serial_hex: hex(self.serial()),
            not_before: self.not_before,
            not_after: self.not_after,
            key_usage: self.key_usage.unwrap_or_default(),
        }
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A summary of a certificate, for the caller and for display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    pub subject: Subject,
    pub issuer_common_name: Option<String>,
    pub serial_hex: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    pub key_usage: KeyUsage,
}

impl CertificateInfo {
    /// Reads a DER certificate (nothing is verified: for display and for
    /// choosing among one's own keys).
    pub fn from_der(der: &[u8]) -> Result<CertificateInfo, String> {
        ParsedCert::from_der(der).map(|cert| cert.info())
    }

    /// Whether the key usage fits `purpose` (as verification requires).
    pub fn fits(&self, purpose: Purpose) -> bool {
        self.key_usage.contains(purpose.required_usage())
    }
}
