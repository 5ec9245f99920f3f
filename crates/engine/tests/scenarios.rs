//! Data-driven scenarios: one YAML file per scenario in `tests/scenarios/`,
//! each a list of named steps of commands with their instants and any
//! expected errors inline. After every named step the helper snapshots the
//! cases (view, open tasks, active timers) and the events the step produced,
//! and checks that replaying the logs gives the same state and projections.
//!
//! Update snapshots with `INSTA_UPDATE=always cargo nextest run -p qyzmet-engine`.

mod common;

use std::collections::BTreeMap;

use common::{MemoryStore, Patch, load_model};
use jiff::Timestamp;
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_engine::{
    Action, Actor, Applicant, Case, Command, Context, EventData, Grant, Provider, execute,
};
use qyzmet_regulation::ProcessModel;
use qyzmet_storage::record::{RegistryRow, TaskStatus};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    title: String,
    /// user → [[role, unit], …]
    #[serde(default)]
    staff: BTreeMap<String, Vec<(String, String)>>,
    /// Registry records that exist before the scenario starts.
    #[serde(default)]
    registries: Vec<RegistryRow>,
    steps: Vec<StepSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    name: String,
    at: Timestamp,
    commands: Vec<CommandSpec>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct CommandSpec {
    /// The case (default: the last one submitted).
    case: Option<String>,
    #[serde(rename = "do")]
    action: String,
    /// The user (a key of `staff`, or anyone: then without grants).
    #[serde(rename = "as")]
    actor: String,
    at: Option<Timestamp>,
    /// A task id, a step id (its open task) or `escalation` (the open
    /// escalation task).
    task: Option<String>,
    outcome: Option<String>,
    data: Value,
    to: Option<String>,
    executor: Option<String>,
    role: Option<String>,
    reason: Option<String>,
    /// A timer id or kind (`step_overdue`, `wait_timeout`, `case_overdue`).
    timer: Option<String>,
    expected_version: Option<u64>,
    idempotency_key: Option<String>,
    /// Decide against this edition of the case's regulation instead.
    edition: Vec<Patch>,
    /// The expected error code; the command must then change nothing.
    error: Option<String>,
    // Submission:
    regulation: Option<String>,
    patch: Vec<Patch>,
    schedule: Option<String>,
    route: Option<String>,
    applicant: Option<Applicant>,
    form: Value,
    documents: BTreeMap<String, bool>,
    provider: Option<Provider>,
    checks: BTreeMap<String, String>,
    representative: Option<qyzmet_engine::Representative>,
    /// `answer` / `fail`: the open request to this system (or a request id).
    request: Option<String>,
    /// `answer`: the system's answer.
    answer: Option<String>,
    /// `reopen`: the upheld appeal case (what the runtime's appeal
    /// follow-up sends).
    appeal: Option<String>,
}

struct Running {
    calendar: Calendar,
    store: MemoryStore,
    cases: BTreeMap<String, Case>,
    models: BTreeMap<String, (ProcessModel, Schedule, String, Vec<Patch>)>,
    last_case: Option<String>,
}

fn run(name: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).expect("scenario file");
    let document = qyzmet_regulation::yaml::parse(&text)
        .unwrap_or_else(|diagnostic| panic!("{name}: {}", diagnostic.message));
    let scenario: Scenario = serde_path_to_error::deserialize(document.value)
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    assert!(!scenario.title.is_empty());
    let mut running = Running {
        calendar: Calendar::kazakhstan(),
        store: MemoryStore::default(),
        cases: BTreeMap::new(),
        models: BTreeMap::new(),
        last_case: None,
    };
    for row in &scenario.registries {
        running.store.registries.put(row.clone());
    }
    for (index, step) in scenario.steps.iter().enumerate() {
        let mut produced = Vec::new();
        for (number, spec) in step.commands.iter().enumerate() {
            let label = format!("{name} / {} / command {}", step.name, number + 1);
            produced.extend(run_command(&mut running, &scenario, step, spec, &label));
        }
        running.store.check_rebuild(&running.cases);
        let snapshot = json!({
            "step": step.name,
            "events": produced,
            "cases": running.cases.values().map(view).collect::<Vec<_>>(),
        });
        let slug: String = step
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        insta::with_settings!({
            snapshot_path => "scenarios/snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => scenario.title.clone(),
        }, {
            insta::assert_json_snapshot!(format!("{name}@{:02}-{slug}", index + 1), snapshot);
        });
    }
}

fn run_command(
    running: &mut Running,
    scenario: &Scenario,
    step: &StepSpec,
    spec: &CommandSpec,
    label: &str,
) -> Vec<String> {
    let now = spec.at.unwrap_or(step.at);
    let case_id = spec
        .case
        .clone()
        .or_else(|| running.last_case.clone())
        .unwrap_or_else(|| panic!("{label}: no case"));
    let actor = Actor {
        user_id: spec.actor.clone(),
        grants: scenario
            .staff
            .get(&spec.actor)
            .map(|grants| {
                grants
                    .iter()
                    .map(|(role, unit)| Grant {
                        role: role.clone(),
                        unit: unit.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    if spec.action == "submit" {
        let regulation = spec.regulation.clone().expect("submit needs a regulation");
        let model = load_model(&running.calendar, &regulation, &spec.patch);
        let schedule_name = spec.schedule.clone().unwrap_or_else(|| "standard".into());
        let schedule = Schedule::named(&schedule_name).expect("a schedule name");
        running.models.insert(
            case_id.clone(),
            (model, schedule, regulation, spec.patch.clone()),
        );
        running.last_case = Some(case_id.clone());
    }
    let (model, schedule, regulation, patches) = running
        .models
        .get(&case_id)
        .unwrap_or_else(|| panic!("{label}: unknown case {case_id}"));
    let edition;
    let model = if spec.edition.is_empty() {
        model
    } else {
        let mut all = patches.clone();
        all.extend(spec.edition.iter().cloned());
        edition = load_model(&running.calendar, regulation, &all);
        &edition
    };
    let state = running.cases.get(&case_id);
    let task_ref = |reference: &str| -> String {
        if reference.contains('/') {
            return reference.to_owned();
        }
        let open = state
            .into_iter()
            .flat_map(|case| case.tasks.values())
            .find(|task| {
                matches!(task.status, TaskStatus::Open | TaskStatus::Claimed)
                    && if reference == "escalation" {
                        task.escalation
                    } else {
                        task.step == reference && !task.escalation
                    }
            });
        open.map(|task| task.task_id.clone())
            .unwrap_or_else(|| format!("{case_id}/no-open-task-{reference}"))
    };
    let task = spec.task.as_deref().map(task_ref).unwrap_or_default();
    let action = match spec.action.as_str() {
        "submit" => Action::Submit {
            route: spec.route.clone().expect("submit needs a route"),
            applicant: spec.applicant.clone().expect("submit needs an applicant"),
            form: spec.form.clone(),
            documents: spec.documents.clone(),
            provider: spec.provider.clone().expect("submit needs a provider"),
            checks: spec.checks.clone(),
            signature: None,
            representative: spec.representative.clone(),
        },
        "claim" => Action::Claim { task_id: task },
        "assign_executor" => Action::AssignExecutor {
            executor: spec.executor.clone().expect("executor"),
            role: spec.role.clone(),
        },
        "complete" => Action::Complete {
            task_id: task,
            outcome: spec.outcome.clone(),
            data: spec.data.clone(),
        },
        "reassign" => Action::Reassign {
            task_id: task,
            to: spec.to.clone(),
        },
        "extend" => Action::Extend {
            reason: spec.reason.clone().unwrap_or_default(),
        },
        "withdraw" => Action::Withdraw {
            reason: spec.reason.clone(),
        },
        "fire_timer" => {
            let reference = spec.timer.clone().expect("timer");
            let timer_id = state
                .and_then(|case| {
                    case.timers
                        .values()
                        .filter(|timer| timer.kind.as_str() == reference)
                        .min_by_key(|timer| timer.due)
                        .map(|timer| timer.timer_id.clone())
                })
                .unwrap_or(reference);
            Action::FireTimer { timer_id }
        }
        "answer" | "fail" => {
            let reference = spec.request.clone().expect("answer/fail need `request`");
            let request_id = state
                .and_then(|case| {
                    case.requests
                        .values()
                        .find(|request| {
                            request.request_id == reference
                                || (request.system.as_str() == reference
                                    && request.status == qyzmet_engine::RequestStatus::Pending)
                        })
                        .map(|request| request.request_id.clone())
                })
                .unwrap_or(reference);
            if spec.action == "answer" {
                let answer = spec.answer.as_deref().expect("answer needs `answer`");
                Action::RecordAnswer {
                    request_id,
                    answer: qyzmet_core::Answer::parse(answer)
                        .unwrap_or_else(|| panic!("{label}: unknown answer `{answer}`")),
                    data: spec.data.clone(),
                }
            } else {
                Action::RecordFailure {
                    request_id,
                    reason: spec.reason.clone().unwrap_or_else(|| "timeout".into()),
                }
            }
        }
        "reopen" => Action::Reopen {
            appeal: spec.appeal.clone().expect("reopen needs `appeal`"),
        },
        other => panic!("{label}: unknown command `{other}`"),
    };
    let command = Command {
        case_id: case_id.clone(),
        actor,
        idempotency_key: spec.idempotency_key.clone(),
        expected_version: spec.expected_version,
        action,
    };
    let ctx = Context {
        now,
        model,
        calendar: &running.calendar,
        schedule,
        registries: &running.store.registries,
    };
    let result = execute(state, &command, &ctx);
    match (&spec.error, result) {
        (Some(code), Err(error)) => {
            assert_eq!(error.code(), code, "{label}: {error}");
            vec![format!("error {}: {error}", error.code())]
        }
        (Some(code), Ok(_)) => panic!("{label}: expected error `{code}`, the command succeeded"),
        (None, Err(error)) => panic!("{label}: {error}"),
        (None, Ok(executed)) => {
            running.store.commit(&executed);
            let lines = executed
                .events
                .iter()
                .map(|event| summary(&event.data))
                .collect();
            running.cases.insert(case_id, executed.case);
            lines
        }
    }
}

/// One line per event: what a reader of the snapshot needs.
fn summary(data: &EventData) -> String {
    let at = |due: &Option<Timestamp>| due.map(|due| format!(" due {due}")).unwrap_or_default();
    match data {
        EventData::CaseSubmitted {
            case_id,
            route,
            due,
            ..
        } => {
            format!("case_submitted {case_id} route {route}{}", at(due))
        }
        EventData::CaseAccepted { receipt } => format!("case_accepted receipt {receipt}"),
        EventData::StepEntered { step } => format!("step_entered {step}"),
        EventData::StepPassed { step, outcome, by } => format!(
            "step_passed {step}{} by {by}",
            outcome
                .as_ref()
                .map(|o| format!(" -> {o}"))
                .unwrap_or_default()
        ),
        EventData::RuleFailed {
            rule,
            step,
            refusal,
            ..
        } => format!(
            "rule_failed {rule} at {} refusal {refusal}",
            step.as_deref().unwrap_or("submission")
        ),
        EventData::TaskCreated {
            task_id,
            step,
            role,
            unit,
            assignee,
            due,
            escalation,
            about,
            wait,
            check,
        } => format!(
            "task_created {task_id} step {step} for {role}@{unit}{}{}{}{}{}{}",
            assignee
                .as_ref()
                .map(|a| format!(" assigned {a}"))
                .unwrap_or_default(),
            at(due),
            if *escalation { " ESCALATION" } else { "" },
            about
                .as_ref()
                .map(|a| format!(" about {a}"))
                .unwrap_or_default(),
            if *wait { " WAIT" } else { "" },
            check
                .as_ref()
                .map(|c| format!(" CHECK {c}"))
                .unwrap_or_default(),
        ),
        EventData::GatewayRequested {
            request_id,
            step,
            system,
            payload,
        } => format!("gateway_requested {request_id} at {step} to {system} {payload}"),
        EventData::GatewayAnswered {
            request_id,
            answer,
            by,
            ..
        } => format!("gateway_answered {request_id} {answer} by {by}"),
        EventData::GatewayFailed { request_id, reason } => {
            format!("gateway_failed {request_id}: {reason}")
        }
        EventData::TaskClaimed { task_id, by } => format!("task_claimed {task_id} by {by}"),
        EventData::TaskAssigned {
            task_id,
            assignee,
            by,
        } => {
            format!("task_assigned {task_id} to {assignee:?} by {by}")
        }
        EventData::TaskCompleted {
            task_id,
            by,
            outcome,
            ..
        } => format!(
            "task_completed {task_id} by {by}{}",
            outcome
                .as_ref()
                .map(|o| format!(" -> {o}"))
                .unwrap_or_default()
        ),
        EventData::TaskCancelled { task_id } => format!("task_cancelled {task_id}"),
        EventData::ExecutorAssigned { role, executor, by } => {
            format!("executor_assigned {role} = {executor} by {by}")
        }
        EventData::TimerSet {
            timer_id,
            kind,
            due,
            ..
        } => {
            format!("timer_set {timer_id} {} at {due}", kind.as_str())
        }
        EventData::TimerCancelled { timer_id } => format!("timer_cancelled {timer_id}"),
        EventData::TimerFired { timer_id } => format!("timer_fired {timer_id}"),
        EventData::StepOverdue { step, task_id, due } => {
            format!("step_overdue {step} task {task_id} was due {due}")
        }
        EventData::CaseOverdue { due } => format!("case_overdue was due {due}"),
        EventData::TermExtended { reason, by, due } => {
            format!("term_extended by {by} to {due}: {reason}")
        }
        EventData::RegistryRecorded { row } => format!(
            "registry_recorded {} {} region {} {}",
            row.registry, row.key, row.region, row.record
        ),
        EventData::CaseWithdrawn { by, reason } => {
            format!(
                "case_withdrawn by {by}: {}",
                reason.as_deref().unwrap_or("")
            )
        }
        EventData::CaseClosed { status, result } => {
            format!("case_closed {status:?} result {result:?}")
        }
        EventData::CaseReopened {
            appeal,
            step,
            waived_rule,
            by,
        } => format!("case_reopened by appeal {appeal} at {step} waiving {waived_rule:?} by {by}"),
    }
}

fn view(case: &Case) -> Value {
    let mut row = qyzmet_engine::case_row(case);
    // The hash changes with every edit of the regulation file; the test of
    // pinning compares hashes itself.
    row.regulation_hash = "[hash]".into();
    let mut view = json!({
        "case": row,
        "receipt": case.receipt,
        "overdue": case.overdue,
        "extended": case.extended,
        "executors": case.executors,
        "open_tasks": case.open_tasks()
            .map(|task| qyzmet_engine::task_row(&case.case_id, task))
            .collect::<Vec<_>>(),
        "timers": case.timers.values().collect::<Vec<_>>(),
    });
    let requests: Vec<_> = case.open_requests().collect();
    if !requests.is_empty() {
        view["open_requests"] = json!(requests);
    }
    view
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(&stringify!($name).replace('_', "-"));
            }
        )*

        /// Every scenario file has its test above, and every test its file.
        #[test]
        fn every_scenario_file_runs() {
            let mut listed: Vec<String> = vec![$(stringify!($name).replace('_', "-")),*];
            listed.sort();
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
            let mut found: Vec<String> = std::fs::read_dir(dir)
                .expect("scenario dir")
                .filter_map(|entry| entry.ok())
                .filter_map(|entry| {
                    entry.file_name().to_str()?.strip_suffix(".yaml").map(str::to_owned)
                })
                .collect();
            found.sort();
            assert_eq!(listed, found);
        }
    };
}

scenarios!(
    aktobe_referral,
    appeal_overdue_escalation,
    appeal_rejected_then_upheld_by_authorized_body,
    appeal_upheld_at_provider,
    balkhash_referral_cross_service,
    kostanay_foreign_labour_wait,
    kyzylorda_certificate_centre,
    kyzylorda_certificate_office,
    kyzylorda_certificate_portal_automated,
    kyzylorda_referral,
    kyzylorda_registration_centre,
    kyzylorda_registration_office,
    kyzylorda_registration_portal,
    state_systems,
    west_kazakhstan_assistance_then_certificate,
    west_kazakhstan_oralman,
    west_kazakhstan_unemployed_registration,
);
