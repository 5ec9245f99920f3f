//! Signed portal requests.
//!
//! Every seed regulation has the portal request signed with the applicant's
//! digital signature and checked: the certificate is valid, not revoked, and
//! the IIN in it is the IIN of the request — otherwise the service is
//! refused ("condition 2" of the portal routes). Here that happens in two
//! steps, as on the real portal:
//!
//! 1. **Draft.** The citizen's application (form, documents, uploads) is
//!    checked like any submission and kept as a *draft* (directory
//!    collection [`DRAFTS`], for [`DRAFT_SECONDS`]) together with the exact
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
//! The signature (CMS) and the signed bytes are kept as evidence in the
//! directory collection [`SIGNATURES`] under the case id.

use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use minijinja::Value as Jv;
use qyzmet_core::{Iin, Lang};
use qyzmet_engine::{Case, RequestSignature};
use qyzmet_runtime::Runtime;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Digest as _;
use utoipa::ToSchema;

use crate::api::{self, ErrorBody, LangParam, SubmitRequest};
use crate::auth::{Account, AccountKind, MaybeUser, Session, User, check_csrf};
use crate::{AppError, AppResult, AppState, i18n, view};

/// NCALayer's address on a citizen's computer.
pub const NCALAYER_URL: &str = "wss://127.0.0.1:13579";
/// Directory collection of drafts awaiting a signature.
pub const DRAFTS: &str = "drafts";
/// Directory collection of the signatures kept as evidence, by case id.
pub const SIGNATURES: &str = "signatures";
/// How long a draft waits for its signature.
pub const DRAFT_SECONDS: i64 = 3600;
/// The format name written into every signed request.
pub const REQUEST_FORMAT: &str = "qyzmet.portal-request/1";
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
    pub fn content_bytes(&self) -> Result<Vec<u8>, AppError> {
        STANDARD
            .decode(&self.content)
            .map_err(|error| AppError::internal(format!("draft content: {error}")))
    }
}

/// What the applicant signs.
#[derive(Serialize)]
struct SignedRequest<'a> {
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
/// `attachments` are entries from [`api::save_blob`].
pub fn create_draft(
    runtime: &Runtime,
    account: &Account,
    mut request: SubmitRequest,
    attachments: Vec<Value>,
    now: Timestamp,
) -> Result<Draft, AppError> {
    if account.kind != AccountKind::Citizen {
        return Err(AppError::forbidden(
            "drafts are for portal requests; staff file applications directly",
        ));
    }
    // The same checks as a submission, so that what gets signed is
    // acceptable apart from the signature.
    api::submission(runtime, account, &request, now)?;
    let id = new_draft_id(now);
    // A retried signature submits the same case.
    request.idempotency_key = Some(id.clone());
    let signed = SignedRequest {
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
        .map_err(|error| AppError::internal(format!("request: {error}")))?;
    let draft = Draft {
        id: id.clone(),
        account: account.login.clone(),
        request,
        attachments,
        content: STANDARD.encode(content),
        created_at: now,
        expires_at: now + jiff::SignedDuration::from_secs(DRAFT_SECONDS),
    };
    let value =
        serde_json::to_value(&draft).map_err(|error| AppError::internal(error.to_string()))?;
    runtime.store.put_doc(DRAFTS, &id, &value)?;
    Ok(draft)
}

/// The account's draft, if it exists and has not expired.
pub fn load_draft(
    runtime: &Runtime,
    account: &Account,
    id: &str,
    now: Timestamp,
) -> Result<Draft, AppError> {
    let missing = || AppError::not_found("unknown_draft", format!("no draft `{id}`"));
    if id.is_empty() || id.len() > 64 {
        return Err(missing());
    }
    let draft: Draft = match runtime.store.doc(DRAFTS, id)? {
        Some(value) => serde_json::from_value(value)
            .map_err(|error| AppError::internal(format!("draft: {error}")))?,
        None => return Err(missing()),
    };
    if draft.account != account.login {
        return Err(missing());
    }
    if draft.expires_at < now {
        return Err(AppError::new(
            StatusCode::GONE,
            "draft_expired",
            format!("draft `{id}` expired at {}", draft.expires_at),
        ));
    }
    Ok(draft)
}

/// Removes expired drafts, at most `limit` of the oldest; returns how many.
/// Draft ids begin with their creation time, so the oldest come first.
pub fn purge_drafts(runtime: &Runtime, now: Timestamp, limit: usize) -> Result<usize, AppError> {
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
pub fn failure_key(code: &str) -> String {
    let known = MESSAGES
        .iter()
        .any(|(key, _)| key.strip_prefix("signature.failure.") == Some(code));
    if known {
        format!("signature.failure.{code}")
    } else {
        "signature.failure.other".to_owned()
    }
}

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
    let draft = match load_draft(runtime, account, draft_id, now) {
        Ok(draft) => draft,
        // Gone because it was filed (the answer to the first post was lost,
        // say): the draft id is the command's idempotency key, so a retry
        // answers the case it filed.
        Err(error) if error.status == StatusCode::NOT_FOUND => {
            return match filed_case(runtime, account, draft_id)? {
                Some(case) => Ok(case),
                None => Err(error),
            };
        }
        Err(error) => return Err(error),
    };
    let content = draft.content_bytes()?;
    let iin = Iin::parse(&account.login)
        .map_err(|error| AppError::bad_request("invalid_iin", error.to_string()))?;
    let verified = verify_request(pki, &content, iin, signature.as_bytes(), now);
    if let Some(failure) = &verified.failure {
        tracing::info!(draft = %draft.id, reason = %failure, "request signature not confirmed");
    }
    let case = api::submit_case(runtime, account, &draft.request, Some(verified), now)?;
    runtime.store.put_doc(
        SIGNATURES,
        &case.case_id,
        &json!({
            "request": {"content": draft.content, "cms": STANDARD.encode(signature), "signature": case.signature},
        }),
    )?;
    api::attach(runtime, &case.case_id, &draft.attachments)?;
    runtime.store.delete_doc(DRAFTS, &draft.id)?;
    Ok(case)
}

/// The case the account filed from draft `draft_id`, once the draft is gone.
fn filed_case(
    runtime: &Runtime,
    account: &Account,
    draft_id: &str,
) -> Result<Option<Case>, AppError> {
    if draft_id.is_empty() || draft_id.len() > 64 {
        return Ok(None);
    }
    let Some(applied) = runtime.store.idempotency(draft_id)? else {
        return Ok(None);
    };
    let events = runtime.store.case_events(&applied.case_id)?;
    let case =
        qyzmet_engine::replay(&events).map_err(|error| AppError::internal(error.to_string()))?;
    Ok(case.filter(|case| case.applicant.id == account.login))
}

/// The evidence kept for a case's signed request: the signed bytes and the
/// CMS, both base64.
pub fn request_evidence(runtime: &Runtime, case_id: &str) -> Result<Option<Value>, AppError> {
    Ok(runtime
        .store
        .doc(SIGNATURES, case_id)?
        .and_then(|value| value.get("request").cloned()))
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
    responses((status = 201, description = "The case. When the signature was not confirmed and the route has a refusal for it, the case ends refused; its `signature.failure` says why"), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody, description = "The draft expired"), (status = 422, body = ErrorBody, description = "signature_rejected with the reason, when the route has no refusal for it; nothing is stored"), (status = 501, body = ErrorBody)))]
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
            let model = api::regulation(runtime, &case.regulation_id)?;
            Ok(view::case_view(runtime, &case, model, lang, now))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

// ------------------------------------------------------------ pages

/// `GET /drafts/{draft}`: what will be signed, and the button that signs it.
pub(crate) async fn sign_page(
    State(state): State<AppState>,
    crate::pages::PageUser(session): crate::pages::PageUser,
    Path(draft_id): Path<String>,
    crate::pages::PageLang(lang): crate::pages::PageLang,
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
            let model = api::regulation(runtime, &draft.request.regulation)?;
            let content = String::from_utf8(draft.content_bytes()?).unwrap_or_default();
            let documents: Vec<String> = draft
                .request
                .documents
                .iter()
                .map(|id| {
                    model
                        .file
                        .documents
                        .iter()
                        .find(|document| &document.id == id)
                        .map(|document| document.title.get(lang).to_owned())
                        .unwrap_or_else(|| id.clone())
                })
                .collect();
            let form: Vec<Value> = model
                .file
                .form
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
                "service_title": model.file.service.title.get(lang),
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
    let page = crate::pages::Page::new(lang, Some(session), &format!("/drafts/{draft_id}"));
    let mut data = data;
    data["ncalayer_url"] = json!(state.ncalayer_url);
    data["error"] = json!(error);
    let mut response =
        crate::pages::render_page(state, &page, "sign.html", Jv::from_serialize(data))?;
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
    crate::pages::PageLang(lang): crate::pages::PageLang,
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

/// The explanation of a signature check's result for people, in `lang`.
pub fn signature_text(signature: &RequestSignature, lang: Lang) -> String {
    match &signature.failure {
        None => i18n::t(lang, "signature.confirmed").to_owned(),
        Some(code) => format!(
            "{} {}",
            i18n::t(lang, "signature.not_confirmed"),
            i18n::t(lang, &failure_key(code))
        ),
    }
}

// ------------------------------------------------------------ messages

/// (key, [kk, ru, en]) — chained into the table of `i18n`.
pub static MESSAGES: &[(&str, [&str; 3])] = &[
    (
        "sign.title",
        [
            "Сұранысқа ЭЦҚ-мен қол қою",
            "Подписание запроса ЭЦП",
            "Sign the request with your digital signature",
        ],
    ),
    (
        "sign.lead",
        [
            "Өтініш тексерілді. Оны жіберу үшін NCALayer арқылы жеке ЭЦҚ-ңызбен қол қойыңыз: қол қойылған сұраныс тексеріледі (куәліктің мерзімі, кері қайтарылмағаны, ЖСН сәйкестігі).",
            "Заявление проверено. Чтобы отправить его, подпишите его своей ЭЦП через NCALayer: подписанный запрос проверяется (срок действия свидетельства, отсутствие отзыва, совпадение ИИН).",
            "The application has been checked. To send it, sign it with your digital signature through NCALayer: the signed request is checked (certificate validity, revocation, matching IIN).",
        ],
    ),
    (
        "sign.button",
        [
            "NCALayer арқылы қол қою және жіберу",
            "Подписать через NCALayer и отправить",
            "Sign with NCALayer and send",
        ],
    ),
    (
        "sign.waiting",
        [
            "NCALayer-ге қосылуда… Кілтті таңдап, құпиясөзді енгізіңіз.",
            "Подключение к NCALayer… Выберите ключ и введите пароль.",
            "Connecting to NCALayer… Choose your key and enter its password.",
        ],
    ),
    (
        "sign.no_ncalayer",
        [
            "NCALayer табылмады. Оны іске қосып, қайталаңыз (https://pki.gov.kz).",
            "NCALayer не найден. Запустите его и повторите (https://pki.gov.kz).",
            "NCALayer was not found. Start it and try again (https://pki.gov.kz).",
        ],
    ),
    (
        "sign.ncalayer_error",
        [
            "NCALayer қол қоймады:",
            "NCALayer не подписал:",
            "NCALayer did not sign:",
        ],
    ),
    (
        "login.certificate",
        [
            "ЭЦҚ арқылы кіру (NCALayer)",
            "Войти с ЭЦП (NCALayer)",
            "Sign in with a digital signature (NCALayer)",
        ],
    ),
    (
        "login.certificate_lead",
        [
            "Немесе аутентификация кілтімен кіріңіз: NCALayer кездейсоқ мәтінге қол қояды, сервер куәлікті тексереді.",
            "Или войдите с ключом аутентификации: NCALayer подпишет случайный текст, сервер проверит свидетельство.",
            "Or sign in with your authentication key: NCALayer signs a random text and the server checks the certificate.",
        ],
    ),
    (
        "sign.what",
        [
            "Қол қойылатын мәтін",
            "Подписываемый текст",
            "The text to be signed",
        ],
    ),
    (
        "sign.paste",
        [
            "Басқа құралмен жасалған CMS қолтаңбасын қою (base64 немесе PEM)",
            "Вставить подпись CMS, созданную другим средством (base64 или PEM)",
            "Paste a CMS signature made with another tool (base64 or PEM)",
        ],
    ),
    (
        "sign.send_pasted",
        [
            "Қолтаңбаны жіберу",
            "Отправить подпись",
            "Send the signature",
        ],
    ),
    (
        "sign.expires",
        [
            "Жоба сақталатын мерзім:",
            "Черновик хранится до:",
            "The draft is kept until:",
        ],
    ),
    (
        "sign.attachments",
        ["Тіркелген файлдар", "Приложенные файлы", "Attached files"],
    ),
    (
        "signature.title",
        [
            "Сұраныстың ЭЦҚ-сы",
            "ЭЦП запроса",
            "The request's signature",
        ],
    ),
    (
        "signature.confirmed",
        [
            "ЭЦҚ расталды.",
            "ЭЦП подтверждена.",
            "The signature was confirmed.",
        ],
    ),
    (
        "signature.not_confirmed",
        [
            "ЭЦҚ расталмады:",
            "ЭЦП не подтверждена:",
            "The signature was not confirmed:",
        ],
    ),
    ("signature.signer", ["Қол қойған", "Подписал", "Signed by"]),
    (
        "signature.title_result",
        [
            "Көрсетілетін қызметті берушінің ЭЦҚ-сы",
            "ЭЦП услугодателя",
            "The provider's digital signature",
        ],
    ),
    (
        "verify.signature_valid",
        [
            "ЭЦҚ жарамды: құжат қол қойылғаннан бері өзгермеген, куәлік сенімді орталықтан берілген және кері қайтарылмаған.",
            "ЭЦП действительна: документ не изменён после подписания, свидетельство выдано доверенным центром и не отозвано.",
            "The signature is valid: the document is unchanged since it was signed, and the certificate was issued by a trusted authority and is not revoked.",
        ],
    ),
    (
        "sign.result_button",
        [
            "Нәтижеге ЭЦҚ-мен қол қою (NCALayer)",
            "Подписать результат ЭЦП (NCALayer)",
            "Sign the result with NCALayer",
        ],
    ),
    (
        "error.no_signing_identity",
        [
            "Бұл есептік жазбада ЭЦҚ куәлігімен байланыстыратын ЖСН жоқ.",
            "У этой учётной записи нет ИИН для привязки к свидетельству ЭЦП.",
            "This account has no IIN to bind a signing certificate to.",
        ],
    ),
    (
        "error.signature_rejected",
        [
            "ЭЦҚ расталмады, сұраныс қабылданбады.",
            "ЭЦП не подтверждена, запрос не принят.",
            "The signature was not confirmed; the request was not accepted.",
        ],
    ),
    (
        "error.signature_required",
        [
            "Порталдағы сұранысқа ЭЦҚ-мен қол қойылуы тиіс.",
            "Запрос на портале должен быть подписан ЭЦП.",
            "A portal request must be signed with a digital signature.",
        ],
    ),
    (
        "error.signature_missing",
        [
            "Қолтаңба жіберілмеді.",
            "Подпись не отправлена.",
            "No signature was sent.",
        ],
    ),
    (
        "error.signatures_off",
        [
            "Бұл серверде ЭЦҚ тексеру бапталмаған.",
            "На этом сервере не настроена проверка ЭЦП.",
            "This server is not set up to verify digital signatures.",
        ],
    ),
    (
        "error.unknown_draft",
        [
            "Мұндай жоба жоқ.",
            "Такого черновика нет.",
            "There is no such draft.",
        ],
    ),
    (
        "error.draft_expired",
        [
            "Жобаның мерзімі өтті, өтінішті қайта толтырыңыз.",
            "Срок черновика истёк, заполните заявление заново.",
            "The draft has expired; fill in the application again.",
        ],
    ),
    (
        "signature.failure.expired",
        [
            "тіркеу куәлігінің қолданылу мерзімі өтіп кеткен.",
            "срок действия регистрационного свидетельства истёк.",
            "the certificate has expired.",
        ],
    ),
    (
        "signature.failure.not-yet-valid",
        [
            "тіркеу куәлігі әлі күшіне енбеген.",
            "регистрационное свидетельство ещё не действует.",
            "the certificate is not valid yet.",
        ],
    ),
    (
        "signature.failure.revoked",
        [
            "тіркеу куәлігі кері қайтарылған (күші жойылған).",
            "регистрационное свидетельство отозвано (аннулировано).",
            "the certificate has been revoked.",
        ],
    ),
    (
        "signature.failure.revocation-unknown",
        [
            "тіркеу куәлігінің кері қайтарылмағанын тексеру мүмкін болмады.",
            "не удалось проверить, что регистрационное свидетельство не отозвано.",
            "whether the certificate was revoked could not be checked.",
        ],
    ),
    (
        "signature.failure.iin-mismatch",
        [
            "ЭЦҚ тіркеу куәлігіндегі ЖСН сұраныстағы ЖСН-ге сәйкес келмейді.",
            "ИИН в регистрационном свидетельстве ЭЦП не совпадает с ИИН в запросе.",
            "the IIN in the certificate is not the IIN of the request.",
        ],
    ),
    (
        "signature.failure.bin-mismatch",
        [
            "тіркеу куәлігіндегі БСН ұйымның БСН-іне сәйкес келмейді.",
            "БИН в регистрационном свидетельстве не совпадает с БИН организации.",
            "the BIN in the certificate is not the organisation's BIN.",
        ],
    ),
    (
        "signature.failure.wrong-key-usage",
        [
            "бұл кілт қол қоюға арналмаған (мысалы, аутентификация кілті).",
            "этот ключ не предназначен для подписи (например, ключ аутентификации).",
            "this key is not for signing (an authentication key, say).",
        ],
    ),
    (
        "signature.failure.unknown-issuer",
        [
            "тіркеу куәлігін сенімді куәландырушы орталық бермеген.",
            "регистрационное свидетельство выдано не доверенным удостоверяющим центром.",
            "the certificate was not issued by a trusted certification authority.",
        ],
    ),
    (
        "signature.failure.bad-signature",
        [
            "қолтаңба мәтінге сәйкес келмейді.",
            "подпись не соответствует тексту.",
            "the signature does not match the text.",
        ],
    ),
    (
        "signature.failure.content-mismatch",
        [
            "қол басқа мәтінге қойылған.",
            "подписан другой текст.",
            "a different text was signed.",
        ],
    ),
    (
        "signature.failure.malformed",
        [
            "қолтаңба бүлінген немесе CMS емес.",
            "подпись повреждена или не является CMS.",
            "the signature is damaged or not CMS.",
        ],
    ),
    (
        "signature.failure.signing-time-in-future",
        [
            "қол қою уақыты болашақта.",
            "время подписания в будущем.",
            "the signing time is in the future.",
        ],
    ),
    (
        "signature.failure.timestamp",
        [
            "қолтаңбаның уақыт белгісі тексеруден өтпеді.",
            "метка времени подписи не прошла проверку.",
            "the signature's timestamp did not pass the checks.",
        ],
    ),
    (
        "signature.failure.signing-time-missing",
        [
            "қолтаңбада қол қою уақыты көрсетілмеген.",
            "в подписи не указано время подписания.",
            "the signature does not say when it was made.",
        ],
    ),
    (
        "signature.failure.too-large",
        [
            "қолтаңба тым үлкен.",
            "подпись слишком большая.",
            "the signature is too large.",
        ],
    ),
    (
        "signature.failure.signatures_off",
        [
            "бұл сервер қолтаңбаларды тексере алмайды (сенімді орталықтар бапталмаған).",
            "этот сервер не может проверять подписи (не настроены доверенные центры).",
            "this server cannot check signatures (no trusted authorities are configured).",
        ],
    ),
    (
        "signature.failure.other",
        [
            "қолтаңба тексеруден өтпеді.",
            "подпись не прошла проверку.",
            "the signature did not pass the checks.",
        ],
    ),
];
