//! XMLDSig: enveloped XML signatures as NCALayer's `signXml` makes them —
//! one `ds:Signature` inside the document, one `Reference URI=""` with the
//! enveloped-signature transform and a canonicalization, and the signer's
//! certificate in `KeyInfo/X509Data/X509Certificate`.
//!
//! XML is read by a real parser (uppsala) and canonicalized by a library
//! (bergshamra-c14n) over the same parsed tree, so the elements this module
//! finds are the elements whose bytes are digested. Before uppsala runs, a
//! streaming pass with quick-xml rejects DTDs and bounds nodes, depth and
//! attributes per element (docs/pki.md, "XMLDSig"). Digests and signatures
//! go through [`Algorithms`], keyed by the OIDs the URIs name; certificates
//! get exactly the checks of CMS signatures
//! ([`Verifier::check_signer_certificate`]).

use bergshamra_c14n::{C14nMode, canonicalize_doc};
use bergshamra_xml::NodeSet;
use openssl::pkey::{Id, PKey, Private};
use openssl::x509::X509;
use serde::Serialize;
use uppsala::{Document, NodeId, NodeKind};

use crate::algorithms::{
    SignatureAlgorithm, XmlSignatureEncoding, ecdsa_concatenated_to_der, ecdsa_der_to_concatenated,
    xml_uris,
};
use crate::cert::ParsedCert;
use crate::crl::CrlCache;
use crate::der_util::malformed;
use crate::failure::{Failure, XmlBound};
use crate::sign::SignError;
use crate::verify::{Check, Limits, SignerReport, Verifier, algorithm_failure, check_binding};

/// The XMLDSig namespace.
pub const DSIG_NAMESPACE: &str = "http://www.w3.org/2000/09/xmldsig#";
const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const EXCLUSIVE_C14N_NAMESPACE: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// A canonicalization method (W3C C14N), named by its URI in XML.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Canonicalization {
    /// Canonical XML 1.0, `http://www.w3.org/TR/2001/REC-xml-c14n-20010315`.
    Inclusive,
    /// `…REC-xml-c14n-20010315#WithComments`.
    InclusiveWithComments,
    /// Canonical XML 1.1, `http://www.w3.org/2006/12/xml-c14n11`.
    Inclusive11,
    /// `…xml-c14n11#WithComments`.
    Inclusive11WithComments,
    /// Exclusive XML Canonicalization, `http://www.w3.org/2001/10/xml-exc-c14n#`.
    Exclusive,
    /// `…xml-exc-c14n#WithComments`.
    ExclusiveWithComments,
}

impl Canonicalization {
    const ALL: [Canonicalization; 6] = [
        Canonicalization::Inclusive,
        Canonicalization::InclusiveWithComments,
        Canonicalization::Inclusive11,
        Canonicalization::Inclusive11WithComments,
        Canonicalization::Exclusive,
        Canonicalization::ExclusiveWithComments,
    ];

    pub fn uri(self) -> &'static str {
        match self {
            Canonicalization::Inclusive => "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
            Canonicalization::InclusiveWithComments => {
                "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
            }
            Canonicalization::Inclusive11 => "http://www.w3.org/2006/12/xml-c14n11",
            Canonicalization::Inclusive11WithComments => {
                "http://www.w3.org/2006/12/xml-c14n11#WithComments"
            }
            Canonicalization::Exclusive => "http://www.w3.org/2001/10/xml-exc-c14n#",
            Canonicalization::ExclusiveWithComments => {
                "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
            }
        }
    }

    pub fn from_uri(uri: &str) -> Option<Canonicalization> {
        Canonicalization::ALL
            .into_iter()
            .find(|method| method.uri() == uri)
    }

    fn mode(self) -> C14nMode {
        match self {
            Canonicalization::Inclusive => C14nMode::Inclusive,
            Canonicalization::InclusiveWithComments => C14nMode::InclusiveWithComments,
            Canonicalization::Inclusive11 => C14nMode::Inclusive11,
            Canonicalization::Inclusive11WithComments => C14nMode::Inclusive11WithComments,
            Canonicalization::Exclusive => C14nMode::Exclusive,
            Canonicalization::ExclusiveWithComments => C14nMode::ExclusiveWithComments,
        }
    }

    fn is_exclusive(self) -> bool {
        matches!(
            self,
            Canonicalization::Exclusive | Canonicalization::ExclusiveWithComments
        )
    }

    fn with_comments(self) -> bool {
        self.mode().with_comments()
    }
}

impl Serialize for Canonicalization {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.uri())
    }
}

/// An XML signature that passed every check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifiedXml {
    /// The signed content: the document without its signature, in the
    /// canonical form the reference's digest covers (no XML declaration;
    /// comments only where a `#WithComments` method kept them — never for
    /// `URI=""`, so comments are never part of the content). These are
    /// exactly the signed bytes: parse these, not the input, so that
    /// nothing unsigned (comments, the declaration, the signature) is read.
    #[serde(skip)]
    pub content: Vec<u8>,
    pub signer: SignerReport,
    /// The canonicalization of the content (the reference's last transform).
    pub canonicalization: Canonicalization,
    /// The `SignatureMethod` URI.
    pub signature_method: String,
}

/// A canonicalization with exclusive C14N's InclusiveNamespaces prefixes.
struct C14n {
    method: Canonicalization,
    inclusive_prefixes: Vec<String>,
}

/// The parts of the one `ds:Signature` verification reads.
struct SignatureParts<'d> {
    signature: NodeId,
    signed_info: NodeId,
    signed_info_c14n: C14n,
    signature_method: &'d str,
    reference_c14n: C14n,
    digest_method: &'d str,
    digest_value: Vec<u8>,
    signature_value: Vec<u8>,
    certificates: Vec<Vec<u8>>,
}

/// Parses `input` as UTF-8 XML within `limits`: a streaming pass first
/// rejects a DTD and counts nodes, depth and attributes, then uppsala builds
/// the tree (DTDs forbidden there too).
pub(crate) fn parse_bounded<'t>(text: &'t str, limits: &Limits) -> Result<Document<'t>, Failure> {
    check_xml_bounds(text, limits)?;
    let depth_max = u32::try_from(limits.xml_depth_max.saturating_add(1)).unwrap_or(u32::MAX);
    uppsala::Parser::new()
        .with_forbid_dtd(true)
        .with_max_depth(depth_max)
        .parse(text)
        .map_err(|error| malformed("XML", error))
}

/// The bounds pass. quick-xml's reader is linear in the input (attributes
/// are only counted, not checked for duplicates), so it can run on any
/// input before a parser whose costs are not linear does.
fn check_xml_bounds(text: &str, limits: &Limits) -> Result<(), Failure> {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    let mut nodes = 0usize;
    // Namespace declarations of each open element, and their sum.
    let mut declarations_stack: Vec<usize> = Vec::new();
    let mut namespaces_in_scope = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|error| malformed("XML", error))?;
        match &event {
            Event::Eof => return Ok(()),
            Event::DocType(_) => return Err(Failure::DtdNotAllowed),
            Event::Decl(declaration) => {
                if let Some(encoding) = declaration.encoding() {
                    let encoding = encoding.map_err(|error| malformed("XML declaration", error))?;
                    if !encoding.eq_ignore_ascii_case("utf-8") {
                        return Err(malformed(
                            "XML declaration",
                            format!("encoding {encoding:?}: only UTF-8 is accepted"),
                        ));
                    }
                }
            }
            Event::End(_) => {
                namespaces_in_scope =
                    namespaces_in_scope.saturating_sub(declarations_stack.pop().unwrap_or(0));
            }
            _ => {}
        }
        if let Event::Start(start) | Event::Empty(start) = &event {
            let mut attributes = 0usize;
            let mut declarations = 0usize;
            for attribute in start.attributes().with_checks(false) {
                attributes += 1;
                let is_declaration = attribute.as_ref().is_ok_and(|attribute| {
                    let key = attribute.key.as_ref();
                    key == "xmlns" || key.starts_with("xmlns:")
                });
                declarations += usize::from(is_declaration);
            }
            if attributes > limits.xml_attributes_max {
                return Err(Failure::XmlTooComplex {
                    bound: XmlBound::Attributes,
                    limit: limits.xml_attributes_max,
                });
            }
            if namespaces_in_scope + declarations > limits.xml_namespaces_max {
                return Err(Failure::XmlTooComplex {
                    bound: XmlBound::Namespaces,
                    limit: limits.xml_namespaces_max,
                });
            }
            if let Event::Start(_) = &event {
                declarations_stack.push(declarations);
                namespaces_in_scope += declarations;
                if declarations_stack.len() > limits.xml_depth_max {
                    return Err(Failure::XmlTooComplex {
                        bound: XmlBound::Depth,
                        limit: limits.xml_depth_max,
                    });
                }
            }
        }
        if !matches!(event, Event::End(_) | Event::Decl(_)) {
            nodes += 1;
            if nodes > limits.xml_nodes_max {
                return Err(Failure::XmlTooComplex {
                    bound: XmlBound::Nodes,
                    limit: limits.xml_nodes_max,
                });
            }
        }
    }
}

/// The input as text: UTF-8, a byte-order mark dropped.
fn utf8(input: &[u8]) -> Result<&str, Failure> {
    let text = std::str::from_utf8(input).map_err(|error| malformed("XML", error))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

fn is_ds(doc: &Document<'_>, id: NodeId, local_name: &str) -> bool {
    doc.element(id)
        .is_some_and(|element| element.name.matches(Some(DSIG_NAMESPACE), local_name))
}

fn expect_ds(doc: &Document<'_>, id: Option<NodeId>, local_name: &str) -> Result<NodeId, Failure> {
    match id {
        Some(id) if is_ds(doc, id, local_name) => Ok(id),
        _ => Err(malformed(
            "XML signature",
            format!("expected ds:{local_name}"),
        )),
    }
}

/// The element children of `id`. Whitespace, comments and processing
/// instructions between them are skipped; other text is malformed.
fn element_children(doc: &Document<'_>, id: NodeId) -> Result<Vec<NodeId>, Failure> {
    let mut elements = Vec::new();
    for child in doc.children_iter(id) {
        match doc.node_kind(child) {
            Some(NodeKind::Element(_)) => elements.push(child),
            Some(NodeKind::Text(text) | NodeKind::CData(text)) if text.trim().is_empty() => {}
            Some(NodeKind::Comment(_) | NodeKind::ProcessingInstruction(_)) => {}
            _ => {
                return Err(malformed(
                    "XML signature",
                    "text where only elements are allowed",
                ));
            }
        }
    }
    Ok(elements)
}

/// An attribute without namespace, as XMLDSig's `Algorithm` and `URI` are.
fn plain_attribute<'d>(doc: &'d Document<'_>, id: NodeId, name: &str) -> Option<&'d str> {
    doc.element(id)?
        .attributes
        .iter()
        .find(|attribute| {
            attribute.name.namespace_uri.is_none() && attribute.name.local_name == name
        })
        .map(|attribute| &*attribute.value)
}

fn algorithm_of<'d>(doc: &'d Document<'_>, id: NodeId) -> Result<&'d str, Failure> {
    plain_attribute(doc, id, "Algorithm")
        .ok_or_else(|| malformed("XML signature", "an Algorithm attribute is missing"))
}

/// The base64 text content of an element (whitespace allowed, no child
/// elements).
fn base64_content(doc: &Document<'_>, id: NodeId, what: &str) -> Result<Vec<u8>, Failure> {
    let mut compact = String::new();
    for child in doc.children_iter(id) {
        match doc.node_kind(child) {
            Some(NodeKind::Text(text) | NodeKind::CData(text)) => compact.extend(
                text.chars()
                    .filter(|character| !character.is_ascii_whitespace()),
            ),
            Some(NodeKind::Comment(_)) => {}
            _ => return Err(malformed(what, "not base64 text")),
        }
    }
    if compact.is_empty() {
        return Err(malformed(what, "empty"));
    }
    openssl::base64::decode_block(&compact).map_err(|_| malformed(what, "not base64"))
}

/// A `CanonicalizationMethod` or c14n `Transform`: its method and, for
/// exclusive C14N, the `InclusiveNamespaces PrefixList`.
fn c14n_of(doc: &Document<'_>, id: NodeId, method: Canonicalization) -> Result<C14n, Failure> {
    let mut inclusive_prefixes = Vec::new();
    for child in element_children(doc, id)? {
        let is_inclusive_namespaces = doc.element(child).is_some_and(|element| {
            element
                .name
                .matches(Some(EXCLUSIVE_C14N_NAMESPACE), "InclusiveNamespaces")
        });
        if !(method.is_exclusive() && is_inclusive_namespaces) {
            return Err(malformed(
                "XML signature",
                "unexpected element in a canonicalization method",
            ));
        }
        let list = plain_attribute(doc, child, "PrefixList").unwrap_or("");
        inclusive_prefixes.extend(list.split_ascii_whitespace().map(str::to_string));
    }
    Ok(C14n {
        method,
        inclusive_prefixes,
    })
}

/// The reference's transforms: the enveloped-signature transform, then
/// optionally one canonicalization (default: inclusive C14N 1.0, as XMLDSig
/// converts a node-set to octets).
fn reference_c14n(doc: &Document<'_>, transforms: Option<NodeId>) -> Result<C14n, Failure> {
    let transforms = element_children_of_optional(doc, transforms)?;
    let mut enveloped = false;
    let mut c14n = None;
    for (index, transform) in transforms.into_iter().enumerate() {
        let transform = expect_ds(doc, Some(transform), "Transform")?;
        let uri = algorithm_of(doc, transform)?;
        match (index, uri) {
            (0, ENVELOPED_SIGNATURE) => {
                if !element_children(doc, transform)?.is_empty() {
                    return Err(malformed(
                        "XML signature",
                        "the enveloped-signature transform takes no parameters",
                    ));
                }
                enveloped = true;
            }
            (1, uri) if Canonicalization::from_uri(uri).is_some() => {
                let method = Canonicalization::from_uri(uri).unwrap_or(Canonicalization::Inclusive);
                c14n = Some(c14n_of(doc, transform, method)?);
            }
            (_, uri) => {
                return Err(Failure::UnsupportedTransform {
                    uri: uri.to_string(),
                });
            }
        }
    }
    if !enveloped {
        return Err(malformed(
            "XML signature",
            "the reference has no enveloped-signature transform",
        ));
    }
    Ok(c14n.unwrap_or(C14n {
        method: Canonicalization::Inclusive,
        inclusive_prefixes: Vec::new(),
    }))
}

fn element_children_of_optional(
    doc: &Document<'_>,
    id: Option<NodeId>,
) -> Result<Vec<NodeId>, Failure> {
    match id {
        Some(id) => element_children(doc, id),
        None => Ok(Vec::new()),
    }
}

/// Finds the one signature and reads its parts, strictly: SignedInfo
/// (CanonicalizationMethod, SignatureMethod, one Reference), SignatureValue,
/// an optional KeyInfo, nothing else.
fn signature_parts<'d>(
    doc: &'d Document<'_>,
    limits: &Limits,
) -> Result<SignatureParts<'d>, Failure> {
    let root = doc
        .document_element()
        .ok_or_else(|| malformed("XML", "no document element"))?;
    let signatures = doc.get_elements_by_tag_name_ns(DSIG_NAMESPACE, "Signature");
    let signature = match signatures.as_slice() {
        [] => return Err(Failure::NoSigners),
        [signature] => *signature,
        _ => return Err(Failure::TooManySigners { limit: 1 }),
    };
    if signature == root {
        return Err(malformed(
            "XML signature",
            "the signature is the whole document: nothing is signed",
        ));
    }

    let mut parts = element_children(doc, signature)?.into_iter();
    let signed_info = expect_ds(doc, parts.next(), "SignedInfo")?;
    let signature_value = expect_ds(doc, parts.next(), "SignatureValue")?;
    let key_info = match parts.next() {
        None => None,
        Some(key_info) => Some(expect_ds(doc, Some(key_info), "KeyInfo")?),
    };
    if parts.next().is_some() {
        return Err(malformed(
            "XML signature",
            "elements after KeyInfo (ds:Object) are not supported",
        ));
    }

    let mut signed_info_parts = element_children(doc, signed_info)?.into_iter();
    let c14n_method = expect_ds(doc, signed_info_parts.next(), "CanonicalizationMethod")?;
    let c14n_uri = algorithm_of(doc, c14n_method)?;
    let method =
        Canonicalization::from_uri(c14n_uri).ok_or_else(|| Failure::UnsupportedTransform {
            uri: c14n_uri.to_string(),
        })?;
    let signed_info_c14n = c14n_of(doc, c14n_method, method)?;
    let signature_method_element = expect_ds(doc, signed_info_parts.next(), "SignatureMethod")?;
    if !element_children(doc, signature_method_element)?.is_empty() {
        return Err(malformed(
            "XML signature",
            "SignatureMethod parameters are not supported",
        ));
    }
    let signature_method = algorithm_of(doc, signature_method_element)?;
    let references: Vec<NodeId> = signed_info_parts.collect();
    let reference = match references.as_slice() {
        [] => return Err(malformed("XML signature", "SignedInfo has no Reference")),
        [reference] => expect_ds(doc, Some(*reference), "Reference")?,
        _ => return Err(Failure::TooManyReferences { limit: 1 }),
    };
    match plain_attribute(doc, reference, "URI") {
        Some("") => {}
        other => {
            return Err(Failure::UnsupportedReference {
                uri: other.map(str::to_string),
            });
        }
    }
    let mut reference_parts = element_children(doc, reference)?.into_iter().peekable();
    let transforms = reference_parts
        .next_if(|id| is_ds(doc, *id, "Transforms"))
        .map(Some)
        .unwrap_or(None);
    let reference_c14n = reference_c14n(doc, transforms)?;
    let digest_method_element = expect_ds(doc, reference_parts.next(), "DigestMethod")?;
    if !element_children(doc, digest_method_element)?.is_empty() {
        return Err(malformed(
            "XML signature",
            "DigestMethod parameters are not supported",
        ));
    }
    let digest_method = algorithm_of(doc, digest_method_element)?;
    let digest_value_element = expect_ds(doc, reference_parts.next(), "DigestValue")?;
    let digest_value = base64_content(doc, digest_value_element, "DigestValue")?;
    if reference_parts.next().is_some() {
        return Err(malformed(
            "XML signature",
            "unexpected element after DigestValue",
        ));
    }
    let signature_value = base64_content(doc, signature_value, "SignatureValue")?;

    let mut certificates = Vec::new();
    for key_info_part in element_children_of_optional(doc, key_info)? {
        // KeyName, KeyValue and the like are ignored: the key is the
        // certificate's, and the certificate must chain to a trusted root.
        if !is_ds(doc, key_info_part, "X509Data") {
            continue;
        }
        for x509_part in element_children(doc, key_info_part)? {
            if !is_ds(doc, x509_part, "X509Certificate") {
                continue;
            }
            if certificates.len() == limits.certificates_max {
                return Err(Failure::TooManyCertificates {
                    limit: limits.certificates_max,
                });
            }
            certificates.push(base64_content(doc, x509_part, "X509Certificate")?);
        }
    }
    Ok(SignatureParts {
        signature,
        signed_info,
        signed_info_c14n,
        signature_method,
        reference_c14n,
        digest_method,
        digest_value,
        signature_value,
        certificates,
    })
}

fn canonicalize(doc: &Document<'_>, c14n: &C14n, nodes: &NodeSet) -> Result<Vec<u8>, Failure> {
    canonicalize_doc(
        doc,
        c14n.method.mode(),
        Some(nodes),
        &c14n.inclusive_prefixes,
    )
    .map_err(|error| malformed("XML canonicalization", error))
}

/// The enveloped reference's node-set: the document without comments (an
/// empty `URI` excludes them, whatever the canonicalization) and without
/// the signature.
fn document_without(doc: &Document<'_>, signature: Option<NodeId>) -> NodeSet {
    let all = NodeSet::all_without_comments(doc);
    match signature {
        Some(signature) => all.subtract(&NodeSet::tree_with_comments(signature, doc)),
        None => all,
    }
}

fn signed_info_nodes(doc: &Document<'_>, signed_info: NodeId, c14n: &C14n) -> NodeSet {
    if c14n.method.with_comments() {
        NodeSet::tree_with_comments(signed_info, doc)
    } else {
        NodeSet::tree_without_comments(signed_info, doc)
    }
}

/// The signer's certificate among those of KeyInfo: the first one that
/// issued none of the others (a chain may come in any order).
fn leaf(certificates: &[ParsedCert]) -> Option<&ParsedCert> {
    certificates
        .iter()
        .find(|candidate| {
            !certificates.iter().any(|other| {
                other.der != candidate.der && other.issuer_der == candidate.subject_der
            })
        })
        .or(certificates.first())
}

impl Verifier {
    /// Verifies an enveloped XML signature (NCALayer's `signXml`) and
    /// returns the first failure found, checking in this order: size and
    /// shape of the XML, structure of the signature, the reference's digest
    /// (`content-mismatch`), the signature over SignedInfo, then the
    /// certificate exactly as [`Verifier::verify_cms`] does (chain, validity
    /// at `now`, revocation, key usage), then IIN/BIN. XMLDSig carries no
    /// signing time: validity is checked at `check.now`, and a policy
    /// requiring a signing time fails with `signing-time-missing`.
    /// `check.content` is not used (the content is the document).
    pub fn verify_xml(
        &self,
        input: &[u8],
        check: &Check<'_>,
        crls: &CrlCache,
    ) -> Result<VerifiedXml, Failure> {
        let limits = &self.limits;
        if input.len() > limits.input_bytes_max {
            return Err(Failure::TooLarge {
                limit_bytes: limits.input_bytes_max,
            });
        }
        let text = utf8(input)?;
        let doc = parse_bounded(text, limits)?;
        let parts = signature_parts(&doc, limits)?;

        let digest_oid = self
            .algorithms
            .xml_digest_method(parts.digest_method)
            .ok_or_else(|| Failure::UnsupportedXmlAlgorithm {
                uri: parts.digest_method.to_string(),
            })?;
        let method = self
            .algorithms
            .xml_signature_method(parts.signature_method)
            .ok_or_else(|| Failure::UnsupportedXmlAlgorithm {
                uri: parts.signature_method.to_string(),
            })?;
        let mut bundled = Vec::with_capacity(parts.certificates.len());
        for der in &parts.certificates {
            bundled.push(ParsedCert::from_der(der).map_err(|e| malformed("X509Certificate", e))?);
        }
        let signer = leaf(&bundled).ok_or(Failure::SignerCertificateMissing)?;

        let content = canonicalize(
            &doc,
            &parts.reference_c14n,
            &document_without(&doc, Some(parts.signature)),
        )?;
        let digest = self
            .algorithms
            .digest(digest_oid, &content)
            .map_err(algorithm_failure)?;
        if digest != parts.digest_value {
            return Err(Failure::ContentMismatch);
        }

        let signed_info = canonicalize(
            &doc,
            &parts.signed_info_c14n,
            &signed_info_nodes(&doc, parts.signed_info, &parts.signed_info_c14n),
        )?;
        let signature = match method.encoding {
            XmlSignatureEncoding::AsIs => parts.signature_value,
            XmlSignatureEncoding::EcdsaConcatenated => {
                ecdsa_concatenated_to_der(&parts.signature_value).map_err(algorithm_failure)?
            }
        };
        let algorithm = SignatureAlgorithm {
            signature: method.algorithm,
            parameters: None,
            digest: None,
        };
        self.algorithms
            .verify(&algorithm, &signer.spki_der, &signed_info, &signature)
            .map_err(algorithm_failure)?;

        let chain = self.check_signer_certificate(signer, &bundled, None, check, crls)?;
        let certificate = signer.info();
        check_binding(check, std::iter::once(&certificate))?;
        Ok(VerifiedXml {
            content,
            signer: SignerReport {
                certificate,
                signing_time: None,
                chain,
                digest_algorithm: digest_oid.to_string(),
                signature_algorithm: method.algorithm.to_string(),
                timestamp: None,
            },
            canonicalization: parts.reference_c14n.method,
            signature_method: parts.signature_method.to_string(),
        })
    }
}

// ------------------------------------------------------------------ signing

fn xml_error(what: &str, failure: Failure) -> SignError {
    SignError::Xml(format!("{what}: {failure}"))
}

/// Signs an XML document with an enveloped XMLDSig signature, as NCALayer's
/// `signXml` does: SHA-256, RSA PKCS #1 v1.5 (`rsa-sha256`) or ECDSA
/// (`ecdsa-sha256`, `r || s`), `canonicalization` for SignedInfo and as the
/// reference's transform after the enveloped-signature transform, and `cert`
/// in `KeyInfo/X509Data/X509Certificate`. The `ds:Signature` becomes the
/// last child of the document element; every other byte of `xml` is kept.
/// The document must be UTF-8, have no DTD and no signature yet, and fit the
/// default [`Limits`].
pub fn sign_xml(
    xml: &[u8],
    cert: &X509,
    key: &PKey<Private>,
    canonicalization: Canonicalization,
) -> Result<Vec<u8>, SignError> {
    let (signature_uri, order_bits) = match key.id() {
        Id::RSA => (xml_uris::RSA_SHA256, None),
        Id::EC => (
            xml_uris::ECDSA_SHA256,
            Some(key.ec_key()?.group().order_bits()),
        ),
        _ => return Err(SignError::UnsupportedKey),
    };
    if !cert.public_key()?.public_eq(key) {
        return Err(SignError::KeyMismatch);
    }
    let limits = Limits::default();
    if xml.len() > limits.input_bytes_max {
        return Err(xml_error(
            "document",
            Failure::TooLarge {
                limit_bytes: limits.input_bytes_max,
            },
        ));
    }
    let text = utf8(xml).map_err(|failure| xml_error("document", failure))?;
    let doc = parse_bounded(text, &limits).map_err(|failure| xml_error("document", failure))?;
    if !doc
        .get_elements_by_tag_name_ns(DSIG_NAMESPACE, "Signature")
        .is_empty()
    {
        return Err(SignError::Xml(
            "the document is already signed (it has a ds:Signature)".into(),
        ));
    }
    let root = doc
        .document_element()
        .ok_or_else(|| SignError::Xml("no document element".into()))?;
    let c14n = C14n {
        method: canonicalization,
        inclusive_prefixes: Vec::new(),
    };
    let content = canonicalize(&doc, &c14n, &document_without(&doc, None))
        .map_err(|failure| xml_error("document", failure))?;
    let digest = openssl::hash::hash(openssl::hash::MessageDigest::sha256(), &content)?;

    let signed_info = format!(
        "<ds:SignedInfo>\
         <ds:CanonicalizationMethod Algorithm=\"{c14n_uri}\"/>\
         <ds:SignatureMethod Algorithm=\"{signature_uri}\"/>\
         <ds:Reference URI=\"\">\
         <ds:Transforms>\
         <ds:Transform Algorithm=\"{ENVELOPED_SIGNATURE}\"/>\
         <ds:Transform Algorithm=\"{c14n_uri}\"/>\
         </ds:Transforms>\
         <ds:DigestMethod Algorithm=\"{digest_uri}\"/>\
         <ds:DigestValue>{digest}</ds:DigestValue>\
         </ds:Reference>\
         </ds:SignedInfo>",
        c14n_uri = canonicalization.uri(),
        digest_uri = xml_uris::SHA256,
        digest = openssl::base64::encode_block(&digest),
    );
    let certificate = openssl::base64::encode_block(&cert.to_der()?);
    let signature_element = |value: &str| {
        format!(
            "<ds:Signature xmlns:ds=\"{DSIG_NAMESPACE}\">{signed_info}\
             <ds:SignatureValue>{value}</ds:SignatureValue>\
             <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate}\
             </ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"
        )
    };
    let insert = |signature: &str| -> Result<String, SignError> {
        enveloped_insert(text, &doc, root, signature)
    };

    // SignedInfo is canonicalized where it will stand: inclusive C14N
    // renders the namespaces in scope there.
    let template = insert(&signature_element(""))?;
    let template_doc = parse_bounded(&template, &limits)
        .map_err(|failure| xml_error("signed document", failure))?;
    let signed_info_id = template_doc
        .get_elements_by_tag_name_ns(DSIG_NAMESPACE, "SignedInfo")
        .first()
        .copied()
        .ok_or_else(|| SignError::Xml("SignedInfo not found after insertion".into()))?;
    let signed_info_c14n = canonicalize(
        &template_doc,
        &c14n,
        &signed_info_nodes(&template_doc, signed_info_id, &c14n),
    )
    .map_err(|failure| xml_error("SignedInfo", failure))?;
    let mut signer = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), key)?;
    signer.update(&signed_info_c14n)?;
    let mut signature = signer.sign_to_vec()?;
    if let Some(order_bits) = order_bits {
        signature = ecdsa_der_to_concatenated(&signature, order_bits)?;
    }
    let signed = insert(&signature_element(&openssl::base64::encode_block(
        &signature,
    )))?;
    // A byte-order mark of the input is kept too.
    let bom = &xml[..xml.len() - text.len()];
    Ok([bom, signed.as_bytes()].concat())
}

/// `text` with `signature` inserted as the last child of the document
/// element `root`, whose source range the parser gives: before its end tag,
/// or, for an empty-element tag `<root …/>`, by opening it.
fn enveloped_insert(
    text: &str,
    doc: &Document<'_>,
    root: NodeId,
    signature: &str,
) -> Result<String, SignError> {
    let range = doc
        .node_range(root)
        .ok_or_else(|| SignError::Xml("the document element has no source range".into()))?;
    let source = &text[range.clone()];
    let mut out = String::with_capacity(text.len() + signature.len() + 16);
    if let Some(before_close) = source.strip_suffix("/>") {
        // `<root …/>`: an end tag cannot end in "/>", so this is the
        // empty-element form.
        let name = doc
            .element(root)
            .map(|element| element.name.prefixed_name().into_owned())
            .ok_or_else(|| SignError::Xml("no document element".into()))?;
        out.push_str(&text[..range.start]);
        out.push_str(before_close);
        out.push('>');
        out.push_str(signature);
        out.push_str("</");
        out.push_str(&name);
        out.push('>');
    } else {
        // The element's range ends with its end tag, and "</" starts it:
        // nothing after the end tag's "</" belongs to the content.
        let end_tag = source
            .rfind("</")
            .ok_or_else(|| SignError::Xml("the document element has no end tag".into()))?;
        out.push_str(&text[..range.start + end_tag]);
        out.push_str(signature);
        out.push_str(&source[end_tag..]);
    }
    out.push_str(&text[range.end..]);
    Ok(out)
}
