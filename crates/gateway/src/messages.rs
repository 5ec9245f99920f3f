//! The business payloads carried in `requestData/data` and
//! `responseData/data`: one typed request and response per interaction, as
//! XML documents in Qyzmet's payload namespace ([`PAYLOAD_NAMESPACE`]),
//! each signed by its sender (enveloped XMLDSig, see [`crate::keys`]).
//!
//! The same structs are the JSON the engine records as an answer's data
//! (`serde_json::to_value`), so a case shows exactly what the system said.
//! The real systems' payload schemas are not public; these carry the fields
//! the regulations name (docs/gateway.md, "Payloads").

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The namespace of Qyzmet's gateway payload documents.
pub const PAYLOAD_NAMESPACE: &str = "http://qyzmet.kz/gateway/payload/v1";

/// A payload document: its root element's local name.
pub trait Payload: Serialize + DeserializeOwned {
    const ROOT: &'static str;
}

/// The payload as a document (no declaration) whose root declares
/// [`PAYLOAD_NAMESPACE`] as the default namespace.
pub fn to_xml<T: Payload>(payload: &T) -> Result<String, String> {
    let text = quick_xml::se::to_string_with_root(T::ROOT, payload)
        .map_err(|error| format!("{}: {error}", T::ROOT))?;
    let open = format!("<{}", T::ROOT);
    let Some(rest) = text.strip_prefix(&open) else {
        return Err(format!("{}: unexpected serialization", T::ROOT));
    };
    Ok(format!("{open} xmlns=\"{PAYLOAD_NAMESPACE}\"{rest}"))
}

/// Reads a payload document: the root must be `T::ROOT` in
/// [`PAYLOAD_NAMESPACE`]; a `ds:Signature` child is ignored (verify it
/// before).
pub fn from_xml<T: Payload>(text: &str) -> Result<T, String> {
    let doc = roxmltree::Document::parse(text).map_err(|error| format!("not XML: {error}"))?;
    let root = doc.root_element().tag_name();
    if root.namespace() != Some(PAYLOAD_NAMESPACE) || root.name() != T::ROOT {
        return Err(format!(
            "expected {{{PAYLOAD_NAMESPACE}}}{}, found {{{}}}{}",
            T::ROOT,
            root.namespace().unwrap_or(""),
            root.name()
        ));
    }
    quick_xml::de::from_str(text).map_err(|error| format!("{}: {error}", T::ROOT))
}

macro_rules! payload {
    ($($name:ident),* $(,)?) => {
        $(impl Payload for $name { const ROOT: &'static str = stringify!($name); })*
    };
}

payload!(
    PersonRequest,
    PersonResponse,
    PowerOfAttorneyRequest,
    PowerOfAttorneyResponse,
    LabourRequest,
    LabourResponse,
    UnemploymentRequest,
    UnemploymentResponse,
    PaymentOrder,
    PaymentOrderResponse,
    PaymentStatusRequest,
    PaymentStatusResponse,
    PaymentRecall,
    PaymentRecallResponse,
    StatementRequest,
    Statement,
    DeliveryRequest,
    DeliveryResponse,
    DeliveryStatusRequest,
);

// ------------------------------------------------------- person database

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRequest {
    pub iin: String,
}

/// The person database's answer: `person` when `found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonResponse {
    pub found: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
}

/// A record of the state database of individuals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub iin: String,
    pub surname: String,
    pub given_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

// ----------------------------------------------------------------- notary

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerOfAttorneyRequest {
    pub principal_iin: String,
    pub representative_iin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerOfAttorneyResponse {
    pub found: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power: Option<PowerOfAttorney>,
}

/// A notarised power of attorney of the unified notary system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerOfAttorney {
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

// ----------------------------------------------------------- labour market

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabourRequest {
    pub case_id: String,
    pub service_id: String,
    pub iin: String,
    /// `registration`, `referral`, `certificate` or `request`.
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabourResponse {
    pub accepted: bool,
    /// The labour market system's number of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnemploymentRequest {
    pub iin: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnemploymentResponse {
    pub registered: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<UnemploymentRecord>,
}

/// A person's record in the register of the unemployed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnemploymentRecord {
    pub iin: String,
    /// `YYYY-MM-DD`.
    pub registered_on: String,
    /// The employment centre that keeps the record.
    pub centre: String,
    /// `registered` or `removed`.
    pub status: String,
}

// ------------------------------------------------- pension payment centre

/// A payment order: at most one per case and amount (the centre
/// deduplicates by messageId; the client asks before it sends again).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOrder {
    pub case_id: String,
    pub iin: String,
    /// The amount in tiyn (1/100 tenge).
    pub amount_tiyn: i64,
    /// `KZT`.
    pub currency: String,
    /// The personal account (IBAN); none for a control account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Paid to the centre's control account (the person has no account).
    pub control_account: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOrderResponse {
    pub accepted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// `accepted`, `paid`, `recalled`; or the reason of a refusal.
    pub status: String,
}

/// The order made by a message id (the messageId of the order's message).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentStatusRequest {
    pub order_message_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentStatusResponse {
    pub found: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRecall {
    pub order_id: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRecallResponse {
    pub recalled: bool,
    pub status: String,
}

/// The day's statement (`YYYY-MM-DD`, the centre's day in UTC+5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementRequest {
    pub date: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub date: String,
    #[serde(default, rename = "entry")]
    pub entries: Vec<StatementLine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    pub order_id: String,
    pub message_id: String,
    pub case_id: String,
    pub amount_tiyn: i64,
    pub status: String,
}

// --------------------------------------------------------- regional gateway

/// A signed package for the provider, delivered asynchronously.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRequest {
    pub case_id: String,
    pub provider_id: String,
    pub service_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_sha256: Option<String>,
}

/// The delivery state (`MessageState` of the gateway's common types).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryResponse {
    /// `ON_DELIVERY`, `DELIVERED`, `NOT_DELIVERED`, `DELIVERY_STOPPED`.
    pub state: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryStatusRequest {
    pub message_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_in_their_namespace() {
        let response = PersonResponse {
            found: true,
            person: Some(Person {
                iin: "900315400126".into(),
                surname: "САРСЕНОВА".into(),
                given_name: "АЙГҮЛ".into(),
                patronymic: None,
                birth_date: "1990-03-15".into(),
                sex: "female".into(),
                region: "west-kazakhstan".into(),
                address: "Орал қ., Достық д-лы, 1 & 2".into(),
                status: "alive".into(),
            }),
        };
        let xml = to_xml(&response).unwrap();
        assert!(
            xml.starts_with(&format!(
                "<PersonResponse xmlns=\"{PAYLOAD_NAMESPACE}\"><found>true</found>"
            )),
            "{xml}"
        );
        assert!(!xml.contains("patronymic"), "{xml}");
        assert_eq!(from_xml::<PersonResponse>(&xml).unwrap(), response);
        // The wrong document, or the right name in another namespace.
        assert!(from_xml::<PowerOfAttorneyResponse>(&xml).is_err());
        assert!(
            from_xml::<PersonResponse>("<PersonResponse><found>true</found></PersonResponse>")
                .is_err()
        );
    }

    #[test]
    fn statements_carry_repeated_lines() {
        let line = |n: i64| StatementLine {
            order_id: format!("O{n}"),
            message_id: format!("m{n}"),
            case_id: format!("K{n}"),
            amount_tiyn: 100 * n,
            status: "accepted".into(),
        };
        let statement = Statement {
            date: "2026-12-04".into(),
            entries: vec![line(1), line(2)],
        };
        let xml = to_xml(&statement).unwrap();
        assert_eq!(xml.matches("<entry>").count(), 2, "{xml}");
        assert_eq!(from_xml::<Statement>(&xml).unwrap(), statement);
        let empty = Statement {
            date: "2026-12-04".into(),
            entries: vec![],
        };
        assert_eq!(
            from_xml::<Statement>(&to_xml(&empty).unwrap()).unwrap(),
            empty
        );
    }
}
