//! State information systems: asking them on entering a step with `calls`,
//! their answers and failures (`RecordAnswer`, `RecordFailure`), and the
//! manual check a person makes when a system cannot answer.

use qyzmet_core::{Answer, System};
use qyzmet_regulation::model::{Node, StepKind};
use qyzmet_storage::record::TaskStatus;
use serde_json::{Value, json};

use super::{Machine, org_key};
use crate::case::RequestStatus;
use crate::command::Actor;
use crate::error::EngineError;
use crate::event::EventData;

impl Machine<'_, '_> {
    /// Entering a step with `calls`: one request per system into the
    /// outbox (the notary only when a representative applies). `Some(next)`
    /// when nothing had to be asked and the step is passed at once; `None`
    /// while the case waits for answers.
    pub(super) fn ask(
        &mut self,
        node: &Node,
        calls: &[System],
    ) -> Result<Option<usize>, EngineError> {
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
    pub(super) fn request_payload(
        &self,
        system: System,
        step: &str,
    ) -> Result<Option<Value>, EngineError> {
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
    pub(super) fn payment_data(&self) -> Option<&serde_json::Map<String, Value>> {
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
    pub(super) fn latest_call_answer(&self) -> Option<Answer> {
        self.case.trail.iter().rev().find_map(|visit| {
            let calls = self
                .step_def(&visit.step)
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
    pub(super) fn resolve(&mut self, step: &str, visit: usize) -> Result<(), EngineError> {
        let Some(syntax) = self.step_def(step) else {
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
    pub(super) fn answered(
        &mut self,
        node: &Node,
        answer: Answer,
    ) -> Result<Option<usize>, EngineError> {
        let target = self.plain_next(node)?;
        let next = self.node(target)?;
        let decided_after = next.kind == StepKind::Decision
            && self.step_def(&next.id).is_some_and(|step| {
                step.outcomes
                    .iter()
                    .any(|outcome| !outcome.answers.is_empty())
            });
        let positive = self
            .step_def(&node.id)
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
    pub(super) fn manual_check(
        &mut self,
        node: &Node,
        check: String,
        request_id: Option<String>,
    ) -> Result<(), EngineError> {
        let role_id = self
            .step_def(&node.id)
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

    pub(super) fn request(
        &self,
        request_id: &str,
    ) -> Result<crate::case::GatewayRequest, EngineError> {
        self.case
            .requests
            .get(request_id)
            .cloned()
            .ok_or_else(|| EngineError::UnknownRequest {
                request_id: request_id.to_owned(),
            })
    }

    pub(super) fn record_answer(
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

    pub(super) fn record_failure(
        &mut self,
        request_id: &str,
        reason: &str,
    ) -> Result<(), EngineError> {
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
    pub(super) fn complete_manual_answer(
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
}
