//! The conformance suite: every function runs against SQLite and PostgreSQL.

use jiff::SignedDuration;
use qyzmet_storage::record::{
    CaseRow, CaseStatus, ExchangeRow, OutboxClaim, OutboxRow, ProjectionOp, StoredEvent, TaskStatus,
};
use qyzmet_store::{AuditProblem, AuditProblemKind, CaseQuery, StoreError, TaskQuery};
use serde_json::json;

use crate::common::*;

conformance!(
    append_and_read_back,
    conflict_writes_nothing,
    invalid_batches_are_refused,
    idempotency_returns_first_outcome,
    projections_tasks_cases_registries,
    timers_claim_lease_cancel,
    outbox_claim_lease_retry_delete,
    exchanges_per_case_and_stats,
    regulations_pinned_by_hash,
    verify_clean,
    rebuild_equivalence,
    append_many_one_failing_batch,
    append_many_ops_on_one_key_apply_in_order,
    append_many_refused_row_fails_alone,
    append_many_row_refused_mid_batch_leaves_nothing_of_it,
    migrations_idempotent_on_reopen,
    tamper_edited_payload_is_named,
    tamper_deleted_row_is_named,
    tamper_reordered_rows_are_named,
    tamper_deleted_tail_is_named,
    tamper_payload_hashes_and_head_exact_problems_in_order,
    migration_drops_prev_columns_events_intact,
    rebuild_restores_deleted_projection_rows,
    corrupt_row_is_an_error_not_a_panic,
    directory_documents,
    case_stats_and_cabinet,
    concurrent_appends,
    case_puts_keeping_or_changing_status,
);

fn append_and_read_back(fx: &Fixture) {
    let store = &fx.store;
    let mut first = batch("c1", 0, None, 2);
    // Key order and number formatting survive: the payload is stored as text.
    first.events[0].payload = json!({"z": 1, "a": [1.5, "қазақ"], "m": null}).into();
    first.events[1].at = ts("2025-03-03T04:00:00.000000001Z");
    let a = store.append(&first).unwrap();
    assert_eq!(
        (a.last_seq, a.events, a.last_global_seq, a.duplicate),
        (2, 2, 2, false)
    );
    let b = store.append(&batch("c2", 0, None, 1)).unwrap();
    assert_eq!((b.last_seq, b.last_global_seq), (1, 3));
    store.append(&batch("c1", 2, None, 1)).unwrap();

    let events = store.case_events("c1").unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| (e.seq, e.global_seq))
            .collect::<Vec<_>>(),
        vec![(1, 1), (2, 2), (3, 4)]
    );
    assert_eq!(events[0].payload, first.events[0].payload.to_value());
    assert_eq!(
        serde_json::to_string(&events[0].payload).unwrap(),
        r#"{"z":1,"a":[1.5,"қазақ"],"m":null}"#
    );
    assert_eq!(events[1].at, first.events[1].at);
    // Each hash covers the hashes of the case's and the log's previous
    // events (not stored: they are the neighbours' `hash`).
    let c2 = store.case_events("c2").unwrap();
    assert_eq!(events[0].hash, hash_with_prevs(&events[0], "", ""));
    assert_eq!(
        events[1].hash,
        hash_with_prevs(&events[1], &events[0].hash, &events[0].hash)
    );
    assert_eq!(c2[0].hash, hash_with_prevs(&c2[0], "", &events[1].hash));
    assert_eq!(
        events[2].hash,
        hash_with_prevs(&events[2], &events[1].hash, &c2[0].hash)
    );
    assert!(events[0].hash.starts_with("sha256:"));
    assert_eq!(a.last_hash, events[1].hash);

    assert_eq!(store.case_head("c1").unwrap(), 3);
    assert_eq!(store.case_head("nope").unwrap(), 0);
    assert!(store.case_events("nope").unwrap().is_empty());

    let all = store.events_since(0, 100).unwrap();
    assert_eq!(
        all.iter().map(|e| e.global_seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    let tail = store.events_since(2, 1).unwrap();
    assert_eq!(tail.len(), 1);
    assert_eq!((tail[0].case_id.as_str(), tail[0].seq), ("c2", 1));
}

fn conflict_writes_nothing(fx: &Fixture) {
    let store = &fx.store;
    let mut first = batch("c1", 0, None, 1);
    first.ops.push(ProjectionOp::PutCase(case_row(
        "c1",
        CaseStatus::Submitted,
        "portal",
        "p1",
        1,
    )));
    store.append(&first).unwrap();

    let mut stale = batch("c1", 0, Some("k-stale"), 1);
    stale.ops.push(ProjectionOp::PutCase(case_row(
        "c1",
        CaseStatus::Completed,
        "portal",
        "p1",
        1,
    )));
    stale.ops.push(ProjectionOp::SetTimer(timer_row(
        "t1",
        "c1",
        "2025-03-04T04:00:00Z",
    )));
    let error = store.append(&stale).unwrap_err();
    assert_eq!(
        error,
        StoreError::Conflict {
            case_id: "c1".into(),
            expected: 0,
            actual: 1
        }
    );
    let ahead = store.append(&batch("c1", 5, None, 1)).unwrap_err();
    assert_eq!(
        ahead,
        StoreError::Conflict {
            case_id: "c1".into(),
            expected: 5,
            actual: 1
        }
    );

    assert_eq!(store.case_events("c1").unwrap().len(), 1);
    assert_eq!(
        store.case("c1").unwrap().unwrap().status,
        CaseStatus::Submitted
    );
    assert_eq!(store.next_timer_due().unwrap(), None);
    // The key of a failed command is not remembered: the retry, decided on
    // the current log, goes through.
    let retry = store
        .append(&Batch {
            expected_seq: 1,
            ..batch("c1", 1, Some("k-stale"), 1)
        })
        .unwrap();
    assert!(!retry.duplicate);
    assert_eq!(store.verify().unwrap().problems, vec![]);
}

use qyzmet_storage::record::Batch;

fn invalid_batches_are_refused(fx: &Fixture) {
    let store = &fx.store;
    let mut wrong_seq = batch("c1", 0, None, 2);
    wrong_seq.events[1].seq = 5;
    assert!(matches!(
        store.append(&wrong_seq),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.append(&batch("", 0, None, 1)),
        Err(StoreError::Invalid(_))
    ));
    let long_key = "k".repeat(qyzmet_store::limits::ID_BYTES_MAX + 1);
    assert!(matches!(
        store.append(&batch("c1", 0, Some(&long_key), 1)),
        Err(StoreError::Invalid(_))
    ));
    assert!(store.events_since(0, 10).unwrap().is_empty());
}

fn idempotency_returns_first_outcome(fx: &Fixture) {
    let store = &fx.store;
    let mut submit = batch("c1", 0, Some("submit-1"), 2);
    submit.ops.push(ProjectionOp::PutCase(case_row(
        "c1",
        CaseStatus::Submitted,
        "portal",
        "p1",
        2,
    )));
    let first = store.append(&submit).unwrap();
    assert!(!first.duplicate);
    store.append(&batch("c2", 0, None, 1)).unwrap();

    // The same command retried (stale expected_seq and all) creates nothing.
    let again = store.append(&submit).unwrap();
    assert!(again.duplicate);
    assert_eq!(
        Appended {
            duplicate: false,
            ..again.clone()
        },
        first
    );
    // Even with a different body, the key decides.
    let other_body = store.append(&batch("c1", 2, Some("submit-1"), 1)).unwrap();
    assert!(other_body.duplicate);
    assert_eq!(other_body.last_seq, 2);
    assert_eq!(store.case_events("c1").unwrap().len(), 2);
    assert_eq!(store.events_since(0, 100).unwrap().len(), 3);
    // Through append_many too.
    let results = store.append_many(&[submit.clone(), batch("c1", 2, Some("next"), 1)]);
    assert!(results[0].as_ref().unwrap().duplicate);
    assert!(!results[1].as_ref().unwrap().duplicate);
    assert_eq!(store.case_head("c1").unwrap(), 3);
    // The key can be looked up before deciding a command.
    assert_eq!(store.idempotency("submit-1").unwrap(), Some(again));
    assert_eq!(store.idempotency("never-used").unwrap(), None);
}

use qyzmet_store::Appended;

fn projections_tasks_cases_registries(fx: &Fixture) {
    let store = &fx.store;
    let mut tasks = [
        task_row(
            "t-late",
            "u1",
            "executor",
            Some("2025-03-10T04:00:00Z"),
            TaskStatus::Open,
        ),
        task_row("t-none", "u1", "executor", None, TaskStatus::Open),
        task_row(
            "t-early",
            "u1",
            "executor",
            Some("2025-03-05T04:00:00Z"),
            TaskStatus::Claimed,
        ),
        task_row(
            "t-mid-u2",
            "u2",
            "executor",
            Some("2025-03-07T04:00:00Z"),
            TaskStatus::Open,
        ),
        task_row(
            "t-head",
            "u1",
            "head",
            Some("2025-03-04T04:00:00Z"),
            TaskStatus::Open,
        ),
        task_row(
            "t-done",
            "u1",
            "executor",
            Some("2025-03-01T04:00:00Z"),
            TaskStatus::Done,
        ),
    ];
    tasks[2].assignee = Some("officer-7".into());
    tasks[4].escalation = true;
    let mut ops: Vec<ProjectionOp> = tasks.iter().cloned().map(ProjectionOp::PutTask).collect();
    ops.push(ProjectionOp::PutCase(case_row(
        "c1",
        CaseStatus::InProgress,
        "service_centre",
        "p1",
        1,
    )));
    ops.push(ProjectionOp::PutRegistry(registry_row(
        "unemployed",
        "900101300123",
        "c1",
        json!({"active": true}),
    )));
    ops.push(ProjectionOp::PutRegistry(registry_row(
        "oralman",
        "900101300123",
        "c1",
        json!({"region": "wko"}),
    )));
    store.append(&batch_with_ops("c1", 0, ops)).unwrap();

    let ids = |query: &TaskQuery| {
        store
            .tasks(query)
            .unwrap()
            .into_iter()
            .map(|t| t.task_id)
            .collect::<Vec<_>>()
    };
    let work = TaskQuery {
        units: vec!["u1".into()],
        roles: vec!["executor".into()],
        limit: 100,
        ..Default::default()
    };
    assert_eq!(ids(&work), vec!["t-early", "t-late", "t-none"]);
    assert_eq!(
        ids(&TaskQuery {
            include_closed: true,
            ..work.clone()
        }),
        vec!["t-done", "t-early", "t-late", "t-none"]
    );
    assert_eq!(
        ids(&TaskQuery {
            limit: 1,
            ..work.clone()
        }),
        vec!["t-early"]
    );
    let several = TaskQuery {
        units: vec!["u1".into(), "u2".into()],
        roles: vec!["executor".into(), "head".into()],
        limit: 100,
        ..Default::default()
    };
    assert_eq!(
        ids(&several),
        vec!["t-head", "t-early", "t-mid-u2", "t-late", "t-none"]
    );
    assert_eq!(
        ids(&TaskQuery {
            assignee: Some("officer-7".into()),
            limit: 10,
            ..Default::default()
        }),
        vec!["t-early"]
    );
    let read = store.task("t-head").unwrap().unwrap();
    assert_eq!(read, tasks[4]);
    assert_eq!(store.task("t-early").unwrap().unwrap(), tasks[2]);

    // Completing a task takes it off the work list.
    let mut done = tasks[2].clone();
    done.status = TaskStatus::Done;
    let mut case = case_row("c1", CaseStatus::Completed, "service_centre", "p1", 2);
    case.closed_at = Some(ts("2025-03-06T04:00:00Z"));
    case.result = Some("certificate".into());
    case.due = None;
    store
        .append(&batch_with_ops(
            "c1",
            1,
            vec![
                ProjectionOp::PutTask(done),
                ProjectionOp::PutCase(case.clone()),
                ProjectionOp::DeleteRegistry {
                    registry: "oralman".into(),
                    key: "900101300123".into(),
                },
            ],
        ))
        .unwrap();
    assert_eq!(ids(&work), vec!["t-late", "t-none"]);
    assert_eq!(store.case("c1").unwrap().unwrap(), case);
    assert_eq!(store.case("nope").unwrap(), None);
    assert_eq!(store.registry("oralman", "900101300123").unwrap(), None);
    let unemployed = store
        .registry("unemployed", "900101300123")
        .unwrap()
        .unwrap();
    assert_eq!(unemployed.record, json!({"active": true}));
    assert_eq!(unemployed.case_id, "c1");

    // Supervisor list.
    let mut c2 = case_row("c2", CaseStatus::InProgress, "portal", "p2", 1);
    c2.submitted_at = ts("2025-03-02T04:00:00Z");
    let c3 = case_row("c3", CaseStatus::InProgress, "portal", "p1", 1);
    store
        .append(&batch_with_ops("c2", 0, vec![ProjectionOp::PutCase(c2)]))
        .unwrap();
    store
        .append(&batch_with_ops("c3", 0, vec![ProjectionOp::PutCase(c3)]))
        .unwrap();
    let case_ids = |query: CaseQuery| {
        store
            .cases(&query)
            .unwrap()
            .into_iter()
            .map(|c| c.case_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        case_ids(CaseQuery {
            limit: 10,
            ..Default::default()
        }),
        vec!["c2", "c1", "c3"]
    );
    assert_eq!(
        case_ids(CaseQuery {
            status: Some(CaseStatus::InProgress),
            limit: 10,
            ..Default::default()
        }),
        vec!["c2", "c3"]
    );
    assert_eq!(
        case_ids(CaseQuery {
            route: Some("portal".into()),
            limit: 10,
            ..Default::default()
        }),
        vec!["c2", "c3"]
    );
    assert_eq!(
        case_ids(CaseQuery {
            provider_id: Some("p1".into()),
            limit: 10,
            ..Default::default()
        }),
        vec!["c1", "c3"]
    );
    assert_eq!(
        case_ids(CaseQuery {
            limit: 1,
            ..Default::default()
        }),
        vec!["c2"]
    );
}

fn timers_claim_lease_cancel(fx: &Fixture) {
    let store = &fx.store;
    let ops = vec![
        ProjectionOp::SetTimer(timer_row("t3", "c1", "2025-03-07T04:00:00Z")),
        ProjectionOp::SetTimer(timer_row("t1", "c1", "2025-03-05T04:00:00Z")),
        ProjectionOp::SetTimer(timer_row("t2", "c1", "2025-03-06T04:00:00Z")),
    ];
    store.append(&batch_with_ops("c1", 0, ops)).unwrap();
    assert_eq!(
        store.next_timer_due().unwrap(),
        Some(ts("2025-03-05T04:00:00Z"))
    );
    let lease = SignedDuration::from_secs(60);
    let ids = |timers: Vec<qyzmet_storage::record::TimerRow>| {
        timers.into_iter().map(|t| t.timer_id).collect::<Vec<_>>()
    };

    assert!(
        store
            .claim_due_timers(ts("2025-03-04T04:00:00Z"), 10, "w1", lease)
            .unwrap()
            .is_empty()
    );
    let now = ts("2025-03-06T04:00:00Z");
    let claimed = store.claim_due_timers(now, 10, "w1", lease).unwrap();
    assert_eq!(claimed[0], timer_row("t1", "c1", "2025-03-05T04:00:00Z"));
    assert_eq!(ids(claimed), vec!["t1", "t2"]);
    // Leased: nobody else gets them, not even the same worker.
    assert!(
        store
            .claim_due_timers(now, 10, "w2", lease)
            .unwrap()
            .is_empty()
    );
    // After the lease runs out a worker (which may have crashed) loses them.
    let later = now.checked_add(SignedDuration::from_secs(61)).unwrap();
    assert_eq!(
        ids(store.claim_due_timers(later, 1, "w2", lease).unwrap()),
        vec!["t1"]
    );
    // Firing = the batch that handles the timer cancels it.
    let mut fire = batch("c1", 1, Some("t1"), 1);
    fire.ops.push(ProjectionOp::CancelTimer {
        timer_id: "t1".into(),
    });
    store.append(&fire).unwrap();
    assert!(store.append(&fire).unwrap().duplicate);
    let much_later = ts("2025-04-01T00:00:00Z");
    assert_eq!(
        ids(store.claim_due_timers(much_later, 10, "w3", lease).unwrap()),
        vec!["t2", "t3"]
    );
    // Re-setting a timer clears its lease.
    store
        .append(&batch_with_ops(
            "c1",
            2,
            vec![ProjectionOp::SetTimer(timer_row(
                "t2",
                "c1",
                "2025-03-08T04:00:00Z",
            ))],
        ))
        .unwrap();
    assert_eq!(
        ids(store.claim_due_timers(much_later, 10, "w4", lease).unwrap()),
        vec!["t2"]
    );
    assert_eq!(
        store.next_timer_due().unwrap(),
        Some(ts("2025-03-07T04:00:00Z"))
    );
}

fn regulations_pinned_by_hash(fx: &Fixture) {
    let store = &fx.store;
    assert_eq!(store.regulation("sha256:r1").unwrap(), None);
    store
        .put_regulation("sha256:r1", "reg-a", "text: 1\n")
        .unwrap();
    store
        .put_regulation("sha256:r1", "reg-a", "text: 1\n")
        .unwrap();
    assert!(matches!(
        store.put_regulation("sha256:r1", "reg-a", "text: 2\n"),
        Err(StoreError::Invalid(_))
    ));
    store
        .put_regulation("sha256:r2", "reg-a", "text: 2\n")
        .unwrap();
    assert_eq!(
        store.regulation("sha256:r1").unwrap(),
        Some(("reg-a".into(), "text: 1\n".into()))
    );
    assert_eq!(
        store.regulation("sha256:r2").unwrap(),
        Some(("reg-a".into(), "text: 2\n".into()))
    );
}

/// The event hash of `event` as stored, after predecessors with these hashes.
fn hash_with_prevs(event: &StoredEvent, prev_case: &str, prev_global: &str) -> String {
    hash_of(event, &event.payload.to_string(), prev_case, prev_global)
}

/// The event hash of `event` with `payload` as its stored text.
fn hash_of(event: &StoredEvent, payload: &str, prev_case: &str, prev_global: &str) -> String {
    qyzmet_store::event_hash(&qyzmet_store::EventHashInput {
        case_id: &event.case_id,
        seq: event.seq,
        global_seq: event.global_seq,
        kind: &event.kind,
        payload_json: payload,
        at: &event.at.to_string(),
        prev_case_hash: prev_case,
        prev_global_hash: prev_global,
    })
}

fn fill_log(fx: &Fixture) {
    for round in 0..3 {
        for case in ["c1", "c2", "c3"] {
            fx.store.append(&batch(case, round * 2, None, 2)).unwrap();
        }
    }
}

fn verify_clean(fx: &Fixture) {
    let empty = fx.store.verify().unwrap();
    assert_eq!((empty.events_checked, empty.problems.len()), (0, 0));
    fill_log(fx);
    let report = fx.store.verify().unwrap();
    assert_eq!(report.problems, vec![]);
    assert_eq!(report.events_checked, 18);
    assert!(report.is_clean());
}

fn rebuild_equivalence(fx: &Fixture) {
    let store = &fx.store;
    // More cases than one rebuild transaction holds, to cross a page.
    let cases = qyzmet_store::limits::REBUILD_CASES_PER_TX + 20;
    let mut batches = Vec::new();
    for i in 0..cases {
        let case_id = format!("c{i:04}");
        let mut ops = vec![
            ProjectionOp::PutCase(case_row(&case_id, CaseStatus::Submitted, "portal", "p1", 1)),
            ProjectionOp::PutTask(TaskRow {
                case_id: case_id.clone(),
                ..task_row(
                    &format!("{case_id}-t1"),
                    "u1",
                    "executor",
                    Some("2025-03-05T04:00:00Z"),
                    TaskStatus::Open,
                )
            }),
            ProjectionOp::SetTimer(timer_row(
                &format!("{case_id}-tm"),
                &case_id,
                "2025-03-05T04:00:00Z",
            )),
        ];
        if i % 3 == 0 {
            ops.push(ProjectionOp::PutRegistry(registry_row(
                "unemployed",
                &format!("iin{i}"),
                &case_id,
                json!({"n": i}),
            )));
        }
        batches.push(batch_with_ops(&case_id, 0, ops));
    }
    assert!(store.append_many(&batches).iter().all(Result::is_ok));
    // Second events: close some tasks, cancel some timers, delete a registry row.
    let mut batches = Vec::new();
    for i in (0..cases).step_by(2) {
        let case_id = format!("c{i:04}");
        let mut ops = vec![
            ProjectionOp::PutCase(case_row(
                &case_id,
                CaseStatus::InProgress,
                "portal",
                "p1",
                2,
            )),
            ProjectionOp::PutTask(TaskRow {
                case_id: case_id.clone(),
                ..task_row(
                    &format!("{case_id}-t1"),
                    "u1",
                    "executor",
                    Some("2025-03-05T04:00:00Z"),
                    TaskStatus::Done,
                )
            }),
            ProjectionOp::CancelTimer {
                timer_id: format!("{case_id}-tm"),
            },
        ];
        if i % 6 == 0 {
            ops.push(ProjectionOp::DeleteRegistry {
                registry: "unemployed".into(),
                key: format!("iin{i}"),
            });
        }
        batches.push(batch_with_ops(&case_id, 1, ops));
    }
    assert!(store.append_many(&batches).iter().all(Result::is_ok));

    let snapshot = || {
        let cases = store
            .cases(&CaseQuery {
                limit: 10_000,
                ..Default::default()
            })
            .unwrap();
        let tasks = store
            .tasks(&TaskQuery {
                include_closed: true,
                limit: 10_000,
                ..Default::default()
            })
            .unwrap();
        let registries = (0..cases.len())
            .map(|i| store.registry("unemployed", &format!("iin{i}")).unwrap())
            .collect::<Vec<_>>();
        let timers = store
            .claim_due_timers(
                ts("2030-01-01T00:00:00Z"),
                10_000,
                "snapshot",
                SignedDuration::from_secs(1),
            )
            .unwrap();
        (cases, tasks, registries, timers)
    };
    let before = snapshot();
    assert_eq!(before.0.len(), cases);
    assert_eq!(before.3.len(), cases / 2);
    // Damage the projections to show that rebuild replaces, not merges.
    fx.exec("DELETE FROM tasks WHERE task_id = 'c0001-t1'; UPDATE cases SET status = 'withdrawn'");

    let report = store.rebuild(&ops_from_payloads).unwrap();
    assert_eq!(report.cases, cases as u64);
    assert_eq!(report.events, (cases + cases.div_ceil(2)) as u64);
    let after = snapshot();
    assert_eq!(before, after);
    assert!(store.verify().unwrap().is_clean());
}

use qyzmet_storage::record::TaskRow;

fn append_many_one_failing_batch(fx: &Fixture) {
    let store = &fx.store;
    store.append(&batch("c0", 0, None, 1)).unwrap();
    let mut ok_with_case = batch("c1", 0, Some("a"), 2);
    ok_with_case.ops.push(ProjectionOp::PutCase(case_row(
        "c1",
        CaseStatus::Submitted,
        "portal",
        "p1",
        2,
    )));
    let mut conflicting = batch("c1", 0, Some("b"), 1);
    conflicting.ops.push(ProjectionOp::PutCase(case_row(
        "c1",
        CaseStatus::Withdrawn,
        "portal",
        "p1",
        1,
    )));
    let mut invalid = batch("c3", 0, None, 1);
    invalid.events[0].seq = 7;
    let group = vec![
        ok_with_case,
        conflicting,
        batch("c2", 0, Some("c"), 1),
        batch("c1", 2, Some("d"), 1),
        invalid,
        batch("c0", 1, Some("a"), 1), // key "a" was used earlier in this group
    ];
    let results = store.append_many(&group);
    assert_eq!(results.len(), 6);
    assert_eq!(results[0].as_ref().unwrap().last_global_seq, 3);
    assert_eq!(
        results[1],
        Err(StoreError::Conflict {
            case_id: "c1".into(),
            expected: 0,
            actual: 2
        })
    );
    assert_eq!(results[2].as_ref().unwrap().last_global_seq, 4);
    assert_eq!(results[3].as_ref().unwrap().last_seq, 3);
    assert!(matches!(results[4], Err(StoreError::Invalid(_))));
    assert!(results[5].as_ref().unwrap().duplicate);

    assert_eq!(store.case_head("c1").unwrap(), 3);
    assert_eq!(
        store.case("c1").unwrap().unwrap().status,
        CaseStatus::Submitted
    );
    assert_eq!(store.case_head("c0").unwrap(), 1);
    let global = store
        .events_since(0, 100)
        .unwrap()
        .into_iter()
        .map(|e| e.global_seq)
        .collect::<Vec<_>>();
    assert_eq!(global, vec![1, 2, 3, 4, 5]);
    assert!(store.verify().unwrap().is_clean());
    // A failed key is free again.
    assert!(
        !store
            .append(&batch("c1", 3, Some("b"), 1))
            .unwrap()
            .duplicate
    );
    assert!(store.append_many(&[]).is_empty());
}

/// Several batches of one group touch the same rows: the result is what the
/// batches applied one after the other would leave (the PostgreSQL group
/// commit collapses ops per key before its multi-row statements).
fn append_many_ops_on_one_key_apply_in_order(fx: &Fixture) {
    let store = &fx.store;
    // t0 and r/k0 exist before the group.
    store
        .append(&batch_with_ops(
            "c0",
            0,
            vec![
                ProjectionOp::SetTimer(timer_row("t0", "c0", "2025-03-01T04:00:00Z")),
                ProjectionOp::PutRegistry(registry_row("r", "k0", "c0", json!({"v": 0}))),
            ],
        ))
        .unwrap();
    let group = vec![
        batch_with_ops(
            "c1",
            0,
            vec![
                ProjectionOp::PutCase(case_row("c1", CaseStatus::Submitted, "portal", "p1", 1)),
                ProjectionOp::PutRegistry(registry_row("r", "k1", "c1", json!({"v": 1}))),
                ProjectionOp::SetTimer(timer_row("t1", "c1", "2025-03-05T04:00:00Z")),
                ProjectionOp::CancelTimer {
                    timer_id: "t0".into(),
                },
                ProjectionOp::DeleteRegistry {
                    registry: "r".into(),
                    key: "k0".into(),
                },
            ],
        ),
        batch_with_ops(
            "c1",
            1,
            vec![
                ProjectionOp::PutCase(case_row("c1", CaseStatus::InProgress, "portal", "p1", 2)),
                ProjectionOp::DeleteRegistry {
                    registry: "r".into(),
                    key: "k1".into(),
                },
                ProjectionOp::CancelTimer {
                    timer_id: "t1".into(),
                },
                ProjectionOp::PutRegistry(registry_row("r", "k2", "c1", json!({"v": 1}))),
                ProjectionOp::SetTimer(timer_row("t0", "c0", "2025-03-09T04:00:00Z")),
            ],
        ),
        // A conflicting batch's ops are not applied.
        batch_with_ops(
            "c1",
            0,
            vec![ProjectionOp::PutRegistry(registry_row(
                "r",
                "k9",
                "c1",
                json!({}),
            ))],
        ),
        batch_with_ops(
            "c1",
            2,
            vec![
                ProjectionOp::PutCase(case_row("c1", CaseStatus::Completed, "portal", "p1", 3)),
                ProjectionOp::PutRegistry(registry_row("r", "k2", "c1", json!({"v": 2}))),
                ProjectionOp::SetTimer(timer_row("t2", "c1", "2025-03-06T04:00:00Z")),
                ProjectionOp::PutRegistry(registry_row("r", "k1", "c1", json!({"v": 3}))),
            ],
        ),
    ];
    let results = store.append_many(&group);
    assert!(results[0].is_ok() && results[1].is_ok() && results[3].is_ok());
    assert!(matches!(results[2], Err(StoreError::Conflict { .. })));
    assert_eq!(
        store.case("c1").unwrap().unwrap().status,
        CaseStatus::Completed
    );
    assert_eq!(store.case("c1").unwrap().unwrap().version, 3);
    assert!(store.registry("r", "k0").unwrap().is_none());
    assert_eq!(
        store.registry("r", "k1").unwrap().unwrap().record,
        json!({"v": 3})
    );
    assert_eq!(
        store.registry("r", "k2").unwrap().unwrap().record,
        json!({"v": 2})
    );
    assert!(store.registry("r", "k9").unwrap().is_none());
    let timers = store
        .claim_due_timers(
            ts("2025-04-01T00:00:00Z"),
            10,
            "w",
            SignedDuration::from_secs(60),
        )
        .unwrap();
    let timers = timers
        .into_iter()
        .map(|t| (t.timer_id, t.due))
        .collect::<Vec<_>>();
    assert_eq!(
        timers,
        vec![
            ("t2".to_owned(), ts("2025-03-06T04:00:00Z")),
            ("t0".to_owned(), ts("2025-03-09T04:00:00Z")),
        ]
    );
    assert_eq!(store.case_head("c1").unwrap(), 3);
    assert!(store.verify().unwrap().is_clean());
}

/// A batch whose rows the database refuses (PostgreSQL stores no NUL in
/// text) fails alone; the rest of the group commits.
fn append_many_refused_row_fails_alone(fx: &Fixture) {
    let store = &fx.store;
    let mut refused = batch("c2", 0, Some("k2"), 1);
    refused.events[0].kind = "bad\0kind".into();
    let group = vec![
        batch("c1", 0, Some("k1"), 2),
        refused,
        batch("c3", 0, Some("k3"), 1),
        batch("c1", 2, Some("k4"), 1),
    ];
    let results = store.append_many(&group);
    assert_eq!(results[0].as_ref().unwrap().last_seq, 2);
    assert_eq!(results[2].as_ref().unwrap().case_id, "c3");
    assert_eq!(results[3].as_ref().unwrap().last_seq, 3);
    let stored = store.events_since(0, 100).unwrap().len() as u64;
    let expected = if results[1].is_ok() { 5 } else { 4 };
    assert_eq!(stored, expected);
    assert_eq!(results[3].as_ref().unwrap().last_global_seq, expected);
    assert!(store.verify().unwrap().is_clean());
}

/// A row the database refuses in the middle of a batch (here a trigger
/// refuses its second event, after the first was written): the group is
/// redone a batch at a time, the offending batch leaves nothing behind —
/// not its first event, not its idempotency key — and the others commit
/// with a gapless global chain.
fn append_many_row_refused_mid_batch_leaves_nothing_of_it(fx: &Fixture) {
    fx.exec_for(
        "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.kind = 'refused'
         BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END;",
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN IF NEW.kind = 'refused' THEN RAISE EXCEPTION 'refused by trigger'; END IF;
              RETURN NEW; END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse();",
    );
    let store = &fx.store;
    let mut refused = batch("c2", 0, Some("k2"), 2);
    refused.events[1].kind = "refused".into();
    let group = vec![
        batch("c1", 0, Some("k1"), 2),
        refused,
        batch("c3", 0, Some("k3"), 1),
    ];
    let results = store.append_many(&group);
    assert_eq!(results[0].as_ref().unwrap().last_seq, 2);
    assert!(results[1].is_err(), "{:?}", results[1]);
    assert_eq!(results[2].as_ref().unwrap().last_global_seq, 3);
    assert_eq!(store.case_head("c2").unwrap(), 0);
    assert_eq!(store.idempotency("k2").unwrap(), None);
    assert_eq!(store.events_since(0, 100).unwrap().len(), 3);
    assert!(store.verify().unwrap().is_clean());
    // A single append goes the same way.
    let mut alone = batch("c4", 0, Some("k5"), 2);
    alone.events[1].kind = "refused".into();
    assert!(store.append(&alone).is_err());
    assert_eq!(store.case_head("c4").unwrap(), 0);
    assert_eq!(
        store
            .append(&batch("c4", 0, Some("k6"), 1))
            .unwrap()
            .last_global_seq,
        4
    );
}

fn migrations_idempotent_on_reopen(fx: &Fixture) {
    fx.store.append(&batch("c1", 0, Some("k"), 1)).unwrap();
    let again = fx.reopen();
    assert_eq!(again.case_head("c1").unwrap(), 1);
    assert!(
        again
            .append(&batch("c1", 0, Some("k"), 1))
            .unwrap()
            .duplicate
    );
    let _third = fx.reopen();
    assert_eq!(
        fx.query_i64("SELECT COUNT(*) FROM schema_migrations"),
        fx.migrations()
    );
    assert_eq!(
        fx.query_i64("SELECT CAST(MAX(version) AS BIGINT) FROM schema_migrations"),
        fx.migrations()
    );
}

fn tamper_edited_payload_is_named(fx: &Fixture) {
    fill_log(fx);
    fx.exec(
        r#"UPDATE events SET payload = '{"case":"c2","n":99}' WHERE case_id = 'c2' AND seq = 3"#,
    );
    let report = fx.store.verify().unwrap();
    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
    let problem = &report.problems[0];
    assert_eq!((problem.case_id.as_str(), problem.seq), ("c2", 3));
    assert!(matches!(
        problem.kind,
        AuditProblemKind::HashMismatch { .. }
    ));

    // A forger who also recomputes the row's own hash breaks the next row
    // of both chains (c2's fourth event, global_seq 10, is both).
    let c1 = fx.store.case_events("c1").unwrap();
    let c2 = fx.store.case_events("c2").unwrap();
    let forged = &c2[2];
    assert_eq!((forged.global_seq, c1[3].global_seq), (9, 8));
    let recomputed = hash_of(forged, r#"{"case":"c2","n":99}"#, &c2[1].hash, &c1[3].hash);
    fx.exec(&format!(
        "UPDATE events SET hash = '{recomputed}' WHERE case_id = 'c2' AND seq = 3"
    ));
    let report = fx.store.verify().unwrap();
    assert_eq!(
        report.problems,
        vec![AuditProblem {
            case_id: "c2".into(),
            seq: 4,
            global_seq: 10,
            kind: AuditProblemKind::HashMismatch {
                stored: c2[3].hash.clone(),
                computed: hash_with_prevs(&c2[3], &recomputed, &recomputed),
            },
        }]
    );
}

fn tamper_deleted_row_is_named(fx: &Fixture) {
    fill_log(fx);
    fx.exec("DELETE FROM events WHERE case_id = 'c2' AND seq = 3");
    let report = fx.store.verify().unwrap();
    assert!(
        report.problems.iter().any(|p| p.case_id == "c2"
            && p.seq == 4
            && p.kind == AuditProblemKind::CaseGap { expected_seq: 3 }),
        "{:#?}",
        report.problems
    );
    assert!(
        report
            .problems
            .iter()
            .any(|p| matches!(p.kind, AuditProblemKind::GlobalGap { .. }))
    );
    assert_eq!(report.events_checked, 17);
}

fn tamper_reordered_rows_are_named(fx: &Fixture) {
    fill_log(fx);
    // Swap the positions of c1's events 3 and 4 in the case log.
    fx.exec(
        "UPDATE events SET seq = -1 WHERE case_id = 'c1' AND seq = 3;
         UPDATE events SET seq = 3 WHERE case_id = 'c1' AND seq = 4;
         UPDATE events SET seq = 4 WHERE case_id = 'c1' AND seq = -1;",
    );
    let report = fx.store.verify().unwrap();
    let named: Vec<_> = report
        .problems
        .iter()
        .map(|p| (p.case_id.as_str(), p.seq))
        .collect();
    assert!(
        named.contains(&("c1", 3)) && named.contains(&("c1", 4)),
        "{:#?}",
        report.problems
    );
    assert!(report.problems.iter().all(|p| p.case_id == "c1"));
}

fn tamper_deleted_tail_is_named(fx: &Fixture) {
    fill_log(fx);
    fx.exec("DELETE FROM events WHERE global_seq = 18");
    let report = fx.store.verify().unwrap();
    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
    assert!(matches!(
        report.problems[0].kind,
        AuditProblemKind::HeadMismatch {
            head_global_seq: 18,
            ..
        }
    ));
}

/// The exact report, not just "some problem": `verify` is one algorithm
/// (`audit.rs`), so both backends give these problems in this order — the
/// global pass row by row, then the head, then the case pass. A forged
/// `hash` shows at its row and at the next row of each chain.
fn tamper_payload_hashes_and_head_exact_problems_in_order(fx: &Fixture) {
    fill_log(fx);
    let c1 = fx.store.case_events("c1").unwrap();
    let c2 = fx.store.case_events("c2").unwrap();
    let c3 = fx.store.case_events("c3").unwrap();
    let global = fx.store.events_since(0, 100).unwrap();
    let g = |global_seq: usize| &global[global_seq - 1];
    let (c1_1, c3_2, c2_3) = (&c1[0], &c3[1], &c2[2]);
    assert_eq!(
        (c1_1.global_seq, c3_2.global_seq, c2_3.global_seq),
        (1, 6, 9)
    );
    let forged_a = format!("sha256:{}", "a".repeat(64));
    let forged_f = format!("sha256:{}", "f".repeat(64));
    let forged_head = format!("sha256:{}", "e".repeat(64));
    let edited_payload = r#"{"case":"c2","n":99}"#;
    fx.exec(&format!(
        "UPDATE events SET hash = '{forged_a}' WHERE case_id = 'c1' AND seq = 1;
         UPDATE events SET hash = '{forged_f}' WHERE case_id = 'c3' AND seq = 2;
         UPDATE events SET payload = '{edited_payload}' WHERE case_id = 'c2' AND seq = 3;
         UPDATE chain_head SET hash = '{forged_head}' WHERE id = 1;"
    ));
    let at = |event: &StoredEvent, kind: AuditProblemKind| AuditProblem {
        case_id: event.case_id.clone(),
        seq: event.seq,
        global_seq: event.global_seq,
        kind,
    };
    let mismatch = |event: &StoredEvent, computed: String| {
        at(
            event,
            AuditProblemKind::HashMismatch {
                stored: event.hash.clone(),
                computed,
            },
        )
    };
    let report = fx.store.verify().unwrap();
    assert_eq!(report.events_checked, 18);
    assert_eq!(
        report.problems,
        vec![
            // c1's first event: its own hash is forged.
            at(
                c1_1,
                AuditProblemKind::HashMismatch {
                    stored: forged_a.clone(),
                    computed: c1_1.hash.clone(),
                }
            ),
            // c1's second event is the next row of both chains.
            mismatch(&c1[1], hash_with_prevs(&c1[1], &forged_a, &forged_a)),
            at(
                c3_2,
                AuditProblemKind::HashMismatch {
                    stored: forged_f.clone(),
                    computed: c3_2.hash.clone(),
                }
            ),
            // global_seq 7 (c1's third event) follows it in the log ...
            mismatch(g(7), hash_with_prevs(g(7), &c1[1].hash, &forged_f)),
            mismatch(c2_3, hash_of(c2_3, edited_payload, &c2[1].hash, &g(8).hash)),
            // ... and c3's third event (global_seq 11) in its case.
            mismatch(&c3[2], hash_with_prevs(&c3[2], &forged_f, &g(10).hash)),
            at(
                &c3[5],
                AuditProblemKind::HeadMismatch {
                    head_global_seq: 18,
                    head_hash: forged_head.clone(),
                }
            ),
        ]
    );

    // A deleted row: gaps only, in both passes (the next rows' previous
    // hashes are unknown, so they are not hashed).
    fx.exec("DELETE FROM events WHERE case_id = 'c2' AND seq = 5");
    let report = fx.store.verify().unwrap();
    assert_eq!(report.events_checked, 17);
    assert_eq!(
        &report.problems[6..],
        &[
            at(
                g(16),
                AuditProblemKind::GlobalGap {
                    expected_global_seq: 15
                }
            ),
            at(
                &c3[5],
                AuditProblemKind::HeadMismatch {
                    head_global_seq: 18,
                    head_hash: forged_head.clone(),
                }
            ),
            at(g(16), AuditProblemKind::CaseGap { expected_seq: 5 }),
        ]
    );
}

/// A database made before migration 0005 (SQLite) / 0006 (PostgreSQL)
/// stored both previous hashes in every event row. Migrating drops them and
/// keeps every event, whose hash still verifies.
fn migration_drops_prev_columns_events_intact(fx: &Fixture) {
    fill_log(fx);
    let before = fx.store.events_since(0, 100).unwrap();
    let prev_columns = || {
        fx.query_i64_for(
            "SELECT COUNT(*) FROM pragma_table_info('events') WHERE name LIKE 'prev%'",
            "SELECT COUNT(*) FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = 'events'
                AND column_name LIKE 'prev%'",
        )
    };
    assert_eq!(prev_columns(), 0);
    // Back to the old schema, the columns filled as the old store wrote them.
    fx.exec(&format!(
        "ALTER TABLE events ADD COLUMN prev_case_hash TEXT NOT NULL DEFAULT '';
         ALTER TABLE events ADD COLUMN prev_global_hash TEXT NOT NULL DEFAULT '';
         UPDATE events SET
           prev_case_hash = COALESCE((SELECT p.hash FROM events AS p
                                       WHERE p.case_id = events.case_id AND p.seq = events.seq - 1), ''),
           prev_global_hash = COALESCE((SELECT p.hash FROM events AS p
                                         WHERE p.global_seq = events.global_seq - 1), '');
         DELETE FROM schema_migrations WHERE version = {};",
        fx.migrations()
    ));
    assert_eq!(prev_columns(), 2);
    assert_eq!(
        fx.query_i64("SELECT COUNT(*) FROM events WHERE global_seq > 1 AND prev_global_hash = ''"),
        0
    );
    let migrated = fx.reopen();
    assert_eq!(prev_columns(), 0);
    assert_eq!(
        fx.query_i64("SELECT CAST(MAX(version) AS BIGINT) FROM schema_migrations"),
        fx.migrations()
    );
    assert_eq!(migrated.events_since(0, 100).unwrap(), before);
    let report = migrated.verify().unwrap();
    assert_eq!((report.events_checked, report.problems), (18, vec![]));
    migrated.append(&batch("c1", 6, None, 1)).unwrap();
    let report = migrated.verify().unwrap();
    assert_eq!((report.events_checked, report.problems), (19, vec![]));
}

/// Every row of cases, tasks, registries and timers deleted behind the
/// store's back comes back from the log equal to before; the outbox keeps
/// its delivery state, and a row no event asks for is removed.
fn rebuild_restores_deleted_projection_rows(fx: &Fixture) {
    let store = &fx.store;
    let task = |case_id: &str, n: u32, status: TaskStatus| {
        ProjectionOp::PutTask(TaskRow {
            case_id: case_id.to_owned(),
            ..task_row(
                &format!("{case_id}-t{n}"),
                "u1",
                "executor",
                Some("2025-03-05T04:00:00Z"),
                status,
            )
        })
    };
    for i in 0..5 {
        let case_id = format!("c{i}");
        let mut ops = vec![
            ProjectionOp::PutCase(case_row(&case_id, CaseStatus::Submitted, "portal", "p1", 1)),
            task(&case_id, 1, TaskStatus::Open),
            task(&case_id, 2, TaskStatus::Open),
            ProjectionOp::SetTimer(timer_row(
                &format!("{case_id}-tm"),
                &case_id,
                &format!("2025-03-0{}T04:00:00Z", 5 + i),
            )),
            ProjectionOp::PutOutbox(outbox_row(
                &format!("{case_id}/q1"),
                &case_id,
                "person_database",
                "2025-03-05T04:00:00Z",
            )),
        ];
        // Two cases write one registry key: the later case wins, live and
        // in the rebuild alike.
        if i == 0 || i == 3 {
            ops.push(ProjectionOp::PutRegistry(registry_row(
                "unemployed",
                "iin-shared",
                &case_id,
                json!({"by": case_id}),
            )));
        }
        store.append(&batch_with_ops(&case_id, 0, ops)).unwrap();
    }
    for case_id in ["c0", "c2"] {
        let ops = vec![
            ProjectionOp::PutCase(case_row(case_id, CaseStatus::InProgress, "portal", "p1", 2)),
            task(case_id, 1, TaskStatus::Done),
            ProjectionOp::CancelTimer {
                timer_id: format!("{case_id}-tm"),
            },
            ProjectionOp::DeleteOutbox {
                request_id: format!("{case_id}/q1"),
            },
        ];
        store.append(&batch_with_ops(case_id, 1, ops)).unwrap();
    }
    // A delivery attempt on c1's request: state the log does not hold.
    let now = ts("2025-03-05T04:00:05Z");
    let claims = store
        .claim_outbox(now, 1, "w1", SignedDuration::from_secs(60))
        .unwrap();
    assert_eq!(outbox_claims_ids(&claims), vec!["c1/q1"]);
    store
        .retry_outbox("c1/q1", 1, ts("2025-03-05T04:10:00Z"), "timeout")
        .unwrap();

    let snapshot = || {
        let cases = store
            .cases(&CaseQuery {
                limit: 100,
                ..Default::default()
            })
            .unwrap();
        let tasks = store
            .tasks(&TaskQuery {
                include_closed: true,
                limit: 100,
                ..Default::default()
            })
            .unwrap();
        let registry = store.registry("unemployed", "iin-shared").unwrap();
        let outbox = (0..5)
            .map(|i| store.case_outbox(&format!("c{i}")).unwrap())
            .collect::<Vec<_>>();
        let timer_due = store.next_timer_due().unwrap();
        (cases, tasks, registry, outbox, timer_due)
    };
    let before = snapshot();
    assert_eq!((before.0.len(), before.1.len()), (5, 10));
    assert_eq!(
        before.2.as_ref().map(|row| row.case_id.as_str()),
        Some("c3")
    );
    assert_eq!(before.3[1][0].attempts, 1);
    assert_eq!(before.4, Some(ts("2025-03-06T04:00:00Z")));

    fx.exec(
        "DELETE FROM cases; DELETE FROM tasks; DELETE FROM registries; DELETE FROM timers;
         INSERT INTO outbox (request_id, case_id, system, payload, created_at, next_at)
             VALUES ('c4/stale', 'c4', 'notary', '{}', 0, 0);",
    );
    let damaged = snapshot();
    assert_eq!((damaged.0.len(), damaged.1.len()), (0, 0));
    assert_eq!((damaged.2.is_none(), damaged.4), (true, None));
    assert_eq!(damaged.3[4].len(), 2);

    let report = store.rebuild(&ops_from_payloads).unwrap();
    assert_eq!((report.cases, report.events), (5, 7));
    assert_eq!(snapshot(), before);
    assert!(store.verify().unwrap().is_clean());
}

fn corrupt_row_is_an_error_not_a_panic(fx: &Fixture) {
    fill_log(fx);
    fx.exec("UPDATE events SET payload = '{not json', at = 'yesterday' WHERE case_id = 'c3' AND seq = 2");
    fx.exec("UPDATE cases SET status = 'lost'");
    assert!(matches!(
        fx.store.case_events("c3"),
        Err(StoreError::Corrupt(_))
    ));
    assert!(matches!(
        fx.store.events_since(0, 100),
        Err(StoreError::Corrupt(_))
    ));
    assert_eq!(fx.store.case_events("c1").unwrap().len(), 6);
    let report = fx.store.verify().unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.case_id == "c3" && p.seq == 2),
        "{:#?}",
        report.problems
    );
    // A case row with an unknown status.
    fx.store
        .append(&batch_with_ops(
            "c9",
            0,
            vec![ProjectionOp::PutCase(case_row(
                "c9",
                CaseStatus::Waiting,
                "portal",
                "p",
                1,
            ))],
        ))
        .unwrap();
    fx.exec("UPDATE cases SET status = 'lost' WHERE case_id = 'c9'");
    assert!(matches!(fx.store.case("c9"), Err(StoreError::Corrupt(_))));
}

fn directory_documents(fx: &Fixture) {
    let store = &fx.store;
    assert_eq!(store.doc("accounts", "a").unwrap(), None);
    store.put_doc("accounts", "b", &json!({"n": 1})).unwrap();
    store.put_doc("accounts", "a", &json!({"n": 2})).unwrap();
    store.put_doc("accounts", "a", &json!({"n": 3})).unwrap();
    store.put_doc("settings", "a", &json!("other")).unwrap();
    assert_eq!(store.doc("accounts", "a").unwrap(), Some(json!({"n": 3})));
    let docs = store.docs("accounts", 10).unwrap();
    assert_eq!(
        docs,
        vec![("a".into(), json!({"n": 3})), ("b".into(), json!({"n": 1}))]
    );
    assert_eq!(store.docs("accounts", 1).unwrap().len(), 1);
    // insert_doc keeps the first document: servers starting together agree.
    let first = store.insert_doc("settings", "key", &json!("k1")).unwrap();
    let second = store.insert_doc("settings", "key", &json!("k2")).unwrap();
    assert_eq!((first, second), (json!("k1"), json!("k1")));
    // delete_doc: once true, then false; other collections untouched.
    assert!(store.delete_doc("accounts", "a").unwrap());
    assert!(!store.delete_doc("accounts", "a").unwrap());
    assert_eq!(store.doc("accounts", "a").unwrap(), None);
    assert_eq!(store.doc("settings", "a").unwrap(), Some(json!("other")));
    assert!(matches!(
        store.put_doc("accounts", "", &json!(1)),
        Err(StoreError::Invalid(_))
    ));
}

fn case_stats_and_cabinet(fx: &Fixture) {
    let store = &fx.store;
    let mut late_open = case_row("c1", CaseStatus::InProgress, "portal", "p1", 1);
    late_open.applicant_id = "111".into();
    let mut closed_late = case_row("c2", CaseStatus::Completed, "portal", "p1", 1);
    closed_late.closed_at = Some(ts("2025-03-20T04:00:00Z"));
    closed_late.submitted_at = ts("2025-03-04T04:00:00Z");
    let mut closed_in_time = case_row("c3", CaseStatus::Completed, "portal", "p1", 1);
    closed_in_time.closed_at = Some(ts("2025-03-05T04:00:00Z"));
    closed_in_time.submitted_at = ts("2025-03-05T04:00:00Z");
    let open_in_time = case_row("c4", CaseStatus::InProgress, "service_centre", "p1", 1);
    for row in [late_open, closed_late, closed_in_time, open_in_time] {
        let mut batch = batch(&row.case_id.clone(), 0, None, 1);
        batch.ops.push(ProjectionOp::PutCase(row));
        store.append(&batch).unwrap();
    }
    let stats = store.case_stats(ts("2025-03-15T00:00:00Z")).unwrap();
    let brief: Vec<_> = stats
        .iter()
        .map(|s| {
            (
                s.route.as_str(),
                s.status,
                s.cases,
                s.overdue_open,
                s.closed_late,
            )
        })
        .collect();
    assert_eq!(
        brief,
        vec![
            ("portal", CaseStatus::Completed, 2, 0, 1),
            ("portal", CaseStatus::InProgress, 1, 1, 0),
            ("service_centre", CaseStatus::InProgress, 1, 1, 0),
        ]
    );
    // Before the due instant nothing open is overdue.
    let early = store.case_stats(ts("2025-03-06T00:00:00Z")).unwrap();
    assert!(early.iter().all(|s| s.overdue_open == 0));

    let mine = store
        .cases(&CaseQuery {
            applicant_id: Some("900101300123".into()),
            newest_first: true,
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    let ids: Vec<_> = mine.iter().map(|row| row.case_id.as_str()).collect();
    assert_eq!(ids, vec!["c3", "c2", "c4"]);
}

/// Many threads appending at once (PostgreSQL: they share group commits):
/// every append gets its own outcome, a race on one case is a conflict for
/// all but one, and both hash chains stay intact.
fn concurrent_appends(fx: &Fixture) {
    let store = fx.store.as_ref();
    let threads = 12;
    let per_thread = 15;
    let outcomes: Vec<Vec<Result<u64, String>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|thread| {
                scope.spawn(move || {
                    (0..per_thread)
                        .map(|n| {
                            // Own cases, and every thread also races for "shared-n".
                            let own = format!("t{thread}-c{n}");
                            store
                                .append(&batch(&own, 0, Some(&format!("k-{own}")), 2))
                                .unwrap();
                            store
                                .append(&batch(&format!("shared-{n}"), 0, None, 1))
                                .map(|appended| appended.last_seq)
                                .map_err(|error| error.to_string())
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    for n in 0..per_thread {
        let winners = outcomes.iter().filter(|thread| thread[n].is_ok()).count();
        assert_eq!(winners, 1, "exactly one first append of shared-{n}");
        for thread in &outcomes {
            if let Err(error) = &thread[n] {
                assert!(
                    error.contains("conflict") || error.contains("expected"),
                    "{error}"
                );
            }
        }
    }
    let report = store.verify().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    assert_eq!(
        report.events_checked,
        (threads * per_thread * 2 + per_thread) as u64
    );
}

fn outbox_row(request_id: &str, case_id: &str, system: &str, created: &str) -> OutboxRow {
    OutboxRow {
        request_id: request_id.into(),
        case_id: case_id.into(),
        system: system.into(),
        payload: json!({"iin": "900101300123", "note": "қазақ"}),
        created_at: ts(created),
    }
}

fn outbox_claims_ids(claims: &[OutboxClaim]) -> Vec<&str> {
    claims
        .iter()
        .map(|claim| claim.row.request_id.as_str())
        .collect()
}

fn outbox_claim_lease_retry_delete(fx: &Fixture) {
    let store = &fx.store;
    let ops = vec![
        ProjectionOp::PutOutbox(outbox_row("c1/q2", "c1", "notary", "2025-03-05T04:00:01Z")),
        ProjectionOp::PutOutbox(outbox_row(
            "c1/q1",
            "c1",
            "person_database",
            "2025-03-05T04:00:00Z",
        )),
    ];
    store.append(&batch_with_ops("c1", 0, ops)).unwrap();
    // Putting a request again (a rebuild, a replayed batch) keeps it once.
    let again = vec![ProjectionOp::PutOutbox(outbox_row(
        "c1/q1",
        "c1",
        "person_database",
        "2025-03-05T04:00:00Z",
    ))];
    store.append(&batch_with_ops("c1", 1, again)).unwrap();
    assert_eq!(
        store.next_outbox_due().unwrap(),
        Some(ts("2025-03-05T04:00:00Z"))
    );
    let lease = SignedDuration::from_secs(60);
    assert!(
        store
            .claim_outbox(ts("2025-03-05T03:59:59Z"), 10, "w1", lease)
            .unwrap()
            .is_empty()
    );
    let now = ts("2025-03-05T04:00:05Z");
    let claims = store.claim_outbox(now, 10, "w1", lease).unwrap();
    assert_eq!(outbox_claims_ids(&claims), vec!["c1/q1", "c1/q2"]);
    assert_eq!(
        claims[0],
        OutboxClaim {
            row: outbox_row("c1/q1", "c1", "person_database", "2025-03-05T04:00:00Z"),
            attempts: 0,
            last_error: None,
        }
    );
    // Leased: nobody else gets them.
    assert!(store.claim_outbox(now, 10, "w2", lease).unwrap().is_empty());
    let backlog = store.outbox_backlog().unwrap();
    assert_eq!(backlog.len(), 2);
    assert_eq!(
        (
            backlog[0].system.as_str(),
            backlog[0].waiting,
            backlog[0].retrying
        ),
        ("notary", 1, 0)
    );

    // A failed attempt: the request comes back at `next`, with its count.
    let next = ts("2025-03-05T04:10:00Z");
    store.retry_outbox("c1/q1", 1, next, "timeout").unwrap();
    let later = now.checked_add(SignedDuration::from_secs(61)).unwrap();
    // q2's lease ran out (its worker may have crashed); q1 waits for `next`.
    assert_eq!(
        outbox_claims_ids(
            &store
                .claim_outbox(later, 10, "w2", SignedDuration::from_hours(1))
                .unwrap()
        ),
        vec!["c1/q2"]
    );
    let retried = store.claim_outbox(next, 10, "w3", lease).unwrap();
    assert_eq!(outbox_claims_ids(&retried), vec!["c1/q1"]);
    assert_eq!(
        (retried[0].attempts, retried[0].last_error.as_deref()),
        (1, Some("timeout"))
    );
    let backlog = store.outbox_backlog().unwrap();
    let person = backlog
        .iter()
        .find(|row| row.system == "person_database")
        .unwrap();
    assert_eq!(
        (person.waiting, person.retrying, person.oldest),
        (1, 1, ts("2025-03-05T04:00:00Z"))
    );
    assert_eq!(store.case_outbox("c1").unwrap().len(), 2);
    assert!(store.case_outbox("c2").unwrap().is_empty());

    // The answer's batch takes the request out; a late retry changes nothing.
    let answered = vec![ProjectionOp::DeleteOutbox {
        request_id: "c1/q1".into(),
    }];
    store.append(&batch_with_ops("c1", 2, answered)).unwrap();
    store.retry_outbox("c1/q1", 2, next, "late").unwrap();
    assert_eq!(
        outbox_claims_ids(&store.case_outbox("c1").unwrap()),
        vec!["c1/q2"]
    );
    // The outbox survives a reopen with its delivery state.
    let reopened = fx.reopen();
    let far = ts("2025-03-06T00:00:00Z");
    let left = reopened.claim_outbox(far, 10, "w4", lease).unwrap();
    assert_eq!(outbox_claims_ids(&left), vec!["c1/q2"]);
    assert!(store.verify().unwrap().is_clean());
}

fn exchange(request_id: &str, attempt: u32, status: &str, ms: u64) -> ExchangeRow {
    ExchangeRow {
        request_id: request_id.into(),
        case_id: request_id.split('/').next().unwrap().into(),
        system: if request_id.ends_with("q1") {
            "person_database".into()
        } else {
            "payment".into()
        },
        attempt,
        message_id: format!("m-{request_id}"),
        sent_at: ts("2025-03-05T04:00:00Z")
            .checked_add(SignedDuration::from_secs(attempt.into()))
            .unwrap(),
        duration_ms: ms,
        status: status.into(),
        answer: (status == "ok").then(|| "found".to_string()),
        request: Some("<soap:Envelope>…</soap:Envelope>".into()),
        response: None,
    }
}

fn exchanges_per_case_and_stats(fx: &Fixture) {
    let store = &fx.store;
    store
        .record_exchange(&exchange("c1/q1", 0, "timeout", 5000))
        .unwrap();
    store
        .record_exchange(&exchange("c1/q1", 1, "ok", 40))
        .unwrap();
    store
        .record_exchange(&exchange("c2/q2", 0, "on_delivery", 10))
        .unwrap();
    let mine = store.case_exchanges("c1").unwrap();
    assert_eq!(
        mine,
        vec![
            exchange("c1/q1", 0, "timeout", 5000),
            exchange("c1/q1", 1, "ok", 40)
        ]
    );
    assert!(store.case_exchanges("c3").unwrap().is_empty());
    let stats = store.exchange_stats(ts("2025-03-01T00:00:00Z")).unwrap();
    let person = stats
        .iter()
        .find(|stat| stat.system == "person_database")
        .unwrap();
    assert_eq!(
        (person.calls, person.errors, person.total_ms, person.max_ms),
        (2, 1, 5040, 5000)
    );
    let payment = stats.iter().find(|stat| stat.system == "payment").unwrap();
    // `on_delivery` is not an error.
    assert_eq!((payment.calls, payment.errors), (1, 0));
    assert!(
        store
            .exchange_stats(ts("2025-03-06T00:00:00Z"))
            .unwrap()
            .is_empty()
    );
}

/// Every text column of the PostgreSQL store compares bytewise
/// (`COLLATE "C"`, migration 0005), whatever the cluster's default: ids
/// sort as on SQLite, and key comparisons skip strcoll.
#[test]
fn postgres_text_columns_compare_bytewise() {
    let Some(fx) = Fixture::postgres() else {
        return;
    };
    let linguistic = fx.query_i64(
        "SELECT count(*) FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
           AND c.data_type = 'text' AND c.table_name <> 'schema_migrations'
           AND c.collation_name IS DISTINCT FROM 'C'",
    );
    assert_eq!(linguistic, 0);
    let text_columns = fx.query_i64(
        "SELECT count(*) FROM information_schema.columns
         WHERE table_schema = current_schema() AND data_type = 'text'
           AND collation_name = 'C'",
    );
    assert!(text_columns > 40, "{text_columns}");
    // Byte order: upper case before `_` before lower case before non-ASCII.
    for key in ["a", "Ä", "_x", "B"] {
        fx.store.put_doc("order", key, &json!(key)).unwrap();
    }
    let keys: Vec<String> = fx
        .store
        .docs("order", 10)
        .unwrap()
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert_eq!(keys, ["B", "_x", "a", "Ä"]);
}

/// A case put that keeps the status changes the other columns (SQLite
/// writes it as an update of the columns no index holds); one that changes
/// the status moves the case between the status lists; both read back
/// whole, one put after another in one group too.
fn case_puts_keeping_or_changing_status(fx: &Fixture) {
    let store = &fx.store;
    let put = |seq: u64, row: &CaseRow| {
        store
            .append(&batch_with_ops(
                "c1",
                seq,
                vec![ProjectionOp::PutCase(row.clone())],
            ))
            .unwrap()
    };
    let submitted = case_row("c1", CaseStatus::InProgress, "portal", "p1", 1);
    put(0, &submitted);
    let mut moved_on = submitted.clone();
    moved_on.current_steps = vec!["sign".to_owned()];
    moved_on.due = Some(ts("2025-03-20T13:00:00Z"));
    moved_on.version = 2;
    put(1, &moved_on);
    assert_eq!(store.case("c1").unwrap(), Some(moved_on.clone()));
    let with_status = |status: CaseStatus| {
        store
            .cases(&CaseQuery {
                status: Some(status),
                provider_id: Some("p1".into()),
                limit: 10,
                ..Default::default()
            })
            .unwrap()
    };
    assert_eq!(with_status(CaseStatus::InProgress), vec![moved_on.clone()]);

    // The status changes, then (in the same group) the due instant alone.
    let mut completed = moved_on.clone();
    completed.status = CaseStatus::Completed;
    completed.current_steps = Vec::new();
    completed.closed_at = Some(ts("2025-03-18T10:00:00Z"));
    completed.result = Some("positive".to_owned());
    completed.version = 3;
    let mut later = completed.clone();
    later.due = None;
    later.version = 4;
    let results = store.append_many(&[
        batch_with_ops("c1", 2, vec![ProjectionOp::PutCase(completed)]),
        batch_with_ops("c1", 3, vec![ProjectionOp::PutCase(later.clone())]),
    ]);
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(store.case("c1").unwrap(), Some(later.clone()));
    assert!(with_status(CaseStatus::InProgress).is_empty());
    assert_eq!(with_status(CaseStatus::Completed), vec![later.clone()]);

    // A put that changes nothing but the version still lands.
    let mut same = later.clone();
    same.version = 5;
    put(4, &same);
    assert_eq!(store.case("c1").unwrap(), Some(same));
}
