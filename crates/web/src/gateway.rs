//! The e-government gateway in the server: the outbox loop that sends the
//! cases' requests, the daily payment reconciliation, the desk's lookups
//! (the applicant from the person database, a representative's power of
//! attorney), each case's exchanges, and the gateway's health for the
//! supervisor and `/metrics`. See docs/gateway.md.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::{SignedDuration, Timestamp};
use qyzmet_core::{Answer, Iin, Lang};
use qyzmet_gateway::sim::SimHandle;
use qyzmet_gateway::{Client, messages};
use qyzmet_runtime::reconcile::Reconciliation;
use qyzmet_runtime::{OutboxRound, RetryPolicy};
use serde::Deserialize;

use crate::auth::User;
use crate::error::AppError;
use crate::error::ErrorBody;
pub use crate::view::{
    ExchangeView, GatewayDown, GatewayError, GatewayHealth, PersonReply, PersonView, PowerReply,
    PowerView, ReconciliationView, RequestView, SystemHealth, answer_text, request_status_text,
    unobtainable,
};
use crate::{AppResult, AppState};

/// How the server reaches the gateway.
#[derive(Clone, Debug, Default)]
pub enum GatewaySetup {
    /// None configured: requests wait in the outbox, fail after the retry
    /// budget and become manual checks.
    #[default]
    Off,
    /// The simulator, started inside the server (`serve --demo`).
    Simulator,
    /// A gateway at a URL (`serve --gateway URL`).
    Remote(Box<qyzmet_gateway::ClientConfig>),
}

/// The gateway side of the server.
pub struct GatewayLink {
    pub client: Client,
    /// The embedded simulator, when there is one (kept alive here).
    pub sim: Option<SimHandle>,
    pub policy: RetryPolicy,
    /// The last daily reconciliation: (day, report or the error).
    pub reconciliation: Mutex<Option<(String, Result<Reconciliation, String>)>>,
}

impl std::fmt::Debug for GatewayLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayLink")
            .field("url", &self.client.url())
            .field("simulator", &self.sim.is_some())
            .finish()
    }
}

/// Connects as configured (blocking: the simulator generates its demo keys
/// and the client may fetch them).
pub fn connect(
    setup: &GatewaySetup,
    runtime: &qyzmet_runtime::Runtime,
) -> anyhow::Result<Option<GatewayLink>> {
    let (client, sim) = match setup {
        GatewaySetup::Off => return Ok(None),
        GatewaySetup::Simulator => {
            let sim = qyzmet_gateway::sim::start(qyzmet_gateway::sim::SimConfig {
                dataset: demo_dataset(runtime)?,
                ..qyzmet_gateway::sim::SimConfig::default()
            })?;
            let client = Client::new(qyzmet_gateway::ClientConfig {
                keys: qyzmet_gateway::KeySource::Keys(sim.client_keys()?),
                ..qyzmet_gateway::ClientConfig::for_simulator(&sim.url())
            })?;
            (client, Some(sim))
        }
        GatewaySetup::Remote(config) => (Client::new((**config).clone())?, None),
    };
    Ok(Some(GatewayLink {
        client,
        sim,
        policy: RetryPolicy::default(),
        reconciliation: Mutex::new(None),
    }))
}

/// The simulator's demo dataset with the server's own citizens and staff
/// (the accounts with an IIN), so that the demo's people are found.
fn demo_dataset(runtime: &qyzmet_runtime::Runtime) -> anyhow::Result<qyzmet_gateway::sim::Dataset> {
    let mut dataset = qyzmet_gateway::sim::Dataset::demo();
    for (index, person) in crate::demo_pki::people(runtime)?.into_iter().enumerate() {
        if dataset.persons.iter().any(|known| known.iin == person.iin) {
            continue;
        }
        let Ok(iin) = Iin::parse(&person.iin) else {
            continue;
        };
        let (surname, given_name, patronymic) = crate::demo_pki::name_parts(&person.name);
        let year = iin.birth_year();
        dataset.persons.push(messages::Person {
            iin: person.iin.clone(),
            surname,
            given_name,
            patronymic: Some(patronymic).filter(|p| !p.is_empty()),
            birth_date: format!("{year}-{}-{}", &person.iin[2..4], &person.iin[4..6]),
            sex: if iin.is_male() { "male" } else { "female" }.into(),
            region: "kyzylorda".into(),
            address: format!("Қызылорда қ., Әйтеке би көшесі, {} (демо)", 1 + index),
            status: "alive".into(),
        });
        dataset.unemployed.push(messages::UnemploymentRecord {
            iin: person.iin,
            registered_on: "2026-10-01".into(),
            centre: "kyzylorda employment centre".into(),
            status: "registered".into(),
        });
    }
    Ok(dataset)
}

/// One round of the outbox at the state's clock (the loop calls it; tests
/// call it to drive requests).
pub async fn run_outbox_round(state: &AppState, worker: &str) -> Result<OutboxRound, AppError> {
    let Some(link) = state.gateway.clone() else {
        return Ok(OutboxRound::default());
    };
    let now = state.now();
    let worker = worker.to_owned();
    state
        .blocking(move |runtime| {
            Ok(runtime.run_outbox(&link.client, now, &worker, 200, &link.policy)?)
        })
        .await
}

/// Sends the outbox's due requests every `interval`; without a gateway,
/// records each due request as failed after the retry budget, so that a
/// person checks by hand instead of the case waiting for ever.
pub async fn outbox_loop(state: AppState, interval: Duration) {
    let worker = format!("serve-{}", std::process::id());
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let result = if state.gateway.is_some() {
            run_outbox_round(&state, &worker).await
        } else {
            give_up_without_gateway(&state, &worker).await
        };
        match result {
            Ok(round) if round.claimed == 0 => {}
            Ok(round) => tracing::info!(
                claimed = round.claimed,
                answered = round.answered,
                retried = round.retried,
                pending = round.pending,
                failed = round.failed,
                "outbox round"
            ),
            Err(error) => tracing::warn!(code = error.code, "outbox loop: {}", error.detail),
        }
    }
}

/// A gateway that is not there: every call fails to connect.
struct Unconfigured;

impl qyzmet_gateway::Gateway for Unconfigured {
    fn call(
        &self,
        call: &qyzmet_gateway::Call<'_>,
    ) -> Result<qyzmet_gateway::Reply, qyzmet_gateway::CallError> {
        Err(qyzmet_gateway::CallError {
            kind: qyzmet_gateway::FaultKind::Connect,
            detail: "no gateway configured (serve --gateway URL)".into(),
            exchange: Box::new(qyzmet_gateway::Exchange {
                system: call.system,
                service_id: String::new(),
                message_id: call.message_id.to_string(),
                sent_at: Timestamp::now(),
                duration_ms: 0,
                status: "connect".into(),
                request: None,
                response: None,
            }),
        })
    }
}

async fn give_up_without_gateway(state: &AppState, worker: &str) -> Result<OutboxRound, AppError> {
    let now = state.now();
    let worker = worker.to_owned();
    state
        .blocking(move |runtime| {
            let policy = RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            };
            Ok(runtime.run_outbox(&Unconfigured, now, &worker, 200, &policy)?)
        })
        .await
}

/// Reconciles yesterday's payments once a day (checked every hour).
pub async fn reconciliation_loop(state: AppState) {
    let mut ticker = tokio::time::interval(Duration::from_secs(3600));
    loop {
        ticker.tick().await;
        let Some(link) = state.gateway.clone() else {
            return;
        };
        let Ok(today) = state
            .now()
            .checked_add(SignedDuration::from_hours(5))
            .map(|at| at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
        else {
            continue;
        };
        let Ok(day) = today.yesterday() else { continue };
        let done = link
            .reconciliation
            .lock()
            .expect("reconciliation")
            .as_ref()
            .is_some_and(|(last, _)| *last == day.to_string());
        if done {
            continue;
        }
        let result = reconcile(&state, day).await;
        match &result {
            Ok(report) if report.is_clean() => {
                tracing::info!(day = %day, payments = report.matched, "payments reconciled")
            }
            Ok(report) => tracing::warn!(
                day = %day,
                differences = report.differences.len(),
                "payment reconciliation found differences"
            ),
            Err(error) => tracing::warn!(day = %day, "payment reconciliation failed: {error}"),
        }
        *link.reconciliation.lock().expect("reconciliation") = Some((day.to_string(), result));
    }
}

/// Reconciles one day now.
pub async fn reconcile(state: &AppState, day: jiff::civil::Date) -> Result<Reconciliation, String> {
    let Some(link) = state.gateway.clone() else {
        return Err("no gateway".into());
    };
    state
        .blocking(move |runtime| {
            runtime
                .reconcile_day(&link.client, day)
                .map_err(|error| AppError::internal(error.to_string()))
        })
        .await
        .map_err(|error| error.detail)
}

// -------------------------------------------------------------- desk API

fn require_staff(session: &crate::auth::Session) -> Result<(), AppError> {
    if session.account.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden("for staff"))
    }
}

fn gateway_down(lang: Lang, detail: &str) -> axum::response::Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(GatewayDown {
            found: false,
            error: GatewayError {
                code: "gateway_unavailable".into(),
                detail: detail.into(),
            },
            message: unobtainable().get(lang).to_owned(),
        }),
    )
        .into_response()
}

fn link_or_down(
    state: &AppState,
    lang: Lang,
) -> Result<Arc<GatewayLink>, Box<axum::response::Response>> {
    state
        .gateway
        .clone()
        .ok_or_else(|| Box::new(gateway_down(lang, "no gateway configured")))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    /// `kk` (default), `ru` or `en`.
    #[serde(default)]
    lang: Option<String>,
}

fn lang_of(query: &LangQuery) -> Lang {
    query
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(Lang::Kk)
}

/// `GET /api/persons/{iin}`: the person database's record for the desk's
/// form (staff only; the lookup is not kept: the case's own request is).
#[utoipa::path(get, path = "/api/persons/{iin}", params(("iin" = String, Path, description = "The person's IIN"), LangQuery),
    responses((status = 200, body = PersonReply, description = "The record, or `found: false` and \"the data cannot be obtained\""),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "For staff"),
        (status = 422, body = ErrorBody, description = "Not a valid IIN"),
        (status = 503, body = GatewayDown, description = "The gateway cannot be reached")))]
pub async fn person(
    State(state): State<AppState>,
    User(session): User,
    Path(iin): Path<String>,
    Query(query): Query<LangQuery>,
) -> AppResult {
    require_staff(&session)?;
    let lang = lang_of(&query);
    if Iin::parse(&iin).is_err() {
        return Err(AppError::bad_request("invalid_iin", "not a valid IIN"));
    }
    let link = match link_or_down(&state, lang) {
        Ok(link) => link,
        Err(response) => return Ok(*response),
    };
    let result = tokio::task::spawn_blocking(move || {
        link.client.person(&uuid::Uuid::new_v4().to_string(), &iin)
    })
    .await
    .map_err(|error| AppError::internal(error.to_string()))?;
    Ok(match result {
        Ok((response, _)) => match response.person.filter(|_| response.found) {
            Some(person) => Json(PersonReply {
                found: true,
                person: Some(person.into()),
                message: None,
            })
            .into_response(),
            // An answer, not a missing resource: the page shows it.
            None => Json(PersonReply {
                found: false,
                person: None,
                message: Some(unobtainable().get(lang).to_owned()),
            })
            .into_response(),
        },
        Err(error) => gateway_down(lang, &error.kind.as_str()),
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PowerQuery {
    /// The principal's IIN.
    principal: String,
    /// The representative's IIN.
    representative: String,
    /// The deed's number, when known.
    #[serde(default)]
    number: Option<String>,
    /// `kk` (default), `ru` or `en`.
    #[serde(default)]
    lang: Option<String>,
}

/// `GET /api/powers-of-attorney?principal=&representative=&number=`: the
/// notary system's check of a representative (staff only).
#[utoipa::path(get, path = "/api/powers-of-attorney", params(PowerQuery),
    responses((status = 200, body = PowerReply, description = "The notary system's answer"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "For staff"),
        (status = 422, body = ErrorBody, description = "Not a valid IIN"),
        (status = 503, body = GatewayDown, description = "The gateway cannot be reached")))]
pub async fn power_of_attorney(
    State(state): State<AppState>,
    User(session): User,
    Query(query): Query<PowerQuery>,
) -> AppResult {
    require_staff(&session)?;
    let lang = query
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(Lang::Kk);
    if Iin::parse(&query.principal).is_err() || Iin::parse(&query.representative).is_err() {
        return Err(AppError::bad_request("invalid_iin", "not a valid IIN"));
    }
    let link = match link_or_down(&state, lang) {
        Ok(link) => link,
        Err(response) => return Ok(*response),
    };
    let request = messages::PowerOfAttorneyRequest {
        principal_iin: query.principal,
        representative_iin: query.representative,
        number: query.number.filter(|number| !number.trim().is_empty()),
    };
    let result = tokio::task::spawn_blocking(move || {
        let today = qyzmet_gateway::kazakhstan_day(Timestamp::now());
        link.client
            .power_of_attorney(&uuid::Uuid::new_v4().to_string(), &request)
            .map(|(response, _)| {
                let answer = qyzmet_gateway::power_answer(&request, &response, &today);
                (answer, response.power)
            })
    })
    .await
    .map_err(|error| AppError::internal(error.to_string()))?;
    Ok(match result {
        Ok((answer, power)) => Json(PowerReply {
            answer,
            valid: answer == Answer::Valid,
            message: answer_text(answer).get(lang).to_owned(),
            power: power.map(PowerView::from),
        })
        .into_response(),
        Err(error) => gateway_down(lang, &error.kind.as_str()),
    })
}

// ------------------------------------------------------------- exchanges

/// The case's requests to state systems, for the case page and the API.
pub fn requests_json(case: &qyzmet_engine::Case, lang: Lang) -> Vec<RequestView> {
    case.requests
        .values()
        .map(|request| RequestView {
            request_id: request.request_id.clone(),
            step: request.step.clone(),
            system: request.system,
            system_title: request.system.title().get(lang).to_owned(),
            status: request.status,
            status_text: request_status_text(request.status).get(lang).to_owned(),
            answer: request.answer,
            answered_by: request.answered_by.clone(),
            requested_at: request.requested_at.to_string(),
            answered_at: request.answered_at.map(|at| at.to_string()),
            failure: request.failure.clone(),
        })
        .collect()
}

/// Every exchange of a case, oldest first.
pub fn exchanges_json(
    runtime: &qyzmet_runtime::Runtime,
    case_id: &str,
    lang: Lang,
) -> Result<Vec<ExchangeView>, AppError> {
    Ok(runtime
        .store
        .case_exchanges(case_id)?
        .into_iter()
        .map(|row| {
            let system = qyzmet_core::System::parse(&row.system);
            ExchangeView {
                system_title: system.map(|s| s.title().get(lang).to_string()),
                failed: !(row.status == "ok"
                    || row.status == "on_delivery"
                    || row.status.starts_with("refused")),
                request_id: row.request_id,
                system: row.system,
                attempt: row.attempt,
                message_id: row.message_id,
                sent_at: row.sent_at.to_string(),
                duration_ms: row.duration_ms,
                status: row.status,
                answer: row.answer,
                request: row.request,
                response: row.response,
            }
        })
        .collect())
}

// ----------------------------------------------------------------- health

/// The gateway's health over the last 24 hours: calls, errors and latency
/// per system, the outbox backlog, the last reconciliation.
pub fn health(
    state: &AppState,
    runtime: &qyzmet_runtime::Runtime,
) -> Result<GatewayHealth, AppError> {
    let since = state
        .now()
        .checked_sub(SignedDuration::from_hours(24))
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let stats = runtime.store.exchange_stats(since)?;
    let backlog = runtime.store.outbox_backlog()?;
    let systems: Vec<SystemHealth> = qyzmet_core::System::ALL
        .into_iter()
        .map(|system| {
            let stat = stats.iter().find(|stat| stat.system == system.as_str());
            let waiting = backlog.iter().find(|row| row.system == system.as_str());
            let calls = stat.map_or(0, |stat| stat.calls);
            let errors = stat.map_or(0, |stat| stat.errors);
            SystemHealth {
                system: system.as_str().to_owned(),
                title: system.title(),
                calls,
                errors,
                error_rate: if calls == 0 {
                    0.0
                } else {
                    errors as f64 / calls as f64
                },
                mean_ms: stat
                    .map_or(0, |stat| stat.total_ms)
                    .checked_div(calls)
                    .unwrap_or(0),
                max_ms: stat.map_or(0, |stat| stat.max_ms),
                waiting: waiting.map_or(0, |row| row.waiting),
                retrying: waiting.map_or(0, |row| row.retrying),
                oldest: waiting.map(|row| row.oldest.to_string()),
            }
        })
        .collect();
    let reconciliation = state.gateway.as_ref().and_then(|link| {
        link.reconciliation
            .lock()
            .expect("reconciliation")
            .as_ref()
            .map(|(day, result)| ReconciliationView {
                day: day.clone(),
                report: result.as_ref().ok().cloned(),
                error: result.as_ref().err().cloned(),
            })
    });
    Ok(GatewayHealth {
        connected: state.gateway.is_some(),
        url: state
            .gateway
            .as_ref()
            .map(|link| link.client.url().to_string()),
        simulator: state
            .gateway
            .as_ref()
            .is_some_and(|link| link.sim.is_some()),
        systems,
        reconciliation,
    })
}

/// `GET /api/gateway/health` (supervisors).
#[utoipa::path(get, path = "/api/gateway/health",
    responses((status = 200, body = GatewayHealth, description = "Calls, errors and latency per state system over the last 24 hours, the outbox backlog, the last reconciliation"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "For supervisors")))]
pub async fn health_api(State(state): State<AppState>, User(session): User) -> AppResult {
    if !session.account.supervisor {
        return Err(AppError::forbidden("for supervisors"));
    }
    let inner = state.clone();
    let health = state
        .blocking(move |runtime| health(&inner, runtime))
        .await?;
    Ok(Json(health).into_response())
}
