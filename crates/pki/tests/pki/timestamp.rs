//! RFC 3161 signature timestamps: tokens made by the `openssl ts` tool with a
//! TSA certificate issued here by the demo issuing CA, put into the
//! signer's unsigned attributes, verified by `verify_cms`.

use super::*;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerInfos};
use der::asn1::SetOfVec;
use der::{Any, Decode, Encode};
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::extension::{BasicConstraints, ExtendedKeyUsage, KeyUsage};
use openssl::x509::{X509Builder, X509NameBuilder};
use qyzmet_pki::timestamp_oids;
use x509_cert::attr::Attribute;

const TSA_POLICY: &str = "1.2.398.3.3.2.99";

/// Issues a TSA certificate (ECDSA P-256; extKeyUsage timeStamping,
/// critical, as RFC 3161 requires) by `issuer`, and writes `NAME.pem` and
/// `NAME.key.pem` beside the demo PKI's files.
fn issue_tsa(name: &str, issuer: &DemoCert) {
    let key = PKey::from_ec_key(
        EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap(),
    )
    .unwrap();
    let mut subject = X509NameBuilder::new().unwrap();
    subject.append_entry_by_text("C", "KZ").unwrap();
    subject
        .append_entry_by_text("CN", "QYZMET DEMO TSA")
        .unwrap();
    let subject = subject.build();
    let mut builder = X509Builder::new().unwrap();
    builder.set_version(2).unwrap();
    let mut serial = BigNum::new().unwrap();
    serial.rand(120, MsbOption::MAYBE_ZERO, false).unwrap();
    builder
        .set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    builder.set_subject_name(&subject).unwrap();
    builder.set_issuer_name(issuer.cert.subject_name()).unwrap();
    builder.set_pubkey(&key).unwrap();
    let now = pki().now.as_second();
    builder
        .set_not_before(&Asn1Time::from_unix(now - 86_400).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::from_unix(now + 300 * 86_400).unwrap())
        .unwrap();
    builder
        .append_extension(BasicConstraints::new().critical().build().unwrap())
        .unwrap();
    builder
        .append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .non_repudiation()
                .build()
                .unwrap(),
        )
        .unwrap();
    builder
        .append_extension(
            ExtendedKeyUsage::new()
                .critical()
                .time_stamping()
                .build()
                .unwrap(),
        )
        .unwrap();
    builder.sign(&issuer.key, MessageDigest::sha256()).unwrap();
    let cert = builder.build();
    write_temp(&format!("{name}.pem"), &cert.to_pem().unwrap());
    write_temp(
        &format!("{name}.key.pem"),
        &key.private_key_to_pem_pkcs8().unwrap(),
    );
}

/// The TSA of the demo issuing CA, and one of the foreign root.
fn tsas() {
    static ISSUED: OnceLock<()> = OnceLock::new();
    ISSUED.get_or_init(|| {
        issue_tsa("tsa", &pki().issuing);
        issue_tsa("foreign-tsa", &pki().foreign_root);
    });
}

fn run(command: &mut Command) {
    let output = command.output().expect("the openssl tool is installed");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A timestamp token by `openssl ts -reply` (signed by `tsa`) over `data`.
fn openssl_token(name: &str, tsa: &str, data: &[u8]) -> Vec<u8> {
    tsas();
    let config = write_temp(
        &format!("{name}.ts.cnf"),
        format!(
            "[ tsa ]\ndefault_tsa = tsa_config\n\
             [ tsa_config ]\nserial = {serial}\ncrypto_device = builtin\n\
             signer_digest = sha256\ndefault_policy = {TSA_POLICY}\n\
             digests = sha256, sha384, sha512\naccuracy = secs:1\n\
             ordering = no\ntsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
            serial = path(&format!("{name}.serial")),
        )
        .as_bytes(),
    );
    write_temp(&format!("{name}.serial"), b"01\n");
    let data_file = write_temp(&format!("{name}.imprinted"), data);
    let query = path(&format!("{name}.tsq"));
    let token = path(&format!("{name}.token"));
    run(Command::new("openssl").args([
        "ts", "-query", "-data", &data_file, "-sha256", "-cert", "-out", &query,
    ]));
    run(Command::new("openssl").args([
        "ts",
        "-reply",
        "-config",
        &config,
        "-queryfile",
        &query,
        "-signer",
        &path(&format!("{tsa}.pem")),
        "-inkey",
        &path(&format!("{tsa}.key.pem")),
        "-token_out",
        "-out",
        &token,
    ]));
    std::fs::read(token).unwrap()
}

fn signed_data(cms: &[u8]) -> SignedData {
    ContentInfo::from_der(cms)
        .unwrap()
        .content
        .decode_as()
        .unwrap()
}

fn content_info(signed_data: &SignedData) -> Vec<u8> {
    ContentInfo {
        content_type: qyzmet_pki::oids::ID_SIGNED_DATA,
        content: Any::encode_from(signed_data).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// The signature value of the (only) signer of `cms`.
fn signature_value(cms: &[u8]) -> Vec<u8> {
    signed_data(cms).signer_infos.0.as_slice()[0]
        .signature
        .as_bytes()
        .to_vec()
}

/// `cms` with `tokens` as the signer's signatureTimeStampToken values.
fn with_tokens(cms: &[u8], tokens: &[&[u8]]) -> Vec<u8> {
    let mut data = signed_data(cms);
    let mut signer_infos = data.signer_infos.0.as_slice().to_vec();
    let mut values = SetOfVec::new();
    for token in tokens {
        values.insert(Any::from_der(token).unwrap()).unwrap();
    }
    let mut attributes = SetOfVec::new();
    attributes
        .insert(Attribute {
            oid: timestamp_oids::SIGNATURE_TIME_STAMP_TOKEN,
            values,
        })
        .unwrap();
    signer_infos[0].unsigned_attrs = Some(attributes);
    data.signer_infos = SignerInfos(SetOfVec::try_from(signer_infos).unwrap());
    content_info(&data)
}

/// A CMS by `cert` claiming `signing_time`, timestamped by `tsa` over its
/// signature value.
fn timestamped(name: &str, cert: &DemoCert, signing_time: Timestamp, tsa: &str) -> Vec<u8> {
    let cms = sign_cms(CONTENT, &cert.cert, &cert.key, false, signing_time).unwrap();
    let token = openssl_token(name, tsa, &signature_value(&cms));
    with_tokens(&cms, &[&token])
}

fn timestamp_failure(cms: &[u8]) -> Failure {
    match verify(cms, &check(None)).unwrap_err() {
        Failure::Timestamp(inner) => *inner,
        other => panic!("expected a timestamp failure, got {other:?}"),
    }
}

#[test]
fn a_timestamp_gives_the_signing_time_over_the_signers_claim() {
    // The signer claims a time ten days ago; the TSA says now.
    let claimed = pki().now - SignedDuration::from_hours(240);
    let cms = timestamped("ts-good", &pki().signing_rsa, claimed, "tsa");
    let verified = verify(&cms, &check(None)).unwrap();
    let signer = &verified.signers[0];
    let timestamp = signer.timestamp.as_ref().expect("a timestamp report");
    assert_eq!(signer.signing_time, Some(timestamp.time));
    assert!(
        (timestamp.time - pki().now).abs() < SignedDuration::from_mins(10),
        "genTime {} is the tool's clock, near {}",
        timestamp.time,
        pki().now
    );
    assert_eq!(
        timestamp.tsa.subject.common_name.as_deref(),
        Some("QYZMET DEMO TSA")
    );
    assert_eq!(timestamp.chain.len(), 2);
    assert_eq!(timestamp.policy, TSA_POLICY);
    assert_eq!(timestamp.imprint_algorithm, "2.16.840.1.101.3.4.2.1");
    assert_eq!(verified.content, CONTENT);

    // A claim in the future fails alone, and not under a timestamp.
    let future = pki().now + SignedDuration::from_hours(1);
    let claim_only = sign_cms(
        CONTENT,
        &pki().signing_rsa.cert,
        &pki().signing_rsa.key,
        false,
        future,
    )
    .unwrap();
    assert!(matches!(
        verify(&claim_only, &check(None)),
        Err(Failure::SigningTimeInFuture { .. })
    ));
    let cms = timestamped("ts-future-claim", &pki().signing_ec, future, "tsa");
    let verified = verify(&cms, &check(None)).unwrap();
    assert!(verified.signers[0].signing_time.unwrap() <= pki().now + SignedDuration::from_mins(10));
    // Without a timestamp there is no report.
    let plain = verify(&sign(&pki().signing_rsa, false), &check(None)).unwrap();
    assert_eq!(plain.signers[0].timestamp, None);
}

#[test]
fn a_timestamp_over_another_signature_fails() {
    let cms = sign_cms(
        CONTENT,
        &pki().signing_rsa.cert,
        &pki().signing_rsa.key,
        false,
        pki().now,
    )
    .unwrap();
    let token = openssl_token("ts-other", "tsa", b"another signature value");
    let failure = timestamp_failure(&with_tokens(&cms, &[&token]));
    assert_eq!(failure, Failure::ContentMismatch);
    assert_eq!(Failure::Timestamp(Box::new(failure)).code(), "timestamp");
}

#[test]
fn a_timestamp_from_an_unknown_tsa_fails() {
    let cms = timestamped("ts-foreign", &pki().signing_rsa, pki().now, "foreign-tsa");
    assert_eq!(timestamp_failure(&cms), Failure::UnknownIssuer);
}

#[test]
fn a_changed_token_fails() {
    let cms = sign_cms(
        CONTENT,
        &pki().signing_rsa.cert,
        &pki().signing_rsa.key,
        false,
        pki().now,
    )
    .unwrap();
    let token = openssl_token("ts-changed", "tsa", &signature_value(&cms));
    // Another serial number in the TSTInfo: the TSA's signature no longer holds.
    let mut token_data = signed_data(&token);
    let tst_info_der = token_data
        .encap_content_info
        .econtent
        .as_ref()
        .unwrap()
        .value()
        .to_vec();
    let mut tst_info = x509_tsp::TstInfo::from_der(&tst_info_der).unwrap();
    tst_info.serial_number = der::asn1::Int::new(&[0x7f, 0x01]).unwrap();
    token_data.encap_content_info.econtent = Some(
        Any::encode_from(&der::asn1::OctetString::new(tst_info.to_der().unwrap()).unwrap())
            .unwrap(),
    );
    let changed = content_info(&token_data);
    assert_eq!(
        timestamp_failure(&with_tokens(&cms, &[&changed])),
        Failure::BadSignature
    );
    // Two tokens: refused rather than guessing which one counts.
    assert!(matches!(
        verify(&with_tokens(&cms, &[&token, &changed]), &check(None)),
        Err(Failure::Malformed(_))
    ));
    // Garbage as the token.
    assert!(matches!(
        timestamp_failure(&with_tokens(&cms, &[&[0x04, 0x01, 0x00]])),
        Failure::Malformed(_)
    ));
}

#[test]
fn a_token_signed_without_time_stamping_usage_fails() {
    let cms = sign_cms(
        CONTENT,
        &pki().signing_rsa.cert,
        &pki().signing_rsa.key,
        false,
        pki().now,
    )
    .unwrap();
    let token = openssl_token("ts-usage", "tsa", &signature_value(&cms));
    // The same TSTInfo, signed by a person's signing certificate with
    // `openssl cms`: a valid CMS signature, but not a TSA's.
    let tst_info = signed_data(&token)
        .encap_content_info
        .econtent
        .unwrap()
        .value()
        .to_vec();
    let tst_info_file = write_temp("ts-usage.tstinfo", &tst_info);
    let out = path("ts-usage.by-person");
    run(Command::new("openssl").args([
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-md",
        "sha256",
        "-econtent_type",
        "1.2.840.113549.1.9.16.1.4",
        "-in",
        &tst_info_file,
        "-signer",
        &path("signing-rsa.pem"),
        "-inkey",
        &path("signing-rsa.key.pem"),
        "-outform",
        "DER",
        "-out",
        &out,
    ]));
    let by_person = std::fs::read(out).unwrap();
    assert_eq!(
        timestamp_failure(&with_tokens(&cms, &[&by_person])),
        Failure::NotTsaCertificate
    );
}
