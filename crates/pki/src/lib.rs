//! Digital signatures for Qyzmet: verification of CMS (PKCS#7) and enveloped
//! XMLDSig signatures made with NCA RK-style certificates, CMS and XML
//! signing, RFC 3161 signature timestamps, a CRL cache and a test PKI.
//!
//! The crate does no network I/O and never reads the clock: the caller passes
//! `now`, the trusted roots, and the CRLs (fetched through a [`CrlSource`] it
//! implements). Every verification failure is a typed [`Failure`]; the work per
//! verification is bounded by [`Limits`].
//!
//! ASN.1 is decoded with the RustCrypto `der`/`x509-cert`/`cms` crates; all
//! cryptography (digests, RSA and ECDSA) goes through OpenSSL behind the
//! [`SignatureVerifier`] trait, keyed by algorithm OID, so that a GOST provider
//! can be registered beside it.

mod algorithms;
mod cert;
mod crl;
mod demo;
mod der_util;
mod failure;
mod sign;
mod timestamp;
mod verify;
mod xmldsig;

pub use algorithms::{
    AlgorithmError, Algorithms, OpensslProvider, SignatureAlgorithm, SignatureVerifier,
    XmlSignatureEncoding, XmlSignatureMethod, oids, xml_uris,
};
pub use cert::{CertificateInfo, KeyUsage, Purpose, Subject};
pub use const_oid::ObjectIdentifier;
pub use crl::{Crl, CrlCache, CrlError, CrlSource, RefreshReport};
pub use demo::{DemoCert, DemoPki, Holder, Person, build_crl, demo_pki};
pub use failure::{CertRole, Failure, RevocationReason, RevocationUnknown, XmlBound};
pub use sign::{SignError, sign_cms};
pub use timestamp::{TimestampReport, timestamp_oids};
pub use verify::{
    Check, Limits, Policy, RevocationPolicy, SignerReport, TrustStore, Verified, Verifier,
};
pub use xmldsig::{Canonicalization, DSIG_NAMESPACE, VerifiedXml, sign_xml};
