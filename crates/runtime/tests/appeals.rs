//! The appeal follow-up on a real SQLite file: an upheld appeal reopens the
//! refused case once, however often the follow-up runs or restarts; a
//! rejected appeal reopens nothing; an upheld appeal about a case that is not
//! refused is reported, not forced.

use jiff::{Timestamp, ToSpan};
use qyzmet_calendar::Calendar;
use qyzmet_engine::{Action, Actor, Applicant, ApplicantKind, Case, Command, Grant, Provider};
use qyzmet_runtime::appeals::{CURSOR_COLLECTION, CURSOR_KEY};
use qyzmet_runtime::{Catalog, Runtime};
use qyzmet_storage::record::CaseStatus;
use serde_json::json;

const SERVICE: &str = "west-kazakhstan/2016-122/unemployed-certificate";
const APPEAL: &str = "west-kazakhstan/2016-122/appeal";
const IIN: &str = "900101300037";

fn runtime(dir: &tempfile::TempDir) -> Runtime {
    let calendar = Calendar::kazakhstan();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../regulations");
    let catalog = Catalog::from_dir(&root, &calendar).unwrap();
    let store = qyzmet_store::open(dir.path().join("a.db").to_str().unwrap()).unwrap();
    Runtime::new(store, catalog, calendar)
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn submit(
    runtime: &Runtime,
    regulation: &str,
    case_id: &str,
    route: &str,
    form: serde_json::Value,
    now: Timestamp,
) -> Case {
    let model = &runtime.catalog.by_id(regulation).unwrap().model;
    let channel = model.route(route).unwrap().channel;
    let command = Command {
        case_id: case_id.into(),
        actor: Actor {
            user_id: "clerk".into(),
            grants: vec![],
        },
        idempotency_key: Some(format!("submit:{case_id}")),
        expected_version: None,
        action: Action::Submit {
            route: route.into(),
            applicant: Applicant {
                id: IIN.into(),
                kind: ApplicantKind::Individual,
                region: "west-kazakhstan".into(),
                ..Applicant::default()
            },
            form,
            documents: model
                .documents()
                .iter()
                .filter(|d| d.channels.contains(&channel))
                .map(|d| (d.id.clone(), true))
                .collect(),
            provider: Provider {
                id: "wk-prov".into(),
                region: "west-kazakhstan".into(),
                units: qyzmet_runtime::default_units(model, "wk-prov"),
            },
            checks: Default::default(),
            signature: None,
            representative: None,
        },
    };
    runtime.run(&command, Some(regulation), now).unwrap().case
}

/// Completes open tasks, taking `outcome(step)` at decisions, until the case
/// closes or stands at `stop`.
fn drive(
    runtime: &Runtime,
    mut case: Case,
    outcome: impl Fn(&str) -> Option<&'static str>,
    stop: Option<&str>,
    now: &mut Timestamp,
) -> Case {
    for _ in 0..64 {
        if case.is_closed() || stop.is_some_and(|stop| case.current_step.as_deref() == Some(stop)) {
            return case;
        }
        let task = case.open_tasks().next().cloned().expect("an open task");
        *now = now.checked_add(10.minutes()).unwrap();
        let command = Command {
            case_id: case.case_id.clone(),
            actor: Actor {
                user_id: "officer".into(),
                grants: vec![Grant {
                    role: task.role.clone(),
                    unit: task.unit.clone(),
                }],
            },
            idempotency_key: None,
            expected_version: Some(case.version),
            action: Action::Complete {
                task_id: task.task_id.clone(),
                outcome: outcome(&task.step).map(str::to_owned),
                data: json!({}),
            },
        };
        case = runtime.run(&command, None, *now).unwrap().case;
    }
    panic!("case {} did not settle", case.case_id);
}

fn appeal_form(about: &str) -> serde_json::Value {
    json!({"about_case": about, "about": "decision", "grounds": "all documents were handed in"})
}

#[test]
fn an_upheld_appeal_reopens_the_refused_case_once() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir);
    let mut now = at("2025-06-02T05:00:00Z");
    let refuse = |step: &str| (step == "po-3").then_some("refusal");
    let case = submit(&runtime, SERVICE, "orig", "provider_office", json!({}), now);
    let case = drive(&runtime, case, refuse, None, &mut now);
    assert_eq!(case.status(), CaseStatus::Refused);

    // A rejected appeal reopens nothing.
    let rejected = submit(
        &runtime,
        APPEAL,
        "ap-rejected",
        "provider_office/provider",
        appeal_form("orig"),
        now,
    );
    let reject = |step: &str| (step == "consider").then_some("rejected");
    let rejected = drive(&runtime, rejected, reject, None, &mut now);
    assert_eq!(rejected.result.as_deref(), Some("appeal-rejected"));
    let round = runtime.follow_appeals(now, 1_000).unwrap();
    assert_eq!(round.reopened, 0);
    assert!(round.cursor > 0);
    assert_eq!(runtime.appeal_cursor().unwrap(), round.cursor);

    // An upheld one reopens the case at the executor's decision.
    let upheld = submit(
        &runtime,
        APPEAL,
        "ap-upheld",
        "provider_office/provider",
        appeal_form("orig"),
        now,
    );
    let uphold = |step: &str| (step == "consider").then_some("upheld");
    let upheld = drive(&runtime, upheld, uphold, None, &mut now);
    assert_eq!(upheld.result.as_deref(), Some("appeal-upheld"));
    let round = runtime.follow_appeals(now, 1_000).unwrap();
    assert_eq!(round.reopened, 1, "{round:?}");
    let row = runtime.store.case("orig").unwrap().unwrap();
    assert_eq!(row.status, CaseStatus::InProgress);
    assert_eq!(row.current_steps, vec!["po-3".to_owned()]);
    let version = row.version;

    // Nothing new: nothing happens. A crash that lost the cursor re-reads
    // the log, and the idempotency key keeps the case as it is.
    assert_eq!(runtime.follow_appeals(now, 1_000).unwrap().reopened, 0);
    runtime
        .store
        .put_doc(CURSOR_COLLECTION, CURSOR_KEY, &json!({"global_seq": 0}))
        .unwrap();
    let again = runtime.follow_appeals(now, 1_000).unwrap();
    assert_eq!(again.reopened, 0);
    assert!(again.not_reopened.is_empty(), "{again:?}");
    assert_eq!(
        runtime.store.case("orig").unwrap().unwrap().version,
        version
    );

    // The reopened case ends with the certificate.
    let case = qyzmet_engine::replay(&runtime.store.case_events("orig").unwrap())
        .unwrap()
        .unwrap();
    let certify = |step: &str| (step == "po-3").then_some("certificate");
    let case = drive(&runtime, case, certify, None, &mut now);
    assert_eq!(case.status(), CaseStatus::Completed);
    assert_eq!(case.reopened_by, vec!["ap-upheld".to_owned()]);
    assert!(runtime.store.verify().unwrap().is_clean());
}

#[test]
fn an_upheld_appeal_about_a_case_that_is_not_refused_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir);
    let mut now = at("2025-06-02T05:00:00Z");
    let open = submit(&runtime, SERVICE, "open", "provider_office", json!({}), now);
    let open = drive(&runtime, open, |_| None, Some("po-2"), &mut now);
    assert!(!open.is_closed());
    let uphold = |step: &str| (step == "consider").then_some("upheld");
    for (appeal, about) in [("ap-open", "open"), ("ap-nowhere", "no-such-case")] {
        let case = submit(
            &runtime,
            APPEAL,
            appeal,
            "provider_office/provider",
            appeal_form(about),
            now,
        );
        drive(&runtime, case, uphold, None, &mut now);
    }
    let round = runtime.follow_appeals(now, 1_000).unwrap();
    assert_eq!(round.reopened, 0);
    let codes: Vec<(&str, &str)> = round
        .not_reopened
        .iter()
        .map(|n| (n.appeal.as_str(), n.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        vec![("ap-open", "wrong_state"), ("ap-nowhere", "unknown_case")]
    );
    assert_eq!(
        runtime.store.case("open").unwrap().unwrap().current_steps,
        vec!["po-2".to_owned()]
    );
}
