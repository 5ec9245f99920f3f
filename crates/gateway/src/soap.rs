//! The SyncChannel v10 envelope: SOAP 1.1 `SendMessage` /
//! `SendMessageResponse` and the `SendMessageFault1_SendMessageFault`
//! ErrorInfo fault, as the WSDL/XSD of `tests/data/shep-v10` define them
//! (no `elementFormDefault`: every element below the global one is
//! unqualified).

use jiff::Timestamp;

use crate::xml::{child, child_text, elements, escape, required, text_of};

pub const SOAP_NAMESPACE: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const TYPES_NAMESPACE: &str = "http://bip.bee.kz/SyncChannel/v10/Types";

/// The status code of a processed message (`responseInfo/status/code`).
pub const STATUS_OK: &str = "SCSS001";

/// ErrorInfo codes that mean the system refused the request for business
/// reasons: the answer [`qyzmet_core::Answer::Refused`], not an error to
/// retry. Any other errorCode is technical.
pub const REFUSAL_CODES: &[&str] = &["ACCESS_DENIED", "INVALID_REQUEST", "NOT_ALLOWED"];

/// Technical ErrorInfo codes the simulator (and, by the same names, this
/// client's documentation) uses.
pub mod error_code {
    pub const SYSTEM_ERROR: &str = "SYSTEM_ERROR";
    pub const SIGNATURE_INVALID: &str = "SIGNATURE_INVALID";
    pub const INVALID_MESSAGE: &str = "INVALID_MESSAGE";
    pub const SERVICE_NOT_FOUND: &str = "SERVICE_NOT_FOUND";
    pub const MESSAGE_NOT_FOUND: &str = "MESSAGE_NOT_FOUND";
}

pub fn is_refusal_code(code: &str) -> bool {
    REFUSAL_CODES.contains(&code)
}

/// The serviceIds of the interactions (the gateway's register of
/// interactions names them; configure others with
/// [`crate::ClientConfig::service_ids`]).
pub mod service {
    /// Person database: a person by IIN.
    pub const PERSON: &str = "GBDFL_PERSON";
    /// Notary: a power of attorney.
    pub const POWER_OF_ATTORNEY: &str = "ENIS_POWER_OF_ATTORNEY";
    /// Labour market: delivery of a registration, referral or certificate request.
    pub const LABOUR_DELIVERY: &str = "ENBEK_REQUEST";
    /// Labour market: a person's unemployment record.
    pub const UNEMPLOYMENT_RECORD: &str = "ENBEK_UNEMPLOYED";
    /// Pension payment centre: a payment order.
    pub const PAYMENT_ORDER: &str = "GCVP_PAYMENT_ORDER";
    /// Pension payment centre: the order made by a message id.
    pub const PAYMENT_STATUS: &str = "GCVP_PAYMENT_STATUS";
    /// Pension payment centre: recall of an order.
    pub const PAYMENT_RECALL: &str = "GCVP_PAYMENT_RECALL";
    /// Pension payment centre: the day's statement.
    pub const PAYMENT_STATEMENT: &str = "GCVP_STATEMENT";
    /// Regional gateway: delivery of a signed package (asynchronous).
    pub const DELIVERY: &str = "RSHEP_DELIVERY";
    /// Regional gateway: the delivery state of a message.
    pub const DELIVERY_STATUS: &str = "RSHEP_DELIVERY_STATUS";

    pub const ALL: [&str; 10] = [
        PERSON,
        POWER_OF_ATTORNEY,
        LABOUR_DELIVERY,
        UNEMPLOYMENT_RECORD,
        PAYMENT_ORDER,
        PAYMENT_STATUS,
        PAYMENT_RECALL,
        PAYMENT_STATEMENT,
        DELIVERY,
        DELIVERY_STATUS,
    ];
}

/// `request/requestInfo` (`SyncMessageInfo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestInfo {
    pub message_id: String,
    pub correlation_id: Option<String>,
    pub service_id: String,
    pub message_date: Timestamp,
    pub sender_id: String,
    pub password: Option<String>,
    /// `properties` (key ≤ 30, value ≤ 500 characters).
    pub properties: Vec<(String, String)>,
}

/// `response/responseInfo` (`SyncMessageInfoResponse`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseInfo {
    pub message_id: String,
    pub correlation_id: Option<String>,
    pub response_date: Timestamp,
    pub status_code: String,
    pub status_message: String,
}

/// The fault's `ErrorInfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
    pub data: Option<String>,
    pub date: Timestamp,
}

/// An `xsd:dateTime` in UTC, to the millisecond.
pub fn date_time(at: Timestamp) -> String {
    let millis = at.as_millisecond();
    Timestamp::from_millisecond(millis)
        .unwrap_or(at)
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn parse_date_time(text: &str) -> Result<Timestamp, String> {
    text.trim()
        .parse::<Timestamp>()
        .map_err(|error| format!("dateTime {text:?}: {error}"))
}

fn tag(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&escape(text));
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn envelope(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap:Envelope xmlns:soap=\"{SOAP_NAMESPACE}\"><soap:Body>{body}</soap:Body></soap:Envelope>"
    )
}

/// A `SendMessage` request with `payload` (a signed XML document without
/// declaration) as `requestData/data`.
pub fn request_envelope(info: &RequestInfo, payload: &str) -> String {
    let mut body =
        format!("<ns2:SendMessage xmlns:ns2=\"{TYPES_NAMESPACE}\"><request><requestInfo>");
    tag(&mut body, "messageId", &info.message_id);
    if let Some(correlation_id) = &info.correlation_id {
        tag(&mut body, "correlationId", correlation_id);
    }
    tag(&mut body, "serviceId", &info.service_id);
    tag(&mut body, "messageDate", &date_time(info.message_date));
    body.push_str("<sender>");
    tag(&mut body, "senderId", &info.sender_id);
    if let Some(password) = &info.password {
        tag(&mut body, "password", password);
    }
    body.push_str("</sender>");
    for (key, value) in &info.properties {
        body.push_str("<properties>");
        tag(&mut body, "key", key);
        tag(&mut body, "value", value);
        body.push_str("</properties>");
    }
    body.push_str("</requestInfo><requestData><data>");
    body.push_str(payload);
    body.push_str("</data></requestData></request></ns2:SendMessage>");
    envelope(&body)
}

/// A `SendMessageResponse` with `payload` as `responseData/data` (none: an
/// empty `responseData`).
pub fn response_envelope(info: &ResponseInfo, payload: Option<&str>) -> String {
    let mut body = format!(
        "<ns2:SendMessageResponse xmlns:ns2=\"{TYPES_NAMESPACE}\"><response><responseInfo>"
    );
    tag(&mut body, "messageId", &info.message_id);
    if let Some(correlation_id) = &info.correlation_id {
        tag(&mut body, "correlationId", correlation_id);
    }
    tag(&mut body, "responseDate", &date_time(info.response_date));
    body.push_str("<status>");
    tag(&mut body, "code", &info.status_code);
    let message: String = info.status_message.chars().take(250).collect();
    tag(&mut body, "message", &message);
    body.push_str("</status></responseInfo>");
    match payload {
        Some(payload) => {
            body.push_str("<responseData><data>");
            body.push_str(payload);
            body.push_str("</data></responseData>");
        }
        None => body.push_str("<responseData/>"),
    }
    body.push_str("</response></ns2:SendMessageResponse>");
    envelope(&body)
}

/// A SOAP 1.1 fault whose `detail` holds the ErrorInfo. Refusals are
/// `soap:Client` faults, technical errors `soap:Server`.
pub fn fault_envelope(error: &ErrorInfo) -> String {
    let faultcode = if is_refusal_code(&error.code) {
        "soap:Client"
    } else {
        "soap:Server"
    };
    let mut body = String::from("<soap:Fault>");
    tag(&mut body, "faultcode", faultcode);
    tag(&mut body, "faultstring", &error.message);
    body.push_str(&format!(
        "<detail><ns2:SendMessageFault1_SendMessageFault xmlns:ns2=\"{TYPES_NAMESPACE}\">"
    ));
    tag(&mut body, "errorCode", &error.code);
    tag(&mut body, "errorMessage", &error.message);
    if let Some(data) = &error.data {
        tag(&mut body, "errorData", data);
    }
    tag(&mut body, "errorDate", &date_time(error.date));
    body.push_str("</ns2:SendMessageFault1_SendMessageFault></detail></soap:Fault>");
    envelope(&body)
}

/// A parsed envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Request {
        info: RequestInfo,
        /// The document element of `requestData/data`, byte for byte.
        payload: Option<String>,
    },
    Response {
        info: ResponseInfo,
        /// The document element of `responseData/data`, byte for byte.
        payload: Option<String>,
    },
    Fault(ErrorInfo),
}

/// The first element child of `data`, as the bytes of the input: the
/// payload carries its own namespace declarations and signature, so it is
/// verified as a document of its own.
fn payload_of(text: &str, container: Option<roxmltree::Node<'_, '_>>) -> Option<String> {
    let data = child(container?, "data")?;
    let element = elements(data).next()?;
    text.get(element.range()).map(str::to_string)
}

fn is_unqualified(node: roxmltree::Node<'_, '_>) -> bool {
    node.tag_name().namespace().is_none()
}

/// Parses a SyncChannel envelope (request, response or fault).
pub fn parse(text: &str) -> Result<Message, String> {
    let doc = roxmltree::Document::parse(text).map_err(|error| format!("not XML: {error}"))?;
    let envelope = doc.root_element();
    if envelope.tag_name().namespace() != Some(SOAP_NAMESPACE)
        || envelope.tag_name().name() != "Envelope"
    {
        return Err("not a SOAP 1.1 Envelope".into());
    }
    let body = elements(envelope)
        .find(|node| {
            node.tag_name().namespace() == Some(SOAP_NAMESPACE) && node.tag_name().name() == "Body"
        })
        .ok_or("no soap:Body")?;
    let content = elements(body).next().ok_or("an empty soap:Body")?;
    let name = content.tag_name();
    match (name.namespace(), name.name()) {
        (Some(SOAP_NAMESPACE), "Fault") => {
            let detail = child(content, "detail").ok_or("a fault without detail")?;
            let error = elements(detail)
                .find(|node| {
                    node.tag_name().namespace() == Some(TYPES_NAMESPACE)
                        && node.tag_name().name() == "SendMessageFault1_SendMessageFault"
                })
                .ok_or("a fault without ErrorInfo")?;
            Ok(Message::Fault(ErrorInfo {
                code: required(error, "errorCode")?,
                message: required(error, "errorMessage")?,
                data: child_text(error, "errorData"),
                date: parse_date_time(&required(error, "errorDate")?)?,
            }))
        }
        (Some(TYPES_NAMESPACE), "SendMessage") => {
            let request = child(content, "request")
                .filter(|node| is_unqualified(*node))
                .ok_or("SendMessage without request")?;
            let info = child(request, "requestInfo").ok_or("request without requestInfo")?;
            let sender = child(info, "sender").ok_or("requestInfo without sender")?;
            let properties = elements(info)
                .filter(|node| node.tag_name().name() == "properties")
                .map(|node| {
                    Ok((
                        child_text(node, "key").ok_or("a property without key")?,
                        child_text(node, "value").unwrap_or_default(),
                    ))
                })
                .collect::<Result<Vec<_>, &str>>()?;
            Ok(Message::Request {
                info: RequestInfo {
                    message_id: required(info, "messageId")?,
                    correlation_id: child_text(info, "correlationId"),
                    service_id: required(info, "serviceId")?,
                    message_date: parse_date_time(&required(info, "messageDate")?)?,
                    sender_id: required(sender, "senderId")?,
                    password: child_text(sender, "password"),
                    properties,
                },
                payload: payload_of(text, child(request, "requestData")),
            })
        }
        (Some(TYPES_NAMESPACE), "SendMessageResponse") => {
            let response = child(content, "response")
                .filter(|node| is_unqualified(*node))
                .ok_or("SendMessageResponse without response")?;
            let info = child(response, "responseInfo").ok_or("response without responseInfo")?;
            let status = child(info, "status").ok_or("responseInfo without status")?;
            Ok(Message::Response {
                info: ResponseInfo {
                    message_id: required(info, "messageId")?,
                    correlation_id: child_text(info, "correlationId"),
                    response_date: parse_date_time(&required(info, "responseDate")?)?,
                    status_code: required(status, "code")?,
                    status_message: child(status, "message").map(text_of).unwrap_or_default(),
                },
                payload: payload_of(text, child(response, "responseData")),
            })
        }
        (namespace, local) => Err(format!(
            "unexpected body element {{{}}}{local}",
            namespace.unwrap_or("")
        )),
    }
}

/// `text` with the content of every `<password>` element masked, for
/// exchanges kept on the case page.
pub fn mask_password(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<password>") {
        let open_end = start + "<password>".len();
        out.push_str(&rest[..open_end]);
        match rest[open_end..].find("</password>") {
            Some(close) => {
                out.push_str("***");
                rest = &rest[open_end + close..];
            }
            None => {
                rest = &rest[open_end..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> RequestInfo {
        RequestInfo {
            message_id: "m-1".into(),
            correlation_id: Some("K1/q7".into()),
            service_id: service::PERSON.into(),
            message_date: "2025-03-01T10:00:00.5Z".parse().unwrap(),
            sender_id: "qyzmet".into(),
            password: Some("s3cret".into()),
            properties: vec![("k".into(), "v".into())],
        }
    }

    #[test]
    fn request_round_trips_with_payload_bytes() {
        let payload = "<P xmlns=\"urn:x\"><a>1</a></P>";
        let text = request_envelope(&info(), payload);
        match parse(&text).unwrap() {
            Message::Request {
                info: parsed,
                payload: got,
            } => {
                assert_eq!(parsed, info());
                assert_eq!(got.as_deref(), Some(payload));
            }
            other => panic!("{other:?}"),
        }
        let masked = mask_password(&text);
        assert!(masked.contains("<password>***</password>"));
        assert!(!masked.contains("s3cret"));
    }

    #[test]
    fn fault_round_trips() {
        let error = ErrorInfo {
            code: "ACCESS_DENIED".into(),
            message: "no".into(),
            data: None,
            date: "2025-03-01T10:00:00Z".parse().unwrap(),
        };
        assert_eq!(
            parse(&fault_envelope(&error)).unwrap(),
            Message::Fault(error)
        );
        assert!(parse("<x/>").is_err());
        assert!(parse("<soap:Envelope xmlns:soap=\"").is_err());
    }
}
