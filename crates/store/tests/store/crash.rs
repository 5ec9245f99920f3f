//! Crash test: a child process appends in a loop on a SQLite file and is
//! killed with SIGKILL at random (seeded) points, 20 times; every append it
//! acknowledged must be there exactly once, with no gaps and a clean audit.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use qyzmet_store::{SqliteStore, Store};

const ROUNDS: u64 = 20;

/// xorshift64*: enough randomness for kill delays, reproducible by seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn acknowledged_appends_survive_sigkill() {
    let seed: u64 = std::env::var("QYZMET_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_cafe);
    eprintln!("crash test seed {seed} (set QYZMET_CRASH_SEED to reproduce)");
    let mut rng = Rng(seed | 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let path_arg = path.to_str().unwrap().to_owned();

    let mut acked: Vec<String> = Vec::new();
    let mut retry: Vec<String> = Vec::new();
    for round in 0..ROUNDS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_qyzmet-store-helper"))
            .arg("crash-writer")
            .arg(&path_arg)
            .arg(round.to_string())
            .args(&retry)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        // Round 0 may die during migrations; later rounds mostly mid-append.
        let delay_ms = 20 + rng.next() % 280;
        std::thread::sleep(Duration::from_millis(delay_ms));
        let still_running = child.try_wait().unwrap().is_none();
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        assert!(still_running, "round {round}: the writer exited by itself");
        let lines = reader.join().unwrap();
        let keys: Vec<String> = lines
            .iter()
            .map(|line| line.strip_prefix("ack ").expect("ack line").to_owned())
            .collect();
        eprintln!(
            "round {round}: killed after {delay_ms} ms, {} acks",
            keys.len()
        );
        // The client retries what it may have sent but saw no answer for:
        // the next group of keys after its last acknowledged one.
        let last_index = keys
            .iter()
            .filter_map(|k| {
                k.strip_prefix(&format!("r{round}-"))
                    .and_then(|i| i.parse::<u64>().ok())
            })
            .max();
        let next = last_index.map_or(0, |i| i + 1);
        retry = (next..next + 8).map(|i| format!("r{round}-{i}")).collect();
        acked.extend(keys);
    }
    assert!(
        acked.len() >= 40,
        "too few acknowledged appends to mean anything: {}",
        acked.len()
    );

    let store = SqliteStore::open(&path).unwrap();
    let report = store.verify().unwrap();
    assert!(report.is_clean(), "{:#?}", report.problems);

    // Count each key's batches (the event with n = 0 starts a batch).
    let mut per_key: HashMap<String, u32> = HashMap::new();
    let mut per_case: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut after = 0;
    loop {
        let page = store.events_since(after, 1000).unwrap();
        let Some(last) = page.last() else { break };
        after = last.global_seq;
        for event in page {
            if event.payload["n"] == 0 {
                *per_key
                    .entry(event.payload["key"].as_str().unwrap().to_owned())
                    .or_default() += 1;
            }
            per_case
                .entry(event.case_id.clone())
                .or_default()
                .push(event.seq);
        }
    }
    assert_eq!(report.events_checked, after);
    for key in &acked {
        assert_eq!(per_key.get(key), Some(&1), "acknowledged key {key}");
    }
    for (key, count) in &per_key {
        assert_eq!(*count, 1, "key {key} appended {count} times");
    }
    for (case_id, seqs) in per_case {
        assert_eq!(
            seqs,
            (1..=seqs.len() as u64).collect::<Vec<_>>(),
            "case {case_id} has gaps"
        );
        // Projections committed with their events.
        let case = store.case(&case_id).unwrap().expect("case view");
        assert_eq!(case.version, seqs.len() as u64, "case {case_id}");
    }
}
