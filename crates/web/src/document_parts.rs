//! The parts every printed document shares — the provider's header, the
//! applicant, people's names as printed, the verification URL of the QR
//! code — read from the directory and the case. A leaf: results
//! (`documents.rs`) and receipts (`receipts.rs`) both use it.

use qyzmet_core::{Iin, Lang, Text};
use qyzmet_documents as docs;
use qyzmet_engine::Case;
use qyzmet_runtime::Runtime;

use crate::{AppError, i18n};

/// A person's name as printed: the account's display name (the login when
/// there is no account), cut to what a document prints in one field.
pub(crate) fn display_name(runtime: &Runtime, login: &str) -> String {
    let name = runtime
        .store
        .doc(crate::auth::ACCOUNTS, login)
        .ok()
        .flatten()
        .and_then(|value| {
            value
                .get("name")
                .and_then(|name| name.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| login.to_owned());
    printable_name(&name)
}

/// `name` cut to [`docs::MAX_SHORT_CHARS`] characters, at a space when
/// there is one, with an ellipsis: a long directory name (the demo's names
/// list every role) must not make the document unprintable.
pub(crate) fn printable_name(name: &str) -> String {
    let name = name.trim();
    if name.chars().count() <= docs::MAX_SHORT_CHARS {
        return name.to_owned();
    }
    let cut: String = name.chars().take(docs::MAX_SHORT_CHARS - 1).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > cut.len() / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([' ', ',', ';', '—', '-']))
}

/// The issuing provider as printed in the header: its name from the
/// directory and its region as the address line.
pub(crate) fn provider_header(runtime: &Runtime, case: &Case) -> Result<docs::Provider, AppError> {
    let provider = crate::demo::provider(runtime, &case.provider.id)?;
    let name = provider
        .map(|provider| provider.title)
        .unwrap_or_else(|| Text::kk(case.provider.id.clone()));
    Ok(docs::Provider {
        name,
        address: region_text(&case.provider.region),
        bin: None,
    })
}

/// A region's name in every language (the slug where no name is known).
pub(crate) fn region_text(region: &str) -> Text {
    let name = |lang: Lang| {
        i18n::text(lang, &format!("region.{region}")).unwrap_or_else(|| region.to_owned())
    };
    Text {
        kk: name(Lang::Kk),
        ru: Some(name(Lang::Ru)),
        en: Some(name(Lang::En)),
    }
}

/// The applicant as printed: the account's name and the IIN.
pub(crate) fn applicant(runtime: &Runtime, case: &Case) -> docs::Applicant {
    docs::Applicant {
        name: display_name(runtime, &case.applicant.id),
        id: Iin::parse(&case.applicant.id)
            .ok()
            .map(docs::ApplicantId::Iin),
    }
}

/// The public page a document's QR code points to.
pub(crate) fn verify_url(base_url: &str, case_id: &str) -> String {
    format!("{}/verify/{case_id}", base_url.trim_end_matches('/'))
}
