//! `Submit`: the application checked against the regulation, the case
//! opened and walked to its first task.

use qyzmet_calendar::TermRule;
use qyzmet_core::{Bin, Iin};
use qyzmet_regulation::model::{FieldType, OrgKind, StepKind, Verification, is_staff};
use serde_json::Value;

use super::{Flow, MAX_CASE_ID_BYTES, Machine, org_key};
use crate::case::{ApplicantKind, TimerKind};
use crate::command::{Action, Command};
use crate::error::EngineError;
use crate::event::EventData;

impl Machine<'_, '_> {
    pub(super) fn submit(&mut self, command: &Command) -> Result<(), EngineError> {
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
            .route(route)
            .ok_or_else(|| EngineError::UnknownRoute {
                route: route.clone(),
            })?;

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
            let Some(field) = model.form_field(key) else {
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
            .form()
            .iter()
            .find(|field| field.required && !form.contains_key(&field.id))
        {
            return Err(invalid(format!("form field `{}` is required", field.id)));
        }
        if let Some(unknown) = documents.keys().find(|id| model.document(id).is_none()) {
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
            let answered = graph.steps().iter().any(|step| {
                step.verifies == Some(Verification::RequestSignature)
                    && step.kind == StepKind::Decision
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
        let due = match graph.term() {
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
            service_id: model.service_id().to_owned(),
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
}
