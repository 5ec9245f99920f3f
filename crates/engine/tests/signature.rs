//! The portal's signature check (`verifies: request_signature`): the
//! verification's result, recorded with the submission, chooses the
//! decision's branch; a failed check on a route without a refusal for it
//! refuses the submission.

mod common;

use common::{actor, load_model};
use jiff::Timestamp;
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_engine::{
    Action, Applicant, Case, Command, Context, EngineError, NoRegistries, Provider,
    RequestSignature, execute,
};
use qyzmet_regulation::ProcessModel;
use qyzmet_storage::record::CaseStatus;
use serde_json::json;

const WITH_BRANCH: &str = "west-kazakhstan/2016-122/unemployed-certificate";
const WITHOUT_BRANCH: &str = "kyzylorda/2015-141/unemployed-certificate";

fn signature(failure: Option<&str>) -> RequestSignature {
    RequestSignature {
        request_sha256: "ab".repeat(32),
        failure: failure.map(str::to_owned),
        signer: Some("САРСЕНОВА АЙГҮЛ".into()),
        signer_iin: Some("850305300103".into()),
        certificate_serial: Some("01".into()),
        signing_time: None,
    }
}

fn submit(region: &str, signature: Option<RequestSignature>) -> Command {
    let signature = signature.map(Box::new);
    Command {
        case_id: "c1".into(),
        actor: actor("850305300103", &[]),
        idempotency_key: None,
        expected_version: None,
        action: Action::Submit {
            route: "portal".into(),
            applicant: Applicant {
                id: "850305300103".into(),
                region: region.into(),
                ..Applicant::default()
            },
            form: json!({}),
            documents: Default::default(),
            provider: Provider {
                id: "prov".into(),
                region: region.into(),
                units: [
                    ("service_centre".to_owned(), "sc".to_owned()),
                    ("provider".to_owned(), "prov".to_owned()),
                ]
                .into(),
            },
            checks: Default::default(),
            signature,
            representative: None,
        },
    }
}

fn run(model: &ProcessModel, command: &Command) -> Result<Case, EngineError> {
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let ctx = Context {
        now: "2025-03-04T05:00:00Z".parse::<Timestamp>().unwrap(),
        model,
        calendar: &calendar,
        schedule: &schedule,
        registries: &NoRegistries,
    };
    execute(None, command, &ctx).map(|executed| executed.case)
}

fn visited(case: &Case) -> Vec<&str> {
    case.trail.iter().map(|visit| visit.step.as_str()).collect()
}

#[test]
fn a_confirmed_signature_takes_the_first_branch() {
    let model = load_model(&Calendar::kazakhstan(), WITH_BRANCH, &[]);
    let case = run(&model, &submit("west-kazakhstan", Some(signature(None)))).unwrap();
    assert!(visited(&case).contains(&"p-condition-2"));
    assert!(
        visited(&case).contains(&"p-process-5"),
        "{:?} {:?}",
        visited(&case),
        case.result
    );
    assert!(
        !visited(&case).contains(&"p-process-4"),
        "{:?}",
        visited(&case)
    );
    let check = case
        .trail
        .iter()
        .find(|visit| visit.step == "p-condition-2");
    assert_eq!(
        check.and_then(|visit| visit.outcome.as_deref()),
        Some("valid")
    );
    assert_eq!(case.signature, Some(signature(None)));
}

#[test]
fn a_refused_signature_follows_the_regulations_refusal() {
    let model = load_model(&Calendar::kazakhstan(), WITH_BRANCH, &[]);
    let refused = signature(Some("revoked"));
    let case = run(&model, &submit("west-kazakhstan", Some(refused.clone()))).unwrap();
    assert!(
        visited(&case).contains(&"p-process-4"),
        "{:?}",
        visited(&case)
    );
    let check = case
        .trail
        .iter()
        .find(|visit| visit.step == "p-condition-2");
    assert_eq!(
        check.and_then(|visit| visit.outcome.as_deref()),
        Some("invalid")
    );
    assert!(case.is_closed());
    assert_eq!(case.result.as_deref(), Some("motivated-refusal"));
    assert_eq!(case.status(), CaseStatus::Refused, "{:?}", case.status());
    assert_eq!(case.signature, Some(refused));
}

#[test]
fn the_check_reported_by_the_signature_wins_over_checks() {
    let model = load_model(&Calendar::kazakhstan(), WITH_BRANCH, &[]);
    let mut command = submit("west-kazakhstan", Some(signature(Some("expired"))));
    if let Action::Submit { checks, .. } = &mut command.action {
        checks.insert("p-condition-2".into(), "valid".into());
    }
    let case = run(&model, &command).unwrap();
    assert_eq!(case.result.as_deref(), Some("motivated-refusal"));
}

#[test]
fn a_route_without_a_refusal_for_it_refuses_the_submission() {
    let model = load_model(&Calendar::kazakhstan(), WITHOUT_BRANCH, &[]);
    let error = run(
        &model,
        &submit("kyzylorda", Some(signature(Some("iin-mismatch")))),
    )
    .unwrap_err();
    assert_eq!(error.code(), "signature_rejected");
    assert!(
        matches!(error, EngineError::SignatureRejected { failure } if failure == "iin-mismatch")
    );
    // A confirmed signature passes the automatic step.
    let case = run(&model, &submit("kyzylorda", Some(signature(None)))).unwrap();
    assert!(visited(&case).contains(&"p-6"), "{:?}", visited(&case));
}
