//! SMS through the HTTP adapter against the in-process provider simulator.

use qyzmet_notify::{Faults, HttpSmsConfig, HttpSmsSender, Sms, SmsSender, SmsSimulator};

fn sms(client_id: &str) -> Sms {
    Sms {
        client_id: client_id.to_owned(),
        to: "+77010000001".to_owned(),
        text: "Нәтиже дайын: № c1. /cabinet/cases/c1".to_owned(),
    }
}

#[test]
fn a_repeated_client_id_is_acknowledged_and_counted_once() {
    let sim = SmsSimulator::start(Faults::default()).expect("simulator");
    let sender = HttpSmsSender::new(HttpSmsConfig::new(&sim.send_url()));
    sender.send(&sms("c1:2")).expect("sent");
    sender.send(&sms("c1:2")).expect("acknowledged again");
    sender.send(&sms("c1:3")).expect("sent");
    let got = sim.messages();
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(got[0].client_id, "c1:2");
    assert_eq!(got[0].to, "+77010000001");
    assert_eq!(sim.stats().duplicates, 1);
    assert_eq!(sim.stats().requests, 3);
    // The list is also served over HTTP for out-of-process users.
    let body = ureq::get(&format!("{}/messages", sim.url()))
        .call()
        .expect("GET /messages")
        .body_mut()
        .read_to_string()
        .expect("body");
    assert!(body.contains("\"client_id\":\"c1:3\""), "{body}");
}

#[test]
fn outages_are_transient_and_bad_requests_permanent() {
    let sim = SmsSimulator::start(Faults {
        error_rate: 1.0,
        ..Faults::default()
    })
    .expect("simulator");
    let sender = HttpSmsSender::new(HttpSmsConfig::new(&sim.send_url()));
    let error = sender.send(&sms("c1:2")).expect_err("503");
    assert!(!error.permanent, "{error}");
    assert!(sim.messages().is_empty());
    sim.set_faults(Faults::default());
    sender.send(&sms("c1:2")).expect("healed");
    assert_eq!(sim.messages().len(), 1);

    let bad = HttpSmsSender::new(HttpSmsConfig::new(&format!("{}/nowhere", sim.url())));
    let error = bad.send(&sms("c1:9")).expect_err("404");
    assert!(error.permanent, "{error}");
}

#[test]
fn a_timeout_after_the_provider_kept_the_message_is_retried_without_a_second_copy() {
    let sim = SmsSimulator::start(Faults {
        timeout_rate: 1.0,
        timeout_delay_ms: 1_500,
        ..Faults::default()
    })
    .expect("simulator");
    let mut config = HttpSmsConfig::new(&sim.send_url());
    config.timeout_ms = 300;
    let sender = HttpSmsSender::new(config);
    let error = sender.send(&sms("c1:2")).expect_err("timeout");
    assert!(!error.permanent, "{error}");
    sim.set_faults(Faults::default());
    sender.send(&sms("c1:2")).expect("retry acknowledged");
    assert_eq!(sim.messages().len(), 1, "exactly one at the provider");
    assert_eq!(sim.stats().duplicates, 1);
}

#[test]
fn with_random_faults_every_message_arrives_once_after_retries() {
    let sim = SmsSimulator::start(Faults {
        error_rate: 0.3,
        timeout_rate: 0.2,
        timeout_delay_ms: 400,
        seed: 42,
    })
    .expect("simulator");
    let mut config = HttpSmsConfig::new(&sim.send_url());
    config.timeout_ms = 150;
    let sender = HttpSmsSender::new(config);
    for n in 0..30 {
        let id = format!("c{n}:2");
        let mut tries = 0;
        while sender.send(&sms(&id)).is_err() {
            tries += 1;
            assert!(tries < 50, "{id} never went through");
        }
    }
    let got = sim.messages();
    assert_eq!(got.len(), 30);
    let stats = sim.stats();
    assert!(stats.errors > 0 && stats.timeouts > 0, "{stats:?}");
}
