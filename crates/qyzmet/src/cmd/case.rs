//! `qyzmet case …`: drive cases from the shell against a database.
//!
//! The CLI is an operator's tool on the database itself: unless `--grant`
//! is given, a task command acts with the grant of the task's own role and
//! unit. The server (issue 5) authenticates people instead.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Context as _;
use jiff::Timestamp;
use qyzmet_engine::{Action, Actor, Applicant, ApplicantKind, Case, Command, Grant, Provider};
use qyzmet_runtime::{Outcome, Runtime};
use qyzmet_storage::record::{CaseRow, TaskRow};
use qyzmet_store::TaskQuery;
use serde_json::{Value, json};

use crate::cmd::runtime_args::RuntimeArgs;

#[derive(clap::Args)]
pub struct CaseArgs {
    #[command(flatten)]
    pub runtime: RuntimeArgs,
    #[command(subcommand)]
    pub command: CaseCommand,
}

#[derive(clap::Subcommand)]
pub enum CaseCommand {
    /// File a new application under a regulation and route.
    Submit(SubmitArgs),
    /// A case's state, open tasks and event log.
    Show { case_id: String },
    /// Work list: open tasks by unit and role, ordered by due instant.
    Tasks {
        #[arg(long)]
        unit: Vec<String>,
        #[arg(long)]
        role: Vec<String>,
        #[arg(long)]
        assignee: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Take an open task.
    Claim(TaskArgs),
    /// Finish a task (decisions name their outcome).
    Complete {
        #[command(flatten)]
        task: TaskArgs,
        /// Outcome id of a decision.
        #[arg(long)]
        outcome: Option<String>,
        /// Data handed in with the task, as JSON.
        #[arg(long)]
        data: Option<String>,
        /// Complete a step that signs the result without a signature, as a
        /// server without trusted roots issues results unsigned. Without
        /// it such a step is refused: it completes by signing the result
        /// (`POST /api/tasks/{task}/sign-result` on the server).
        #[arg(long)]
        unsigned_result: bool,
    },
    /// The head's resolution: name the responsible executor.
    Assign {
        case_id: String,
        #[arg(long)]
        executor: String,
        /// The role the executor takes (default `executor`).
        #[arg(long)]
        role: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Extend the case's term where the regulation allows it.
    Extend {
        case_id: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: Who,
    },
    /// The applicant withdraws the application.
    Withdraw {
        case_id: String,
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Record a state system's answer to a case's request (as the outbox
    /// worker does when the gateway answers; by hand for a system's answer
    /// that came another way). `case show` lists the requests.
    Answer {
        /// The request id (`<case>/q<n>`).
        request_id: String,
        /// The answer: found, not_found, valid, revoked, expired,
        /// registered, not_registered, delivered, not_delivered, accepted
        /// or refused (which the system can give: docs/gateway.md).
        #[arg(long)]
        answer: String,
        /// What the system returned, as JSON.
        #[arg(long)]
        data: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Fire every timer due at `--at` (default: now).
    Timers {
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
}

#[derive(clap::Args)]
pub struct Who {
    /// Who acts.
    #[arg(long, default_value = "cli")]
    pub actor: String,
    /// A role held in a unit, `role@unit`; repeat for several.
    #[arg(long = "grant", value_parser = parse_grant)]
    pub grants: Vec<Grant>,
    /// Idempotency key: retrying with the same key changes nothing.
    #[arg(long)]
    pub key: Option<String>,
}

#[derive(clap::Args)]
pub struct TaskArgs {
    pub task_id: String,
    #[command(flatten)]
    pub who: Who,
}

#[derive(clap::Args)]
pub struct SubmitArgs {
    /// Regulation id (`qyzmet list`).
    #[arg(long)]
    pub regulation: String,
    /// `channel` or `channel/variant` (`qyzmet show ID` lists the routes).
    #[arg(long)]
    pub route: String,
    /// Case id (default: generated from the instant).
    #[arg(long = "case")]
    pub case_id: Option<String>,
    /// The applicant's IIN (or BIN with `--legal-entity`).
    #[arg(long)]
    pub applicant: String,
    #[arg(long)]
    pub legal_entity: bool,
    /// The applicant's region (default: the regulation's region).
    #[arg(long)]
    pub applicant_region: Option<String>,
    /// Provider id (default: `<region>-provider`).
    #[arg(long)]
    pub provider: Option<String>,
    /// Provider region (default: the regulation's region).
    #[arg(long)]
    pub region: Option<String>,
    /// Unit of an organisation kind, `org=unit` (e.g. `service_centre=con-1`).
    #[arg(long = "unit", value_parser = parse_pair)]
    pub units: Vec<(String, String)>,
    /// The application form as a JSON object.
    #[arg(long)]
    pub form: Option<String>,
    /// Documents handed in (default: every document the route requires).
    #[arg(long, value_delimiter = ',')]
    pub documents: Option<Vec<String>>,
    /// Outcome of a system decision, `step=outcome`.
    #[arg(long = "check", value_parser = parse_pair)]
    pub checks: Vec<(String, String)>,
    #[command(flatten)]
    pub who: Who,
}

fn parse_grant(text: &str) -> Result<Grant, String> {
    let (role, unit) = text
        .split_once('@')
        .ok_or_else(|| format!("`{text}`: write a grant as role@unit"))?;
    Ok(Grant {
        role: role.to_owned(),
        unit: unit.to_owned(),
    })
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .ok_or_else(|| format!("`{text}`: write it as key=value"))
}

fn actor(who: &Who, fallback: Option<&TaskRow>) -> Actor {
    let mut grants = who.grants.clone();
    if grants.is_empty()
        && let Some(task) = fallback
    {
        grants.push(Grant {
            role: task.role.clone(),
            unit: task.unit.clone(),
        });
    }
    Actor {
        user_id: who.actor.clone(),
        grants,
    }
}

/// Grants of every role in every unit of the case: the CLI operator acting
/// for the organisation when no `--grant` is given for a case-level command.
fn case_actor(who: &Who, case: Option<&Case>) -> Actor {
    if !who.grants.is_empty() {
        return actor(who, None);
    }
    let mut grants = Vec::new();
    if let Some(case) = case {
        for task in case.tasks.values() {
            grants.push(Grant {
                role: task.role.clone(),
                unit: task.unit.clone(),
            });
        }
        grants.push(Grant {
            role: "applicant".into(),
            unit: case.applicant.id.clone(),
        });
    }
    grants.sort();
    grants.dedup();
    Actor {
        user_id: who.actor.clone(),
        grants,
    }
}

pub fn summary(case: &Case) -> Value {
    let open: Vec<Value> = case
        .open_tasks()
        .map(|task| {
            json!({
                "task_id": task.task_id, "step": task.step, "role": task.role, "unit": task.unit,
                "assignee": task.assignee, "due": task.due.map(|due| due.to_string()),
            })
        })
        .collect();
    // Requests to state systems that still wait for an answer.
    let waiting: Vec<Value> = case
        .open_requests()
        .map(|request| {
            json!({
                "request_id": request.request_id, "step": request.step,
                "system": request.system, "status": request.status,
            })
        })
        .collect();
    json!({
        "case_id": case.case_id,
        "regulation": case.regulation_id,
        "regulation_hash": case.regulation_hash,
        "route": case.route,
        "status": case.status(),
        "current_step": case.current_step,
        "due": case.due.map(|due| due.to_string()),
        "result": case.result,
        "version": case.version,
        "open_tasks": open,
        "open_requests": waiting,
    })
}

fn print_outcome(outcome: &Outcome) -> anyhow::Result<()> {
    let mut value = summary(&outcome.case);
    value["events_appended"] = json!(outcome.events);
    value["duplicate"] = json!(outcome.duplicate);
    outln!("{}", serde_json::to_string_pretty(&value)?);
    Ok(())
}

fn task_row(runtime: &Runtime, task_id: &str) -> anyhow::Result<TaskRow> {
    runtime
        .store
        .task(task_id)?
        .with_context(|| format!("no task `{task_id}`; `qyzmet case tasks` lists them"))
}

fn load_case(runtime: &Runtime, case_id: &str) -> anyhow::Result<Option<Case>> {
    Ok(qyzmet_engine::replay(&runtime.store.case_events(case_id)?)?)
}

pub fn run(args: CaseArgs) -> anyhow::Result<ExitCode> {
    let runtime = args.runtime.open()?;
    let now = args.runtime.now();
    let result = match args.command {
        CaseCommand::Submit(submit) => submit_case(&runtime, submit, now),
        CaseCommand::Show { case_id } => show(&runtime, &case_id),
        CaseCommand::Tasks {
            unit,
            role,
            assignee,
            limit,
        } => {
            let rows = runtime.store.tasks(&TaskQuery {
                units: unit,
                roles: role,
                assignee,
                include_closed: false,
                limit,
            })?;
            outln!("{}", serde_json::to_string_pretty(&rows)?);
            Ok(())
        }
        CaseCommand::Claim(task) => {
            let row = task_row(&runtime, &task.task_id)?;
            let command = Command {
                case_id: row.case_id.clone(),
                actor: actor(&task.who, Some(&row)),
                idempotency_key: task.who.key.clone(),
                expected_version: None,
                action: Action::Claim {
                    task_id: task.task_id.clone(),
                },
            };
            print_outcome(&runtime.run(&command, None, now)?)
        }
        CaseCommand::Complete {
            task,
            outcome,
            data,
            unsigned_result,
        } => {
            let row = task_row(&runtime, &task.task_id)?;
            // The application layer's rule, as on the server: a step that
            // signs the result completes only by signing it.
            if !unsigned_result {
                qyzmet_app::tasks::refuse_unsigned(&runtime, &task.task_id).map_err(|error| {
                    anyhow::anyhow!(
                        "{}: {} (or pass --unsigned-result to issue it unsigned)",
                        error.code,
                        error.detail
                    )
                })?;
            }
            let data = match data {
                Some(text) => serde_json::from_str(&text).context("--data is not JSON")?,
                None => Value::Null,
            };
            let command = Command {
                case_id: row.case_id.clone(),
                actor: actor(&task.who, Some(&row)),
                idempotency_key: task.who.key.clone(),
                expected_version: None,
                action: Action::Complete {
                    task_id: task.task_id.clone(),
                    outcome,
                    data,
                },
            };
            print_outcome(&runtime.run(&command, None, now)?)
        }
        CaseCommand::Assign {
            case_id,
            executor,
            role,
            who,
        } => case_level(
            &runtime,
            case_id,
            &who,
            Action::AssignExecutor { executor, role },
            now,
        ),
        CaseCommand::Extend {
            case_id,
            reason,
            who,
        } => case_level(&runtime, case_id, &who, Action::Extend { reason }, now),
        CaseCommand::Withdraw {
            case_id,
            reason,
            who,
        } => case_level(&runtime, case_id, &who, Action::Withdraw { reason }, now),
        CaseCommand::Answer {
            request_id,
            answer,
            data,
            who,
        } => {
            let Some((case_id, _)) = request_id.rsplit_once("/q") else {
                anyhow::bail!("`{request_id}` is not a request id (`<case>/q<n>`)");
            };
            let answer = qyzmet_core::Answer::parse(&answer)
                .with_context(|| format!("`{answer}` is not an answer (see --help)"))?;
            let data = match data {
                Some(text) => serde_json::from_str(&text).context("--data is not JSON")?,
                None => Value::Null,
            };
            let case_id = case_id.to_owned();
            case_level(
                &runtime,
                case_id,
                &who,
                Action::RecordAnswer {
                    request_id,
                    answer,
                    data,
                },
                now,
            )
        }
        CaseCommand::Timers { limit } => {
            let fired = runtime.fire_due_timers(now, "cli", limit)?;
            outln!("{}", json!({"fired": fired, "at": now.to_string()}));
            Ok(())
        }
    };
    result.map(|()| ExitCode::SUCCESS)
}

/// Runs a command about the whole case (not one task).
fn case_level(
    runtime: &Runtime,
    case_id: String,
    who: &Who,
    action: Action,
    now: Timestamp,
) -> anyhow::Result<()> {
    let case = load_case(runtime, &case_id)?;
    let command = Command {
        case_id,
        actor: case_actor(who, case.as_ref()),
        idempotency_key: who.key.clone(),
        expected_version: None,
        action,
    };
    print_outcome(&runtime.run(&command, None, now)?)
}

fn submit_case(runtime: &Runtime, args: SubmitArgs, now: Timestamp) -> anyhow::Result<()> {
    let entry = runtime.catalog.by_id(&args.regulation).with_context(|| {
        format!(
            "no regulation `{}`; `qyzmet list` shows the ids",
            args.regulation
        )
    })?;
    let region = args
        .region
        .clone()
        .unwrap_or_else(|| entry.model.act().region.clone());
    let provider_id = args
        .provider
        .clone()
        .unwrap_or_else(|| format!("{region}-provider"));
    let route = entry.model.route(&args.route).with_context(|| {
        let keys: Vec<String> = entry
            .model
            .routes()
            .iter()
            .map(|route| route.key.clone())
            .collect();
        format!("no route `{}`; routes: {}", args.route, keys.join(", "))
    })?;
    let documents: BTreeMap<String, bool> = match &args.documents {
        Some(ids) => ids.iter().map(|id| (id.clone(), true)).collect(),
        None => entry
            .model
            .documents()
            .iter()
            .filter(|document| document.channels.contains(&route.channel))
            .map(|document| (document.id.clone(), true))
            .collect(),
    };
    let form = match &args.form {
        Some(text) => serde_json::from_str(text).context("--form is not a JSON object")?,
        None => json!({}),
    };
    let case_id = args
        .case_id
        .clone()
        .unwrap_or_else(|| format!("C{}", now.as_millisecond()));
    let mut units = qyzmet_runtime::default_units(&entry.model, &provider_id);
    units.extend(args.units.iter().cloned());
    let command = Command {
        case_id,
        actor: actor(&args.who, None),
        idempotency_key: args.who.key.clone(),
        expected_version: None,
        action: Action::Submit {
            route: args.route.clone(),
            applicant: Applicant {
                id: args.applicant.clone(),
                kind: if args.legal_entity {
                    ApplicantKind::LegalEntity
                } else {
                    ApplicantKind::Individual
                },
                region: args
                    .applicant_region
                    .clone()
                    .unwrap_or_else(|| region.clone()),
                birth_date: None,
                citizen: None,
                resident: None,
            },
            form,
            documents,
            provider: Provider {
                id: provider_id,
                region,
                units,
            },
            checks: args.checks.iter().cloned().collect(),
            signature: None,
            representative: None,
        },
    };
    print_outcome(&runtime.run(&command, Some(&args.regulation), now)?)
}

fn show(runtime: &Runtime, case_id: &str) -> anyhow::Result<()> {
    let events = runtime.store.case_events(case_id)?;
    let case = qyzmet_engine::replay(&events)?.with_context(|| format!("no case `{case_id}`"))?;
    let row: Option<CaseRow> = runtime.store.case(case_id)?;
    let mut value = summary(&case);
    value["view"] = serde_json::to_value(row)?;
    value["events"] = events
        .iter()
        .map(|event| json!({"seq": event.seq, "kind": event.kind, "at": event.at.to_string(), "hash": event.hash}))
        .collect();
    outln!("{}", serde_json::to_string_pretty(&value)?);
    Ok(())
}
