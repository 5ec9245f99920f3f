//! The authoring pages: the list of editions and the editor beside its live step table and swimlane (working without JavaScript too).

use super::*;
use crate::auth::{Session, check_csrf};
use crate::i18n;
use crate::page::{Page, PageLang, PageUser, render_page};
use crate::{AppError, AppResult, AppState};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::Value as Jv;
use qyzmet_core::Lang;
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn edition_row(record: &EditionRecord, lang: Lang) -> Value {
    let schedule = qyzmet_calendar::Schedule::standard();
    json!({
        "hash": record.hash,
        "short": record.hash.trim_start_matches("sha256:").chars().take(12).collect::<String>(),
        "regulation_id": record.regulation_id,
        "author": record.author,
        "saved_at": crate::view::local_time(record.saved_at, &schedule),
        "based_on": record.based_on,
        "warnings": record.warnings,
        "status": i18n::t(lang, "authoring.draft"),
    })
}

/// `GET /authoring`: the catalogue's regulations and the saved drafts.
pub(crate) async fn index(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
) -> AppResult {
    analyst(&session)?;
    let worker = state.clone();
    let saved = state.blocking(move |_| editions(&worker, None)).await?;
    let regulations: Vec<Value> = state
        .runtime
        .catalog
        .models()
        .map(|model| {
            json!({
                "id": model.id,
                "title": model.service_title().get(lang),
                "hash": model.hash,
                "drafts": saved.iter().filter(|record| record.regulation_id == model.id).count(),
            })
        })
        .collect();
    let saved: Vec<Value> = saved
        .iter()
        .map(|record| edition_row(record, lang))
        .collect();
    let page = Page::new(lang, Some(session), "/authoring");
    render_page(
        &state,
        &page,
        "authoring.html",
        Jv::from_serialize(json!({
            "index": true,
            "regulations": regulations,
            "drafts": saved,
        })),
    )
}

#[derive(Deserialize, Default)]
pub(crate) struct EditorParams {
    #[serde(default)]
    edition: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

/// What the editor shows for `text`.
pub(crate) struct EditorView {
    id: String,
    text: String,
    based_on: String,
    /// The saved draft being edited, if any.
    edition: Option<String>,
    saved: Option<String>,
    /// The outcome of a form post.
    refused: bool,
}

pub(crate) fn editor_page(
    state: &AppState,
    session: Session,
    lang: Lang,
    view: EditorView,
) -> AppResult {
    let live = crate::ops::regulation(&state.runtime, &view.id).ok();
    let checked = check_text(state, &view.text);
    let (steps, svg) = match &checked.model {
        Some(model) => preview_of(model, lang),
        // A text with errors: the live edition's tables, marked stale.
        None => live
            .map(|model| preview_of(model, lang))
            .unwrap_or_default(),
    };
    let title = checked
        .model
        .as_ref()
        .or(live)
        .map(|model| model.service_title().get(lang).to_owned())
        .unwrap_or_else(|| view.id.clone());
    let drafts: Vec<Value> = editions(state, Some(&view.id))?
        .iter()
        .map(|record| edition_row(record, lang))
        .collect();
    let lines = view.text.lines().count().max(1) + usize::from(view.text.ends_with('\n'));
    let error_lines: Vec<usize> = checked
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == "error")
        .map(|diagnostic| diagnostic.line)
        .collect();
    let gutter: Vec<Value> = (1..=lines)
        .map(|line| json!({"n": line, "error": error_lines.contains(&line)}))
        .collect();
    let page = Page::new(lang, Some(session), &format!("/authoring/{}", view.id));
    let response = render_page(
        state,
        &page,
        "authoring.html",
        Jv::from_serialize(json!({
            "index": false,
            "id": view.id,
            "title": title,
            "text": view.text,
            "based_on": view.based_on,
            "live_hash": live.map(|model| model.hash.clone()),
            "edition": view.edition,
            "saved": view.saved,
            "refused": view.refused,
            "hash": checked.hash,
            "errors": checked.errors,
            "warnings": checked.warnings,
            "diagnostics": checked.diagnostics,
            "gutter": gutter,
            "stale": checked.model.is_none(),
            "steps_html": steps,
            "svg": svg,
            "drafts": drafts,
        })),
    )?;
    if view.refused {
        let mut response = response;
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    Ok(response)
}

/// `GET /authoring/{id}`: the live edition's file (or a saved draft's) in
/// the editor.
pub(crate) async fn editor(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
    Path(id): Path<String>,
    Query(params): Query<EditorParams>,
) -> AppResult {
    analyst(&session)?;
    let worker = state.clone();
    state
        .blocking(move |_| {
            let (text, based_on, edition) = match params.edition.filter(|hash| !hash.is_empty()) {
                Some(hash) => {
                    let (record, text) = edition_text(&worker, &hash)?;
                    if record.regulation_id != id {
                        return Err(AppError::not_found(
                            "unknown_edition",
                            format!("no saved edition `{hash}` of `{id}`"),
                        ));
                    }
                    (text, hash.clone(), Some(hash))
                }
                None => {
                    let entry = worker.runtime.catalog.by_id(&id).ok_or_else(|| {
                        AppError::not_found("unknown_regulation", format!("no regulation `{id}`"))
                    })?;
                    (entry.text.clone(), entry.model.hash.clone(), None)
                }
            };
            editor_page(
                &worker,
                session,
                lang,
                EditorView {
                    id,
                    text,
                    based_on,
                    edition,
                    saved: params.saved.filter(|saved| !saved.is_empty()),
                    refused: false,
                },
            )
        })
        .await
}

#[derive(Deserialize)]
pub(crate) struct EditorForm {
    csrf: String,
    text: String,
    #[serde(default)]
    based_on: String,
    /// `check` (default) or `save`.
    #[serde(default)]
    action: String,
}

/// `POST /authoring/{id}`: the editor without JavaScript — check (the page
/// again with the diagnostics) or save (then to the saved edition).
pub(crate) async fn editor_form(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
    Path(id): Path<String>,
    Form(form): Form<EditorForm>,
) -> AppResult {
    check_csrf(&session, &form.csrf)?;
    analyst(&session)?;
    if state.runtime.catalog.by_id(&id).is_none()
        && state
            .blocking({
                let id = id.clone();
                let worker = state.clone();
                move |_| Ok(editions(&worker, Some(&id))?.is_empty())
            })
            .await?
    {
        return Err(AppError::not_found(
            "unknown_regulation",
            format!("no regulation `{id}`"),
        ));
    }
    // Browsers send a text area's line ends as CRLF.
    let text = form.text.replace("\r\n", "\n");
    let worker = state.clone();
    state
        .blocking(move |_| {
            let view = |text: String, refused: bool| EditorView {
                id: id.clone(),
                text,
                based_on: form.based_on.clone(),
                edition: None,
                saved: None,
                refused,
            };
            if form.action != "save" {
                return editor_page(&worker, session, lang, view(text, false));
            }
            let author = session.account.login.clone();
            match save_edition(&worker, &author, &text, Some(form.based_on.clone())) {
                Ok((record, _)) => Ok(Redirect::to(&format!(
                    "/authoring/{}?edition={}&saved=1",
                    url_path(&record.regulation_id),
                    url_path(&record.hash)
                ))
                .into_response()),
                Err(SaveRefused::Errors(_)) => {
                    editor_page(&worker, session, lang, view(text, true))
                }
                Err(SaveRefused::Other(error)) => Err(error),
            }
        })
        .await
}

/// A regulation id (slashes kept) or a hash in a URL.
pub(crate) fn url_path(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' | b':' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
