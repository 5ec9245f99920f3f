//! Certificate revocation lists: parsed once, cached per issuer (a base CRL
//! and at most one delta CRL), refreshed by the caller through [`CrlSource`].
//! No network here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use der::{Decode, Encode};
use jiff::Timestamp;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::CrlReason;

use crate::algorithms::{Algorithms, SignatureAlgorithm, oids};
use crate::cert::Subject;
use crate::der_util::{Shape, check_shape, first_inner_tlv, timestamp, to_binary};
use crate::failure::{RevocationReason, RevocationUnknown};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CrlError {
    #[error("the CRL is larger than {limit_bytes} bytes")]
    TooLarge { limit_bytes: usize },
    #[error("malformed CRL: {0}")]
    Malformed(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EntryReason {
    Revoked(RevocationReason),
    /// Only in delta CRLs: the certificate is no longer on hold.
    RemoveFromCrl,
}

/// A parsed CRL.
#[derive(Debug)]
pub struct Crl {
    der: Vec<u8>,
    tbs_range: std::ops::Range<usize>,
    issuer_der: Vec<u8>,
    issuer: Subject,
    signature_algorithm: SignatureAlgorithm,
    signature: Vec<u8>,
    pub this_update: Timestamp,
    pub next_update: Option<Timestamp>,
    /// Big-endian without leading zeros.
    number: Option<Vec<u8>>,
    /// For a delta CRL, the number of the base CRL it complements.
    delta_base: Option<Vec<u8>>,
    entries: HashMap<Vec<u8>, (Timestamp, EntryReason)>,
    /// The SubjectPublicKeyInfo this CRL's signature was checked against.
    verified_with: Mutex<Option<Vec<u8>>>,
}

fn strip_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

fn number_greater_or_equal(left: &[u8], right: &[u8]) -> bool {
    (left.len(), left) >= (right.len(), right)
}

fn reason(reason: CrlReason) -> EntryReason {
    EntryReason::Revoked(match reason {
        CrlReason::Unspecified => RevocationReason::Unspecified,
        CrlReason::KeyCompromise => RevocationReason::KeyCompromise,
        CrlReason::CaCompromise => RevocationReason::CaCompromise,
        CrlReason::AffiliationChanged => RevocationReason::AffiliationChanged,
        CrlReason::Superseded => RevocationReason::Superseded,
        CrlReason::CessationOfOperation => RevocationReason::CessationOfOperation,
        CrlReason::CertificateHold => RevocationReason::CertificateHold,
        CrlReason::PrivilegeWithdrawn => RevocationReason::PrivilegeWithdrawn,
        CrlReason::AaCompromise => RevocationReason::AaCompromise,
        CrlReason::RemoveFromCRL => return EntryReason::RemoveFromCrl,
    })
}

impl Crl {
    /// Parses a CRL in DER or PEM of at most `limit_bytes`.
    pub fn parse(input: &[u8], limit_bytes: usize) -> Result<Crl, CrlError> {
        if input.len() > limit_bytes {
            return Err(CrlError::TooLarge { limit_bytes });
        }
        let der =
            to_binary(input).ok_or_else(|| CrlError::Malformed("neither DER nor PEM".into()))?;
        let shape = Shape {
            nodes_max: usize::MAX,
            depth_max: 16,
            set_width_max: 64,
        };
        check_shape(&der, &shape).map_err(CrlError::Malformed)?;
        let list =
            CertificateList::from_der(&der).map_err(|e| CrlError::Malformed(e.to_string()))?;
        let tbs = first_inner_tlv(&der).map_err(CrlError::Malformed)?;
        let tbs_start = tbs.as_ptr() as usize - der.as_ptr() as usize;
        let tbs_range = tbs_start..tbs_start + tbs.len();
        let tbs_list = &list.tbs_cert_list;
        let mut number = None;
        let mut delta_base = None;
        for extension in tbs_list.crl_extensions.iter().flatten() {
            let value = extension.extn_value.as_bytes();
            let decode_uint = |value: &[u8]| {
                der::asn1::Uint::from_der(value)
                    .map(|uint| strip_zeros(uint.as_bytes()))
                    .map_err(|e| CrlError::Malformed(e.to_string()))
            };
            match extension.extn_id {
                oids::CRL_NUMBER => number = Some(decode_uint(value)?),
                oids::DELTA_CRL_INDICATOR => delta_base = Some(decode_uint(value)?),
                _ if extension.critical => {
                    return Err(CrlError::Malformed(format!(
                        "unknown critical CRL extension {}",
                        extension.extn_id
                    )));
                }
                _ => {}
            }
        }
        let mut entries = HashMap::new();
        for entry in tbs_list.revoked_certificates.iter().flatten() {
            let mut entry_reason = EntryReason::Revoked(RevocationReason::Unspecified);
            for extension in entry.crl_entry_extensions.iter().flatten() {
                if extension.extn_id == oids::CRL_REASON {
                    let code = CrlReason::from_der(extension.extn_value.as_bytes())
                        .map_err(|e| CrlError::Malformed(e.to_string()))?;
                    entry_reason = reason(code);
                }
            }
            entries.insert(
                entry.serial_number.as_bytes().to_vec(),
                (timestamp(entry.revocation_date), entry_reason),
            );
        }
        Ok(Crl {
            issuer_der: tbs_list
                .issuer
                .to_der()
                .map_err(|e| CrlError::Malformed(e.to_string()))?,
            issuer: Subject::from_name(&tbs_list.issuer),
            signature_algorithm: SignatureAlgorithm {
                signature: list.signature_algorithm.oid,
                parameters: list
                    .signature_algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.to_der().ok()),
                digest: None,
            },
            signature: list.signature.raw_bytes().to_vec(),
            this_update: timestamp(tbs_list.this_update),
            next_update: tbs_list.next_update.map(timestamp),
            number,
            delta_base,
            entries,
            verified_with: Mutex::new(None),
            tbs_range,
            der,
        })
    }

    pub fn is_delta(&self) -> bool {
        self.delta_base.is_some()
    }

    pub fn issuer_common_name(&self) -> Option<&str> {
        self.issuer.common_name.as_deref()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn is_stale(&self, now: Timestamp) -> bool {
        self.next_update.is_some_and(|next| next < now)
    }

    /// Checks the signature once per issuer key and remembers the result.
    fn signed_by(&self, issuer_spki_der: &[u8], algorithms: &Algorithms) -> bool {
        let mut verified = self.verified_with.lock().unwrap_or_else(|e| e.into_inner());
        if verified.as_deref() == Some(issuer_spki_der) {
            return true;
        }
        let tbs = &self.der[self.tbs_range.clone()];
        let ok = algorithms
            .verify(
                &self.signature_algorithm,
                issuer_spki_der,
                tbs,
                &self.signature,
            )
            .is_ok();
        if ok {
            *verified = Some(issuer_spki_der.to_vec());
        }
        ok
    }
}

#[derive(Debug, Default)]
struct IssuerCrls {
    base: Option<Arc<Crl>>,
    delta: Option<Arc<Crl>>,
}

/// Where CRLs come from; implemented by the caller (HTTP, files, a database).
pub trait CrlSource {
    /// Fetches the current CRLs (base and, when published, delta) of the
    /// issuer whose common name and DER-encoded name are given.
    fn fetch(
        &self,
        issuer_common_name: Option<&str>,
        issuer_name_der: &[u8],
    ) -> Result<Vec<Vec<u8>>, String>;
}

/// What [`CrlCache::refresh`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefreshReport {
    pub issuers_refreshed: usize,
    pub crls_loaded: usize,
    pub errors: Vec<String>,
}

/// Parsed CRLs per issuer, with their next update. Thread-safe to read; the
/// caller owns refreshes (`&mut self`), for example behind an `RwLock`.
#[derive(Debug)]
pub struct CrlCache {
    issuers: HashMap<Vec<u8>, IssuerCrls>,
    crl_bytes_max: usize,
}

impl Default for CrlCache {
    fn default() -> Self {
        CrlCache::new(64 * 1024 * 1024)
    }
}

/// A revocation found for a certificate.
pub(crate) struct Revocation {
    pub at: Timestamp,
    pub reason: RevocationReason,
}

impl CrlCache {
    /// An empty cache accepting CRLs of at most `crl_bytes_max` bytes.
    pub fn new(crl_bytes_max: usize) -> CrlCache {
        CrlCache {
            issuers: HashMap::new(),
            crl_bytes_max,
        }
    }

    /// Parses and stores a CRL (DER or PEM). A base CRL replaces the issuer's
    /// base CRL unless the stored one has a higher CRL number; likewise for
    /// delta CRLs. The signature is checked when the CRL is first used against
    /// a certificate, with that certificate's issuer key.
    pub fn insert(&mut self, input: &[u8]) -> Result<(), CrlError> {
        let crl = Arc::new(Crl::parse(input, self.crl_bytes_max)?);
        let slot = self.issuers.entry(crl.issuer_der.clone()).or_default();
        let place = if crl.is_delta() {
            &mut slot.delta
        } else {
            &mut slot.base
        };
        let newer = match (
            place.as_ref().and_then(|old| old.number.as_ref()),
            crl.number.as_ref(),
        ) {
            (Some(old), Some(new)) => number_greater_or_equal(new, old),
            _ => place
                .as_ref()
                .is_none_or(|old| crl.this_update >= old.this_update),
        };
        if newer {
            *place = Some(crl);
        }
        // A delta no newer than the base it would complement is obsolete.
        if let (Some(base), Some(delta)) = (&slot.base, &slot.delta)
            && let (Some(base_number), Some(delta_number)) = (&base.number, &delta.number)
            && number_greater_or_equal(base_number, delta_number)
        {
            slot.delta = None;
        }
        Ok(())
    }

    /// Issuers whose base or delta CRL is past its next update at `now`.
    pub fn stale_issuers(&self, now: Timestamp) -> Vec<Vec<u8>> {
        let mut stale: Vec<Vec<u8>> = self
            .issuers
            .iter()
            .filter(|(_, crls)| {
                crls.base.as_ref().is_none_or(|crl| crl.is_stale(now))
                    || crls.delta.as_ref().is_some_and(|crl| crl.is_stale(now))
            })
            .map(|(issuer, _)| issuer.clone())
            .collect();
        stale.sort();
        stale
    }

    /// Fetches fresh CRLs through `source` for every issuer that is stale at
    /// `now` (and for issuers registered with [`CrlCache::watch`]).
    pub fn refresh(&mut self, source: &dyn CrlSource, now: Timestamp) -> RefreshReport {
        let mut report = RefreshReport::default();
        for issuer in self.stale_issuers(now) {
            let common_name = self
                .issuers
                .get(&issuer)
                .and_then(|crls| crls.base.as_ref().or(crls.delta.as_ref()))
                .and_then(|crl| crl.issuer.common_name.clone());
            report.issuers_refreshed += 1;
            match source.fetch(common_name.as_deref(), &issuer) {
                Ok(crls) => {
                    for crl in crls {
                        match self.insert(&crl) {
                            Ok(()) => report.crls_loaded += 1,
                            Err(error) => report.errors.push(error.to_string()),
                        }
                    }
                }
                Err(error) => report.errors.push(error),
            }
        }
        report
    }

    /// Registers an issuer (by DER-encoded name) with no CRL yet, so that the
    /// next [`CrlCache::refresh`] fetches its CRLs.
    pub fn watch(&mut self, issuer_name_der: &[u8]) {
        self.issuers.entry(issuer_name_der.to_vec()).or_default();
    }

    /// The revocation status of the certificate with `serial` issued by the
    /// issuer with `issuer_der` name and `issuer_spki_der` key, at `now`.
    pub(crate) fn status(
        &self,
        issuer_der: &[u8],
        issuer_spki_der: &[u8],
        serial: &[u8],
        now: Timestamp,
        algorithms: &Algorithms,
    ) -> Result<Option<Revocation>, RevocationUnknown> {
        let crls = self
            .issuers
            .get(issuer_der)
            .ok_or(RevocationUnknown::NoCrl)?;
        let base = crls.base.as_ref().ok_or(RevocationUnknown::NoCrl)?;
        if base.is_stale(now) {
            return Err(RevocationUnknown::CrlExpired);
        }
        if !base.signed_by(issuer_spki_der, algorithms) {
            return Err(RevocationUnknown::CrlBadSignature);
        }
        // A delta CRL applies when it complements this base (its base number
        // is not newer than the base we hold) and is itself current.
        if let Some(delta) = &crls.delta {
            let applies = match (&delta.delta_base, &base.number) {
                (Some(delta_base), Some(base_number)) => {
                    number_greater_or_equal(base_number, delta_base)
                }
                _ => false,
            };
            if applies && !delta.is_stale(now) {
                if !delta.signed_by(issuer_spki_der, algorithms) {
                    return Err(RevocationUnknown::CrlBadSignature);
                }
                if let Some((at, entry)) = lookup(delta, serial) {
                    return Ok(match entry {
                        EntryReason::Revoked(reason) if at <= now => {
                            Some(Revocation { at, reason })
                        }
                        _ => None,
                    });
                }
            }
        }
        Ok(match lookup(base, serial) {
            Some((at, EntryReason::Revoked(reason))) if at <= now => {
                Some(Revocation { at, reason })
            }
            _ => None,
        })
    }
}

fn lookup(crl: &Crl, serial: &[u8]) -> Option<(Timestamp, EntryReason)> {
    crl.entries.get(serial).copied()
}
