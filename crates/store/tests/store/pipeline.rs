//! Groups committed at the same time (`append_many` from several threads):
//! PostgreSQL writes groups of disjoint rows side by side on connections of
//! their own and moves the chain head in the order they were staged
//! (`crates/store/src/pg_pipeline.rs`); SQLite's single writer takes them in
//! turn. Either way the log is what the groups would have made one after
//! the other.

use std::time::Duration;

use qyzmet_storage::GroupCounts;
use qyzmet_storage::record::ProjectionOp;
use serde_json::json;

use crate::common::*;

conformance!(
    groups_from_many_threads_chain_as_one_log,
    a_group_staged_on_a_failing_one_is_redone,
);

/// Four threads, each a run of groups: its own cases, continued group
/// after group (so a case's next events are staged on a group that may
/// still be in flight), and every round one registry record that all
/// threads' groups write (so those groups share a row and must wait for
/// each other). Nothing is lost or doubled, both chains verify, and each
/// case's events are in order.
fn groups_from_many_threads_chain_as_one_log(fx: &Fixture) {
    let store = fx.store.as_ref();
    let threads = 4;
    let rounds = 12;
    let cases = 16;
    std::thread::scope(|scope| {
        for thread in 0..threads {
            scope.spawn(move || {
                for round in 0..rounds {
                    let group: Vec<_> = (0..cases)
                        .map(|n| {
                            let case_id = format!("t{thread}-c{n}");
                            let mut batch =
                                batch(&case_id, round * 2, Some(&format!("{case_id}:{round}")), 2);
                            if n == 0 {
                                batch.ops.push(ProjectionOp::PutRegistry(registry_row(
                                    "r",
                                    &format!("shared-{round}"),
                                    &case_id,
                                    json!({ "thread": thread }),
                                )));
                            }
                            batch
                        })
                        .collect();
                    for (n, result) in store.append_many(&group).into_iter().enumerate() {
                        let appended = result.unwrap_or_else(|error| {
                            panic!("thread {thread} round {round} case {n}: {error}")
                        });
                        assert_eq!(appended.last_seq, round * 2 + 2);
                        assert!(!appended.duplicate);
                    }
                }
            });
        }
    });
    let report = store.verify().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    let total = threads * rounds * cases as u64 * 2;
    assert_eq!(report.events_checked, total);
    let events = store.events_since(0, total as usize + 1).unwrap();
    assert_eq!(events.len() as u64, total);
    for (index, event) in events.iter().enumerate() {
        assert_eq!(event.global_seq, index as u64 + 1, "gapless");
    }
    for thread in 0..threads {
        for n in 0..cases {
            let case_id = format!("t{thread}-c{n}");
            let seqs: Vec<u64> = store
                .case_events(&case_id)
                .unwrap()
                .iter()
                .map(|event| event.seq)
                .collect();
            assert_eq!(seqs, (1..=rounds * 2).collect::<Vec<_>>(), "{case_id}");
        }
    }
    for round in 0..rounds {
        let record = store.registry("r", &format!("shared-{round}")).unwrap();
        assert!(record.is_some(), "shared-{round}");
    }
    // A retry of every command of one thread's last round is a duplicate.
    let retry: Vec<_> = (0..cases)
        .map(|n| {
            let case_id = format!("t0-c{n}");
            batch(
                &case_id,
                (rounds - 1) * 2,
                Some(&format!("{case_id}:{}", rounds - 1)),
                2,
            )
        })
        .collect();
    for result in store.append_many(&retry) {
        assert!(result.unwrap().duplicate);
    }
    assert_eq!(store.verify().unwrap().events_checked, total);
    // PostgreSQL wrote the groups on its pipeline and redid none: a group
    // whose head statement wrongly found the head moved would be redone
    // (and the results above would still be right).
    let counts = store.group_counts();
    if fx.is_postgres() {
        assert!(counts.pipelined > 0, "{counts:?}");
        assert_eq!(counts.redone, 0, "{counts:?}");
    } else {
        assert_eq!(counts, GroupCounts::default());
    }
}

/// The first group is slow and then fails in the database (a trigger
/// sleeps on its first event and refuses one of its batches); a second
/// group of other cases, appended while the first is being written, is
/// staged on top of it (on PostgreSQL) and so must not keep that chain: it
/// is redone on the log as it is. The refused batch fails alone, every
/// other batch of both groups commits, and both chains verify.
fn a_group_staged_on_a_failing_one_is_redone(fx: &Fixture) {
    fx.exec_for(
        "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.kind = 'refused'
         BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END;",
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN
                IF NEW.kind = 'slow' THEN PERFORM pg_sleep(0.4); END IF;
                IF NEW.kind = 'refused' THEN RAISE EXCEPTION 'refused by trigger'; END IF;
                RETURN NEW;
              END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse();",
    );
    let store = fx.store.as_ref();
    store.append(&batch("before", 0, Some("k0"), 1)).unwrap();
    let mut slow = batch("a1", 0, Some("a1"), 1);
    slow.events[0].kind = "slow".into();
    let mut refused = batch("a2", 0, Some("a2"), 2);
    refused.events[1].kind = "refused".into();
    let first = vec![slow, refused, batch("a3", 0, Some("a3"), 1)];
    let second: Vec<_> = (0..5)
        .map(|n| batch(&format!("b{n}"), 0, Some(&format!("b{n}")), 2))
        .collect();
    let (first_results, second_results) = std::thread::scope(|scope| {
        let first = scope.spawn(|| store.append_many(&first));
        std::thread::sleep(Duration::from_millis(150));
        let second = scope.spawn(|| store.append_many(&second));
        (first.join().unwrap(), second.join().unwrap())
    });
    assert!(first_results[0].is_ok(), "{:?}", first_results[0]);
    assert!(first_results[1].is_err(), "{:?}", first_results[1]);
    assert!(first_results[2].is_ok(), "{:?}", first_results[2]);
    for result in &second_results {
        assert_eq!(result.as_ref().unwrap().last_seq, 2);
    }
    assert_eq!(store.case_head("a2").unwrap(), 0);
    assert_eq!(store.idempotency("a2").unwrap(), None);
    let report = store.verify().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    assert_eq!(report.events_checked, 1 + 2 + 5 * 2);
    // The log goes on from the head both groups left.
    let next = store.append(&batch("after", 0, None, 1)).unwrap();
    assert_eq!(next.last_global_seq, 1 + 2 + 5 * 2 + 1);
    // On PostgreSQL the first group was pipelined and redone (and the
    // second too, when it was staged on the first).
    if fx.is_postgres() {
        let counts = store.group_counts();
        assert!(counts.redone >= 1, "{counts:?}");
    }
}
