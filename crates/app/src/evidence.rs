//! Files and evidence of a case: checking an uploaded file, keeping it
//! (content-addressed) with the case's list in one transaction, and reading
//! back what a case keeps — through the storage contract's typed kinds
//! ([`qyzmet_storage::evidence`]), never by collection names.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use qyzmet_runtime::Runtime;
use qyzmet_storage::StoreError;
use qyzmet_storage::evidence::{self, Kind as EvidenceKind};
use qyzmet_storage::record::{Batch, Evidence};
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::{Error, Kind};

/// Attachments: at most this many bytes each.
pub const ATTACHMENT_MAX_BYTES: usize = 5 * 1024 * 1024;
/// Attachment types accepted (declared and sniffed must agree).
pub const ATTACHMENT_TYPES: &[&str] = &["application/pdf", "image/jpeg", "image/png"];

/// A checked file, ready to be kept: its attachment entry (document, name,
/// type, size, sha256) and the blob that holds its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub entry: Value,
    pub blob: Evidence,
}

/// Checks an uploaded file (empty, oversized, declared type against its
/// first bytes) and makes its entry and blob.
pub fn file(document: &str, name: &str, content_type: &str, bytes: &[u8]) -> Result<File, Error> {
    check_attachment(content_type, bytes)?;
    let sha256 = hex::encode(sha2::Sha256::digest(bytes));
    Ok(File {
        entry: json!({
            "document": document,
            "name": name.chars().take(120).collect::<String>(),
            "type": content_type,
            "size": bytes.len(),
            "sha256": sha256,
        }),
        blob: Evidence::Blob {
            sha256,
            content_type: content_type.to_owned(),
            data: STANDARD.encode(bytes),
        },
    })
}

/// Refuses empty, oversized and wrong-type files (the declared type must
/// match the file's first bytes).
pub fn check_attachment(content_type: &str, bytes: &[u8]) -> Result<(), Error> {
    if bytes.is_empty() {
        return Err(Error::invalid("empty_attachment", "the file is empty"));
    }
    if bytes.len() > ATTACHMENT_MAX_BYTES {
        return Err(Error::new(
            Kind::TooLarge,
            "attachment_too_large",
            format!("at most {ATTACHMENT_MAX_BYTES} bytes per file"),
        ));
    }
    let sniffed = sniff(bytes);
    if !ATTACHMENT_TYPES.contains(&content_type) || sniffed != Some(content_type) {
        return Err(Error::new(
            Kind::UnsupportedType,
            "attachment_type",
            format!("PDF, JPEG or PNG only (declared {content_type})"),
        ));
    }
    Ok(())
}

/// The file type by its first bytes.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// Keeps a file before any case exists (a draft's upload): the blob only,
/// content-addressed, so keeping it twice is harmless.
pub fn keep_blob(runtime: &Runtime, file: &File) -> Result<(), Error> {
    let write = file.blob.directory_write();
    if let evidence::Change::PutIfAbsent(value) = &write.change {
        runtime
            .store
            .insert_doc(write.collection, &write.key, value)?;
    }
    Ok(())
}

/// Attaches a file to an existing case: the blob and the case's list in one
/// transaction (a batch with no events, decided on the case's current
/// head, so it fails rather than attach to a case that moved on meanwhile —
/// and is then retried on the new head).
pub fn attach(runtime: &Runtime, case_id: &str, file: &File) -> Result<(), Error> {
    let listed = attachments(runtime, case_id)?;
    let mut items = vec![file.blob.clone()];
    if !listed.contains(&file.entry) {
        items.push(Evidence::Attachments {
            case_id: case_id.to_owned(),
            entries: vec![file.entry.clone()],
        });
    }
    for _ in 0..qyzmet_runtime::CONFLICT_RETRIES_MAX {
        let head = runtime.store.case_head(case_id)?;
        let batch = Batch {
            case_id: case_id.to_owned(),
            expected_seq: head,
            idempotency_key: None,
            events: Vec::new(),
            ops: Vec::new(),
            evidence: items.clone(),
        };
        match runtime.store.append(&batch) {
            Ok(_) => return Ok(()),
            Err(StoreError::Conflict { .. }) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(Error::new(
        Kind::Conflict,
        "stale_version",
        format!("case {case_id} kept changing"),
    ))
}

/// The attachment entries of a case.
pub fn attachments(runtime: &Runtime, case_id: &str) -> Result<Vec<Value>, Error> {
    Ok(
        match evidence::read(runtime.store.as_ref(), EvidenceKind::Attachments, case_id)? {
            Some(Value::Array(list)) => list,
            _ => Vec::new(),
        },
    )
}

/// Who took the application and for whom (`Value::Null`: nothing recorded).
pub fn intake(runtime: &Runtime, case_id: &str) -> Result<Value, Error> {
    Ok(
        evidence::read(runtime.store.as_ref(), EvidenceKind::Intake, case_id)?
            .unwrap_or(Value::Null),
    )
}

/// The evidence kept for a case's signed request: the signed bytes and the
/// CMS, both base64, and the verification's result.
pub fn request_signature(runtime: &Runtime, case_id: &str) -> Result<Option<Value>, Error> {
    Ok(evidence::read(
        runtime.store.as_ref(),
        EvidenceKind::RequestSignature,
        case_id,
    )?)
}

/// The record of the provider's signatures over a case's result.
pub fn result_signature(runtime: &Runtime, case_id: &str) -> Result<Option<Value>, Error> {
    Ok(evidence::read(
        runtime.store.as_ref(),
        EvidenceKind::ResultSignature,
        case_id,
    )?)
}

/// A kept file's bytes and type by SHA-256.
pub fn blob(runtime: &Runtime, sha256: &str) -> Result<Option<(String, Vec<u8>)>, Error> {
    let Some(value) = evidence::read(runtime.store.as_ref(), EvidenceKind::Blob, sha256)? else {
        return Ok(None);
    };
    let content_type = value["type"].as_str().unwrap_or_default().to_owned();
    let bytes = STANDARD
        .decode(value["data"].as_str().unwrap_or_default())
        .map_err(|error| Error::internal(format!("blob {sha256}: {error}")))?;
    Ok(Some((content_type, bytes)))
}
