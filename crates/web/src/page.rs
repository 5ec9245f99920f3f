//! The frame every server-rendered page shares: the embedded templates and
//! static files, the page's language and session (`Page`, `PageLang`,
//! `PageUser`), rendering a page or the error page, and the request's base
//! URL. A leaf of the web crate: the page modules and the error middleware
//! use it, it uses none of them.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Environment, Value as Jv, context};
use qyzmet_core::Lang;
use qyzmet_regulation::render;
use serde_json::json;

use crate::auth::{self, AccountKind, Session};
use crate::i18n::{self, LANG_COOKIE};
use crate::{AppError, AppResult, AppState};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("apply.html", include_str!("../templates/apply.html")),
    ("cabinet.html", include_str!("../templates/cabinet.html")),
    ("case.html", include_str!("../templates/case.html")),
    ("receipt.html", include_str!("../templates/receipt.html")),
    ("sign.html", include_str!("../templates/sign.html")),
    ("desk.html", include_str!("../templates/desk.html")),
    ("centre.html", include_str!("../templates/centre.html")),
    (
        "supervisor.html",
        include_str!("../templates/supervisor.html"),
    ),
    (
        "regulation.html",
        include_str!("../templates/regulation.html"),
    ),
    ("error.html", include_str!("../templates/error.html")),
    (
        "monitoring.html",
        include_str!("../templates/monitoring.html"),
    ),
    ("verify.html", include_str!("../templates/verify.html")),
    (
        "authoring.html",
        include_str!("../templates/authoring.html"),
    ),
];

const STYLE: &str = include_str!("../static/style.css");

const SCRIPT: &str = include_str!("../static/app.js");

const ICON: &str = include_str!("../static/icon.svg");

pub fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|error| panic!("template {name}: {error}"));
    }
    env.add_function(
        "t",
        |state: &minijinja::State, key: &str| -> Result<String, minijinja::Error> {
            let lang = state
                .lookup("lang")
                .and_then(|value| value.as_str().and_then(Lang::parse))
                .unwrap_or_default();
            i18n::text(lang, key).ok_or_else(|| {
                minijinja::Error::new(
                    minijinja::ErrorKind::UndefinedError,
                    format!("no message `{key}`"),
                )
            })
        },
    );
    env
}

/// `?lang=xx` is remembered in a cookie for the following pages.
pub(crate) async fn remember_lang(request: Request, next: Next) -> Response {
    let chosen = request.uri().query().and_then(|query| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == "lang")
            .and_then(|(_, value)| Lang::parse(value))
    });
    let mut response = next.run(request).await;
    if let Some(lang) = chosen
        && let Ok(value) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        ))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub(crate) async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

pub(crate) async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}

pub(crate) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// Everything a page's language and session tell the template.
pub(crate) struct Page {
    lang: Lang,
    session: Option<Session>,
    path: String,
}

impl Page {
    pub(crate) fn new(request_lang: Lang, session: Option<Session>, path: &str) -> Page {
        Page {
            lang: request_lang,
            session,
            path: path.to_owned(),
        }
    }

    pub(crate) fn base(&self) -> Jv {
        let user = self.session.as_ref().map(|session| {
            let account = &session.account;
            json!({
                "login": account.login,
                "name": account.name,
                "citizen": account.kind == AccountKind::Citizen,
                "staff": account.is_staff(),
                "operator": account.is_operator(),
                "supervisor": account.supervisor,
                "analyst": account.analyst,
                "monitoring": crate::auth::may_monitor(account),
            })
        });
        Jv::from_serialize(json!({
            "lang": self.lang.code(),
            "langs": Lang::ALL.iter().map(|lang| lang.code()).collect::<Vec<_>>(),
            "path": self.path,
            "user": user,
            "csrf": self.session.as_ref().map(|session| session.csrf.clone()).unwrap_or_default(),
        }))
    }
}

pub(crate) fn render_page(state: &AppState, page: &Page, name: &str, data: Jv) -> AppResult {
    let template = state
        .templates
        .get_template(name)
        .map_err(|error| AppError::internal(format!("template {name}: {error}")))?;
    let html = template
        .render(context! { ..page.base(), ..data })
        .map_err(|error| AppError::internal(format!("render {name}: {error:#}")))?;
    Ok(Html(html).into_response())
}

/// The error page (called by the error middleware).
pub fn render_error(
    state: &AppState,
    lang: Lang,
    error: &AppError,
    message: &str,
    reference: Option<&str>,
) -> String {
    let page = Page::new(lang, None, "/");
    let data = Jv::from_serialize(json!({
        "status": error.status.as_u16(),
        "code": error.code,
        "message": message,
        "detail": error.detail,
        "reference": reference,
    }));
    match state
        .templates
        .get_template("error.html")
        .and_then(|template| template.render(context! { ..page.base(), ..data }))
    {
        Ok(html) => html,
        Err(_) => format!(
            "<!DOCTYPE html><title>{}</title><p>{}</p>",
            error.status.as_u16(),
            render::escape_html(message)
        ),
    }
}

/// The page's language: `?lang=`, else the `qz_lang` cookie, else Kazakh.
pub(crate) struct PageLang(pub(crate) Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLang(i18n::lang_from(parts.uri.query(), &parts.headers)))
    }
}

/// The signed-in person; a page asked for without a session sends the
/// browser to the sign-in page.
pub(crate) struct PageUser(pub(crate) Session);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match auth::session_of(state, parts).await {
            Ok(Some(session)) => Ok(PageUser(session)),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(error) => Err(error.into_response()),
        }
    }
}

pub(crate) fn signed_in(session: Option<Session>) -> Result<Session, AppError> {
    session.ok_or_else(AppError::unauthenticated)
}

pub(crate) fn staff(session: Option<Session>) -> Result<Session, AppError> {
    let session = signed_in(session)?;
    if session.account.is_staff() {
        Ok(session)
    } else {
        Err(AppError::forbidden("for staff"))
    }
}

/// `http(s)://host` of the request, for the QR code's verification URL.
pub(crate) fn base_url(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            host.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}
