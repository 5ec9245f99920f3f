//! Evidence commits with its batch: written when the batch is, never when
//! the batch is refused, not again for an idempotent retry — on SQLite and
//! PostgreSQL alike.

use qyzmet_storage::evidence::{self, Kind};
use qyzmet_storage::record::Evidence;
use qyzmet_store::StoreError;
use serde_json::json;

use crate::common::*;

conformance!(
    evidence_is_written_with_its_batch,
    a_refused_batch_writes_no_evidence,
    a_duplicate_batch_writes_no_evidence_again,
    evidence_without_events_needs_the_current_head,
    oversized_evidence_is_refused,
);

fn intake(case_id: &str, who: &str) -> Evidence {
    Evidence::Intake {
        case_id: case_id.into(),
        record: json!({"taken_by": who}),
    }
}

fn evidence_is_written_with_its_batch(fx: &Fixture) {
    let store = fx.store.as_ref();
    store
        .put_doc(Kind::Draft.collection(), "D1", &json!({"id": "D1"}))
        .unwrap();
    let mut batch = batch("c1", 0, Some("k1"), 2);
    batch.evidence = vec![
        intake("c1", "operator"),
        Evidence::RequestSignature {
            case_id: "c1".into(),
            record: json!({"cms": "MIIB"}),
        },
        Evidence::Attachments {
            case_id: "c1".into(),
            entries: vec![json!({"sha256": "aa"})],
        },
        Evidence::Blob {
            sha256: "aa".into(),
            content_type: "application/pdf".into(),
            data: "JVBERi0=".into(),
        },
        Evidence::DraftRemoved {
            draft_id: "D1".into(),
        },
    ];
    store.append(&batch).unwrap();
    assert_eq!(
        evidence::read(store, Kind::Intake, "c1").unwrap(),
        Some(json!({"taken_by": "operator"}))
    );
    assert_eq!(
        evidence::read(store, Kind::RequestSignature, "c1").unwrap(),
        Some(json!({"cms": "MIIB"}))
    );
    assert_eq!(
        evidence::read(store, Kind::Blob, "aa").unwrap(),
        Some(json!({"type": "application/pdf", "data": "JVBERi0="}))
    );
    assert_eq!(evidence::read(store, Kind::Draft, "D1").unwrap(), None);

    // A later batch adds to the attachment list; a blob is written once.
    let mut more = batch_with_ops("c1", 2, Vec::new());
    more.evidence = vec![
        Evidence::Attachments {
            case_id: "c1".into(),
            entries: vec![json!({"sha256": "bb"})],
        },
        Evidence::Blob {
            sha256: "aa".into(),
            content_type: "image/png".into(),
            data: "other".into(),
        },
    ];
    store.append(&more).unwrap();
    assert_eq!(
        evidence::read(store, Kind::Attachments, "c1").unwrap(),
        Some(json!([{"sha256": "aa"}, {"sha256": "bb"}]))
    );
    assert_eq!(
        evidence::read(store, Kind::Blob, "aa").unwrap().unwrap()["type"],
        "application/pdf"
    );
}

fn a_refused_batch_writes_no_evidence(fx: &Fixture) {
    let store = fx.store.as_ref();
    store.append(&batch("c1", 0, None, 1)).unwrap();
    // Decided on a stale head: a conflict, and none of its evidence.
    let mut stale = batch("c1", 0, None, 1);
    stale.evidence = vec![intake("c1", "late")];
    assert!(matches!(
        store.append(&stale),
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(evidence::read(store, Kind::Intake, "c1").unwrap(), None);

    // In a group, the refused batch's evidence is left out and the good
    // one's kept.
    let mut good = batch("c2", 0, None, 1);
    good.evidence = vec![intake("c2", "ok")];
    let mut bad = batch("c1", 0, None, 1);
    bad.evidence = vec![intake("c1", "bad")];
    let results = store.append_many(&[good, bad]);
    assert!(results[0].is_ok() && results[1].is_err(), "{results:?}");
    assert_eq!(
        evidence::read(store, Kind::Intake, "c2").unwrap(),
        Some(json!({"taken_by": "ok"}))
    );
    assert_eq!(evidence::read(store, Kind::Intake, "c1").unwrap(), None);
}

fn a_duplicate_batch_writes_no_evidence_again(fx: &Fixture) {
    let store = fx.store.as_ref();
    let mut first = batch("c1", 0, Some("key"), 1);
    first.evidence = vec![intake("c1", "first")];
    store.append(&first).unwrap();
    let mut retry = batch("c1", 0, Some("key"), 1);
    retry.evidence = vec![intake("c1", "retry")];
    assert!(store.append(&retry).unwrap().duplicate);
    assert_eq!(
        evidence::read(store, Kind::Intake, "c1").unwrap(),
        Some(json!({"taken_by": "first"}))
    );
}

fn evidence_without_events_needs_the_current_head(fx: &Fixture) {
    let store = fx.store.as_ref();
    store.append(&batch("c1", 0, None, 2)).unwrap();
    let mut on_head = batch_with_ops("c1", 2, Vec::new());
    on_head.events.clear();
    on_head.evidence = vec![intake("c1", "now")];
    let mut behind = on_head.clone();
    behind.expected_seq = 1;
    behind.evidence = vec![intake("c1", "behind")];
    assert!(matches!(
        store.append(&behind),
        Err(StoreError::Conflict { .. })
    ));
    let appended = store.append(&on_head).unwrap();
    assert_eq!((appended.last_seq, appended.events), (2, 0));
    assert_eq!(store.case_events("c1").unwrap().len(), 2);
    assert_eq!(
        evidence::read(store, Kind::Intake, "c1").unwrap(),
        Some(json!({"taken_by": "now"}))
    );
}

fn oversized_evidence_is_refused(fx: &Fixture) {
    let store = fx.store.as_ref();
    let mut huge = batch("c1", 0, None, 1);
    huge.evidence = vec![Evidence::Blob {
        sha256: "cc".into(),
        content_type: "application/pdf".into(),
        data: "x".repeat(qyzmet_store::limits::EVIDENCE_BYTES_MAX + 1),
    }];
    assert!(matches!(store.append(&huge), Err(StoreError::Invalid(_))));
    assert_eq!(store.case_events("c1").unwrap().len(), 0);
    assert_eq!(evidence::read(store, Kind::Blob, "cc").unwrap(), None);
}
