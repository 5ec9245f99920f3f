//! Citizen notifications in the server (docs/notifications.md): the two
//! rounds the follow-up loop runs (derive notifications from the log,
//! deliver them by e-mail and SMS), the cabinet's list with read/unread,
//! and `GET /api/notifications`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::{Form, Json};
use qyzmet_runtime::notify::{ConfiguredSenders, DeliveryPolicy, NotifyConfig};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::{AccountKind, MaybeUser, Session, User, check_csrf};
use crate::view;
use crate::{AppError, AppResult, AppState};

/// Notifications read from the log per round, at most.
const DERIVE_PAGE: usize = 1_000;

/// How the server tells citizens: the senders built from the
/// configuration, and the demo's SMS simulator when it runs one.
pub struct NotifyLink {
    pub senders: ConfiguredSenders,
    pub base_url: Option<String>,
    pub policy: DeliveryPolicy,
    /// Kept alive while the server runs (`serve --demo` without `--sms-url`).
    pub sms_simulator: Option<qyzmet_notify::SmsSimulator>,
}

impl std::fmt::Debug for NotifyLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyLink")
            .field("email", &self.senders.email.is_some())
            .field("sms", &self.senders.sms.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds the senders; with `demo_sms`, an SMS simulator stands in for the
/// provider when none is configured.
pub fn connect(mut config: NotifyConfig, demo_sms: bool) -> anyhow::Result<NotifyLink> {
    let sms_simulator = if config.sms.is_none() && demo_sms {
        let simulator = qyzmet_notify::SmsSimulator::start(qyzmet_notify::Faults::default())?;
        config.sms = Some(qyzmet_notify::HttpSmsConfig {
            url: simulator.send_url(),
            token: None,
            timeout_ms: 10_000,
        });
        Some(simulator)
    } else {
        None
    };
    let senders = ConfiguredSenders::new(&config)
        .map_err(|error| anyhow::anyhow!("notifications: {error}"))?;
    Ok(NotifyLink {
        senders,
        base_url: config.base_url.clone(),
        policy: config.policy.clone(),
        sms_simulator,
    })
}

/// One round: notifications for what the log gained, then the deliveries
/// that are due. Returns (notifications created, deliveries sent).
pub async fn round(state: &AppState, worker: &str) -> Result<(usize, usize), AppError> {
    let link = state.notify.clone();
    let now = state.now();
    let worker = worker.to_owned();
    state
        .blocking(move |runtime| {
            let base = link.as_ref().and_then(|link| link.base_url.clone());
            let mut created = 0;
            for _ in 0..100 {
                let derived = runtime.derive_notifications(DERIVE_PAGE, base.as_deref())?;
                created += derived.created;
                if derived.events < DERIVE_PAGE {
                    break;
                }
            }
            let mut sent = 0;
            if let Some(link) = link.as_ref() {
                let delivered = qyzmet_runtime::notify::deliver_notifications(
                    runtime.store.as_ref(),
                    &link.senders.senders(),
                    now,
                    &worker,
                    &link.policy,
                )?;
                sent = delivered.sent;
            }
            Ok((created, sent))
        })
        .await
}

fn citizen(session: &Session) -> Result<&str, AppError> {
    if session.account.kind != AccountKind::Citizen {
        return Err(AppError::forbidden("notifications are the applicant's"));
    }
    Ok(&session.account.login)
}

/// The cabinet's notifications (`GET /api/notifications`).
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    /// Newest first.
    pub items: Vec<NotificationView>,
    /// How many are not read yet.
    pub unread: u64,
}

/// A notification about a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    pub case_id: String,
    /// What happened, e.g. `accepted`, `completed`, `refused`.
    pub kind: String,
    /// The message's subject and text, in the applicant's language.
    #[schema(value_type = Option<String>)]
    pub subject: Value,
    #[schema(value_type = Option<String>)]
    pub body: Value,
    /// The case page.
    pub link: String,
    /// Local time `YYYY-MM-DD HH:MM` (Astana).
    pub created_at: String,
    pub read: bool,
}

/// The cabinet's list: newest first, with the unread count.
pub fn list(
    runtime: &qyzmet_runtime::Runtime,
    login: &str,
    limit: usize,
) -> Result<NotificationList, AppError> {
    let page = runtime.store.notifications(login, limit)?;
    let items = page
        .items
        .iter()
        .map(|row| {
            let text = |key: &str| row.content.get(key).cloned().unwrap_or(Value::Null);
            NotificationView {
                id: row.id.clone(),
                case_id: row.case_id.clone(),
                kind: row.kind.clone(),
                subject: text("subject"),
                body: text("body"),
                link: format!("/cases/{}", row.case_id),
                created_at: view::local_time(
                    row.created_at,
                    &qyzmet_calendar::Schedule::standard(),
                ),
                read: row.read_at.is_some(),
            }
        })
        .collect();
    Ok(NotificationList {
        items,
        unread: page.unread,
    })
}

/// `GET /api/notifications`: the signed-in citizen's notifications.
#[utoipa::path(get, path = "/api/notifications",
    responses((status = 200, body = NotificationList, description = "Notifications, newest first, and the unread count"), (status = 401), (status = 403)))]
pub async fn api_list(State(state): State<AppState>, User(session): User) -> AppResult {
    let login = citizen(&session)?.to_owned();
    let list = state
        .blocking(move |runtime| list(runtime, &login, 100))
        .await?;
    Ok(Json(list).into_response())
}

/// `POST /api/notifications/{id}/read`.
#[utoipa::path(post, path = "/api/notifications/{id}/read",
    responses((status = 204, description = "Marked read"), (status = 404), (status = 401)))]
pub async fn api_read(
    State(state): State<AppState>,
    User(session): User,
    Path(id): Path<String>,
) -> AppResult {
    mark(&state, &session, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

async fn mark(state: &AppState, session: &Session, id: String) -> Result<(), AppError> {
    let login = citizen(session)?.to_owned();
    let now = state.now();
    let found = state
        .blocking(move |runtime| Ok(runtime.store.mark_notification_read(&login, &id, now)?))
        .await?;
    if !found {
        return Err(AppError::not_found(
            "unknown_notification",
            "no such notification",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct ReadForm {
    csrf: String,
}

/// The cabinet's "mark read" button.
pub async fn page_read(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(id): Path<String>,
    Form(form): Form<ReadForm>,
) -> AppResult {
    let session = session.ok_or_else(|| AppError::forbidden("sign in first"))?;
    check_csrf(&session, &form.csrf)?;
    mark(&state, &session, id).await?;
    Ok(Redirect::to("/cabinet#notifications").into_response())
}

/// The link in the messages: `/cabinet/cases/{id}` is the case page.
pub async fn cabinet_case(Path(case_id): Path<String>) -> AppResult {
    Ok(Redirect::to(&format!("/cases/{case_id}")).into_response())
}

pub type SharedNotify = Option<Arc<NotifyLink>>;
