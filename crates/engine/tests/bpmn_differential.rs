//! Differential test of the executable BPMN export against SpiffWorkflow 3.
//!
//! For every route of every regulation in `regulations/`, cases are driven
//! through the engine with chosen outcomes until every outcome of every
//! decision the route reaches, and the timeout of every wait, has been taken
//! at least once (a bounded worklist: each choice schedules at most one more
//! case). The same choices are then played through the route's process in
//! `qyzmet render --format bpmn`'s output by SpiffWorkflow (Python, in the
//! venv `scripts/spiff-venv` makes under `target/`; driver:
//! `tests/spiff/drive.py`), and the two sequences of steps must be equal.
//! The user tasks SpiffWorkflow hands out must be exactly the steps a person
//! acts on, each in the lane of its role.
//!
//! The venv is created on first use (PyPI). When it cannot be, the test
//! fails and says how to make it; it never skips.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use jiff::{Timestamp, ToSpan};
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_core::{Answer, Lang, System};
use qyzmet_engine::{
    Action, Actor, Applicant, ApplicantKind, Case, Command, Context, Grant, MemoryRegistries,
    Provider, RequestStatus, TimerKind,
};
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::model::{FieldType, OrgKind, RouteGraph, Step, StepKind};
use qyzmet_regulation::render::bpmn;
use qyzmet_storage::record::RegistryRow;
use serde_json::{Value, json};

/// The SpiffWorkflow version `tests/spiff/requirements.txt` pins.
const SPIFF_VERSION: &str = "3.2.0";
/// A valid IIN (check digit by the Decree No 406 rule).
const IIN: &str = "900101300037";
/// Cases per route at most (the worklist needs one per outcome, plus one).
const MAX_RUNS: usize = 64;
/// Commands per case at most.
const MAX_COMMANDS: usize = 256;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `target/` (CARGO_TARGET_TMPDIR is `target/tmp`).
fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).to_path_buf()
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "yaml") {
            out.push(path);
        }
    }
}

/// Every regulation, compiled (all of them must: 17 services and the West
/// Kazakhstan appeal procedure, as the runtime's catalog has them).
fn models(calendar: &Calendar) -> Vec<(String, ProcessModel)> {
    let mut paths = Vec::new();
    yaml_files(&workspace_root().join("regulations"), &mut paths);
    let models: Vec<(String, ProcessModel)> = paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("readable regulation");
            let checked = qyzmet_regulation::check(&text, calendar);
            let model = checked.model.unwrap_or_else(|| {
                panic!(
                    "{} does not compile: {:?}",
                    path.display(),
                    checked
                        .diagnostics
                        .iter()
                        .map(|d| format!("{} {}", d.code, d.message))
                        .collect::<Vec<_>>()
                )
            });
            (model.id.clone(), model)
        })
        .collect();
    assert_eq!(models.len(), 18, "regulations in regulations/");
    models
}

/// The venv's Python with SpiffWorkflow, made by `scripts/spiff-venv`.
fn spiff_python() -> PathBuf {
    let venv = target_dir().join("spiff-venv");
    let script = workspace_root().join("scripts/spiff-venv");
    let output = Process::new(&script)
        .arg(&venv)
        .output()
        .unwrap_or_else(|error| panic!("{} could not be run: {error}", script.display()));
    assert!(
        output.status.success(),
        "the SpiffWorkflow venv could not be created in {} (it needs python3 with the venv \
         module, Debian: apt-get install python3-venv, and PyPI). Make it with `scripts/spiff-venv \
         {}`; .ci/run does.\n{}{}",
        venv.display(),
        venv.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let python = venv.join("bin/python");
    let version = Process::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('SpiffWorkflow'))",
        ])
        .output()
        .unwrap_or_else(|error| panic!("{}: {error}", python.display()));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        SPIFF_VERSION,
        "SpiffWorkflow in {}: {}",
        venv.display(),
        String::from_utf8_lossy(&version.stderr)
    );
    python
}

/// What a case does at a step's first visit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Choice {
    Outcome(String),
    /// The wait's limit passes (its timer fires).
    Timeout,
}

/// Step id → the choice at its first visit; later visits (and steps not
/// named) take the outcome nearest to an end.
type Policy = BTreeMap<String, Choice>;

fn is_staff(org: Option<OrgKind>) -> bool {
    matches!(
        org,
        Some(OrgKind::Provider | OrgKind::ServiceCentre | OrgKind::RuralAkimat | OrgKind::Other)
    )
}

fn org_of(model: &ProcessModel, step: &Step) -> Option<OrgKind> {
    let role = step.role.as_deref()?;
    model.role(role).map(|r| r.org)
}

/// Whether the step's BPMN element is a user task (a person acts): the
/// export's rule, restated.
fn is_user_task(model: &ProcessModel, step: &Step) -> bool {
    match step.kind {
        StepKind::Wait => true,
        StepKind::Task | StepKind::Decision => !matches!(
            org_of(model, step),
            Some(OrgKind::Portal | OrgKind::InformationSystem)
        ),
        StepKind::Auto | StepKind::End => false,
    }
}

/// Steps from each step to the nearest end, not counting timeouts.
fn distances(route: &RouteGraph) -> HashMap<String, usize> {
    let mut dist: HashMap<String, usize> = HashMap::new();
    for step in route.steps() {
        if step.kind == StepKind::End {
            dist.insert(step.id.clone(), 0);
        }
    }
    // Bellman-Ford style relaxation, bounded by the number of steps.
    for _ in 0..route.steps().len() {
        let mut changed = false;
        for step in route.steps() {
            let targets = step
                .next
                .iter()
                .chain(step.outcomes.iter().map(|o| &o.next));
            let best = targets
                .filter_map(|target| dist.get(target.as_str()))
                .min()
                .map(|d| d + 1);
            if let Some(best) = best
                && dist.get(&step.id).is_none_or(|d| best < *d)
            {
                dist.insert(step.id.clone(), best);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    dist
}

/// The outcome nearest to an end (the first such).
fn progress(step: &Step, dist: &HashMap<String, usize>) -> Option<String> {
    step.outcomes
        .iter()
        .min_by_key(|o| dist.get(&o.next).copied().unwrap_or(usize::MAX))
        .map(|o| o.id.clone())
}

/// A form with every field filled; a boolean is true exactly when the
/// policy picks an outcome whose `when` is that field.
fn form(model: &ProcessModel, route: &RouteGraph, policy: &Policy) -> Value {
    let mut chosen_when = BTreeSet::new();
    for step in route.steps() {
        if let Some(Choice::Outcome(outcome)) = policy.get(&step.id)
            && let Some(when) = step
                .outcomes
                .iter()
                .find(|o| &o.id == outcome)
                .and_then(|o| o.when.as_deref())
        {
            chosen_when.insert(when.trim().to_owned());
        }
    }
    let mut form = serde_json::Map::new();
    for field in model.form() {
        let value = match field.ty {
            FieldType::Enum => json!(field.values.first().cloned().unwrap_or_default()),
            FieldType::String => json!("x"),
            FieldType::Int => json!(1),
            FieldType::Bool => json!(chosen_when.contains(&format!("form.{}", field.id))),
            FieldType::Date => json!("2000-01-01"),
        };
        form.insert(field.id.clone(), value);
    }
    Value::Object(form)
}

/// The answer each asked system gives so that the step's answer (the first
/// non-positive one in `calls` order, else the first system's positive
/// one) is one of `wanted`; `None` when no combination gives one.
fn answers_for(calls: &[System], wanted: &[Answer]) -> Option<BTreeMap<System, Answer>> {
    let all_positive = || calls.iter().map(|s| (*s, s.positive())).collect();
    for answer in wanted {
        if calls.first().is_some_and(|s| s.positive() == *answer) {
            return Some(all_positive());
        }
        if let Some(system) = calls
            .iter()
            .find(|s| s.can_answer(*answer) && s.positive() != *answer)
        {
            let mut map: BTreeMap<System, Answer> = all_positive();
            map.insert(*system, *answer);
            return Some(map);
        }
    }
    None
}

/// The applicant's records that the services' rules look for: registered
/// unemployed, assisted in every quarter of the cases' year. (Rules are not
/// in the BPMN: a rule's refusal would be a jump no flow has.)
fn registries(model: &ProcessModel) -> MemoryRegistries {
    let mut registries = MemoryRegistries::default();
    let region = model.region().to_owned();
    for (registry, record) in [
        ("unemployed", json!({"active": true})),
        (
            "targeted_social_assistance",
            json!({"active": true, "quarters": ["2019-Q1", "2019-Q2", "2019-Q3", "2019-Q4"]}),
        ),
    ] {
        registries.put(RegistryRow {
            registry: registry.to_owned(),
            key: IIN.to_owned(),
            region: region.clone(),
            record,
            case_id: "earlier".to_owned(),
        });
    }
    registries
}

struct Driver<'a> {
    model: &'a ProcessModel,
    registries: MemoryRegistries,
    route: &'a RouteGraph,
    calendar: &'a Calendar,
    schedule: &'a Schedule,
    dist: HashMap<String, usize>,
}

impl Driver<'_> {
    fn step(&self, id: &str) -> Result<&Step, String> {
        self.route
            .steps()
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| format!("no step {id}"))
    }

    fn execute(
        &self,
        case: Option<&Case>,
        case_id: &str,
        actor: Actor,
        action: Action,
        now: Timestamp,
    ) -> Result<Case, String> {
        let command = Command {
            case_id: case_id.to_owned(),
            actor,
            idempotency_key: None,
            expected_version: case.map(|case| case.version),
            action,
        };
        let context = Context {
            now,
            model: self.model,
            calendar: self.calendar,
            schedule: self.schedule,
            registries: &self.registries,
        };
        qyzmet_engine::execute(case, &command, &context)
            .map(|executed| executed.case)
            .map_err(|error| format!("{:?}: {error}", command.action))
    }

    /// Drives one case to its end under `policy`.
    fn run(&self, case_id: &str, policy: &Policy) -> Result<Case, String> {
        let model = self.model;
        let route = self.route;
        // Decisions nobody of ours takes, without `when` or `answers`, take
        // the outcome the submission reports for them.
        let checks = route
            .steps()
            .iter()
            .filter(|s| {
                s.kind == StepKind::Decision
                    && !is_staff(org_of(model, s))
                    && s.outcomes
                        .iter()
                        .all(|o| o.when.is_none() && o.answers.is_empty())
            })
            .filter_map(|s| match policy.get(&s.id) {
                Some(Choice::Outcome(outcome)) => Some((s.id.clone(), outcome.clone())),
                _ => None,
            })
            .collect();
        let units = model
            .roles()
            .iter()
            .filter_map(|role| {
                let org = serde_json::to_value(role.org).ok()?.as_str()?.to_owned();
                let unit = if org == "provider" {
                    "p1".to_owned()
                } else {
                    format!("p1/{org}")
                };
                Some((org, unit))
            })
            .collect();
        let mut now: Timestamp = "2019-02-04T04:00:00Z".parse().expect("instant");
        let submit = Action::Submit {
            route: route.key.clone(),
            applicant: Applicant {
                id: IIN.into(),
                kind: ApplicantKind::Individual,
                region: model.region().to_owned(),
                ..Applicant::default()
            },
            form: form(model, route, policy),
            documents: model
                .documents()
                .iter()
                .filter(|d| d.channels.contains(&route.channel))
                .map(|d| (d.id.clone(), true))
                .collect(),
            provider: Provider {
                id: "p1".into(),
                region: model.region().to_owned(),
                units,
            },
            checks,
            signature: None,
            representative: None,
        };
        let applicant = Actor {
            user_id: IIN.into(),
            grants: vec![],
        };
        let mut case = self.execute(None, case_id, applicant, submit, now)?;
        for _ in 0..MAX_COMMANDS {
            if case.is_closed() {
                return Ok(case);
            }
            now = now.checked_add(10.minutes()).map_err(|e| e.to_string())?;
            let visits =
                |case: &Case, step: &str| case.trail.iter().filter(|v| v.step == step).count();
            if let Some(request) = case
                .requests
                .values()
                .find(|r| r.status == RequestStatus::Pending)
                .cloned()
            {
                let step = self.step(&request.step)?;
                let asked: Vec<System> = step
                    .calls
                    .iter()
                    .copied()
                    .filter(|s| *s != System::Notary)
                    .collect();
                // The decision right after the step, if it maps answers.
                let decision = step
                    .next
                    .as_deref()
                    .map(|next| self.step(next))
                    .transpose()?
                    .filter(|d| d.outcomes.iter().any(|o| !o.answers.is_empty()));
                let wanted = decision
                    .filter(|d| visits(&case, &d.id) == 0)
                    .and_then(|d| match policy.get(&d.id) {
                        Some(Choice::Outcome(outcome)) => {
                            d.outcomes.iter().find(|o| &o.id == outcome)
                        }
                        _ => None,
                    })
                    .map(|o| {
                        answers_for(&asked, &o.answers)
                            .ok_or_else(|| format!("no answers give {}/{}", step.id, o.id))
                    })
                    .transpose()?;
                let answer = wanted
                    .and_then(|map| map.get(&request.system).copied())
                    .unwrap_or_else(|| request.system.positive());
                let gateway = Actor {
                    user_id: "gateway".into(),
                    grants: vec![],
                };
                let action = Action::RecordAnswer {
                    request_id: request.request_id.clone(),
                    answer,
                    data: Value::Null,
                };
                case = self.execute(Some(&case), case_id, gateway, action, now)?;
                continue;
            }
            let task = case
                .open_tasks()
                .next()
                .cloned()
                .ok_or_else(|| format!("open case with no task at {:?}", case.current_step))?;
            if task.escalation || task.check.is_some() {
                return Err(format!("unexpected task {task:?}"));
            }
            let step = self.step(&task.step)?;
            let first = visits(&case, &step.id) <= 1;
            let chosen = policy.get(&step.id).filter(|_| first);
            let officer = Actor {
                user_id: "officer".into(),
                grants: vec![Grant {
                    role: task.role.clone(),
                    unit: task.unit.clone(),
                }],
            };
            if step.kind == StepKind::Wait && chosen == Some(&Choice::Timeout) {
                let timer = case
                    .timers
                    .values()
                    .find(|t| {
                        t.kind == TimerKind::WaitTimeout
                            && t.task.as_deref() == Some(task.task_id.as_str())
                    })
                    .cloned()
                    .ok_or_else(|| format!("wait {} has no timer", step.id))?;
                now = now.max(timer.due);
                let system = Actor {
                    user_id: "timers".into(),
                    grants: vec![],
                };
                let action = Action::FireTimer {
                    timer_id: timer.timer_id,
                };
                case = self.execute(Some(&case), case_id, system, action, now)?;
                continue;
            }
            let outcome = if step.kind == StepKind::Decision {
                match chosen {
                    Some(Choice::Outcome(outcome)) => Some(outcome.clone()),
                    _ => progress(step, &self.dist),
                }
            } else {
                None
            };
            let data = if step.calls.contains(&System::Payment) {
                json!({"amount_tiyn": 4_250_000})
            } else {
                Value::Null
            };
            let action = Action::Complete {
                task_id: task.task_id.clone(),
                outcome,
                data,
            };
            case = self.execute(Some(&case), case_id, officer, action, now)?;
        }
        Err(format!("not closed after {MAX_COMMANDS} commands"))
    }
}

/// One case of a route: the engine's steps and what SpiffWorkflow must be
/// told to take the same branches.
struct Run {
    route: usize,
    steps: Vec<String>,
    /// Per step visit: a wait whose limit passed (nobody completed it).
    timed_out: Vec<bool>,
    choices: Vec<Value>,
}

/// The BPMN id of a step's element: `Step_` + the process's token + `..` +
/// the step id made safe for XML (the export's scheme).
fn element_id(token: &str, step: &str) -> String {
    let mut out = format!("Step_{token}..");
    for byte in step.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            out.push(byte as char);
        } else {
            out.push_str(&format!(".{byte:02X}"));
        }
    }
    out
}

/// The ids of the `bpmn:process` elements, in document order.
fn process_ids(xml: &str) -> Vec<String> {
    xml.split("<bpmn:process id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect()
}

#[test]
fn spiffworkflow_takes_the_engines_steps_on_every_route() {
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let python = spiff_python();
    let driver_py = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spiff/drive.py");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bpmn-differential");
    std::fs::create_dir_all(&dir).expect("temp dir");

    let mut failures: Vec<String> = Vec::new();
    let (mut total_routes, mut total_runs, mut total_steps, mut total_choices) = (0, 0, 0, 0);
    let mut total_outcomes = 0;
    let mut total_calls = 0;
    for (index, (id, model)) in models(&calendar).into_iter().enumerate() {
        let xml = bpmn::render(&model, Lang::Kk);
        let processes = process_ids(&xml);
        assert_eq!(processes.len(), model.routes.len(), "{id}: processes");
        assert!(xml.contains("isExecutable=\"true\""), "{id}: executable");
        assert!(!xml.contains("isExecutable=\"false\""), "{id}: executable");
        let path = dir.join(format!("{index:02}.bpmn"));
        std::fs::write(&path, &xml).expect("write bpmn");

        // The engine: a worklist of policies per route.
        let mut runs: Vec<Run> = Vec::new();
        for (route_index, route) in model.routes().iter().enumerate() {
            total_routes += 1;
            let token = processes[route_index]
                .strip_prefix("Process_")
                .unwrap_or_default()
                .to_owned();
            let driver = Driver {
                model: &model,
                route,
                calendar: &calendar,
                schedule: &schedule,
                registries: registries(&model),
                dist: distances(route),
            };
            let mut wanted: BTreeSet<(String, String)> = BTreeSet::new();
            for step in route.steps() {
                for outcome in &step.outcomes {
                    wanted.insert((step.id.clone(), outcome.id.clone()));
                }
                if step.kind == StepKind::Wait && step.on_timeout.is_some() {
                    wanted.insert((step.id.clone(), "timeout".to_owned()));
                }
            }
            total_outcomes += wanted.len();
            let mut covered: BTreeSet<(String, String)> = BTreeSet::new();
            let mut scheduled: BTreeSet<(String, String)> = BTreeSet::new();
            let mut queue: VecDeque<Policy> = VecDeque::from([Policy::new()]);
            let mut count = 0;
            while let Some(policy) = queue.pop_front() {
                count += 1;
                if count > MAX_RUNS {
                    failures.push(format!("{id} {}: more than {MAX_RUNS} cases", route.key));
                    break;
                }
                let case_id = format!("diff-{index}-{route_index}-{count}");
                let case = match driver.run(&case_id, &policy) {
                    Ok(case) => case,
                    Err(error) => {
                        failures.push(format!("{id} {} {policy:?}: {error}", route.key));
                        continue;
                    }
                };
                if let Some(rule) = &case.refused_by_rule {
                    // A rule's refusal jumps to an end: no BPMN flow has it.
                    failures.push(format!(
                        "{id} {} {policy:?}: refused by rule {rule}; the test's case must pass the rules",
                        route.key
                    ));
                    continue;
                }
                let mut choices = Vec::new();
                for visit in &case.trail {
                    let step = driver.step(&visit.step).expect("trail step");
                    let taken = match (step.kind, visit.outcome.as_deref()) {
                        (StepKind::Decision, Some(outcome)) => {
                            choices.push(json!({
                                "step": element_id(&token, &step.id),
                                "outcome": outcome,
                            }));
                            Some(outcome)
                        }
                        (StepKind::Wait, Some("timeout")) => {
                            choices.push(json!({
                                "step": element_id(&token, &step.id),
                                "timeout": true,
                            }));
                            Some("timeout")
                        }
                        _ => None,
                    };
                    let Some(taken) = taken else { continue };
                    covered.insert((step.id.clone(), taken.to_owned()));
                    // Every other branch of a step this case reached: one
                    // more case that takes it at the first visit.
                    let mut others: Vec<Choice> = step
                        .outcomes
                        .iter()
                        .map(|o| Choice::Outcome(o.id.clone()))
                        .collect();
                    if step.kind == StepKind::Wait && step.on_timeout.is_some() {
                        others.push(Choice::Timeout);
                    }
                    for choice in others {
                        let name = match &choice {
                            Choice::Outcome(outcome) => outcome.clone(),
                            Choice::Timeout => "timeout".to_owned(),
                        };
                        let key = (step.id.clone(), name);
                        if !covered.contains(&key) && scheduled.insert(key) {
                            let mut next = policy.clone();
                            next.insert(step.id.clone(), choice);
                            queue.push_back(next);
                        }
                    }
                }
                // Waits completed in time are their `next` branch.
                for visit in &case.trail {
                    let step = driver.step(&visit.step).expect("trail step");
                    if step.kind == StepKind::Wait
                        && step.on_timeout.is_some()
                        && visit.outcome.as_deref() != Some("timeout")
                        && !covered.contains(&(step.id.clone(), "timeout".to_owned()))
                        && scheduled.insert((step.id.clone(), "timeout".to_owned()))
                    {
                        let mut next = policy.clone();
                        next.insert(step.id.clone(), Choice::Timeout);
                        queue.push_back(next);
                    }
                }
                total_choices += choices.len();
                runs.push(Run {
                    route: route_index,
                    steps: case.trail.iter().map(|v| v.step.clone()).collect(),
                    timed_out: case
                        .trail
                        .iter()
                        .map(|v| v.outcome.as_deref() == Some("timeout"))
                        .collect(),
                    choices,
                });
            }
            let missing: Vec<_> = wanted.difference(&covered).collect();
            if !missing.is_empty() {
                failures.push(format!(
                    "{id} {}: branches never taken: {missing:?}",
                    route.key
                ));
            }
        }
        total_runs += runs.len();

        // SpiffWorkflow: every case of this file in one driver call.
        let input: Vec<Value> = runs
            .iter()
            .map(|run| json!({"process": processes[run.route], "choices": run.choices}))
            .collect();
        let mut child = Process::new(&python)
            .arg(&driver_py)
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("{}: {error}", python.display()));
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(serde_json::to_string(&input).expect("json").as_bytes())
            .expect("write runs");
        let output = child.wait_with_output().expect("driver output");
        assert!(
            output.status.success(),
            "{id}: drive.py failed on {}:\n{}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let results: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
            panic!(
                "{id}: drive.py output is not JSON ({error}):\n{}",
                String::from_utf8_lossy(&output.stdout)
            )
        });
        assert_eq!(results.len(), runs.len(), "{id}: one result per case");
        for (run, result) in runs.iter().zip(&results) {
            let route = &model.routes()[run.route];
            let token = processes[run.route]
                .strip_prefix("Process_")
                .unwrap_or_default();
            if let Some(error) = result.get("error") {
                failures.push(format!(
                    "{id} {}: SpiffWorkflow: {error}\n  choices {}",
                    route.key,
                    Value::Array(run.choices.clone())
                ));
                continue;
            }
            let by_element: BTreeMap<String, &Step> = route
                .steps()
                .iter()
                .map(|s| (element_id(token, &s.id), s))
                .collect();
            let visited: Vec<&str> = result["visited"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let spiff_steps: Vec<String> = visited
                .iter()
                .filter(|element| element.starts_with("Step_"))
                .map(|element| {
                    by_element
                        .get(*element)
                        .map(|s| s.id.clone())
                        .unwrap_or_else(|| format!("?{element}"))
                })
                .collect();
            total_steps += run.steps.len();
            if spiff_steps != run.steps {
                failures.push(format!(
                    "{id} {}: steps differ\n  engine:         {:?}\n  SpiffWorkflow:  {:?}\n  choices {}",
                    route.key,
                    run.steps,
                    spiff_steps,
                    Value::Array(run.choices.clone())
                ));
                continue;
            }
            // A person's step that asks state systems is followed by its
            // service task (the requests), and only such a step.
            let call_prefix = format!("Call_{token}..");
            for (position, element) in visited.iter().enumerate() {
                let before = position.checked_sub(1).map(|p| visited[p]);
                let asks = |element: &str| {
                    by_element.get(element).is_some_and(|step| {
                        step.kind == StepKind::Task
                            && !step.calls.is_empty()
                            && is_user_task(&model, step)
                    })
                };
                let ok = match element.strip_prefix(&call_prefix) {
                    Some(rest) => {
                        before == Some(format!("Step_{token}..{rest}").as_str())
                            && before.is_some_and(asks)
                    }
                    None => !before.is_some_and(asks),
                };
                if !ok {
                    failures.push(format!(
                        "{id} {}: `{element}` after {before:?} (calls)",
                        route.key
                    ));
                }
                if element.starts_with(&call_prefix) {
                    total_calls += 1;
                }
            }
            // The user tasks are the steps a person acts on, in their lanes.
            let mut lanes: Vec<(String, String)> = Vec::new();
            for pair in result["lanes"].as_array().into_iter().flatten() {
                let element = pair[0].as_str().unwrap_or_default();
                let step = by_element
                    .get(element)
                    .map(|s| s.id.clone())
                    .unwrap_or_else(|| format!("?{element}"));
                lanes.push((step, pair[1].as_str().unwrap_or_default().to_owned()));
            }
            let expected: Vec<(String, String)> = run
                .steps
                .iter()
                .zip(&run.timed_out)
                .filter(|(_, timed_out)| !**timed_out)
                .filter_map(|(step, _)| by_element.get(&element_id(token, step)))
                .filter(|step| is_user_task(&model, step))
                .map(|step| {
                    let role = step.role.as_deref().unwrap_or_default();
                    (step.id.clone(), model.role_title(role, Lang::Kk))
                })
                .collect();
            if lanes != expected {
                failures.push(format!(
                    "{id} {}: user tasks and lanes differ\n  expected {expected:?}\n  got      {lanes:?}",
                    route.key
                ));
            }
        }
    }
    eprintln!(
        "bpmn differential: {total_routes} routes, {total_runs} cases, {total_steps} steps, \
         {total_choices} choices, {total_outcomes} branches to cover, {total_calls} calls, \
         SpiffWorkflow {SPIFF_VERSION}"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(total_routes >= 60, "only {total_routes} routes");
}
