//! RFC 3161 signature timestamps in CMS (RFC 3161 appendix A): a SignerInfo's
//! unsigned attribute id-aa-signatureTimeStampToken holds a timestamp
//! authority's token — itself a CMS SignedData of a TSTInfo — over the hash
//! of the signer's signature value. A verified token's genTime is the
//! signing time.

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerInfo};
use der::{Decode, Encode, Tagged};
use jiff::Timestamp;
use serde::Serialize;
use x509_tsp::TstInfo;

use crate::cert::{CertificateInfo, ParsedCert, hex};
use crate::crl::CrlCache;
use crate::der_util::malformed;
use crate::failure::Failure;
use crate::verify::{Check, Verifier, algorithm_failure};

/// Object identifiers of RFC 3161 and RFC 5280 that timestamps use.
pub mod timestamp_oids {
    use const_oid::ObjectIdentifier as Oid;

    /// id-aa-signatureTimeStampToken (RFC 3161, appendix A).
    pub const SIGNATURE_TIME_STAMP_TOKEN: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");
    /// id-ct-TSTInfo, the content type of a token.
    pub const TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
    /// id-kp-timeStamping, the extended key usage of a TSA certificate.
    pub const TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
}

/// A signature timestamp that passed every check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimestampReport {
    /// TSTInfo's genTime (whole seconds).
    pub time: Timestamp,
    /// The timestamp authority's certificate.
    pub tsa: CertificateInfo,
    /// Common names of the TSA certificate's issuers, up to the root.
    pub chain: Vec<Option<String>>,
    /// The TSA's policy OID.
    pub policy: String,
    /// TSTInfo's serial number, hexadecimal.
    pub serial_hex: String,
    /// The OID of the hash in the message imprint.
    pub imprint_algorithm: String,
}

/// The one signature timestamp token of `signer_info`, if any. Several
/// tokens (attributes or values) are refused as malformed: which one would
/// count is not obvious.
pub(crate) fn signature_timestamp_token(
    signer_info: &SignerInfo,
) -> Result<Option<&der::Any>, Failure> {
    let mut found = None;
    for attribute in signer_info.unsigned_attrs.iter().flat_map(|set| set.iter()) {
        if attribute.oid != timestamp_oids::SIGNATURE_TIME_STAMP_TOKEN {
            continue;
        }
        match (attribute.values.as_slice(), found) {
            ([token], None) => found = Some(token),
            _ => {
                return Err(malformed(
                    "signatureTimeStampToken",
                    "more than one timestamp token",
                ));
            }
        }
    }
    Ok(found)
}

impl Verifier {
    /// Verifies a signature timestamp token over `signature` (the signer's
    /// signature value): the token's CMS signature by the TSA certificate it
    /// carries (or an intermediate of the trust store), that certificate's
    /// path to a trusted root with validity at genTime and now and
    /// revocation, its extended key usage timeStamping, the message imprint,
    /// and genTime not in the future. Failures are reported as they are;
    /// the caller wraps them in [`Failure::Timestamp`].
    pub(crate) fn verify_timestamp_token(
        &self,
        token: &der::Any,
        signature: &[u8],
        check: &Check<'_>,
        crls: &CrlCache,
    ) -> Result<TimestampReport, Failure> {
        let der = token
            .to_der()
            .map_err(|e| malformed("timestamp token", e))?;
        let content_info =
            ContentInfo::from_der(&der).map_err(|e| malformed("timestamp token", e))?;
        if content_info.content_type != crate::algorithms::oids::ID_SIGNED_DATA {
            return Err(malformed("timestamp token", "not SignedData"));
        }
        let signed_data: SignedData = content_info
            .content
            .decode_as()
            .map_err(|e| malformed("timestamp token", e))?;
        let encapsulated = &signed_data.encap_content_info;
        if encapsulated.econtent_type != timestamp_oids::TST_INFO {
            return Err(malformed("timestamp token", "the content is not a TSTInfo"));
        }
        let tst_info_der = match &encapsulated.econtent {
            Some(any) if any.tag() == der::Tag::OctetString => any.value(),
            _ => return Err(malformed("timestamp token", "no TSTInfo")),
        };
        let tst_info = TstInfo::from_der(tst_info_der).map_err(|e| malformed("TSTInfo", e))?;
        let signer_info = match signed_data.signer_infos.0.as_slice() {
            [signer_info] => signer_info,
            _ => return Err(malformed("timestamp token", "not exactly one signer")),
        };
        let mut bundled = Vec::new();
        for choice in signed_data.certificates.iter().flat_map(|set| set.0.iter()) {
            if bundled.len() == self.limits.certificates_max {
                return Err(Failure::TooManyCertificates {
                    limit: self.limits.certificates_max,
                });
            }
            if let cms::cert::CertificateChoices::Certificate(cert) = choice {
                bundled.push(
                    ParsedCert::from_cert(cert.clone())
                        .map_err(|e| malformed("TSA certificate", e))?,
                );
            }
        }
        // A TSA certificate may also be configured as an intermediate.
        bundled.extend(self.trust.intermediates.iter().cloned());
        let signed = self.check_signer_info(
            signer_info,
            timestamp_oids::TST_INFO,
            tst_info_der,
            &bundled,
        )?;

        let imprint = &tst_info.message_imprint;
        let expected = self
            .algorithms
            .digest(imprint.hash_algorithm.oid, signature)
            .map_err(algorithm_failure)?;
        if imprint.hashed_message.as_bytes() != expected.as_slice() {
            return Err(Failure::ContentMismatch);
        }
        let time = {
            let seconds = tst_info.gen_time.to_unix_duration().as_secs();
            Timestamp::from_second(i64::try_from(seconds).unwrap_or(i64::MAX))
                .map_err(|e| malformed("genTime", e))?
        };
        if time > check.now + self.policy.clock_skew {
            return Err(Failure::SigningTimeInFuture {
                signing_time: time,
                now: check.now,
            });
        }
        let tsa = signed.signer;
        let chain = self.check_certificate_path(tsa, &bundled, Some(time), check.now, crls)?;
        if !tsa
            .extended_key_usage
            .contains(&timestamp_oids::TIME_STAMPING)
        {
            return Err(Failure::NotTsaCertificate);
        }
        Ok(TimestampReport {
            time,
            tsa: tsa.info(),
            chain,
            policy: tst_info.policy.to_string(),
            serial_hex: hex(tst_info.serial_number.as_bytes()),
            imprint_algorithm: imprint.hash_algorithm.oid.to_string(),
        })
    }
}
