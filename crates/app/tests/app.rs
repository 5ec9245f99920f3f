//! The application layer over a real SQLite file and the Kyzylorda
//! unemployed registration: the rules of intake, the evidence committed
//! with the case, and the rule that a step signing the result completes only
//! by signing it.

use std::collections::BTreeMap;

use jiff::Timestamp;
use qyzmet_app::tasks::{Act, Signatures, SignedFile, SignedResult};
use qyzmet_app::{Account, AccountKind, Directory, Error, Kind, ProviderInfo, SubmitRequest};
use qyzmet_calendar::Calendar;
use qyzmet_engine::{Action, Actor, Case, Command, Grant};
use qyzmet_runtime::{Catalog, Runtime};
use serde_json::{Value, json};

const REGULATION: &str = "kyzylorda/2015-141/unemployed-registration";
const APPLICANT: &str = "900101300037";

fn runtime(dir: &tempfile::TempDir) -> Runtime {
    let calendar = Calendar::kazakhstan();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../regulations");
    let catalog = Catalog::from_dir(&root, &calendar).unwrap();
    let path = dir.path().join("app.db");
    let store = qyzmet_store::open(path.to_str().unwrap()).unwrap();
    Runtime::new(store, catalog, calendar)
}

/// Providers and registered addresses from memory.
struct Providers(BTreeMap<String, ProviderInfo>);

impl Directory for Providers {
    fn provider(&self, id: &str) -> Result<Option<ProviderInfo>, Error> {
        Ok(self.0.get(id).cloned())
    }

    fn applicant_region(&self, _iin: &str) -> Result<Option<String>, Error> {
        Ok(Some("kyzylorda".into()))
    }
}

fn providers() -> Providers {
    let p1 = ProviderInfo {
        id: "p1".into(),
        region: "kyzylorda".into(),
        authorized_body: false,
    };
    let far = ProviderInfo {
        id: "far".into(),
        region: "aktobe".into(),
        authorized_body: false,
    };
    Providers([("p1".into(), p1), ("far".into(), far)].into())
}

fn staff(login: &str, role: &str) -> Account {
    Account {
        login: login.into(),
        kind: AccountKind::Staff,
        name: login.into(),
        password: String::new(),
        grants: vec![Grant {
            role: role.into(),
            unit: "p1".into(),
        }],
        supervisor: false,
        analyst: false,
        region: "kyzylorda".into(),
        iin: None,
    }
}

fn citizen() -> Account {
    Account {
        login: APPLICANT.into(),
        kind: AccountKind::Citizen,
        grants: Vec::new(),
        region: "kyzylorda".into(),
        ..staff(APPLICANT, "applicant")
    }
}

fn at() -> Timestamp {
    "2024-04-01T05:00:00Z".parse().unwrap()
}

fn office_request() -> SubmitRequest {
    SubmitRequest {
        regulation: REGULATION.into(),
        route: Some("provider_office".into()),
        provider: "p1".into(),
        applicant: Some(APPLICANT.into()),
        consent: true,
        representative: Some("Асқар Бекұлы, сенімхат № 12".into()),
        idempotency_key: Some("office-1".into()),
        ..SubmitRequest::default()
    }
}

fn submit(runtime: &Runtime, account: &Account, request: &SubmitRequest) -> Result<Case, Error> {
    qyzmet_app::submit(runtime, &providers(), account, request, None, at())
}

fn case_count(runtime: &Runtime) -> usize {
    runtime
        .store
        .cases(&qyzmet_storage::CaseQuery {
            limit: 100,
            ..Default::default()
        })
        .unwrap()
        .len()
}

#[test]
fn intake_rules_are_checked_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir);
    let officer = staff("p1.executor", "executor");
    let refused = |account: &Account, request: SubmitRequest| {
        submit(&runtime, account, &request).expect_err("refused")
    };

    let error = refused(
        &citizen(),
        SubmitRequest {
            route: Some("portal".into()),
            applicant: None,
            ..office_request()
        },
    );
    assert_eq!(
        (error.kind, error.code),
        (Kind::Invalid, "signature_required")
    );
    let error = refused(&citizen(), office_request());
    assert_eq!(
        error.kind,
        Kind::Forbidden,
        "citizens file on the portal only"
    );
    let error = refused(
        &officer,
        SubmitRequest {
            consent: false,
            ..office_request()
        },
    );
    assert_eq!(error.code, "consent_required");
    let error = refused(
        &officer,
        SubmitRequest {
            applicant: Some("900101300038".into()),
            ..office_request()
        },
    );
    assert_eq!(error.code, "invalid_iin");
    let error = refused(
        &officer,
        SubmitRequest {
            provider: "far".into(),
            ..office_request()
        },
    );
    assert_eq!(error.code, "unknown_provider", "{error}");
    let error = refused(
        &officer,
        SubmitRequest {
            documents: vec!["no-such-document".into()],
            ..office_request()
        },
    );
    assert_eq!(error.code, "unknown_document");
    let error = refused(
        &officer,
        SubmitRequest {
            route: Some("service_centre".into()),
            ..office_request()
        },
    );
    assert_eq!(
        error.kind,
        Kind::Forbidden,
        "the centre's intake needs a role there"
    );
    let error = refused(
        &officer,
        SubmitRequest {
            representative_iin: Some("123".into()),
            ..office_request()
        },
    );
    assert_eq!(error.code, "invalid_representative_iin");
    assert_eq!(case_count(&runtime), 0);
}

#[test]
fn the_intake_record_commits_with_the_case_and_a_retry_keeps_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir);
    let officer = staff("p1.executor", "executor");
    let case = submit(&runtime, &officer, &office_request()).unwrap();
    let intake = qyzmet_app::evidence::intake(&runtime, &case.case_id).unwrap();
    assert_eq!(intake["taken_by"], "p1.executor");
    assert_eq!(intake["representative"], "Асқар Бекұлы, сенімхат № 12");

    // The same key again (a lost answer retried): the same case, nothing new.
    let other = staff("p1.other", "executor");
    let retried = submit(
        &runtime,
        &other,
        &SubmitRequest {
            representative: Some("someone else".into()),
            ..office_request()
        },
    )
    .unwrap();
    assert_eq!(retried.case_id, case.case_id);
    assert_eq!(case_count(&runtime), 1);
    let intake = qyzmet_app::evidence::intake(&runtime, &case.case_id).unwrap();
    assert_eq!(intake["taken_by"], "p1.executor");
}

/// Moves the case on until step `step` has an open task: state systems
/// answer positively, every other task is completed as its role.
fn drive_to(runtime: &Runtime, case_id: &str, step: &str) -> Case {
    for _ in 0..20 {
        let case = qyzmet_engine::replay(&runtime.store.case_events(case_id).unwrap())
            .unwrap()
            .unwrap();
        if let Some(request) = case
            .requests
            .values()
            .find(|request| request.status == qyzmet_engine::RequestStatus::Pending)
        {
            let command = Command {
                case_id: case_id.into(),
                actor: Actor {
                    user_id: "gateway".into(),
                    grants: vec![],
                },
                idempotency_key: None,
                expected_version: None,
                action: Action::RecordAnswer {
                    request_id: request.request_id.clone(),
                    answer: request.system.positive(),
                    data: Value::Null,
                },
            };
            runtime.run(&command, None, at()).unwrap();
            continue;
        }
        let task = case.open_tasks().next().expect("an open task").clone();
        if task.step == step {
            return case;
        }
        let account = Account {
            grants: vec![Grant {
                role: task.role.clone(),
                unit: task.unit.clone(),
            }],
            ..staff("p1.someone", &task.role)
        };
        qyzmet_app::tasks::act(
            runtime,
            &account,
            Act {
                case_id,
                action: Action::Complete {
                    task_id: task.task_id.clone(),
                    outcome: None,
                    data: Value::Null,
                },
                expected_version: None,
                idempotency_key: None,
            },
            Signatures::Verified,
            at(),
        )
        .unwrap();
    }
    panic!("step {step} never opened");
}

#[test]
fn a_step_that_signs_the_result_completes_only_by_signing() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir);
    let case = submit(
        &runtime,
        &staff("p1.executor", "executor"),
        &office_request(),
    )
    .unwrap();
    let case = drive_to(&runtime, &case.case_id, "po-3");
    let task = case.open_tasks().next().unwrap().clone();
    let model = &runtime.catalog.by_id(REGULATION).unwrap().model;
    assert_eq!(
        qyzmet_app::tasks::signs_result(model, "provider_office", "po-3").as_deref(),
        Some("notice")
    );
    assert_eq!(
        qyzmet_app::tasks::signs_result(model, "provider_office", "po-2"),
        None
    );
    let head = staff("p1.head", "head");
    let complete = || Act {
        case_id: &case.case_id,
        action: Action::Complete {
            task_id: task.task_id.clone(),
            outcome: None,
            data: Value::Null,
        },
        expected_version: None,
        idempotency_key: None,
    };
    let error = qyzmet_app::tasks::act(&runtime, &head, complete(), Signatures::Verified, at())
        .expect_err("unsigned");
    assert_eq!(error.code, "signature_required");

    // Signed: the files, the signatures and the completion in one commit.
    let pdf = b"%PDF-1.7 notice".to_vec();
    let done = qyzmet_app::tasks::sign_result(
        &runtime,
        &head,
        SignedResult {
            task_id: &task.task_id,
            case_id: &case.case_id,
            result: "notice",
            issued_at: at(),
            base_url: "https://qyzmet.example",
            signer: json!({"login": "p1.head"}),
            files: vec![SignedFile {
                lang: "kk".into(),
                pdf: pdf.clone(),
                cms: "MIIB".into(),
            }],
            expected_version: Some(case.version),
        },
        at(),
    )
    .unwrap();
    assert!(done.version > case.version);
    let record = qyzmet_app::evidence::result_signature(&runtime, &case.case_id)
        .unwrap()
        .expect("the signatures are kept");
    let sha256 = record["files"]["kk"]["sha256"].as_str().unwrap();
    let (content_type, bytes) = qyzmet_app::evidence::blob(&runtime, sha256)
        .unwrap()
        .unwrap();
    assert_eq!((content_type.as_str(), bytes), ("application/pdf", pdf));
    // The completion's event carries the signed files' digests.
    let events = runtime.store.case_events(&case.case_id).unwrap();
    let completion = events
        .iter()
        .find(|event| event.payload["data"]["signed_result"]["kk"] == sha256);
    assert!(completion.is_some(), "{events:#?}");
}

#[test]
fn without_verified_signatures_the_step_completes_unsigned() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir);
    let case = submit(
        &runtime,
        &staff("p1.executor", "executor"),
        &office_request(),
    )
    .unwrap();
    let case = drive_to(&runtime, &case.case_id, "po-3");
    let task = case.open_tasks().next().unwrap().clone();
    let done = qyzmet_app::tasks::act(
        &runtime,
        &staff("p1.head", "head"),
        Act {
            case_id: &case.case_id,
            action: Action::Complete {
                task_id: task.task_id.clone(),
                outcome: None,
                data: Value::Null,
            },
            expected_version: None,
            idempotency_key: None,
        },
        Signatures::Off,
        at(),
    )
    .unwrap();
    assert!(done.version > case.version);
    assert_eq!(
        qyzmet_app::evidence::result_signature(&runtime, &case.case_id).unwrap(),
        None
    );
}

#[test]
fn a_file_attached_later_keeps_its_bytes_and_the_list_together() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir);
    let case = submit(
        &runtime,
        &staff("p1.executor", "executor"),
        &office_request(),
    )
    .unwrap();
    let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
    let file = qyzmet_app::evidence::file("application", "scan.png", "image/png", &png).unwrap();
    qyzmet_app::evidence::attach(&runtime, &case.case_id, &file).unwrap();
    qyzmet_app::evidence::attach(&runtime, &case.case_id, &file).unwrap();
    let list = qyzmet_app::evidence::attachments(&runtime, &case.case_id).unwrap();
    assert_eq!(list, vec![file.entry.clone()], "listed once");
    let sha256 = file.entry["sha256"].as_str().unwrap();
    assert_eq!(
        qyzmet_app::evidence::blob(&runtime, sha256)
            .unwrap()
            .unwrap()
            .1,
        png
    );
    // The declared type must match the bytes.
    let error =
        qyzmet_app::evidence::file("application", "x.pdf", "application/pdf", &png).unwrap_err();
    assert_eq!(error.kind, Kind::UnsupportedType);
}
