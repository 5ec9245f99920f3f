//! The runtime remembers the state of the cases it ran, so that a command
//! does not replay the whole log; a remembered state another process has
//! moved past must never decide a command. Two runtimes on one database file
//! stand for two `qyzmet serve` processes.

use jiff::{Timestamp, ToSpan};
use qyzmet_engine::{Action, Actor, Case, Command, Grant};
use qyzmet_runtime::Runtime;

mod office;

use office::{APPLICANT, REGULATION, runtime, submit};

/// The next command of `case` as the caller sees it: a state system's
/// positive answer to a pending request, else the first open task completed
/// with its step's first outcome.
fn complete_first(case: &Case, runtime: &Runtime, expected: Option<u64>) -> Command {
    if let Some(request) = case
        .requests
        .values()
        .find(|request| request.status == qyzmet_engine::RequestStatus::Pending)
    {
        return Command {
            case_id: case.case_id.clone(),
            actor: Actor {
                user_id: "gateway".into(),
                grants: vec![],
            },
            idempotency_key: None,
            expected_version: expected,
            action: Action::RecordAnswer {
                request_id: request.request_id.clone(),
                answer: request.system.positive(),
                data: serde_json::Value::Null,
            },
        };
    }
    let model = &runtime.catalog.by_id(REGULATION).unwrap().model;
    let task = case.open_tasks().next().expect("an open task").clone();
    let outcome = model
        .step(&case.route, &task.step)
        .and_then(|step| step.outcomes.first())
        .map(|outcome| outcome.id.clone());
    Command {
        case_id: case.case_id.clone(),
        actor: Actor {
            user_id: "officer".into(),
            grants: vec![Grant {
                role: task.role.clone(),
                unit: task.unit.clone(),
            }],
        },
        idempotency_key: None,
        expected_version: expected,
        action: Action::Complete {
            task_id: task.task_id.clone(),
            outcome,
            data: serde_json::Value::Null,
        },
    }
}

fn replayed(runtime: &Runtime, case_id: &str) -> Case {
    qyzmet_engine::replay(&runtime.store.case_events(case_id).unwrap())
        .unwrap()
        .unwrap()
}

#[test]
fn a_state_another_process_moved_past_does_not_decide() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let a = runtime(&path);
    let b = runtime(&path);
    let at: Timestamp = "2024-04-01T05:00:00Z".parse().unwrap();

    // A files the case and remembers it.
    let filed = submit(&a, "c1", at);
    // B moves it on: the first task done, the next one open.
    let moved = b
        .run(
            &complete_first(&filed, &b, Some(filed.version)),
            None,
            at + 10.minutes(),
        )
        .unwrap()
        .case;
    assert!(moved.version > filed.version);

    // A is asked, from B's fresh view, to do the next task: A's remembered
    // state knows neither that task nor that version, and must not refuse.
    let next = complete_first(&moved, &a, Some(moved.version));
    let done = a.run(&next, None, at + 20.minutes()).unwrap();
    assert!(done.events > 0);
    assert_eq!(done.case, replayed(&a, "c1"));

    // B's remembered state is now stale in turn; a command valid on both
    // states (a withdrawal) is decided on the log, not on the stale state:
    // the store's version check refuses the stale decision, the case is
    // replayed and the withdrawal lands after A's events.
    let withdraw = Command {
        case_id: "c1".into(),
        actor: Actor {
            // The applicant withdraws: their user id is their IIN.
            user_id: APPLICANT.into(),
            grants: vec![],
        },
        idempotency_key: None,
        expected_version: None,
        action: Action::Withdraw { reason: None },
    };
    let withdrawn = b.run(&withdraw, None, at + 30.minutes()).unwrap();
    assert!(withdrawn.events > 0);
    assert_eq!(withdrawn.case, replayed(&b, "c1"));
    assert!(withdrawn.case.version > done.case.version);
    assert!(withdrawn.case.is_closed());
    assert!(a.store.verify().unwrap().is_clean());
}

#[test]
fn a_remembered_case_decides_like_a_replayed_one() {
    // One process: every command decided on the remembered state gives the
    // state the log replays to.
    let dir = tempfile::tempdir().unwrap();
    let a = runtime(&dir.path().join("one.db"));
    let at: Timestamp = "2024-04-01T05:00:00Z".parse().unwrap();
    let mut case = submit(&a, "c2", at);
    for n in 0..8 {
        if case.is_closed() {
            break;
        }
        let command = complete_first(&case, &a, Some(case.version));
        case = a
            .run(&command, None, at + (10 * (n + 1)).minutes())
            .unwrap()
            .case;
        assert_eq!(case, replayed(&a, "c2"), "after command {n}");
    }
}
