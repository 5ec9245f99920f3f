//! Accounts, passwords, sessions, CSRF and the login rate limit.
//!
//! - Accounts live in the store's directory (collection `accounts`, key =
//!   login; a citizen's login is the IIN). Passwords are argon2id PHC
//!   strings.
//! - A session is a signed cookie (`qz_session`, HMAC-SHA256 with the key in
//!   the directory, shared by every server on the database) holding
//!   `login.expiry.nonce`; `HttpOnly`, `SameSite=Lax`, `Secure` behind TLS.
//!   Sign-out removes the cookie; a copied cookie stays valid until its
//!   expiry (8 hours) — see docs/web.md.
//! - CSRF: every state-changing form and API call carries a token derived
//!   from the session nonce (`csrf` form field or `X-CSRF-Token` header), and
//!   [`same_origin`] refuses cross-site `Origin`s outright.

use std::num::NonZeroU32;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::SignedCookieJar;
use axum_extra::extract::cookie::{Cookie, Key, SameSite};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use qyzmet_store::Store;
use sha2::Sha256;

use crate::{AppError, AppState};

pub const SESSION_COOKIE: &str = "qz_session";
pub const SESSION_SECONDS: i64 = 8 * 3600;
pub use crate::directory::ACCOUNTS;

/// Login attempts allowed per login name per minute (then 429).
pub const LOGIN_ATTEMPTS_PER_MINUTE: u32 = 10;

pub type LoginLimiter = governor::DefaultKeyedRateLimiter<String>;

pub fn login_limiter() -> LoginLimiter {
    let per_minute = NonZeroU32::new(LOGIN_ATTEMPTS_PER_MINUTE).expect("non-zero");
    governor::RateLimiter::keyed(governor::Quota::per_minute(per_minute))
}

pub use qyzmet_app::{Account, AccountKind};

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AppError::internal(format!("argon2: {error}")))
}

pub fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

pub fn load_account(store: &dyn Store, login: &str) -> Result<Option<Account>, AppError> {
    if login.is_empty() || login.len() > 64 {
        return Ok(None);
    }
    let Some(value) = store.doc(ACCOUNTS, login)? else {
        return Ok(None);
    };
    serde_json::from_value(value)
        .map(Some)
        .map_err(|error| AppError::internal(format!("account record: {error}")))
}

pub fn save_account(store: &dyn Store, account: &Account) -> Result<(), AppError> {
    let value = serde_json::to_value(account)
        .map_err(|error| AppError::internal(format!("account record: {error}")))?;
    store.put_doc(ACCOUNTS, &account.login, &value)?;
    Ok(())
}

/// The cookie-signing key: created once (64 random bytes) and shared
/// through the store's directory by every server on the same database.
pub fn session_key(store: &dyn Store) -> anyhow::Result<Key> {
    let mut fresh = [0u8; 64];
    getrandom::getrandom(&mut fresh).map_err(|error| anyhow::anyhow!("random: {error}"))?;
    let fresh = base64::engine::general_purpose::STANDARD.encode(fresh);
    let stored = store.insert_doc(
        crate::directory::SETTINGS,
        "session-key",
        &serde_json::json!(fresh),
    )?;
    let bytes = stored
        .as_str()
        .and_then(|text| base64::engine::general_purpose::STANDARD.decode(text).ok())
        .filter(|bytes| bytes.len() >= 64)
        .ok_or_else(|| anyhow::anyhow!("the stored session key is malformed"))?;
    Ok(Key::from(&bytes))
}

/// A signed-in person with the CSRF token of their session.
#[derive(Clone, Debug)]
pub struct Session {
    pub account: Account,
    pub csrf: String,
}

fn csrf_token(key: &Key, nonce: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.signing()).expect("any key length");
    mac.update(b"csrf:");
    mac.update(nonce.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// Issues the session cookie for `login`; returns it with the session's
/// CSRF token.
pub fn sign_in(state: &AppState, jar: SignedCookieJar, login: &str) -> (SignedCookieJar, String) {
    let mut nonce = [0u8; 16];
    // The nonce only keys the CSRF token (the cookie itself is signed); if
    // the OS has no randomness, the time still makes it unique.
    if getrandom::getrandom(&mut nonce).is_err() {
        nonce[..8].copy_from_slice(&state.now().as_nanosecond().to_le_bytes()[..8]);
    }
    let nonce = hex::encode(nonce);
    let expiry = state.now().as_second() + SESSION_SECONDS;
    let value = format!("{login}.{expiry}.{nonce}");
    let cookie = Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .secure(state.secure_cookies)
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(time_seconds(SESSION_SECONDS))
        .build();
    (jar.add(cookie), csrf_token(&state.key, &nonce))
}

fn time_seconds(seconds: i64) -> cookie::time::Duration {
    cookie::time::Duration::seconds(seconds)
}

pub fn sign_out(jar: SignedCookieJar) -> SignedCookieJar {
    jar.remove(Cookie::build(SESSION_COOKIE).path("/").build())
}

/// Reads the session from the request, if any (expired or unknown: none).
pub async fn session_of(state: &AppState, parts: &Parts) -> Result<Option<Session>, AppError> {
    let jar = SignedCookieJar::from_headers(&parts.headers, state.key.clone());
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    let value = cookie.value().to_owned();
    let mut fields = value.rsplitn(3, '.');
    let (Some(nonce), Some(expiry), Some(login)) = (fields.next(), fields.next(), fields.next())
    else {
        return Ok(None);
    };
    let Ok(expiry) = expiry.parse::<i64>() else {
        return Ok(None);
    };
    if expiry < state.now().as_second() {
        return Ok(None);
    }
    let csrf = csrf_token(&state.key, nonce);
    if let Some(account) = state.caches.account(login) {
        return Ok(Some(Session { account, csrf }));
    }
    let login = login.to_owned();
    let account = state
        .blocking(move |runtime| load_account(runtime.store.as_ref(), &login))
        .await?;
    if let Some(account) = &account {
        state.caches.put_account(account);
    }
    Ok(account.map(|account| Session { account, csrf }))
}

/// The signed-in person, or 401.
pub struct User(pub Session);

/// The signed-in person, if any.
pub struct MaybeUser(pub Option<Session>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(MaybeUser(session_of(state, parts).await?))
    }
}

impl FromRequestParts<AppState> for User {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match session_of(state, parts).await? {
            Some(session) => {
                if !matches!(parts.method, Method::GET | Method::HEAD)
                    && parts.uri.path().starts_with("/api/")
                {
                    let header = parts
                        .headers
                        .get("x-csrf-token")
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or_default();
                    check_csrf(&session, header)?;
                }
                Ok(User(session))
            }
            None => Err(AppError::unauthenticated()),
        }
    }
}

/// Compares a submitted CSRF token with the session's in constant time.
pub fn check_csrf(session: &Session, submitted: &str) -> Result<(), AppError> {
    let expected = session.csrf.as_bytes();
    let submitted = submitted.as_bytes();
    let same = expected.len() == submitted.len()
        && expected
            .iter()
            .zip(submitted)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(AppError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "missing or wrong CSRF token",
        ))
    }
}

/// Refuses state-changing requests whose `Origin` is another site (the
/// browser-enforced half of CSRF protection; the token is the other half).
pub async fn same_origin(State(_state): State<AppState>, request: Request, next: Next) -> Response {
    if !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) && let Some(origin) = request.headers().get(header::ORIGIN)
    {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let origin = origin.to_str().unwrap_or_default();
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(origin);
        if origin_host != host {
            return AppError::new(
                StatusCode::FORBIDDEN,
                "cross_origin",
                "cross-site request refused",
            )
            .into_response();
        }
    }
    next.run(request).await
}

/// Checks a login attempt against the rate limit, then the password.
pub async fn authenticate(
    state: &AppState,
    login: &str,
    password: &str,
) -> Result<Account, AppError> {
    let login = login.trim().to_owned();
    if state.limiter.check_key(&login).is_err() {
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("more than {LOGIN_ATTEMPTS_PER_MINUTE} attempts a minute"),
        ));
    }
    let password = password.to_owned();
    state
        .blocking(move |runtime| {
            let account = load_account(runtime.store.as_ref(), &login)?;
            // Verify against a dummy hash when the login is unknown, so that
            // timing does not tell which logins exist.
            let phc = account
                .as_ref()
                .map(|account| account.password.clone())
                .unwrap_or_else(|| DUMMY_HASH.to_owned());
            match (verify_password(&phc, &password), account) {
                (true, Some(account)) => Ok(account),
                _ => Err(AppError::new(
                    StatusCode::UNAUTHORIZED,
                    "bad_credentials",
                    "wrong login or password",
                )),
            }
        })
        .await
}

/// argon2id of a random password nobody knows (default parameters).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$J0bR3tkJq0A6iZ3A1r6OqLSfuYjvkH8cI3c7Z1cBkqU";

// ------------------------------------------------------------ certificate sign-in

/// The trusted certificate authorities and their CRLs: what signed portal
/// requests (`crate::signing`) and certificate sign-in are checked against.
pub struct Pki {
    pub verifier: qyzmet_pki::Verifier,
    pub crls: qyzmet_pki::CrlCache,
}

/// Signing in with an authentication certificate (NCA-style, `IIN` in the
/// subject's serial number): the server hands out a challenge, the person
/// signs it (CMS, attached) with the key of their authentication
/// certificate — in a browser through NCALayer's `sign` — and posts the
/// signature. The challenge is stateless: an expiry and a nonce under an
/// HMAC of the session key, valid for [`CHALLENGE_SECONDS`].
pub const CHALLENGE_SECONDS: i64 = 300;
const CHALLENGE_PREFIX: &str = "qyzmet-sign-in";

fn challenge_mac(key: &Key, expiry: i64, nonce: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.signing()).expect("any key length");
    mac.update(format!("challenge:{expiry}:{nonce}").as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// A new challenge text to sign.
pub fn challenge(state: &AppState) -> String {
    let mut nonce = [0u8; 16];
    if getrandom::getrandom(&mut nonce).is_err() {
        nonce[..8].copy_from_slice(&state.now().as_nanosecond().to_le_bytes()[..8]);
    }
    let nonce = hex::encode(nonce);
    let expiry = state.now().as_second() + CHALLENGE_SECONDS;
    let mac = challenge_mac(&state.key, expiry, &nonce);
    format!("{CHALLENGE_PREFIX}:{expiry}:{nonce}:{mac}")
}

fn check_challenge(state: &AppState, text: &str) -> Result<(), AppError> {
    let refused = |detail: &str| {
        AppError::new(
            StatusCode::UNAUTHORIZED,
            "challenge_refused",
            detail.to_owned(),
        )
    };
    let mut parts = text.split(':');
    let (Some(CHALLENGE_PREFIX), Some(expiry), Some(nonce), Some(mac), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(refused("the signed content is not a sign-in challenge"));
    };
    let expiry: i64 = expiry
        .parse()
        .map_err(|_| refused("the signed content is not a sign-in challenge"))?;
    let expected = challenge_mac(&state.key, expiry, nonce);
    if expected.len() != mac.len()
        || expected
            .bytes()
            .zip(mac.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            != 0
    {
        return Err(refused("the challenge was not issued by this service"));
    }
    if expiry < state.now().as_second() {
        return Err(refused("the challenge has expired; ask for a new one"));
    }
    Ok(())
}

/// Verifies a signed challenge; returns the citizen's account.
pub async fn authenticate_certificate(state: &AppState, cms: &[u8]) -> Result<Account, AppError> {
    let Some(pki) = state.pki.clone() else {
        return Err(AppError::new(
            StatusCode::NOT_IMPLEMENTED,
            "certificates_off",
            "this server has no trusted certificate authorities configured (serve --trust-root)",
        ));
    };
    let check = qyzmet_pki::Check::new(state.now(), qyzmet_pki::Purpose::Authentication);
    let verified = pki
        .verifier
        .verify_cms(cms, &check, &pki.crls)
        .map_err(|failure| {
            AppError::new(
                StatusCode::UNAUTHORIZED,
                "certificate_refused",
                format!("{}: {failure}", failure.code()),
            )
        })?;
    let text = String::from_utf8(verified.content.clone())
        .map_err(|_| AppError::new(StatusCode::UNAUTHORIZED, "challenge_refused", "not text"))?;
    check_challenge(state, &text)?;
    let iin = verified
        .signers
        .first()
        .and_then(|signer| signer.certificate.subject.iin)
        .ok_or_else(|| {
            AppError::new(
                StatusCode::UNAUTHORIZED,
                "certificate_refused",
                "the certificate names no IIN",
            )
        })?
        .to_string();
    let account = state
        .blocking(move |runtime| load_account(runtime.store.as_ref(), &iin))
        .await?
        .filter(|account| account.kind == AccountKind::Citizen)
        .ok_or_else(|| {
            AppError::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "no citizen account for the certificate's IIN",
            )
        })?;
    Ok(account)
}

/// Whether the person may open `/monitoring` (supervisors, the authorized
/// body's staff, providers' heads).
pub fn may_monitor(account: &Account) -> bool {
    account.supervisor || is_authorized_body(account) || own_provider(account).is_some()
}

/// The provider whose head this person is.
pub(crate) fn own_provider(account: &Account) -> Option<String> {
    account
        .grants
        .iter()
        .find(|grant| grant.role == "head" && !grant.unit.contains('/'))
        .map(|grant| grant.unit.clone())
}

/// Staff of a region's authorized body for quality control see every
/// provider.
pub(crate) fn is_authorized_body(account: &Account) -> bool {
    account
        .grants
        .iter()
        .any(|grant| grant.unit.ends_with("-quality"))
}
