//! The provider's signature on a result: where the regulation has the head
//! (or the provider's authorised person) sign the result with a digital
//! signature (a staff step with `signs: true` that leads to a result
//! without a further decision), the task is completed by signing the
//! result document itself.
//!
//! 1. `GET /tasks/{task}/result-to-sign` renders the result the step leads
//!    to, in Kazakh and Russian, issued now and signed by this person, and
//!    returns both PDFs (base64) with the issue instant.
//! 2. The page has NCALayer sign both files (CMS, detached) with the key
//!    whose certificate carries the person's IIN, and posts the signatures
//!    to `POST /tasks/{task}/sign-result`.
//! 3. The server takes the same PDFs (kept from step 1 for the same case
//!    version, signer, issue instant and base URL, else rendered again:
//!    rendering is deterministic for the same issue instant), verifies each signature over them with
//!    `qyzmet-pki` (chain, validity, revocation, key usage for signing, the
//!    signer's IIN), and completes the task through the application layer
//!    (`qyzmet_app::tasks::sign_result`): the PDFs, the signatures and the
//!    completion commit in one transaction.
//!
//! From then on `/cases/{id}/result.pdf` serves the signed files, and the
//! public verification page checks the signatures again.

use axum::Json;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use qyzmet_core::{Iin, Lang};
use qyzmet_documents as docs;
use qyzmet_engine::Case;
use qyzmet_runtime::Runtime;
use qyzmet_storage::record::TaskStatus;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Account, MaybeUser, check_csrf};
use crate::documents::{PRINT_LANGS, display_name, document_for, render};
use crate::ops;
use crate::{AppError, AppResult, AppState};

/// How long a rendered result waits for its signatures.
pub const SIGNING_WINDOW_SECONDS: i64 = 600;

pub use qyzmet_app::tasks::signs_result;

struct ToSign {
    case: Case,
    result: String,
    files: std::sync::Arc<Vec<(Lang, Vec<u8>)>>,
}

/// What a rendered result depends on besides the regulation edition (which
/// the case pins).
#[derive(Clone, PartialEq, Eq, Hash)]
struct RenderKey {
    case_id: String,
    version: u64,
    task_id: String,
    login: String,
    base_url: String,
    issued_at: i64,
}

/// Results rendered for signing, kept for the signing round trip (a few
/// hundred KiB each, so a few; a miss — another server, a restart — only
/// renders again).
const RENDERED_KEPT: usize = 64;

type Rendered = lru::LruCache<RenderKey, std::sync::Arc<Vec<(Lang, Vec<u8>)>>>;

static RENDERED: std::sync::LazyLock<std::sync::Mutex<Rendered>> = std::sync::LazyLock::new(|| {
    std::sync::Mutex::new(lru::LruCache::new(
        std::num::NonZeroUsize::new(RENDERED_KEPT).unwrap_or(std::num::NonZeroUsize::MIN),
    ))
});

/// The task's case, checked: open, this person may complete the task, the
/// task signs a result; and that result rendered for `issued_at`.
fn prepare(
    runtime: &Runtime,
    account: &Account,
    task_id: &str,
    base_url: &str,
    issued_at: Timestamp,
) -> Result<ToSign, AppError> {
    let row = runtime
        .store
        .task(task_id)?
        .ok_or_else(|| AppError::not_found("unknown_task", format!("no task `{task_id}`")))?;
    let (case, model) = ops::load_case(runtime, account, &row.case_id)?;
    let task = case
        .tasks
        .get(task_id)
        .filter(|task| matches!(task.status, TaskStatus::Open | TaskStatus::Claimed))
        .ok_or_else(|| {
            AppError::new(
                StatusCode::CONFLICT,
                "task_already_done",
                "the task is not open",
            )
        })?;
    if !account.actor().holds(&task.role, &task.unit)
        || task
            .assignee
            .as_ref()
            .is_some_and(|who| who != &account.login)
    {
        return Err(AppError::forbidden("the task is not yours to complete"));
    }
    let result = signs_result(&model, &case.route, &task.step).ok_or_else(|| {
        AppError::bad_request("invalid_input", "this task does not sign a result")
    })?;
    let position = model
        .role(&task.role)
        .map(|role| role.title.clone())
        .unwrap_or_else(|| qyzmet_core::Text::kk("—"));
    let signer = docs::Signer {
        name: display_name(runtime, &account.login),
        position,
    };
    // The same case version, result, signer, issue instant and base URL
    // render the same bytes: what `result-to-sign` rendered is what
    // `sign-result` verifies, without rendering it again.
    let key = RenderKey {
        case_id: case.case_id.clone(),
        version: case.version,
        task_id: task_id.to_owned(),
        login: account.login.clone(),
        base_url: base_url.to_owned(),
        issued_at: issued_at.as_second(),
    };
    let cached = RENDERED
        .lock()
        .ok()
        .and_then(|mut rendered| rendered.get(&key).cloned());
    let files = match cached {
        Some(files) => files,
        None => {
            let document =
                document_for(runtime, &case, &model, base_url, &result, issued_at, signer)?
                    .ok_or_else(|| AppError::internal("the regulation names no such result"))?;
            let files = PRINT_LANGS
                .iter()
                .map(|lang| Ok((*lang, render(&document, *lang)?)))
                .collect::<Result<Vec<_>, AppError>>()?;
            let files = std::sync::Arc::new(files);
            if let Ok(mut rendered) = RENDERED.lock() {
                rendered.put(key, files.clone());
            }
            files
        }
    };
    Ok(ToSign {
        case,
        result,
        files,
    })
}

fn signer_iin(account: &Account) -> Result<Iin, AppError> {
    account
        .iin
        .as_deref()
        .and_then(|iin| Iin::parse(iin).ok())
        .ok_or_else(|| {
            AppError::bad_request(
                "no_signing_identity",
                "this account has no IIN to bind a signing certificate to",
            )
        })
}

/// `GET /tasks/{task}/result-to-sign`.
pub(crate) async fn result_to_sign(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(task_id): Path<String>,
    headers: axum::http::HeaderMap,
) -> AppResult {
    let session = session.ok_or_else(AppError::unauthenticated)?;
    let account = session.account;
    let base = crate::page::base_url(&state, &headers);
    // Whole seconds: the instant travels through the page and back.
    let issued_at = Timestamp::from_second(state.now().as_second())
        .map_err(|error| AppError::internal(error.to_string()))?;
    let body = state
        .blocking(move |runtime| {
            let iin = signer_iin(&account)?;
            let prepared = prepare(runtime, &account, &task_id, &base, issued_at)?;
            Ok(json!({
                "issued_at": issued_at.as_second(),
                "result": prepared.result,
                "iin": iin.to_string(),
                "langs": prepared.files.iter().map(|(lang, _)| lang.code()).collect::<Vec<_>>(),
                "data": prepared.files.iter().map(|(_, pdf)| STANDARD.encode(pdf)).collect::<Vec<_>>(),
            }))
        })
        .await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

#[derive(Deserialize)]
pub struct SignResultForm {
    csrf: String,
    issued_at: i64,
    /// One CMS signature (base64) per file, in the order of `langs`,
    /// separated by commas.
    signatures: String,
    #[serde(default)]
    version: Option<u64>,
}

/// The head's signatures over a task's result, as posted.
pub struct Signed<'a> {
    pub task_id: &'a str,
    /// The base URL the documents were rendered with (their QR code).
    pub base_url: &'a str,
    /// The issue instant the documents were rendered for.
    pub issued_at: Timestamp,
    /// One CMS signature per file of [`PRINT_LANGS`], in that order.
    pub signatures: &'a [&'a str],
    pub version: Option<u64>,
}

/// Verifies the signatures over the result and completes the task.
pub fn sign_result(
    runtime: &Runtime,
    pki: Option<&crate::auth::Pki>,
    account: &Account,
    signed: &Signed<'_>,
    now: Timestamp,
) -> Result<Case, AppError> {
    let Signed {
        task_id,
        base_url,
        issued_at,
        signatures,
        version,
    } = *signed;
    let Some(pki) = pki else {
        return Err(crate::signing::signatures_off());
    };
    if issued_at > now || now.as_second() - issued_at.as_second() > SIGNING_WINDOW_SECONDS {
        return Err(AppError::new(
            StatusCode::GONE,
            "draft_expired",
            "the document to sign is older than ten minutes; sign it again",
        ));
    }
    let iin = signer_iin(account)?;
    let prepared = prepare(runtime, account, task_id, base_url, issued_at)?;
    if signatures.len() != prepared.files.len() {
        return Err(AppError::bad_request(
            "signature_missing",
            format!(
                "{} signatures for {} files",
                signatures.len(),
                prepared.files.len()
            ),
        ));
    }
    let mut files = Vec::with_capacity(prepared.files.len());
    let mut signer = Value::Null;
    for ((lang, pdf), signature) in prepared.files.iter().zip(signatures) {
        let check = qyzmet_pki::Check {
            iin: Some(iin),
            content: Some(pdf),
            ..qyzmet_pki::Check::new(now, qyzmet_pki::Purpose::Signing)
        };
        let verified = pki
            .verifier
            .verify_cms(signature.trim().as_bytes(), &check, &pki.crls)
            .map_err(|failure| {
                AppError::bad_request(
                    "signature_rejected",
                    format!("{}: {failure}", failure.code()),
                )
                .with_reason(crate::signing::failure_key(failure.code()))
            })?;
        let report = verified.signers.first();
        signer = json!({
            "login": account.login,
            "name": display_name(runtime, &account.login),
            "common_name": report.and_then(|s| s.certificate.subject.common_name.clone()),
            "certificate_serial": report.map(|s| s.certificate.serial_hex.clone()),
            "signing_time": report.and_then(|s| s.signing_time),
        });
        files.push(qyzmet_app::tasks::SignedFile {
            lang: lang.code().to_owned(),
            pdf: pdf.clone(),
            cms: STANDARD.encode(signature.trim()),
        });
    }
    // The PDFs, the signatures and the completion commit together: a
    // completed task never lacks its signed result.
    let case = qyzmet_app::tasks::sign_result(
        runtime,
        account,
        qyzmet_app::tasks::SignedResult {
            task_id,
            case_id: &prepared.case.case_id,
            result: &prepared.result,
            issued_at,
            base_url,
            signer,
            files,
            expected_version: version,
        },
        now,
    )?;
    Ok(case)
}

/// `POST /tasks/{task}/sign-result`.
pub(crate) async fn sign_result_form(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(task_id): Path<String>,
    headers: axum::http::HeaderMap,
    Form(form): Form<SignResultForm>,
) -> AppResult {
    let session = session.ok_or_else(AppError::unauthenticated)?;
    check_csrf(&session, &form.csrf)?;
    let account = session.account;
    let base = crate::page::base_url(&state, &headers);
    let now = state.now();
    let pki = state.pki.clone();
    let issued_at = Timestamp::from_second(form.issued_at)
        .map_err(|error| AppError::bad_request("invalid_input", error.to_string()))?;
    let case = state
        .blocking(move |runtime| {
            let signatures: Vec<&str> = form
                .signatures
                .split(',')
                .filter(|part| !part.trim().is_empty())
                .collect();
            let signed = Signed {
                task_id: &task_id,
                base_url: &base,
                issued_at,
                signatures: &signatures,
                version: form.version,
            };
            sign_result(runtime, pki.as_deref(), &account, &signed, now)
        })
        .await?;
    Ok(Redirect::to(&format!("/cases/{}", case.case_id)).into_response())
}

// ------------------------------------------------------------ API

/// The result files a task signs.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResultToSign {
    /// The issue instant (seconds since the epoch) the files were rendered
    /// for; post it back with the signatures within ten minutes.
    pub issued_at: i64,
    /// The result (or refusal) id of the regulation.
    pub result: String,
    /// The IIN the signing certificate must carry.
    pub iin: String,
    /// The files' languages, in order (`kk`, `ru`).
    pub langs: Vec<String>,
    /// The PDF files, base64, in the order of `langs`.
    pub data: Vec<String>,
}

#[utoipa::path(get, path = "/api/tasks/{task_id}/result-to-sign", params(("task_id" = String, Path)),
    responses((status = 200, body = ResultToSign, description = "The result PDFs to sign (CMS, detached), one per language"), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody, description = "The task does not sign a result, or the account has no IIN")))]
pub(crate) async fn api_result_to_sign(
    state: State<AppState>,
    crate::auth::User(session): crate::auth::User,
    path: Path<String>,
    headers: axum::http::HeaderMap,
) -> AppResult {
    result_to_sign(state, MaybeUser(Some(session)), path, headers).await
}

/// The signatures over the files of `result-to-sign`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignResultRequest {
    pub issued_at: i64,
    /// CMS SignedData (detached), base64 or PEM, one per file, in order.
    pub signatures: Vec<String>,
    #[serde(default)]
    pub expected_version: Option<u64>,
}

#[utoipa::path(post, path = "/api/tasks/{task_id}/sign-result", request_body = SignResultRequest, params(("task_id" = String, Path), crate::i18n::LangParam),
    responses((status = 200, body = crate::view::CaseView, description = "The case after the task; the signed files are its result"), (status = 410, body = crate::error::ErrorBody, description = "Rendered more than ten minutes ago"), (status = 422, body = crate::error::ErrorBody, description = "signature_rejected with the reason")))]
pub(crate) async fn api_sign_result(
    State(state): State<AppState>,
    crate::auth::User(session): crate::auth::User,
    Path(task_id): Path<String>,
    axum::extract::Query(params): axum::extract::Query<crate::i18n::LangParam>,
    headers: axum::http::HeaderMap,
    Json(body): Json<SignResultRequest>,
) -> AppResult {
    let lang = params.lang();
    let account = session.account;
    let base = crate::page::base_url(&state, &headers);
    let now = state.now();
    let pki = state.pki.clone();
    let issued_at = Timestamp::from_second(body.issued_at)
        .map_err(|error| AppError::bad_request("invalid_input", error.to_string()))?;
    let view = state
        .blocking(move |runtime| {
            let signatures: Vec<&str> = body.signatures.iter().map(String::as_str).collect();
            let signed = Signed {
                task_id: &task_id,
                base_url: &base,
                issued_at,
                signatures: &signatures,
                version: body.expected_version,
            };
            let case = sign_result(runtime, pki.as_deref(), &account, &signed, now)?;
            let model = ops::pinned_model(runtime, &case.regulation_hash)?;
            Ok(crate::view::case_view(runtime, &case, &model, lang, now))
        })
        .await?;
    Ok(Json(view).into_response())
}

/// The signed result of a closed case, if the result was signed: the record
/// kept at signing.
pub fn signed_result(runtime: &Runtime, case: &Case) -> Result<Option<Value>, AppError> {
    let Some(result) = case.result.as_deref() else {
        return Ok(None);
    };
    Ok(
        qyzmet_app::evidence::result_signature(runtime, &case.case_id)?
            .filter(|record| record["result"] == result),
    )
}

/// The signed file of a result in `lang` (Kazakh for English), from the blobs.
pub fn signed_file(
    runtime: &Runtime,
    record: &Value,
    lang: Lang,
) -> Result<Option<Vec<u8>>, AppError> {
    let lang = if lang == Lang::En { Lang::Kk } else { lang };
    let Some(sha256) = record["files"][lang.code()]["sha256"].as_str() else {
        return Ok(None);
    };
    Ok(qyzmet_app::evidence::blob(runtime, sha256)?.map(|(_, bytes)| bytes))
}

/// Checks the kept signatures again, now: `Ok(signer)` or the failure code.
pub fn recheck(
    runtime: &Runtime,
    pki: Option<&crate::auth::Pki>,
    record: &Value,
    now: Timestamp,
) -> Result<Result<(), String>, AppError> {
    let Some(pki) = pki else {
        return Ok(Err("signatures_off".into()));
    };
    for lang in PRINT_LANGS {
        let Some(pdf) = signed_file(runtime, record, lang)? else {
            return Ok(Err("missing-content".into()));
        };
        let cms = STANDARD
            .decode(
                record["files"][lang.code()]["cms"]
                    .as_str()
                    .unwrap_or_default(),
            )
            .unwrap_or_default();
        let check = qyzmet_pki::Check {
            content: Some(&pdf),
            ..qyzmet_pki::Check::new(now, qyzmet_pki::Purpose::Signing)
        };
        if let Err(failure) = pki.verifier.verify_cms(&cms, &check, &pki.crls) {
            return Ok(Err(failure.code().to_owned()));
        }
    }
    Ok(Ok(()))
}
