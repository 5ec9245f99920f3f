//! Drafts of portal requests: a citizen's application, checked like any
//! submission, kept (directory collection of [`Kind::Draft`], for
//! [`DRAFT_SECONDS`]) together with the exact bytes to be signed — a JSON
//! text naming the draft, the regulation, route, provider, the applicant's
//! IIN, the form, the documents and the SHA-256 of every uploaded file. The
//! bytes are written once and compared byte for byte later, so no
//! canonicalisation is needed. [`submit_draft`] files the signed draft: the
//! case, the signed bytes with their CMS, the uploads' list and the draft's
//! removal commit in one transaction.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use qyzmet_core::Iin;
use qyzmet_engine::{Case, RequestSignature};
use qyzmet_runtime::Runtime;
use qyzmet_storage::evidence::Kind as EvidenceKind;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::submit::{Directory, SignedRequest, SubmitRequest};
use crate::{Account, AccountKind, Error, Kind};

/// Directory collection of drafts awaiting a signature.
pub const DRAFTS: &str = EvidenceKind::Draft.collection();
/// How long a draft waits for its signature.
pub const DRAFT_SECONDS: i64 = 3600;
/// The format name written into every signed request.
pub const REQUEST_FORMAT: &str = "qyzmet.portal-request/1";

/// An application waiting for its signature.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Draft {
    pub id: String,
    /// The citizen's login (IIN).
    pub account: String,
    pub request: SubmitRequest,
    /// Attachment entries of the uploaded files (stored as blobs already).
    #[serde(default)]
    pub attachments: Vec<Value>,
    /// The bytes to sign, base64.
    pub content: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

impl Draft {
    pub fn content_bytes(&self) -> Result<Vec<u8>, Error> {
        STANDARD
            .decode(&self.content)
            .map_err(|error| Error::internal(format!("draft content: {error}")))
    }
}

/// What the applicant signs.
#[derive(Serialize)]
struct SignedContent<'a> {
    format: &'static str,
    draft: &'a str,
    regulation: &'a str,
    route: Option<&'a str>,
    provider: &'a str,
    applicant_iin: &'a str,
    form: &'a serde_json::Map<String, Value>,
    documents: &'a [String],
    attachments: Vec<Value>,
    consent: bool,
    created_at: Timestamp,
}

fn new_draft_id(now: Timestamp) -> String {
    let mut random = [0u8; 8];
    if getrandom::getrandom(&mut random).is_err() {
        random = (now.as_nanosecond() as u64).to_le_bytes();
    }
    format!("D{}-{}", now.strftime("%Y%m%d%H%M%S"), hex::encode(random))
}

/// Checks a citizen's application and keeps it as a draft to sign.
/// `attachments` are entries of files kept already ([`crate::evidence::keep_blob`]).
pub fn create_draft(
    runtime: &Runtime,
    directory: &dyn Directory,
    account: &Account,
    mut request: SubmitRequest,
    attachments: Vec<Value>,
    now: Timestamp,
) -> Result<Draft, Error> {
    if account.kind != AccountKind::Citizen {
        return Err(Error::forbidden(
            "drafts are for portal requests; staff file applications directly",
        ));
    }
    // The same checks as a submission, so that what gets signed is
    // acceptable apart from the signature.
    crate::submit::submission(runtime, directory, account, &request, now)?;
    let id = new_draft_id(now);
    // A retried signature submits the same case.
    request.idempotency_key = Some(id.clone());
    let signed = SignedContent {
        format: REQUEST_FORMAT,
        draft: &id,
        regulation: &request.regulation,
        route: request.route.as_deref(),
        provider: &request.provider,
        applicant_iin: &account.login,
        form: &request.form,
        documents: &request.documents,
        attachments: attachments
            .iter()
            .map(|entry| {
                json!({"document": entry["document"], "name": entry["name"], "sha256": entry["sha256"]})
            })
            .collect(),
        consent: request.consent,
        created_at: now,
    };
    let content = serde_json::to_vec_pretty(&signed)
        .map_err(|error| Error::internal(format!("request: {error}")))?;
    let draft = Draft {
        id: id.clone(),
        account: account.login.clone(),
        request,
        attachments,
        content: STANDARD.encode(content),
        created_at: now,
        expires_at: now + jiff::SignedDuration::from_secs(DRAFT_SECONDS),
    };
    let value = serde_json::to_value(&draft).map_err(|error| Error::internal(error.to_string()))?;
    runtime.store.put_doc(DRAFTS, &id, &value)?;
    Ok(draft)
}

/// The account's draft, if it exists and has not expired.
pub fn load_draft(
    runtime: &Runtime,
    account: &Account,
    id: &str,
    now: Timestamp,
) -> Result<Draft, Error> {
    let missing = || Error::not_found("unknown_draft", format!("no draft `{id}`"));
    if id.is_empty() || id.len() > 64 {
        return Err(missing());
    }
    let draft: Draft = match runtime.store.doc(DRAFTS, id)? {
        Some(value) => serde_json::from_value(value)
            .map_err(|error| Error::internal(format!("draft: {error}")))?,
        None => return Err(missing()),
    };
    if draft.account != account.login {
        return Err(missing());
    }
    if draft.expires_at < now {
        return Err(Error::new(
            Kind::Gone,
            "draft_expired",
            format!("draft `{id}` expired at {}", draft.expires_at),
        ));
    }
    Ok(draft)
}

/// Removes expired drafts, at most `limit` of the oldest; returns how many.
/// Draft ids begin with their creation time, so the oldest come first.
pub fn purge_drafts(runtime: &Runtime, now: Timestamp, limit: usize) -> Result<usize, Error> {
    let mut removed = 0;
    for (key, value) in runtime.store.docs(DRAFTS, limit)? {
        let expired = value
            .get("expires_at")
            .and_then(Value::as_str)
            .and_then(|text| text.parse::<Timestamp>().ok())
            .is_none_or(|expires| expires < now);
        if !expired {
            break;
        }
        if runtime.store.delete_doc(DRAFTS, &key)? {
            removed += 1;
        }
    }
    Ok(removed)
}

/// The case the account filed from draft `draft_id`, once the draft is gone.
fn filed_case(runtime: &Runtime, account: &Account, draft_id: &str) -> Result<Option<Case>, Error> {
    if draft_id.is_empty() || draft_id.len() > 64 {
        return Ok(None);
    }
    let Some(applied) = runtime.store.idempotency(draft_id)? else {
        return Ok(None);
    };
    let events = runtime.store.case_events(&applied.case_id)?;
    let case =
        qyzmet_engine::replay(&events).map_err(|error| Error::internal(error.to_string()))?;
    Ok(case.filter(|case| case.applicant.id == account.login))
}

/// Verifies the signature over a draft (with `verify`, given the signed
/// bytes and the applicant's IIN) and files the application. The draft
/// stays when the submission is refused (the citizen may try another key);
/// it is gone once a case exists. A retry after the draft is gone answers
/// the case it filed: the draft id is the command's idempotency key.
pub fn submit_draft(
    runtime: &Runtime,
    directory: &dyn Directory,
    account: &Account,
    draft_id: &str,
    cms: &str,
    verify: impl FnOnce(&[u8], Iin) -> RequestSignature,
    now: Timestamp,
) -> Result<Case, Error> {
    let draft = match load_draft(runtime, account, draft_id, now) {
        Ok(draft) => draft,
        Err(error) if error.kind == Kind::NotFound => {
            return match filed_case(runtime, account, draft_id)? {
                Some(case) => Ok(case),
                None => Err(error),
            };
        }
        Err(error) => return Err(error),
    };
    let content = draft.content_bytes()?;
    let iin = Iin::parse(&account.login)
        .map_err(|error| Error::invalid("invalid_iin", error.to_string()))?;
    let verified = verify(&content, iin);
    if let Some(failure) = &verified.failure {
        tracing::info!(draft = %draft.id, reason = %failure, "request signature not confirmed");
    }
    let signed = SignedRequest {
        verified,
        content: draft.content,
        cms: STANDARD.encode(cms),
        attachments: draft.attachments,
        draft_id: draft.id,
    };
    crate::submit(
        runtime,
        directory,
        account,
        &draft.request,
        Some(signed),
        now,
    )
}
