//! The replies of the JSON API besides the case and work-list views: the
//! catalogue, the account, providers, case lists, the audit.

use jiff::Timestamp;
use qyzmet_app::AccountKind;
use qyzmet_storage::record::{CaseRow, CaseStatus, RegistryRow};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A regulation of the catalogue (`GET /api/regulations`).
#[derive(Debug, Serialize, ToSchema)]
pub struct RegulationSummary {
    /// Regulation id, e.g. `kyzylorda/2015-141/unemployed-registration`.
    pub id: String,
    /// Content hash of the edition (`sha256:…`).
    pub hash: String,
    /// Region slug of the act.
    pub region: String,
    /// Service id.
    pub service: String,
    /// The service's title in the requested language.
    pub title: String,
    /// Route keys: `channel` or `channel/variant`.
    pub channels: Vec<String>,
    /// The day the regulation stopped applying, when repealed.
    #[schema(value_type = Option<String>, format = Date)]
    pub repealed_on: Option<qyzmet_regulation::model::LegalDate>,
}

/// A regulation as JSON (`GET /api/regulations/{id}`, `format=json`): the
/// act, the service, its routes with their steps, the form, the documents
/// and the results, with texts in the requested language.
#[derive(Debug, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct RegulationDocument(pub Value);

/// The signed-in account (`GET /api/me`, signing in).
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    /// IIN for citizens, the staff login otherwise.
    pub login: String,
    pub kind: AccountKind,
    /// Display name.
    pub name: String,
    /// Roles held in organisation units (staff).
    pub grants: Vec<GrantView>,
    /// May see every provider's figures and verify the audit chain.
    pub supervisor: bool,
    /// May write regulations (authoring).
    pub analyst: bool,
    /// The session's CSRF token, for `X-CSRF-Token`.
    pub csrf: String,
}

/// A role held in an organisation unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantView {
    pub role: String,
    /// Unit id: a provider id, or `provider/department`.
    pub unit: String,
}

/// A challenge to sign in with a certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct Challenge {
    /// The text to sign (CMS, attached).
    pub challenge: String,
    pub expires_in_seconds: i64,
}

/// A service provider (`GET /api/providers`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderView {
    pub id: String,
    /// Region slug.
    pub region: String,
    /// The provider's name in the requested language.
    pub title: String,
    /// Ids of the regulations of its region.
    pub regulations: Vec<String>,
}

/// A case in a list (`GET /api/cases`): the stored projection.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    pub case_id: String,
    pub regulation_id: String,
    /// Content hash of the regulation edition the case runs under.
    pub regulation_hash: String,
    pub service_id: String,
    /// `channel` or `channel/variant`.
    pub route: String,
    pub provider_id: String,
    /// The applicant's IIN or BIN.
    pub applicant_id: String,
    /// Status key, e.g. `in_progress`, `completed`, `refused`.
    #[schema(value_type = String)]
    pub status: CaseStatus,
    /// Steps the case currently stands at.
    pub current_steps: Vec<String>,
    /// RFC 3339 instant (as every time here).
    #[schema(value_type = String)]
    pub submitted_at: Timestamp,
    /// The case's legal due instant, when the route has a term.
    #[schema(value_type = Option<String>)]
    pub due: Option<Timestamp>,
    #[schema(value_type = Option<String>)]
    pub closed_at: Option<Timestamp>,
    /// The result or refusal id the case ended with.
    pub result: Option<String>,
    /// Last applied event's sequence number.
    pub version: u64,
}

impl From<CaseRow> for CaseSummary {
    fn from(row: CaseRow) -> Self {
        CaseSummary {
            case_id: row.case_id,
            regulation_id: row.regulation_id,
            regulation_hash: row.regulation_hash,
            service_id: row.service_id,
            route: row.route,
            provider_id: row.provider_id,
            applicant_id: row.applicant_id,
            status: row.status,
            current_steps: row.current_steps,
            submitted_at: row.submitted_at,
            due: row.due,
            closed_at: row.closed_at,
            result: row.result,
            version: row.version,
        }
    }
}

/// A record of a state registry (`GET /api/registries/{registry}/{key}`),
/// kept as a projection of issued results.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistryRecord {
    /// `unemployed`, `targeted_social_assistance`, `semipalatinsk_victims`,
    /// `oralman`, `foreign_labour_permits`.
    pub registry: String,
    /// The person's IIN (or the employer's BIN).
    pub key: String,
    pub region: String,
    /// The record's fields as rules see them (`active`, `since`, `quarters`, …).
    #[schema(value_type = Object)]
    pub record: Value,
    /// The case that produced the record.
    pub case_id: String,
}

impl From<RegistryRow> for RegistryRecord {
    fn from(row: RegistryRow) -> Self {
        RegistryRecord {
            registry: row.registry,
            key: row.key,
            region: row.region,
            record: row.record,
            case_id: row.case_id,
        }
    }
}

/// The audit (`GET /api/audit`): both hash chains checked.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditReply {
    /// No problem found.
    pub clean: bool,
    /// `events_checked` and the `problems` found (each with the case, the
    /// event and what is wrong).
    #[schema(value_type = Object)]
    pub report: qyzmet_storage::AuditReport,
}

/// What the public check of a case's documents shows
/// (`GET /api/verify/{case_id}`): `case_id`, `service_title` and
/// `documents`, each with `kind` (`receipt` or `result`), `document_id`,
/// `heading`, `title`, `provider`, `issued_at`, `files` (per language:
/// `lang`, `sha256`, and `size` when rendered now) and `signature` (a
/// signed result's signature checked now: `valid`, `text`, `signer`,
/// `serial`; else null). No applicant data.
#[derive(Debug, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct Verification(pub Value);

/// Whether a file someone holds is one the case issued
/// (`POST /api/verify/{case_id}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct FileCheck {
    #[schema(value_type = String)]
    pub case_id: Value,
    /// SHA-256 (hex) of the file posted.
    pub sha256: String,
    /// The file is one the case issued, unaltered.
    pub matched: bool,
    /// Which document and language it is: `kind`, `heading`,
    /// `document_id`, `lang`, `signature`; null when not matched.
    #[schema(value_type = Option<Object>)]
    pub document: Option<Value>,
}
