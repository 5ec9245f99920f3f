//! The views of a case's requests to state systems and of the messages
//! exchanged with them (`gateway.rs` builds them).

use qyzmet_core::{Answer, Text};
use serde::Serialize;
use utoipa::ToSchema;

/// A request of a case to a state system.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    pub request_id: String,
    /// The step that made it.
    pub step: String,
    /// System id, e.g. `gbd_fl`.
    #[schema(value_type = String)]
    pub system: qyzmet_core::System,
    pub system_title: String,
    /// `pending`, `answered`, `failed` or `cancelled`.
    #[schema(value_type = String)]
    pub status: qyzmet_engine::RequestStatus,
    pub status_text: String,
    /// The answer (one of the system's answers), once answered.
    #[schema(value_type = Option<String>)]
    pub answer: Option<Answer>,
    /// Who answered by hand, when the system failed.
    pub answered_by: Option<String>,
    /// RFC 3339 instants.
    pub requested_at: String,
    pub answered_at: Option<String>,
    /// Why the request failed.
    pub failure: Option<String>,
}

/// One message exchanged with a state system (an attempt of a request).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangeView {
    pub request_id: String,
    /// System id.
    pub system: String,
    pub system_title: Option<String>,
    /// 1 for the first try.
    pub attempt: u32,
    pub message_id: String,
    /// RFC 3339 instant.
    pub sent_at: String,
    pub duration_ms: u64,
    /// Neither answered nor refused by the system.
    pub failed: bool,
    /// `ok`, `on_delivery`, `refused…`, or the failure.
    pub status: String,
    pub answer: Option<String>,
    /// The message sent and the one received (XML), when kept.
    pub request: Option<String>,
    pub response: Option<String>,
}

// ------------------------------------------------------- the desk's lookups

/// "The data cannot be obtained" (process 4 of the service-centre routes).
pub fn unobtainable() -> Text {
    Text::new(
        "Деректерді алу мүмкін емес",
        "Данные невозможно получить",
        "The data cannot be obtained",
    )
}

/// The answer's words for people.
pub fn answer_text(answer: Answer) -> Text {
    match answer {
        Answer::Valid => Text::new(
            "Сенімхат жарамды",
            "Доверенность действительна",
            "The power of attorney is valid",
        ),
        Answer::Revoked => Text::new(
            "Сенімхат кері қайтарылған",
            "Доверенность отозвана",
            "The power of attorney was revoked",
        ),
        Answer::Expired => Text::new(
            "Сенімхаттың мерзімі өткен",
            "Срок доверенности истёк",
            "The power of attorney has expired",
        ),
        Answer::NotFound => Text::new(
            "Сенімхат табылмады",
            "Доверенность не найдена",
            "No such power of attorney",
        ),
        other => Text::new(other.as_str(), other.as_str(), other.as_str()),
    }
}

/// A request's status in words for people.
pub fn request_status_text(status: qyzmet_engine::RequestStatus) -> Text {
    use qyzmet_engine::RequestStatus;
    match status {
        RequestStatus::Pending => Text::new(
            "Жауап күтілуде",
            "Ожидается ответ",
            "Waiting for the answer",
        ),
        RequestStatus::Answered => Text::new("Жауап алынды", "Ответ получен", "Answered"),
        RequestStatus::Failed => Text::new(
            "Жүйеден жауап жоқ: қолмен тексеру",
            "Нет ответа системы: ручная проверка",
            "No answer: checked by hand",
        ),
        RequestStatus::Cancelled => Text::new("Тоқтатылды", "Отменён", "Cancelled"),
    }
}

/// `GET /api/persons/{iin}`: the person database's answer. Found: `found`
/// and `person`; not found: `found: false` and the `message` for people.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonReply {
    pub found: bool,
    /// The record, when found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonView>,
    /// "The data cannot be obtained", in the requested language, when not
    /// found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A record of the person database (as the gateway gives it).
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub iin: String,
    pub surname: String,
    pub given_name: String,
    /// Absent when the person has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `male` or `female`.
    pub sex: String,
    /// The region (oblast) of the registered address, e.g. `west-kazakhstan`.
    pub region: String,
    pub address: String,
    /// `alive` or `deceased`.
    pub status: String,
}

impl From<qyzmet_gateway::messages::Person> for PersonView {
    fn from(person: qyzmet_gateway::messages::Person) -> PersonView {
        // Every field, so that a new one of the gateway's is not dropped
        // silently.
        let qyzmet_gateway::messages::Person {
            iin,
            surname,
            given_name,
            patronymic,
            birth_date,
            sex,
            region,
            address,
            status,
        } = person;
        PersonView {
            iin,
            surname,
            given_name,
            patronymic,
            birth_date,
            sex,
            region,
            address,
            status,
        }
    }
}

/// `GET /api/powers-of-attorney`: the notary system's answer on a
/// representative.
#[derive(Debug, Serialize, ToSchema)]
pub struct PowerReply {
    /// `valid`, `revoked`, `expired`, `not_found`, …
    #[schema(value_type = String)]
    pub answer: Answer,
    /// The answer is `valid`.
    pub valid: bool,
    /// The answer for people, in the requested language.
    pub message: String,
    /// The power of attorney found, if any.
    pub power: Option<PowerView>,
}

/// A notarised power of attorney of the unified notary system.
#[derive(Debug, Serialize, ToSchema)]
pub struct PowerView {
    pub number: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub principal_iin: String,
    pub representative_iin: String,
    /// What the representative may do (free text of the deed).
    pub powers: String,
    /// Last day of validity, `YYYY-MM-DD`.
    pub valid_until: String,
    pub revoked: bool,
}

impl From<qyzmet_gateway::messages::PowerOfAttorney> for PowerView {
    fn from(power: qyzmet_gateway::messages::PowerOfAttorney) -> PowerView {
        let qyzmet_gateway::messages::PowerOfAttorney {
            number,
            date,
            principal_iin,
            representative_iin,
            powers,
            valid_until,
            revoked,
        } = power;
        PowerView {
            number,
            date,
            principal_iin,
            representative_iin,
            powers,
            valid_until,
            revoked,
        }
    }
}

/// The desk's lookup when the gateway cannot be reached (503):
/// `found: false`, the error, and "the data cannot be obtained" for people.
#[derive(Debug, Serialize, ToSchema)]
pub struct GatewayDown {
    pub found: bool,
    pub error: GatewayError,
    /// "The data cannot be obtained", in the requested language.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GatewayError {
    /// `gateway_unavailable`.
    pub code: String,
    /// The kind of failure, e.g. `connect`, `timeout`, or
    /// `no gateway configured`.
    pub detail: String,
}

// ----------------------------------------------------------------- health

/// `GET /api/gateway/health`: the gateway's health over the last 24 hours
/// (also the supervisor page's and `/metrics`' figures).
#[derive(Debug, Serialize, ToSchema)]
pub struct GatewayHealth {
    /// A gateway is configured.
    pub connected: bool,
    /// Its URL.
    pub url: Option<String>,
    /// It is the embedded simulator.
    pub simulator: bool,
    /// Every state system, in a fixed order.
    pub systems: Vec<SystemHealth>,
    /// The last daily payment reconciliation, if one ran.
    pub reconciliation: Option<ReconciliationView>,
}

/// One state system's calls over the last 24 hours and its outbox backlog.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemHealth {
    /// System id, e.g. `person_database`.
    pub system: String,
    /// Its name, `{"kk", "ru", "en"}`.
    #[schema(value_type = Object)]
    pub title: qyzmet_core::Text,
    pub calls: u64,
    /// Calls whose status is not `ok` (`on_delivery` counts as ok).
    pub errors: u64,
    /// `errors / calls` (0 without calls).
    pub error_rate: f64,
    pub mean_ms: u64,
    pub max_ms: u64,
    /// Requests waiting in the outbox.
    pub waiting: u64,
    /// Of those, requests that failed at least once.
    pub retrying: u64,
    /// RFC 3339 instant of the oldest waiting request.
    pub oldest: Option<String>,
}

/// A day's payment reconciliation: the report or the error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReconciliationView {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Payments recorded and in the statement, matched, and the differences.
    #[schema(value_type = Option<Object>)]
    pub report: Option<qyzmet_runtime::reconcile::Reconciliation>,
    pub error: Option<String>,
}
