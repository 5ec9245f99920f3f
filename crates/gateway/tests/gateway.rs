//! The client against the simulator, over real HTTP on loopback: every
//! adapter, every fault, the messages validated against the gateway's XSDs
//! (`xmllint --schema`) and the request signatures checked by `xmlsec1`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use qyzmet_gateway::sim::{self, Dataset, FaultConfig, SimConfig, SimHandle};
use qyzmet_gateway::soap::SOAP_NAMESPACE;
use qyzmet_gateway::{
    Answer, Call, CallError, Client, ClientConfig, Exchange, FaultKind, Gateway, System, message_id,
};
use serde_json::{Value, json};

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/shep-v10")
}

fn start(dataset: Dataset) -> SimHandle {
    sim::start(SimConfig {
        dataset,
        ..SimConfig::default()
    })
    .unwrap()
}

fn client(sim: &SimHandle, timeout: Duration) -> Client {
    Client::new(ClientConfig {
        timeout,
        ..ClientConfig::for_simulator(&sim.url())
    })
    .unwrap()
}

fn call(
    gateway: &Client,
    request_id: &str,
    system: System,
    payload: Value,
    attempt: u32,
) -> Result<qyzmet_gateway::Reply, CallError> {
    let id = message_id(request_id);
    gateway.call(&Call {
        request_id,
        message_id: &id,
        system,
        payload: &payload,
        attempt,
    })
}

/// A schema xmllint can compile from the published files: libxml2 reads
/// one schema document per imported namespace, and the published files
/// import the common types piecewise, so this driver includes every file of
/// a namespace once (the files' own imports are then skipped).
fn driver_schema(dir: &Path) -> PathBuf {
    let root = schema_dir();
    let common = root.join("common/v10/Types");
    let mut includes = String::new();
    let mut files: Vec<_> = std::fs::read_dir(&common)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        includes.push_str(&format!(
            "<xsd:include schemaLocation=\"{}\"/>",
            file.display()
        ));
    }
    let common_all = dir.join("common-all.xsd");
    std::fs::write(
        &common_all,
        format!("<xsd:schema targetNamespace=\"http://bip.bee.kz/common/v10/Types\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">{includes}</xsd:schema>"),
    )
    .unwrap();
    let types = root.join("SyncChannel/v10/Types");
    let driver = dir.join("driver.xsd");
    std::fs::write(
        &driver,
        format!(
            "<xsd:schema targetNamespace=\"http://bip.bee.kz/SyncChannel/v10/Types\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\
             <xsd:import namespace=\"http://bip.bee.kz/common/v10/Types\" schemaLocation=\"{}\"/>\
             <xsd:include schemaLocation=\"{}\"/><xsd:include schemaLocation=\"{}\"/><xsd:include schemaLocation=\"{}\"/>\
             </xsd:schema>",
            common_all.display(),
            types.join("SyncMessageInfo.xsd").display(),
            types.join("SyncMessageInfoResponse.xsd").display(),
            types.join("ISyncChannel.xsd").display(),
        ),
    )
    .unwrap();
    driver
}

/// The element inside `soap:Body` (or the ErrorInfo inside a fault's
/// detail) validated against ISyncChannel.xsd with xmllint.
fn validate_envelope(text: &str, dir: &Path, name: &str) -> Result<(), String> {
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
    let body = doc
        .root_element()
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "Body")
        .unwrap();
    let mut content = body.children().find(|n| n.is_element()).unwrap();
    if content.tag_name().namespace() == Some(SOAP_NAMESPACE) {
        // A fault: the ErrorInfo element in detail.
        content = content
            .descendants()
            .find(|n| n.tag_name().name() == "SendMessageFault1_SendMessageFault")
            .unwrap();
    }
    let file = dir.join(format!("{name}.xml"));
    std::fs::write(&file, &text[content.range()]).unwrap();
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(driver_schema(dir))
        .arg(&file)
        .output()
        .expect("xmllint is installed (libxml2-utils; .ci/run installs it)");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{name} does not validate: {}\n{}",
            String::from_utf8_lossy(&output.stderr),
            &text[content.range()]
        ))
    }
}

fn assert_valid_envelope(text: &str, dir: &Path, name: &str) {
    if let Err(error) = validate_envelope(text, dir, name) {
        panic!("{error}");
    }
}

fn assert_exchange_valid(exchange: &Exchange, dir: &Path, name: &str) {
    assert_valid_envelope(
        exchange.request.as_deref().unwrap(),
        dir,
        &format!("{name}-request"),
    );
    assert_valid_envelope(
        exchange.response.as_deref().unwrap(),
        dir,
        &format!("{name}-response"),
    );
    assert!(
        exchange
            .request
            .as_deref()
            .unwrap()
            .contains("<password>***</password>"),
        "the password is masked in what is kept"
    );
}

/// The payload of `requestData/data` checked by xmlsec1 against the demo
/// trust the simulator hands out.
fn assert_xmlsec1_verifies(sim: &SimHandle, envelope: &str, dir: &Path) {
    let doc = roxmltree::Document::parse(envelope).unwrap();
    let data = doc
        .descendants()
        .find(|n| n.tag_name().name() == "data")
        .unwrap();
    let payload = data.children().find(|n| n.is_element()).unwrap();
    let file = dir.join("payload.xml");
    std::fs::write(&file, &envelope[payload.range()]).unwrap();
    let export: Value = serde_json::from_str(
        &ureq::get(&format!("{}/sim/demo-keys", sim.url()))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap(),
    )
    .unwrap();
    let root = dir.join("root.pem");
    let issuing = dir.join("issuing.pem");
    std::fs::write(&root, export["root_pem"].as_str().unwrap()).unwrap();
    std::fs::write(&issuing, export["issuing_pem"].as_str().unwrap()).unwrap();
    let verify = |file: &Path| {
        Command::new("xmlsec1")
            .arg("--verify")
            .arg("--trusted-pem")
            .arg(&root)
            .arg("--untrusted-pem")
            .arg(&issuing)
            .arg(file)
            .output()
            .expect("xmlsec1 is installed (Debian package xmlsec1; .ci/run installs it)")
    };
    let output = verify(&file);
    assert!(
        output.status.success(),
        "xmlsec1: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // And xmlsec1 can fail: an altered payload does not verify.
    let altered = dir.join("altered.xml");
    std::fs::write(
        &altered,
        envelope[payload.range()].replacen("<iin>", "<iin>1", 1),
    )
    .unwrap();
    assert!(!verify(&altered).status.success());
}

#[test]
fn every_adapter_against_the_simulator() {
    let dataset = Dataset::demo();
    let sim = start(dataset.clone());
    let gateway = client(&sim, Duration::from_secs(10));
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let alive = dataset.person_iins();
    let someone = &alive[0];

    // Person database: found, with the record; not found.
    let found = call(
        &gateway,
        "K1/q1",
        System::PersonDatabase,
        json!({"iin": someone}),
        0,
    )
    .unwrap();
    assert_eq!(found.answer, Answer::Found);
    assert_eq!(found.data["surname"], "САРСЕНОВА");
    assert_eq!(found.data["region"], "west-kazakhstan");
    assert_exchange_valid(&found.exchange, dir, "person");
    assert_xmlsec1_verifies(&sim, found.exchange.request.as_deref().unwrap(), dir);
    // The validation can fail: a request without its serviceId.
    let request = found.exchange.request.as_deref().unwrap();
    let start = request.find("<serviceId>").unwrap();
    let end = request.find("</serviceId>").unwrap() + "</serviceId>".len();
    let broken = format!("{}{}", &request[..start], &request[end..]);
    assert!(validate_envelope(&broken, dir, "broken").is_err());
    let missing = call(
        &gateway,
        "K1/q2",
        System::PersonDatabase,
        json!({"iin": "000101500001"}),
        0,
    )
    .unwrap();
    assert_eq!(
        (missing.answer, missing.data.clone()),
        (Answer::NotFound, Value::Null)
    );

    // Notary: valid, revoked, expired, not found.
    let powers = &dataset.powers_of_attorney;
    let answer_for = |index: usize, id: &str| {
        let power = &powers[index];
        call(
            &gateway,
            id,
            System::Notary,
            json!({"principal_iin": power.principal_iin, "representative_iin": power.representative_iin, "number": null}),
            0,
        )
        .unwrap()
    };
    let valid = answer_for(0, "K2/q1");
    assert_eq!(valid.answer, Answer::Valid);
    assert_eq!(valid.data["number"], powers[0].number.as_str());
    assert_exchange_valid(&valid.exchange, dir, "notary");
    assert_eq!(answer_for(1, "K2/q2").answer, Answer::Revoked);
    assert_eq!(answer_for(2, "K2/q3").answer, Answer::Expired);
    let stranger = call(
        &gateway,
        "K2/q4",
        System::Notary,
        json!({"principal_iin": someone, "representative_iin": alive[1]}),
        0,
    )
    .unwrap();
    assert_eq!(stranger.answer, Answer::NotFound);

    // Labour market: delivery; unemployment record.
    let delivered = call(
        &gateway,
        "K3/q1",
        System::LabourMarket,
        json!({"case_id": "K3", "service_id": "wko/registration", "iin": someone, "kind": "registration"}),
        0,
    )
    .unwrap();
    assert_eq!(delivered.answer, Answer::Delivered);
    assert!(
        delivered.data["registration_number"]
            .as_str()
            .unwrap()
            .starts_with("EN-")
    );
    let registered = call(
        &gateway,
        "K3/q2",
        System::UnemploymentRecord,
        json!({"iin": someone}),
        0,
    )
    .unwrap();
    assert_eq!(registered.answer, Answer::Registered);
    let not_registered_iin = dataset
        .person_iins()
        .into_iter()
        .find(|iin| !dataset.unemployed.iter().any(|r| &r.iin == iin))
        .unwrap();
    let not_registered = call(
        &gateway,
        "K3/q3",
        System::UnemploymentRecord,
        json!({"iin": not_registered_iin}),
        0,
    )
    .unwrap();
    assert_eq!(not_registered.answer, Answer::NotRegistered);
    assert_exchange_valid(&not_registered.exchange, dir, "unemployment");

    // Payment: to a control account; a retry finds the order instead of
    // making a second one; the statement and a recall.
    let order = json!({"case_id": "K4", "iin": someone, "amount_tiyn": 2_500_000, "account": null, "control_account": true});
    let paid = call(&gateway, "K4/q1", System::Payment, order.clone(), 0).unwrap();
    assert_eq!(paid.answer, Answer::Accepted);
    assert_eq!(paid.data["control_account"], true);
    assert_eq!(paid.data["status"], "accepted_control_account");
    let order_id = paid.data["order_id"].as_str().unwrap().to_string();
    let again = call(&gateway, "K4/q1", System::Payment, order.clone(), 1).unwrap();
    assert_eq!(again.data["order_id"], order_id.as_str());
    assert_eq!(
        again.exchange.service_id,
        qyzmet_gateway::service::PAYMENT_STATUS
    );
    let resent = call(&gateway, "K4/q1", System::Payment, order, 0).unwrap();
    assert_eq!(
        resent.data["order_id"],
        order_id.as_str(),
        "deduplicated by messageId"
    );
    let stats = sim.stats();
    assert_eq!(stats.payment_orders.len(), 1);
    assert_eq!(stats.payment_orders[0].count, 1);
    assert!(stats.deduplicated >= 1);
    let no_account = call(
        &gateway,
        "K4/q2",
        System::Payment,
        json!({"case_id": "K5", "iin": someone, "amount_tiyn": 100, "control_account": false}),
        0,
    )
    .unwrap();
    assert_eq!(
        no_account.answer,
        Answer::Refused,
        "INVALID_REQUEST is a refusal"
    );
    assert!(no_account.exchange.status.starts_with("refused "));
    assert_valid_envelope(
        no_account.exchange.response.as_deref().unwrap(),
        dir,
        "refusal",
    );
    let today = qyzmet_gateway::kazakhstan_day(jiff::Timestamp::now());
    let (statement, exchange) = gateway.statement(&today).unwrap();
    assert_eq!(statement.entries.len(), 1);
    assert_eq!(statement.entries[0].message_id, message_id("K4/q1"));
    assert_exchange_valid(&exchange, dir, "statement");
    let (recall, _) = gateway
        .payment_recall(&order_id, "decision cancelled")
        .unwrap();
    assert!(recall.recalled);
    let (status, _) = gateway.payment_status(&message_id("K4/q1")).unwrap();
    assert_eq!(status.status.as_deref(), Some("recalled"));

    // Regional gateway: ON_DELIVERY first, then DELIVERED.
    let package = json!({"case_id": "K6", "provider_id": "wko-uralsk", "service_id": "s", "package_sha256": null});
    let pending = call(
        &gateway,
        "K6/q1",
        System::RegionalGateway,
        package.clone(),
        0,
    )
    .unwrap_err();
    assert_eq!(pending.kind, FaultKind::Pending);
    assert_exchange_valid(&pending.exchange, dir, "delivery");
    let polled = call(
        &gateway,
        "K6/q1",
        System::RegionalGateway,
        package.clone(),
        1,
    )
    .unwrap_err();
    assert_eq!(
        polled.kind,
        FaultKind::Pending,
        "one poll stays ON_DELIVERY"
    );
    let done = call(
        &gateway,
        "K6/q1",
        System::RegionalGateway,
        package.clone(),
        2,
    )
    .unwrap();
    assert_eq!(done.answer, Answer::Delivered);
    // A status query for a message that never arrived sends it.
    let first = call(&gateway, "K6/q2", System::RegionalGateway, package, 1).unwrap_err();
    assert_eq!(first.kind, FaultKind::Pending);
    assert_eq!(first.exchange.service_id, qyzmet_gateway::service::DELIVERY);
}

#[test]
fn every_fault_is_named_and_a_late_answer_makes_no_second_order() {
    let dataset = Dataset::demo();
    let sim = start(dataset.clone());
    let gateway = client(&sim, Duration::from_millis(500));
    let iin = dataset.person_iins()[0].clone();
    let only = |faults: FaultConfig| {
        sim.set_faults(FaultConfig {
            hang: Duration::from_secs(3),
            ..faults
        })
    };
    let person = |id: &str| call(&gateway, id, System::PersonDatabase, json!({"iin": iin}), 0);

    only(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::default()
    });
    assert_eq!(person("F/q1").unwrap_err().kind, FaultKind::Http(503));
    only(FaultConfig {
        fault_rate: 1.0,
        ..FaultConfig::default()
    });
    let fault = person("F/q2").unwrap_err();
    assert_eq!(fault.kind, FaultKind::Fault("SYSTEM_ERROR".into()));
    assert!(!fault.is_refusal());
    only(FaultConfig {
        malformed_rate: 1.0,
        ..FaultConfig::default()
    });
    assert_eq!(person("F/q3").unwrap_err().kind, FaultKind::Malformed);
    only(FaultConfig {
        bad_signature_rate: 1.0,
        ..FaultConfig::default()
    });
    let bad = person("F/q4").unwrap_err();
    assert_eq!(bad.kind, FaultKind::BadSignature, "{}", bad.detail);

    // A timeout after the centre made the order: the retry asks first and
    // finds it.
    only(FaultConfig {
        timeout_rate: 1.0,
        ..FaultConfig::default()
    });
    let order = json!({"case_id": "F1", "iin": iin, "amount_tiyn": 1000, "account": "KZ000000000000000001", "control_account": false});
    let timed_out = call(&gateway, "F1/q1", System::Payment, order.clone(), 0).unwrap_err();
    assert_eq!(timed_out.kind, FaultKind::Timeout);
    only(FaultConfig::default());
    let retried = call(&gateway, "F1/q1", System::Payment, order, 1).unwrap();
    assert_eq!(retried.answer, Answer::Accepted);
    let stats = sim.stats();
    assert_eq!(
        stats
            .payment_orders
            .iter()
            .find(|o| o.case_id == "F1")
            .map(|o| o.count),
        Some(1)
    );
    for kind in ["error", "fault", "malformed", "bad_signature", "timeout"] {
        assert_eq!(
            stats.faults.get(kind),
            Some(&1),
            "{kind}: {:?}",
            stats.faults
        );
    }

    // Nobody listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nowhere = Client::new(ClientConfig {
        url: format!("http://127.0.0.1:{port}"),
        keys: qyzmet_gateway::KeySource::Keys(sim.client_keys().unwrap()),
        ..ClientConfig::for_simulator("unused")
    })
    .unwrap();
    let refused = call(
        &nowhere,
        "F/q9",
        System::PersonDatabase,
        json!({"iin": iin}),
        0,
    )
    .unwrap_err();
    assert_eq!(refused.kind, FaultKind::Connect);
}

#[test]
fn the_simulator_refuses_unsigned_and_foreign_requests() {
    let sim = start(Dataset::demo());
    // A request signed with keys the simulator does not trust.
    let foreign = qyzmet_gateway::DemoKeys::generate(jiff::Timestamp::now()).unwrap();
    let stranger = Client::new(ClientConfig {
        keys: qyzmet_gateway::KeySource::Keys(foreign.client),
        ..ClientConfig::for_simulator(&sim.url())
    })
    .unwrap();
    let error = call(
        &stranger,
        "S/q1",
        System::PersonDatabase,
        json!({"iin": "900315400126"}),
        0,
    )
    .unwrap_err();
    assert_eq!(error.kind, FaultKind::Fault("SIGNATURE_INVALID".into()));
    // Plain garbage gets a SOAP fault, not a crash.
    let mut response = ureq::post(&sim.url())
        .config()
        .http_status_as_error(false)
        .build()
        .send("<not-soap/>")
        .unwrap();
    assert_eq!(response.status(), 500);
    let body = response.body_mut().read_to_string().unwrap();
    assert!(body.contains("INVALID_MESSAGE"), "{body}");
}
