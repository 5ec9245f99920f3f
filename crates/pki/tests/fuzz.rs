//! Property tests: the CMS, certificate and CRL parsing paths never panic on
//! arbitrary or mutilated bytes, and a mutated signature never verifies as
//! the original content.

use std::sync::OnceLock;

use jiff::Timestamp;
use proptest::prelude::*;
use qyzmet_pki::{Check, CrlCache, DemoPki, Purpose, Verifier, demo_pki, sign_cms};

struct Fixture {
    pki: DemoPki,
    verifier: Verifier,
    crls: CrlCache,
    cms: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let now = Timestamp::from_second(1_780_000_000).unwrap();
        let pki = demo_pki(now).unwrap();
        let cms = sign_cms(
            b"content",
            &pki.signing_ec.cert,
            &pki.signing_ec.key,
            false,
            now,
        )
        .unwrap();
        Fixture {
            verifier: Verifier::new(pki.trust_store()),
            crls: pki.crl_cache(),
            pki,
            cms,
        }
    })
}

fn verify(bytes: &[u8]) -> bool {
    let fixture = fixture();
    let check = Check::new(fixture.pki.now, Purpose::Signing);
    fixture
        .verifier
        .verify_cms(bytes, &check, &fixture.crls)
        .is_ok()
}

#[test]
fn the_unmutated_signature_verifies() {
    assert!(verify(&fixture().cms));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(!verify(&bytes));
        let mut crls = CrlCache::default();
        let _ = crls.insert(&bytes);
        let mut trust = qyzmet_pki::TrustStore::new();
        let _ = trust.add_roots(&bytes);
    }

    #[test]
    fn der_shaped_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..512), tag in prop::sample::select(vec![0x30u8, 0x31, 0xa0, 0x04])) {
        let mut bytes = vec![tag, 0x82, (tail.len() >> 8) as u8, tail.len() as u8];
        bytes.extend_from_slice(&tail);
        let _ = verify(&bytes);
    }

    #[test]
    fn mutated_signatures_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = fixture().cms.clone();
        let mut changed = false;
        for (index, value) in edits {
            let at = index.index(bytes.len());
            changed |= bytes[at] != value;
            bytes[at] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
            changed = true;
        }
        let accepted = verify(&bytes);
        // A change may hit bytes nobody reads (for example unused bits);
        // the test's point is that nothing panics. The one change that must
        // never be accepted is a change of the signed content.
        if changed && accepted {
            let fixture = fixture();
            let check = Check::new(fixture.pki.now, Purpose::Signing);
            let verified = fixture.verifier.verify_cms(&bytes, &check, &fixture.crls).unwrap();
            prop_assert_eq!(verified.content, b"content".to_vec());
        }
    }
}
