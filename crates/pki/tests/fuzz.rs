//! Property tests: the CMS, XMLDSig, certificate and CRL parsing paths never
//! panic on arbitrary or mutilated bytes, and a mutated signature never
//! verifies as other content.

use std::sync::OnceLock;

use jiff::Timestamp;
use proptest::prelude::*;
use qyzmet_pki::{
    Canonicalization, Check, CrlCache, DemoPki, Purpose, Verifier, demo_pki, sign_cms, sign_xml,
};

struct Fixture {
    pki: DemoPki,
    verifier: Verifier,
    crls: CrlCache,
    cms: Vec<u8>,
    xml: Vec<u8>,
    /// The canonical content of `xml`.
    xml_content: Vec<u8>,
}

const XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
    <application xmlns=\"urn:a\" xmlns:q=\"urn:q\" case=\"K-1\">\n\
    <!-- note --><q:applicant iin=\"900315400125\">Өтініш &amp; <![CDATA[<x>]]></q:applicant>\n\
    <empty/></application>\n";

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
        let xml = sign_xml(
            XML.as_bytes(),
            &pki.signing_ec.cert,
            &pki.signing_ec.key,
            Canonicalization::Inclusive,
        )
        .unwrap();
        let verifier = Verifier::new(pki.trust_store());
        let crls = pki.crl_cache();
        let xml_content = verifier
            .verify_xml(&xml, &Check::new(now, Purpose::Signing), &crls)
            .unwrap()
            .content;
        Fixture {
            verifier,
            crls,
            pki,
            cms,
            xml,
            xml_content,
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

/// `Some(content)` when the XML signature is accepted.
fn verify_xml(bytes: &[u8]) -> Option<Vec<u8>> {
    let fixture = fixture();
    let check = Check::new(fixture.pki.now, Purpose::Signing);
    fixture
        .verifier
        .verify_xml(bytes, &check, &fixture.crls)
        .ok()
        .map(|verified| verified.content)
}

#[test]
fn the_unmutated_signature_verifies() {
    assert!(verify(&fixture().cms));
    assert_eq!(
        verify_xml(&fixture().xml),
        Some(fixture().xml_content.clone())
    );
}

/// Pieces of XML and XMLDSig syntax, for inputs that get past the parser.
const XML_PIECES: &[&str] = &[
    "<a>",
    "</a>",
    "<a/>",
    "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">",
    "</ds:Signature>",
    "<ds:SignedInfo>",
    "</ds:SignedInfo>",
    "<ds:Reference URI=\"\">",
    "</ds:Reference>",
    "<!--c-->",
    "<![CDATA[x]]>",
    "&amp;",
    "&#x41;",
    "<?pi x?>",
    "xmlns=\"u\"",
    " a=\"1\"",
    "<!DOCTYPE a>",
    "<!ENTITY e \"x\">",
    "&e;",
    "\u{feff}",
    "\r\n",
    "Ө",
    ">",
    "<",
    "\"",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_and_xml_pieces_never_panic_in_xml_verification(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        pieces in proptest::collection::vec(prop::sample::select(XML_PIECES), 0..64),
    ) {
        prop_assert!(verify_xml(&bytes).is_none());
        prop_assert!(verify_xml(pieces.concat().as_bytes()).is_none());
    }

    #[test]
    fn mutated_xml_signatures_never_panic_nor_verify_other_content(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        splice in proptest::option::of((any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<prop::sample::Index>())),
        truncate in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = fixture().xml.clone();
        for (index, value) in edits {
            let at = index.index(bytes.len());
            bytes[at] = value;
        }
        // Copies a slice of the document elsewhere (duplicated or moved
        // elements, as in signature-wrapping attacks).
        if let Some((from, length, to)) = splice {
            let from = from.index(bytes.len());
            let end = from + length.index(bytes.len() - from + 1);
            let piece = bytes[from..end].to_vec();
            let to = to.index(bytes.len() + 1);
            bytes.splice(to..to, piece);
        }
        if let Some(cut) = truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        // Whatever is accepted was signed: the content is the original one.
        if let Some(content) = verify_xml(&bytes) {
            prop_assert_eq!(content, fixture().xml_content.clone());
        }
    }
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
