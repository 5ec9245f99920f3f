//! Shared by the notification tests: a store with cases written as raw
//! events (the deriver reads only the log and the directory).

#![allow(dead_code)]

use jiff::{SignedDuration, Timestamp};
use qyzmet_storage::record::{Batch, NewEvent};
use qyzmet_store::Store;
use serde_json::{Value, json};

pub const A: &str = "900101300123";
pub const B: &str = "850202400456";
pub const C: &str = "770303500789";

pub fn t0() -> Timestamp {
    "2025-03-03T04:00:00Z".parse().expect("ts")
}

/// Appends `events` (kind, payload) to a case after `after` events.
pub fn append(store: &dyn Store, case_id: &str, after: u64, events: &[(&str, Value)]) -> u64 {
    let batch = Batch {
        case_id: case_id.to_owned(),
        expected_seq: after,
        idempotency_key: None,
        events: events
            .iter()
            .enumerate()
            .map(|(i, (kind, payload))| NewEvent {
                seq: after + 1 + i as u64,
                kind: (*kind).to_owned(),
                payload: payload.clone().into(),
                at: t0() + SignedDuration::from_mins((after + i as u64) as i64),
            })
            .collect(),
        ops: Vec::new(),
        evidence: Vec::new(),
    };
    store.append(&batch).expect("append");
    after + events.len() as u64
}

pub fn submitted(case_id: &str, applicant: &str, service_id: &str) -> (&'static str, Value) {
    (
        "case_submitted",
        json!({
            "type": "case_submitted",
            "case_id": case_id,
            "regulation_id": "test-regulation",
            "regulation_hash": "sha256:00",
            "service_id": service_id,
            "route": "portal",
            "applicant": {"id": applicant, "kind": "individual", "region": "almaty"},
            "by": "citizen",
        }),
    )
}

pub fn closed(status: &str, result: Option<&str>) -> (&'static str, Value) {
    (
        "case_closed",
        json!({"type": "case_closed", "status": status, "result": result}),
    )
}

pub fn plain(kind: &'static str) -> (&'static str, Value) {
    (kind, json!({"type": kind}))
}
