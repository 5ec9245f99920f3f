//! Reading cases as an account may: who may see which case, the edition a
//! case runs under.

use std::borrow::Cow;

use qyzmet_engine::Case;
use qyzmet_regulation::ProcessModel;
use qyzmet_runtime::Runtime;
use qyzmet_storage::record::StoredEvent;

use crate::{Account, AccountKind, Error};

/// May this account see the case? A citizen their own; staff the cases of
/// the units they work in; supervisors every case.
pub fn can_view(account: &Account, case: &Case) -> bool {
    match account.kind {
        AccountKind::Citizen => case.applicant.id == account.login,
        AccountKind::Staff => {
            account.supervisor
                || account.grants.iter().any(|grant| {
                    grant.unit == case.provider.id
                        || case.provider.units.values().any(|unit| unit == &grant.unit)
                })
        }
    }
}

/// Loads a case the account may see (others: not found, so that case ids
/// cannot be probed), with the edition it runs under.
pub fn load_case<'a>(
    runtime: &'a Runtime,
    account: &Account,
    case_id: &str,
) -> Result<(Case, Cow<'a, ProcessModel>), Error> {
    let (case, model, _) = load_case_events(runtime, account, case_id)?;
    Ok((case, model))
}

/// [`load_case`] and the case's stored events.
pub fn load_case_events<'a>(
    runtime: &'a Runtime,
    account: &Account,
    case_id: &str,
) -> Result<(Case, Cow<'a, ProcessModel>, Vec<StoredEvent>), Error> {
    let events = runtime.store.case_events(case_id)?;
    let case = qyzmet_engine::replay(&events)
        .map_err(|error| Error::internal(error.to_string()))?
        .filter(|case| can_view(account, case))
        .ok_or_else(|| Error::not_found("unknown_case", format!("no case `{case_id}`")))?;
    let model = pinned_model(runtime, &case.regulation_hash)?;
    Ok((case, model, events))
}

/// The edition with `hash`: from the catalogue, else compiled from the text
/// the store pinned at submission.
pub fn pinned_model<'a>(runtime: &'a Runtime, hash: &str) -> Result<Cow<'a, ProcessModel>, Error> {
    if let Some(entry) = runtime.catalog.by_hash(hash) {
        return Ok(Cow::Borrowed(&entry.model));
    }
    let (_, text) = runtime
        .store
        .regulation(hash)?
        .ok_or_else(|| Error::internal("the case's regulation edition is missing"))?;
    qyzmet_regulation::check(&text, &runtime.calendar)
        .model
        .map(Cow::Owned)
        .ok_or_else(|| Error::internal("the case's regulation edition does not compile"))
}

/// The case a task belongs to (tasks of cases one may not see: not found).
pub fn case_of_task(runtime: &Runtime, task_id: &str) -> Result<String, Error> {
    runtime
        .store
        .task(task_id)?
        .map(|row| row.case_id)
        .ok_or_else(|| Error::not_found("unknown_task", format!("no task `{task_id}`")))
}
