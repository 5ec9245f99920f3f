//! A closed case's result as a PDF (crate `qyzmet-documents`), and the
//! public verification page its QR code points to.
//!
//! The PDF is a pure function of the case's events, the regulation and the
//! directory (provider, names), so it is not stored: it is rendered again
//! whenever asked for, byte for byte the same. That is also how
//! verification works: `/verify/{case}` renders the documents again and
//! compares SHA-256 digests with a file someone holds — the result's and
//! the intake receipt's (`receipts.rs`).
//!
//! A result the head signed digitally is served as the signed files
//! instead (`result_signing.rs`), and the verification page checks those
//! signatures again.

use qyzmet_core::{Lang, Text};
use qyzmet_documents as docs;
use qyzmet_engine::Case;
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::model::{RefusalKind, ResultKind, StepKind};
use qyzmet_runtime::Runtime;
use qyzmet_storage::record::CaseStatus;
use sha2::Digest as _;

pub(crate) use crate::document_parts::{applicant, display_name, provider_header, verify_url};
use crate::{AppError, view};

/// The languages a result is printed in (the regulations are Kazakh and
/// Russian).
pub const PRINT_LANGS: [Lang; 2] = [Lang::Kk, Lang::Ru];

/// The document of a closed case with a written result, or `None` when the
/// case is open or ended without one (withdrawn).
pub fn result_document(
    runtime: &Runtime,
    case: &Case,
    model: &ProcessModel,
    base_url: &str,
) -> Result<Option<docs::Document>, AppError> {
    let (Some(result), Some(closed_at)) = (case.result.as_deref(), case.closed_at) else {
        return Ok(None);
    };
    if case.status() == CaseStatus::Withdrawn {
        return Ok(None);
    }
    // Who signed: the last person who completed a task of the provider's
    // head role, else the last person who acted.
    let head = model.head_role(qyzmet_regulation::model::OrgKind::Provider);
    let signer_visit = case
        .trail
        .iter()
        .rev()
        .find(|visit| {
            view::step(model, &case.route, &visit.step).is_some_and(|step| {
                step.kind != StepKind::End
                    && head.is_some_and(|head| step.role.as_deref() == Some(head.id.as_str()))
            })
        })
        .or_else(|| case.trail.iter().rev().find(|visit| visit.by.is_some()));
    let signer_login = signer_visit
        .and_then(|visit| visit.by.clone())
        .unwrap_or_default();
    let signer_role = signer_visit
        .and_then(|visit| view::step(model, &case.route, &visit.step))
        .and_then(|step| step.role.as_deref())
        .and_then(|role| model.roles().iter().find(|candidate| candidate.id == role));
    let signer = docs::Signer {
        name: display_name(runtime, &signer_login),
        position: signer_role
            .map(|role| role.title.clone())
            .unwrap_or_else(|| Text::kk("—")),
    };
    document_for(runtime, case, model, base_url, result, closed_at, signer)
}

/// The document of `result` (a result or refusal id of the regulation) for
/// the case, issued at `issued_at` and signed by `signer`; `None` when the
/// regulation names no such result.
pub fn document_for(
    runtime: &Runtime,
    case: &Case,
    model: &ProcessModel,
    base_url: &str,
    result: &str,
    issued_at: jiff::Timestamp,
    signer: docs::Signer,
) -> Result<Option<docs::Document>, AppError> {
    let schedule = view::schedule_for(runtime, &case.provider.id);
    let local = issued_at.to_zoned_datetime(schedule.time_zone().clone());
    let applicant = applicant(runtime, case);
    let grounds: Vec<Text> = case
        .refusal_ground
        .as_ref()
        .and_then(|ground| {
            model
                .service()
                .refusal_grounds
                .iter()
                .find(|candidate| &candidate.id == ground)
        })
        .map(|ground| vec![ground.text.clone()])
        .unwrap_or_default();
    let kind = if let Some(def) = model.service().results.iter().find(|def| def.id == result) {
        let issued = docs::Issued {
            title: def.title.clone(),
            statement: None,
            fields: Vec::new(),
            signer,
        };
        match def.kind {
            ResultKind::Notice => docs::DocumentKind::Notice(issued),
            ResultKind::Certificate => docs::DocumentKind::Certificate(issued),
            ResultKind::StatusCertificate => docs::DocumentKind::StatusCertificate(issued),
            ResultKind::Decision => docs::DocumentKind::Decision(issued),
            ResultKind::Payment => docs::DocumentKind::Payment(issued),
            ResultKind::Referral => docs::DocumentKind::Referral {
                result: issued,
                referral: referral_kind(case),
            },
            ResultKind::Permit => docs::DocumentKind::Permit {
                result: issued,
                valid_from: None,
                valid_until: None,
            },
            ResultKind::Duplicate | ResultKind::Other => docs::DocumentKind::Other(issued),
        }
    } else if let Some(def) = model.service().refusals.iter().find(|def| def.id == result) {
        match def.kind {
            RefusalKind::MotivatedRefusal => docs::DocumentKind::MotivatedRefusal {
                result: docs::Issued {
                    title: def.title.clone(),
                    statement: None,
                    fields: Vec::new(),
                    signer,
                },
                grounds,
            },
            // The refusal to accept is the State Corporation's (or the
            // office's) receipt: the same document as `receipt.pdf`.
            RefusalKind::RefusalToAccept => {
                return crate::receipts::refusal_receipt(runtime, case, model, base_url);
            }
        }
    } else {
        return Ok(None);
    };
    Ok(Some(docs::Document {
        id: format!("{}-R", case.case_id),
        issued_at: local.datetime(),
        utc_offset: local.offset(),
        provider: provider_header(runtime, case)?,
        case_number: case.case_id.clone(),
        service_title: model.service().title.clone(),
        applicant,
        verify_url: verify_url(base_url, &case.case_id),
        kind,
    }))
}

/// Every document the case has issued, in the order issued: the intake
/// receipt (acceptance or refusal to accept), then the written result. A
/// case refused at intake has one: its receipt is its result.
pub fn issued_documents(
    runtime: &Runtime,
    case: &Case,
    events: &[qyzmet_storage::record::StoredEvent],
    model: &ProcessModel,
    base_url: &str,
) -> Result<Vec<docs::Document>, AppError> {
    let mut documents = Vec::new();
    if let Some(receipt) =
        crate::receipts::receipt_document(runtime, case, events, model, base_url)?
    {
        documents.push(receipt);
    }
    if let Some(result) = result_document(runtime, case, model, base_url)?
        && documents.iter().all(|issued| issued.id != result.id)
    {
        documents.push(result);
    }
    Ok(documents)
}

/// The referral's measure, from the form's `measure` field when it names
/// one (employment-referral regulations), else job placement.
fn referral_kind(case: &Case) -> docs::ReferralKind {
    match case.form.get("measure").and_then(|value| value.as_str()) {
        Some("public_works") => docs::ReferralKind::PublicWorks,
        Some("vocational_training") => docs::ReferralKind::VocationalTraining,
        Some("social_jobs") => docs::ReferralKind::SocialJobs,
        Some("youth_practice") => docs::ReferralKind::YouthPractice,
        Some("vocational_guidance") => docs::ReferralKind::VocationalGuidance,
        _ => docs::ReferralKind::JobPlacement,
    }
}

pub fn render(document: &docs::Document, lang: Lang) -> Result<Vec<u8>, AppError> {
    docs::render_pdf(document, lang)
        .map_err(|error| AppError::internal(format!("document: {error}")))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}
