//! The receipts the service-centre desk (or the provider's office) hands
//! the applicant at intake, as PDF (crate `qyzmet-documents`): the
//! acceptance receipt and the refusal-to-accept receipt.
//!
//! Like the results (`documents.rs`), a receipt is not stored: it is a pure
//! function of the case's events, the regulation and the directory, so
//! `/cases/{id}/receipt.pdf` prints it again byte for byte, and
//! `/verify/{id}` recomputes its digests. Everything printed is fixed when
//! the receipt is issued: the acceptance receipt's due date is the term as
//! it stood at acceptance (a later extension does not change the receipt
//! the applicant holds), its date and time are those of the acceptance.
//!
//! The refusal-to-accept receipt is also the case's result: the result PDF
//! of a case refused at intake is this same document.

use jiff::Timestamp;
use qyzmet_core::{Lang, Text};
use qyzmet_documents as docs;
use qyzmet_engine::Case;
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::model::{Channel, OrgKind, RefusalKind};
use qyzmet_runtime::Runtime;
use qyzmet_storage::record::{CaseStatus, StoredEvent};

use crate::document_parts::{applicant, display_name, printable_name, provider_header, verify_url};
use crate::{AppError, view};

/// The State Corporation as printed in a service-centre receipt's header.
fn state_corporation() -> Text {
    Text {
        kk: "«“Азаматтарға арналған үкімет” мемлекеттік корпорациясы» коммерциялық емес акционерлік қоғамы".into(),
        ru: Some(
            "Некоммерческое акционерное общество «Государственная корпорация “Правительство для граждан”»"
                .into(),
        ),
        en: Some("Non-profit JSC “State Corporation ‘Government for Citizens’”".into()),
    }
}

/// The position printed when the step gives none.
fn operator_fallback(channel: Option<Channel>) -> Text {
    match channel {
        Some(Channel::ServiceCentre) => Text {
            kk: "Мемлекеттік корпорация қызметкері".into(),
            ru: Some("работник Государственной корпорации".into()),
            en: Some("State Corporation operator".into()),
        },
        _ => Text {
            kk: "көрсетілетін қызметті берушінің қызметкері".into(),
            ru: Some("работник услугодателя".into()),
            en: Some("provider's officer".into()),
        },
    }
}

/// The language a receipt is printed in for a page language: the
/// regulations are Kazakh and Russian, so English pages get the Kazakh
/// receipt (the one `/verify` knows).
pub fn print_lang(page_lang: Lang) -> Lang {
    match page_lang {
        Lang::Ru => Lang::Ru,
        Lang::Kk | Lang::En => Lang::Kk,
    }
}

/// The case's receipt: the acceptance receipt once the package was
/// accepted, the refusal-to-accept receipt when it was refused at intake,
/// else `None` (the package is still being checked, or the case was
/// withdrawn before acceptance).
pub fn receipt_document(
    runtime: &Runtime,
    case: &Case,
    events: &[StoredEvent],
    model: &ProcessModel,
    base_url: &str,
) -> Result<Option<docs::Document>, AppError> {
    if case.accepted_at.is_some() {
        let due = due_at_acceptance(events)?;
        return acceptance_receipt(runtime, case, model, due, base_url);
    }
    refusal_receipt(runtime, case, model, base_url)
}

/// The case's overall due instant as it stood right after acceptance (the
/// events up to and including `case_accepted`, replayed).
fn due_at_acceptance(events: &[StoredEvent]) -> Result<Option<Timestamp>, AppError> {
    let Some(accepted) = events
        .iter()
        .position(|event| event.kind == "case_accepted")
    else {
        return Ok(None);
    };
    let case = qyzmet_engine::replay(&events[..=accepted])
        .map_err(|error| AppError::internal(error.to_string()))?;
    Ok(case.and_then(|case| case.due))
}

/// Whether a role belongs to an organisation whose people take documents
/// (not the applicant, the portal or an information system).
fn is_staff_org(org: OrgKind) -> bool {
    matches!(
        org,
        OrgKind::Provider | OrgKind::ServiceCentre | OrgKind::RuralAkimat | OrgKind::Other
    )
}

/// Who took (or refused) the documents, and as what: the person who left
/// the intake step (for an acceptance, the step whose completion accepted
/// the case), else the staff member who filed the application; the
/// position is the step's role title from the regulation.
fn operator(
    runtime: &Runtime,
    case: &Case,
    model: &ProcessModel,
) -> Result<docs::Signer, AppError> {
    let role_of = |step_id: &str| {
        view::step(model, &case.route, step_id)
            .and_then(|step| step.role.as_deref())
            .and_then(|role| model.role(role))
    };
    let staff_step = |step_id: &str| role_of(step_id).is_some_and(|role| is_staff_org(role.org));
    let visit = case
        .accepted_at
        .and_then(|accepted_at| {
            case.trail
                .iter()
                .find(|visit| visit.left_at == Some(accepted_at) && staff_step(&visit.step))
        })
        .or_else(|| case.trail.iter().find(|visit| staff_step(&visit.step)))
        // A portal case accepted by a system step: the system issues it.
        .or_else(|| {
            case.accepted_at.and_then(|accepted_at| {
                case.trail
                    .iter()
                    .find(|visit| visit.left_at == Some(accepted_at))
            })
        });
    let role = visit.and_then(|visit| role_of(&visit.step));
    let is_staff_account = |login: &str| -> Result<bool, AppError> {
        Ok(crate::auth::load_account(runtime.store.as_ref(), login)?
            .is_some_and(|account| account.is_staff()))
    };
    let mut login = None;
    if let Some(by) = visit.and_then(|visit| visit.by.as_deref())
        && is_staff_account(by)?
    {
        login = Some(by.to_owned());
    }
    if login.is_none() && is_staff_account(&case.submitted_by)? {
        login = Some(case.submitted_by.clone());
    }
    let position = role
        .filter(|role| is_staff_org(role.org))
        .map(|role| role.title.clone())
        .unwrap_or_else(|| operator_fallback(case.channel));
    let name = match login {
        Some(login) => display_name(runtime, &login),
        // No person: a system step (the e-government gateway) issued it.
        None => printable_name(
            &role
                .map(|role| role.title.kk.clone())
                .unwrap_or_else(|| "Qyzmet".to_owned()),
        ),
    };
    Ok(docs::Signer { name, position })
}

/// The header: the State Corporation for the service-centre channel,
/// else the provider (as on the results).
fn issuer(runtime: &Runtime, case: &Case) -> Result<docs::Provider, AppError> {
    let provider = provider_header(runtime, case)?;
    Ok(match case.channel {
        Some(Channel::ServiceCentre) => docs::Provider {
            name: state_corporation(),
            ..provider
        },
        _ => provider,
    })
}

/// The documents of the package that the applicant handed in, in the
/// regulation's order.
fn handed_in(case: &Case, model: &ProcessModel) -> Vec<Text> {
    model
        .documents()
        .iter()
        .filter(|document| case.documents.get(&document.id).copied().unwrap_or(false))
        .map(|document| document.title.clone())
        .collect()
}

/// The documents the case's channel (and variant) requires that were not
/// handed in.
fn missing(case: &Case, model: &ProcessModel) -> Vec<Text> {
    model
        .documents()
        .iter()
        .filter(|document| {
            case.channel
                .is_some_and(|channel| document.channels.contains(&channel))
                && (document.variants.is_empty()
                    || case
                        .variant
                        .as_ref()
                        .is_some_and(|variant| document.variants.contains(variant)))
                && !case.documents.get(&document.id).copied().unwrap_or(false)
        })
        .map(|document| document.title.clone())
        .collect()
}

fn local(runtime: &Runtime, case: &Case, at: Timestamp) -> jiff::ZonedDateTime {
    let schedule = view::schedule_for(runtime, &case.provider.id);
    at.to_zoned_datetime(schedule.time_zone().clone())
}

/// The acceptance receipt (`None` while the package is not accepted).
/// `due` is the case's due instant as it stood at acceptance.
pub fn acceptance_receipt(
    runtime: &Runtime,
    case: &Case,
    model: &ProcessModel,
    due: Option<Timestamp>,
    base_url: &str,
) -> Result<Option<docs::Document>, AppError> {
    let Some(accepted_at) = case.accepted_at else {
        return Ok(None);
    };
    let accepted = local(runtime, case, accepted_at);
    let mut documents = handed_in(case, model);
    if documents.is_empty() {
        // A package with no document ticked (a portal request with its
        // data only): the application itself was accepted.
        documents.push(Text {
            kk: "өтініш".into(),
            ru: Some("заявление".into()),
            en: Some("application".into()),
        });
    }
    let id = case
        .receipt
        .clone()
        .unwrap_or_else(|| format!("{}/receipt", case.case_id));
    Ok(Some(docs::Document {
        id,
        issued_at: accepted.datetime(),
        utc_offset: accepted.offset(),
        provider: issuer(runtime, case)?,
        case_number: case.case_id.clone(),
        service_title: model.service_title().clone(),
        applicant: applicant(runtime, case),
        verify_url: verify_url(base_url, &case.case_id),
        kind: docs::DocumentKind::AcceptanceReceipt {
            documents,
            operator: operator(runtime, case, model)?,
            accepted_at: accepted.datetime(),
            result_due: due.map(|due| local(runtime, case, due).date()),
        },
    }))
}

/// The refusal-to-accept receipt of a case refused at intake (`None`
/// otherwise). Also the case's result document.
pub fn refusal_receipt(
    runtime: &Runtime,
    case: &Case,
    model: &ProcessModel,
    base_url: &str,
) -> Result<Option<docs::Document>, AppError> {
    let (Some(closed_at), Some(result)) = (case.closed_at, case.result.as_deref()) else {
        return Ok(None);
    };
    if case.status() != CaseStatus::RefusedToAccept {
        return Ok(None);
    }
    let Some(refusal) = model
        .refusals()
        .iter()
        .find(|def| def.id == result && def.kind == RefusalKind::RefusalToAccept)
    else {
        return Ok(None);
    };
    let ground_text = |id: &str| {
        model
            .service()
            .refusal_grounds
            .iter()
            .find(|ground| ground.id == id)
            .map(|ground| ground.text.clone())
    };
    // The ground the engine recorded; else the grounds the regulation's
    // rules give for this refusal (the operator chose it by hand).
    let mut grounds: Vec<Text> = case
        .refusal_ground
        .as_deref()
        .and_then(ground_text)
        .into_iter()
        .collect();
    if grounds.is_empty() {
        for rule in model
            .rules()
            .iter()
            .filter(|rule| rule.refusal == refusal.id)
        {
            if let Some(text) = rule.ground.as_deref().and_then(ground_text)
                && !grounds.contains(&text)
            {
                grounds.push(text);
            }
        }
    }
    let missing_documents = missing(case, model);
    if grounds.is_empty() && missing_documents.is_empty() {
        // Nothing names why: print the refusal's own title as its ground
        // rather than fail (the document requires one of the two).
        grounds.push(refusal.title.clone());
    }
    let refused = local(runtime, case, closed_at);
    Ok(Some(docs::Document {
        id: format!("{}-R", case.case_id),
        issued_at: refused.datetime(),
        utc_offset: refused.offset(),
        provider: issuer(runtime, case)?,
        case_number: case.case_id.clone(),
        service_title: model.service().title.clone(),
        applicant: applicant(runtime, case),
        verify_url: verify_url(base_url, &case.case_id),
        kind: docs::DocumentKind::RefusalToAcceptReceipt {
            title: Some(refusal.title.clone()),
            documents: handed_in(case, model),
            missing_documents,
            grounds,
            operator: operator(runtime, case, model)?,
            refused_at: refused.datetime(),
        },
    }))
}

/// The file name a receipt is downloaded as, e.g. `Q…-receipt-kk.pdf`.
pub fn file_name(document: &docs::Document, lang: Lang) -> String {
    let kind = match document.kind {
        docs::DocumentKind::RefusalToAcceptReceipt { .. } => "refusal-receipt",
        _ => "receipt",
    };
    let case: String = document
        .case_number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    format!("{case}-{kind}-{}.pdf", lang.code())
}

/// Whether a document is one of the intake receipts (not a result).
pub fn is_receipt(kind: &docs::DocumentKind) -> bool {
    matches!(
        kind,
        docs::DocumentKind::AcceptanceReceipt { .. }
            | docs::DocumentKind::RefusalToAcceptReceipt { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_pages_print_the_kazakh_receipt() {
        assert_eq!(print_lang(Lang::En), Lang::Kk);
        assert_eq!(print_lang(Lang::Ru), Lang::Ru);
        assert_eq!(print_lang(Lang::Kk), Lang::Kk);
    }

    #[test]
    fn long_names_are_cut_to_what_a_document_prints() {
        let long = "Мемлекеттік корпорацияның жинақтау бөлімінің қызметкері; ".repeat(4);
        let name = printable_name(&long);
        assert!(name.chars().count() <= docs::MAX_SHORT_CHARS, "{name}");
        assert!(name.ends_with('…'), "{name}");
        assert_eq!(printable_name("  Айгүл Нұрланова "), "Айгүл Нұрланова");
    }
}
