//! `Withdraw`: the applicant (or the provider's staff) withdraws the
//! application.

use qyzmet_storage::record::CaseStatus;

use super::Machine;
use crate::command::Actor;
use crate::error::EngineError;
use crate::event::EventData;

impl Machine<'_, '_> {
    pub(super) fn withdraw(
        &mut self,
        actor: &Actor,
        reason: &Option<String>,
    ) -> Result<(), EngineError> {
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
}
