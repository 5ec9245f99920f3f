//! Server-rendered pages: portal, cabinet, service-centre desk, officer
//! desk, supervisor dashboard, regulation viewer. Templates are minijinja
//! files in `templates/`, embedded in the binary, auto-escaped; `t("key")`
//! looks a message up in the page's language and fails the render when the
//! key is missing. Forms post back with the session's CSRF token.

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;
use crate::page;

mod portal;
pub(crate) use portal::*;
mod case;
pub(crate) use case::*;
mod desks;
pub(crate) use desks::*;
mod verify;
pub(crate) use verify::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/static/style.css", get(page::style))
        .route("/static/app.js", get(page::script))
        .route("/favicon.ico", get(page::icon))
        .route("/static/icon.svg", get(page::icon))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/apply/{*id}", get(apply_page).post(apply))
        .route("/drafts/{draft}", get(crate::signing::sign_page))
        .route("/drafts/{draft}/sign", post(crate::signing::sign_submit))
        .route("/cabinet", get(cabinet))
        .route("/cases/{case_id}", get(case_page))
        .route("/cases/{case_id}/receipt", get(receipt))
        .route("/cases/{case_id}/receipt.pdf", get(receipt_pdf))
        .route("/cases/{case_id}/act", post(case_act))
        .route("/tasks/{task_id}/act", post(task_act))
        .route(
            "/tasks/{task_id}/result-to-sign",
            get(crate::result_signing::result_to_sign),
        )
        .route(
            "/tasks/{task_id}/sign-result",
            post(crate::result_signing::sign_result_form),
        )
        .route("/desk", get(desk))
        .route("/centre", get(centre))
        .route("/centre/ticket", post(ticket))
        .route("/supervisor", get(supervisor))
        .route("/supervisor.csv", get(supervisor_csv))
        .route("/regulations/{*id}", get(regulation_page))
        .route("/cases/{case_id}/result.pdf", get(result_pdf))
        .route("/verify/{case_id}", get(verify_page).post(verify_file))
        .layer(axum::middleware::from_fn(page::remember_lang))
}

// ------------------------------------------------------------ portal

// ------------------------------------------------------------ cases

// ------------------------------------------------------------ desks

// ------------------------------------------------------------ supervisor

// ------------------------------------------------------------ regulation viewer

// ------------------------------------------------------------ result documents

#[cfg(test)]
mod tests {
    use super::parse_tenge;

    #[test]
    fn tenge_as_people_write_them() {
        assert_eq!(parse_tenge("42500"), Some(4_250_000));
        assert_eq!(parse_tenge("42 500,50"), Some(4_250_050));
        assert_eq!(parse_tenge("42500.5"), Some(4_250_050));
        assert_eq!(parse_tenge("0,01"), Some(1));
        for bad in [
            "",
            "0",
            "-5",
            "1.234",
            "12a",
            ",50",
            "1e3",
            "99999999999999999999",
        ] {
            assert_eq!(parse_tenge(bad), None, "{bad}");
        }
    }
}
