//! The NCALayer JSON protocol: one text message in, one text message out.
//! No I/O and no clock here; `now` is the caller's.
//!
//! Shapes (see docs/signer.md for where they come from):
//! - `kz.gov.pki.knca.basics` / `sign` with named `args` → `{"status":true,"body":{"result":[…]}}`
//!   or `{"status":false,"code":"500","message":…}`;
//! - `kz.gov.pki.knca.commonUtils` with positional `args` → `{"code":"200","message":"","responseObject":…}`
//!   or `{"code":"500","message":…}`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde_json::{Value, json};

pub const MODULE_BASICS: &str = "kz.gov.pki.knca.basics";
pub const MODULE_COMMON_UTILS: &str = "kz.gov.pki.knca.commonUtils";
/// Reported in the greeting sent when a connection opens, as NCALayer does.
pub const NCALAYER_VERSION: &str = "1.4";
/// The keep-alive text some pages send; it gets no answer.
pub const HEARTBEAT: &str = "--heartbeat--";
pub const XML_NOT_SUPPORTED: &str =
    "XML signing (XMLDSig) is not supported by this stand-in: only CMS signatures are";

/// The key the stand-in signs with: a PKCS #12 key and its certificate.
pub struct SigningKey {
    pub cert: X509,
    pub key: PKey<Private>,
    /// Further certificates of the PKCS #12 file (the CA chain), not put into signatures.
    pub chain: Vec<X509>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("subject", &self.subject_cn())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the PKCS #12 file (wrong password or not PKCS #12): {0}")]
    Pkcs12(openssl::error::ErrorStack),
    #[error("the PKCS #12 file holds no {0}")]
    Missing(&'static str),
}

impl SigningKey {
    /// Opens a PKCS #12 (`.p12`) file's bytes with `password`.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<SigningKey, KeyError> {
        let parsed = openssl::pkcs12::Pkcs12::from_der(der)
            .and_then(|p| p.parse2(password))
            .map_err(KeyError::Pkcs12)?;
        let cert = parsed.cert.ok_or(KeyError::Missing("certificate"))?;
        let key = parsed.pkey.ok_or(KeyError::Missing("private key"))?;
        let chain = parsed
            .ca
            .map(|stack| stack.into_iter().collect())
            .unwrap_or_default();
        Ok(SigningKey { cert, key, chain })
    }

    fn subject_entry(&self, nid: Nid) -> Option<String> {
        let entry = self.cert.subject_name().entries_by_nid(nid).next()?;
        String::from_utf8(entry.data().as_slice().to_vec()).ok()
    }

    pub fn subject_cn(&self) -> Option<String> {
        self.subject_entry(Nid::COMMONNAME)
    }

    /// The IIN of `SERIALNUMBER=IIN…`, as written (not checked here).
    pub fn iin(&self) -> Option<String> {
        let serial = self.subject_entry(Nid::SERIALNUMBER)?;
        serial.strip_prefix("IIN").map(str::to_string)
    }

    /// The BIN of `OU=BIN…`.
    pub fn bin(&self) -> Option<String> {
        let entry = self
            .cert
            .subject_name()
            .entries_by_nid(Nid::ORGANIZATIONALUNITNAME)
            .filter_map(|e| String::from_utf8(e.data().as_slice().to_vec()).ok())
            .find(|s| s.starts_with("BIN"))?;
        entry.strip_prefix("BIN").map(str::to_string)
    }

    fn sign(&self, content: &[u8], detached: bool, now: Timestamp) -> Result<String, String> {
        qyzmet_pki::sign_cms(content, &self.cert, &self.key, detached, now)
            .map(|der| STANDARD.encode(der))
            .map_err(|e| format!("signing failed: {e}"))
    }
}

/// Answer for a message that is not a request of a known module (bad JSON,
/// unknown module): the `basics` error shape, which pages of both families
/// recognise as a failure (`status: false`, `code` other than "200").
pub fn error_basics(message: impl Into<String>) -> Value {
    json!({ "status": false, "code": "500", "message": message.into() })
}

fn error_common(message: impl Into<String>) -> Value {
    json!({ "code": "500", "message": message.into() })
}

/// The greeting sent when a connection opens.
pub fn greeting() -> Value {
    json!({ "result": { "version": NCALAYER_VERSION } })
}

/// Handles one text message. `None`: no answer (the heartbeat).
pub fn handle_text(text: &str, key: &SigningKey, now: Timestamp) -> Option<Value> {
    if text.trim() == HEARTBEAT {
        return None;
    }
    let request: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => return Some(error_basics(format!("malformed JSON: {e}"))),
    };
    let Some(object) = request.as_object() else {
        return Some(error_basics("the request must be a JSON object"));
    };
    let module = object.get("module").and_then(Value::as_str).unwrap_or("");
    let method = object.get("method").and_then(Value::as_str).unwrap_or("");
    let args = object.get("args").unwrap_or(&Value::Null);
    let answer = match module {
        MODULE_BASICS => basics(method, args, key, now),
        MODULE_COMMON_UTILS => common_utils(method, args, key, now),
        "" => error_basics("the request has no module"),
        other => error_basics(format!("unknown module {other:?}")),
    };
    Some(answer)
}

/// A JSON boolean, or the strings "true"/"false" some pages send.
fn flag(value: Option<&Value>, default: bool) -> Result<bool, String> {
    match value {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s == "true" => Ok(true),
        Some(Value::String(s)) if s == "false" => Ok(false),
        Some(other) => Err(format!("expected a boolean, found {other}")),
    }
}

fn decode_base64(data: &str) -> Result<Vec<u8>, String> {
    let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| format!("data is not valid base64: {e}"))
}

fn basics(method: &str, args: &Value, key: &SigningKey, now: Timestamp) -> Value {
    match method {
        "sign" => match basics_sign(args, key, now) {
            Ok(signatures) => json!({ "status": true, "body": { "result": signatures } }),
            Err(message) => error_basics(message),
        },
        other => error_basics(format!("unknown method {other:?} of {MODULE_BASICS}")),
    }
}

fn basics_sign(args: &Value, key: &SigningKey, now: Timestamp) -> Result<Vec<String>, String> {
    let args = args.as_object().ok_or("args must be an object")?;
    if let Some(storages) = args.get("allowedStorages").and_then(Value::as_array)
        && !storages.is_empty()
        && !storages.iter().any(|s| s.as_str() == Some("PKCS12"))
    {
        return Err("this stand-in has only a PKCS12 key".into());
    }
    match args.get("format").and_then(Value::as_str).unwrap_or("cms") {
        "cms" => {}
        "xml" => return Err(XML_NOT_SUPPORTED.into()),
        other => return Err(format!("unknown format {other:?}")),
    }
    let params = args.get("signingParams");
    let param = |name: &str| params.and_then(|p| p.get(name));
    let decode = flag(param("decode"), false).map_err(|e| format!("decode: {e}"))?;
    let encapsulate = flag(param("encapsulate"), true).map_err(|e| format!("encapsulate: {e}"))?;
    if flag(param("digested"), false).map_err(|e| format!("digested: {e}"))? {
        return Err("signing a digest (digested: true) is not supported by this stand-in".into());
    }
    if let Some(signer) = args.get("signerParams") {
        check_signer_params(signer, key)?;
    }
    let items: Vec<&str> = match args.get("data") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().ok_or("data items must be strings"))
            .collect::<Result<_, _>>()?,
        _ => return Err("data must be a string or a non-empty array of strings".into()),
    };
    items
        .into_iter()
        .map(|item| {
            let content = if decode {
                decode_base64(item)?
            } else {
                item.as_bytes().to_vec()
            };
            key.sign(&content, !encapsulate, now)
        })
        .collect()
}

/// NCALayer offers only keys matching `signerParams`; here there is one key,
/// so a filter it does not match is an error.
fn check_signer_params(params: &Value, key: &SigningKey) -> Result<(), String> {
    let wanted = |name: &str| {
        params
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    if let Some(iin) = wanted("iin")
        && key.iin().as_deref() != Some(iin)
    {
        return Err("no key with the requested IIN".into());
    }
    if let Some(bin) = wanted("bin")
        && key.bin().as_deref() != Some(bin)
    {
        return Err("no key with the requested BIN".into());
    }
    Ok(())
}

fn common_utils(method: &str, args: &Value, key: &SigningKey, now: Timestamp) -> Value {
    let result = match method {
        "createCMSSignatureFromBase64" => create_cms_from_base64(args, key, now),
        "signXml" | "signXmls" => Err(XML_NOT_SUPPORTED.to_string()),
        other => Err(format!("unknown method {other:?} of {MODULE_COMMON_UTILS}")),
    };
    match result {
        Ok(response) => json!({ "code": "200", "message": "", "responseObject": response }),
        Err(message) => error_common(message),
    }
}

/// `args: [storageName, keyType, base64Data, attached]`.
fn create_cms_from_base64(args: &Value, key: &SigningKey, now: Timestamp) -> Result<Value, String> {
    let args = args
        .as_array()
        .ok_or("args must be [storageName, keyType, base64Data, attached]")?;
    let storage = args.first().and_then(Value::as_str).unwrap_or("");
    if storage != "PKCS12" {
        return Err(format!(
            "unknown storage {storage:?}: this stand-in has only PKCS12"
        ));
    }
    match args.get(1).and_then(Value::as_str) {
        Some("SIGNATURE" | "SIGN") | None => {}
        Some(other) => {
            return Err(format!(
                "key type {other:?}: this stand-in holds a signing key"
            ));
        }
    }
    let data = args
        .get(2)
        .and_then(Value::as_str)
        .ok_or("the third argument must be the base64 data")?;
    let attached = flag(args.get(3), false).map_err(|e| format!("attached: {e}"))?;
    let content = decode_base64(data)?;
    key.sign(&content, !attached, now).map(Value::String)
}
