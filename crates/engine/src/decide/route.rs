//! Walking the route: rules at a step, entering steps until a person has
//! to act or the case closes, automatic decisions, the acceptance receipt,
//! tasks.

use qyzmet_calendar::TermRule;
use qyzmet_core::Answer;
use qyzmet_regulation::model::{Node, OrgKind, StepKind, Verification, is_staff};
use qyzmet_storage::record::CaseStatus;

use super::{Flow, MAX_TRANSITIONS, Machine, org_key};
use crate::case::TimerKind;
use crate::error::EngineError;
use crate::event::EventData;

impl Machine<'_, '_> {
    /// Evaluates the rules that apply at `step` (on submission: the rules
    /// without `at`). The first failing rule, in file order, refuses.
    pub(super) fn check_rules(&mut self, step: Option<&str>) -> Result<Option<Flow>, EngineError> {
        let model = self.model();
        for rule in model.rules() {
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
    pub(super) fn enter(&mut self, mut index: usize) -> Result<(), EngineError> {
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
                && let Some(step) = self.step_def(&node.id)
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

    /// The outcome of a decision nobody has to take: by its outcomes' `when`
    /// conditions, else (for a system's decision) the outcome the submission
    /// reported in `checks`, else the system decision's first outcome.
    pub(super) fn automatic_outcome(
        &mut self,
        node: &Node,
        personless: bool,
    ) -> Result<Option<String>, EngineError> {
        let outcomes = self
            .step_def(&node.id)
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
            self.step_def(&node.id).and_then(|step| step.verifies),
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
    pub(super) fn maybe_accept(&mut self, from: &Node, target: usize) -> Result<(), EngineError> {
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

    pub(super) fn leads_to_refusal_to_accept(&self, mut index: usize) -> Result<bool, EngineError> {
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

    pub(super) fn create_task(&mut self, node: &Node, wait: bool) -> Result<(), EngineError> {
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
}
