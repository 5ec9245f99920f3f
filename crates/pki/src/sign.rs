//! CMS signing (SignedData with contentType, signingTime and messageDigest
//! signed attributes), for the provider's signature on results and for tests.
//! The ASN.1 is assembled with the `cms` crate; the digest and the signature
//! are OpenSSL's.

use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use jiff::Timestamp;
use openssl::hash::MessageDigest;
use openssl::pkey::{Id, PKey, Private};
use openssl::x509::X509;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

use crate::algorithms::oids;
use crate::der_util::x509_time;

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("unsupported key type (RSA and EC keys are supported)")]
    UnsupportedKey,
    #[error("the certificate does not match the key")]
    KeyMismatch,
    #[error("encoding: {0}")]
    Encoding(String),
    #[error("XML: {0}")]
    Xml(String),
    #[error("OpenSSL: {0}")]
    Openssl(#[from] openssl::error::ErrorStack),
}

fn any<T: Encode>(value: &T) -> Result<Any, SignError> {
    Any::from_der(&value.to_der().map_err(encoding)?).map_err(encoding)
}

fn set_of<T: der::DerOrd>(item: T) -> Result<SetOfVec<T>, SignError> {
    let mut set = SetOfVec::new();
    set.insert(item).map_err(encoding)?;
    Ok(set)
}

fn encoding(error: der::Error) -> SignError {
    SignError::Encoding(error.to_string())
}

fn attribute(oid: der::asn1::ObjectIdentifier, value: Any) -> Result<Attribute, SignError> {
    Ok(Attribute {
        oid,
        values: set_of(value)?,
    })
}

/// Signs `content` with SHA-256 and `key` (RSA PKCS #1 v1.5 or ECDSA), as a
/// DER-encoded CMS SignedData carrying `cert`. `signing_time` becomes the
/// signing-time attribute (the crate reads no clock). With `detached` the
/// content is not included.
pub fn sign_cms(
    content: &[u8],
    cert: &X509,
    key: &PKey<Private>,
    detached: bool,
    signing_time: Timestamp,
) -> Result<Vec<u8>, SignError> {
    let signature_oid = match key.id() {
        Id::RSA => oids::SHA256_WITH_RSA,
        Id::EC => oids::ECDSA_WITH_SHA256,
        _ => return Err(SignError::UnsupportedKey),
    };
    if !cert.public_key()?.public_eq(key) {
        return Err(SignError::KeyMismatch);
    }
    let cert_der = cert.to_der()?;
    let certificate = Certificate::from_der(&cert_der).map_err(encoding)?;
    let digest = openssl::hash::hash(MessageDigest::sha256(), content)?;

    let mut signed_attributes = SetOfVec::new();
    signed_attributes
        .insert(attribute(oids::CONTENT_TYPE, any(&oids::ID_DATA)?)?)
        .map_err(encoding)?;
    let time = x509_time(signing_time).map_err(encoding)?;
    signed_attributes
        .insert(attribute(oids::SIGNING_TIME, any(&time)?)?)
        .map_err(encoding)?;
    let digest_value = OctetString::new(digest.to_vec()).map_err(encoding)?;
    signed_attributes
        .insert(attribute(oids::MESSAGE_DIGEST, any(&digest_value)?)?)
        .map_err(encoding)?;

    let to_be_signed = signed_attributes.to_der().map_err(encoding)?;
    let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), key)?;
    signer.update(&to_be_signed)?;
    let signature = signer.sign_to_vec()?;

    let sha256 = AlgorithmIdentifierOwned {
        oid: oids::SHA256,
        parameters: None,
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: certificate.tbs_certificate.issuer.clone(),
            serial_number: certificate.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256.clone(),
        signed_attrs: Some(signed_attributes),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: signature_oid,
            parameters: None,
        },
        signature: OctetString::new(signature).map_err(encoding)?,
        unsigned_attrs: None,
    };
    let econtent = if detached {
        None
    } else {
        Some(any(&OctetString::new(content.to_vec()).map_err(encoding)?)?)
    };
    let digest_algorithms = set_of(sha256)?;
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oids::ID_DATA,
            econtent,
        },
        certificates: Some(CertificateSet(set_of(
            cms::cert::CertificateChoices::Certificate(certificate),
        )?)),
        crls: None,
        signer_infos: SignerInfos(set_of(signer_info)?),
    };
    let content_info = ContentInfo {
        content_type: oids::ID_SIGNED_DATA,
        content: any(&signed_data)?,
    };
    content_info.to_der().map_err(encoding)
}
