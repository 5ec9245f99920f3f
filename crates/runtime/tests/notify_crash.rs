//! Crash test: a worker delivering notifications to a real SMTP sink
//! (aiosmtpd) is SIGKILLed between the server's `250` and the commit that
//! records it (the fault point `QYZMET_FAULT_AFTER_SEND`), again and again,
//! then runs to the end. At the sink: every notification arrived (no
//! loss), and all transport copies of one Message-ID are the same message.
//!
//! The worker is this test binary re-executed with `QYZMET_NOTIFY_CRASH_DB`
//! set (the test `worker_child_process` does nothing without it).

mod notify_common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jiff::SignedDuration;
use notify_common::*;
use qyzmet_notify::sink::SmtpSink;
use qyzmet_notify::{
    EmailSender, Faults, HttpSmsConfig, HttpSmsSender, SmsSimulator, SmtpConfig, message_id,
};
use qyzmet_runtime::notify::{
    DeliveryPolicy, FAULT_AFTER_SEND, Senders, deliver_notifications, derive_notifications,
};
use qyzmet_store::{SqliteStore, Store};
use serde_json::json;

const DB_VAR: &str = "QYZMET_NOTIFY_CRASH_DB";
const PORT_VAR: &str = "QYZMET_NOTIFY_CRASH_SMTP_PORT";
const SMS_VAR: &str = "QYZMET_NOTIFY_CRASH_SMS_URL";
const CASES: usize = 12;
const CRASHES: usize = 6;

fn policy() -> DeliveryPolicy {
    DeliveryPolicy {
        // Short, so that a killed worker's claims come back quickly.
        lease: SignedDuration::from_millis(700),
        batch: 4,
        ..DeliveryPolicy::default()
    }
}

/// The worker: delivers until nothing is pending (or is killed).
#[test]
fn worker_child_process() {
    let (Ok(db), Ok(port), Ok(sms_url)) = (
        std::env::var(DB_VAR),
        std::env::var(PORT_VAR),
        std::env::var(SMS_VAR),
    ) else {
        return;
    };
    let store = SqliteStore::open(&db).expect("open store");
    let mut config = SmtpConfig::plain(
        "127.0.0.1",
        port.parse().expect("port"),
        "Qyzmet <noreply@qyzmet.kz>",
    );
    config.timeout_secs = 5;
    let email = EmailSender::new(&config).expect("sender");
    let sms = HttpSmsSender::new(HttpSmsConfig::new(&sms_url));
    let senders = Senders {
        email: Some(&email),
        sms: Some(&sms),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !store.deliveries("pending", 1).expect("pending").is_empty() {
        assert!(Instant::now() < deadline, "worker did not finish");
        let round = deliver_notifications(
            &store,
            &senders,
            jiff::Timestamp::now(),
            "crash-worker",
            &policy(),
        )
        .expect("round");
        if round.claimed == 0 {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "worker-done").expect("stdout");
    stdout.flush().expect("stdout");
}

#[test]
fn killed_between_send_and_record_loses_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("store.db");
    let store = SqliteStore::open(&db).expect("open");
    for i in 0..CASES {
        let iin = format!("9001013{i:05}");
        let lang = ["kk", "ru", "en"][i % 3];
        store
            .put_doc(
                "contacts",
                &iin,
                &json!({"email": format!("p{i}@example.kz"), "phone": format!("+7701000{i:04}"), "lang": lang}),
            )
            .unwrap();
        let case_id = format!("K-{i}");
        append(
            &store,
            &case_id,
            0,
            &[submitted(&case_id, &iin, "s"), plain("case_accepted")],
        );
    }
    while derive_notifications(&store, 5).unwrap().events > 0 {}
    assert_eq!(store.deliveries("pending", 100).unwrap().len(), 2 * CASES);
    drop(store);
    let sim = SmsSimulator::start(Faults::default()).expect("SMS simulator");

    let mail_file = dir.path().join("mail.jsonl");
    let sink = SmtpSink::start_at(&mail_file, 0).expect("aiosmtpd");
    let exe = std::env::current_exe().expect("test binary");
    let run = |fault_after: Option<u32>| {
        let mut command = Command::new(&exe);
        command
            .args([
                "worker_child_process",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DB_VAR, &db)
            .env(PORT_VAR, sink.port().to_string())
            .env(SMS_VAR, sim.send_url())
            .env_remove(FAULT_AFTER_SEND)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(n) = fault_after {
            command.env(FAULT_AFTER_SEND, n.to_string());
        }
        let mut child = command.spawn().expect("spawn worker");
        let stdout = child.stdout.take().expect("stdout");
        // A worker that hangs is killed after a minute (the test then fails).
        let pid = child.id().to_string();
        let (finished, watch) = std::sync::mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            if watch.recv_timeout(Duration::from_secs(20)).is_err() {
                let _ = Command::new("kill").args(["-9", &pid]).status();
            }
        });
        let mut faulted = None;
        let mut done = false;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("line");
            // libtest may have written `test … ... ` on the same line.
            if let Some(id) = line.split("fault-point ").nth(1) {
                // Sent and acknowledged, not recorded: kill -9 now.
                faulted = Some(id.to_owned());
                child.kill().expect("SIGKILL");
                break;
            }
            if line.contains("worker-done") {
                done = true;
            }
        }
        let status = child.wait().expect("wait");
        let _ = finished.send(());
        let _ = watchdog.join();
        if faulted.is_none() {
            assert!(
                status.success() && done,
                "worker ended without finishing: {status}"
            );
        }
        faulted
    };

    let mut killed = Vec::new();
    for crash in 0..CRASHES {
        match run(Some(1 + (crash as u32 % 3))) {
            Some(id) => killed.push(id),
            None => break, // everything delivered before the fault point
        }
    }
    assert!(!killed.is_empty(), "the fault point never fired");
    assert_eq!(run(None), None, "the last run finishes");

    let store = SqliteStore::open(&db).expect("reopen");
    assert!(store.deliveries("pending", 100).unwrap().is_empty());
    assert!(store.deliveries("failed", 100).unwrap().is_empty());
    assert_eq!(store.deliveries("sent", 100).unwrap().len(), 2 * CASES);

    // SMS: the provider deduplicates on client_id, so exactly once there.
    let texts = sim.messages();
    let mut client_ids: Vec<_> = texts.iter().map(|m| m.client_id.clone()).collect();
    client_ids.sort();
    client_ids.dedup();
    assert_eq!(
        texts.len(),
        CASES,
        "one SMS per notification at the provider"
    );
    assert_eq!(client_ids.len(), CASES);
    let sms_killed = killed.iter().filter(|id| id.ends_with(":sms")).count();
    assert_eq!(
        sim.stats().duplicates as usize,
        sms_killed,
        "each SMS kill was resent once and deduplicated"
    );

    let mails = sink.messages();
    let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for mail in &mails {
        by_id
            .entry(mail.message_id.clone().expect("Message-ID"))
            .or_default()
            .push(mail.sha256.clone());
    }
    let mut copies_total = 0;
    for i in 0..CASES {
        let id = message_id(&format!("K-{i}:2"));
        let copies = by_id
            .get(&id)
            .unwrap_or_else(|| panic!("{id} never arrived: {by_id:#?}"));
        let mut distinct = copies.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 1, "{id}: different contents");
        copies_total += copies.len();
        println!(
            "{id}: {} transport cop{}",
            copies.len(),
            if copies.len() == 1 { "y" } else { "ies" }
        );
    }
    assert_eq!(by_id.len(), CASES, "no stray Message-IDs");
    let duplicates = copies_total - CASES;
    println!(
        "{} crashes between send and record; {CASES} e-mails; {copies_total} transport copies ({duplicates} duplicates)",
        killed.len()
    );
    let email_killed = killed.len() - sms_killed;
    println!(
        "SMS: {CASES} at the provider, {} repeated client_ids acknowledged ({sms_killed} kills after an SMS)",
        sim.stats().duplicates
    );
    // Each kill leaves the one message it was sending unrecorded; every
    // kill was after a 250, so each such e-mail went out twice.
    assert_eq!(
        duplicates, email_killed,
        "{duplicates} duplicates for {email_killed} e-mail kills"
    );
}
