//! Signing in and out (password or certificate) and the signed-in account.

use crate::error::ErrorBody;

use crate::auth::{Account, User};
use crate::view;
use crate::{AppResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::SignedCookieJar;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct SignIn {
    /// IIN for citizens, the staff login otherwise.
    pub login: String,
    pub password: String,
}

#[utoipa::path(post, path = "/api/session", request_body = SignIn,
    responses((status = 200, body = view::AccountView, description = "Signed in; the session cookie is set and the CSRF token returned"), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    Json(body): Json<SignIn>,
) -> AppResult {
    let account = crate::auth::authenticate(&state, &body.login, &body.password).await?;
    let (jar, csrf) = crate::auth::sign_in(&state, jar, &account.login);
    Ok((jar, Json(account_json(&account, &csrf))).into_response())
}

#[utoipa::path(post, path = "/api/session/challenge", responses((status = 200, body = view::Challenge, description = "A challenge text to sign with the authentication certificate (CMS, attached), valid 5 minutes")))]
pub(crate) async fn sign_in_challenge(State(state): State<AppState>) -> Response {
    Json(view::Challenge {
        challenge: crate::auth::challenge(&state),
        expires_in_seconds: crate::auth::CHALLENGE_SECONDS,
    })
    .into_response()
}

#[derive(Deserialize, ToSchema)]
pub struct CertificateSignIn {
    /// The CMS SignedData over the challenge (attached), base64 or PEM.
    pub cms: String,
}

#[utoipa::path(post, path = "/api/session/certificate", request_body = CertificateSignIn,
    responses((status = 200, body = view::AccountView, description = "Signed in; the session cookie is set and the CSRF token returned"), (status = 401, body = ErrorBody, description = "certificate_refused with the reason (expired, revoked, wrong key usage, unknown issuer …), challenge_refused, or no account for the IIN"), (status = 501, body = ErrorBody)))]
pub(crate) async fn sign_in_certificate(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    Json(body): Json<CertificateSignIn>,
) -> AppResult {
    let account = crate::auth::authenticate_certificate(&state, body.cms.as_bytes()).await?;
    let (jar, csrf) = crate::auth::sign_in(&state, jar, &account.login);
    tracing::info!("signed in with a certificate");
    Ok((jar, Json(account_json(&account, &csrf))).into_response())
}

#[utoipa::path(delete, path = "/api/session", responses((status = 204, description = "Signed out")))]
pub(crate) async fn sign_out(jar: SignedCookieJar) -> Response {
    (crate::auth::sign_out(jar), StatusCode::NO_CONTENT).into_response()
}

pub fn account_json(account: &Account, csrf: &str) -> view::AccountView {
    view::AccountView {
        login: account.login.clone(),
        kind: account.kind,
        name: account.name.clone(),
        grants: account
            .grants
            .iter()
            .map(|grant| view::GrantView {
                role: grant.role.clone(),
                unit: grant.unit.clone(),
            })
            .collect(),
        supervisor: account.supervisor,
        analyst: account.analyst,
        csrf: csrf.to_owned(),
    }
}

#[utoipa::path(get, path = "/api/me", responses((status = 200, body = view::AccountView, description = "The signed-in account and its CSRF token"), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(User(session): User) -> Response {
    Json(account_json(&session.account, &session.csrf)).into_response()
}
