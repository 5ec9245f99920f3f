//! Drives the signer the way a page does: a WebSocket client sends NCALayer
//! requests; the returned CMS and XML signatures are verified with
//! `qyzmet_pki::Verifier` against the demo PKI.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::{SinkExt, StreamExt};
use jiff::Timestamp;
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use qyzmet_core::Iin;
use qyzmet_pki::{Check, DemoCert, DemoPki, Purpose, Verified, VerifiedXml, Verifier, demo_pki};
use qyzmet_signer::{Config, Limits, SigningKey, serve, tls};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

fn now() -> Timestamp {
    "2026-03-01T10:00:00Z".parse().unwrap()
}

fn demo() -> DemoPki {
    demo_pki(now()).unwrap()
}

/// A demo key, through a PKCS #12 file with password `demo` as `qyzmet pki
/// demo` writes them.
fn key_from_p12(cert: &DemoCert) -> SigningKey {
    let p12 = openssl::pkcs12::Pkcs12::builder()
        .name(cert.name)
        .pkey(&cert.key)
        .cert(&cert.cert)
        .build2("demo")
        .unwrap()
        .to_der()
        .unwrap();
    assert!(SigningKey::from_pkcs12(&p12, "wrong").is_err());
    SigningKey::from_pkcs12(&p12, "demo").unwrap()
}

/// The stand-in with the demo signing key only.
fn config(demo: &DemoPki, tls: Option<openssl::ssl::SslAcceptor>, limits: Limits) -> Config {
    config_with(vec![key_from_p12(&demo.signing_rsa)], tls, limits)
}

fn config_with(
    keys: Vec<SigningKey>,
    tls: Option<openssl::ssl::SslAcceptor>,
    limits: Limits,
) -> Config {
    // The signing time is a minute after the PKI's `now`, as a clock would give.
    let signing_time = now() + jiff::SignedDuration::from_mins(1);
    Config {
        keys,
        tls,
        limits,
        clock: Arc::new(move || signing_time),
    }
}

async fn start(config: Config) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, config));
    addr
}

async fn recv<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>) -> Value {
    let message = tokio::time::timeout(Duration::from_secs(20), ws.next())
        .await
        .expect("an answer in time")
        .expect("the connection is open")
        .expect("a message");
    match message {
        Message::Text(text) => serde_json::from_str(text.as_str()).unwrap(),
        other => panic!("expected a text message, got {other:?}"),
    }
}

async fn ask<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    text: String,
) -> Value {
    ws.send(Message::text(text)).await.unwrap();
    recv(ws).await
}

/// Connects with plain `ws://` and reads the greeting.
async fn connect_plain(
    addr: SocketAddr,
) -> WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>> {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/"))
        .await
        .unwrap();
    assert_eq!(recv(&mut ws).await, json!({"result": {"version": "1.4"}}));
    ws
}

fn basics_sign(data: &[u8], encapsulate: bool) -> Value {
    json!({
        "module": "kz.gov.pki.knca.basics",
        "method": "sign",
        "args": {
            "allowedStorages": ["PKCS12"],
            "format": "cms",
            "data": STANDARD.encode(data),
            "signingParams": {"decode": true, "encapsulate": encapsulate, "digested": false, "tsaProfile": {}},
            "signerParams": {"extKeyUsageOids": [], "chain": []},
            "locale": "kk"
        }
    })
}

fn verify(demo: &DemoPki, cms_base64: &str, detached_content: Option<&[u8]>) -> Verified {
    let cms = STANDARD.decode(cms_base64).unwrap();
    let mut check = Check::new(now() + jiff::SignedDuration::from_mins(2), Purpose::Signing);
    check.iin = Some(demo.people[0].iin);
    check.content = detached_content;
    Verifier::new(demo.trust_store())
        .verify_cms(&cms, &check, &demo.crl_cache())
        .unwrap()
}

fn verify_xml(demo: &DemoPki, xml: &str, purpose: Purpose) -> VerifiedXml {
    let check = Check::new(now() + jiff::SignedDuration::from_mins(2), purpose);
    Verifier::new(demo.trust_store())
        .verify_xml(xml.as_bytes(), &check, &demo.crl_cache())
        .unwrap_or_else(|failure| panic!("{failure}: {xml}"))
}

fn only_result(answer: &Value) -> &str {
    assert_eq!(answer["status"], json!(true), "{answer}");
    let result = answer["body"]["result"].as_array().unwrap();
    assert_eq!(result.len(), 1);
    result[0].as_str().unwrap()
}

const CONTENT: &[u8] = "Өтініш: мекенжай анықтамасы / заявление\n".as_bytes();

#[tokio::test]
async fn basics_sign_attached_verifies_with_the_iin() {
    let demo = demo();
    let addr = start(config(&demo, None, Limits::default())).await;
    let mut ws = connect_plain(addr).await;
    let answer = ask(&mut ws, basics_sign(CONTENT, true).to_string()).await;
    let verified = verify(&demo, only_result(&answer), None);
    assert!(!verified.detached);
    assert_eq!(verified.content, CONTENT);
    assert_eq!(
        verified.signers[0].signing_time,
        Some(now() + jiff::SignedDuration::from_mins(1))
    );
    // The certificate's IIN is the one the verifier was bound to.
    let key = key_from_p12(&demo.signing_rsa);
    assert_eq!(Iin::parse(&key.iin().unwrap()).unwrap(), demo.people[0].iin);
}

#[tokio::test]
async fn basics_sign_detached_needs_the_content() {
    let demo = demo();
    let addr = start(config(&demo, None, Limits::default())).await;
    let mut ws = connect_plain(addr).await;
    let answer = ask(&mut ws, basics_sign(CONTENT, false).to_string()).await;
    let cms = only_result(&answer).to_string();
    let verified = verify(&demo, &cms, Some(CONTENT));
    assert!(verified.detached);
    assert_eq!(verified.content, CONTENT);
    // Other content fails against the same signature.
    let der = STANDARD.decode(&cms).unwrap();
    let mut check = Check::new(now() + jiff::SignedDuration::from_mins(2), Purpose::Signing);
    check.content = Some(b"another text");
    assert!(
        Verifier::new(demo.trust_store())
            .verify_cms(&der, &check, &demo.crl_cache())
            .is_err()
    );
}

#[tokio::test]
async fn basics_sign_plain_text_and_several_items() {
    let demo = demo();
    let addr = start(config(&demo, None, Limits::default())).await;
    let mut ws = connect_plain(addr).await;
    // decode given as the string "false" (some pages send strings): data is signed as UTF-8.
    let request = json!({
        "module": "kz.gov.pki.knca.basics", "method": "sign",
        "args": {"format": "cms", "data": ["бірінші", "екінші"],
                 "signingParams": {"decode": "false", "encapsulate": "true"},
                 "signerParams": {"iin": demo.people[0].iin.to_string()}}
    });
    let answer = ask(&mut ws, request.to_string()).await;
    assert_eq!(answer["status"], json!(true), "{answer}");
    let result = answer["body"]["result"].as_array().unwrap();
    assert_eq!(result.len(), 2);
    assert_eq!(
        verify(&demo, result[0].as_str().unwrap(), None).content,
        "бірінші".as_bytes()
    );
    assert_eq!(
        verify(&demo, result[1].as_str().unwrap(), None).content,
        "екінші".as_bytes()
    );
    // Another person's IIN: NCALayer would find no key.
    let request = json!({
        "module": "kz.gov.pki.knca.basics", "method": "sign",
        "args": {"format": "cms", "data": "eA==", "signingParams": {"decode": true},
                 "signerParams": {"iin": demo.people[1].iin.to_string()}}
    });
    let answer = ask(&mut ws, request.to_string()).await;
    assert_eq!(answer["status"], json!(false), "{answer}");
}

#[tokio::test]
async fn legacy_common_utils_forms() {
    let demo = demo();
    let addr = start(config(&demo, None, Limits::default())).await;
    let mut ws = connect_plain(addr).await;
    for attached in [true, false] {
        let request = json!({
            "module": "kz.gov.pki.knca.commonUtils",
            "method": "createCMSSignatureFromBase64",
            "args": ["PKCS12", "SIGNATURE", STANDARD.encode(CONTENT), attached]
        });
        let answer = ask(&mut ws, request.to_string()).await;
        assert_eq!(answer["code"], json!("200"), "{answer}");
        let cms = answer["responseObject"].as_str().unwrap();
        let verified = verify(&demo, cms, (!attached).then_some(CONTENT));
        assert_eq!(verified.detached, !attached);
        assert_eq!(verified.content, CONTENT);
    }
}

const XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
    <application xmlns=\"urn:qyzmet\" service=\"address\"><applicant>Өтініш беруші</applicant></application>\n";
/// `XML`'s canonical form, which `verify_xml` returns as the signed content.
const XML_CANONICAL: &str = "<application xmlns=\"urn:qyzmet\" service=\"address\">\
    <applicant>Өтініш беруші</applicant></application>";

#[tokio::test]
async fn xml_through_common_utils_and_basics() {
    let demo = demo();
    let addr = start(config(&demo, None, Limits::default())).await;
    let mut ws = connect_plain(addr).await;
    // commonUtils.signXml: the signed document is the response object.
    let request = json!({
        "module": "kz.gov.pki.knca.commonUtils", "method": "signXml",
        "args": ["PKCS12", "SIGNATURE", XML, "", ""]
    });
    let answer = ask(&mut ws, request.to_string()).await;
    assert_eq!(answer["code"], json!("200"), "{answer}");
    let signed = answer["responseObject"].as_str().unwrap();
    assert!(
        signed.starts_with("<?xml"),
        "the document is kept: {signed}"
    );
    let verified = verify_xml(&demo, signed, Purpose::Signing);
    assert_eq!(verified.content, XML_CANONICAL.as_bytes());
    assert_eq!(
        verified.signer.certificate.subject.iin,
        Some(demo.people[0].iin)
    );
    // commonUtils.signXmls: one signed document per input.
    let request = json!({
        "module": "kz.gov.pki.knca.commonUtils", "method": "signXmls",
        "args": ["PKCS12", "SIGNATURE", [XML, "<b>екінші</b>"], "", ""]
    });
    let answer = ask(&mut ws, request.to_string()).await;
    assert_eq!(answer["code"], json!("200"), "{answer}");
    let documents = answer["responseObject"].as_array().unwrap();
    assert_eq!(documents.len(), 2);
    assert_eq!(
        verify_xml(&demo, documents[1].as_str().unwrap(), Purpose::Signing).content,
        "<b>екінші</b>".as_bytes()
    );
    // basics.sign with format "xml": the XML text, or base64 of it with decode.
    for decode in [false, true] {
        let data = if decode {
            STANDARD.encode(XML)
        } else {
            XML.to_string()
        };
        let request = json!({
            "module": "kz.gov.pki.knca.basics", "method": "sign",
            "args": {"allowedStorages": null, "format": "xml", "data": data,
                     "signingParams": {"decode": decode},
                     "signerParams": {"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4"],
                                      "iin": demo.people[0].iin.to_string()},
                     "locale": "ru"}
        });
        let answer = ask(&mut ws, request.to_string()).await;
        let verified = verify_xml(&demo, only_result(&answer), Purpose::Signing);
        assert_eq!(verified.content, XML_CANONICAL.as_bytes());
    }
    // Refused: XPaths (only whole documents), not XML, an already signed document.
    for (args, why) in [
        (
            json!(["PKCS12", "SIGNATURE", XML, "/application", ""]),
            "XPath",
        ),
        (json!(["PKCS12", "SIGNATURE", "not xml", "", ""]), "XML"),
        (json!(["PKCS12", "SIGNATURE", signed, "", ""]), "signed"),
        (json!(["PKCS12", "SIGNATURE", 5]), "XML document"),
    ] {
        let request = json!({
            "module": "kz.gov.pki.knca.commonUtils", "method": "signXml", "args": args
        });
        let answer = ask(&mut ws, request.to_string()).await;
        assert_eq!(answer["code"], json!("500"), "{answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(why),
            "{why}: {answer}"
        );
    }
}

/// The stand-in with several keys: the demo person's authentication key
/// first, then the organisation's signing key, then the person's signing
/// keys (ECDSA, then RSA).
#[tokio::test]
async fn several_keys_the_first_matching_one_signs() {
    let demo = demo();
    let keys = vec![
        key_from_p12(&demo.authentication),
        key_from_p12(&demo.organisation),
        key_from_p12(&demo.signing_ec),
        key_from_p12(&demo.signing_rsa),
    ];
    let addr = start(config_with(keys, None, Limits::default())).await;
    let mut ws = connect_plain(addr).await;
    let person = demo.people[0].iin.to_string();
    let employee = demo.people[1].iin.to_string();
    let bin = demo.organisation_bin.to_string();
    let basics = |signer_params: Value| {
        json!({
            "module": "kz.gov.pki.knca.basics", "method": "sign",
            "args": {"format": "cms", "data": STANDARD.encode(CONTENT),
                     "signingParams": {"decode": true, "encapsulate": true},
                     "signerParams": signer_params}
        })
        .to_string()
    };
    // Which certificate signed: by its serial, compared with the demo's.
    // The verifier shows the serial's DER content bytes, which have a
    // leading zero byte when the first bit of the number is set (random
    // serials: half of the runs); OpenSSL's BIGNUM bytes do not.
    let serial = |cert: &DemoCert| {
        let mut serial = cert.cert.serial_number().to_bn().unwrap().to_vec();
        if serial.first().is_some_and(|b| *b >= 0x80) {
            serial.insert(0, 0);
        }
        serial
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let signer_of = |cms: &str, purpose: Purpose| {
        let der = STANDARD.decode(cms).unwrap();
        let check = Check::new(now() + jiff::SignedDuration::from_mins(2), purpose);
        Verifier::new(demo.trust_store())
            .verify_cms(&der, &check, &demo.crl_cache())
            .unwrap()
            .signers[0]
            .certificate
            .serial_hex
            .clone()
    };

    // basics.sign signs with a signing key: not the authentication key that
    // comes first; with no filter the organisation's (the first signing key).
    let answer = ask(&mut ws, basics(json!({"extKeyUsageOids": []}))).await;
    assert_eq!(
        signer_of(only_result(&answer), Purpose::Signing),
        serial(&demo.organisation)
    );
    // The person's IIN: their first signing key, the ECDSA one.
    let answer = ask(&mut ws, basics(json!({"iin": person}))).await;
    assert_eq!(
        signer_of(only_result(&answer), Purpose::Signing),
        serial(&demo.signing_ec)
    );
    // The BIN, and IIN + BIN of the employee: the organisation's key.
    let answer = ask(&mut ws, basics(json!({"bin": bin}))).await;
    assert_eq!(
        signer_of(only_result(&answer), Purpose::Signing),
        serial(&demo.organisation)
    );
    let answer = ask(&mut ws, basics(json!({"iin": employee, "bin": bin}))).await;
    assert_eq!(
        signer_of(only_result(&answer), Purpose::Signing),
        serial(&demo.organisation)
    );
    // extKeyUsageOids clientAuth (a sign-in challenge): the authentication key.
    let answer = ask(
        &mut ws,
        basics(json!({"extKeyUsageOids": ["1.3.6.1.5.5.7.3.2"], "iin": person})),
    )
    .await;
    assert_eq!(
        signer_of(only_result(&answer), Purpose::Authentication),
        serial(&demo.authentication)
    );
    // No match: the person with the organisation's BIN; another person.
    for params in [
        json!({"iin": person, "bin": bin}),
        json!({"iin": demo.people[3].iin.to_string()}),
        json!({"extKeyUsageOids": ["1.3.6.1.5.5.7.3.2"], "bin": bin}),
    ] {
        let answer = ask(&mut ws, basics(params.clone())).await;
        assert_eq!(answer["status"], json!(false), "{params}: {answer}");
        assert_eq!(answer["code"], json!("500"), "{answer}");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .starts_with("no key matches the request"),
            "{answer}"
        );
    }

    // commonUtils: the key type chooses.
    let common = |key_type: &str| {
        json!({
            "module": "kz.gov.pki.knca.commonUtils",
            "method": "createCMSSignatureFromBase64",
            "args": ["PKCS12", key_type, STANDARD.encode(CONTENT), true]
        })
        .to_string()
    };
    for (key_type, purpose, expected) in [
        ("SIGNATURE", Purpose::Signing, &demo.organisation),
        ("SIGN", Purpose::Signing, &demo.organisation),
        (
            "AUTHENTICATION",
            Purpose::Authentication,
            &demo.authentication,
        ),
        ("AUTH", Purpose::Authentication, &demo.authentication),
    ] {
        let answer = ask(&mut ws, common(key_type)).await;
        assert_eq!(answer["code"], json!("200"), "{key_type}: {answer}");
        let cms = answer["responseObject"].as_str().unwrap();
        assert_eq!(signer_of(cms, purpose), serial(expected), "{key_type}");
    }
    let answer = ask(&mut ws, common("OTHER")).await;
    assert_eq!(answer["code"], json!("500"), "{answer}");
    // signXml with an authentication key verifies for authentication.
    let request = json!({
        "module": "kz.gov.pki.knca.commonUtils", "method": "signXml",
        "args": ["PKCS12", "AUTHENTICATION", XML, "", ""]
    });
    let answer = ask(&mut ws, request.to_string()).await;
    let verified = verify_xml(
        &demo,
        answer["responseObject"].as_str().unwrap(),
        Purpose::Authentication,
    );
    assert_eq!(
        verified.signer.certificate.serial_hex,
        serial(&demo.authentication)
    );
}

#[tokio::test]
async fn only_an_authentication_key_means_no_signing_key() {
    let demo = demo();
    let keys = vec![key_from_p12(&demo.authentication)];
    let addr = start(config_with(keys, None, Limits::default())).await;
    let mut ws = connect_plain(addr).await;
    let answer = ask(&mut ws, basics_sign(CONTENT, true).to_string()).await;
    assert_eq!(answer["status"], json!(false), "{answer}");
    let request = json!({
        "module": "kz.gov.pki.knca.commonUtils", "method": "signXml",
        "args": ["PKCS12", "SIGNATURE", XML, "", ""]
    });
    let answer = ask(&mut ws, request.to_string()).await;
    assert_eq!(answer["code"], json!("500"), "{answer}");
}

#[tokio::test]
async fn bad_requests_get_error_objects_and_the_connection_stays_usable() {
    let demo = demo();
    let limits = Limits {
        message_bytes_max: 64 << 10,
        hard_message_bytes_max: 256 << 10,
        ..Limits::default()
    };
    let addr = start(config(&demo, None, limits)).await;
    let mut ws = connect_plain(addr).await;
    let bad: Vec<String> = vec![
        "{not json".into(),
        "[1,2,3]".into(),
        "\"text\"".into(),
        json!({"module": "kz.gov.pki.knca.nothing", "method": "sign", "args": {}}).to_string(),
        json!({"module": "kz.gov.pki.knca.basics", "method": "nothing", "args": {}}).to_string(),
        json!({"module": "kz.gov.pki.knca.commonUtils", "method": "nothing", "args": []})
            .to_string(),
        json!({"module": "kz.gov.pki.knca.basics", "method": "sign", "args": {"data": 5}})
            .to_string(),
        json!({"module": "kz.gov.pki.knca.basics", "method": "sign",
               "args": {"data": "%%%", "signingParams": {"decode": true}}})
        .to_string(),
        json!({"module": "kz.gov.pki.knca.basics", "method": "sign",
               "args": {"data": "eA==", "allowedStorages": ["AKKaztokenStore"]}})
        .to_string(),
        json!({"module": "kz.gov.pki.knca.basics", "method": "sign",
               "args": {"data": "eA==", "signingParams": {"digested": true}}})
        .to_string(),
        json!({"module": "kz.gov.pki.knca.commonUtils", "method": "createCMSSignatureFromBase64",
               "args": ["PKCS12", "SIGNATURE"]})
        .to_string(),
        // Over the soft limit: answered, not read as a request.
        basics_sign(&vec![b'a'; 100 << 10], true).to_string(),
    ];
    for request in bad {
        let answer = ask(&mut ws, request.clone()).await;
        let failed = answer["status"] == json!(false) || answer["code"] == json!("500");
        assert!(
            failed,
            "{answer} for {}",
            &request[..request.len().min(200)]
        );
        assert!(
            answer["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{answer}"
        );
    }
    // Oversize says so.
    let answer = ask(
        &mut ws,
        basics_sign(&vec![b'a'; 100 << 10], true).to_string(),
    )
    .await;
    assert!(
        answer["message"].as_str().unwrap().contains("too large"),
        "{answer}"
    );
    // Binary frames are answered too; the heartbeat is not.
    ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    assert_eq!(recv(&mut ws).await["status"], json!(false));
    ws.send(Message::text("--heartbeat--")).await.unwrap();
    // Still usable: the next answer is the signature, not a heartbeat reply.
    let answer = ask(&mut ws, basics_sign(CONTENT, true).to_string()).await;
    assert_eq!(verify(&demo, only_result(&answer), None).content, CONTENT);

    // Over the hard limit the connection is closed without reading the message.
    let huge = basics_sign(&vec![b'a'; 300 << 10], true).to_string();
    let _ = ws.send(Message::text(huge)).await;
    let next = tokio::time::timeout(Duration::from_secs(20), ws.next())
        .await
        .unwrap();
    assert!(
        !matches!(next, Some(Ok(Message::Text(_)))),
        "the connection should close, got {next:?}"
    );
    // The server still serves new connections.
    let mut ws = connect_plain(addr).await;
    let answer = ask(&mut ws, basics_sign(CONTENT, true).to_string()).await;
    assert_eq!(verify(&demo, only_result(&answer), None).content, CONTENT);
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_slot() {
    let demo = demo();
    let limits = Limits {
        connections_max: 1,
        ..Limits::default()
    };
    let addr = start(config(&demo, None, limits)).await;
    let first = connect_plain(addr).await;
    // The second connection's handshake is not served while the first is open.
    let second = tokio::time::timeout(
        Duration::from_millis(500),
        tokio_tungstenite::connect_async(format!("ws://{addr}/")),
    )
    .await;
    assert!(second.is_err(), "a second connection was served");
    drop(first);
    let mut ws = connect_plain(addr).await;
    let answer = ask(&mut ws, basics_sign(CONTENT, true).to_string()).await;
    assert_eq!(verify(&demo, only_result(&answer), None).content, CONTENT);
}

#[tokio::test]
async fn wss_with_a_generated_localhost_certificate() {
    let demo = demo();
    let (cert, key) = tls::self_signed_localhost(now()).unwrap();
    let fingerprint = tls::fingerprint_sha256(&cert).unwrap();
    assert_eq!(fingerprint.len(), 32 * 3 - 1);
    let acceptor = tls::acceptor(&cert, &key).unwrap();
    let addr = start(config(&demo, Some(acceptor), Limits::default())).await;

    // A client that trusts only this certificate and checks the host name.
    let connector = |trusted: &X509| {
        let mut builder = SslConnector::builder(SslMethod::tls_client()).unwrap();
        builder.cert_store_mut().add_cert(trusted.clone()).unwrap();
        builder.set_verify(SslVerifyMode::PEER);
        builder.build()
    };
    let ssl = connector(&cert)
        .configure()
        .unwrap()
        .into_ssl("localhost")
        .unwrap();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut stream = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
    std::pin::Pin::new(&mut stream).connect().await.unwrap();
    let (mut ws, _) =
        tokio_tungstenite::client_async(format!("wss://localhost:{}/", addr.port()), stream)
            .await
            .unwrap();
    assert_eq!(recv(&mut ws).await, json!({"result": {"version": "1.4"}}));
    let answer = ask(&mut ws, basics_sign(CONTENT, true).to_string()).await;
    assert_eq!(verify(&demo, only_result(&answer), None).content, CONTENT);

    // A client that trusts another certificate refuses the server.
    let (other, _) = tls::self_signed_localhost(now()).unwrap();
    let ssl = connector(&other)
        .configure()
        .unwrap()
        .into_ssl("localhost")
        .unwrap();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut stream = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
    assert!(std::pin::Pin::new(&mut stream).connect().await.is_err());
}
