//! CMS and XMLDSig signature verification throughput on the demo PKI,
//! single-threaded. Prints plain figures (no criterion).
//!
//! ```text
//! cargo bench -p qyzmet-pki --bench verify
//! ```
//!
//! Target (issue "Digital signatures and legal documents"): at least 2,000
//! verifications per second per core for RSA-2048, with the chain and a
//! cached CRL.
//!
//! Every verification is the full `Verifier::verify_cms` with the default
//! policy (revocation required): the signature over the signed attributes and
//! the digest of a ~2 KiB request, the chain signer → issuing CA → trusted
//! root (both certificate signatures checked), validity at signing time and
//! now, the CRLs of the issuing CA (base + delta) and of the root, key usage
//! for signing, and the signer's IIN. The CRL cache is filled and its
//! signatures checked once during the warm-up ("cached"); the cold figure
//! times the first verification against a freshly parsed cache, whose CRL
//! signatures are not yet checked. Each case warms up for 0.5 s and then runs
//! for `QYZMET_BENCH_SECONDS` (default 2) seconds. Then the OpenSSL work of
//! one signature check is broken down (public-key decoding, digest-verify).
//!
//! XMLDSig: the same request signed by `sign_xml` (enveloped, SHA-256) and
//! verified by `Verifier::verify_xml` with the same checks, cached CRLs.
//! Last, the costliest inputs the XML bounds let through, which fail before
//! any signature check: the largest document of the default limits (20,000
//! nodes, 16 namespaces in scope) with a signature whose digest does not
//! match, so that it is parsed and canonicalized in full.

use std::hint::black_box;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use qyzmet_pki::{
    Canonicalization, Check, CrlCache, DemoCert, DemoPki, Failure, Purpose, Verifier, demo_pki,
    sign_xml,
};

/// "Now" of the benchmark: 2025-06-01T00:00:00Z (the crate reads no clock).
const NOW_SECOND: i64 = 1_748_736_000;
const WARM_UP: Duration = Duration::from_millis(500);
/// Verifications timed one by one against a cold CRL cache.
const COLD_RUNS: usize = 200;
/// How long each OpenSSL call of the breakdown is timed.
const BREAKDOWN: Duration = Duration::from_millis(500);

/// A ~2 KiB application in XML, Kazakh text included.
fn request() -> Vec<u8> {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <application service=\"unemployed-registration\" case=\"KZ-2025-0042-7781\">\n\
         <applicant iin=\"900315400125\">САРСЕНОВА АЙГҮЛ ҚАНАТҚЫЗЫ</applicant>\n",
    );
    let mut line = 0;
    while xml.len() < 2_000 {
        line += 1;
        xml.push_str(&format!(
            "<field name=\"f{line}\">Өтініш беруші туралы мәлімет №{line}</field>\n"
        ));
    }
    xml.push_str("</application>\n");
    xml.into_bytes()
}

fn seconds() -> f64 {
    std::env::var("QYZMET_BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2.0)
}

struct Case<'a> {
    name: &'static str,
    cms: Vec<u8>,
    check: Check<'a>,
}

fn case<'a>(
    pki: &DemoPki,
    name: &'static str,
    cert: &DemoCert,
    content: &'a [u8],
    detached: bool,
) -> Case<'a> {
    let cms = qyzmet_pki::sign_cms(
        content,
        &cert.cert,
        &cert.key,
        detached,
        pki.now - SignedDuration::from_mins(1),
    )
    .expect("sign");
    let mut check = Check::new(pki.now, Purpose::Signing);
    check.iin = Some(pki.people[0].iin);
    check.content = detached.then_some(content);
    Case { name, cms, check }
}

fn main() {
    let now = Timestamp::from_second(NOW_SECOND).expect("now");
    let pki = demo_pki(now).expect("demo PKI");
    let verifier = Verifier::new(pki.trust_store());
    let content = request();
    let seconds = seconds();
    println!(
        "CMS verification, single thread: {} byte request, chain of 3, \
         base + delta CRL of the issuing CA and the root's CRL, IIN binding; \
         {seconds} s per case after {} ms warm-up",
        content.len(),
        WARM_UP.as_millis()
    );

    // The revocation check is live: a revoked certificate fails.
    let revoked = case(&pki, "revoked", &pki.revoked, &content, false);
    let mut revoked_check = revoked.check;
    revoked_check.iin = None;
    assert!(matches!(
        verifier.verify_cms(&revoked.cms, &revoked_check, &pki.crl_cache()),
        Err(Failure::Revoked { .. })
    ));

    let cases = [
        case(
            &pki,
            "RSA-2048, attached",
            &pki.signing_rsa,
            &content,
            false,
        ),
        case(&pki, "RSA-2048, detached", &pki.signing_rsa, &content, true),
        case(
            &pki,
            "ECDSA P-256, attached",
            &pki.signing_ec,
            &content,
            false,
        ),
        case(
            &pki,
            "ECDSA P-256, detached",
            &pki.signing_ec,
            &content,
            true,
        ),
    ];
    for case in &cases {
        cached(&verifier, &pki, case, seconds);
    }
    for case in &cases {
        cold(&verifier, &pki, case);
    }
    let started = Instant::now();
    for _ in 0..COLD_RUNS {
        black_box(pki.crl_cache());
    }
    println!(
        "parsing the 3 demo CRLs into a new cache: {:.1} µs",
        started.elapsed().as_secs_f64() * 1e6 / COLD_RUNS as f64
    );
    println!("OpenSSL work of one signature check (three per verification):");
    for (name, cert) in [
        ("RSA-2048", &pki.signing_rsa),
        ("ECDSA P-256", &pki.signing_ec),
    ] {
        openssl_breakdown(name, cert, &content);
    }
    xml(&verifier, &pki, &content, seconds);
}

/// XMLDSig verification throughput, and the worst inputs the bounds admit.
fn xml(verifier: &Verifier, pki: &DemoPki, content: &[u8], seconds: f64) {
    println!(
        "XMLDSig verification, single thread: the same {} byte request, enveloped, SHA-256, \
         same chain, CRLs and IIN binding",
        content.len()
    );
    let crls = pki.crl_cache();
    let mut check = Check::new(pki.now, Purpose::Signing);
    check.iin = Some(pki.people[0].iin);
    for (name, cert, method) in [
        (
            "RSA-2048, C14N",
            &pki.signing_rsa,
            Canonicalization::Inclusive,
        ),
        (
            "RSA-2048, exc-C14N",
            &pki.signing_rsa,
            Canonicalization::Exclusive,
        ),
        (
            "ECDSA P-256, C14N",
            &pki.signing_ec,
            Canonicalization::Inclusive,
        ),
    ] {
        let signed = sign_xml(content, &cert.cert, &cert.key, method).expect("sign_xml");
        let (per_second, mean) = throughput(seconds, || {
            let verified = verifier
                .verify_xml(black_box(&signed), &check, &crls)
                .unwrap_or_else(|failure| panic!("{name}: {failure:?}"));
            black_box(verified);
        });
        println!("{name:<22} cached CRL: {per_second:>8.0} verifications/s, mean {mean:>7.1} µs");
    }

    // The largest document the default limits let through: 16 namespace
    // declarations in scope and 20,000 nodes, carrying a real signature
    // whose digest does not match (parsed, canonicalized, digested, refused).
    let signed = sign_xml(
        content,
        &pki.signing_rsa.cert,
        &pki.signing_rsa.key,
        Canonicalization::Inclusive,
    )
    .expect("sign_xml");
    let signed = String::from_utf8(signed).expect("UTF-8");
    let signature_start = signed.find("<ds:Signature").expect("signature");
    let signature_end =
        signed.find("</ds:Signature>").expect("signature") + "</ds:Signature>".len();
    let signature = &signed[signature_start..signature_end];
    let declarations: String = (0..15)
        .map(|i| format!(" xmlns:p{i}=\"urn:p:{i}\""))
        .collect();
    let signature_nodes = 40;
    let nodes_max = qyzmet_pki::Limits::default().xml_nodes_max;
    let children = "<b/>".repeat(nodes_max - 1 - signature_nodes);
    let hostile = format!("<a{declarations}>{children}{signature}</a>");
    for (name, method) in [
        ("C14N", Canonicalization::Inclusive),
        ("exc-C14N", Canonicalization::Exclusive),
    ] {
        let hostile = hostile.replace(Canonicalization::Inclusive.uri(), method.uri());
        let started = Instant::now();
        let failure = verifier
            .verify_xml(hostile.as_bytes(), &check, &crls)
            .expect_err("a digest mismatch");
        println!(
            "worst admitted input ({name}, {} bytes, {failure:?}): {:.1} ms",
            hostile.len(),
            started.elapsed().as_secs_f64() * 1e3
        );
    }
}

/// Runs `operation` for `WARM_UP`, then for `seconds`: (per second, mean µs).
fn throughput(seconds: f64, mut operation: impl FnMut()) -> (f64, f64) {
    let started = Instant::now();
    while started.elapsed() < WARM_UP {
        operation();
    }
    let run = Duration::from_secs_f64(seconds);
    let mut count = 0u64;
    let started = Instant::now();
    let elapsed = loop {
        operation();
        count += 1;
        let elapsed = started.elapsed();
        if elapsed >= run {
            break elapsed;
        }
    };
    (
        count as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / count as f64,
    )
}

/// The mean time of `operation`, run for `BREAKDOWN` after a short warm-up.
fn mean_micros(mut operation: impl FnMut()) -> f64 {
    let started = Instant::now();
    while started.elapsed() < WARM_UP / 5 {
        operation();
    }
    let mut count = 0u32;
    let started = Instant::now();
    while started.elapsed() < BREAKDOWN {
        operation();
        count += 1;
    }
    started.elapsed().as_secs_f64() * 1e6 / f64::from(count)
}

/// Times the OpenSSL work of one signature check (a verification makes
/// three: the signer's signature and the two certificate signatures of the
/// chain): `OpensslProvider::verify` decodes the SubjectPublicKeyInfo with
/// the generic `PKey::public_key_from_der` on every call, then runs a
/// digest-verify context (fetch + init, update, final). For comparison, the
/// typed decoders (`Rsa`/`EcKey::public_key_from_der`), alone and followed by
/// the same digest-verify on the fresh key.
fn openssl_breakdown(name: &str, cert: &DemoCert, message: &[u8]) {
    use openssl::hash::MessageDigest;
    use openssl::pkey::{PKey, Public};
    let spki = cert
        .cert
        .public_key()
        .and_then(|key| key.public_key_to_der())
        .expect("public key");
    let mut signer =
        openssl::sign::Signer::new(MessageDigest::sha256(), &cert.key).expect("signer");
    signer.update(message).expect("update");
    let signature = signer.sign_to_vec().expect("sign");
    let rsa = name.starts_with("RSA");
    let typed_decode = |spki: &[u8]| -> PKey<Public> {
        if rsa {
            PKey::from_rsa(openssl::rsa::Rsa::public_key_from_der(spki).expect("RSA key"))
                .expect("RSA key")
        } else {
            PKey::from_ec_key(openssl::ec::EcKey::public_key_from_der(spki).expect("EC key"))
                .expect("EC key")
        }
    };
    let digest_verify = |key: &PKey<Public>| {
        let mut verifier =
            openssl::sign::Verifier::new(MessageDigest::sha256(), key).expect("verifier");
        verifier.update(black_box(message)).expect("update");
        assert!(verifier.verify(black_box(&signature)).expect("verify"));
    };
    let generic = mean_micros(|| {
        black_box(PKey::public_key_from_der(black_box(&spki)).expect("decode"));
    });
    let typed = mean_micros(|| {
        black_box(typed_decode(black_box(&spki)));
    });
    let key = PKey::public_key_from_der(&spki).expect("decode");
    let verify = mean_micros(|| digest_verify(&key));
    let generic_check = mean_micros(|| {
        digest_verify(&PKey::public_key_from_der(black_box(&spki)).expect("decode"));
    });
    let typed_check = mean_micros(|| digest_verify(&typed_decode(black_box(&spki))));
    println!(
        "  {name:<12} decode: PKey::public_key_from_der {generic:>6.1} µs, typed {typed:>5.1} µs; \
         digest-verify with a decoded key {verify:>5.1} µs; \
         decode + digest-verify: generic {generic_check:>6.1} µs (generic, before the fix), typed {typed_check:>6.1} µs"
    );
}

fn verify_once(verifier: &Verifier, case: &Case<'_>, crls: &CrlCache) {
    let verified = verifier
        .verify_cms(black_box(&case.cms), &case.check, crls)
        .unwrap_or_else(|failure| panic!("{}: {failure:?}", case.name));
    assert_eq!(verified.signers[0].chain.len(), 2);
    black_box(verified);
}

/// Throughput with the CRL cache filled and its signatures checked.
fn cached(verifier: &Verifier, pki: &DemoPki, case: &Case<'_>, seconds: f64) {
    let crls = pki.crl_cache();
    let started = Instant::now();
    while started.elapsed() < WARM_UP {
        verify_once(verifier, case, &crls);
    }
    let run = Duration::from_secs_f64(seconds);
    let mut count = 0u64;
    let started = Instant::now();
    let elapsed = loop {
        verify_once(verifier, case, &crls);
        count += 1;
        let elapsed = started.elapsed();
        if elapsed >= run {
            break elapsed;
        }
    };
    let per_second = count as f64 / elapsed.as_secs_f64();
    println!(
        "{:<22} cached CRL: {:>8.0} verifications/s, mean {:>7.1} µs ({count} in {:.2} s)",
        case.name,
        per_second,
        elapsed.as_secs_f64() * 1e6 / count as f64,
        elapsed.as_secs_f64(),
    );
}

/// One verification against a freshly parsed cache (its CRL signatures are
/// checked on first use), timed alone; mean over `COLD_RUNS`.
fn cold(verifier: &Verifier, pki: &DemoPki, case: &Case<'_>) {
    let mut total = Duration::ZERO;
    for _ in 0..COLD_RUNS {
        let crls = pki.crl_cache();
        let started = Instant::now();
        verify_once(verifier, case, &crls);
        total += started.elapsed();
    }
    println!(
        "{:<22} cold CRL cache (first use): mean {:>7.1} µs",
        case.name,
        total.as_secs_f64() * 1e6 / COLD_RUNS as f64,
    );
}
