//! `decide`: a command and the current state in, events out.
//!
//! Every command runs on a working copy of the case: each event is applied
//! to the copy as soon as it is emitted, so later decisions in the same
//! command see its effect and the ids derived from sequence numbers are the
//! ones the store will assign. Nothing leaves this module unless the whole
//! command succeeds.
//!
//! One file per command family: `submit`, `tasks` (claim, assign, reassign,
//! complete, extend), `gateway` (state systems' answers and failures, the
//! manual checks), `timers`, `withdraw`, `reopen`; `route` walks the route
//! from a step to the next person or the end, `close` closes a case. This
//! file holds the entry point and the helpers they share.

mod close;
mod gateway;
mod reopen;
mod route;
mod submit;
mod tasks;
mod timers;
mod withdraw;

use jiff::Timestamp;
use qyzmet_calendar::{Calendar, LegalClock, Schedule, TermRule};
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::model::{Node, OrgKind, Role, RouteGraph, Step};
use qyzmet_storage::record::TaskStatus;

use crate::apply::apply;
use crate::case::{Case, TimerKind};
use crate::command::{Action, Actor, Command};
use crate::error::EngineError;
use crate::event::{Event, EventData};
use crate::rules::{Registries, RuleEnv};

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
    pub(super) fn emit(&mut self, data: EventData) {
        let event = Event {
            at: self.ctx.now,
            data,
        };
        let case = std::mem::take(&mut self.case);
        self.case = apply(Some(case), &event);
        self.events.push(event);
    }

    /// The sequence number the next emitted event will have.
    pub(super) fn next_seq(&self) -> u64 {
        self.case.version + 1
    }

    pub(super) fn model(&self) -> &'a ProcessModel {
        self.ctx.model
    }

    pub(super) fn graph(&self) -> Result<&'a RouteGraph, EngineError> {
        let route = &self.case.route;
        self.model()
            .route(route)
            .ok_or_else(|| EngineError::UnknownRoute {
                route: route.clone(),
            })
    }

    /// Step `id` of the case's route as the regulation writes it.
    pub(super) fn step_def(&self, id: &str) -> Option<&'a Step> {
        self.graph().ok()?.step(id)
    }

    pub(super) fn node(&self, index: usize) -> Result<&'a Node, EngineError> {
        self.graph()?
            .nodes
            .get(index)
            .ok_or_else(|| EngineError::ModelInconsistent {
                reason: format!("route `{}` has no step #{index}", self.case.route),
            })
    }

    pub(super) fn node_index(&self, step: &str) -> Result<usize, EngineError> {
        self.graph()?
            .node(step)
            .ok_or_else(|| EngineError::ModelInconsistent {
                reason: format!("route `{}` has no step `{step}`", self.case.route),
            })
    }

    pub(super) fn role(&self, id: &str) -> Result<&'a Role, EngineError> {
        self.model()
            .role(id)
            .ok_or_else(|| EngineError::UnknownRole {
                role: id.to_owned(),
            })
    }

    pub(super) fn node_org(&self, node: &Node) -> Option<OrgKind> {
        let role = node.role.as_deref()?;
        self.role(role).ok().map(|role| role.org)
    }

    pub(super) fn unit_for(&self, org: OrgKind) -> Option<String> {
        let provider = &self.case.provider;
        provider
            .units
            .get(org_key(org))
            .cloned()
            .or_else(|| (org == OrgKind::Provider).then(|| provider.id.clone()))
    }

    pub(super) fn deadline(
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

    pub(super) fn eval(&mut self, text: &str) -> Result<bool, String> {
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

    pub(super) fn set_timer(
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

    pub(super) fn plain_next(&self, node: &Node) -> Result<usize, EngineError> {
        node.edges
            .iter()
            .find(|edge| edge.outcome.is_none() && !edge.timeout)
            .map(|edge| edge.target)
            .ok_or_else(|| EngineError::ModelInconsistent {
                reason: format!("step `{}` has no next step", node.id),
            })
    }

    pub(super) fn outcome_target(&self, node: &Node, outcome: &str) -> Result<usize, EngineError> {
        node.edges
            .iter()
            .find(|edge| edge.outcome.as_deref() == Some(outcome))
            .map(|edge| edge.target)
            .ok_or_else(|| EngineError::ModelInconsistent {
                reason: format!("decision `{}` has no outcome `{outcome}`", node.id),
            })
    }

    pub(super) fn cancel_everything(&mut self) {
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

    pub(super) fn cancel_timers_of_task(&mut self, task_id: &str) {
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

    pub(super) fn open_task(&self, task_id: &str) -> Result<crate::case::Task, EngineError> {
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

    pub(super) fn require_grant(actor: &Actor, role: &str, unit: &str) -> Result<(), EngineError> {
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
    pub(super) fn head_for(&self, org: OrgKind) -> Option<(String, String)> {
        let model = self.model();
        let own = model
            .head_role(org)
            .and_then(|role| self.unit_for(role.org).map(|unit| (role.id.clone(), unit)));
        own.or_else(|| {
            model
                .head_role(OrgKind::Provider)
                .and_then(|role| self.unit_for(role.org).map(|unit| (role.id.clone(), unit)))
        })
    }
}
