//! Why a signature is not accepted: one precise, typed reason per failure.

use jiff::Timestamp;
use qyzmet_core::{Bin, Iin};
use serde::Serialize;

use crate::cert::{KeyUsage, Purpose};

/// Which certificate of the chain a failure is about. No names or numbers:
/// failures are logged, and the subject is personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertRole {
    /// The signer's own certificate.
    Signer,
    /// An intermediate CA; 1 is the signer's issuer.
    Intermediate(u8),
    /// The trusted root.
    Root,
}

impl std::fmt::Display for CertRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertRole::Signer => f.write_str("signer's certificate"),
            CertRole::Intermediate(depth) => write!(f, "intermediate CA certificate {depth}"),
            CertRole::Root => f.write_str("root CA certificate"),
        }
    }
}

/// The reason code of a CRL entry (RFC 5280, 5.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
    PrivilegeWithdrawn,
    AaCompromise,
}

impl std::fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = serde_json_name(self);
        f.write_str(text)
    }
}

fn serde_json_name(reason: &RevocationReason) -> &'static str {
    match reason {
        RevocationReason::Unspecified => "unspecified",
        RevocationReason::KeyCompromise => "keyCompromise",
        RevocationReason::CaCompromise => "cACompromise",
        RevocationReason::AffiliationChanged => "affiliationChanged",
        RevocationReason::Superseded => "superseded",
        RevocationReason::CessationOfOperation => "cessationOfOperation",
        RevocationReason::CertificateHold => "certificateHold",
        RevocationReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        RevocationReason::AaCompromise => "aACompromise",
    }
}

/// Why revocation status could not be established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationUnknown {
    /// The cache has no CRL from this issuer.
    NoCrl,
    /// The newest CRL's nextUpdate is in the past: refresh the cache.
    CrlExpired,
    /// The CRL in the cache is not signed by the certificate's issuer.
    CrlBadSignature,
}

/// Which structural bound of an XML document was exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum XmlBound {
    /// Elements, text, comments and processing instructions, together.
    Nodes,
    /// Element nesting.
    Depth,
    /// Attributes and namespace declarations of one element.
    Attributes,
    /// Namespace declarations in scope at one element.
    Namespaces,
}

impl std::fmt::Display for XmlBound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            XmlBound::Nodes => "XML nodes",
            XmlBound::Depth => "levels of XML element nesting",
            XmlBound::Attributes => "attributes on one XML element",
            XmlBound::Namespaces => "XML namespace declarations in scope",
        })
    }
}

/// Why a signature was not accepted. The `Display` text is for people; the
/// serialized `reason` (kebab-case variant name, see [`Failure::code`]) is a
/// stable code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "reason", content = "detail", rename_all = "kebab-case")]
pub enum Failure {
    #[error("the input is larger than {limit_bytes} bytes")]
    TooLarge { limit_bytes: usize },
    #[error("malformed signature: {0}")]
    Malformed(String),
    #[error("the signature is detached and no content was given")]
    MissingContent,
    /// CMS: the signature carries content and different detached content
    /// was given. XMLDSig: the document's digest is not the signed one (the
    /// document was changed after signing).
    #[error("the content is not the content that was signed")]
    ContentMismatch,
    #[error("the signature has no signers")]
    NoSigners,
    #[error("more than {limit} signers")]
    TooManySigners { limit: usize },
    #[error("more than {limit} certificates")]
    TooManyCertificates { limit: usize },
    #[error("the signer's certificate is not included in the signature")]
    SignerCertificateMissing,
    #[error("unsupported algorithm {oid}")]
    UnsupportedAlgorithm { oid: String },
    #[error("the signature does not match the content or the certificate")]
    BadSignature,
    #[error("the certificate was not issued by a trusted certification authority")]
    UnknownIssuer,
    #[error("the certificate chain is longer than {limit}")]
    ChainTooLong { limit: usize },
    #[error("the {certificate} is not a CA certificate")]
    NotCa { certificate: CertRole },
    #[error("the {certificate} expired at {not_after} (checked at {checked_at})")]
    Expired {
        certificate: CertRole,
        not_after: Timestamp,
        checked_at: Timestamp,
    },
    #[error("the {certificate} is not valid before {not_before} (checked at {checked_at})")]
    NotYetValid {
        certificate: CertRole,
        not_before: Timestamp,
        checked_at: Timestamp,
    },
    #[error("the signing time {signing_time} is later than now ({now})")]
    SigningTimeInFuture {
        signing_time: Timestamp,
        now: Timestamp,
    },
    #[error("the signature has no signing-time attribute")]
    SigningTimeMissing,
    #[error("the {certificate} was revoked at {at} ({reason})")]
    Revoked {
        certificate: CertRole,
        at: Timestamp,
        reason: RevocationReason,
    },
    #[error("the revocation status of the {certificate} is unknown ({why:?})")]
    RevocationUnknown {
        certificate: CertRole,
        why: RevocationUnknown,
    },
    #[error("the key usage is {found}, but {purpose:?} needs {expected}")]
    WrongKeyUsage {
        purpose: Purpose,
        expected: KeyUsage,
        found: KeyUsage,
    },
    #[error("the certificate's IIN is not the applicant's")]
    IinMismatch {
        #[serde(serialize_with = "display")]
        expected: Iin,
        #[serde(serialize_with = "display_option")]
        found: Option<Iin>,
    },
    /// The signature carries an RFC 3161 timestamp that is not valid; the
    /// inner failure says why (`certificate` roles in it are the TSA's
    /// chain: `signer` is the TSA certificate).
    #[error("the signature timestamp is not valid: {0}")]
    Timestamp(Box<Failure>),
    #[error(
        "the timestamp's certificate is not a timestamp authority's (no extended key usage timeStamping)"
    )]
    NotTsaCertificate,
    #[error("the XML document has a DTD (DOCTYPE); DTDs and entities are not accepted")]
    DtdNotAllowed,
    #[error("the XML document has more than {limit} {bound}")]
    XmlTooComplex { bound: XmlBound, limit: usize },
    #[error("more than {limit} references in the XML signature")]
    TooManyReferences { limit: usize },
    #[error("unsupported XML signature reference {uri:?} (only the whole document, URI=\"\")")]
    UnsupportedReference { uri: Option<String> },
    #[error("unsupported XML transform or canonicalization {uri}")]
    UnsupportedTransform { uri: String },
    #[error("unsupported XML signature or digest algorithm {uri}")]
    UnsupportedXmlAlgorithm { uri: String },
    #[error("the certificate's BIN is not the organisation's")]
    BinMismatch {
        #[serde(serialize_with = "display")]
        expected: Bin,
        #[serde(serialize_with = "display_option")]
        found: Option<Bin>,
    },
}

impl Failure {
    /// The stable code of this failure (`expired`, `revoked`, `iin-mismatch`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Failure::TooLarge { .. } => "too-large",
            Failure::Malformed(_) => "malformed",
            Failure::MissingContent => "missing-content",
            Failure::ContentMismatch => "content-mismatch",
            Failure::NoSigners => "no-signers",
            Failure::TooManySigners { .. } => "too-many-signers",
            Failure::TooManyCertificates { .. } => "too-many-certificates",
            Failure::SignerCertificateMissing => "signer-certificate-missing",
            Failure::UnsupportedAlgorithm { .. } => "unsupported-algorithm",
            Failure::BadSignature => "bad-signature",
            Failure::UnknownIssuer => "unknown-issuer",
            Failure::ChainTooLong { .. } => "chain-too-long",
            Failure::NotCa { .. } => "not-ca",
            Failure::Expired { .. } => "expired",
            Failure::NotYetValid { .. } => "not-yet-valid",
            Failure::SigningTimeInFuture { .. } => "signing-time-in-future",
            Failure::SigningTimeMissing => "signing-time-missing",
            Failure::Revoked { .. } => "revoked",
            Failure::RevocationUnknown { .. } => "revocation-unknown",
            Failure::WrongKeyUsage { .. } => "wrong-key-usage",
            Failure::IinMismatch { .. } => "iin-mismatch",
            Failure::BinMismatch { .. } => "bin-mismatch",
            Failure::Timestamp(_) => "timestamp",
            Failure::NotTsaCertificate => "not-tsa-certificate",
            Failure::DtdNotAllowed => "dtd-not-allowed",
            Failure::XmlTooComplex { .. } => "xml-too-complex",
            Failure::TooManyReferences { .. } => "too-many-references",
            Failure::UnsupportedReference { .. } => "unsupported-reference",
            Failure::UnsupportedTransform { .. } => "unsupported-transform",
            Failure::UnsupportedXmlAlgorithm { .. } => "unsupported-xml-algorithm",
        }
    }
}

fn display<T: std::fmt::Display, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
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
