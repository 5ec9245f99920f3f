//! End-to-end tests of the verifier on the demo PKI: every failure reason
//! comes from a real certificate or signature. One test binary (ripgrep's
//! habit); the demo PKI is built once per process.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};
use qyzmet_core::Iin;
use qyzmet_pki::{
    CertRole, Check, CrlCache, CrlSource, DemoCert, DemoPki, Failure, Limits, Policy, Purpose,
    RevocationPolicy, RevocationReason, RevocationUnknown, Verified, Verifier, build_crl, demo_pki,
    sign_cms,
};

#[path = "pki/timestamp.rs"]
mod timestamp;
#[path = "pki/xmldsig.rs"]
mod xmldsig;

const CONTENT: &[u8] =
    "<application service=\"birth-registration\">Өтініш №1</application>".as_bytes();

struct Fixture {
    pki: DemoPki,
    dir: tempfile::TempDir,
}

/// The demo PKI around the real current time: the `openssl` tool stamps
/// its signatures with the machine's clock, so the tests use that clock too.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        #[allow(
            clippy::disallowed_methods,
            reason = "the openssl tool signs with the real clock"
        )]
        let now = Timestamp::from_second(Timestamp::now().as_second()).unwrap();
        let pki = demo_pki(now).expect("demo PKI");
        let dir = tempfile::tempdir().unwrap();
        pki.write_to(dir.path()).unwrap();
        Fixture { pki, dir }
    })
}

fn pki() -> &'static DemoPki {
    &fixture().pki
}

fn verifier() -> Verifier {
    Verifier::new(pki().trust_store())
}

fn check(content: Option<&[u8]>) -> Check<'_> {
    let mut check = Check::new(pki().now, Purpose::Signing);
    check.content = content;
    check.iin = Some(pki().people[0].iin);
    check
}

fn sign(cert: &DemoCert, detached: bool) -> Vec<u8> {
    sign_cms(
        CONTENT,
        &cert.cert,
        &cert.key,
        detached,
        pki().now - SignedDuration::from_mins(1),
    )
    .unwrap()
}

fn verify_with(verifier: &Verifier, cms: &[u8], check: &Check<'_>) -> Result<Verified, Failure> {
    verifier.verify_cms(cms, check, &pki().crl_cache())
}

fn verify(cms: &[u8], check: &Check<'_>) -> Result<Verified, Failure> {
    verify_with(&verifier(), cms, check)
}

/// A check without the IIN binding (for certificates of other people).
fn check_any(content: Option<&[u8]>) -> Check<'_> {
    let mut check = check(content);
    check.iin = None;
    check
}

// ---------------------------------------------------------------- good cases

#[test]
fn rsa_attached_verifies_and_reports_the_signer() {
    let verified = verify(&sign(&pki().signing_rsa, false), &check(None)).unwrap();
    assert!(!verified.detached);
    assert_eq!(verified.content, CONTENT);
    let signer = &verified.signers[0];
    assert_eq!(signer.certificate.subject.iin, Some(pki().people[0].iin));
    assert_eq!(
        signer.certificate.subject.common_name.as_deref(),
        Some("САРСЕНОВА АЙГҮЛ")
    );
    assert_eq!(
        signer.certificate.subject.patronymic.as_deref(),
        Some("ҚАНАТҚЫЗЫ")
    );
    assert_eq!(
        signer.signing_time,
        Some(pki().now - SignedDuration::from_mins(1))
    );
    assert_eq!(signer.chain.len(), 2);
    assert_eq!(signer.signature_algorithm, "1.2.840.113549.1.1.11");
}

#[test]
fn rsa_detached_verifies() {
    let verified = verify(&sign(&pki().signing_rsa, true), &check(Some(CONTENT))).unwrap();
    assert!(verified.detached);
}

#[test]
fn ecdsa_p256_attached_and_detached_verify() {
    let verified = verify(&sign(&pki().signing_ec, false), &check(None)).unwrap();
    assert_eq!(
        verified.signers[0].signature_algorithm,
        "1.2.840.10045.4.3.2"
    );
    verify(&sign(&pki().signing_ec, true), &check(Some(CONTENT))).unwrap();
}

#[test]
fn pem_and_base64_inputs_verify() {
    let der = sign(&pki().signing_rsa, false);
    let base64 = openssl::base64::encode_block(&der);
    verify(base64.as_bytes(), &check(None)).unwrap();
    let pem = format!("-----BEGIN CMS-----\n{base64}\n-----END CMS-----\n");
    verify(pem.as_bytes(), &check(None)).unwrap();
}

#[test]
fn authentication_certificate_verifies_for_authentication_only() {
    let cms = sign(&pki().authentication, false);
    let mut auth = check(None);
    auth.purpose = Purpose::Authentication;
    verify(&cms, &auth).unwrap();
    let error = verify(&cms, &check(None)).unwrap_err();
    assert!(
        matches!(&error, Failure::WrongKeyUsage { purpose: Purpose::Signing, found, .. }
            if found.names() == ["digitalSignature", "keyEncipherment"]),
        "{error:?}"
    );
}

#[test]
fn organisation_certificate_binds_the_bin() {
    let cms = sign(&pki().organisation, false);
    let mut org = check_any(None);
    org.iin = Some(pki().people[1].iin);
    org.bin = Some(pki().organisation_bin);
    let verified = verify(&cms, &org).unwrap();
    assert_eq!(
        verified.signers[0].certificate.subject.bin,
        Some(pki().organisation_bin)
    );
    assert_eq!(
        verified.signers[0]
            .certificate
            .subject
            .organisation
            .as_deref(),
        Some("«QYZMET DEMO» ЖШС")
    );
    // The individual's certificate carries no BIN.
    let error = verify(&sign(&pki().signing_rsa, false), &{
        let mut c = check(None);
        c.bin = Some(pki().organisation_bin);
        c
    })
    .unwrap_err();
    assert_eq!(
        error,
        Failure::BinMismatch {
            expected: pki().organisation_bin,
            found: None
        }
    );
}

// ------------------------------------------------------------- failure kinds

#[test]
fn expired_certificate_fails_at_signing_time_and_now() {
    let expired = &pki().expired;
    // Signed now: the certificate had already expired at signing time.
    let cms = sign(expired, false);
    let error = verify(&cms, &check_any(None)).unwrap_err();
    let not_after = Timestamp::from_second(
        expired
            .cert
            .not_after()
            .diff(&openssl::asn1::Asn1Time::from_unix(0).unwrap())
            .map(|d| -(i64::from(d.days) * 86400 + i64::from(d.secs)))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        error,
        Failure::Expired {
            certificate: CertRole::Signer,
            not_after,
            checked_at: pki().now - SignedDuration::from_mins(1)
        }
    );
    // Signed while it was valid, checked now: still expired now.
    let back_then = not_after - SignedDuration::from_hours(24);
    let cms = sign_cms(CONTENT, &expired.cert, &expired.key, false, back_then).unwrap();
    let error = verify(&cms, &check_any(None)).unwrap_err();
    assert!(
        matches!(error, Failure::Expired { checked_at, .. } if checked_at == pki().now),
        "{error:?}"
    );
    assert_eq!(error.code(), "expired");
}

#[test]
fn not_yet_valid_certificate_fails() {
    let error = verify(&sign(&pki().not_yet_valid, false), &check_any(None)).unwrap_err();
    assert!(
        matches!(error, Failure::NotYetValid { certificate: CertRole::Signer, not_before, .. } if not_before > pki().now),
        "{error:?}"
    );
}

#[test]
fn revoked_certificate_fails_with_time_and_reason() {
    let error = verify(&sign(&pki().revoked, false), &check_any(None)).unwrap_err();
    assert_eq!(
        error,
        Failure::Revoked {
            certificate: CertRole::Signer,
            at: pki().now - SignedDuration::from_hours(48),
            reason: RevocationReason::KeyCompromise
        }
    );
}

#[test]
fn delta_crl_revocation_is_seen() {
    let now = pki().now;
    let mut crls = pki().crl_cache();
    let delta = build_crl(
        &pki().issuing,
        now - SignedDuration::from_mins(10),
        now + SignedDuration::from_hours(24),
        3,
        Some(1),
        &[(
            &pki().signing_ec.cert,
            now - SignedDuration::from_mins(30),
            RevocationReason::Superseded,
        )],
    )
    .unwrap();
    crls.insert(&delta).unwrap();
    let error = verifier()
        .verify_cms(&sign(&pki().signing_ec, false), &check(None), &crls)
        .unwrap_err();
    assert!(
        matches!(
            error,
            Failure::Revoked {
                reason: RevocationReason::Superseded,
                ..
            }
        ),
        "{error:?}"
    );
    // The base CRL alone does not list it.
    let mut base_only = CrlCache::default();
    base_only.insert(&pki().root_crl).unwrap();
    base_only.insert(&pki().crl).unwrap();
    verifier()
        .verify_cms(&sign(&pki().signing_ec, false), &check(None), &base_only)
        .unwrap();
}

#[test]
fn revocation_unknown_without_a_current_crl() {
    let cms = sign(&pki().signing_rsa, false);
    let empty = CrlCache::default();
    let error = verifier()
        .verify_cms(&cms, &check(None), &empty)
        .unwrap_err();
    assert_eq!(
        error,
        Failure::RevocationUnknown {
            certificate: CertRole::Signer,
            why: RevocationUnknown::NoCrl
        }
    );
    // The same with a CRL past its next update (7 days), checked 8 days on.
    let mut later = check(None);
    later.now = pki().now + SignedDuration::from_hours(24 * 8);
    let error = verify(&cms, &later).unwrap_err();
    assert!(
        matches!(
            error,
            Failure::RevocationUnknown {
                why: RevocationUnknown::CrlExpired,
                ..
            }
        ),
        "{error:?}"
    );
    // Best effort accepts.
    let lenient = verifier().with_policy(Policy {
        revocation: RevocationPolicy::IfAvailable,
        ..Policy::default()
    });
    lenient.verify_cms(&cms, &check(None), &empty).unwrap();
}

#[test]
fn crl_signed_by_another_key_is_not_trusted() {
    let now = pki().now;
    let impostor = DemoCert {
        name: "impostor",
        cert: pki().issuing.cert.clone(),
        key: pki().foreign_root.key.clone(),
    };
    let forged = build_crl(
        &impostor,
        now - SignedDuration::from_hours(1),
        now + SignedDuration::from_hours(24),
        5,
        None,
        &[],
    )
    .unwrap();
    let mut crls = CrlCache::default();
    crls.insert(&pki().root_crl).unwrap();
    crls.insert(&forged).unwrap();
    let error = verifier()
        .verify_cms(&sign(&pki().signing_rsa, false), &check(None), &crls)
        .unwrap_err();
    assert!(
        matches!(
            error,
            Failure::RevocationUnknown {
                why: RevocationUnknown::CrlBadSignature,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn crl_cache_refreshes_stale_issuers_through_the_source() {
    struct Source(Vec<u8>);
    impl CrlSource for Source {
        fn fetch(&self, common_name: Option<&str>, _issuer: &[u8]) -> Result<Vec<Vec<u8>>, String> {
            assert_eq!(common_name, Some("ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) DEMO"));
            Ok(vec![self.0.clone()])
        }
    }
    let now = pki().now;
    let mut crls = pki().crl_cache();
    let later = now + SignedDuration::from_hours(24 * 8);
    assert!(crls.stale_issuers(now).is_empty());
    assert_eq!(crls.stale_issuers(later).len(), 1);
    let fresh = build_crl(
        &pki().issuing,
        later,
        later + SignedDuration::from_hours(24 * 7),
        7,
        None,
        &[],
    )
    .unwrap();
    let report = crls.refresh(&Source(fresh), later);
    assert_eq!((report.issuers_refreshed, report.crls_loaded), (1, 1));
    assert!(crls.stale_issuers(later).is_empty());
    let mut check_later = check(None);
    check_later.now = later;
    verifier()
        .verify_cms(&sign(&pki().signing_rsa, false), &check_later, &crls)
        .unwrap();
}

#[test]
fn unknown_issuer_fails() {
    let error = verify(&sign(&pki().foreign, false), &check(None)).unwrap_err();
    assert_eq!(error, Failure::UnknownIssuer);
    // Without the issuing CA configured or bundled the chain cannot be built.
    let mut roots_only = qyzmet_pki::TrustStore::new();
    roots_only
        .add_roots(&pki().root.cert.to_pem().unwrap())
        .unwrap();
    let error = verify_with(
        &Verifier::new(roots_only),
        &sign(&pki().signing_rsa, false),
        &check(None),
    )
    .unwrap_err();
    assert_eq!(error, Failure::UnknownIssuer);
}

#[test]
fn chain_longer_than_the_limit_fails() {
    let short = verifier().with_limits(Limits {
        chain_len_max: 2,
        ..Limits::default()
    });
    let error = verify_with(&short, &sign(&pki().signing_rsa, false), &check(None)).unwrap_err();
    assert_eq!(error, Failure::ChainTooLong { limit: 2 });
}

/// Replaces the first occurrence of `needle` in `haystack`.
fn replace(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    assert_eq!(needle.len(), with.len());
    let at = haystack
        .windows(needle.len())
        .position(|window| window == needle)
        .expect("needle present");
    let mut out = haystack.to_vec();
    out[at..at + needle.len()].copy_from_slice(with);
    out
}

#[test]
fn tampered_content_is_a_bad_signature() {
    // Attached: change one byte of the encapsulated content.
    let cms = sign(&pki().signing_rsa, false);
    let tampered = replace(&cms, b"birth", b"burth");
    assert_eq!(
        verify(&tampered, &check(None)).unwrap_err(),
        Failure::BadSignature
    );
    // Detached: one byte of the content.
    let cms = sign(&pki().signing_ec, true);
    let mut content = CONTENT.to_vec();
    content[10] ^= 1;
    assert_eq!(
        verify(&cms, &check(Some(&content))).unwrap_err(),
        Failure::BadSignature
    );
    // The signed attributes: the signing time.
    let cms = sign(&pki().signing_rsa, true);
    let mut bytes = cms.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55; // the last byte belongs to the signature value
    assert_eq!(
        verify(&bytes, &check(Some(CONTENT))).unwrap_err(),
        Failure::BadSignature
    );
}

#[test]
fn wrong_key_usage_fails() {
    let error = verify(&sign(&pki().wrong_usage, false), &check_any(None)).unwrap_err();
    match error {
        Failure::WrongKeyUsage {
            expected, found, ..
        } => {
            assert_eq!(expected.names(), ["digitalSignature", "nonRepudiation"]);
            assert_eq!(found.names(), ["keyEncipherment"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn iin_mismatch_fails() {
    let mut other = check(None);
    other.iin = Some(pki().people[2].iin);
    let error = verify(&sign(&pki().signing_rsa, false), &other).unwrap_err();
    assert_eq!(
        error,
        Failure::IinMismatch {
            expected: pki().people[2].iin,
            found: Some(pki().people[0].iin)
        }
    );
    let json = serde_json::to_value(&error).unwrap();
    assert_eq!(json["reason"], "iin-mismatch");
    assert_eq!(json["detail"]["expected"], pki().people[2].iin.to_string());
}

#[test]
fn malformed_inputs_fail_as_malformed() {
    for input in [
        b"".as_slice(),
        b"hello",
        &[0x30, 0x03, 0x02, 0x01, 0x01],
        &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
        &[0x30, 0x80, 0x00, 0x00],
    ] {
        let error = verify(input, &check(None)).unwrap_err();
        assert!(
            matches!(error, Failure::Malformed(_)),
            "{input:?}: {error:?}"
        );
    }
    let cms = sign(&pki().signing_rsa, false);
    let truncated = &cms[..cms.len() - 10];
    assert!(matches!(
        verify(truncated, &check(None)).unwrap_err(),
        Failure::Malformed(_)
    ));
}

#[test]
fn oversize_input_fails_before_parsing() {
    let big = vec![0x30u8; 10 * 1024 * 1024 + 1];
    assert_eq!(
        verify(&big, &check(None)).unwrap_err(),
        Failure::TooLarge {
            limit_bytes: 10 * 1024 * 1024
        }
    );
    let cms = sign(&pki().signing_rsa, true);
    assert!(matches!(
        verify(&cms, &check(Some(&big))).unwrap_err(),
        Failure::TooLarge { .. }
    ));
}

#[test]
fn detached_without_content_and_mismatching_content_fail() {
    assert_eq!(
        verify(&sign(&pki().signing_rsa, true), &check(None)).unwrap_err(),
        Failure::MissingContent
    );
    assert_eq!(
        verify(&sign(&pki().signing_rsa, false), &check(Some(b"other"))).unwrap_err(),
        Failure::ContentMismatch
    );
}

#[test]
fn signing_time_in_the_future_fails() {
    let later = pki().now + SignedDuration::from_hours(1);
    let cms = sign_cms(
        CONTENT,
        &pki().signing_rsa.cert,
        &pki().signing_rsa.key,
        false,
        later,
    )
    .unwrap();
    assert!(matches!(
        verify(&cms, &check(None)).unwrap_err(),
        Failure::SigningTimeInFuture { .. }
    ));
}

#[test]
fn demo_iins_have_valid_check_digits() {
    for person in &pki().people {
        assert_eq!(Iin::parse(&person.iin.to_string()), Ok(person.iin));
    }
    let written: Vec<_> = std::fs::read_dir(fixture().dir.path()).unwrap().collect();
    assert_eq!(written.len(), 12 * 3 + 3);
}

// ------------------------------------------------- the openssl command line

fn path(name: &str) -> String {
    fixture().dir.path().join(name).display().to_string()
}

fn openssl(args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl tool is installed")
}

fn write_temp(name: &str, bytes: &[u8]) -> String {
    let file = path(name);
    std::fs::write(&file, bytes).unwrap();
    file
}

fn openssl_sign(name: &str, signer: &str, extra: &[&str]) -> Vec<u8> {
    let content = write_temp(&format!("{name}.txt"), CONTENT);
    let out = path(&format!("{name}.cms"));
    let signer_pem = path(&format!("{signer}.pem"));
    let key_pem = path(&format!("{signer}.key.pem"));
    let mut args = vec![
        "cms",
        "-sign",
        "-binary",
        "-md",
        "sha256",
        "-in",
        &content,
        "-signer",
        &signer_pem,
        "-inkey",
        &key_pem,
        "-out",
        &out,
    ];
    args.extend_from_slice(extra);
    let output = openssl(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read(&out).unwrap()
}

#[test]
fn signatures_by_the_openssl_tool_verify() {
    let attached = openssl_sign(
        "cli-attached",
        "signing-rsa",
        &["-nodetach", "-outform", "DER"],
    );
    verify(&attached, &check(None)).unwrap();
    let detached = openssl_sign("cli-detached", "signing-ec", &["-outform", "DER"]);
    verify(&detached, &check(Some(CONTENT))).unwrap();
    // Streaming output is BER with indefinite lengths.
    let streamed = openssl_sign(
        "cli-stream",
        "signing-rsa",
        &["-nodetach", "-stream", "-outform", "DER"],
    );
    verify(&streamed, &check(None)).unwrap();
    let pem = openssl_sign("cli-pem", "signing-rsa", &["-nodetach", "-outform", "PEM"]);
    verify(&pem, &check(None)).unwrap();
    // One byte changed in the content fails.
    let mut changed = CONTENT.to_vec();
    changed[0] ^= 1;
    assert_eq!(
        verify(&detached, &check(Some(&changed))).unwrap_err(),
        Failure::BadSignature
    );
}

#[test]
fn two_signers_from_the_openssl_tool_and_the_signer_limit() {
    let signer2 = path("signing-ec.pem");
    let key2 = path("signing-ec.key.pem");
    let both = openssl_sign(
        "cli-two",
        "signing-rsa",
        &[
            "-signer",
            &signer2,
            "-inkey",
            &key2,
            "-nodetach",
            "-outform",
            "DER",
        ],
    );
    let verified = verify(&both, &check(None)).unwrap();
    assert_eq!(verified.signers.len(), 2);
    let one = verifier().with_limits(Limits {
        signers_max: 1,
        ..Limits::default()
    });
    assert_eq!(
        verify_with(&one, &both, &check(None)).unwrap_err(),
        Failure::TooManySigners { limit: 1 }
    );
}

fn openssl_verify(cms: &[u8], content: Option<&[u8]>, name: &str) -> std::process::Output {
    let cms_file = write_temp(&format!("{name}.p7s"), cms);
    let mut anchors = pki().root.cert.to_pem().unwrap();
    anchors.extend(pki().issuing.cert.to_pem().unwrap());
    let root = write_temp("anchors.pem", &anchors);
    let attime = pki().now.as_second().to_string();
    let mut args = vec![
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        &cms_file,
        "-CAfile",
        &root,
        "-purpose",
        "any",
        "-attime",
        &attime,
        "-out",
        "/dev/null",
    ];
    let content_file;
    if let Some(content) = content {
        content_file = write_temp(&format!("{name}.content"), content);
        args.extend_from_slice(&["-content", &content_file]);
    }
    openssl(&args)
}

#[test]
fn our_signatures_verify_with_the_openssl_tool() {
    for (name, cert, detached) in [
        ("ours-rsa-attached", &pki().signing_rsa, false),
        ("ours-rsa-detached", &pki().signing_rsa, true),
        ("ours-ec-attached", &pki().signing_ec, false),
        ("ours-ec-detached", &pki().signing_ec, true),
    ] {
        let cms = sign(cert, detached);
        let content = detached.then_some(CONTENT);
        let output = openssl_verify(&cms, content, name);
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        // And the tool rejects a changed byte, so the check above can fail.
        if detached {
            let output = openssl_verify(&cms, Some(b"changed content"), &format!("{name}-changed"));
            assert!(
                !output.status.success(),
                "{name}: tampered content accepted"
            );
        }
    }
}

#[test]
fn fixture_files_exist() {
    assert!(Path::new(&path("issuing-ca.crl")).exists());
    let output = openssl(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        &path("issuing-ca.crl"),
        "-noout",
        "-text",
    ]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Key Compromise"), "{text}");
}
