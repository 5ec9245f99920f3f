//! CMS signature verification: signature, chain to a trusted root, validity
//! at signing time and now, revocation, key usage, IIN/BIN binding.

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::{Decode, Encode, Tagged};
use jiff::{SignedDuration, Timestamp};
use qyzmet_core::{Bin, Iin};
use serde::Serialize;

use crate::algorithms::{AlgorithmError, Algorithms, SignatureAlgorithm, oids};
use crate::cert::{CertificateInfo, ParsedCert, Purpose};
use crate::crl::CrlCache;
use crate::der_util::{Shape, check_shape, malformed, timestamp, to_binary};
use crate::failure::{CertRole, Failure};
use crate::timestamp::{TimestampReport, signature_timestamp_token};

/// Bounds on the work of one verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Size of the signature and of detached content, each.
    pub input_bytes_max: usize,
    pub signers_max: usize,
    pub certificates_max: usize,
    /// Certificates in a chain, signer and root included.
    pub chain_len_max: usize,
    pub der_nodes_max: usize,
    /// XML: elements, text, comments and processing instructions together.
    pub xml_nodes_max: usize,
    /// XML: element nesting.
    pub xml_depth_max: usize,
    /// XML: attributes (namespace declarations included) of one element.
    /// XML parsers check attribute names for duplicates pairwise, so this
    /// bound keeps a start tag's cost small (docs/pki.md, "XMLDSig").
    pub xml_attributes_max: usize,
    /// XML: namespace declarations in scope at any element. Inclusive C14N
    /// renders every namespace in scope and costs about 130 ns per element
    /// per namespace in scope (docs/pki.md, "XMLDSig").
    pub xml_namespaces_max: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            input_bytes_max: 10 * 1024 * 1024,
            signers_max: 4,
            certificates_max: 16,
            chain_len_max: 5,
            der_nodes_max: 20_000,
            xml_nodes_max: 20_000,
            xml_depth_max: 64,
            xml_attributes_max: 64,
            xml_namespaces_max: 16,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationPolicy {
    /// Fail with `RevocationUnknown` when no current CRL is cached.
    Require,
    /// Check when a current CRL is cached, accept otherwise.
    IfAvailable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub revocation: RevocationPolicy,
    /// Fail with `SigningTimeMissing` when a signer has no signing-time
    /// attribute (otherwise validity is checked at `now` only).
    pub require_signing_time: bool,
    /// How far a signing time may be ahead of `now`.
    pub clock_skew: SignedDuration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            revocation: RevocationPolicy::Require,
            require_signing_time: false,
            clock_skew: SignedDuration::from_mins(5),
        }
    }
}

/// Trusted roots, and intermediate CA certificates that may be used to build
/// chains (they are not trusted by themselves).
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    pub(crate) roots: Vec<ParsedCert>,
    pub(crate) intermediates: Vec<ParsedCert>,
}

fn certificates_from(input: &[u8]) -> Result<Vec<ParsedCert>, String> {
    let ders: Vec<Vec<u8>> = if input.first() == Some(&0x30) {
        vec![input.to_vec()]
    } else {
        openssl::x509::X509::stack_from_pem(input)
            .map_err(|error| error.to_string())?
            .iter()
            .map(|cert| cert.to_der().map_err(|error| error.to_string()))
            .collect::<Result<_, _>>()?
    };
    if ders.is_empty() {
        return Err("no certificate found".into());
    }
    ders.iter().map(|der| ParsedCert::from_der(der)).collect()
}

impl TrustStore {
    pub fn new() -> TrustStore {
        TrustStore::default()
    }

    /// Adds trusted roots from DER (one certificate) or PEM (one or more).
    pub fn add_roots(&mut self, input: &[u8]) -> Result<(), String> {
        self.roots.extend(certificates_from(input)?);
        Ok(())
    }

    /// Adds intermediate CA certificates from DER or PEM.
    pub fn add_intermediates(&mut self, input: &[u8]) -> Result<(), String> {
        self.intermediates.extend(certificates_from(input)?);
        Ok(())
    }

    pub fn roots_len(&self) -> usize {
        self.roots.len()
    }
}

/// What the caller expects of a signature.
#[derive(Clone, Copy, Debug)]
pub struct Check<'a> {
    pub now: Timestamp,
    pub purpose: Purpose,
    /// The applicant's IIN; some signer's certificate must carry it.
    pub iin: Option<Iin>,
    /// The organisation's BIN; some signer's certificate must carry it.
    pub bin: Option<Bin>,
    /// The content of a detached signature.
    pub content: Option<&'a [u8]>,
}

impl<'a> Check<'a> {
    pub fn new(now: Timestamp, purpose: Purpose) -> Check<'a> {
        Check {
            now,
            purpose,
            iin: None,
            bin: None,
            content: None,
        }
    }
}

/// What a verified SignerInfo signature tells.
pub(crate) struct SignedBy<'c> {
    pub signer: &'c ParsedCert,
    /// The signingTime attribute: the signer's claim.
    pub signing_time: Option<Timestamp>,
    pub digest_algorithm: der::asn1::ObjectIdentifier,
    pub signature_algorithm: der::asn1::ObjectIdentifier,
}

/// One signer that passed every check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignerReport {
    pub certificate: CertificateInfo,
    /// The signing time validity was checked at: the RFC 3161 timestamp's
    /// genTime when there is one, else the signer's signingTime attribute.
    pub signing_time: Option<Timestamp>,
    /// Common names of the issuers, from the signer's issuer up to the root.
    pub chain: Vec<Option<String>>,
    pub digest_algorithm: String,
    pub signature_algorithm: String,
    /// The verified RFC 3161 signature timestamp (CMS only).
    pub timestamp: Option<TimestampReport>,
}

/// A signature that passed every check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verified {
    pub detached: bool,
    /// The signed content (the encapsulated content, or the detached content
    /// that was given).
    #[serde(skip)]
    pub content: Vec<u8>,
    pub signers: Vec<SignerReport>,
}

/// Verifies CMS signatures against a trust store. Cheap to share between
/// threads; holds no clock and no CRLs (those are passed per call).
#[derive(Clone, Debug)]
pub struct Verifier {
    pub(crate) trust: TrustStore,
    pub(crate) algorithms: Algorithms,
    pub(crate) limits: Limits,
    pub(crate) policy: Policy,
}

impl Verifier {
    pub fn new(trust: TrustStore) -> Verifier {
        Verifier {
            trust,
            algorithms: Algorithms::openssl(),
            limits: Limits::default(),
            policy: Policy::default(),
        }
    }

    pub fn with_algorithms(mut self, algorithms: Algorithms) -> Verifier {
        self.algorithms = algorithms;
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> Verifier {
        self.limits = limits;
        self
    }

    pub fn with_policy(mut self, policy: Policy) -> Verifier {
        self.policy = policy;
        self
    }

    /// Verifies a CMS SignedData (DER, PEM or base64; attached or detached)
    /// and returns the first failure found, checking in this order: shape,
    /// signature, chain, validity, revocation, key usage, IIN/BIN.
    pub fn verify_cms(
        &self,
        input: &[u8],
        check: &Check<'_>,
        crls: &CrlCache,
    ) -> Result<Verified, Failure> {
        let limits = &self.limits;
        if input.len() > limits.input_bytes_max
            || check
                .content
                .is_some_and(|content| content.len() > limits.input_bytes_max)
        {
            return Err(Failure::TooLarge {
                limit_bytes: limits.input_bytes_max,
            });
        }
        let der = self.normalise(input)?;
        let content_info = ContentInfo::from_der(&der).map_err(|e| malformed("ContentInfo", e))?;
        if content_info.content_type != oids::ID_SIGNED_DATA {
            return Err(malformed("content type", "not SignedData"));
        }
        let signed_data: SignedData = content_info
            .content
            .decode_as()
            .map_err(|e| malformed("SignedData", e))?;
        let signer_infos = signed_data.signer_infos.0.as_slice();
        if signer_infos.is_empty() {
            return Err(Failure::NoSigners);
        }
        if signer_infos.len() > limits.signers_max {
            return Err(Failure::TooManySigners {
                limit: limits.signers_max,
            });
        }
        let mut bundled = Vec::new();
        for choice in signed_data.certificates.iter().flat_map(|set| set.0.iter()) {
            if bundled.len() == limits.certificates_max {
                return Err(Failure::TooManyCertificates {
                    limit: limits.certificates_max,
                });
            }
            if let cms::cert::CertificateChoices::Certificate(cert) = choice {
                bundled.push(
                    ParsedCert::from_cert(cert.clone()).map_err(|e| malformed("certificate", e))?,
                );
            }
        }
        let encapsulated = &signed_data.encap_content_info;
        let attached = match &encapsulated.econtent {
            Some(any) if any.tag() == der::Tag::OctetString => Some(any.value()),
            Some(_) => return Err(malformed("encapsulated content", "not an OCTET STRING")),
            None => None,
        };
        let (content, detached) = match (attached, check.content) {
            (Some(attached), Some(given)) if attached != given => {
                return Err(Failure::ContentMismatch);
            }
            (Some(attached), _) => (attached, false),
            (None, Some(given)) => (given, true),
            (None, None) => return Err(Failure::MissingContent),
        };
        let mut reports = Vec::with_capacity(signer_infos.len());
        for signer_info in signer_infos {
            reports.push(self.verify_signer(
                signer_info,
                encapsulated.econtent_type,
                content,
                &bundled,
                check,
                crls,
            )?);
        }
        check_binding(check, reports.iter().map(|report| &report.certificate))?;
        Ok(Verified {
            detached,
            content: content.to_vec(),
            signers: reports,
        })
    }

    /// Decodes text forms, bounds the DER tree, and re-encodes BER (for
    /// example indefinite lengths from streaming signers) as DER through
    /// OpenSSL's parser.
    fn normalise(&self, input: &[u8]) -> Result<Vec<u8>, Failure> {
        let der =
            to_binary(input).ok_or_else(|| malformed("input", "neither DER, PEM nor base64"))?;
        let shape = Shape {
            nodes_max: self.limits.der_nodes_max,
            depth_max: 32,
            set_width_max: 64,
        };
        match check_shape(&der, &shape) {
            Ok(()) => Ok(der),
            Err(first_error) => {
                let reencoded = openssl::cms::CmsContentInfo::from_der(&der)
                    .and_then(|cms| cms.to_der())
                    .map_err(|_| malformed("DER", &first_error))?;
                check_shape(&reencoded, &shape).map_err(|e| malformed("DER", e))?;
                Ok(reencoded)
            }
        }
    }

    fn verify_signer(
        &self,
        signer_info: &SignerInfo,
        content_type: der::asn1::ObjectIdentifier,
        content: &[u8],
        bundled: &[ParsedCert],
        check: &Check<'_>,
        crls: &CrlCache,
    ) -> Result<SignerReport, Failure> {
        let signed = self.check_signer_info(signer_info, content_type, content, bundled)?;
        // An RFC 3161 signature timestamp, when present, gives the signing
        // time: it takes precedence over the signer's own claim.
        let timestamp = match signature_timestamp_token(signer_info)? {
            Some(token) => Some(
                self.verify_timestamp_token(token, signer_info.signature.as_bytes(), check, crls)
                    .map_err(|failure| Failure::Timestamp(Box::new(failure)))?,
            ),
            None => None,
        };
        let signing_time = match &timestamp {
            Some(timestamp) => Some(timestamp.time),
            None => signed.signing_time,
        };
        let chain =
            self.check_signer_certificate(signed.signer, bundled, signing_time, check, crls)?;
        Ok(SignerReport {
            certificate: signed.signer.info(),
            signing_time,
            chain,
            digest_algorithm: signed.digest_algorithm.to_string(),
            signature_algorithm: signed.signature_algorithm.to_string(),
            timestamp,
        })
    }

    /// The signature of one SignerInfo over `content`: the signer's
    /// certificate among `bundled`, the contentType and messageDigest signed
    /// attributes (when there are signed attributes), and the signature with
    /// the certificate's key. Used for signers and for timestamp tokens.
    pub(crate) fn check_signer_info<'c>(
        &self,
        signer_info: &SignerInfo,
        content_type: der::asn1::ObjectIdentifier,
        content: &[u8],
        bundled: &'c [ParsedCert],
    ) -> Result<SignedBy<'c>, Failure> {
        let signer = find_signer(&signer_info.sid, bundled)?;
        let digest_oid = signer_info.digest_alg.oid;
        let mut signing_time = None;
        let signed_message: Vec<u8>;
        let message: &[u8] = match &signer_info.signed_attrs {
            Some(attributes) => {
                let mut message_digest = None;
                let mut declared_type = None;
                for attribute in attributes.iter() {
                    let value = match attribute.values.as_slice() {
                        [value] => value,
                        _ => {
                            return Err(malformed(
                                "signed attribute",
                                "must have exactly one value",
                            ));
                        }
                    };
                    match attribute.oid {
                        oids::MESSAGE_DIGEST => {
                            let digest: der::asn1::OctetString = value
                                .decode_as()
                                .map_err(|e| malformed("messageDigest", e))?;
                            message_digest = Some(digest.as_bytes().to_vec());
                        }
                        oids::CONTENT_TYPE => {
                            declared_type = Some(
                                value
                                    .decode_as::<der::asn1::ObjectIdentifier>()
                                    .map_err(|e| malformed("contentType", e))?,
                            );
                        }
                        oids::SIGNING_TIME => {
                            let time = value
                                .to_der()
                                .and_then(|der| x509_cert::time::Time::from_der(&der))
                                .map_err(|e| malformed("signingTime", e))?;
                            signing_time = Some(timestamp(time));
                        }
                        _ => {}
                    }
                }
                if declared_type != Some(content_type) {
                    return Err(malformed(
                        "contentType attribute",
                        "missing or not the content's type",
                    ));
                }
                let message_digest = message_digest
                    .ok_or_else(|| malformed("messageDigest attribute", "missing"))?;
                let digest = self
                    .algorithms
                    .digest(digest_oid, content)
                    .map_err(algorithm_failure)?;
                if digest != message_digest {
                    return Err(Failure::BadSignature);
                }
                signed_message = attributes
                    .to_der()
                    .map_err(|e| malformed("signed attributes", e))?;
                &signed_message
            }
            None => content,
        };
        let algorithm = SignatureAlgorithm {
            signature: signer_info.signature_algorithm.oid,
            parameters: signer_info
                .signature_algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.to_der().ok()),
            digest: Some(digest_oid),
        };
        self.algorithms
            .verify(
                &algorithm,
                &signer.spki_der,
                message,
                signer_info.signature.as_bytes(),
            )
            .map_err(algorithm_failure)?;
        Ok(SignedBy {
            signer,
            signing_time,
            digest_algorithm: digest_oid,
            signature_algorithm: algorithm.signature,
        })
    }

    /// The checks of a signer's certificate that CMS and XMLDSig share, made
    /// once the signature verified with the certificate's key: the signing
    /// time (when the format has one) is not in the future, the chain
    /// reaches a trusted root, every certificate is valid at the signing time
    /// and now, intermediates are CAs, nothing is revoked, and the key usage
    /// fits `check.purpose`. Returns the issuers' common names, signer's
    /// issuer first.
    pub(crate) fn check_signer_certificate(
        &self,
        signer: &ParsedCert,
        bundled: &[ParsedCert],
        signing_time: Option<Timestamp>,
        check: &Check<'_>,
        crls: &CrlCache,
    ) -> Result<Vec<Option<String>>, Failure> {
        if let Some(signing_time) = signing_time
            && signing_time > check.now + self.policy.clock_skew
        {
            return Err(Failure::SigningTimeInFuture {
                signing_time,
                now: check.now,
            });
        }
        if signing_time.is_none() && self.policy.require_signing_time {
            return Err(Failure::SigningTimeMissing);
        }

        let chain = self.check_certificate_path(signer, bundled, signing_time, check.now, crls)?;
        let expected = check.purpose.required_usage();
        let found = signer.key_usage.unwrap_or_default();
        if !found.contains(expected) {
            return Err(Failure::WrongKeyUsage {
                purpose: check.purpose,
                expected,
                found,
            });
        }
        Ok(chain)
    }

    /// The path of `cert` to a trusted root (each link's signature checked),
    /// the validity of every certificate at `signing_time` (when known) and
    /// `now`, CA flags of the intermediates, and revocation of every
    /// non-root certificate. Returns the issuers' common names, the
    /// certificate's issuer first. Signers and timestamp authorities alike.
    pub(crate) fn check_certificate_path(
        &self,
        cert: &ParsedCert,
        bundled: &[ParsedCert],
        signing_time: Option<Timestamp>,
        now: Timestamp,
        crls: &CrlCache,
    ) -> Result<Vec<Option<String>>, Failure> {
        let path = self.build_chain(cert, bundled)?;
        let role = |index: usize| match index {
            0 => CertRole::Signer,
            i if i + 1 == path.len() => CertRole::Root,
            i => CertRole::Intermediate(u8::try_from(i).unwrap_or(u8::MAX)),
        };
        for moment in signing_time.into_iter().chain([now]) {
            for (index, cert) in path.iter().enumerate() {
                if moment < cert.not_before {
                    return Err(Failure::NotYetValid {
                        certificate: role(index),
                        not_before: cert.not_before,
                        checked_at: moment,
                    });
                }
                if moment > cert.not_after {
                    return Err(Failure::Expired {
                        certificate: role(index),
                        not_after: cert.not_after,
                        checked_at: moment,
                    });
                }
            }
        }
        for (index, cert) in path.iter().enumerate().skip(1) {
            let can_sign_certificates = cert
                .key_usage
                .is_none_or(|usage| usage.0 & crate::cert::KeyUsage::KEY_CERT_SIGN != 0);
            if index + 1 < path.len() && !(cert.is_ca && can_sign_certificates) {
                return Err(Failure::NotCa {
                    certificate: role(index),
                });
            }
        }
        for index in 0..path.len() - 1 {
            let (cert, issuer) = (path[index], path[index + 1]);
            match crls.status(
                &issuer.subject_der,
                &issuer.spki_der,
                cert.serial(),
                now,
                &self.algorithms,
            ) {
                Ok(Some(revocation)) => {
                    return Err(Failure::Revoked {
                        certificate: role(index),
                        at: revocation.at,
                        reason: revocation.reason,
                    });
                }
                Ok(None) => {}
                Err(why) => {
                    if self.policy.revocation == RevocationPolicy::Require {
                        return Err(Failure::RevocationUnknown {
                            certificate: role(index),
                            why,
                        });
                    }
                }
            }
        }
        Ok(path[1..]
            .iter()
            .map(|cert| cert.info().subject.common_name)
            .collect())
    }

    /// Builds the path signer → intermediates → trusted root, checking each
    /// certificate's signature with its issuer's key.
    fn build_chain<'c>(
        &'c self,
        signer: &'c ParsedCert,
        bundled: &'c [ParsedCert],
    ) -> Result<Vec<&'c ParsedCert>, Failure> {
        let mut path = vec![signer];
        // One more round than the limit, so that an over-long chain is told
        // apart from an unknown issuer.
        for _ in 0..=self.limits.chain_len_max {
            let current = *path.last().expect("the path starts with the signer");
            if self.trust.roots.iter().any(|root| root.der == current.der) {
                break;
            }
            let mut root_found = None;
            for root in &self.trust.roots {
                if root.subject_der == current.issuer_der && self.issued_by(current, root)? {
                    root_found = Some(root);
                    break;
                }
            }
            if let Some(root) = root_found {
                path.push(root);
                break;
            }
            let mut next = None;
            for candidate in bundled.iter().chain(&self.trust.intermediates) {
                if candidate.subject_der == current.issuer_der
                    && !path.iter().any(|cert| cert.der == candidate.der)
                    && self.issued_by(current, candidate)?
                {
                    next = Some(candidate);
                    break;
                }
            }
            match next {
                Some(next) => path.push(next),
                None => return Err(Failure::UnknownIssuer),
            }
            if path.len() > self.limits.chain_len_max {
                break;
            }
        }
        if path.len() > self.limits.chain_len_max {
            return Err(Failure::ChainTooLong {
                limit: self.limits.chain_len_max,
            });
        }
        Ok(path)
    }

    fn issued_by(&self, cert: &ParsedCert, issuer: &ParsedCert) -> Result<bool, Failure> {
        match self.algorithms.verify(
            &cert.signature_algorithm(),
            &issuer.spki_der,
            cert.tbs_der(),
            cert.signature(),
        ) {
            Ok(()) => Ok(true),
            Err(AlgorithmError::Unsupported(oid)) => Err(Failure::UnsupportedAlgorithm {
                oid: oid.to_string(),
            }),
            Err(_) => Ok(false),
        }
    }
}

/// The IIN (BIN) binding: when `check` names one, some signer's certificate
/// must carry it.
pub(crate) fn check_binding<'c>(
    check: &Check<'_>,
    certificates: impl Iterator<Item = &'c CertificateInfo> + Clone,
) -> Result<(), Failure> {
    if let Some(expected) = check.iin {
        let mut found = certificates.clone().map(|info| info.subject.iin);
        if !found.clone().any(|iin| iin == Some(expected)) {
            return Err(Failure::IinMismatch {
                expected,
                found: found.find_map(|iin| iin),
            });
        }
    }
    if let Some(expected) = check.bin {
        let mut found = certificates.map(|info| info.subject.bin);
        if !found.clone().any(|bin| bin == Some(expected)) {
            return Err(Failure::BinMismatch {
                expected,
                found: found.find_map(|bin| bin),
            });
        }
    }
    Ok(())
}

pub(crate) fn algorithm_failure(error: AlgorithmError) -> Failure {
    match error {
        AlgorithmError::Unsupported(oid) => Failure::UnsupportedAlgorithm {
            oid: oid.to_string(),
        },
        AlgorithmError::BadSignature => Failure::BadSignature,
        AlgorithmError::BadKey(detail) => malformed("public key", detail),
    }
}

fn find_signer<'c>(
    sid: &SignerIdentifier,
    bundled: &'c [ParsedCert],
) -> Result<&'c ParsedCert, Failure> {
    let found = match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            let issuer = id
                .issuer
                .to_der()
                .map_err(|e| malformed("signer identifier", e))?;
            bundled.iter().find(|cert| {
                cert.issuer_der == issuer && cert.serial() == id.serial_number.as_bytes()
            })
        }
        SignerIdentifier::SubjectKeyIdentifier(id) => bundled
            .iter()
            .find(|cert| cert.subject_key_id.as_deref() == Some(id.0.as_bytes())),
    };
    found.ok_or(Failure::SignerCertificateMissing)
}
