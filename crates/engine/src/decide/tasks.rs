//! Commands on tasks: `Claim`, `AssignExecutor`, `Reassign`, `Complete`,
//! and the head's `Extend` of the term.

use qyzmet_calendar::TermRule;
use qyzmet_regulation::model::{OrgKind, StepKind};
use serde_json::Value;

use super::Machine;
use crate::case::TimerKind;
use crate::command::Actor;
use crate::error::EngineError;
use crate::event::EventData;

impl Machine<'_, '_> {
    pub(super) fn claim(&mut self, actor: &Actor, task_id: &str) -> Result<(), EngineError> {
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

    pub(super) fn assign_executor(
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

    pub(super) fn reassign(
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

    pub(super) fn complete(
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
            && let Some(step) = self.step_def(&node.id)
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

    pub(super) fn extend(&mut self, actor: &Actor, reason: &str) -> Result<(), EngineError> {
        // Who may ask comes first: someone without the right learns nothing
        // about the case's term.
        let provider_unit = self.case.provider.id.clone();
        let provider_unit = self.unit_for(OrgKind::Provider).unwrap_or(provider_unit);
        match self.model().head_role(OrgKind::Provider) {
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
            .graph()
            .ok()
            .and_then(|route| route.term())
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
}
