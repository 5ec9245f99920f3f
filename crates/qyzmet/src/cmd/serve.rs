//! `qyzmet serve`: the regulation catalogue over HTTP.
//!
//! This first version serves what the regulation compiler knows: the list of
//! regulations, each one's general provisions and step tables, and its
//! BPMN / SVG / Mermaid renderings, as HTML pages and a JSON API. Cases,
//! work lists and sign-in come with the case engine (issues 4 and 5).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use qyzmet_calendar::Calendar;
use qyzmet_core::Lang;
use qyzmet_regulation::render;
use qyzmet_runtime::Catalog;
use serde::Deserialize;
use serde_json::json;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Directory of regulation files; the copy bundled in the binary is used
    /// when omitted and ./regulations does not exist.
    #[arg(long)]
    pub regulations: Option<PathBuf>,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let calendar = Calendar::kazakhstan();
    let catalog = match &args.regulations {
        Some(dir) => Catalog::from_dir(dir, &calendar)
            .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", dir.display()))?,
        None => Catalog::default_for_cwd(&calendar)?,
    };
    for (name, error) in &catalog.skipped {
        eprintln!("skipping {name}: {error} (run `qyzmet check {name}`)");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", args.addr))?;
        eprintln!(
            "qyzmet: serving {} regulation(s) on http://{}",
            catalog.entries.len(),
            listener.local_addr()?
        );
        axum::serve(listener, app(Arc::new(catalog)))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
                eprintln!("qyzmet: shutting down");
            })
            .await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Deserialize, Default)]
pub struct Params {
    lang: Option<String>,
    format: Option<String>,
}

impl Params {
    fn lang(&self) -> Lang {
        self.lang
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or_default()
    }
}

/// The HTTP application, testable without a socket.
pub fn app(catalog: Arc<Catalog>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ready" }))
        .route("/api/regulations", get(api_list))
        .route("/api/regulations/{*id}", get(api_regulation))
        .route("/regulations/{*id}", get(page))
        .with_state(catalog)
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

async fn api_list(State(catalog): State<Arc<Catalog>>, Query(params): Query<Params>) -> Response {
    let lang = params.lang();
    let rows: Vec<_> = catalog
        .models()
        .map(|model| {
            let file = &model.file;
            json!({
                "id": model.id,
                "hash": model.hash,
                "region": file.act.region,
                "service": file.service.id,
                "title": file.service.title.get(lang),
                "channels": file.routes.iter().map(|route| route.key()).collect::<Vec<_>>(),
                "repealed_on": file.act.repealed.as_ref().map(|repeal| repeal.on.unwrap_or(repeal.by.date)),
            })
        })
        .collect();
    Json(rows).into_response()
}

async fn api_regulation(
    State(catalog): State<Arc<Catalog>>,
    Path(id): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let Some(model) = catalog.by_id(&id).map(|entry| &entry.model) else {
        return error(
            StatusCode::NOT_FOUND,
            "regulation-not-found",
            format!("no regulation `{id}`"),
        );
    };
    let lang = params.lang();
    match params.format.as_deref().unwrap_or("json") {
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
        other => error(
            StatusCode::BAD_REQUEST,
            "unknown-format",
            format!("unknown format `{other}`; use json, bpmn, svg, mermaid or md"),
        ),
    }
}

fn lang_links(path: &str) -> String {
    Lang::ALL
        .iter()
        .map(|lang| {
            format!(
                "<a href=\"{path}?lang={lang}\" hreflang=\"{lang}\">{}</a>",
                lang.code().to_uppercase()
            )
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

async fn index(State(catalog): State<Arc<Catalog>>, Query(params): Query<Params>) -> Html<String> {
    let lang = params.lang();
    let title = match lang {
        Lang::Kk => "Мемлекеттік көрсетілетін қызметтер регламенттері",
        Lang::Ru => "Регламенты государственных услуг",
        Lang::En => "Regulations of public services",
    };
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>Qyzmet — {title}</title></head><body>\n<nav>{}</nav>\n<h1>{title}</h1>\n<ul>\n",
        lang_links("/")
    );
    for model in catalog.models() {
        out.push_str(&format!(
            "<li><a href=\"/regulations/{id}?lang={lang}\">{}</a> <small>{} · {}</small></li>\n",
            render::escape_html(model.file.service.title.get(lang)),
            render::escape_html(&model.file.act.region),
            render::escape_html(&model.id),
            id = model.id,
        ));
    }
    out.push_str("</ul></body></html>\n");
    Html(out)
}

async fn page(
    State(catalog): State<Arc<Catalog>>,
    Path(id): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let Some(model) = catalog.by_id(&id).map(|entry| &entry.model) else {
        return (
            StatusCode::NOT_FOUND,
            Html(format!(
                "<!DOCTYPE html><title>404</title><p>No regulation <code>{}</code>.</p>",
                render::escape_html(&id)
            )),
        )
            .into_response();
    };
    let lang = params.lang();
    let html = render::html(model, lang);
    let diagram = render::svg::render(model, lang);
    // Inline the swimlane diagram (without its XML declaration) after the
    // tables.
    let diagram = diagram.trim_start_matches(|c| c != '<').to_owned();
    let diagram = match diagram.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map(|(_, svg)| svg.to_owned())
            .unwrap_or_default(),
        None => diagram,
    };
    let links = format!(
        "<nav>{} · <a href=\"/api/regulations/{id}?format=bpmn\">BPMN</a> · <a href=\"/api/regulations/{id}?format=svg\">SVG</a> · <a href=\"/api/regulations/{id}?format=json\">JSON</a></nav>",
        lang_links(&format!("/regulations/{id}"))
    );
    let html = html
        .replacen("<body>\n", &format!("<body>\n{links}\n"), 1)
        .replacen(
            "</body>",
            &format!("<figure>{diagram}</figure>\n</body>"),
            1,
        );
    Html(html).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn get_text(app: Router, uri: &str) -> (StatusCode, String) {
        let response = app
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn serves_the_bundled_catalogue() {
        let catalog = Arc::new(Catalog::bundled(&Calendar::kazakhstan()));
        assert_eq!(catalog.entries.len(), 17, "{:?}", catalog.skipped);
        let id = catalog.entries[0].model.id.clone();
        let app = app(catalog);

        let (status, body) = get_text(app.clone(), "/healthz").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));

        let (status, body) = get_text(app.clone(), "/api/regulations").await;
        assert_eq!(status, StatusCode::OK);
        let list: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(list[0]["id"], id.as_str());

        let (status, body) =
            get_text(app.clone(), &format!("/api/regulations/{id}?format=bpmn")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains("bpmn:definitions") || body.contains("<definitions"),
            "{body:.200}"
        );

        let (status, body) = get_text(app.clone(), &format!("/regulations/{id}?lang=ru")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains("<svg"),
            "the page embeds the swimlane diagram"
        );
        assert!(body.contains("lang=\"ru\""));

        let (status, body) = get_text(app, "/api/regulations/nope/none").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body.contains("regulation-not-found"));
    }
}
