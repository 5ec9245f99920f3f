//! `decide`: a command and the current state in, events out.
//!
//! Every command runs on a working copy of the case: each event is applied
//! to the copy as soon as it is emitted, so later decisions in the same
//! command see its effect and the ids derived from sequence numbers are the
//! ones the store will assign. Nothing leaves this module unless the whole
//! command succeeds.

use jiff::Timestamp;
use qyzmet_calendar::{Calendar, LegalClock, Schedule, TermRule};
use qyzmet_core::{Answer, System};
use qyzmet_core::{Bin, Iin};
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::model::{Node, RouteGraph};
use qyzmet_regulation::syntax::{
    FieldType, OrgKind, RefusalKind, Role, Route, Step, StepKind, Verification,
};
use serde_json::{Value, json};

use crate::apply::apply;
use crate::case::{ApplicantKind, Case, RequestStatus, TimerKind};
use crate::command::{Action, Actor, Command};
use crate::error::EngineError;
use crate::event::{Event, EventData};
use crate::record::{CaseStatus, RegistryRow, TaskStatus};
use crate::rules::{Registries, RuleEnv, quarter_of};

/// The most steps one command may pass through (automatic chains, refusals
/// and the step that stops the chain included).
pub const MAX_TRANSITIONS: usize = 256;

/// Longest accepted case id, in bytes.
const MAX_CASE_ID_BYTES: usize = 128;

/// Everything a command is decided against besides the case itself.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The caller's clock.
    pub now: Timestamp,
    /// The regulation edition the case runs under (for a submission: the
    /// edition in force, whose hash the case then pins).
    pub model: &'a ProcessModel,
    pub calendar: &'a Calendar,
    /// The provider's office hours and time zone.
    pub schedule: &'a Schedule,
    pub registries: &'a dyn Registries,
}

pub fn decide(
    state: Option<&Case>,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, EngineError> {
    let mut machine = Machine {
        ctx,
        case: state.cloned().unwrap_or_default(),
        events: Vec::new(),
        transitions: 0,
        env: None,
    };
    match (state, &command.action) {
        (Some(case), Action::Submit { .. }) => {
            return Err(EngineError::CaseExists {
                case_id: case.case_id.clone(),
            });
        }
        (None, Action::Submit { .. }) => {
            if let Some(expected) = command.expected_version
                && expected != 0
            {
                return Err(EngineError::StaleVersion {
                    expected,
                    actual: 0,
                });
            }
            machine.submit(command)?;
        }
        (None, _) => {
            return Err(EngineError::UnknownCase {
                case_id: command.case_id.clone(),
            });
        }
        (Some(case), action) => {
            if case.case_id != command.case_id {
                return Err(EngineError::UnknownCase {
                    case_id: command.case_id.clone(),
                });
            }
            if case.regulation_id != ctx.model.id || case.regulation_hash != ctx.model.hash {
                return Err(EngineError::WrongRegulation {
                    case_regulation: case.regulation_id.clone(),
                    case_hash: case.regulation_hash.clone(),
                    model_regulation: ctx.model.id.clone(),
                    model_hash: ctx.model.hash.clone(),
                });
            }
            if let Some(expected) = command.expected_version
                && expected != case.version
            {
                return Err(EngineError::StaleVersion {
                    expected,
                    actual: case.version,
                });
            }
            if let Action::Reopen { appeal } = &command.action {
                machine.reopen(&command.actor, appeal)?;
                return Ok(machine.events);
            }
            if case.is_closed() {
                return Err(EngineError::WrongState {
                    command: action.name(),
                    status: case.status(),
                });
            }
            let actor = &command.actor;
            match action {
                Action::Submit { .. } => {}
                Action::Claim { task_id } => machine.claim(actor, task_id)?,
                Action::AssignExecutor { executor, role } => {
                    machine.assign_executor(actor, executor, role.as_deref())?
                }
                Action::Complete {
                    task_id,
                    outcome,
                    data,
                } => machine.complete(actor, task_id, outcome.as_deref(), data)?,
                Action::Reassign { task_id, to } => machine.reassign(actor, task_id, to)?,
                Action::Extend { reason } => machine.extend(actor, reason)?,
                Action::Withdraw { reason } => machine.withdraw(actor, reason)?,
                Action::FireTimer { timer_id } => machine.fire_timer(timer_id)?,
                Action::RecordAnswer {
                    request_id,
                    answer,
                    data,
                } => machine.record_answer(actor, request_id, *answer, data)?,
                Action::RecordFailure { request_id, reason } => {
                    machine.record_failure(request_id, reason)?
                }
                Action::Reopen { .. } => {}
            }
        }
    }
    Ok(machine.events)
}

/// The role that heads `org` in a regulation: the role with id `head`, else
/// a rural akim (`akim`, `rural-akim`), else the first role whose Kazakh
/// title contains «басшы» (head).
pub fn head_role(model: &ProcessModel, org: OrgKind) -> Option<&Role> {
    let roles = || model.file.roles.iter().filter(move |role| role.org == org);
    roles()
        .find(|role| role.id == "head")
        .or_else(|| roles().find(|role| role.id == "akim" || role.id == "rural-akim"))
        .or_else(|| roles().find(|role| role.title.kk.to_lowercase().contains("басшы")))
}

fn org_key(org: OrgKind) -> &'static str {
    match org {
        OrgKind::Applicant => "applicant",
        OrgKind::Provider => "provider",
        OrgKind::ServiceCentre => "service_centre",
        OrgKind::RuralAkimat => "rural_akimat",
        OrgKind::Portal => "portal",
        OrgKind::InformationSystem => "information_system",
        OrgKind::Other => "other",
    }
}

/// Organisations whose people take tasks; the others (the applicant, the
/// portal, information systems) act without a task.
fn is_staff(org: OrgKind) -> bool {
    matches!(
        org,
        OrgKind::Provider | OrgKind::ServiceCentre | OrgKind::RuralAkimat | OrgKind::Other
    )
}

enum Flow {
    Goto(usize),
    Closed,
}

struct Machine<'c, 'a> {
    ctx: &'c Context<'a>,
    case: Case,
    events: Vec<Event>,
    transitions: usize,
    env: Option<RuleEnv>,
}

impl<'a> Machine<'_, 'a> {
    fn emit(&mut self, data: EventData) {
        let event = Event {
            at: self.ctx.now,
            data,
        };
        let case = std::mem::take(&mut self.case);
        self.case = apply(Some(case), &event);
        self.events.push(event);
    }

    /// The sequence number the next emitted event will have.
    fn next_seq(&self) -> u64 {
        self.case.version + 1
    }

    fn model(&self) -> &'a ProcessModel {
        self.ctx.model
    }

    fn graph(&self) -> Result<&'a RouteGraph, EngineError> {
        let route = &self.case.route;
        self.model()
            .routes
            .iter()
            .find(|graph| &graph.key == route)
            .ok_or_else(|| EngineError::UnknownRoute {
                route: route.clone(),
            })
    }

    fn route_syntax(&self) -> Option<&'a Route> {
        let route = &self.case.route;
        self.model()
            .file
            .routes
            .iter()
            .find(|syntax| &syntax.key() == route)
    }

    fn step_syntax(&self, id: &str) -> Option<&'a Step> {
        self.route_syntax()?.steps.iter().find(|step| step.id == id)
    }

    fn node(&self, index: usize) -> Result<&'a Node, EngineError> {
        self.graph()?
            .nodes
            .get(index)
            .ok_or_else(|| EngineError::ModelInconsistent {
                reason: format!("route `{}` has no step #{index}", self.case.route),
            })
    }

    fn node_index(&self, step: &str) -> Result<usize, EngineError> {
        self.graph()?
            .node(step)
            .ok_or_else(|| EngineError::ModelInconsistent {
                reason: format!("route `{}` has no step `{step}`", self.case.route),
            })
    }

    fn role(&self, id: &str) -> Result<&'a Role, EngineError> {
        self.model()
            .file
            .roles
            .iter()
            .find(|role| role.id == id)
            .ok_or_else(|| EngineError::UnknownRole {
                role: id.to_owned(),
            })
    }

    fn node_org(&self, node: &Node) -> Option<OrgKind> {
        let role = node.role.as_deref()?;
        self.role(role).ok().map(|role| role.org)
    }

    fn unit_for(&self, org: OrgKind) -> Option<String> {
        let provider = &self.case.provider;
        provider
            .units
            .get(org_key(org))
            .cloned()
            .or_else(|| (org == OrgKind::Provider).then(|| provider.id.clone()))
    }

    fn deadline(
        &self,
        start: Timestamp,
        limit: qyzmet_core::Duration,
        rule: TermRule,
    ) -> Result<Timestamp, EngineError> {
        LegalClock::new(self.ctx.calendar, self.ctx.schedule)
            .deadline(start, limit, rule)
            .map_err(|error| EngineError::Calendar {
                message: error.to_string(),
            })
    }

    fn eval(&mut self, text: &str) -> Result<bool, String> {
        if self.env.is_none() {
            self.env = Some(RuleEnv::new(
                &self.case,
                self.ctx.model,
                self.ctx.registries,
                self.ctx.now,
                self.ctx.schedule.time_zone(),
            ));
        }
        match &self.env {
            Some(env) => env.eval_bool(text),
            None => Err("no environment".into()),
        }
    }

    // ---- submission -------------------------------------------------------

    fn submit(&mut self, command: &Command) -> Result<(), EngineError> {
        let Action::Submit {
            route,
            applicant,
            form,
            documents,
            provider,
            checks,
            signature,
            representative,
        } = &command.action
        else {
            return Ok(());
        };
        let model = self.model();
        let invalid = |reason: String| EngineError::InvalidSubmission { reason };
        let case_id = &command.case_id;
        if case_id.is_empty() || case_id.len() > MAX_CASE_ID_BYTES {
            return Err(invalid(format!(
                "a case id has 1 to {MAX_CASE_ID_BYTES} bytes"
            )));
        }
        let graph = model
            .routes
            .iter()
            .find(|graph| &graph.key == route)
            .ok_or_else(|| EngineError::UnknownRoute {
                route: route.clone(),
            })?;
        let syntax = model
            .file
            .routes
            .iter()
            .find(|syntax| &syntax.key() == route);

        let id_ok = match applicant.kind {
            ApplicantKind::Individual => Iin::parse(&applicant.id).map(|_| ()),
            ApplicantKind::LegalEntity => Bin::parse(&applicant.id).map(|_| ()),
        };
        if let Err(error) = id_ok {
            return Err(invalid(format!("the applicant's id: {error}")));
        }
        if let Some(representative) = representative
            && let Err(error) = Iin::parse(&representative.iin)
        {
            return Err(invalid(format!("the representative's IIN: {error}")));
        }
        if provider.id.is_empty() || provider.region.is_empty() {
            return Err(invalid("the provider needs an id and a region".into()));
        }

        let form = match form {
            Value::Null => serde_json::Map::new(),
            Value::Object(map) => map.clone(),
            _ => return Err(invalid("the form must be an object".into())),
        };
        for (key, value) in &form {
            let Some(field) = model.file.form.iter().find(|field| &field.id == key) else {
                return Err(invalid(format!("the form has no field `{key}`")));
            };
            let fits = match field.ty {
                FieldType::String => value.is_string(),
                FieldType::Int => value.is_i64() || value.is_u64(),
                FieldType::Bool => value.is_boolean(),
                FieldType::Date => value.as_str().is_some_and(|text| {
                    text.len() == 10 && text.parse::<jiff::civil::Date>().is_ok()
                }),
                FieldType::Enum => value
                    .as_str()
                    .is_some_and(|text| field.values.iter().any(|allowed| allowed == text)),
            };
            if !fits {
                return Err(invalid(format!(
                    "form field `{key}` has a value of the wrong type"
                )));
            }
        }
        if let Some(field) = model
            .file
            .form
            .iter()
            .find(|field| field.required && !form.contains_key(&field.id))
        {
            return Err(invalid(format!("form field `{}` is required", field.id)));
        }
        if let Some(unknown) = documents.keys().find(|id| {
            !model
                .file
                .documents
                .iter()
                .any(|document| &document.id == *id)
        }) {
            return Err(invalid(format!(
                "the regulation names no document `{unknown}`"
            )));
        }
        for (step, outcome) in checks {
            let known = graph.node(step).is_some_and(|index| {
                graph.nodes[index]
                    .edges
                    .iter()
                    .any(|edge| edge.outcome.as_deref() == Some(outcome.as_str()))
            });
            if !known {
                return Err(invalid(format!(
                    "check `{step}` = `{outcome}` names no decision outcome of the route"
                )));
            }
        }
        // A request whose signature failed goes in only where the route
        // answers it: a decision verifying the signature has a branch for
        // the failure; an automatic step or no step at all has none.
        if let Some(failure) = signature.as_ref().and_then(|sig| sig.failure.as_ref()) {
            let answered = syntax.is_some_and(|syntax| {
                syntax.steps.iter().any(|step| {
                    step.verifies == Some(Verification::RequestSignature)
                        && step.kind == StepKind::Decision
                })
            });
            if !answered {
                return Err(EngineError::SignatureRejected {
                    failure: failure.clone(),
                });
            }
        }
        // Every organisation whose people act on this route needs a unit.
        for node in &graph.nodes {
            let Some(role_id) = node.role.as_deref() else {
                continue;
            };
            let role = self.role(role_id)?;
            if is_staff(role.org)
                && !provider.units.contains_key(org_key(role.org))
                && role.org != OrgKind::Provider
            {
                return Err(invalid(format!(
                    "provider.units has no `{}` unit (for role `{}`)",
                    org_key(role.org),
                    role.id
                )));
            }
        }

        let now = self.ctx.now;
        let due = match syntax.and_then(|syntax| syntax.term.as_ref()) {
            Some(term) => Some(self.deadline(
                now,
                term.duration(),
                TermRule {
                    acceptance_day_not_counted: term.acceptance_day_not_counted,
                },
            )?),
            None => None,
        };
        self.emit(EventData::CaseSubmitted {
            case_id: case_id.clone(),
            regulation_id: model.id.clone(),
            regulation_hash: model.hash.clone(),
            service_id: model.file.service.id.clone(),
            route: route.clone(),
            channel: graph.channel,
            variant: graph.variant.clone(),
            applicant: applicant.clone(),
            form,
            documents: documents.clone(),
            provider: provider.clone(),
            checks: checks.clone(),
            signature: signature.as_deref().cloned(),
            representative: representative.clone(),
            due,
            by: command.actor.user_id.clone(),
        });
        if let Some(due) = due {
            self.set_timer(TimerKind::CaseOverdue, due, None, None);
        }
        match self.check_rules(None)? {
            Some(Flow::Closed) => Ok(()),
            Some(Flow::Goto(index)) => self.enter(index),
            None => self.enter(graph.start),
        }
    }

    // ---- walking the route ------------------------------------------------

    fn set_timer(
        &mut self,
        kind: TimerKind,
        due: Timestamp,
        step: Option<String>,
        task: Option<String>,
    ) {
        let timer_id = format!("{}/timer/{}", self.case.case_id, self.next_seq());
        self.emit(EventData::TimerSet {
            timer_id,
            kind,
            due,
            step,
            task,
        });
    }

    /// Evaluates the rules that apply at `step` (on submission: the rules
    /// without `at`). The first failing rule, in file order, refuses.
    fn check_rules(&mut self, step: Option<&str>) -> Result<Option<Flow>, EngineError> {
        let model = self.model();
        for rule in &model.file.rules {
            let applies = match step {
                None => rule.at.is_empty(),
                Some(step) => rule.at.iter().any(|at| at == step),
            };
            if !applies || self.case.waived_rules.contains(&rule.id) {
                continue;
            }
            let holds = self
                .eval(&rule.require)
                .map_err(|message| EngineError::RuleError {
                    rule: rule.id.clone(),
                    message,
                })?;
            if holds {
                continue;
            }
            self.emit(EventData::RuleFailed {
                rule: rule.id.clone(),
                step: step.map(str::to_owned),
                refusal: rule.refusal.clone(),
                ground: rule.ground.clone(),
            });
            let end = self.graph()?.nodes.iter().position(|node| {
                node.kind == StepKind::End && node.result.as_deref() == Some(rule.refusal.as_str())
            });
            return match end {
                Some(index) => Ok(Some(Flow::Goto(index))),
                None => {
                    self.close(Some(rule.refusal.clone()));
                    Ok(Some(Flow::Closed))
                }
            };
        }
        Ok(None)
    }

    /// Enters the step at `index` and keeps going through every step that
    /// needs no person, until a task waits for someone or the case closes.
    fn enter(&mut self, mut index: usize) -> Result<(), EngineError> {
        loop {
            self.transitions += 1;
            if self.transitions > MAX_TRANSITIONS {
                return Err(EngineError::TooManyTransitions {
                    limit: MAX_TRANSITIONS,
                });
            }
            let node = self.node(index)?;
            self.emit(EventData::StepEntered {
                step: node.id.clone(),
            });
            match self.check_rules(Some(&node.id))? {
                Some(Flow::Closed) => return Ok(()),
                Some(Flow::Goto(target)) => {
                    index = target;
                    continue;
                }
                None => {}
            }
            let org = self.node_org(node);
            let by = node.role.clone().unwrap_or_else(|| "engine".to_owned());
            let personless = !org.is_some_and(is_staff);
            // An automatic step (or a task no person of ours takes) asks
            // on entry; a staff task asks when its person completes it.
            let asks_on_entry =
                node.kind == StepKind::Auto || (node.kind == StepKind::Task && personless);
            if asks_on_entry
                && let Some(step) = self.step_syntax(&node.id)
                && !step.calls.is_empty()
            {
                match self.ask(node, &step.calls)? {
                    Some(target) => {
                        index = target;
                        continue;
                    }
                    None => return Ok(()),
                }
            }
            match node.kind {
                StepKind::End => {
                    self.close(node.result.clone());
                    return Ok(());
                }
                StepKind::Auto | StepKind::Task if personless => {
                    self.emit(EventData::StepPassed {
                        step: node.id.clone(),
                        outcome: None,
                        by,
                    });
                    let target = self.plain_next(node)?;
                    self.maybe_accept(node, target)?;
                    index = target;
                }
                StepKind::Auto => {
                    // An automatic step of a staff role: still no person.
                    self.emit(EventData::StepPassed {
                        step: node.id.clone(),
                        outcome: None,
                        by,
                    });
                    let target = self.plain_next(node)?;
                    self.maybe_accept(node, target)?;
                    index = target;
                }
                StepKind::Decision => match self.automatic_outcome(node, personless)? {
                    Some(outcome) => {
                        let target = self.outcome_target(node, &outcome)?;
                        self.emit(EventData::StepPassed {
                            step: node.id.clone(),
                            outcome: Some(outcome),
                            by,
                        });
                        self.maybe_accept(node, target)?;
                        index = target;
                    }
                    None => return self.create_task(node, false),
                },
                StepKind::Task => return self.create_task(node, false),
                StepKind::Wait => return self.create_task(node, true),
            }
        }
    }

    fn plain_next(&self, node: &Node) -> Result<usize, EngineError> {
        node.edges
            .iter()
            .find(|edge| edge.outcome.is_none() && !edge.timeout)
            .map(|edge| edge.target)
            .ok_or_else(|| EngineError::ModelInconsistent {
                reason: format!("step `{}` has no next step", node.id),
            })
    }

    fn outcome_target(&self, node: &Node, outcome: &str) -> Result<usize, EngineError> {
        node.edges
            .iter()
            .find(|edge| edge.outcome.as_deref() == Some(outcome))
            .map(|edge| edge.target)
            .ok_or_else(|| EngineError::ModelInconsistent {
                reason: format!("decision `{}` has no outcome `{outcome}`", node.id),
            })
    }

    /// The outcome of a decision nobody has to take: by its outcomes' `when`
    /// conditions, else (for a system's decision) the outcome the submission
    /// reported in `checks`, else the system decision's first outcome.
    fn automatic_outcome(
        &mut self,
        node: &Node,
        personless: bool,
    ) -> Result<Option<String>, EngineError> {
        let outcomes = self
            .step_syntax(&node.id)
            .map(|step| step.outcomes.as_slice())
            .unwrap_or_default();
        if outcomes.iter().any(|outcome| !outcome.answers.is_empty()) {
            let answer = self.latest_call_answer();
            let outcome = answer.and_then(|answer| {
                outcomes
                    .iter()
                    .find(|outcome| outcome.answers.contains(&answer))
            });
            return match outcome {
                Some(outcome) => Ok(Some(outcome.id.clone())),
                None => Err(EngineError::ModelInconsistent {
                    reason: format!(
                        "decision `{}` has no outcome for the answer {}",
                        node.id,
                        answer.map_or("(none)", Answer::as_str)
                    ),
                }),
            };
        }
        if outcomes.iter().any(|outcome| outcome.when.is_some()) {
            for outcome in outcomes {
                if let Some(when) = &outcome.when {
                    let holds = self.eval(when).map_err(|message| EngineError::RuleError {
                        rule: format!("{}/{}", node.id, outcome.id),
                        message,
                    })?;
                    if holds {
                        return Ok(Some(outcome.id.clone()));
                    }
                }
            }
            return match outcomes.iter().find(|outcome| outcome.when.is_none()) {
                Some(otherwise) => Ok(Some(otherwise.id.clone())),
                None => Err(EngineError::NoOutcome {
                    step: node.id.clone(),
                }),
            };
        }
        if !personless {
            return Ok(None);
        }
        // A check Qyzmet made itself: the first outcome when it passed, the
        // second when it failed (the linter holds decisions to two).
        if let (Some(Verification::RequestSignature), Some(signature)) = (
            self.step_syntax(&node.id).and_then(|step| step.verifies),
            self.case.signature.as_ref(),
        ) {
            let outcome = outcomes.get(usize::from(!signature.is_valid()));
            return match outcome {
                Some(outcome) => Ok(Some(outcome.id.clone())),
                None => Err(EngineError::ModelInconsistent {
                    reason: format!(
                        "`{}` verifies a signature but has no outcome for it",
                        node.id
                    ),
                }),
            };
        }
        if let Some(reported) = self.case.checks.get(&node.id) {
            return Ok(Some(reported.clone()));
        }
        Ok(node.edges.iter().find_map(|edge| edge.outcome.clone()))
    }

    /// Issues the acceptance receipt when a case still `submitted` leaves an
    /// intake step of the provider, centre, akimat or a system towards
    /// anything but a refusal to accept.
    fn maybe_accept(&mut self, from: &Node, target: usize) -> Result<(), EngineError> {
        if self.case.status() != CaseStatus::Submitted {
            return Ok(());
        }
        if self
            .node_org(from)
            .is_none_or(|org| org == OrgKind::Applicant)
        {
            return Ok(());
        }
        if self.leads_to_refusal_to_accept(target)? {
            return Ok(());
        }
        let receipt = format!("{}/receipt", self.case.case_id);
        self.emit(EventData::CaseAccepted { receipt });
        Ok(())
    }

    fn leads_to_refusal_to_accept(&self, mut index: usize) -> Result<bool, EngineError> {
        for _ in 0..MAX_TRANSITIONS {
            let node = self.node(index)?;
            match node.kind {
                StepKind::End => {
                    return Ok(self.classify(node.result.as_deref()) == CaseStatus::RefusedToAccept);
                }
                StepKind::Auto => index = self.plain_next(node)?,
                StepKind::Task if !self.node_org(node).is_some_and(is_staff) => {
                    index = self.plain_next(node)?
                }
                _ => return Ok(false),
            }
        }
        Ok(false)
    }

    fn create_task(&mut self, node: &Node, wait: bool) -> Result<(), EngineError> {
        let role_id = node
            .role
            .clone()
            .ok_or_else(|| EngineError::ModelInconsistent {
                reason: format!("step `{}` has no role", node.id),
            })?;
        let role = self.role(&role_id)?;
        let unit = self
            .unit_for(role.org)
            .ok_or_else(|| EngineError::InvalidSubmission {
                reason: format!("provider.units has no `{}` unit", org_key(role.org)),
            })?;
        let due = match node.limit {
            Some(limit) => Some(self.deadline(self.ctx.now, limit, TermRule::default())?),
            None => None,
        };
        let task_id = format!("{}/t{}", self.case.case_id, self.next_seq());
        let assignee = self.case.executors.get(&role_id).cloned();
        self.emit(EventData::TaskCreated {
            task_id: task_id.clone(),
            step: node.id.clone(),
            role: role_id,
            unit,
            assignee,
            due,
            escalation: false,
            about: None,
            wait,
            check: None,
        });
        if let Some(due) = due {
            let kind = if wait {
                TimerKind::WaitTimeout
            } else {
                TimerKind::StepOverdue
            };
            self.set_timer(kind, due, Some(node.id.clone()), Some(task_id));
        }
        Ok(())
    }

    fn classify(&self, result: Option<&str>) -> CaseStatus {
        let service = &self.model().file.service;
        let Some(result) = result else {
            return CaseStatus::Completed;
        };
        if service.results.iter().any(|def| def.id == result) {
            return CaseStatus::Completed;
        }
        match service.refusals.iter().find(|def| def.id == result) {
            Some(def) if def.kind == RefusalKind::RefusalToAccept => CaseStatus::RefusedToAccept,
            _ => CaseStatus::Refused,
        }
    }

    /// Cancels every open task and timer, records the registry entry of a
    /// positive result, and closes the case.
    fn close(&mut self, result: Option<String>) {
        let status = self.classify(result.as_deref());
        self.close_as(status, result);
    }

    fn close_as(&mut self, status: CaseStatus, result: Option<String>) {
        self.cancel_everything();
        if status == CaseStatus::Completed
            && let Some(row) = self.registry_row(result.as_deref())
        {
            self.emit(EventData::RegistryRecorded { row });
        }
        self.emit(EventData::CaseClosed { status, result });
    }

    fn cancel_everything(&mut self) {
        let open: Vec<String> = self
            .case
            .open_tasks()
            .map(|task| task.task_id.clone())
            .collect();
        for task_id in open {
            self.emit(EventData::TaskCancelled { task_id });
        }
        let timers: Vec<String> = self.case.timers.keys().cloned().collect();
        for timer_id in timers {
            self.emit(EventData::TimerCancelled { timer_id });
        }
    }

    fn cancel_timers_of_task(&mut self, task_id: &str) {
        let timers: Vec<String> = self
            .case
            .timers
            .values()
            .filter(|timer| timer.task.as_deref() == Some(task_id))
            .map(|timer| timer.timer_id.clone())
            .collect();
        for timer_id in timers {
            self.emit(EventData::TimerCancelled { timer_id });
        }
    }

    /// The registry record a positive result of this service produces.
    fn registry_row(&self, result: Option<&str>) -> Option<RegistryRow> {
        let registry = match self.case.service_id.as_str() {
            "unemployed-registration" => "unemployed",
            "targeted-social-assistance" => "targeted_social_assistance",
            "semipalatinsk-victims" => "semipalatinsk_victims",
            "oralman-status" => "oralman",
            "foreign-labour-permit" => "foreign_labour_permits",
            _ => return None,
        };
        let key = self.case.applicant.id.clone();
        let existing = self.ctx.registries.get(registry, &key);
        let mut record = match existing.as_ref().map(|row| &row.record) {
            Some(Value::Object(map)) => map.clone(),
            _ => serde_json::Map::new(),
        };
        let now = self.ctx.now.to_string();
        record.insert("active".into(), Value::Bool(true));
        record
            .entry("since")
            .or_insert_with(|| Value::String(now.clone()));
        record.insert("updated".into(), Value::String(now));
        record.insert("number".into(), Value::String(self.case.case_id.clone()));
        if let Some(result) = result {
            record.insert("kind".into(), Value::String(result.to_owned()));
        }
        match registry {
            "targeted_social_assistance" => {
                let quarter = quarter_of(self.ctx.now, self.ctx.schedule.time_zone());
                let mut quarters = match record.get("quarters") {
                    Some(Value::Array(items)) => items.clone(),
                    _ => Vec::new(),
                };
                if !quarters
                    .iter()
                    .any(|item| item.as_str() == Some(quarter.as_str()))
                {
                    quarters.push(Value::String(quarter));
                }
                record.insert("quarters".into(), Value::Array(quarters));
            }
            "semipalatinsk_victims" | "foreign_labour_permits" => {
                let mut results = match record.get("results") {
                    Some(Value::Array(items)) => items.clone(),
                    _ => Vec::new(),
                };
                if let Some(result) = result {
                    results.push(Value::String(result.to_owned()));
                }
                record.insert("results".into(), Value::Array(results));
                if let Some(variant) = &self.case.variant {
                    record.insert("variant".into(), Value::String(variant.clone()));
                }
            }
            _ => {}
        }
        Some(RegistryRow {
            registry: registry.to_owned(),
            key,
            region: self.case.provider.region.clone(),
            record: Value::Object(record),
            case_id: self.case.case_id.clone(),
        })
    }

    // ---- commands on an open case -----------------------------------------

    fn open_task(&self, task_id: &str) -> Result<crate::case::Task, EngineError> {
        let task = self
            .case
            .tasks
            .get(task_id)
            .ok_or_else(|| EngineError::UnknownTask {
                task_id: task_id.to_owned(),
            })?;
        match task.status {
            TaskStatus::Done => Err(EngineError::TaskAlreadyDone {
                task_id: task_id.to_owned(),
                status: "done",
            }),
            TaskStatus::Cancelled => Err(EngineError::TaskAlreadyDone {
                task_id: task_id.to_owned(),
                status: "cancelled",
            }),
            TaskStatus::Open | TaskStatus::Claimed => Ok(task.clone()),
        }
    }

    fn require_grant(actor: &Actor, role: &str, unit: &str) -> Result<(), EngineError> {
        if actor.holds(role, unit) {
            Ok(())
        } else {
            Err(EngineError::WrongRole {
                role: role.to_owned(),
                unit: unit.to_owned(),
            })
        }
    }

    /// The head who may direct work of `org`'s tasks, with their unit: the
    /// head of that organisation, else the provider's head.
    fn head_for(&self, org: OrgKind) -> Option<(String, String)> {
        let model = self.model();
        let own = head_role(model, org)
            .and_then(|role| self.unit_for(role.org).map(|unit| (role.id.clone(), unit)));
        own.or_else(|| {
            head_role(model, OrgKind::Provider)
                .and_then(|role| self.unit_for(role.org).map(|unit| (role.id.clone(), unit)))
        })
    }

    fn claim(&mut self, actor: &Actor, task_id: &str) -> Result<(), EngineError> {
        let task = self.open_task(task_id)?;
        Self::require_grant(actor, &task.role, &task.unit)?;
        match &task.assignee {
            Some(assignee) if assignee == &actor.user_id => {
                return Err(EngineError::AlreadyClaimed {
                    task_id: task_id.to_owned(),
                });
            }
            Some(_) => {
                return Err(EngineError::AssignedToOther {
                    task_id: task_id.to_owned(),
                });
            }
            None => {}
        }
        self.emit(EventData::TaskClaimed {
            task_id: task_id.to_owned(),
            by: actor.user_id.clone(),
        });
        Ok(())
    }

    fn assign_executor(
        &mut self,
        actor: &Actor,
        executor: &str,
        role: Option<&str>,
    ) -> Result<(), EngineError> {
        let role_id = role.unwrap_or("executor");
        let role = self.role(role_id)?;
        if executor.is_empty() {
            return Err(EngineError::InvalidData);
        }
        let Some((head, unit)) = self.head_for(role.org) else {
            return Err(EngineError::WrongRole {
                role: "head".into(),
                unit: self.unit_for(role.org).unwrap_or_default(),
            });
        };
        Self::require_grant(actor, &head, &unit)?;
        self.emit(EventData::ExecutorAssigned {
            role: role_id.to_owned(),
            executor: executor.to_owned(),
            by: actor.user_id.clone(),
        });
        let waiting: Vec<String> = self
            .case
            .open_tasks()
            .filter(|task| task.role == role_id && task.assignee.is_none() && !task.escalation)
            .map(|task| task.task_id.clone())
            .collect();
        for task_id in waiting {
            self.emit(EventData::TaskAssigned {
                task_id,
                assignee: Some(executor.to_owned()),
                by: actor.user_id.clone(),
            });
        }
        Ok(())
    }

    fn reassign(
        &mut self,
        actor: &Actor,
        task_id: &str,
        to: &Option<String>,
    ) -> Result<(), EngineError> {
        let task = self.open_task(task_id)?;
        let is_assignee = task.assignee.as_deref() == Some(actor.user_id.as_str());
        if !is_assignee {
            let org = self.role(&task.role)?.org;
            match self.head_for(org) {
                Some((head, unit)) => Self::require_grant(actor, &head, &unit)?,
                None => Self::require_grant(actor, &task.role, &task.unit)?,
            }
        }
        if to.as_deref() == Some("") {
            return Err(EngineError::InvalidData);
        }
        self.emit(EventData::TaskAssigned {
            task_id: task_id.to_owned(),
            assignee: to.clone(),
            by: actor.user_id.clone(),
        });
        Ok(())
    }

    fn complete(
        &mut self,
        actor: &Actor,
        task_id: &str,
        outcome: Option<&str>,
        data: &Value,
    ) -> Result<(), EngineError> {
        let task = self.open_task(task_id)?;
        Self::require_grant(actor, &task.role, &task.unit)?;
        if let Some(assignee) = &task.assignee
            && assignee != &actor.user_id
        {
            return Err(EngineError::AssignedToOther {
                task_id: task_id.to_owned(),
            });
        }
        if !(data.is_null() || data.is_object()) {
            return Err(EngineError::InvalidData);
        }
        let unexpected = || EngineError::UnexpectedOutcome {
            task_id: task_id.to_owned(),
        };
        if task.check.is_some()
            && let Some(request_id) = task.about.clone()
        {
            return self.complete_manual_answer(actor, &task, &request_id, outcome, data);
        }
        if task.escalation {
            if outcome.is_some() {
                return Err(unexpected());
            }
            self.emit(EventData::TaskCompleted {
                task_id: task_id.to_owned(),
                by: actor.user_id.clone(),
                outcome: None,
                data: data.clone(),
            });
            return Ok(());
        }
        let index = self.node_index(&task.step)?;
        let node = self.node(index)?;
        let target = if node.kind == StepKind::Decision {
            let Some(outcome) = outcome else {
                return Err(EngineError::OutcomeRequired {
                    task_id: task_id.to_owned(),
                });
            };
            node.edges
                .iter()
                .find(|edge| edge.outcome.as_deref() == Some(outcome))
                .map(|edge| edge.target)
                .ok_or_else(|| EngineError::UnknownOutcome {
                    task_id: task_id.to_owned(),
                    outcome: outcome.to_owned(),
                })?
        } else {
            if outcome.is_some() {
                return Err(unexpected());
            }
            self.plain_next(node)?
        };
        self.emit(EventData::TaskCompleted {
            task_id: task_id.to_owned(),
            by: actor.user_id.clone(),
            outcome: outcome.map(str::to_owned),
            data: data.clone(),
        });
        self.cancel_timers_of_task(task_id);
        // A task that asks state systems: its person's work done, the
        // requests go out and the answers take the step on.
        if node.kind == StepKind::Task
            && task.check.is_none()
            && let Some(step) = self.step_syntax(&node.id)
            && !step.calls.is_empty()
        {
            return match self.ask(node, &step.calls)? {
                Some(target) => self.enter(target),
                None => Ok(()),
            };
        }
        self.maybe_accept(node, target)?;
        self.enter(target)
    }

    // ---- state information systems ---------------------------------------

    /// Entering a step with `calls`: one request per system into the
    /// outbox (the notary only when a representative applies). `Some(next)`
    /// when nothing had to be asked and the step is passed at once; `None`
    /// while the case waits for answers.
    fn ask(&mut self, node: &Node, calls: &[System]) -> Result<Option<usize>, EngineError> {
        let mut asked = false;
        for &system in calls {
            let Some(payload) = self.request_payload(system, &node.id)? else {
                continue;
            };
            let request_id = format!("{}/q{}", self.case.case_id, self.next_seq());
            self.emit(EventData::GatewayRequested {
                request_id,
                step: node.id.clone(),
                system,
                payload,
            });
            asked = true;
        }
        if asked {
            return Ok(None);
        }
        self.answered(node, calls[0].positive())
    }

    /// The request the engine puts in the outbox for `system` (see
    /// docs/gateway.md for each payload); `None` when there is nothing to
    /// ask.
    fn request_payload(&self, system: System, step: &str) -> Result<Option<Value>, EngineError> {
        let case = &self.case;
        let iin = &case.applicant.id;
        Ok(Some(match system {
            System::PersonDatabase | System::UnemploymentRecord => json!({"iin": iin}),
            System::Notary => {
                let Some(representative) = &case.representative else {
                    return Ok(None);
                };
                json!({
                    "principal_iin": iin,
                    "representative_iin": representative.iin,
                    "number": representative.power_of_attorney,
                })
            }
            System::LabourMarket => {
                let service = &case.service_id;
                let kind = if service.contains("registration") {
                    "registration"
                } else if service.contains("referral") {
                    "referral"
                } else if service.contains("certificate") {
                    "certificate"
                } else {
                    "request"
                };
                json!({"case_id": case.case_id, "service_id": service, "iin": iin, "kind": kind})
            }
            System::Payment => {
                let source = self.payment_data();
                let amount = source
                    .and_then(|data| data.get("amount_tiyn"))
                    .and_then(Value::as_i64)
                    .filter(|amount| *amount > 0)
                    .ok_or_else(|| EngineError::MissingData {
                        step: step.to_owned(),
                        field: "amount_tiyn".into(),
                    })?;
                // The step data first, then the application form (where
                // e.g. the applicant's place of detention is declared).
                let field = |name: &str| {
                    source
                        .and_then(|data| data.get(name))
                        .or_else(|| case.form.get(name))
                        .cloned()
                };
                json!({
                    "case_id": case.case_id,
                    "iin": iin,
                    "amount_tiyn": amount,
                    "account": field("account").filter(Value::is_string),
                    "control_account": field("control_account").and_then(|v| v.as_bool()).unwrap_or(false),
                })
            }
            System::RegionalGateway => json!({
                "case_id": case.case_id,
                "provider_id": case.provider.id,
                "service_id": case.service_id,
                "package_sha256": case.signature.as_ref().map(|signature| signature.request_sha256.clone()),
            }),
        }))
    }

    /// Where a payment order's amount and account come from: the latest
    /// step data (in the order the steps were passed) that has
    /// `amount_tiyn`, else the form.
    fn payment_data(&self) -> Option<&serde_json::Map<String, Value>> {
        self.case
            .trail
            .iter()
            .rev()
            .filter_map(|visit| self.case.data.get(&visit.step))
            .filter_map(Value::as_object)
            .find(|data| data.contains_key("amount_tiyn"))
            .or_else(|| {
                self.case
                    .form
                    .contains_key("amount_tiyn")
                    .then_some(&self.case.form)
            })
    }

    /// The answer of the latest step that asked state systems.
    fn latest_call_answer(&self) -> Option<Answer> {
        self.case.trail.iter().rev().find_map(|visit| {
            let calls = self
                .step_syntax(&visit.step)
                .map(|step| !step.calls.is_empty());
            if calls == Some(true) {
                visit.outcome.as_deref().and_then(Answer::parse)
            } else {
                None
            }
        })
    }

    /// Every request of the step visit has its answer: the step's answer
    /// is the first that is not its system's positive one (in `calls`
    /// order), else the first system's positive answer.
    fn resolve(&mut self, step: &str, visit: usize) -> Result<(), EngineError> {
        let Some(syntax) = self.step_syntax(step) else {
            return Err(EngineError::ModelInconsistent {
                reason: format!("step `{step}` asks no system"),
            });
        };
        let mut requests: Vec<_> = self
            .case
            .requests
            .values()
            .filter(|request| request.step == step && request.visit == visit)
            .collect();
        if requests
            .iter()
            .any(|request| request.status != RequestStatus::Answered)
        {
            return Ok(());
        }
        requests.sort_by_key(|request| {
            syntax
                .calls
                .iter()
                .position(|system| *system == request.system)
        });
        let answer = requests
            .iter()
            .filter_map(|request| request.answer.map(|answer| (request.system, answer)))
            .find(|(system, answer)| system.positive() != *answer)
            .map(|(_, answer)| answer)
            .unwrap_or_else(|| syntax.calls[0].positive());
        let index = self.node_index(step)?;
        let node = self.node(index)?;
        if let Some(target) = self.answered(node, answer)? {
            self.enter(target)?;
        }
        Ok(())
    }

    /// The step has its answer. A decision right after it that maps
    /// answers takes it from there; without one, the positive answer goes
    /// on and any other makes a manual-check task (`None`: the case waits
    /// for it).
    fn answered(&mut self, node: &Node, answer: Answer) -> Result<Option<usize>, EngineError> {
        let target = self.plain_next(node)?;
        let next = self.node(target)?;
        let decided_after = next.kind == StepKind::Decision
            && self.step_syntax(&next.id).is_some_and(|step| {
                step.outcomes
                    .iter()
                    .any(|outcome| !outcome.answers.is_empty())
            });
        let positive = self
            .step_syntax(&node.id)
            .and_then(|step| step.calls.first())
            .map(|system| system.positive());
        if !decided_after && positive != Some(answer) {
            self.manual_check(node, format!("answer: {answer}"), None)?;
            return Ok(None);
        }
        self.emit(EventData::StepPassed {
            step: node.id.clone(),
            outcome: Some(answer.as_str().to_owned()),
            by: node.role.clone().unwrap_or_else(|| "gateway".to_owned()),
        });
        self.maybe_accept(node, target)?;
        Ok(Some(target))
    }

    /// A task for the step's `manual_check` role: a person looks at what
    /// the system could not settle.
    fn manual_check(
        &mut self,
        node: &Node,
        check: String,
        request_id: Option<String>,
    ) -> Result<(), EngineError> {
        let role_id = self
            .step_syntax(&node.id)
            .and_then(|step| step.manual_check.clone())
            .ok_or_else(|| EngineError::ModelInconsistent {
                reason: format!("step `{}` has no manual_check role", node.id),
            })?;
        let role = self.role(&role_id)?;
        let unit = self
            .unit_for(role.org)
            .ok_or_else(|| EngineError::InvalidSubmission {
                reason: format!("provider.units has no `{}` unit", org_key(role.org)),
            })?;
        let task_id = format!("{}/t{}", self.case.case_id, self.next_seq());
        let assignee = self.case.executors.get(&role_id).cloned();
        self.emit(EventData::TaskCreated {
            task_id,
            step: node.id.clone(),
            role: role_id,
            unit,
            assignee,
            due: None,
            escalation: false,
            about: request_id,
            wait: false,
            check: Some(check),
        });
        Ok(())
    }

    fn request(&self, request_id: &str) -> Result<crate::case::GatewayRequest, EngineError> {
        self.case
            .requests
            .get(request_id)
            .cloned()
            .ok_or_else(|| EngineError::UnknownRequest {
                request_id: request_id.to_owned(),
            })
    }

    fn record_answer(
        &mut self,
        actor: &Actor,
        request_id: &str,
        answer: Answer,
        data: &Value,
    ) -> Result<(), EngineError> {
        let request = self.request(request_id)?;
        if !request.system.can_answer(answer) {
            return Err(EngineError::InvalidAnswer {
                system: request.system.as_str().to_owned(),
                answer: answer.as_str().to_owned(),
            });
        }
        let not_expected = |status: &str| EngineError::AnswerNotExpected {
            request_id: request_id.to_owned(),
            status: status.to_owned(),
        };
        match request.status {
            RequestStatus::Pending => {}
            RequestStatus::Failed => {
                // A late answer while the manual check is still open
                // settles the request; the check is no longer needed.
                let open = request
                    .manual_task
                    .as_deref()
                    .and_then(|id| self.case.tasks.get(id))
                    .filter(|task| matches!(task.status, TaskStatus::Open | TaskStatus::Claimed))
                    .map(|task| task.task_id.clone());
                let Some(task_id) = open else {
                    return Err(not_expected("failed"));
                };
                self.emit(EventData::TaskCancelled { task_id });
            }
            RequestStatus::Answered => return Err(not_expected("answered")),
            RequestStatus::Cancelled => return Err(not_expected("cancelled")),
        }
        if !(data.is_null() || data.is_object()) {
            return Err(EngineError::InvalidData);
        }
        self.emit(EventData::GatewayAnswered {
            request_id: request_id.to_owned(),
            answer,
            data: data.clone(),
            by: actor.user_id.clone(),
        });
        self.resolve(&request.step, request.visit)
    }

    fn record_failure(&mut self, request_id: &str, reason: &str) -> Result<(), EngineError> {
        let request = self.request(request_id)?;
        if request.status != RequestStatus::Pending {
            return Err(EngineError::AnswerNotExpected {
                request_id: request_id.to_owned(),
                status: format!("{:?}", request.status).to_lowercase(),
            });
        }
        let reason: String = reason.chars().take(200).collect();
        self.emit(EventData::GatewayFailed {
            request_id: request_id.to_owned(),
            reason: reason.clone(),
        });
        let index = self.node_index(&request.step)?;
        let node = self.node(index)?;
        self.manual_check(
            node,
            format!("failed: {} {reason}", request.system),
            Some(request_id.to_owned()),
        )
    }

    /// A person checked by hand what a system could not answer: the
    /// outcome is the system's answer.
    fn complete_manual_answer(
        &mut self,
        actor: &Actor,
        task: &crate::case::Task,
        request_id: &str,
        outcome: Option<&str>,
        data: &Value,
    ) -> Result<(), EngineError> {
        let request = self.request(request_id)?;
        let Some(outcome) = outcome else {
            return Err(EngineError::OutcomeRequired {
                task_id: task.task_id.clone(),
            });
        };
        let answer = Answer::parse(outcome)
            .filter(|answer| request.system.can_answer(*answer))
            .ok_or_else(|| EngineError::UnknownOutcome {
                task_id: task.task_id.clone(),
                outcome: outcome.to_owned(),
            })?;
        self.emit(EventData::TaskCompleted {
            task_id: task.task_id.clone(),
            by: actor.user_id.clone(),
            outcome: Some(outcome.to_owned()),
            data: data.clone(),
        });
        self.emit(EventData::GatewayAnswered {
            request_id: request_id.to_owned(),
            answer,
            data: data.clone(),
            by: actor.user_id.clone(),
        });
        self.resolve(&request.step, request.visit)
    }

    fn extend(&mut self, actor: &Actor, reason: &str) -> Result<(), EngineError> {
        // Who may ask comes first: someone without the right learns nothing
        // about the case's term.
        let provider_unit = self.case.provider.id.clone();
        let provider_unit = self.unit_for(OrgKind::Provider).unwrap_or(provider_unit);
        match head_role(self.model(), OrgKind::Provider) {
            Some(head) => Self::require_grant(actor, &head.id, &provider_unit)?,
            None => {
                if !actor.grants.iter().any(|grant| grant.unit == provider_unit) {
                    return Err(EngineError::WrongRole {
                        role: "head".into(),
                        unit: provider_unit,
                    });
                }
            }
        }
        let extension = self
            .route_syntax()
            .and_then(|route| route.term.as_ref())
            .and_then(|term| term.extension.as_ref())
            .ok_or_else(|| EngineError::ExtensionNotAllowed {
                route: self.case.route.clone(),
            })?;
        if self.case.extended {
            return Err(EngineError::AlreadyExtended);
        }
        if reason.trim().is_empty() {
            return Err(EngineError::InvalidData);
        }
        let base = self.case.due.unwrap_or(self.ctx.now);
        let due = self.deadline(
            base,
            qyzmet_core::Duration::new(extension.amount, extension.unit),
            TermRule::default(),
        )?;
        let case_timers: Vec<String> = self
            .case
            .timers
            .values()
            .filter(|timer| timer.kind == TimerKind::CaseOverdue)
            .map(|timer| timer.timer_id.clone())
            .collect();
        for timer_id in case_timers {
            self.emit(EventData::TimerCancelled { timer_id });
        }
        self.emit(EventData::TermExtended {
            reason: reason.to_owned(),
            by: actor.user_id.clone(),
            due,
        });
        self.set_timer(TimerKind::CaseOverdue, due, None, None);
        Ok(())
    }

    /// Reopens a refused case after an upheld appeal (docs/appeals.md): the
    /// case stands again at the step that refused it — the step whose rule
    /// failed (the rule is waived from then on), or the last decision taken
    /// (for a decision on state-system answers, the step that asked them,
    /// so they are asked again), or the route's start.
    fn reopen(&mut self, actor: &Actor, appeal: &str) -> Result<(), EngineError> {
        if appeal.trim().is_empty() || appeal.len() > MAX_CASE_ID_BYTES {
            return Err(EngineError::InvalidData);
        }
        let status = self.case.status();
        if !matches!(status, CaseStatus::Refused | CaseStatus::RefusedToAccept) {
            return Err(EngineError::WrongState {
                command: "reopen",
                status,
            });
        }
        if self.case.reopened_by.iter().any(|done| done == appeal) {
            return Err(EngineError::WrongState {
                command: "reopen",
                status,
            });
        }
        let waived_rule = self.case.refused_by_rule.clone();
        let step = match (&waived_rule, &self.case.refused_at_step) {
            (Some(_), Some(step)) => step.clone(),
            (Some(_), None) => self.route_start()?,
            (None, _) => self.refusing_step()?,
        };
        let index = self.node_index(&step)?;
        self.emit(EventData::CaseReopened {
            appeal: appeal.to_owned(),
            step: step.clone(),
            waived_rule: waived_rule.clone(),
            by: actor.user_id.clone(),
        });
        if let Some(due) = self.case.due {
            if due > self.ctx.now {
                self.set_timer(TimerKind::CaseOverdue, due, None, None);
            } else if !self.case.overdue {
                self.emit(EventData::CaseOverdue { due });
            }
        }
        if waived_rule.is_some() && self.case.refused_at_step.is_none() {
            // A submission rule refused it: the submission's own rules are
            // checked again (the waived one skipped) before the start step.
            if let Some(Flow::Closed) = self.check_rules(None)? {
                return Ok(());
            }
        }
        self.enter(index)
    }

    fn route_start(&self) -> Result<String, EngineError> {
        let route = self
            .route_syntax()
            .ok_or_else(|| EngineError::UnknownRoute {
                route: self.case.route.clone(),
            })?;
        Ok(route.start.clone())
    }

    /// The step a decision-refused case goes back to (see `reopen`).
    fn refusing_step(&self) -> Result<String, EngineError> {
        let trail = &self.case.trail;
        let decision = trail.iter().enumerate().rev().find(|(_, visit)| {
            self.step_syntax(&visit.step)
                .is_some_and(|step| step.kind == StepKind::Decision)
        });
        let Some((index, visit)) = decision else {
            return self.route_start();
        };
        let on_answers = self.step_syntax(&visit.step).is_some_and(|step| {
            step.outcomes
                .iter()
                .any(|outcome| !outcome.answers.is_empty())
        });
        if on_answers
            && let Some(asked) = index.checked_sub(1).map(|before| &trail[before])
            && self
                .step_syntax(&asked.step)
                .is_some_and(|step| !step.calls.is_empty())
        {
            return Ok(asked.step.clone());
        }
        Ok(visit.step.clone())
    }

    fn withdraw(&mut self, actor: &Actor, reason: &Option<String>) -> Result<(), EngineError> {
        let provider = &self.case.provider;
        let staff = actor.grants.iter().any(|grant| {
            grant.unit == provider.id || provider.units.values().any(|unit| unit == &grant.unit)
        });
        if actor.user_id != self.case.applicant.id && !staff {
            return Err(EngineError::WrongRole {
                role: "applicant".into(),
                unit: String::new(),
            });
        }
        self.emit(EventData::CaseWithdrawn {
            by: actor.user_id.clone(),
            reason: reason.clone(),
        });
        self.close_as(CaseStatus::Withdrawn, None);
        Ok(())
    }

    fn fire_timer(&mut self, timer_id: &str) -> Result<(), EngineError> {
        let timer =
            self.case
                .timers
                .get(timer_id)
                .cloned()
                .ok_or_else(|| EngineError::UnknownTimer {
                    timer_id: timer_id.to_owned(),
                })?;
        if self.ctx.now < timer.due {
            return Err(EngineError::TimerNotDue {
                timer_id: timer_id.to_owned(),
                due: timer.due,
            });
        }
        self.emit(EventData::TimerFired {
            timer_id: timer_id.to_owned(),
        });
        match timer.kind {
            TimerKind::StepOverdue => {
                let Some(task) = timer
                    .task
                    .as_deref()
                    .and_then(|id| self.case.tasks.get(id))
                    .filter(|task| matches!(task.status, TaskStatus::Open | TaskStatus::Claimed))
                    .cloned()
                else {
                    return Ok(());
                };
                self.emit(EventData::StepOverdue {
                    step: task.step.clone(),
                    task_id: task.task_id.clone(),
                    due: timer.due,
                });
                let org = self.role(&task.role)?.org;
                self.escalate(org, &task.step, &task.task_id);
            }
            TimerKind::WaitTimeout => {
                let Some(task) = timer
                    .task
                    .as_deref()
                    .and_then(|id| self.case.tasks.get(id))
                    .filter(|task| matches!(task.status, TaskStatus::Open | TaskStatus::Claimed))
                    .cloned()
                else {
                    return Ok(());
                };
                let index = self.node_index(&task.step)?;
                let node = self.node(index)?;
                let target = node
                    .edges
                    .iter()
                    .find(|edge| edge.timeout)
                    .map(|edge| edge.target)
                    .ok_or_else(|| EngineError::ModelInconsistent {
                        reason: format!("wait `{}` has no on_timeout", node.id),
                    })?;
                self.emit(EventData::TaskCancelled {
                    task_id: task.task_id.clone(),
                });
                self.emit(EventData::StepPassed {
                    step: node.id.clone(),
                    outcome: Some("timeout".into()),
                    by: "timer".into(),
                });
                self.enter(target)?;
            }
            TimerKind::CaseOverdue => {
                self.emit(EventData::CaseOverdue { due: timer.due });
                let step = self
                    .case
                    .current_step
                    .clone()
                    .unwrap_or_else(|| "case".into());
                self.escalate(OrgKind::Provider, &step, "case");
            }
        }
        Ok(())
    }

    /// An escalation task for the head of `org` (else of the provider).
    fn escalate(&mut self, org: OrgKind, step: &str, about: &str) {
        let (role, unit) = self.head_for(org).unwrap_or_else(|| {
            // No head in the regulation: the overdue step's own role (or the
            // provider's first role) gets the escalation.
            let role = self
                .case
                .tasks
                .get(about)
                .map(|task| (task.role.clone(), task.unit.clone()));
            role.unwrap_or_else(|| {
                let first = self
                    .model()
                    .file
                    .roles
                    .iter()
                    .find(|role| role.org == OrgKind::Provider)
                    .map(|role| role.id.clone())
                    .unwrap_or_else(|| "head".into());
                (first, self.case.provider.id.clone())
            })
        });
        let task_id = format!("{}/t{}", self.case.case_id, self.next_seq());
        self.emit(EventData::TaskCreated {
            task_id,
            step: step.to_owned(),
            role,
            unit,
            assignee: None,
            due: None,
            escalation: true,
            about: Some(about.to_owned()),
            wait: false,
            check: None,
        });
    }
}
