//! Prometheus metrics at `/metrics`: requests by route template, method and
//! status class, and their latency. Labels never hold ids or personal data
//! (the route template, not the path).

use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ])
        });
        let mut registry = Registry::with_prefix("qyzmet");
        registry.register(
            "http_requests",
            "HTTP requests by route template, method and status class",
            requests.clone(),
        );
        registry.register(
            "http_request_seconds",
            "HTTP request latency by route template",
            latency.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
        }
    }
}

pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            route: route.clone(),
            method,
            status,
        })
        .inc();
    state
        .metrics
        .latency
        .get_or_create(&RouteLabels { route })
        .observe(started.elapsed().as_secs_f64());
    response
}

pub async fn handler(State(state): State<AppState>) -> Response {
    let mut out = String::new();
    let encoded = {
        let registry = state
            .metrics
            .registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        prometheus_client::encoding::text::encode(&mut out, &registry)
    };
    if encoded.is_err() {
        return crate::AppError::internal("metrics encoding").into_response();
    }
    // The gateway's figures come from the store (shared by every server on
    // the database), as gauges over the last 24 hours.
    let inner = state.clone();
    if let Ok(health) = state
        .blocking(move |runtime| crate::gateway::health(&inner, runtime))
        .await
    {
        let gauges = gateway_gauges(&health);
        match out.rfind("# EOF") {
            Some(at) => out.insert_str(at, &gauges),
            None => out.push_str(&gauges),
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// The gateway's health as OpenMetrics gauges per system.
fn gateway_gauges(health: &crate::view::GatewayHealth) -> String {
    use crate::view::SystemHealth;
    use std::fmt::Write as _;
    let mut out = String::new();
    let series = [
        (
            "gateway_calls_24h",
            (|system: &SystemHealth| system.calls) as fn(&SystemHealth) -> u64,
            "Gateway exchanges in the last 24 hours",
        ),
        (
            "gateway_errors_24h",
            (|system: &SystemHealth| system.errors) as fn(&SystemHealth) -> u64,
            "Gateway exchanges that failed in the last 24 hours",
        ),
        (
            "gateway_latency_mean_ms_24h",
            (|system: &SystemHealth| system.mean_ms) as fn(&SystemHealth) -> u64,
            "Mean gateway exchange time, ms",
        ),
        (
            "gateway_latency_max_ms_24h",
            (|system: &SystemHealth| system.max_ms) as fn(&SystemHealth) -> u64,
            "Longest gateway exchange time, ms",
        ),
        (
            "gateway_outbox_waiting",
            (|system: &SystemHealth| system.waiting) as fn(&SystemHealth) -> u64,
            "Requests waiting in the outbox",
        ),
        (
            "gateway_outbox_retrying",
            (|system: &SystemHealth| system.retrying) as fn(&SystemHealth) -> u64,
            "Outbox requests that failed at least once",
        ),
    ];
    for (name, field, help) in series {
        let _ = writeln!(out, "# HELP qyzmet_{name} {help}.");
        let _ = writeln!(out, "# TYPE qyzmet_{name} gauge");
        for system in &health.systems {
            let _ = writeln!(
                out,
                "qyzmet_{name}{{system=\"{}\"}} {}",
                system.system,
                field(system)
            );
        }
    }
    out
}
