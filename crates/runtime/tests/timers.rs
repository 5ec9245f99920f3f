//! Timers through the store: an overdue step fires once and escalates to the
//! head; a timer whose step was finished in time leaves nothing to fire.

use jiff::{Timestamp, ToSpan};
use qyzmet_engine::{Action, Actor, Command, Grant};
use qyzmet_runtime::Runtime;
use qyzmet_store::TaskQuery;

mod office;

use office::submit;

fn runtime(dir: &tempfile::TempDir) -> Runtime {
    office::runtime(&dir.path().join("t.db"))
}

#[test]
fn an_overdue_step_fires_once_and_escalates_to_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir);
    // Monday 1 April 2024, 10:00 in Kyzylorda: the executor has 3 working days.
    let start: Timestamp = "2024-04-01T05:00:00Z".parse().unwrap();
    let case = submit(&runtime, "late", start);
    let task = case.open_tasks().next().unwrap().clone();
    let due = task.due.expect("the step has a limit");

    // Before the due instant nothing fires.
    assert_eq!(
        runtime
            .fire_due_timers(due.checked_sub(1.minute()).unwrap(), "w1", 100)
            .unwrap(),
        0
    );
    // After it, the step's timer fires once, whoever asks how often.
    let after = due.checked_add(1.minute()).unwrap();
    assert_eq!(runtime.fire_due_timers(after, "w1", 100).unwrap(), 1);
    assert_eq!(runtime.fire_due_timers(after, "w2", 100).unwrap(), 0);

    let escalations: Vec<_> = runtime
        .store
        .tasks(&TaskQuery {
            limit: 100,
            ..TaskQuery::default()
        })
        .unwrap()
        .into_iter()
        .filter(|row| row.escalation)
        .collect();
    assert_eq!(escalations.len(), 1, "{escalations:?}");
    assert_eq!(escalations[0].role, "head");
    assert!(runtime.store.verify().unwrap().is_clean());
}

#[test]
fn a_step_done_in_time_leaves_no_timer_to_fire() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir);
    let start: Timestamp = "2024-04-01T05:00:00Z".parse().unwrap();
    let case = submit(&runtime, "on-time", start);
    let task = case.open_tasks().next().unwrap().clone();
    let due = task.due.unwrap();
    let done = runtime
        .run(
            &Command {
                case_id: "on-time".into(),
                actor: Actor {
                    user_id: "o".into(),
                    grants: vec![Grant {
                        role: task.role.clone(),
                        unit: task.unit.clone(),
                    }],
                },
                idempotency_key: None,
                expected_version: None,
                action: Action::Complete {
                    task_id: task.task_id.clone(),
                    outcome: None,
                    data: serde_json::Value::Null,
                },
            },
            None,
            start.checked_add(1.hour()).unwrap(),
        )
        .unwrap()
        .case;
    // The executor's step delivers the registration to the labour market
    // system; its answer takes the case to the head.
    let request = done
        .open_requests()
        .next()
        .expect("po-2 asks the labour market system")
        .clone();
    runtime
        .run(
            &Command {
                case_id: "on-time".into(),
                actor: Actor {
                    user_id: "gateway".into(),
                    grants: vec![],
                },
                idempotency_key: None,
                expected_version: None,
                action: Action::RecordAnswer {
                    request_id: request.request_id,
                    answer: request.system.positive(),
                    data: serde_json::Value::Null,
                },
            },
            None,
            start.checked_add(1.hour()).unwrap(),
        )
        .unwrap();
    // The next step's timer is the only one left, due long after the first.
    let next_due = runtime
        .store
        .next_timer_due()
        .unwrap()
        .expect("the head's step has a limit");
    assert!(
        next_due < due,
        "the head's 15 minutes end before the executor's 3 days"
    );
    // At the executor's old due instant only the head's (overdue) timer fires.
    assert_eq!(
        runtime
            .fire_due_timers(due.checked_add(1.minute()).unwrap(), "w", 100)
            .unwrap(),
        1
    );
    assert!(!done.is_closed());
}
