//! The officer's desk, the service centre's desk and its queue tickets, the supervisor's dashboard and its CSV, the regulation viewer.

use super::portal::CsrfForm;

use crate::auth::{MaybeUser, check_csrf};
use crate::i18n;
use crate::ops;
use crate::page::{Page, PageLang, PageUser, render_page, signed_in, staff};
use crate::{AppError, AppResult, AppState, view};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use minijinja::{Value as Jv, context};
use qyzmet_regulation::model::Channel;
use qyzmet_regulation::render;
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) async fn desk(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
) -> AppResult {
    let session = staff(Some(session))?;
    let account = session.account.clone();
    let now = state.now();
    let caches = state.caches.clone();
    let (tasks, recent) = state
        .blocking(move |runtime| {
            let rows = ops::tasks_of(runtime, &account, 100)?;
            let tasks = ops::with_task_views(runtime, &caches, &rows, lang, now, |views| {
                Jv::from_serialize(views)
            })?;
            let recent: Vec<Value> = ops::cases_of(runtime, &account, None, 20)?
                .iter()
                .map(|row| {
                    json!({"case_id": row.case_id, "status_text": view::status_text(row.status, lang), "route": row.route})
                })
                .collect();
            Ok((tasks, recent))
        })
        .await?;
    let page = Page::new(lang, Some(session), "/desk");
    render_page(
        &state,
        &page,
        "desk.html",
        Jv::from_serialize(json!({"tasks": tasks, "recent": recent})),
    )
}

pub(crate) async fn centre(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
    Query(query): Query<TicketQuery>,
) -> AppResult {
    let session = staff(Some(session))?;
    if !session.account.is_operator() {
        return Err(AppError::forbidden("for State Corporation operators"));
    }
    let region = session.account.region.clone();
    let services: Vec<Value> = state
        .runtime
        .catalog
        .models()
        .filter(|model| model.region() == region)
        .filter(|model| {
            model
                .routes()
                .iter()
                .any(|route| route.channel == Channel::ServiceCentre)
        })
        .map(|model| json!({"id": model.id, "title": model.service_title().get(lang)}))
        .collect();
    let page = Page::new(lang, Some(session), "/centre");
    render_page(
        &state,
        &page,
        "centre.html",
        Jv::from_serialize(json!({"services": services, "ticket": query.ticket})),
    )
}

#[derive(Deserialize)]
pub(crate) struct TicketQuery {
    ticket: Option<String>,
}

/// The next electronic-queue ticket of the operator's centre for today
/// (`A-001`, `A-002` …), unique across servers (insert-if-absent).
pub(crate) async fn ticket(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Form(form): Form<CsrfForm>,
) -> AppResult {
    let session = staff(session)?;
    check_csrf(&session, &form.csrf)?;
    let centre = session.account.provider().unwrap_or_default();
    let today = state.now().strftime("%Y%m%d").to_string();
    let login = session.account.login.clone();
    let number = state
        .blocking(move |runtime| {
            let prefix = format!("{centre}-{today}-");
            let taken = runtime
                .store
                .docs(crate::directory::QUEUE, 10_000)?
                .into_iter()
                .filter(|(key, _)| key.starts_with(&prefix))
                .count();
            for number in taken + 1..taken + 1000 {
                let key = format!("{prefix}{number:03}");
                let mine = json!({"operator": login, "number": number});
                if runtime
                    .store
                    .insert_doc(crate::directory::QUEUE, &key, &mine)?
                    == mine
                {
                    return Ok(format!("A-{number:03}"));
                }
            }
            Err(AppError::internal("no free ticket number"))
        })
        .await?;
    Ok(Redirect::to(&format!("/centre?ticket={number}")).into_response())
}

pub(crate) async fn supervisor_rows(state: &AppState) -> Result<Vec<ops::StatRow>, AppError> {
    let now = state.now();
    state
        .blocking(move |runtime| Ok(ops::stat_rows(&runtime.store.case_stats(now)?)))
        .await
}

pub(crate) async fn supervisor(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
    Query(query): Query<SupervisorQuery>,
) -> AppResult {
    if !session.account.supervisor {
        return Err(AppError::forbidden("for supervisors"));
    }
    let rows = supervisor_rows(&state).await?;
    let now = state.now();
    let slowest = state
        .blocking(move |runtime| ops::slowest_steps(runtime, now, 300, lang))
        .await?;
    let audit = if query.audit.is_some() {
        let report = state
            .blocking(|runtime| Ok(runtime.store.verify()?))
            .await?;
        Some(report.is_clean())
    } else {
        None
    };
    let max = rows
        .iter()
        .map(|row| row.received)
        .max()
        .unwrap_or(1)
        .max(1);
    let providers = state.blocking(crate::demo::providers).await?;
    let titled: Vec<Value> = rows
        .iter()
        .map(|row| {
            let title = state
                .runtime
                .catalog
                .by_id(&row.regulation_id)
                .map(|entry| entry.model.service_title().get(lang).to_owned())
                .unwrap_or_else(|| row.regulation_id.clone());
            let scale = |count: u64| (count as f64 / max as f64 * 300.0).round() as u64;
            let provider = providers
                .iter()
                .find(|provider| provider.id == row.provider_id)
                .map(|provider| provider.title.get(lang).to_owned())
                .unwrap_or_else(|| row.provider_id.clone());
            json!({
                "row": row,
                "title": title,
                "provider_short": provider.chars().take(34).collect::<String>(),
                "provider": provider,
                "channel": i18n::t(lang, &format!("channel.{}", row.route.split('/').next().unwrap_or_default())),
                "bar_in_time": scale(row.closed_in_time),
                "bar_late": scale(row.closed_late),
                "bar_overdue": scale(row.overdue_now),
            })
        })
        .collect();
    let inner = state.clone();
    let health = state
        .blocking(move |runtime| crate::gateway::health(&inner, runtime))
        .await?;
    let mut gateway =
        serde_json::to_value(health).map_err(|error| AppError::internal(error.to_string()))?;
    if let Some(systems) = gateway["systems"].as_array_mut() {
        for system in systems {
            let title = system["title"][lang.code()].as_str().map(str::to_owned);
            system["title"] = json!(title);
            system["error_percent"] =
                json!((system["error_rate"].as_f64().unwrap_or(0.0) * 100.0).round());
        }
    }
    let page = Page::new(lang, Some(session), "/supervisor");
    render_page(
        &state,
        &page,
        "supervisor.html",
        Jv::from_serialize(
            json!({"rows": titled, "audit": audit, "slowest": slowest, "gateway": gateway}),
        ),
    )
}

#[derive(Deserialize)]
pub(crate) struct SupervisorQuery {
    audit: Option<String>,
}

pub(crate) async fn supervisor_csv(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
) -> AppResult {
    let session = signed_in(session)?;
    if !session.account.supervisor {
        return Err(AppError::forbidden("for supervisors"));
    }
    let rows = supervisor_rows(&state).await?;
    let mut out = String::from(
        "regulation_id,provider_id,route,received,completed,refused,open,closed_in_time,closed_late,overdue_now\n",
    );
    for row in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            csv_field(&row.regulation_id),
            csv_field(&row.provider_id),
            csv_field(&row.route),
            row.received,
            row.completed,
            row.refused,
            row.open,
            row.closed_in_time,
            row.closed_late,
            row.overdue_now
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"qyzmet-deadlines.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

pub(crate) fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

pub(crate) async fn regulation_page(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(id): Path<String>,
    PageLang(lang): PageLang,
) -> AppResult {
    let model = ops::regulation(&state.runtime, &id)?;
    let html = render::html(model, lang);
    // The rendered regulation is a whole document; keep its body.
    let body = html
        .split_once("<body>")
        .and_then(|(_, rest)| rest.rsplit_once("</body>").map(|(body, _)| body.to_owned()))
        .unwrap_or(html);
    let diagram = render::svg::render(model, lang);
    let diagram = match diagram.find("<svg") {
        Some(start) => diagram[start..].to_owned(),
        None => String::new(),
    };
    let show = render::json(model, lang);
    let unit = |limit: &Value| {
        let amount = limit["amount"].as_u64().unwrap_or_default();
        let unit = limit["unit"].as_str().unwrap_or_default();
        format!("{amount} {}", i18n::t(lang, &format!("unit.{unit}")))
    };
    let provenance: Vec<Value> = show["routes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|route| {
            let mut rows: Vec<Value> = Vec::new();
            if route["term"].is_object() {
                rows.push(json!({"step": i18n::t(lang, "regulation.term"), "limit": unit(&route["term"]), "source": route["term"]["source"]}));
            }
            for step in route["steps"].as_array().into_iter().flatten() {
                if step["deadline"].is_object() {
                    rows.push(json!({
                        "step": step["label"].as_str().or(step["id"].as_str()),
                        "limit": unit(&step["deadline"]),
                        "source": step["source"],
                    }));
                }
            }
            json!({"title": route["title"], "rows": rows})
        })
        .collect();
    let page = Page::new(lang, session, &format!("/regulations/{id}"));
    render_page(
        &state,
        &page,
        "regulation.html",
        context! {
            provenance => Jv::from_serialize(provenance),
            id => id,
            title => model.service_title().get(lang),
            body => Jv::from_safe_string(body),
            diagram => Jv::from_safe_string(diagram),
            portal => model.routes().iter().any(|route| route.channel == Channel::Portal),
        },
    )
}
