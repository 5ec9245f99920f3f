//! The SyncChannel client: one `SendMessage` per call over HTTP (ureq), the
//! payload signed with Qyzmet's key and the answer's signature verified,
//! and one typed adapter per interaction. [`Client`] is the runtime's
//! [`Gateway`]: it turns the engine's request payloads into the adapters'
//! requests and their responses into [`Answer`]s.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use qyzmet_core::{Answer, System};
use serde_json::{Value, json};

use crate::gateway::{
    Call, CallError, Exchange, FaultKind, Gateway, Reply, fresh_message_id, truncate_body,
};
use crate::keys::{DemoKeyExport, Keys};
use crate::messages::{self, Payload};
use crate::soap::{self, Message, RequestInfo, STATUS_OK, error_code, service};

/// Where the client's keys come from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// Ask the simulator at the client's URL (`GET /sim/demo-keys`): demo
    /// keys, for `serve --demo`, tests and the fault bench.
    Simulator,
    /// Given keys.
    Keys(Keys),
    /// PEM files (see [`Keys::from_files`]).
    Files {
        cert: PathBuf,
        key: PathBuf,
        roots: PathBuf,
        intermediates: Option<PathBuf>,
        crls: Vec<PathBuf>,
    },
}

#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The SyncChannel endpoint, e.g. `https://shep.example.kz/bip-sync-wss-gost/`.
    pub url: String,
    /// The sender registered with the gateway.
    pub sender_id: String,
    pub password: Option<String>,
    /// For one HTTP exchange, connect to last byte.
    pub timeout: Duration,
    pub keys: KeySource,
    /// The gateway's serviceId for an interaction, where it differs from
    /// the names of [`service`] (key: the name in [`service`]).
    pub service_ids: BTreeMap<String, String>,
}

impl ClientConfig {
    /// A client of the simulator at `url`, with its demo keys.
    pub fn for_simulator(url: &str) -> ClientConfig {
        ClientConfig {
            url: url.trim_end_matches('/').to_string(),
            sender_id: "qyzmet".into(),
            password: Some("qyzmet-demo".into()),
            timeout: Duration::from_secs(10),
            keys: KeySource::Simulator,
            service_ids: BTreeMap::new(),
        }
    }
}

/// The gateway client.
pub struct Client {
    config: ClientConfig,
    agent: ureq::Agent,
    keys: Keys,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.config.url)
            .field("sender_id", &self.config.sender_id)
            .finish()
    }
}

/// A typed answer with the exchange that carried it.
pub type Typed<T> = Result<(T, Exchange), CallError>;

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

impl Client {
    pub fn new(config: ClientConfig) -> anyhow::Result<Client> {
        use anyhow::Context as _;
        let keys = match &config.keys {
            KeySource::Keys(keys) => keys.clone(),
            KeySource::Files {
                cert,
                key,
                roots,
                intermediates,
                crls,
            } => Keys::from_files(
                cert,
                key,
                roots,
                intermediates.as_deref(),
                &crls.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
            )?,
            KeySource::Simulator => {
                let url = format!("{}/sim/demo-keys", config.url);
                let mut response = agent(Duration::from_secs(10))
                    .get(&url)
                    .call()
                    .with_context(|| format!("cannot reach the gateway simulator at {url}"))?;
                if response.status() != 200 {
                    anyhow::bail!(
                        "{url} answered {}: is this a Qyzmet gateway simulator?",
                        response.status()
                    );
                }
                let export: DemoKeyExport =
                    serde_json::from_str(&response.body_mut().read_to_string()?)
                        .with_context(|| format!("{url} did not give demo keys"))?;
                export.client_keys()?
            }
        };
        Ok(Client {
            agent: agent(config.timeout),
            config,
            keys,
        })
    }

    pub fn url(&self) -> &str {
        &self.config.url
    }

    fn service_id(&self, name: &str) -> String {
        self.config
            .service_ids
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// One `SendMessage`: `request` signed as the payload, the response's
    /// payload verified and read as `Resp`.
    pub fn send<Req: Payload, Resp: Payload>(
        &self,
        system: System,
        name: &str,
        message_id: &str,
        request: &Req,
    ) -> Typed<Resp> {
        let service_id = self.service_id(name);
        let sent_at = Timestamp::now();
        let started = Instant::now();
        let mut exchange = Exchange {
            system,
            service_id: service_id.clone(),
            message_id: message_id.to_string(),
            sent_at,
            duration_ms: 0,
            status: String::new(),
            request: None,
            response: None,
        };
        let fail = |mut exchange: Exchange, kind: FaultKind, detail: String| {
            exchange.status = kind.as_str();
            exchange.duration_ms = started.elapsed().as_millis() as u64;
            Err(CallError {
                kind,
                detail,
                exchange: Box::new(exchange),
            })
        };
        let payload = match messages::to_xml(request).and_then(|xml| self.keys.sign(&xml)) {
            Ok(payload) => payload,
            Err(error) => return fail(exchange, FaultKind::Malformed, error),
        };
        let info = RequestInfo {
            message_id: message_id.to_string(),
            correlation_id: None,
            service_id,
            message_date: sent_at,
            sender_id: self.config.sender_id.clone(),
            password: self.config.password.clone(),
            properties: Vec::new(),
        };
        let envelope = soap::request_envelope(&info, &payload);
        exchange.request = Some(truncate_body(&soap::mask_password(&envelope)));
        let result = self
            .agent
            .post(&self.config.url)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", "\"\"")
            .send(envelope.as_str());
        let mut response = match result {
            Ok(response) => response,
            Err(ureq::Error::Timeout(_)) => {
                return fail(exchange, FaultKind::Timeout, "no answer in time".into());
            }
            Err(error) => return fail(exchange, FaultKind::Connect, error.to_string()),
        };
        let status = response.status().as_u16();
        let body = match response.body_mut().read_to_string() {
            Ok(body) => body,
            Err(ureq::Error::Timeout(_)) => {
                return fail(exchange, FaultKind::Timeout, "the answer stopped".into());
            }
            Err(error) => return fail(exchange, FaultKind::Malformed, error.to_string()),
        };
        exchange.response = Some(truncate_body(&body));
        let parsed = soap::parse(&body);
        match parsed {
            Ok(Message::Fault(error)) => {
                let detail = error.message.clone();
                fail(exchange, FaultKind::Fault(error.code), detail)
            }
            _ if status != 200 => fail(exchange, FaultKind::Http(status), format!("HTTP {status}")),
            Err(error) => fail(exchange, FaultKind::Malformed, error),
            Ok(Message::Request { .. }) => fail(
                exchange,
                FaultKind::Malformed,
                "a request where a response was due".into(),
            ),
            Ok(Message::Response { info, payload }) => {
                if info.correlation_id.as_deref() != Some(message_id) {
                    return fail(
                        exchange,
                        FaultKind::Malformed,
                        format!(
                            "the response's correlationId {:?} is not the request's messageId",
                            info.correlation_id
                        ),
                    );
                }
                if info.status_code != STATUS_OK {
                    return fail(
                        exchange,
                        FaultKind::Fault(info.status_code),
                        info.status_message,
                    );
                }
                let Some(payload) = payload else {
                    return fail(exchange, FaultKind::Malformed, "no responseData".into());
                };
                if let Err(error) = self.keys.verify(&payload, Timestamp::now()) {
                    return fail(exchange, FaultKind::BadSignature, error);
                }
                match messages::from_xml::<Resp>(&payload) {
                    Ok(typed) => {
                        exchange.status = "ok".into();
                        exchange.duration_ms = started.elapsed().as_millis() as u64;
                        Ok((typed, exchange))
                    }
                    Err(error) => fail(exchange, FaultKind::Malformed, error),
                }
            }
        }
    }

    // ---------------------------------------------------------- adapters

    /// The person database: a person by IIN.
    pub fn person(&self, message_id: &str, iin: &str) -> Typed<messages::PersonResponse> {
        self.send(
            System::PersonDatabase,
            service::PERSON,
            message_id,
            &messages::PersonRequest { iin: iin.into() },
        )
    }

    /// The notary system: a power of attorney.
    pub fn power_of_attorney(
        &self,
        message_id: &str,
        request: &messages::PowerOfAttorneyRequest,
    ) -> Typed<messages::PowerOfAttorneyResponse> {
        self.send(
            System::Notary,
            service::POWER_OF_ATTORNEY,
            message_id,
            request,
        )
    }

    /// The labour market system: deliver a request.
    pub fn labour_request(
        &self,
        message_id: &str,
        request: &messages::LabourRequest,
    ) -> Typed<messages::LabourResponse> {
        self.send(
            System::LabourMarket,
            service::LABOUR_DELIVERY,
            message_id,
            request,
        )
    }

    /// The labour market system: a person's unemployment record.
    pub fn unemployment_record(
        &self,
        message_id: &str,
        iin: &str,
    ) -> Typed<messages::UnemploymentResponse> {
        self.send(
            System::UnemploymentRecord,
            service::UNEMPLOYMENT_RECORD,
            message_id,
            &messages::UnemploymentRequest { iin: iin.into() },
        )
    }

    /// The payment centre: a payment order (the centre keeps one order per
    /// messageId).
    pub fn payment_order(
        &self,
        message_id: &str,
        order: &messages::PaymentOrder,
    ) -> Typed<messages::PaymentOrderResponse> {
        self.send(System::Payment, service::PAYMENT_ORDER, message_id, order)
    }

    /// The payment centre: the order made by the message `order_message_id`.
    pub fn payment_status(&self, order_message_id: &str) -> Typed<messages::PaymentStatusResponse> {
        self.send(
            System::Payment,
            service::PAYMENT_STATUS,
            &fresh_message_id(),
            &messages::PaymentStatusRequest {
                order_message_id: order_message_id.into(),
            },
        )
    }

    /// The payment centre: recall (refund) an order.
    pub fn payment_recall(
        &self,
        order_id: &str,
        reason: &str,
    ) -> Typed<messages::PaymentRecallResponse> {
        self.send(
            System::Payment,
            service::PAYMENT_RECALL,
            &fresh_message_id(),
            &messages::PaymentRecall {
                order_id: order_id.into(),
                reason: reason.into(),
            },
        )
    }

    /// The payment centre: the statement of a day (`YYYY-MM-DD`).
    pub fn statement(&self, date: &str) -> Typed<messages::Statement> {
        self.send(
            System::Payment,
            service::PAYMENT_STATEMENT,
            &fresh_message_id(),
            &messages::StatementRequest { date: date.into() },
        )
    }

    /// The regional gateway: hand a package over for delivery.
    pub fn deliver(
        &self,
        message_id: &str,
        request: &messages::DeliveryRequest,
    ) -> Typed<messages::DeliveryResponse> {
        self.send(
            System::RegionalGateway,
            service::DELIVERY,
            message_id,
            request,
        )
    }

    /// The regional gateway: the delivery state of the message `message_id`.
    pub fn delivery_status(&self, message_id: &str) -> Typed<messages::DeliveryResponse> {
        self.send(
            System::RegionalGateway,
            service::DELIVERY_STATUS,
            &fresh_message_id(),
            &messages::DeliveryStatusRequest {
                message_id: message_id.into(),
            },
        )
    }
}

fn field<'a>(payload: &'a Value, name: &str) -> Option<&'a str> {
    payload.get(name).and_then(Value::as_str)
}

/// An engine payload the adapters cannot read: an error without exchange.
fn unreadable(call: &Call<'_>, detail: String) -> CallError {
    CallError {
        kind: FaultKind::Malformed,
        detail,
        exchange: Box::new(Exchange {
            system: call.system,
            service_id: String::new(),
            message_id: call.message_id.to_string(),
            sent_at: Timestamp::now(),
            duration_ms: 0,
            status: FaultKind::Malformed.as_str(),
            request: None,
            response: None,
        }),
    }
}

fn decode<T: serde::de::DeserializeOwned>(call: &Call<'_>) -> Result<T, CallError> {
    serde_json::from_value(call.payload.clone())
        .map_err(|error| unreadable(call, format!("the request payload: {error}")))
}

fn reply(answer: Answer, data: Value, exchange: Exchange) -> Result<Reply, CallError> {
    Ok(Reply {
        answer,
        data,
        exchange,
    })
}

fn to_data<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The day (`YYYY-MM-DD`) of an instant in Kazakhstan (UTC+5): the
/// systems' business day.
pub fn kazakhstan_day(at: Timestamp) -> String {
    at.to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(5)))
        .date()
        .to_string()
}

fn today() -> String {
    kazakhstan_day(Timestamp::now())
}

/// The notary's answer for this request.
pub fn power_answer(
    request: &messages::PowerOfAttorneyRequest,
    response: &messages::PowerOfAttorneyResponse,
    today: &str,
) -> Answer {
    let Some(power) = response.power.as_ref().filter(|_| response.found) else {
        return Answer::NotFound;
    };
    if power.principal_iin != request.principal_iin
        || power.representative_iin != request.representative_iin
    {
        return Answer::NotFound;
    }
    if power.revoked {
        Answer::Revoked
    } else if power.valid_until.as_str() < today {
        Answer::Expired
    } else {
        Answer::Valid
    }
}

impl Client {
    fn call_system(&self, call: &Call<'_>) -> Result<Reply, CallError> {
        let id = call.message_id;
        match call.system {
            System::PersonDatabase => {
                let iin =
                    field(call.payload, "iin").ok_or_else(|| unreadable(call, "no iin".into()))?;
                let (response, exchange) = self.person(id, iin)?;
                match response.person.filter(|_| response.found) {
                    Some(person) => reply(Answer::Found, to_data(&person), exchange),
                    None => reply(Answer::NotFound, Value::Null, exchange),
                }
            }
            System::Notary => {
                let request: messages::PowerOfAttorneyRequest = decode(call)?;
                let (response, exchange) = self.power_of_attorney(id, &request)?;
                let answer = power_answer(&request, &response, &today());
                reply(answer, to_data(&response.power), exchange)
            }
            System::LabourMarket => {
                let request: messages::LabourRequest = decode(call)?;
                let (response, exchange) = self.labour_request(id, &request)?;
                let answer = if response.accepted {
                    Answer::Delivered
                } else {
                    Answer::Refused
                };
                reply(answer, to_data(&response), exchange)
            }
            System::UnemploymentRecord => {
                let iin =
                    field(call.payload, "iin").ok_or_else(|| unreadable(call, "no iin".into()))?;
                let (response, exchange) = self.unemployment_record(id, iin)?;
                let answer = if response.registered {
                    Answer::Registered
                } else {
                    Answer::NotRegistered
                };
                reply(answer, to_data(&response.record), exchange)
            }
            System::Payment => self.pay(call),
            System::RegionalGateway => {
                let (response, exchange) = if call.attempt == 0 {
                    self.deliver(id, &decode(call)?)?
                } else {
                    match self.delivery_status(id) {
                        // The first attempt never arrived: send it now.
                        Err(CallError {
                            kind: FaultKind::Fault(code),
                            ..
                        }) if code == error_code::MESSAGE_NOT_FOUND => {
                            self.deliver(id, &decode(call)?)?
                        }
                        other => other?,
                    }
                };
                let data = json!({"state": response.state});
                match response.state.as_str() {
                    "DELIVERED" => reply(Answer::Delivered, data, exchange),
                    "NOT_DELIVERED" | "DELIVERY_STOPPED" => {
                        reply(Answer::NotDelivered, data, exchange)
                    }
                    _ => Err(CallError {
                        kind: FaultKind::Pending,
                        detail: response.state,
                        exchange: Box::new(exchange),
                    }),
                }
            }
        }
    }

    /// A payment order at most once: after a first attempt (which may have
    /// reached the centre before the answer was lost), the centre is asked
    /// for the order of this messageId before anything is sent again; and
    /// the centre itself keeps one order per messageId.
    fn pay(&self, call: &Call<'_>) -> Result<Reply, CallError> {
        let payload = call.payload;
        let order = messages::PaymentOrder {
            case_id: field(payload, "case_id")
                .ok_or_else(|| unreadable(call, "no case_id".into()))?
                .into(),
            iin: field(payload, "iin")
                .ok_or_else(|| unreadable(call, "no iin".into()))?
                .into(),
            amount_tiyn: payload
                .get("amount_tiyn")
                .and_then(Value::as_i64)
                .filter(|amount| *amount > 0)
                .ok_or_else(|| unreadable(call, "no amount_tiyn".into()))?,
            currency: "KZT".into(),
            account: field(payload, "account").map(str::to_string),
            control_account: payload
                .get("control_account")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        };
        let order_data = |order_id: Option<String>, status: &str| {
            json!({
                "order_id": order_id,
                "status": status,
                "amount_tiyn": order.amount_tiyn,
                "currency": order.currency,
                "account": order.account,
                "control_account": order.control_account,
            })
        };
        if call.attempt > 0 {
            let (known, exchange) = self.payment_status(call.message_id)?;
            if known.found {
                let status = known.status.unwrap_or_else(|| "accepted".into());
                return reply(
                    Answer::Accepted,
                    order_data(known.order_id, &status),
                    exchange,
                );
            }
        }
        let (response, exchange) = self.payment_order(call.message_id, &order)?;
        let answer = if response.accepted {
            Answer::Accepted
        } else {
            Answer::Refused
        };
        reply(
            answer,
            order_data(response.order_id, &response.status),
            exchange,
        )
    }
}

impl Gateway for Client {
    fn call(&self, call: &Call<'_>) -> Result<Reply, CallError> {
        match self.call_system(call) {
            // A business refusal is an answer, not an error to retry.
            Err(error) if error.is_refusal() => {
                let FaultKind::Fault(code) = &error.kind else {
                    unreachable!("a refusal is a fault")
                };
                let mut exchange = *error.exchange;
                exchange.status = format!("refused {code}");
                reply(
                    Answer::Refused,
                    json!({"code": code, "message": error.detail}),
                    exchange,
                )
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{PowerOfAttorney, PowerOfAttorneyRequest, PowerOfAttorneyResponse};

    #[test]
    fn powers_of_attorney_are_judged_by_parties_revocation_and_date() {
        let request = PowerOfAttorneyRequest {
            principal_iin: "1".into(),
            representative_iin: "2".into(),
            number: None,
        };
        let power = PowerOfAttorney {
            number: "N1".into(),
            date: "2026-01-10".into(),
            principal_iin: "1".into(),
            representative_iin: "2".into(),
            powers: "all".into(),
            valid_until: "2026-12-31".into(),
            revoked: false,
        };
        let answer = |power: Option<PowerOfAttorney>, today: &str| {
            let response = PowerOfAttorneyResponse {
                found: power.is_some(),
                power,
            };
            power_answer(&request, &response, today)
        };
        assert_eq!(answer(Some(power.clone()), "2026-12-31"), Answer::Valid);
        assert_eq!(answer(Some(power.clone()), "2027-01-01"), Answer::Expired);
        assert_eq!(
            answer(
                Some(PowerOfAttorney {
                    revoked: true,
                    ..power.clone()
                }),
                "2026-06-01"
            ),
            Answer::Revoked
        );
        assert_eq!(
            answer(
                Some(PowerOfAttorney {
                    representative_iin: "3".into(),
                    ..power
                }),
                "2026-06-01"
            ),
            Answer::NotFound
        );
        assert_eq!(answer(None, "2026-06-01"), Answer::NotFound);
    }
}
