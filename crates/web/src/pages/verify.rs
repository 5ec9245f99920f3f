//! The result as PDF and the public verification page its QR code points to (also as JSON under /api/verify).

use crate::auth::MaybeUser;
use crate::ops;
use crate::page::{Page, PageLang, base_url, render_page, signed_in};
use crate::{AppError, AppResult, AppState, view};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use minijinja::Value as Jv;
use qyzmet_core::Lang;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub(crate) struct PdfQuery {
    lang: Option<String>,
}

/// The case's result as PDF, for those who may see the case.
pub(crate) async fn result_pdf(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(case_id): Path<String>,
    Query(query): Query<PdfQuery>,
    headers: axum::http::HeaderMap,
) -> AppResult {
    let session = signed_in(session)?;
    let lang = query
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_default();
    let base = base_url(&state, &headers);
    let account = session.account;
    let id = case_id.clone();
    let pdf = state
        .blocking(move |runtime| {
            let (case, model) = ops::load_case(runtime, &account, &id)?;
            // A signed result is the very file that was signed.
            if let Some(record) = crate::result_signing::signed_result(runtime, &case)?
                && let Some(pdf) = crate::result_signing::signed_file(runtime, &record, lang)?
            {
                return Ok(pdf);
            }
            let document = crate::documents::result_document(runtime, &case, &model, &base)?
                .ok_or_else(|| {
                    AppError::not_found("no_document", "the case has no written result yet")
                })?;
            crate::documents::render(&document, lang)
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{case_id}-{}.pdf\"", lang.code()),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// What anyone with the QR code may see: each document the case issued
/// (the intake receipt, the result), issued by whom and when, for which
/// case number — no applicant or operator data — and the SHA-256 of each
/// language's file, recomputed from the case.
pub(crate) fn verification(
    runtime: &qyzmet_runtime::Runtime,
    pki: Option<&crate::auth::Pki>,
    case_id: &str,
    base: &str,
    lang: Lang,
    now: jiff::Timestamp,
) -> Result<Value, AppError> {
    let no_document = || AppError::not_found("no_document", format!("no document for `{case_id}`"));
    let events = runtime.store.case_events(case_id)?;
    let case = qyzmet_engine::replay(&events)
        .map_err(|error| AppError::internal(error.to_string()))?
        .ok_or_else(no_document)?;
    let model = ops::pinned_model(runtime, &case.regulation_hash)?;
    let issued = crate::documents::issued_documents(runtime, &case, &events, &model, base)?;
    if issued.is_empty() {
        return Err(no_document());
    }
    let signed = crate::result_signing::signed_result(runtime, &case)?;
    let mut documents = Vec::new();
    for document in &issued {
        let receipt = crate::receipts::is_receipt(&document.kind);
        let mut files = Vec::new();
        let mut signature = Value::Null;
        let mut issued_at = document.issued_at.strftime("%Y-%m-%d %H:%M").to_string();
        match signed.as_ref().filter(|_| !receipt) {
            // The files that were signed, and their signatures checked now.
            Some(record) => {
                for print_lang in crate::documents::PRINT_LANGS {
                    let file = &record["files"][print_lang.code()];
                    files.push(json!({"lang": print_lang.code(), "sha256": file["sha256"]}));
                }
                let checked = crate::result_signing::recheck(runtime, pki, record, now)?;
                let signer = &record["signer"];
                if let Some(at) = record["issued_at"]
                    .as_str()
                    .and_then(|text| text.parse::<jiff::Timestamp>().ok())
                {
                    issued_at =
                        view::local_time(at, view::schedule_for(runtime, &case.provider.id));
                }
                signature = json!({
                    "valid": checked.is_ok(),
                    "text": match &checked {
                        Ok(()) => crate::i18n::t(lang, "verify.signature_valid").to_owned(),
                        Err(code) => format!(
                            "{} {}",
                            crate::i18n::t(lang, "signature.not_confirmed"),
                            crate::i18n::t(lang, &crate::signing::failure_key(code))
                        ),
                    },
                    "signer": signer["common_name"],
                    "serial": signer["certificate_serial"],
                });
            }
            None => {
                for print_lang in crate::documents::PRINT_LANGS {
                    let pdf = crate::documents::render(document, print_lang)?;
                    files.push(json!({
                        "lang": print_lang.code(),
                        "sha256": crate::documents::sha256_hex(&pdf),
                        "size": pdf.len(),
                    }));
                }
            }
        }
        let heading = qyzmet_documents::heading(&document.kind, lang);
        // A result's own title, unless it only repeats the heading.
        let title = case
            .result
            .as_ref()
            .filter(|_| !receipt)
            .map(|result| model.result_title(result, lang))
            .filter(|title| title.trim().to_lowercase() != heading.to_lowercase());
        documents.push(json!({
            "kind": if receipt { "receipt" } else { "result" },
            "document_id": document.id,
            "heading": heading,
            "title": title,
            "provider": document.provider.name.get(lang),
            "issued_at": issued_at,
            "files": files,
            "signature": signature,
        }));
    }
    Ok(json!({
        "case_id": case.case_id,
        "service_title": model.service_title().get(lang),
        "documents": documents,
    }))
}

pub(crate) async fn verify_page(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(case_id): Path<String>,
    PageLang(lang): PageLang,
    headers: axum::http::HeaderMap,
) -> AppResult {
    let base = base_url(&state, &headers);
    let id = case_id.clone();
    let pki = state.pki.clone();
    let now = state.now();
    let data = state
        .blocking(move |runtime| verification(runtime, pki.as_deref(), &id, &base, lang, now))
        .await?;
    let page = Page::new(lang, session, &format!("/verify/{case_id}"));
    render_page(
        &state,
        &page,
        "verify.html",
        Jv::from_serialize(json!({"doc": data, "checked": Value::Null})),
    )
}

/// Which issued document and language a file with `digest` is, if any.
pub(crate) fn matching_document(data: &Value, digest: &str) -> Option<Value> {
    data["documents"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|document| {
            document["files"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|file| file["sha256"] == digest)
                .map(|file| json!({"kind": document["kind"], "heading": document["heading"], "document_id": document["document_id"], "lang": file["lang"], "signature": document["signature"]}))
        })
}

#[utoipa::path(get, path = "/api/verify/{case_id}", params(("case_id" = String, Path), crate::i18n::LangParam),
    responses((status = 200, body = view::Verification, description = "Public: every document the case issued — kind, number, issuer, issue time, the SHA-256 of each language's file, and for a signed result its signature checked now (valid, signer). No applicant data."), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn api_verify(
    State(state): State<AppState>,
    Path(case_id): Path<String>,
    axum::extract::Query(params): axum::extract::Query<crate::i18n::LangParam>,
    headers: axum::http::HeaderMap,
) -> AppResult {
    let lang = params.lang();
    let base = base_url(&state, &headers);
    let pki = state.pki.clone();
    let now = state.now();
    let data = state
        .blocking(move |runtime| verification(runtime, pki.as_deref(), &case_id, &base, lang, now))
        .await?;
    Ok(axum::Json(view::Verification(data)).into_response())
}

#[utoipa::path(post, path = "/api/verify/{case_id}", params(("case_id" = String, Path), crate::i18n::LangParam),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "The file someone holds"),
    responses((status = 200, body = view::FileCheck, description = "`matched`: whether the file is one the case issued, unaltered; `document`: which one and in which language (with the signature check for a signed result)"), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn api_verify_file(
    State(state): State<AppState>,
    Path(case_id): Path<String>,
    axum::extract::Query(params): axum::extract::Query<crate::i18n::LangParam>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult {
    let lang = params.lang();
    let digest = crate::documents::sha256_hex(&body);
    let base = base_url(&state, &headers);
    let pki = state.pki.clone();
    let now = state.now();
    let data = state
        .blocking(move |runtime| verification(runtime, pki.as_deref(), &case_id, &base, lang, now))
        .await?;
    let document = matching_document(&data, &digest);
    Ok(axum::Json(view::FileCheck {
        case_id: data["case_id"].clone(),
        sha256: digest,
        matched: document.is_some(),
        document,
    })
    .into_response())
}

/// Compares a file someone holds with the document as issued.
pub(crate) async fn verify_file(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(case_id): Path<String>,
    PageLang(lang): PageLang,
    headers: axum::http::HeaderMap,
    mut multipart: Multipart,
) -> AppResult {
    let mut digest = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| AppError::bad_request("invalid_input", error.to_string()))?
    {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|error| {
                AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    error.to_string(),
                )
            })?;
            digest = Some(crate::documents::sha256_hex(&bytes));
        }
    }
    let digest = digest.ok_or_else(|| AppError::bad_request("invalid_input", "no file"))?;
    let base = base_url(&state, &headers);
    let id = case_id.clone();
    let pki = state.pki.clone();
    let now = state.now();
    let data = state
        .blocking(move |runtime| verification(runtime, pki.as_deref(), &id, &base, lang, now))
        .await?;
    let found = matching_document(&data, &digest);
    let matched = found.is_some();
    let page = Page::new(lang, session, &format!("/verify/{case_id}"));
    render_page(
        &state,
        &page,
        "verify.html",
        Jv::from_serialize(
            json!({"doc": data, "checked": {"sha256": digest, "matched": matched, "document": found}}),
        ),
    )
}
