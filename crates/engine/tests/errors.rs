//! One test per typed error that scenarios do not already reach, plus the
//! rule that an error changes nothing. (Scenario files cover wrong_role,
//! wrong_state, task_already_done, already_claimed, assigned_to_other,
//! outcome_required, unknown_outcome, unexpected_outcome, invalid_data,
//! unknown_role, unknown_task, unknown_timer, timer_not_due, stale_version,
//! wrong_regulation, case_exists, unknown_route, invalid_submission,
//! extension_not_allowed, already_extended.)

mod common;

use common::{Patch, actor, load_model};
use jiff::Timestamp;
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_engine::{
    Action, Applicant, Case, Command, Context, EngineError, NoRegistries, Provider, decide,
    execute, replay,
};
use qyzmet_regulation::ProcessModel;
use qyzmet_storage::record::StoredEvent;
use serde_json::json;

const CERTIFICATE: &str = "kyzylorda/2015-141/unemployed-certificate";

fn at(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

fn submit(case_id: &str, route: &str) -> Command {
    Command {
        case_id: case_id.into(),
        actor: actor("clerk", &[]),
        idempotency_key: Some("k1".into()),
        expected_version: None,
        action: Action::Submit {
            route: route.into(),
            applicant: Applicant {
                id: "850305300103".into(),
                region: "kyzylorda".into(),
                ..Applicant::default()
            },
            form: json!({}),
            documents: [
                ("application".to_owned(), true),
                ("identity-document".to_owned(), true),
            ]
            .into(),
            provider: Provider {
                id: "prov".into(),
                region: "kyzylorda".into(),
                units: [("service_centre".to_owned(), "sc".to_owned())].into(),
            },
            checks: Default::default(),
            signature: None,
            representative: None,
        },
    }
}

fn run(
    model: &ProcessModel,
    state: Option<&Case>,
    command: &Command,
    now: &str,
) -> Result<Case, EngineError> {
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let ctx = Context {
        now: at(now),
        model,
        calendar: &calendar,
        schedule: &schedule,
        registries: &NoRegistries,
    };
    execute(state, command, &ctx).map(|executed| executed.case)
}

fn model(patches: &[(&str, &str)]) -> ProcessModel {
    let patches: Vec<Patch> = patches
        .iter()
        .map(|(find, replace)| Patch {
            find: (*find).into(),
            replace: (*replace).into(),
        })
        .collect();
    load_model(&Calendar::kazakhstan(), CERTIFICATE, &patches)
}

#[test]
fn unknown_case() {
    let model = model(&[]);
    let command = Command {
        action: Action::Claim {
            task_id: "x/t1".into(),
        },
        ..submit("nope", "provider_office")
    };
    let error = run(&model, None, &command, "2025-06-02T10:00:00+05:00").unwrap_err();
    assert_eq!(error.code(), "unknown_case");
    // A command naming another case than the state's is unknown too.
    let case = run(
        &model,
        None,
        &submit("c1", "provider_office"),
        "2025-06-02T10:00:00+05:00",
    )
    .unwrap();
    let other = Command {
        case_id: "c2".into(),
        ..command
    };
    let error = run(&model, Some(&case), &other, "2025-06-02T10:00:00+05:00").unwrap_err();
    assert_eq!(error.code(), "unknown_case");
}

#[test]
fn rule_error_when_an_expression_fails_at_run_time() {
    // Without the `in` guard the look-up of a missing record fails.
    let model = model(&[(
        "require: documents[\"application\"] && documents[\"identity-document\"]",
        "require: registries.unemployed[applicant.iin].active",
    )]);
    let error = run(
        &model,
        None,
        &submit("c1", "service_centre"),
        "2025-06-02T10:00:00+05:00",
    )
    .unwrap_err();
    assert_eq!(error.code(), "rule_error", "{error}");
}

#[test]
fn no_outcome_when_no_condition_holds() {
    let model = model(&[
        (
            "{id: accepted, label: {kk: құжаттар толық, ru: пакет полный}, next: sc-3}",
            "{id: accepted, label: {kk: құжаттар толық, ru: пакет полный}, next: sc-3, when: \"false\"}",
        ),
        (
            "{id: incomplete, label: {kk: құжаттар толық емес, ru: пакет неполный}, next: sc-refused}",
            "{id: incomplete, label: {kk: құжаттар толық емес, ru: пакет неполный}, next: sc-refused, when: \"1 == 2\"}",
        ),
    ]);
    let error = run(
        &model,
        None,
        &submit("c1", "service_centre"),
        "2025-06-02T10:00:00+05:00",
    )
    .unwrap_err();
    assert_eq!(
        error,
        EngineError::NoOutcome {
            step: "sc-2".into()
        }
    );
}

#[test]
fn automatic_decision_by_when() {
    let model = model(&[(
        "{id: incomplete, label: {kk: құжаттар толық емес, ru: пакет неполный}, next: sc-refused}",
        "{id: incomplete, label: {kk: құжаттар толық емес, ru: пакет неполный}, next: sc-refused, when: \"!documents['identity-document']\"}",
    )]);
    // `accepted` has no `when`: it is the otherwise-branch.
    let case = run(
        &model,
        None,
        &submit("c1", "service_centre"),
        "2025-06-02T10:00:00+05:00",
    )
    .unwrap();
    assert_eq!(case.current_step.as_deref(), Some("sc-3"));
    assert!(case.receipt.is_some());
}

#[test]
fn too_many_transitions_in_an_automatic_loop() {
    // p-8 decides automatically to go back to p-3 for ever (p-7 no longer
    // asks the labour market system, so nothing waits in between).
    let model = model(&[
        (
            "        calls: [labour_market]\n        manual_check: executor\n",
            "",
        ),
        (
            "        kind: auto\n        role: labour-market",
            "        kind: decision\n        role: labour-market\n        outcomes:\n          - {id: again, label: {kk: қайта}, next: p-3, when: \"true\"}\n          - {id: done, label: {kk: дайын}, next: p-end}",
        ),
        (
            "        next: p-end\n        source: {line: 470",
            "        source: {line: 470",
        ),
    ]);
    let error = run(
        &model,
        None,
        &submit("c1", "portal"),
        "2025-06-02T10:00:00+05:00",
    )
    .unwrap_err();
    assert_eq!(error.code(), "too_many_transitions", "{error}");
}

#[test]
fn calendar_error_outside_the_calendar() {
    let model = model(&[]);
    let error = run(
        &model,
        None,
        &submit("c1", "provider_office"),
        "2150-06-02T10:00:00+05:00",
    )
    .unwrap_err();
    assert_eq!(error.code(), "calendar", "{error}");
}

#[test]
fn model_inconsistent_when_a_graph_lost_an_edge() {
    let mut model = model(&[]);
    let route = model
        .routes
        .iter_mut()
        .find(|r| r.key == "provider_office")
        .unwrap();
    let index = route.node("po-1").unwrap();
    route.nodes[index].edges.clear();
    let error = run(
        &model,
        None,
        &submit("c1", "provider_office"),
        "2025-06-02T10:00:00+05:00",
    )
    .unwrap_err();
    assert_eq!(error.code(), "model_inconsistent");
}

#[test]
fn an_error_changes_nothing_and_decide_is_pure() {
    let model = model(&[]);
    let case = run(
        &model,
        None,
        &submit("c1", "provider_office"),
        "2025-06-02T10:00:00+05:00",
    )
    .unwrap();
    let before = case.clone();
    let wrong = Command {
        actor: actor("nobody", &[]),
        action: Action::Complete {
            task_id: "c1/t5".into(),
            outcome: None,
            data: json!({}),
        },
        ..submit("c1", "provider_office")
    };
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let ctx = Context {
        now: at("2025-06-02T10:01:00+05:00"),
        model: &model,
        calendar: &calendar,
        schedule: &schedule,
        registries: &NoRegistries,
    };
    assert_eq!(
        decide(Some(&case), &wrong, &ctx).unwrap_err().code(),
        "wrong_role"
    );
    assert_eq!(case, before);
    // Deciding twice gives the same events: no hidden clock or randomness.
    let good = Command {
        actor: actor("e", &[("executor", "prov")]),
        ..wrong
    };
    assert_eq!(
        decide(Some(&case), &good, &ctx).unwrap(),
        decide(Some(&case), &good, &ctx).unwrap()
    );
}

#[test]
fn batch_numbers_events_after_the_state() {
    let model = model(&[]);
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let ctx = Context {
        now: at("2025-06-02T10:00:00+05:00"),
        model: &model,
        calendar: &calendar,
        schedule: &schedule,
        registries: &NoRegistries,
    };
    let first = execute(None, &submit("c1", "provider_office"), &ctx).unwrap();
    assert_eq!(first.batch.expected_seq, 0);
    assert_eq!(first.batch.idempotency_key.as_deref(), Some("k1"));
    assert_eq!(first.batch.events[0].seq, 1);
    assert_eq!(first.batch.events[0].kind, "case_submitted");
    let complete = Command {
        actor: actor("e", &[("executor", "prov")]),
        idempotency_key: None,
        action: Action::Complete {
            task_id: "c1/t5".into(),
            outcome: None,
            data: json!(null),
        },
        ..submit("c1", "provider_office")
    };
    let second = execute(Some(&first.case), &complete, &ctx).unwrap();
    assert_eq!(second.batch.expected_seq, first.case.version);
    assert_eq!(second.batch.events[0].seq, first.case.version + 1);
}

fn stored(case: &str, events: &[qyzmet_storage::record::NewEvent]) -> Vec<StoredEvent> {
    events
        .iter()
        .enumerate()
        .map(|(index, event)| StoredEvent {
            case_id: case.into(),
            seq: event.seq,
            global_seq: index as u64 + 1,
            kind: event.kind.clone(),
            payload: event.payload.to_value(),
            at: event.at,
            hash: String::new(),
        })
        .collect()
}

#[test]
fn corrupt_log() {
    let model = model(&[]);
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let ctx = Context {
        now: at("2025-06-02T10:00:00+05:00"),
        model: &model,
        calendar: &calendar,
        schedule: &schedule,
        registries: &NoRegistries,
    };
    let executed = execute(None, &submit("c1", "provider_office"), &ctx).unwrap();
    let log = stored("c1", &executed.batch.events);
    assert_eq!(replay(&log).unwrap(), Some(executed.case));
    assert_eq!(replay(&[]).unwrap(), None);

    let mut gap = log.clone();
    gap.remove(1);
    assert_eq!(replay(&gap).unwrap_err().code(), "corrupt_log");

    let mut wrong_kind = log.clone();
    wrong_kind[1].kind = "case_closed".into();
    assert_eq!(replay(&wrong_kind).unwrap_err().code(), "corrupt_log");

    let mut garbage = log.clone();
    garbage[2].payload = json!({"type": "no_such_event"});
    assert_eq!(replay(&garbage).unwrap_err().code(), "corrupt_log");

    let headless = log[1..].to_vec();
    assert_eq!(replay(&headless).unwrap_err().code(), "corrupt_log");
}
