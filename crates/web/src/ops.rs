//! The operations the JSON API and the pages share, over the application
//! layer (`qyzmet-app`): each is a thin adapter from the web's types
//! (`AppError`, the server's directory) to a typed operation. A leaf of the
//! web crate: the handler modules use it, it uses none of them.

use std::collections::BTreeMap;

use qyzmet_app::tasks::{Act, Signatures};
use qyzmet_engine::{Action, Case, Command};
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::model::FieldType;
use qyzmet_runtime::Runtime;
use serde_json::{Value, json};

use crate::auth::Account;
use crate::{AppError, demo};

/// A regulation of the catalogue by id.
pub fn regulation<'a>(runtime: &'a Runtime, id: &str) -> Result<&'a ProcessModel, AppError> {
    Ok(qyzmet_app::submit::regulation(runtime, id)?)
}

pub use qyzmet_app::SubmitRequest;

/// Converts form text (from an HTML form) to the field's JSON type.
pub fn typed_form(
    model: &ProcessModel,
    raw: &BTreeMap<String, String>,
) -> Result<serde_json::Map<String, Value>, AppError> {
    let mut form = serde_json::Map::new();
    for field in model.form() {
        let Some(text) = raw.get(&field.id).map(|text| text.trim()) else {
            continue;
        };
        if text.is_empty() && field.ty != FieldType::Bool {
            continue;
        }
        let value = match field.ty {
            FieldType::String | FieldType::Date | FieldType::Enum => json!(text),
            FieldType::Int => json!(text.parse::<i64>().map_err(|_| {
                AppError::bad_request(
                    "invalid_form",
                    format!("`{}` is not a whole number", field.id),
                )
            })?),
            FieldType::Bool => json!(matches!(text, "on" | "true" | "1" | "yes")),
        };
        form.insert(field.id.clone(), value);
    }
    Ok(form)
}

/// Files an application through the application layer
/// ([`qyzmet_app::submit`]: the rules of intake, the case and its evidence
/// in one transaction). Portal requests come signed, through
/// [`crate::signing`].
pub fn submit_case(
    runtime: &Runtime,
    account: &Account,
    request: &SubmitRequest,
    signed: Option<qyzmet_app::SignedRequest>,
    now: jiff::Timestamp,
) -> Result<Case, AppError> {
    Ok(qyzmet_app::submit(
        runtime,
        &WebDirectory(runtime),
        account,
        request,
        signed,
        now,
    )?)
}

/// Checks an application ([`qyzmet_app::submission`]) without filing it.
pub fn submission(
    runtime: &Runtime,
    account: &Account,
    request: &SubmitRequest,
    now: jiff::Timestamp,
) -> Result<Command, AppError> {
    Ok(qyzmet_app::submission(
        runtime,
        &WebDirectory(runtime),
        account,
        request,
        now,
    )?)
}

/// The server's directory (providers, accounts) as intake asks it.
pub struct WebDirectory<'a>(pub &'a Runtime);

impl qyzmet_app::Directory for WebDirectory<'_> {
    fn provider(&self, id: &str) -> Result<Option<qyzmet_app::ProviderInfo>, qyzmet_app::Error> {
        let record = demo::provider(self.0, id).map_err(AppError::into_app)?;
        Ok(record.map(|record| qyzmet_app::ProviderInfo {
            id: record.id,
            region: record.region,
            authorized_body: record.authorized_body,
        }))
    }

    fn applicant_region(&self, iin: &str) -> Result<Option<String>, qyzmet_app::Error> {
        let account = self.0.store.doc(crate::auth::ACCOUNTS, iin)?;
        Ok(account
            .as_ref()
            .and_then(|value| value.get("region"))
            .and_then(Value::as_str)
            .map(str::to_owned))
    }
}

pub use qyzmet_app::cases::{can_view, case_of_task, load_case, load_case_events, pinned_model};

/// Checks a file and attaches it to a case: its blob and the case's list
/// in one transaction ([`qyzmet_app::evidence::attach`]).
pub fn store_attachment(
    runtime: &Runtime,
    case_id: &str,
    document: &str,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<Value, AppError> {
    let file = qyzmet_app::evidence::file(document, name, content_type, bytes)?;
    qyzmet_app::evidence::attach(runtime, case_id, &file)?;
    Ok(file.entry)
}

/// Checks a file and keeps its bytes by SHA-256; returns its attachment
/// entry (document, name, type, size, sha256), not yet attached to a case.
pub fn save_blob(
    runtime: &Runtime,
    document: &str,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<Value, AppError> {
    let file = qyzmet_app::evidence::file(document, name, content_type, bytes)?;
    qyzmet_app::evidence::keep_blob(runtime, &file)?;
    Ok(file.entry)
}

pub use qyzmet_app::evidence::{
    ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES, attachments, check_attachment,
};

/// Whether this server verifies signatures (it has trusted roots).
pub fn signatures(pki: Option<&crate::auth::Pki>) -> Signatures {
    if pki.is_some() {
        Signatures::Verified
    } else {
        Signatures::Off
    }
}

/// Runs a command on a case the account may see, as the account
/// ([`qyzmet_app::tasks::act`]).
pub fn act(
    runtime: &Runtime,
    account: &Account,
    case_id: &str,
    action: Action,
    expected_version: Option<u64>,
    signatures: Signatures,
    now: jiff::Timestamp,
) -> Result<Case, AppError> {
    Ok(qyzmet_app::tasks::act(
        runtime,
        account,
        Act {
            case_id,
            action,
            expected_version,
            idempotency_key: None,
        },
        signatures,
        now,
    )?)
}
