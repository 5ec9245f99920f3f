//! XMLDSig: enveloped signatures made by the independent `xmlsec1` tool
//! (Debian package `xmlsec1`) verify with `Verifier::verify_xml`, every
//! failure reason comes from a real document, and `sign_xml`'s signatures
//! verify with both `verify_xml` and `xmlsec1 --verify`.

use super::*;
use qyzmet_pki::{Canonicalization, Limits, VerifiedXml, XmlBound, sign_xml};

/// An application as a page would sign it: a declaration, a default and a
/// prefixed namespace, attributes out of order, a comment, a character
/// reference, CDATA, Kazakh text and Windows line breaks.
const DOCUMENT: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n\
<application xmlns=\"urn:qyzmet:application\" xmlns:q=\"urn:qyzmet:q\" service=\"birth-registration\" case=\"K-1\">\r\n\
<!-- a comment is not signed -->\r\n\
<q:applicant iin=\"900315400125\">САРСЕНОВА АЙГҮЛ &amp; Co</q:applicant>\r\n\
<note><![CDATA[a < b]]></note>\r\n\
<empty/>\r\n\
</application>\r\n";

/// The canonical form `DOCUMENT` without signature has (inclusive C14N).
const CANONICAL: &str = "<application xmlns=\"urn:qyzmet:application\" xmlns:q=\"urn:qyzmet:q\" case=\"K-1\" service=\"birth-registration\">\n\n\
<q:applicant iin=\"900315400125\">САРСЕНОВА АЙГҮЛ &amp; Co</q:applicant>\n\
<note>a &lt; b</note>\n\
<empty></empty>\n\
</application>";

const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
const C14N_COMMENTS: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
const C14N11: &str = "http://www.w3.org/2006/12/xml-c14n11";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const EXC_C14N_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";

/// What goes into an xmlsec1 template.
struct Template<'a> {
    c14n: &'a str,
    signature_method: &'a str,
    transforms: Vec<String>,
    digest_method: &'a str,
    reference_uri: &'a str,
    /// Extra SignedInfo content after the reference (a second reference).
    extra_references: &'a str,
}

impl Template<'_> {
    /// NCALayer's shape: inclusive C14N for SignedInfo, enveloped-signature
    /// then C14N with comments for the reference, RSA-SHA256, SHA-256.
    fn ncalayer() -> Template<'static> {
        Template {
            c14n: C14N,
            signature_method: RSA_SHA256,
            transforms: vec![transform(ENVELOPED), transform(C14N_COMMENTS)],
            digest_method: SHA256,
            reference_uri: "",
            extra_references: "",
        }
    }

    fn to_xml(&self, document: &str) -> String {
        let reference = |uri: &str| {
            format!(
                "<ds:Reference URI=\"{uri}\">\r\n<ds:Transforms>{}</ds:Transforms>\r\n\
                 <ds:DigestMethod Algorithm=\"{}\"/>\r\n<ds:DigestValue></ds:DigestValue>\r\n\
                 </ds:Reference>\r\n",
                self.transforms.concat(),
                self.digest_method,
            )
        };
        let signature = format!(
            "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">\r\n<ds:SignedInfo>\r\n\
             <ds:CanonicalizationMethod Algorithm=\"{}\"/>\r\n\
             <ds:SignatureMethod Algorithm=\"{}\"/>\r\n{}{}</ds:SignedInfo>\r\n\
             <ds:SignatureValue/>\r\n<ds:KeyInfo><ds:X509Data/></ds:KeyInfo>\r\n</ds:Signature>",
            self.c14n,
            self.signature_method,
            reference(self.reference_uri),
            self.extra_references,
        );
        document.replacen("</application>", &format!("{signature}</application>"), 1)
    }
}

fn transform(uri: &str) -> String {
    format!("<ds:Transform Algorithm=\"{uri}\"/>")
}

fn xmlsec1(args: &[&str]) -> std::process::Output {
    Command::new("xmlsec1")
        .args(args)
        .output()
        .expect("xmlsec1 is installed (Debian package xmlsec1; .ci/run installs it)")
}

/// Signs `template` with `xmlsec1 --sign` and the demo key `signer`.
fn xmlsec1_sign(name: &str, signer: &str, template: &str) -> Vec<u8> {
    let input = write_temp(&format!("{name}.template.xml"), template.as_bytes());
    let output = path(&format!("{name}.signed.xml"));
    let key = format!(
        "{},{}",
        path(&format!("{signer}.key.pem")),
        path(&format!("{signer}.pem"))
    );
    let result = xmlsec1(&["--sign", "--privkey-pem", &key, "--output", &output, &input]);
    assert!(
        result.status.success(),
        "xmlsec1 --sign: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    std::fs::read(&output).unwrap()
}

/// `xmlsec1 --verify` against the demo root, with the issuing CA as an
/// untrusted intermediate.
fn xmlsec1_verify(name: &str, xml: &[u8]) -> std::process::Output {
    let file = write_temp(&format!("{name}.to-verify.xml"), xml);
    xmlsec1(&[
        "--verify",
        "--trusted-pem",
        &path("root-ca.pem"),
        "--untrusted-pem",
        &path("issuing-ca.pem"),
        &file,
    ])
}

fn verify_xml(xml: &[u8], check: &Check<'_>) -> Result<VerifiedXml, Failure> {
    verifier().verify_xml(xml, check, &pki().crl_cache())
}

/// A signature of `DOCUMENT` by `signer`, NCALayer-shaped, from xmlsec1.
fn ncalayer_signed(name: &str, signer: &str) -> Vec<u8> {
    xmlsec1_sign(name, signer, &Template::ncalayer().to_xml(DOCUMENT))
}

fn rsa_signed() -> &'static [u8] {
    static SIGNED: OnceLock<Vec<u8>> = OnceLock::new();
    SIGNED.get_or_init(|| ncalayer_signed("xml-rsa", "signing-rsa"))
}

// ---------------------------------------------------------------- good cases

#[test]
fn xmlsec1_signature_in_ncalayer_shape_verifies_and_gives_the_signed_content() {
    let verified = verify_xml(rsa_signed(), &check(None)).unwrap();
    assert_eq!(String::from_utf8(verified.content).unwrap(), CANONICAL);
    assert_eq!(
        verified.canonicalization,
        Canonicalization::InclusiveWithComments
    );
    assert_eq!(verified.signature_method, RSA_SHA256);
    let signer = &verified.signer;
    assert_eq!(signer.certificate.subject.iin, Some(pki().people[0].iin));
    assert_eq!(signer.signing_time, None);
    assert_eq!(signer.chain.len(), 2);
    assert_eq!(signer.signature_algorithm, "1.2.840.113549.1.1.11");
    assert_eq!(signer.digest_algorithm, "2.16.840.1.101.3.4.2.1");
    // The independent tool agrees.
    let output = xmlsec1_verify("xml-rsa", rsa_signed());
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn every_canonicalization_digest_and_key_type_from_xmlsec1_verifies() {
    let cases = [
        (C14N, vec![ENVELOPED], SHA256, RSA_SHA256, "signing-rsa"),
        (
            C14N_COMMENTS,
            vec![ENVELOPED, C14N],
            SHA384,
            RSA_SHA256,
            "signing-rsa",
        ),
        (
            EXC_C14N,
            vec![ENVELOPED, EXC_C14N],
            SHA512,
            RSA_SHA256,
            "signing-rsa",
        ),
        (
            EXC_C14N_COMMENTS,
            vec![ENVELOPED, EXC_C14N_COMMENTS],
            SHA256,
            ECDSA_SHA256,
            "signing-ec",
        ),
        (
            C14N11,
            vec![ENVELOPED, C14N11],
            SHA256,
            ECDSA_SHA256,
            "signing-ec",
        ),
        (
            C14N,
            vec![ENVELOPED, C14N_COMMENTS],
            SHA256,
            ECDSA_SHA256,
            "signing-ec",
        ),
    ];
    for (index, (c14n, transforms, digest_method, signature_method, signer)) in
        cases.into_iter().enumerate()
    {
        let template = Template {
            c14n,
            signature_method,
            transforms: transforms.into_iter().map(transform).collect(),
            digest_method,
            reference_uri: "",
            extra_references: "",
        };
        let signed = xmlsec1_sign(
            &format!("xml-case-{index}"),
            signer,
            &template.to_xml(DOCUMENT),
        );
        let verified = verify_xml(&signed, &check(None))
            .unwrap_or_else(|failure| panic!("case {index} ({c14n}): {failure}"));
        assert_eq!(verified.signature_method, signature_method);
        // The content never carries the comment (an empty URI drops comments).
        let content = String::from_utf8(verified.content).unwrap();
        assert!(!content.contains("comment"), "case {index}: {content}");
        assert!(content.contains("САРСЕНОВА АЙГҮЛ"), "case {index}");
    }
}

#[test]
fn exclusive_c14n_with_inclusive_namespaces_verifies() {
    let with_prefixes = format!(
        "<ds:Transform Algorithm=\"{EXC_C14N}\">\
         <ec:InclusiveNamespaces xmlns:ec=\"{EXC_C14N}\" PrefixList=\"q #default\"/>\
         </ds:Transform>"
    );
    let template = Template {
        c14n: EXC_C14N,
        signature_method: RSA_SHA256,
        transforms: vec![transform(ENVELOPED), with_prefixes],
        digest_method: SHA256,
        reference_uri: "",
        extra_references: "",
    };
    let signed = xmlsec1_sign(
        "xml-exc-prefixes",
        "signing-rsa",
        &template.to_xml(DOCUMENT),
    );
    verify_xml(&signed, &check(None)).unwrap();
}

#[test]
fn authentication_key_verifies_for_authentication_only() {
    let signed = ncalayer_signed("xml-auth", "authentication");
    let mut authentication = check(None);
    authentication.purpose = Purpose::Authentication;
    verify_xml(&signed, &authentication).unwrap();
    assert!(matches!(
        verify_xml(&signed, &check(None)),
        Err(Failure::WrongKeyUsage { .. })
    ));
}

// ------------------------------------------------------------- changes fail

#[test]
fn a_one_byte_change_of_the_content_fails() {
    let changed = replace(rsa_signed(), b"case=\"K-1\"", b"case=\"K-2\"");
    assert_eq!(
        verify_xml(&changed, &check(None)).unwrap_err(),
        Failure::ContentMismatch
    );
    let output = xmlsec1_verify("xml-changed", &changed);
    assert!(!output.status.success());
    // Comments are not signed (URI=""): changing one changes nothing.
    let comment = replace(rsa_signed(), b"a comment", b"A COMMENT");
    let verified = verify_xml(&comment, &check(None)).unwrap();
    assert_eq!(String::from_utf8(verified.content).unwrap(), CANONICAL);
}

#[test]
fn a_changed_signature_value_or_signed_info_is_a_bad_signature() {
    let text = String::from_utf8(rsa_signed().to_vec()).unwrap();
    let at = text.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    let mut bytes = text.into_bytes();
    bytes[at + 3] = if bytes[at + 3] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        verify_xml(&bytes, &check(None)).unwrap_err(),
        Failure::BadSignature
    );
    // A SignedInfo that names another transform with the same result (an
    // empty URI has no comments either way): the content's digest still
    // matches, the signature over SignedInfo does not.
    let other = String::from_utf8(rsa_signed().to_vec())
        .unwrap()
        .replace("#WithComments\"", "\"");
    assert_eq!(
        verify_xml(other.as_bytes(), &check(None)).unwrap_err(),
        Failure::BadSignature
    );
}

// ------------------------------------------------------- certificate checks

#[test]
fn certificate_failures_are_the_cms_ones() {
    let expired = verify_xml(&ncalayer_signed("xml-expired", "expired"), &check_any(None));
    assert!(
        matches!(
            expired,
            Err(Failure::Expired {
                certificate: CertRole::Signer,
                ..
            })
        ),
        "{expired:?}"
    );
    let not_yet = verify_xml(
        &ncalayer_signed("xml-not-yet", "not-yet-valid"),
        &check_any(None),
    );
    assert!(
        matches!(not_yet, Err(Failure::NotYetValid { .. })),
        "{not_yet:?}"
    );
    let revoked = verify_xml(&ncalayer_signed("xml-revoked", "revoked"), &check_any(None));
    assert!(
        matches!(
            revoked,
            Err(Failure::Revoked {
                certificate: CertRole::Signer,
                reason: RevocationReason::KeyCompromise,
                ..
            })
        ),
        "{revoked:?}"
    );
    let wrong_usage = verify_xml(
        &ncalayer_signed("xml-wrong-usage", "wrong-usage"),
        &check_any(None),
    );
    assert!(
        matches!(wrong_usage, Err(Failure::WrongKeyUsage { .. })),
        "{wrong_usage:?}"
    );
    let foreign = verify_xml(&ncalayer_signed("xml-foreign", "foreign"), &check_any(None));
    assert_eq!(foreign.unwrap_err(), Failure::UnknownIssuer);
}

#[test]
fn iin_and_bin_bindings_apply() {
    let mut other_person = check(None);
    other_person.iin = Some(pki().people[1].iin);
    assert_eq!(
        verify_xml(rsa_signed(), &other_person).unwrap_err(),
        Failure::IinMismatch {
            expected: pki().people[1].iin,
            found: Some(pki().people[0].iin),
        }
    );
    let organisation = ncalayer_signed("xml-organisation", "organisation");
    let mut bin = check_any(None);
    bin.bin = Some(pki().organisation_bin);
    verify_xml(&organisation, &bin).unwrap();
    let mut no_bin = check(None);
    no_bin.bin = Some(pki().organisation_bin);
    assert!(matches!(
        verify_xml(rsa_signed(), &no_bin),
        Err(Failure::BinMismatch { found: None, .. })
    ));
}

#[test]
fn revocation_and_signing_time_policies_apply() {
    let empty = CrlCache::default();
    let error = verifier()
        .verify_xml(rsa_signed(), &check(None), &empty)
        .unwrap_err();
    assert!(
        matches!(error, Failure::RevocationUnknown { .. }),
        "{error:?}"
    );
    let strict = verifier().with_policy(Policy {
        require_signing_time: true,
        ..Policy::default()
    });
    assert_eq!(
        strict
            .verify_xml(rsa_signed(), &check(None), &pki().crl_cache())
            .unwrap_err(),
        Failure::SigningTimeMissing
    );
}

// --------------------------------------------------------- malformed inputs

fn code_of(xml: &[u8]) -> &'static str {
    verify_xml(xml, &check(None)).unwrap_err().code()
}

#[test]
fn dtds_and_entities_are_refused() {
    let billion_laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n\
        <!ENTITY lol \"lol\">\n<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n\
        <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n\
        <application>&lol3;</application>";
    assert_eq!(
        verify_xml(billion_laughs.as_bytes(), &check(None)).unwrap_err(),
        Failure::DtdNotAllowed
    );
    let xxe = "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>";
    assert_eq!(code_of(xxe.as_bytes()), "dtd-not-allowed");
    // A signed document with a DTD added in front.
    let text = String::from_utf8(rsa_signed().to_vec()).unwrap();
    let with_dtd = text.replacen("<application", "<!DOCTYPE application []>\n<application", 1);
    assert_eq!(code_of(with_dtd.as_bytes()), "dtd-not-allowed");
    // An undeclared entity is not well-formed.
    assert_eq!(code_of(b"<a>&x;</a>"), "malformed");
}

#[test]
fn size_depth_nodes_and_attributes_are_bounded() {
    let small = verifier().with_limits(Limits {
        input_bytes_max: 1000,
        ..Limits::default()
    });
    assert_eq!(
        small
            .verify_xml(rsa_signed(), &check(None), &pki().crl_cache())
            .unwrap_err(),
        Failure::TooLarge { limit_bytes: 1000 }
    );
    let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
    assert_eq!(
        verify_xml(deep.as_bytes(), &check(None)).unwrap_err(),
        Failure::XmlTooComplex {
            bound: XmlBound::Depth,
            limit: 64
        }
    );
    // Attribute names are checked for duplicates pairwise by the parser:
    // 20,000 attributes would take seconds there; the bound answers at once.
    let attributes: String = (0..20_000).map(|i| format!(" a{i}=\"\"")).collect();
    let wide = format!("<a{attributes}/>");
    let started = std::time::Instant::now();
    assert_eq!(
        verify_xml(wide.as_bytes(), &check(None)).unwrap_err(),
        Failure::XmlTooComplex {
            bound: XmlBound::Attributes,
            limit: 64
        }
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    // Inclusive C14N renders every namespace in scope on every element:
    // namespaces in scope are bounded (siblings' declarations do not add up).
    let declarations: String = (0..9).map(|i| format!(" xmlns:p{i}=\"urn:{i}\"")).collect();
    let siblings = format!("<r><a{declarations}/><b{declarations}/></r>");
    assert_eq!(code_of(siblings.as_bytes()), "no-signers");
    let nested = format!("<r{declarations}><a{declarations}/></r>");
    assert_eq!(
        verify_xml(nested.as_bytes(), &check(None)).unwrap_err(),
        Failure::XmlTooComplex {
            bound: XmlBound::Namespaces,
            limit: 16
        }
    );
    let few_nodes = verifier().with_limits(Limits {
        xml_nodes_max: 10,
        ..Limits::default()
    });
    assert_eq!(
        few_nodes
            .verify_xml(rsa_signed(), &check(None), &pki().crl_cache())
            .unwrap_err(),
        Failure::XmlTooComplex {
            bound: XmlBound::Nodes,
            limit: 10
        }
    );
}

#[test]
fn signature_structure_failures_are_typed() {
    let text = String::from_utf8(rsa_signed().to_vec()).unwrap();
    // Not XML, not UTF-8, another encoding, no signature.
    assert_eq!(code_of(b"not xml"), "malformed");
    assert_eq!(code_of(b"<a>\xff</a>"), "malformed");
    assert_eq!(
        code_of(b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><a/>"),
        "malformed"
    );
    assert_eq!(code_of(DOCUMENT.as_bytes()), "no-signers");
    // Two signatures.
    let signature_start = text.find("<ds:Signature").unwrap();
    let signature_end = text.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &text[signature_start..signature_end];
    let twice = text.replacen(signature, &format!("{signature}{signature}"), 1);
    assert_eq!(
        verify_xml(twice.as_bytes(), &check(None)).unwrap_err(),
        Failure::TooManySigners { limit: 1 }
    );
    // The signature as the whole document.
    assert_eq!(code_of(signature.as_bytes()), "malformed");
    // No certificate.
    let no_certificate = text.replace(
        &text[text.find("<ds:KeyInfo>").unwrap()..text.find("</ds:KeyInfo>").unwrap()],
        "<ds:KeyInfo>",
    );
    assert_eq!(
        verify_xml(no_certificate.as_bytes(), &check(None)).unwrap_err(),
        Failure::SignerCertificateMissing
    );
    // A ds:Object after KeyInfo.
    let object = text.replace("</ds:KeyInfo>", "</ds:KeyInfo><ds:Object>x</ds:Object>");
    assert_eq!(code_of(object.as_bytes()), "malformed");
    // Garbage in the digest value.
    let digest = text.replacen("<ds:DigestValue>", "<ds:DigestValue>*", 1);
    assert_eq!(code_of(digest.as_bytes()), "malformed");
}

#[test]
fn unsupported_references_transforms_and_algorithms_are_typed() {
    let template = |edit: &dyn Fn(&mut Template<'static>)| {
        let mut template = Template::ncalayer();
        edit(&mut template);
        template.to_xml(DOCUMENT)
    };
    // These are refused before any cryptography, so the templates are
    // verified unsigned (xmlsec1 would refuse some of them too).
    let xpath = template(&|t| {
        t.transforms = vec![
            transform(ENVELOPED),
            "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\">\
             <ds:XPath>1</ds:XPath></ds:Transform>"
                .into(),
        ]
    });
    assert_eq!(
        verify_xml(xpath.as_bytes(), &check(None)).unwrap_err(),
        Failure::UnsupportedTransform {
            uri: "http://www.w3.org/TR/1999/REC-xpath-19991116".into()
        }
    );
    let c14n_first = template(&|t| t.transforms = vec![transform(C14N), transform(ENVELOPED)]);
    assert_eq!(
        verify_xml(c14n_first.as_bytes(), &check(None)).unwrap_err(),
        Failure::UnsupportedTransform { uri: C14N.into() }
    );
    let no_enveloped = template(&|t| t.transforms = vec![]);
    assert_eq!(code_of(no_enveloped.as_bytes()), "malformed");
    let by_id = template(&|t| t.reference_uri = "#content");
    assert_eq!(
        verify_xml(by_id.as_bytes(), &check(None)).unwrap_err(),
        Failure::UnsupportedReference {
            uri: Some("#content".into())
        }
    );
    let two = template(&|t| {
        t.extra_references = "<ds:Reference URI=\"\"><ds:DigestMethod Algorithm=\"x\"/>\
                              <ds:DigestValue>AA==</ds:DigestValue></ds:Reference>"
    });
    assert_eq!(
        verify_xml(two.as_bytes(), &check(None)).unwrap_err(),
        Failure::TooManyReferences { limit: 1 }
    );
    let other_c14n = template(&|t| t.c14n = "urn:example:c14n");
    assert_eq!(
        verify_xml(other_c14n.as_bytes(), &check(None)).unwrap_err(),
        Failure::UnsupportedTransform {
            uri: "urn:example:c14n".into()
        }
    );
    // SHA-1 is refused as in CMS; so is RSA-SHA1. These come from xmlsec1
    // with real values.
    let sha1 = Template {
        digest_method: "http://www.w3.org/2000/09/xmldsig#sha1",
        ..Template::ncalayer()
    };
    let signed = xmlsec1_sign("xml-sha1", "signing-rsa", &sha1.to_xml(DOCUMENT));
    assert_eq!(
        verify_xml(&signed, &check(None)).unwrap_err(),
        Failure::UnsupportedXmlAlgorithm {
            uri: "http://www.w3.org/2000/09/xmldsig#sha1".into()
        }
    );
    let rsa_sha1 = Template {
        signature_method: "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        ..Template::ncalayer()
    };
    let signed = xmlsec1_sign("xml-rsa-sha1", "signing-rsa", &rsa_sha1.to_xml(DOCUMENT));
    assert_eq!(code_of(&signed), "unsupported-xml-algorithm");
}

// ------------------------------------------------------------------ signing

#[test]
fn sign_xml_verifies_here_and_with_xmlsec1() {
    let documents = [
        DOCUMENT.to_string(),
        "<r a=\"/>\"/>".to_string(),
        "<p:r xmlns:p=\"urn:p\"><p:x>1</p:x></p:r>".to_string(),
        "\u{feff}<r>1 &lt; 2</r>\n".to_string(),
    ];
    let methods = [
        Canonicalization::Inclusive,
        Canonicalization::InclusiveWithComments,
        Canonicalization::Exclusive,
        Canonicalization::ExclusiveWithComments,
    ];
    for (index, document) in documents.iter().enumerate() {
        for (cert, method) in [&pki().signing_rsa, &pki().signing_ec]
            .into_iter()
            .zip(methods)
            .chain([
                (&pki().signing_rsa, methods[2]),
                (&pki().signing_ec, methods[0]),
            ])
        {
            let signed = sign_xml(document.as_bytes(), &cert.cert, &cert.key, method).unwrap();
            let name = format!("xml-ours-{index}-{}-{method:?}", cert.name);
            let verified = verify_xml(&signed, &check(None))
                .unwrap_or_else(|failure| panic!("{name}: {failure}"));
            assert_eq!(verified.canonicalization, method);
            let output = xmlsec1_verify(&name, &signed);
            assert!(output.status.success(), "{name}: {output:?}");
            // The document outside the signature is kept byte for byte.
            let text = String::from_utf8(signed).unwrap();
            let start = text.find("<ds:Signature").unwrap();
            let end = text.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
            let without = format!("{}{}", &text[..start], &text[end..]);
            if index == 1 {
                assert_eq!(without, "<r a=\"/>\"></r>");
            } else {
                assert_eq!(without, *document);
            }
            // And a changed document fails with xmlsec1 too.
            let changed = text.replacen("1", "2", 1);
            if changed != text {
                assert!(
                    !xmlsec1_verify(&format!("{name}-changed"), changed.as_bytes())
                        .status
                        .success()
                );
            }
        }
    }
}

#[test]
fn sign_xml_refuses_what_it_cannot_sign() {
    let cert = &pki().signing_rsa;
    let sign = |xml: &[u8]| sign_xml(xml, &cert.cert, &cert.key, Canonicalization::Inclusive);
    assert!(sign(b"not xml").is_err());
    assert!(sign(b"<!DOCTYPE a []><a/>").is_err());
    assert!(sign(rsa_signed()).is_err(), "already signed");
    assert!(
        sign_xml(
            DOCUMENT.as_bytes(),
            &cert.cert,
            &pki().signing_ec.key,
            Canonicalization::Inclusive
        )
        .is_err(),
        "key of another certificate"
    );
}
