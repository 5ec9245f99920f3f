//! `FireTimer`: overdue steps and cases escalate to the head, a wait
//! times out.

use qyzmet_regulation::model::OrgKind;
use qyzmet_storage::record::TaskStatus;

use super::Machine;
use crate::case::TimerKind;
use crate::error::EngineError;
use crate::event::EventData;

impl Machine<'_, '_> {
    pub(super) fn fire_timer(&mut self, timer_id: &str) -> Result<(), EngineError> {
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
    pub(super) fn escalate(&mut self, org: OrgKind, step: &str, about: &str) {
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
                    .roles()
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
