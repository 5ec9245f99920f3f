//! The JSON API under `/api`: routing and extraction over the shared
//! operations (`crate::ops`, over `qyzmet-app`), one submodule per area.
//!
//! Authorization is decided by the application layer before the engine sees
//! a command (who may submit on which channel, who may see a case) and again
//! by the engine (the role and unit a task needs). The OpenAPI document is
//! generated from the `#[utoipa::path]` annotations of the submodules.

use axum::Json;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use utoipa::OpenApi;

use crate::AppState;
pub use crate::error::{ErrorBody, ErrorDetail};
pub use crate::i18n::LangParam;
use crate::ops::{StatRow, SubmitRequest};
use crate::view;

pub mod catalogue;
pub use catalogue::*;
pub mod session;
pub use session::*;
pub mod cases;
pub use cases::*;
pub mod work;
pub use work::*;
pub mod figures;
pub use figures::*;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Qyzmet API",
        description = "Public services run from their regulations: catalogue, applications, cases, work lists, supervision. Errors: {\"error\": {\"code\", \"message\", \"detail\"}}, and on a server failure a \"reference\" instead of the detail; the message is in the language of `?lang=` (kk default, ru, en). State-changing calls need the session's CSRF token in `X-CSRF-Token`.",
        license(name = "Apache-2.0")
    ),
    paths(
        list_regulations,
        get_regulation,
        sign_in,
        sign_out,
        sign_in_challenge,
        sign_in_certificate,
        me,
        list_providers,
        submit,
        crate::signing::post_draft,
        crate::signing::post_draft_submit,
        list_cases,
        get_case,
        put_attachment,
        work_list,
        claim,
        complete,
        crate::result_signing::api_result_to_sign,
        crate::result_signing::api_sign_result,
        assign,
        extend,
        withdraw,
        registry,
        audit,
        stats,
        crate::pages::api_verify,
        crate::pages::api_verify_file,
        crate::monitoring::api,
        crate::notifications::api_list,
        crate::notifications::api_read,
        crate::authoring::api_check,
        crate::authoring::api_preview,
        crate::authoring::api_save,
        crate::authoring::api_editions,
        crate::authoring::api_edition,
        crate::gateway::person,
        crate::gateway::power_of_attorney,
        crate::gateway::health_api
    ),
    components(schemas(
        SignIn,
        CertificateSignIn,
        SubmitRequest,
        crate::signing::DraftBody,
        crate::signing::SignatureBody,
        CompleteRequest,
        crate::result_signing::ResultToSign,
        crate::result_signing::SignResultRequest,
        AssignRequest,
        ReasonRequest,
        ErrorBody,
        ErrorDetail,
        crate::authoring::AuthoringText,
        crate::authoring::DiagnosticView,
        crate::authoring::EditionRecord,
        crate::authoring::CheckReply,
        crate::authoring::PreviewReply,
        crate::authoring::SaveErrors,
        view::RegulationSummary,
        view::RegulationDocument,
        view::AccountView,
        view::GrantView,
        view::Challenge,
        view::ProviderView,
        view::CaseSummary,
        view::CaseView,
        view::CaseDetail,
        view::SignatureView,
        view::TimelineEntry,
        view::CaseTask,
        view::OutcomeView,
        view::DocumentView,
        view::FormEntry,
        view::HistoryEntry,
        view::AttachmentView,
        view::TaskView,
        view::RegistryRecord,
        view::AuditReply,
        view::Verification,
        view::FileCheck,
        StatRow,
        crate::gateway::RequestView,
        crate::gateway::ExchangeView,
        view::PersonReply,
        view::PersonView,
        view::PowerReply,
        view::PowerView,
        view::GatewayDown,
        view::GatewayError,
        view::GatewayHealth,
        view::SystemHealth,
        view::ReconciliationView,
        crate::notifications::NotificationList,
        crate::notifications::NotificationView,
        crate::monitoring::MonitoringReport,
        qyzmet_app::AccountKind
    ))
)]
pub struct ApiDoc;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/regulations", get(list_regulations))
        .route("/api/regulations/{*id}", get(get_regulation))
        .route("/api/session", post(sign_in).delete(sign_out))
        .route("/api/session/challenge", post(sign_in_challenge))
        .route("/api/session/certificate", post(sign_in_certificate))
        .route("/api/me", get(me))
        .route("/api/providers", get(list_providers))
        .route("/api/cases", post(submit).get(list_cases))
        .route("/api/drafts", post(crate::signing::post_draft))
        .route(
            "/api/drafts/{draft}/submit",
            post(crate::signing::post_draft_submit),
        )
        .route("/api/cases/{case_id}", get(get_case))
        .route(
            "/api/cases/{case_id}/attachments/{document}",
            axum::routing::put(put_attachment),
        )
        .route("/api/cases/{case_id}/assign", post(assign))
        .route("/api/cases/{case_id}/extend", post(extend))
        .route("/api/cases/{case_id}/withdraw", post(withdraw))
        .route("/api/tasks", get(work_list))
        .route("/api/tasks/{task_id}/claim", post(claim))
        .route("/api/tasks/{task_id}/complete", post(complete))
        .route(
            "/api/tasks/{task_id}/result-to-sign",
            get(crate::result_signing::api_result_to_sign),
        )
        .route(
            "/api/tasks/{task_id}/sign-result",
            post(crate::result_signing::api_sign_result),
        )
        .route("/api/registries/{registry}/{key}", get(registry))
        .route("/api/audit", get(audit))
        .route("/api/stats", get(stats))
        .route("/api/monitoring", get(crate::monitoring::api))
        .route("/api/notifications", get(crate::notifications::api_list))
        .route(
            "/api/notifications/{id}/read",
            post(crate::notifications::api_read),
        )
        .route("/api/authoring/check", post(crate::authoring::api_check))
        .route(
            "/api/authoring/preview",
            post(crate::authoring::api_preview),
        )
        .route(
            "/api/authoring/editions",
            get(crate::authoring::api_editions).post(crate::authoring::api_save),
        )
        .route(
            "/api/authoring/editions/{hash}",
            get(crate::authoring::api_edition),
        )
        .route(
            "/api/verify/{case_id}",
            get(crate::pages::api_verify).post(crate::pages::api_verify_file),
        )
}

async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

// ------------------------------------------------------------ catalogue

// ------------------------------------------------------------ session

// ------------------------------------------------------------ submission

// ------------------------------------------------------------ cases

// ------------------------------------------------------------ work

// ------------------------------------------------------------ registries, audit, stats
