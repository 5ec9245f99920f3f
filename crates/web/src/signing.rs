//! Signed portal requests.
//!
//! Every seed regulation has the portal request signed with the applicant's
//! digital signature and checked: the certificate is valid, not revoked, and
//! the IIN in it is the IIN of the request — otherwise the service is
//! refused ("condition 2" of the portal routes). Here that happens in two
//! steps, as on the real portal:
//!
//! 1. **Draft.** The citizen's application (form, documents, uploads) is
//!    checked like any submission and kept as a *draft*
//!    ([`qyzmet_app::drafts`], for [`DRAFT_SECONDS`]) together with the exact
//!    bytes to be signed: a JSON text naming the draft, the regulation,
//!    route, provider, the applicant's IIN, the form, the documents and the
//!    SHA-256 of every uploaded file. The server writes these bytes once and
//!    compares them byte for byte later, so no canonicalisation is needed.
//! 2. **Signature.** The page asks NCALayer (`kz.gov.pki.knca.basics`,
//!    `sign`, CMS with the content attached) to sign those bytes; the
//!    signature is posted back, verified by `qyzmet-pki` (chain to the
//!    configured roots, validity, revocation by CRL, key usage for signing,
//!    IIN binding, content equal to the draft's), and the verification's
//!    result goes into the engine's `Submit` as a
//!    [`RequestSignature`](qyzmet_engine::RequestSignature). The engine's
//!    step with `verifies: request_signature` takes its outcome from it: a
//!    failed check follows the regulation's refusal branch (the case ends
//!    refused, with the reason), and a route with no such branch refuses
//!    the submission itself (nothing is stored).
//!
//! The signature (CMS) and the signed bytes are kept as evidence of the
//! case (`Evidence::RequestSignature`), committed with the case's first
//! events, the uploads' list and the draft's removal in one transaction.

use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jiff::Timestamp;
use minijinja::Value as Jv;
use qyzmet_core::{Iin, Lang};
use qyzmet_engine::{Case, RequestSignature};
use qyzmet_runtime::Runtime;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Digest as _;
use utoipa::ToSchema;

use crate::auth::{Account, MaybeUser, Session, User, check_csrf};
use crate::error::ErrorBody;
use crate::i18n::LangParam;
use crate::ops;
use crate::ops::SubmitRequest;
use crate::{AppError, AppResult, AppState, view};

/// NCALayer's address on a citizen's computer.
pub const NCALAYER_URL: &str = "wss://127.0.0.1:13579";
/// The largest signature accepted, in bytes of text.
pub const SIGNATURE_MAX_BYTES: usize = 256 * 1024;

/// The CSP `connect-src` source for the NCALayer URL: its scheme, host and
/// port, or nothing when the URL is not a plain `ws(s)://host[:port]`.
pub fn csp_source(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return String::new();
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let clean = matches!(scheme, "ws" | "wss")
        && !authority.is_empty()
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'));
    if clean {
        format!("{scheme}://{authority}")
    } else {
        String::new()
    }
}

/// Verifies the signature over a draft's bytes for `iin`. Never fails: a
/// signature that does not pass is a [`RequestSignature`] with the reason.
pub fn verify_request(
    pki: &crate::auth::Pki,
    content: &[u8],
    iin: Iin,
    signature: &[u8],
    now: Timestamp,
) -> RequestSignature {
    let request_sha256 = hex::encode(sha2::Sha256::digest(content));
    let check = qyzmet_pki::Check {
        iin: Some(iin),
        content: Some(content),
        ..qyzmet_pki::Check::new(now, qyzmet_pki::Purpose::Signing)
    };
    match pki.verifier.verify_cms(signature, &check, &pki.crls) {
        Ok(verified) => {
            let signer = verified.signers.first();
            RequestSignature {
                request_sha256,
                failure: None,
                signer: signer.and_then(|s| s.certificate.subject.common_name.clone()),
                signer_iin: signer
                    .and_then(|s| s.certificate.subject.iin)
                    .map(|iin| iin.to_string()),
                certificate_serial: signer.map(|s| s.certificate.serial_hex.clone()),
                signing_time: signer.and_then(|s| s.signing_time),
            }
        }
        Err(failure) => RequestSignature {
            request_sha256,
            failure: Some(failure.code().to_owned()),
            ..RequestSignature::default()
        },
    }
}

/// The answer when this server has no trusted roots to verify against.
pub fn signatures_off() -> AppError {
    AppError::new(
        StatusCode::NOT_IMPLEMENTED,
        "signatures_off",
        "this server has no trusted certificate authorities configured (serve --trust-root)",
    )
}

/// The i18n key of a verification failure's explanation.
pub use crate::i18n::failure_key;

/// Verifies the signature over a draft and files the application. The
/// draft stays when the signature is refused outright (the citizen may try
/// another key); it is gone once a case exists.
pub fn submit_draft(
    runtime: &Runtime,
    pki: Option<&crate::auth::Pki>,
    account: &Account,
    draft_id: &str,
    signature: &str,
    now: Timestamp,
) -> Result<Case, AppError> {
    let Some(pki) = pki else {
        return Err(crate::signing::signatures_off());
    };
    let signature = signature.trim();
    if signature.is_empty() {
        return Err(AppError::bad_request(
            "signature_missing",
            "no signature was posted",
        ));
    }
    if signature.len() > SIGNATURE_MAX_BYTES {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("a signature has at most {SIGNATURE_MAX_BYTES} bytes"),
        ));
    }
    Ok(qyzmet_app::drafts::submit_draft(
        runtime,
        &ops::WebDirectory(runtime),
        account,
        draft_id,
        signature,
        |content, iin| verify_request(pki, content, iin, signature.as_bytes(), now),
        now,
    )?)
}

pub use qyzmet_app::drafts::{DRAFT_SECONDS, Draft, REQUEST_FORMAT, load_draft, purge_drafts};

/// Checks a citizen's application and keeps it as a draft to sign
/// ([`qyzmet_app::drafts::create_draft`]); `attachments` are entries from
/// [`ops::save_blob`].
pub fn create_draft(
    runtime: &Runtime,
    account: &Account,
    request: SubmitRequest,
    attachments: Vec<Value>,
    now: Timestamp,
) -> Result<Draft, AppError> {
    Ok(qyzmet_app::drafts::create_draft(
        runtime,
        &ops::WebDirectory(runtime),
        account,
        request,
        attachments,
        now,
    )?)
}

/// The evidence kept for a case's signed request: the signed bytes and the
/// CMS, both base64.
pub fn request_evidence(runtime: &Runtime, case_id: &str) -> Result<Option<Value>, AppError> {
    Ok(qyzmet_app::evidence::request_signature(runtime, case_id)?)
}

/// What a page or client needs to sign a draft through NCALayer.
fn sign_request(draft: &Draft, lang: Lang) -> Value {
    json!({
        "module": "kz.gov.pki.knca.basics",
        "method": "sign",
        "args": {
            "allowedStorages": ["PKCS12", "AKKaztokenStore", "AKKZIDCardStore", "AKEToken72KStore", "AKJaCartaStore"],
            "format": "cms",
            "data": draft.content,
            "signingParams": {"decode": true, "encapsulate": true, "digested": false},
            "signerParams": {"extKeyUsageOids": [], "iin": draft.account},
            "locale": lang.code(),
        }
    })
}

// ------------------------------------------------------------ API

/// A draft to sign.
#[derive(Serialize, ToSchema)]
pub struct DraftBody {
    pub draft: String,
    /// The bytes to sign (base64): CMS with the content attached.
    pub data: String,
    pub expires_at: String,
    /// The NCALayer request that signs `data` (`kz.gov.pki.knca.basics` `sign`).
    #[schema(value_type = Object)]
    pub ncalayer: Value,
}

#[utoipa::path(post, path = "/api/drafts", request_body = SubmitRequest, params(LangParam),
    responses((status = 201, body = DraftBody, description = "The application is acceptable; sign `data` and post the signature to /api/drafts/{draft}/submit within an hour"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "Only citizens file portal requests"), (status = 422, body = ErrorBody)))]
pub async fn post_draft(
    State(state): State<AppState>,
    User(session): User,
    Query(params): Query<LangParam>,
    Json(request): Json<SubmitRequest>,
) -> AppResult {
    let lang = params.lang();
    let now = state.now();
    let account = session.account;
    let draft = state
        .blocking(move |runtime| create_draft(runtime, &account, request, Vec::new(), now))
        .await?;
    let body = DraftBody {
        draft: draft.id.clone(),
        data: draft.content.clone(),
        expires_at: draft.expires_at.to_string(),
        ncalayer: sign_request(&draft, lang),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The signature over a draft's `data`.
#[derive(Deserialize, ToSchema)]
pub struct SignatureBody {
    /// CMS SignedData, base64 or PEM, content attached (or detached).
    pub signature: String,
}

#[utoipa::path(post, path = "/api/drafts/{draft}/submit", params(("draft" = String, Path), LangParam), request_body = SignatureBody,
    responses((status = 201, body = crate::view::CaseView, description = "The case. When the signature was not confirmed and the route has a refusal for it, the case ends refused; its `signature.failure` says why"), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody, description = "The draft expired"), (status = 422, body = ErrorBody, description = "signature_rejected with the reason, when the route has no refusal for it; nothing is stored"), (status = 501, body = ErrorBody)))]
pub async fn post_draft_submit(
    State(state): State<AppState>,
    User(session): User,
    Path(draft_id): Path<String>,
    Query(params): Query<LangParam>,
    Json(body): Json<SignatureBody>,
) -> AppResult {
    let lang = params.lang();
    let now = state.now();
    let account = session.account;
    let pki = state.pki.clone();
    let view = state
        .blocking(move |runtime| {
            let case = submit_draft(
                runtime,
                pki.as_deref(),
                &account,
                &draft_id,
                &body.signature,
                now,
            )?;
            let model = ops::regulation(runtime, &case.regulation_id)?;
            Ok(view::case_view(runtime, &case, model, lang, now))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

// ------------------------------------------------------------ pages

/// `GET /drafts/{draft}`: what will be signed, and the button that signs it.
pub(crate) async fn sign_page(
    State(state): State<AppState>,
    crate::page::PageUser(session): crate::page::PageUser,
    Path(draft_id): Path<String>,
    crate::page::PageLang(lang): crate::page::PageLang,
) -> AppResult {
    render_sign_page(&state, session, &draft_id, lang, None, StatusCode::OK).await
}

async fn render_sign_page(
    state: &AppState,
    session: Session,
    draft_id: &str,
    lang: Lang,
    error: Option<String>,
    status: StatusCode,
) -> AppResult {
    let account = session.account.clone();
    let now = state.now();
    let id = draft_id.to_owned();
    let data = state
        .blocking(move |runtime| {
            let draft = load_draft(runtime, &account, &id, now)?;
            let model = ops::regulation(runtime, &draft.request.regulation)?;
            let content = String::from_utf8(draft.content_bytes()?).unwrap_or_default();
            let documents: Vec<String> = draft
                .request
                .documents
                .iter()
                .map(|id| {
                    model
                        .document(id)
                        .map(|document| document.title.get(lang).to_owned())
                        .unwrap_or_else(|| id.clone())
                })
                .collect();
            let form: Vec<Value> = model
                .form()
                .iter()
                .filter_map(|field| {
                    let value = draft.request.form.get(&field.id)?;
                    let shown = match value {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    };
                    Some(json!({"title": field.title.get(lang), "value": shown}))
                })
                .collect();
            Ok(json!({
                "draft": draft.id,
                "service_title": model.service_title().get(lang),
                "documents": documents,
                "attachments": draft.attachments,
                "form": form,
                "content": content,
                "data": draft.content,
                "iin": draft.account,
                "expires_at": view::local_time(
                    draft.expires_at,
                    view::schedule_for(runtime, &draft.request.provider),
                ),
            }))
        })
        .await?;
    let page = crate::page::Page::new(lang, Some(session), &format!("/drafts/{draft_id}"));
    let mut data = data;
    data["ncalayer_url"] = json!(state.ncalayer_url);
    data["error"] = json!(error);
    let mut response =
        crate::page::render_page(state, &page, "sign.html", Jv::from_serialize(data))?;
    *response.status_mut() = status;
    Ok(response)
}

#[derive(Deserialize)]
pub struct SignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    signature: String,
}

/// `POST /drafts/{draft}/sign`: the signature from NCALayer (or pasted).
pub(crate) async fn sign_submit(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(draft_id): Path<String>,
    crate::page::PageLang(lang): crate::page::PageLang,
    Form(form): Form<SignForm>,
) -> AppResult {
    let session = session.ok_or_else(AppError::unauthenticated)?;
    check_csrf(&session, &form.csrf)?;
    let account = session.account.clone();
    let now = state.now();
    let pki = state.pki.clone();
    let id = draft_id.clone();
    let submitted = state
        .blocking(move |runtime| {
            submit_draft(runtime, pki.as_deref(), &account, &id, &form.signature, now)
        })
        .await;
    match submitted {
        Ok(case) => Ok(Redirect::to(&format!("/cases/{}", case.case_id)).into_response()),
        // The citizen stays on the page with the reason, and may sign again.
        Err(error)
            if matches!(
                error.code,
                "signature_rejected" | "signature_missing" | "payload_too_large"
            ) =>
        {
            let message = error.message(lang);
            render_sign_page(
                &state,
                session,
                &draft_id,
                lang,
                Some(message),
                error.status,
            )
            .await
        }
        Err(error) => Err(error),
    }
}

pub use crate::view::signature_text;

// ------------------------------------------------------------ messages
