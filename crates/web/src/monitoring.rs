//! Quality monitoring in the web application (docs/monitoring.md): the
//! `/monitoring` page with its charts, and `GET /api/monitoring` as JSON,
//! CSV or XLSX. The figures come from [`qyzmet_monitoring::Monitor`], a fold
//! of the event log kept in memory and brought up to the log's head before
//! every report, so they are what `audit verify` vouches for.
//!
//! Who sees what: supervisors (and the authorized body's staff) every
//! provider; a provider's head their own provider only.

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use minijinja::Value as Jv;
use qyzmet_calendar::Schedule;
use qyzmet_core::Lang;
use qyzmet_monitoring::{Headers, Monitor, Report, StepLabels, TrendLabels};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Account, User};
use crate::auth::{is_authorized_body, own_provider};
use crate::i18n;
use crate::page::{Page, PageLang, PageUser, render_page};
use crate::{AppError, AppResult, AppState};

/// The server's monitor: one fold shared by every request.
pub type SharedMonitor = Arc<Mutex<Monitor>>;

/// Events read per page when the monitor catches up with the log.
const CATCH_UP_PAGE: usize = 10_000;

pub fn new_monitor(runtime: &qyzmet_runtime::Runtime) -> SharedMonitor {
    Arc::new(Mutex::new(Monitor::new(
        runtime.calendar.clone(),
        Schedule::standard(),
    )))
}

/// Reads what the log gained since the last call; returns the events read.
pub fn catch_up(state: &AppState) -> Result<u64, AppError> {
    let mut monitor = state
        .monitor
        .lock()
        .map_err(|_| AppError::internal("the monitor lock is poisoned"))?;
    Ok(monitor.catch_up(state.runtime.store.as_ref(), CATCH_UP_PAGE)?)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct MonitoringParams {
    /// First day of the period (`YYYY-MM-DD`, Kazakhstan time); default: 30
    /// days before `to`.
    #[serde(default)]
    pub from: Option<String>,
    /// Last day of the period, included; default: today.
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    /// A regulation id, or `appeal`.
    #[serde(default)]
    pub service: Option<String>,
    /// A route: `channel` or `channel/variant`.
    #[serde(default)]
    pub channel: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
}

fn blank(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

fn parse_day(text: &str, what: &str) -> Result<Date, AppError> {
    text.parse::<Date>().map_err(|_| {
        AppError::bad_request(
            "invalid_period",
            format!("`{what}` must be a date YYYY-MM-DD, got `{text}`"),
        )
    })
}

/// The query a person may ask: the period in Kazakhstan time, and a head
/// is held to their own provider.
fn query_for(
    account: &Account,
    params: &MonitoringParams,
    now: Timestamp,
) -> Result<(qyzmet_monitoring::Query, Date, Date), AppError> {
    let zone = Schedule::standard().time_zone().clone();
    let today = zone.to_datetime(now).date();
    let to = match blank(&params.to) {
        Some(text) => parse_day(&text, "to")?,
        None => today,
    };
    let from = match blank(&params.from) {
        Some(text) => parse_day(&text, "from")?,
        None => to.checked_sub(29.days()).unwrap_or(to),
    };
    if from > to {
        return Err(AppError::bad_request(
            "invalid_period",
            "`from` is after `to`",
        ));
    }
    let start = |day: Date| -> Result<Timestamp, AppError> {
        zone.to_ambiguous_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
            .compatible()
            .map_err(|error| AppError::bad_request("invalid_period", error.to_string()))
    };
    let end_day = to
        .checked_add(1.day())
        .map_err(|error| AppError::bad_request("invalid_period", error.to_string()))?;
    let mut query = qyzmet_monitoring::Query::period(start(from)?, start(end_day)?);
    query.service = blank(&params.service);
    query.channel = blank(&params.channel);
    query.provider = blank(&params.provider);
    if !account.supervisor && !is_authorized_body(account) {
        let own = own_provider(account).ok_or_else(|| {
            AppError::forbidden("monitoring is for supervisors and providers' heads")
        })?;
        if query.provider.as_ref().is_some_and(|asked| asked != &own) {
            return Err(AppError::forbidden(
                "a provider's head sees the figures of their own provider",
            ));
        }
        query.provider = Some(own);
    }
    Ok((query, from, to))
}

fn report(state: &AppState, query: &qyzmet_monitoring::Query) -> Result<Report, AppError> {
    catch_up(state)?;
    let monitor = state
        .monitor
        .lock()
        .map_err(|_| AppError::internal("the monitor lock is poisoned"))?;
    Ok(monitor.report(query))
}

fn headers(lang: Lang) -> Headers {
    Headers::new(lang)
}

fn lang_of(params: &MonitoringParams, fallback: Lang) -> Lang {
    params
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(fallback)
}

/// The monitoring report as JSON: the query, `as_of_global_seq` (the last
/// event counted), `totals`, `rows` per provider, service and channel,
/// groups `by_provider`, `by_service`, `by_channel`, the slowest `steps`,
/// `weeks`, and `appeals_about_unknown_cases` (docs/monitoring.md).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct MonitoringReport(pub Report);

/// `GET /api/monitoring`: the report as JSON (default), CSV or XLSX.
#[utoipa::path(get, path = "/api/monitoring", params(MonitoringParams),
    responses((status = 200, description = "The monitoring report", content(
        (MonitoringReport = "application/json"),
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 401), (status = 403), (status = 422)))]
pub async fn api(
    State(state): State<AppState>,
    User(session): User,
    Query(params): Query<MonitoringParams>,
) -> AppResult {
    let account = session.account.clone();
    let lang = lang_of(&params, Lang::Kk);
    let now = state.now();
    let (query, from, to) = query_for(&account, &params, now)?;
    let format = blank(&params.format).unwrap_or_else(|| "json".into());
    let worker = state.clone();
    let report = state.blocking(move |_| report(&worker, &query)).await?;
    let name = format!("qyzmet-monitoring-{from}-{to}");
    match format.as_str() {
        "json" => Ok(axum::Json(MonitoringReport(report)).into_response()),
        "csv" => {
            let headers = headers(lang);
            let mut text = qyzmet_monitoring::to_csv(&report, &headers);
            text.push('\n');
            text.push_str(&qyzmet_monitoring::steps_to_csv(&report, &headers));
            text.push('\n');
            text.push_str(&qyzmet_monitoring::weeks_to_csv(&report, &headers));
            Ok(download(
                "text/csv; charset=utf-8",
                &format!("{name}.csv"),
                text.into_bytes(),
            ))
        }
        "xlsx" => {
            let bytes = qyzmet_monitoring::to_xlsx(&report, &headers(lang))
                .map_err(|error| AppError::internal(format!("xlsx: {error}")))?;
            Ok(download(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("{name}.xlsx"),
                bytes,
            ))
        }
        other => Err(AppError::bad_request(
            "invalid_format",
            format!("format `{other}`: json, csv or xlsx"),
        )),
    }
}

fn download(content_type: &'static str, file: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /monitoring`: the report as a page with two charts.
pub(crate) async fn page(
    State(state): State<AppState>,
    PageUser(session): PageUser,
    PageLang(lang): PageLang,
    Query(params): Query<MonitoringParams>,
) -> AppResult {
    let account = session.account.clone();
    let now = state.now();
    let (query, from, to) = query_for(&account, &params, now)?;
    let worker = state.clone();
    let asked = query.clone();
    let report = state.blocking(move |_| report(&worker, &asked)).await?;
    let providers = state.blocking(crate::demo::providers).await?;
    let provider_title = |id: &str| {
        providers
            .iter()
            .find(|provider| provider.id == id)
            .map(|provider| provider.title.get(lang).to_owned())
            .unwrap_or_else(|| id.to_owned())
    };
    let service_title = |id: &str| {
        state
            .runtime
            .catalog
            .by_id(id)
            .map(|entry| entry.model.service_title().get(lang).to_owned())
            .unwrap_or_else(|| {
                if id == qyzmet_runtime::appeals::APPEAL_SERVICE {
                    i18n::t(lang, "monitoring.appeals").to_owned()
                } else {
                    id.to_owned()
                }
            })
    };
    let t = |key: &str| i18n::t(lang, key).to_owned();
    let trend = qyzmet_monitoring::weekly_trend_svg(
        &report,
        &TrendLabels {
            title: t("monitoring.trend"),
            received: t("monitoring.received"),
            closed_on_time: t("monitoring.on_time"),
            closed_late: t("monitoring.late"),
        },
    );
    let steps = qyzmet_monitoring::slowest_steps_svg(
        &report,
        &StepLabels {
            title: t("monitoring.slowest"),
            median: t("monitoring.median"),
            p90: t("monitoring.p90"),
            minutes: t("monitoring.minutes"),
        },
        10,
    );
    let figures = |f: &qyzmet_monitoring::Figures| {
        json!({
            "received": f.received, "closed": f.closed, "delivered": f.delivered,
            "refused": f.refused, "refused_to_accept": f.refused_to_accept,
            "on_time": f.on_time, "late": f.late,
            "late_minutes_max": f.late_minutes_max, "appealed": f.appealed,
            "upheld": f.upheld, "overdue_open": f.overdue_open,
            "on_time_share": f.on_time_share().map(|share| format!("{:.0} %", share * 100.0)),
        })
    };
    let rows: Vec<Value> = report
        .rows
        .iter()
        .map(|row| {
            let mut value = figures(&row.figures);
            value["provider"] = json!(provider_title(&row.provider));
            value["provider_id"] = json!(row.provider);
            value["service"] = json!(service_title(&row.service));
            value["channel"] = json!(row.channel);
            value
        })
        .collect();
    let slowest: Vec<Value> = report
        .steps
        .iter()
        .take(10)
        .map(|step| {
            json!({
                "service": service_title(&step.service), "channel": step.channel,
                "step": step.step, "visits": step.visits, "median": step.median_minutes,
                "p90": step.p90_minutes, "max": step.max_minutes,
            })
        })
        .collect();
    let mut export = vec![("from", from.to_string()), ("to", to.to_string())];
    for (key, value) in [
        ("provider", &query.provider),
        ("service", &query.service),
        ("channel", &query.channel),
    ] {
        if let Some(value) = value {
            export.push((key, value.clone()));
        }
    }
    let export_query: String = export
        .iter()
        .map(|(key, value)| format!("{key}={}", urlencode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let services: Vec<Value> = state
        .runtime
        .catalog
        .models()
        .map(|model| json!({"id": model.id, "title": model.service_title().get(lang)}))
        .collect();
    let page = Page::new(lang, Some(session), "/monitoring");
    render_page(
        &state,
        &page,
        "monitoring.html",
        Jv::from_serialize(json!({
            "from": from.to_string(),
            "to": to.to_string(),
            "query": {"provider": query.provider, "service": query.service, "channel": query.channel},
            "providers": providers.iter().map(|p| json!({"id": p.id, "title": p.title.get(lang)})).collect::<Vec<_>>(),
            "services": services,
            "totals": figures(&report.totals),
            "rows": rows,
            "slowest": slowest,
            "trend_svg": trend,
            "steps_svg": steps,
            "export_query": export_query,
            "as_of": report.as_of_global_seq,
        })),
    )
}

fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
