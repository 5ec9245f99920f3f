//! `Reopen`: a refused case stands again at the step that refused it after
//! an upheld appeal (docs/appeals.md).

use qyzmet_regulation::model::StepKind;
use qyzmet_storage::record::CaseStatus;

use super::{Flow, MAX_CASE_ID_BYTES, Machine};
use crate::case::TimerKind;
use crate::command::Actor;
use crate::error::EngineError;
use crate::event::EventData;

impl Machine<'_, '_> {
    /// Reopens a refused case after an upheld appeal (docs/appeals.md): the
    /// case stands again at the step that refused it — the step whose rule
    /// failed (the rule is waived from then on), or the last decision taken
    /// (for a decision on state-system answers, the step that asked them,
    /// so they are asked again), or the route's start.
    pub(super) fn reopen(&mut self, actor: &Actor, appeal: &str) -> Result<(), EngineError> {
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

    pub(super) fn route_start(&self) -> Result<String, EngineError> {
        Ok(self.graph()?.start_id().to_owned())
    }

    /// The step a decision-refused case goes back to (see `reopen`).
    pub(super) fn refusing_step(&self) -> Result<String, EngineError> {
        let trail = &self.case.trail;
        let decision = trail.iter().enumerate().rev().find(|(_, visit)| {
            self.step_def(&visit.step)
                .is_some_and(|step| step.kind == StepKind::Decision)
        });
        let Some((index, visit)) = decision else {
            return self.route_start();
        };
        let on_answers = self.step_def(&visit.step).is_some_and(|step| {
            step.outcomes
                .iter()
                .any(|outcome| !outcome.answers.is_empty())
        });
        if on_answers
            && let Some(asked) = index.checked_sub(1).map(|before| &trail[before])
            && self
                .step_def(&asked.step)
                .is_some_and(|step| !step.calls.is_empty())
        {
            return Ok(asked.step.clone());
        }
        Ok(visit.step.clone())
    }
}
