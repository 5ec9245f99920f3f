//! Every route of every seed regulation runs end to end through the
//! runtime (the library the CLI and the server use) on a real SQLite file
//! and on a real PostgreSQL server, and leaves an audit-clean log whose
//! projections rebuild to the same views.

#[path = "../../../tests/support/pg.rs"]
mod pg;

use jiff::{Timestamp, ToSpan};
use qyzmet_calendar::Calendar;
use qyzmet_engine::{Action, Actor, Applicant, ApplicantKind, Command, Grant, Provider};
use qyzmet_runtime::{Catalog, Runtime};
use qyzmet_storage::record::CaseStatus;
use qyzmet_store::{CaseQuery, TaskQuery};

/// A valid IIN (check digit computed by the Decree No 406 rule).
const IIN: &str = "900101300037";

fn catalog(calendar: &Calendar) -> Catalog {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../regulations");
    let catalog = Catalog::from_dir(&dir, calendar).unwrap();
    assert!(catalog.skipped.is_empty(), "{:?}", catalog.skipped);
    // 17 services and the West Kazakhstan appeal procedure.
    assert_eq!(catalog.entries.len(), 18);
    catalog
}

/// Drives one case until it closes: every open task is completed by a
/// holder of its role and unit, decisions take their first outcome.
fn drive(
    runtime: &Runtime,
    regulation: &str,
    route: &str,
    case_id: &str,
    start: Timestamp,
) -> CaseStatus {
    let entry = runtime.catalog.by_id(regulation).unwrap();
    let model = &entry.model;
    let route_def = model.route(route).unwrap();
    let documents = model
        .documents()
        .iter()
        .filter(|d| d.channels.contains(&route_def.channel))
        .map(|d| (d.id.clone(), true))
        .collect();
    let submit = Command {
        case_id: case_id.into(),
        actor: Actor {
            user_id: "applicant".into(),
            grants: vec![],
        },
        idempotency_key: Some(format!("submit-{case_id}")),
        expected_version: None,
        action: Action::Submit {
            route: route.into(),
            applicant: Applicant {
                id: IIN.into(),
                kind: ApplicantKind::Individual,
                region: model.region().to_owned(),
                ..Applicant::default()
            },
            form: sample_form(model),
            documents,
            provider: Provider {
                id: "p1".into(),
                region: model.region().to_owned(),
                units: qyzmet_runtime::default_units(&entry.model, "p1"),
            },
            checks: Default::default(),
            signature: None,
            representative: None,
        },
    };
    let mut now = start;
    let first = runtime.run(&submit, Some(regulation), now).unwrap();
    // A retried submission changes nothing and returns the first outcome.
    let again = runtime.run(&submit, Some(regulation), now).unwrap();
    assert!(
        again.duplicate && again.events == 0,
        "{regulation} {route}: retry appended"
    );
    assert_eq!(again.case.version, first.case.version);
    let mut case = first.case;
    for _ in 0..128 {
        if case.is_closed() {
            break;
        }
        // A request to a state system: the system gives its positive
        // answer (the gateway itself is tested in crates/gateway and by
        // `qyzmet bench gateway`).
        let request = case
            .requests
            .values()
            .find(|request| request.status == qyzmet_engine::RequestStatus::Pending)
            .cloned();
        if let Some(request) = request {
            now = now.checked_add(1.minutes()).unwrap();
            let command = Command {
                case_id: case_id.into(),
                actor: Actor {
                    user_id: "gateway".into(),
                    grants: vec![],
                },
                idempotency_key: Some(format!("answer:{}", request.request_id)),
                expected_version: None,
                action: Action::RecordAnswer {
                    request_id: request.request_id.clone(),
                    answer: request.system.positive(),
                    data: serde_json::Value::Null,
                },
            };
            case = runtime
                .run(&command, None, now)
                .unwrap_or_else(|e| panic!("{regulation} {route} {}: {e}", request.step))
                .case;
            continue;
        }
        let task = case.open_tasks().next().cloned();
        let Some(task) = task else {
            panic!(
                "{regulation} {route}: open case {case_id} has no task at {:?}",
                case.current_step
            );
        };
        now = now.checked_add(10.minutes()).unwrap();
        let step = route_def.step(&task.step).unwrap();
        let outcome = step.outcomes.first().map(|o| o.id.clone());
        let command = Command {
            case_id: case_id.into(),
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
                outcome,
                // The payment order's amount, where the step pays.
                data: if step.calls.contains(&qyzmet_core::System::Payment) {
                    serde_json::json!({"amount_tiyn": 4_250_000})
                } else {
                    serde_json::Value::Null
                },
            },
        };
        case = runtime
            .run(&command, None, now)
            .unwrap_or_else(|e| panic!("{regulation} {route} {}: {e}", task.step))
            .case;
    }
    assert!(
        case.is_closed(),
        "{regulation} {route}: not closed after 128 tasks and answers"
    );
    // The projection agrees with the replayed state.
    let row = runtime.store.case(case_id).unwrap().unwrap();
    assert_eq!(row.status, case.status());
    assert_eq!(row.version, case.version);
    case.status()
}

/// A form with every field filled: the first value of an enum, a plain
/// value of the other types.
fn sample_form(model: &qyzmet_regulation::ProcessModel) -> serde_json::Value {
    use qyzmet_regulation::model::FieldType;
    let mut form = serde_json::Map::new();
    for field in model.form() {
        let value = match field.ty {
            FieldType::Enum => serde_json::json!(field.values.first().cloned().unwrap_or_default()),
            FieldType::String => serde_json::json!("x"),
            FieldType::Int => serde_json::json!(1),
            FieldType::Bool => serde_json::json!(true),
            FieldType::Date => serde_json::json!("2000-01-01"),
        };
        form.insert(field.id.clone(), value);
    }
    serde_json::Value::Object(form)
}

fn every_route(runtime: &Runtime) {
    let start: Timestamp = "2019-02-04T04:00:00Z".parse().unwrap();
    let mut count = 0;
    let routes: Vec<(String, String)> = runtime
        .catalog
        .models()
        .flat_map(|m| {
            m.routes()
                .iter()
                .map(move |r| (m.id.clone(), r.key.clone()))
        })
        .collect();
    for (index, (regulation, route)) in routes.iter().enumerate() {
        let status = drive(runtime, regulation, route, &format!("case-{index}"), start);
        assert!(status.is_closed());
        count += 1;
    }
    assert!(count >= 40, "only {count} routes");
    let report = runtime.store.verify().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    // Rebuilding the projections from the log gives the same views.
    let before = runtime
        .store
        .cases(&CaseQuery {
            limit: 1000,
            ..CaseQuery::default()
        })
        .unwrap();
    let tasks_before = runtime
        .store
        .tasks(&TaskQuery {
            include_closed: true,
            limit: 10_000,
            ..TaskQuery::default()
        })
        .unwrap();
    runtime
        .store
        .rebuild(&|events| qyzmet_engine::project_all(events).unwrap())
        .unwrap();
    let after = runtime
        .store
        .cases(&CaseQuery {
            limit: 1000,
            ..CaseQuery::default()
        })
        .unwrap();
    let tasks_after = runtime
        .store
        .tasks(&TaskQuery {
            include_closed: true,
            limit: 10_000,
            ..TaskQuery::default()
        })
        .unwrap();
    assert_eq!(before, after);
    assert_eq!(tasks_before, tasks_after);
}

#[test]
fn every_route_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let calendar = Calendar::kazakhstan();
    let catalog = catalog(&calendar);
    let store = qyzmet_store::open(dir.path().join("q.db").to_str().unwrap()).unwrap();
    every_route(&Runtime::new(store, catalog, calendar));
}

#[test]
fn every_route_on_postgres() {
    let Some(url) = pg::server_url() else { return };
    let database = format!("qyzmet_runtime_{}", std::process::id());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {database}"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {database}"))
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let calendar = Calendar::kazakhstan();
    let catalog = catalog(&calendar);
    let store = qyzmet_store::open(&format!("{base}/{database}")).unwrap();
    every_route(&Runtime::new(store, catalog, calendar));
}

#[test]
fn a_case_keeps_its_edition_after_the_regulation_changes() {
    let dir = tempfile::tempdir().unwrap();
    let calendar = Calendar::kazakhstan();
    let path = dir.path().join("q.db");
    let id = "kyzylorda/2015-141/unemployed-registration";
    let original = catalog(&calendar);
    let runtime = Runtime::new(
        qyzmet_store::open(path.to_str().unwrap()).unwrap(),
        original,
        calendar.clone(),
    );
    let start: Timestamp = "2019-02-04T04:00:00Z".parse().unwrap();
    let submit = Command {
        case_id: "pinned".into(),
        actor: Actor {
            user_id: "applicant".into(),
            grants: vec![],
        },
        idempotency_key: None,
        expected_version: None,
        action: Action::Submit {
            route: "provider_office".into(),
            applicant: Applicant {
                id: IIN.into(),
                region: "kyzylorda".into(),
                ..Applicant::default()
            },
            form: serde_json::json!({}),
            documents: Default::default(),
            provider: Provider {
                id: "p1".into(),
                region: "kyzylorda".into(),
                units: Default::default(),
            },
            checks: Default::default(),
            signature: None,
            representative: None,
        },
    };
    let submitted = runtime.run(&submit, Some(id), start).unwrap().case;
    let pinned = submitted.regulation_hash.clone();
    drop(runtime);

    // A new edition: the catalogue now only knows a changed text.
    let entry = catalog(&calendar).by_id(id).unwrap().clone();
    let changed = entry.text.replace(
        "amount: 3, unit: working_days",
        "amount: 5, unit: working_days",
    );
    assert_ne!(changed, entry.text);
    let edited = Catalog::from_texts([(id.to_owned(), changed)], &calendar);
    assert_ne!(edited.entries[0].model.hash, pinned);
    let runtime = Runtime::new(
        qyzmet_store::open(path.to_str().unwrap()).unwrap(),
        edited,
        calendar,
    );
    let task = submitted.open_tasks().next().unwrap().clone();
    let done = runtime
        .run(
            &Command {
                case_id: "pinned".into(),
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
                    task_id: task.task_id,
                    outcome: None,
                    data: serde_json::Value::Null,
                },
            },
            None,
            start.checked_add(1.hour()).unwrap(),
        )
        .unwrap();
    // The case still runs under the text pinned at submission.
    assert_eq!(done.case.regulation_hash, pinned);
}
