//! The catalogue: regulations (as JSON, BPMN, SVG, Mermaid or Markdown) and providers.

use crate::error::ErrorBody;
use crate::i18n::LangParam;

use crate::demo::{self};
use crate::ops::regulation;
use crate::view;
use crate::{AppError, AppResult, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

#[utoipa::path(get, path = "/api/regulations", params(LangParam), responses((status = 200, body = [view::RegulationSummary], description = "Every regulation in the catalogue")))]
pub(crate) async fn list_regulations(
    State(state): State<AppState>,
    Query(params): Query<LangParam>,
) -> Response {
    let lang = params.lang();
    let rows: Vec<_> = state
        .runtime
        .catalog
        .models()
        .map(|model| view::RegulationSummary {
            id: model.id.clone(),
            hash: model.hash.clone(),
            region: model.region().to_owned(),
            service: model.service_id().to_owned(),
            title: model.service_title().get(lang).to_owned(),
            channels: model
                .routes()
                .iter()
                .map(|route| route.key.clone())
                .collect(),
            repealed_on: model
                .act()
                .repealed
                .as_ref()
                .map(|repeal| repeal.on.unwrap_or(repeal.by.date)),
        })
        .collect();
    Json(rows).into_response()
}

#[utoipa::path(get, path = "/api/regulations/{id}", params(("id" = String, Path, description = "Regulation id; contains slashes, e.g. kyzylorda/2015-141/unemployed-registration"), LangParam),
    responses((status = 200, description = "The regulation as JSON, BPMN, SVG, Mermaid or Markdown", content(
        (view::RegulationDocument = "application/json"),
        (String = "application/xml"),
        (String = "image/svg+xml"),
        (String = "text/plain"),
        (String = "text/markdown"))), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_regulation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<LangParam>,
) -> AppResult {
    use qyzmet_regulation::render;
    let model = regulation(&state.runtime, &id)?;
    let lang = params.lang();
    let response = match params.format.as_deref().unwrap_or("json") {
        "json" => Json(render::json(model, lang)).into_response(),
        "bpmn" => (
            [(header::CONTENT_TYPE, "application/xml")],
            render::bpmn::render(model, lang),
        )
            .into_response(),
        "svg" => (
            [(header::CONTENT_TYPE, "image/svg+xml")],
            render::svg::render(model, lang),
        )
            .into_response(),
        "mermaid" => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            render::mermaid::render(model, lang),
        )
            .into_response(),
        "md" => (
            [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
            render::markdown(model, lang),
        )
            .into_response(),
        other => {
            return Err(AppError::bad_request(
                "unknown_format",
                format!("unknown format `{other}`; use json, bpmn, svg, mermaid or md"),
            ));
        }
    };
    Ok(response)
}

#[utoipa::path(get, path = "/api/providers", params(LangParam), responses((status = 200, body = [view::ProviderView], description = "Providers and the regulations they apply")))]
pub(crate) async fn list_providers(
    State(state): State<AppState>,
    Query(params): Query<LangParam>,
) -> AppResult {
    let lang = params.lang();
    let providers = state.blocking(demo::providers).await?;
    let rows: Vec<view::ProviderView> = providers
        .iter()
        .map(|provider| view::ProviderView {
            id: provider.id.clone(),
            region: provider.region.clone(),
            title: provider.title.get(lang).to_owned(),
            regulations: state
                .runtime
                .catalog
                .models()
                .filter(|model| model.region() == provider.region)
                .map(|model| model.id.clone())
                .collect(),
        })
        .collect();
    Ok(Json(rows).into_response())
}
