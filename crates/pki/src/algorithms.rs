//! The algorithm layer: digests and signature checks behind a trait keyed by
//! algorithm OID, so that a GOST provider (NCA's GOST 34.310-2004 and
//! GOST R 34.10-2015 need a proprietary library) can be registered beside
//! OpenSSL's RSA and ECDSA.

use std::collections::HashMap;
use std::sync::Arc;

use const_oid::ObjectIdentifier;
use openssl::hash::MessageDigest;
use openssl::pkey::{Id, PKey};

/// Object identifiers this crate knows.
pub mod oids {
    use const_oid::ObjectIdentifier as Oid;

    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");

    pub const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    pub const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    pub const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");

    pub const SERIAL_NUMBER: Oid = Oid::new_unwrap("2.5.4.5");
    pub const COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
    pub const SURNAME: Oid = Oid::new_unwrap("2.5.4.4");
    pub const GIVEN_NAME: Oid = Oid::new_unwrap("2.5.4.42");
    pub const COUNTRY: Oid = Oid::new_unwrap("2.5.4.6");
    pub const ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");
    pub const ORGANIZATIONAL_UNIT: Oid = Oid::new_unwrap("2.5.4.11");

    pub const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
    pub const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
    pub const CRL_NUMBER: Oid = Oid::new_unwrap("2.5.29.20");
    pub const CRL_REASON: Oid = Oid::new_unwrap("2.5.29.21");
    pub const DELTA_CRL_INDICATOR: Oid = Oid::new_unwrap("2.5.29.27");
}

/// A signature algorithm as it appears in a certificate, CRL or SignerInfo.
/// In CMS the signature OID may name only the key type (`rsaEncryption`),
/// the digest then comes from the SignerInfo's digest algorithm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureAlgorithm {
    pub signature: ObjectIdentifier,
    /// DER of the AlgorithmIdentifier parameters, when present.
    pub parameters: Option<Vec<u8>>,
    pub digest: Option<ObjectIdentifier>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AlgorithmError {
    #[error("unsupported algorithm {0}")]
    Unsupported(ObjectIdentifier),
    #[error("the signature does not verify")]
    BadSignature,
    #[error("unusable public key: {0}")]
    BadKey(String),
}

/// A provider of digests and signature checks for some algorithm OIDs.
pub trait SignatureVerifier: Send + Sync {
    /// Signature algorithm OIDs this provider verifies.
    fn signature_algorithms(&self) -> Vec<ObjectIdentifier>;
    /// Digest algorithm OIDs this provider computes.
    fn digest_algorithms(&self) -> Vec<ObjectIdentifier>;
    fn digest(&self, algorithm: ObjectIdentifier, data: &[u8]) -> Result<Vec<u8>, AlgorithmError>;
    /// Checks `signature` over `message` with the public key given as the DER
    /// of a SubjectPublicKeyInfo.
    fn verify(
        &self,
        algorithm: &SignatureAlgorithm,
        public_key_info_der: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), AlgorithmError>;
}

/// How an XML `SignatureValue` is laid out for a signature method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XmlSignatureEncoding {
    /// The bytes the provider verifies (RSA PKCS #1 v1.5; GOST).
    AsIs,
    /// ECDSA's `r || s`, each half the length (RFC 4051, 3.3); converted to
    /// the DER `Ecdsa-Sig-Value` that CMS and OpenSSL use.
    EcdsaConcatenated,
}

/// What an XMLDSig `SignatureMethod` URI names in the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XmlSignatureMethod {
    /// The signature algorithm OID a provider is registered for.
    pub algorithm: ObjectIdentifier,
    pub encoding: XmlSignatureEncoding,
}

/// XMLDSig algorithm URIs (W3C XMLDSig, RFC 4051, XML Encryption).
pub mod xml_uris {
    pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
    pub const SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
    pub const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
    pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    pub const RSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
    pub const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
    pub const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    pub const ECDSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
    pub const ECDSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512";
}

/// The registry of providers, keyed by OID. A later registration for the same
/// OID replaces the earlier one. It also maps XMLDSig algorithm URIs onto
/// those OIDs, so that XML signatures reach the same providers (a GOST
/// provider registers NCA's `urn:ietf:params:xml:ns:pkigovkz:…` URIs).
#[derive(Clone)]
pub struct Algorithms {
    signatures: HashMap<ObjectIdentifier, Arc<dyn SignatureVerifier>>,
    digests: HashMap<ObjectIdentifier, Arc<dyn SignatureVerifier>>,
    xml_signature_methods: HashMap<String, XmlSignatureMethod>,
    xml_digest_methods: HashMap<String, ObjectIdentifier>,
}

impl std::fmt::Debug for Algorithms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Algorithms")
            .field("signatures", &self.signatures.keys().collect::<Vec<_>>())
            .field("digests", &self.digests.keys().collect::<Vec<_>>())
            .field(
                "xml_signature_methods",
                &self.xml_signature_methods.keys().collect::<Vec<_>>(),
            )
            .field(
                "xml_digest_methods",
                &self.xml_digest_methods.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Default for Algorithms {
    fn default() -> Self {
        Algorithms::openssl()
    }
}

impl Algorithms {
    /// No providers. The W3C XMLDSig URIs of SHA-2, RSA and ECDSA are named
    /// (names only: without a provider for their OIDs they are unsupported).
    pub fn empty() -> Algorithms {
        let mut algorithms = Algorithms {
            signatures: HashMap::new(),
            digests: HashMap::new(),
            xml_signature_methods: HashMap::new(),
            xml_digest_methods: HashMap::new(),
        };
        for (uri, oid) in [
            (xml_uris::SHA256, oids::SHA256),
            (xml_uris::SHA384, oids::SHA384),
            (xml_uris::SHA512, oids::SHA512),
        ] {
            algorithms.register_xml_digest_method(uri, oid);
        }
        for (uri, algorithm, encoding) in [
            (
                xml_uris::RSA_SHA256,
                oids::SHA256_WITH_RSA,
                XmlSignatureEncoding::AsIs,
            ),
            (
                xml_uris::RSA_SHA384,
                oids::SHA384_WITH_RSA,
                XmlSignatureEncoding::AsIs,
            ),
            (
                xml_uris::RSA_SHA512,
                oids::SHA512_WITH_RSA,
                XmlSignatureEncoding::AsIs,
            ),
            (
                xml_uris::ECDSA_SHA256,
                oids::ECDSA_WITH_SHA256,
                XmlSignatureEncoding::EcdsaConcatenated,
            ),
            (
                xml_uris::ECDSA_SHA384,
                oids::ECDSA_WITH_SHA384,
                XmlSignatureEncoding::EcdsaConcatenated,
            ),
            (
                xml_uris::ECDSA_SHA512,
                oids::ECDSA_WITH_SHA512,
                XmlSignatureEncoding::EcdsaConcatenated,
            ),
        ] {
            algorithms.register_xml_signature_method(
                uri,
                XmlSignatureMethod {
                    algorithm,
                    encoding,
                },
            );
        }
        algorithms
    }

    /// Names an XMLDSig `SignatureMethod` URI; the provider is the one
    /// registered for `method.algorithm`.
    pub fn register_xml_signature_method(&mut self, uri: &str, method: XmlSignatureMethod) {
        self.xml_signature_methods.insert(uri.to_string(), method);
    }

    /// Names an XMLDSig `DigestMethod` URI.
    pub fn register_xml_digest_method(&mut self, uri: &str, digest: ObjectIdentifier) {
        self.xml_digest_methods.insert(uri.to_string(), digest);
    }

    pub fn xml_signature_method(&self, uri: &str) -> Option<XmlSignatureMethod> {
        self.xml_signature_methods.get(uri).copied()
    }

    pub fn xml_digest_method(&self, uri: &str) -> Option<ObjectIdentifier> {
        self.xml_digest_methods.get(uri).copied()
    }

    /// RSA (PKCS #1 v1.5) and ECDSA with SHA-2, through OpenSSL.
    pub fn openssl() -> Algorithms {
        let mut algorithms = Algorithms::empty();
        algorithms.register(Arc::new(OpensslProvider));
        algorithms
    }

    pub fn register(&mut self, provider: Arc<dyn SignatureVerifier>) {
        for oid in provider.signature_algorithms() {
            self.signatures.insert(oid, provider.clone());
        }
        for oid in provider.digest_algorithms() {
            self.digests.insert(oid, provider.clone());
        }
    }

    pub fn digest(
        &self,
        algorithm: ObjectIdentifier,
        data: &[u8],
    ) -> Result<Vec<u8>, AlgorithmError> {
        self.digests
            .get(&algorithm)
            .ok_or(AlgorithmError::Unsupported(algorithm))?
            .digest(algorithm, data)
    }

    pub fn verify(
        &self,
        algorithm: &SignatureAlgorithm,
        public_key_info_der: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), AlgorithmError> {
        self.signatures
            .get(&algorithm.signature)
            .ok_or(AlgorithmError::Unsupported(algorithm.signature))?
            .verify(algorithm, public_key_info_der, message, signature)
    }
}

/// RSA PKCS #1 v1.5 and ECDSA over SHA-256/384/512, by OpenSSL. SHA-1 and
/// RSASSA-PSS are deliberately not registered.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpensslProvider;

fn message_digest(oid: ObjectIdentifier) -> Option<MessageDigest> {
    match oid {
        oids::SHA256 => Some(MessageDigest::sha256()),
        oids::SHA384 => Some(MessageDigest::sha384()),
        oids::SHA512 => Some(MessageDigest::sha512()),
        _ => None,
    }
}

impl SignatureVerifier for OpensslProvider {
    fn signature_algorithms(&self) -> Vec<ObjectIdentifier> {
        vec![
            oids::RSA_ENCRYPTION,
            oids::SHA256_WITH_RSA,
            oids::SHA384_WITH_RSA,
            oids::SHA512_WITH_RSA,
            oids::EC_PUBLIC_KEY,
            oids::ECDSA_WITH_SHA256,
            oids::ECDSA_WITH_SHA384,
            oids::ECDSA_WITH_SHA512,
        ]
    }

    fn digest_algorithms(&self) -> Vec<ObjectIdentifier> {
        vec![oids::SHA256, oids::SHA384, oids::SHA512]
    }

    fn digest(&self, algorithm: ObjectIdentifier, data: &[u8]) -> Result<Vec<u8>, AlgorithmError> {
        let md = message_digest(algorithm).ok_or(AlgorithmError::Unsupported(algorithm))?;
        openssl::hash::hash(md, data)
            .map(|digest| digest.to_vec())
            .map_err(|error| AlgorithmError::BadKey(error.to_string()))
    }

    fn verify(
        &self,
        algorithm: &SignatureAlgorithm,
        public_key_info_der: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), AlgorithmError> {
        let (key_id, digest) = match algorithm.signature {
            oids::SHA256_WITH_RSA => (Id::RSA, oids::SHA256),
            oids::SHA384_WITH_RSA => (Id::RSA, oids::SHA384),
            oids::SHA512_WITH_RSA => (Id::RSA, oids::SHA512),
            oids::ECDSA_WITH_SHA256 => (Id::EC, oids::SHA256),
            oids::ECDSA_WITH_SHA384 => (Id::EC, oids::SHA384),
            oids::ECDSA_WITH_SHA512 => (Id::EC, oids::SHA512),
            oids::RSA_ENCRYPTION | oids::EC_PUBLIC_KEY => {
                let key_id = if algorithm.signature == oids::RSA_ENCRYPTION {
                    Id::RSA
                } else {
                    Id::EC
                };
                (
                    key_id,
                    algorithm
                        .digest
                        .ok_or(AlgorithmError::Unsupported(algorithm.signature))?,
                )
            }
            other => return Err(AlgorithmError::Unsupported(other)),
        };
        let md = message_digest(digest).ok_or(AlgorithmError::Unsupported(digest))?;
        // The type-specific decoders: OpenSSL 3's generic
        // `PKey::public_key_from_der` costs ≈ 135 µs, most of a verification
        // (docs/performance.md, "Signatures and documents").
        let typed = match key_id {
            Id::RSA => {
                openssl::rsa::Rsa::public_key_from_der(public_key_info_der).and_then(PKey::from_rsa)
            }
            _ => openssl::ec::EcKey::public_key_from_der(public_key_info_der)
                .and_then(PKey::from_ec_key),
        };
        let key = match typed {
            Ok(key) => key,
            Err(_) => {
                // Not a key of the expected type: a key of another type is a
                // bad signature, anything else a bad key.
                let key = PKey::public_key_from_der(public_key_info_der)
                    .map_err(|error| AlgorithmError::BadKey(error.to_string()))?;
                if key.id() != key_id {
                    return Err(AlgorithmError::BadSignature);
                }
                key
            }
        };
        let mut verifier = openssl::sign::Verifier::new(md, &key)
            .map_err(|error| AlgorithmError::BadKey(error.to_string()))?;
        verifier
            .update(message)
            .map_err(|error| AlgorithmError::BadKey(error.to_string()))?;
        match verifier.verify(signature) {
            Ok(true) => Ok(()),
            // OpenSSL reports a DER error for an ECDSA signature that does not
            // parse: that is a bad signature too.
            Ok(false) | Err(_) => Err(AlgorithmError::BadSignature),
        }
    }
}

/// The longest ECDSA `r || s` accepted: P-521, two 66-byte halves.
const ECDSA_CONCATENATED_LEN_MAX: usize = 2 * 66;

/// Converts an XMLDSig ECDSA signature value (`r || s`, equal halves) into
/// the DER `Ecdsa-Sig-Value` OpenSSL verifies. A value of odd or
/// implausible length is a bad signature.
pub(crate) fn ecdsa_concatenated_to_der(raw: &[u8]) -> Result<Vec<u8>, AlgorithmError> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) || raw.len() > ECDSA_CONCATENATED_LEN_MAX {
        return Err(AlgorithmError::BadSignature);
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let to_big = |half: &[u8]| {
        openssl::bn::BigNum::from_slice(half).map_err(|_| AlgorithmError::BadSignature)
    };
    openssl::ecdsa::EcdsaSig::from_private_components(to_big(r)?, to_big(s)?)
        .and_then(|signature| signature.to_der())
        .map_err(|_| AlgorithmError::BadSignature)
}

/// Converts a DER `Ecdsa-Sig-Value` into XMLDSig's `r || s`, each half as
/// long as the curve order (RFC 4051, 3.3).
pub(crate) fn ecdsa_der_to_concatenated(
    der: &[u8],
    order_bits: u32,
) -> Result<Vec<u8>, openssl::error::ErrorStack> {
    let signature = openssl::ecdsa::EcdsaSig::from_der(der)?;
    let half = i32::try_from(order_bits.div_ceil(8)).unwrap_or(i32::MAX);
    let r = signature.r().to_vec_padded(half)?;
    let s = signature.s().to_vec_padded(half)?;
    Ok([r, s].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_values_convert_both_ways() {
        let group =
            openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
        let key = openssl::ec::EcKey::generate(&group).unwrap();
        let digest = [7u8; 32];
        let der = openssl::ecdsa::EcdsaSig::sign(&digest, &key)
            .unwrap()
            .to_der()
            .unwrap();
        let raw = ecdsa_der_to_concatenated(&der, 256).unwrap();
        assert_eq!(raw.len(), 64);
        assert_eq!(ecdsa_concatenated_to_der(&raw).unwrap(), der);
        assert_eq!(
            ecdsa_concatenated_to_der(&raw[1..]),
            Err(AlgorithmError::BadSignature)
        );
        assert_eq!(
            ecdsa_concatenated_to_der(&[]),
            Err(AlgorithmError::BadSignature)
        );
    }
}
