//! The NCALayer JSON protocol: one text message in, one text message out.
//! No I/O and no clock here; `now` is the caller's.
//!
//! The stand-in holds one or more keys and, like NCALayer, offers a request
//! only the keys that match it (`signerParams.iin`/`.bin`, and the key usage
//! the request needs); it signs with the first match.
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
use qyzmet_pki::{Canonicalization, CertificateInfo, Purpose};
use serde_json::{Value, json};

pub const MODULE_BASICS: &str = "kz.gov.pki.knca.basics";
pub const MODULE_COMMON_UTILS: &str = "kz.gov.pki.knca.commonUtils";
/// Reported in the greeting sent when a connection opens, as NCALayer does.
pub const NCALAYER_VERSION: &str = "1.4";
/// The keep-alive text some pages send; it gets no answer.
pub const HEARTBEAT: &str = "--heartbeat--";
/// `extKeyUsageOids` of `signerParams` that ask for an authentication key
/// (clientAuth) and a signing key (emailProtection), as NCALayer's pages
/// send them.
pub const EKU_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
pub const EKU_EMAIL_PROTECTION: &str = "1.3.6.1.5.5.7.3.4";

/// A key the stand-in signs with: a PKCS #12 key and its certificate.
pub struct SigningKey {
    pub cert: X509,
    pub key: PKey<Private>,
    /// Further certificates of the PKCS #12 file (the CA chain), not put into signatures.
    pub chain: Vec<X509>,
    /// The certificate's subject and key usage, read once.
    pub info: CertificateInfo,
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
    #[error("the PKCS #12 certificate cannot be read: {0}")]
    Certificate(String),
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
        let der = cert.to_der().map_err(KeyError::Pkcs12)?;
        let info = CertificateInfo::from_der(&der).map_err(KeyError::Certificate)?;
        Ok(SigningKey {
            cert,
            key,
            chain,
            info,
        })
    }

    /// Whether the certificate's key usage fits `purpose`: signing keys
    /// carry digitalSignature + nonRepudiation, authentication keys
    /// digitalSignature + keyEncipherment.
    pub fn fits(&self, purpose: Purpose) -> bool {
        self.info.fits(purpose)
    }

    /// "signing", "authentication", both or neither, for display.
    pub fn usage_label(&self) -> &'static str {
        match (
            self.fits(Purpose::Signing),
            self.fits(Purpose::Authentication),
        ) {
            (true, true) => "signing and authentication",
            (true, false) => "signing",
            (false, true) => "authentication",
            (false, false) => "neither signing nor authentication",
        }
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

    /// An enveloped XMLDSig signature of `xml`, as NCALayer's `signXml`
    /// makes it (inclusive C14N, SHA-256, the certificate in KeyInfo).
    fn sign_xml(&self, xml: &[u8]) -> Result<String, String> {
        qyzmet_pki::sign_xml(xml, &self.cert, &self.key, Canonicalization::Inclusive)
            .map_err(|e| format!("XML signing failed: {e}"))
            .and_then(|signed| {
                String::from_utf8(signed).map_err(|e| format!("XML signing failed: {e}"))
            })
    }
}

/// What a request asks of the key: NCALayer offers only the keys that match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRequest<'a> {
    pub purpose: Purpose,
    pub iin: Option<&'a str>,
    pub bin: Option<&'a str>,
}

impl KeyRequest<'_> {
    fn matches(&self, key: &SigningKey) -> bool {
        key.fits(self.purpose)
            && self.iin.is_none_or(|iin| key.iin().as_deref() == Some(iin))
            && self.bin.is_none_or(|bin| key.bin().as_deref() == Some(bin))
    }
}

/// The first key that matches `request`, or the error NCALayer's pages see
/// when the key list is empty.
pub fn select_key<'k>(
    keys: &'k [SigningKey],
    request: &KeyRequest<'_>,
) -> Result<&'k SigningKey, String> {
    keys.iter().find(|key| request.matches(key)).ok_or_else(|| {
        let purpose = match request.purpose {
            Purpose::Signing => "a signing key (digitalSignature + nonRepudiation)",
            Purpose::Authentication => "an authentication key (digitalSignature + keyEncipherment)",
        };
        let mut wanted = vec![purpose.to_string()];
        if request.iin.is_some() {
            wanted.push("the requested IIN".into());
        }
        if request.bin.is_some() {
            wanted.push("the requested BIN".into());
        }
        format!(
            "no key matches the request: none of the {} keys is {}",
            keys.len(),
            wanted.join(" with ")
        )
    })
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

/// Handles one text message with the stand-in's `keys`. `None`: no answer
/// (the heartbeat).
pub fn handle_text(text: &str, keys: &[SigningKey], now: Timestamp) -> Option<Value> {
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
        MODULE_BASICS => basics(method, args, keys, now),
        MODULE_COMMON_UTILS => common_utils(method, args, keys, now),
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

fn basics(method: &str, args: &Value, keys: &[SigningKey], now: Timestamp) -> Value {
    match method {
        "sign" => match basics_sign(args, keys, now) {
            Ok(signatures) => json!({ "status": true, "body": { "result": signatures } }),
            Err(message) => error_basics(message),
        },
        other => error_basics(format!("unknown method {other:?} of {MODULE_BASICS}")),
    }
}

/// The output format of `basics.sign`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Cms,
    Xml,
}

fn basics_sign(args: &Value, keys: &[SigningKey], now: Timestamp) -> Result<Vec<String>, String> {
    let args = args.as_object().ok_or("args must be an object")?;
    if let Some(storages) = args.get("allowedStorages").and_then(Value::as_array)
        && !storages.is_empty()
        && !storages.iter().any(|s| s.as_str() == Some("PKCS12"))
    {
        return Err("this stand-in has only PKCS12 keys".into());
    }
    let format = match args.get("format").and_then(Value::as_str).unwrap_or("cms") {
        "cms" => Format::Cms,
        "xml" => Format::Xml,
        other => return Err(format!("unknown format {other:?}")),
    };
    let params = args.get("signingParams");
    let param = |name: &str| params.and_then(|p| p.get(name));
    let decode = flag(param("decode"), false).map_err(|e| format!("decode: {e}"))?;
    let encapsulate = flag(param("encapsulate"), true).map_err(|e| format!("encapsulate: {e}"))?;
    if flag(param("digested"), false).map_err(|e| format!("digested: {e}"))? {
        return Err("signing a digest (digested: true) is not supported by this stand-in".into());
    }
    let signer_params = args.get("signerParams");
    let wanted = |name: &str| {
        signer_params
            .and_then(|params| params.get(name))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let request = KeyRequest {
        purpose: basics_purpose(signer_params)?,
        iin: wanted("iin"),
        bin: wanted("bin"),
    };
    let items: Vec<&str> = match args.get("data") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().ok_or("data items must be strings"))
            .collect::<Result<_, _>>()?,
        _ => return Err("data must be a string or a non-empty array of strings".into()),
    };
    let key = select_key(keys, &request)?;
    items
        .into_iter()
        .map(|item| {
            let content = if decode {
                decode_base64(item)?
            } else {
                item.as_bytes().to_vec()
            };
            match format {
                Format::Cms => key.sign(&content, !encapsulate, now),
                Format::Xml => key.sign_xml(&content),
            }
        })
        .collect()
}

/// The key usage `basics.sign` needs: a signing key, unless
/// `signerParams.extKeyUsageOids` asks for clientAuth only (pages signing a
/// sign-in challenge send NCALayer's `basicsSignerAuthAny`).
fn basics_purpose(signer_params: Option<&Value>) -> Result<Purpose, String> {
    let oids = match signer_params.and_then(|params| params.get("extKeyUsageOids")) {
        None | Some(Value::Null) => return Ok(Purpose::Signing),
        Some(Value::Array(oids)) => oids
            .iter()
            .map(|oid| oid.as_str().ok_or("extKeyUsageOids must be strings"))
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err("extKeyUsageOids must be an array".into()),
    };
    let authentication = oids.contains(&EKU_CLIENT_AUTH) && !oids.contains(&EKU_EMAIL_PROTECTION);
    Ok(if authentication {
        Purpose::Authentication
    } else {
        Purpose::Signing
    })
}

fn common_utils(method: &str, args: &Value, keys: &[SigningKey], now: Timestamp) -> Value {
    let result = match method {
        "createCMSSignatureFromBase64" => create_cms_from_base64(args, keys, now),
        "signXml" => sign_xml(args, keys, false),
        "signXmls" => sign_xml(args, keys, true),
        other => Err(format!("unknown method {other:?} of {MODULE_COMMON_UTILS}")),
    };
    match result {
        Ok(response) => json!({ "code": "200", "message": "", "responseObject": response }),
        Err(message) => error_common(message),
    }
}

/// The storage (first positional argument) and key type (second) of a
/// `commonUtils` request, as the key to sign with.
fn common_key<'k>(args: &[Value], keys: &'k [SigningKey]) -> Result<&'k SigningKey, String> {
    let storage = args.first().and_then(Value::as_str).unwrap_or("");
    if storage != "PKCS12" {
        return Err(format!(
            "unknown storage {storage:?}: this stand-in has only PKCS12"
        ));
    }
    let purpose = match args.get(1).and_then(Value::as_str) {
        Some("SIGNATURE" | "SIGN") | None => Purpose::Signing,
        Some("AUTHENTICATION" | "AUTH") => Purpose::Authentication,
        Some(other) => {
            return Err(format!(
                "unknown key type {other:?}: SIGNATURE or AUTHENTICATION"
            ));
        }
    };
    select_key(
        keys,
        &KeyRequest {
            purpose,
            iin: None,
            bin: None,
        },
    )
}

/// `args: [storageName, keyType, base64Data, attached]`.
fn create_cms_from_base64(
    args: &Value,
    keys: &[SigningKey],
    now: Timestamp,
) -> Result<Value, String> {
    let args = args
        .as_array()
        .ok_or("args must be [storageName, keyType, base64Data, attached]")?;
    let key = common_key(args, keys)?;
    let data = args
        .get(2)
        .and_then(Value::as_str)
        .ok_or("the third argument must be the base64 data")?;
    let attached = flag(args.get(3), false).map_err(|e| format!("attached: {e}"))?;
    let content = decode_base64(data)?;
    key.sign(&content, !attached, now).map(Value::String)
}

/// `signXml`: `args: [storageName, keyType, xml, tbsElementXPath,
/// signatureParentElementXPath]`; `signXmls` the same with an array of XML
/// documents. Only whole documents are signed: the XPaths must be empty.
fn sign_xml(args: &Value, keys: &[SigningKey], several: bool) -> Result<Value, String> {
    let args = args.as_array().ok_or(
        "args must be [storageName, keyType, xml, tbsElementXPath, signatureParentElementXPath]",
    )?;
    let key = common_key(args, keys)?;
    for (index, name) in [(3, "tbsElementXPath"), (4, "signatureParentElementXPath")] {
        match args.get(index) {
            None | Some(Value::Null) => {}
            Some(Value::String(path)) if path.is_empty() => {}
            Some(_) => {
                return Err(format!(
                    "{name}: this stand-in signs whole documents only (leave it empty)"
                ));
            }
        }
    }
    if several {
        let documents = args
            .get(2)
            .and_then(Value::as_array)
            .ok_or("the third argument must be an array of XML documents")?;
        documents
            .iter()
            .map(|document| {
                let xml = document.as_str().ok_or("XML documents must be strings")?;
                key.sign_xml(xml.as_bytes()).map(Value::String)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    } else {
        let xml = args
            .get(2)
            .and_then(Value::as_str)
            .ok_or("the third argument must be the XML document")?;
        key.sign_xml(xml.as_bytes()).map(Value::String)
    }
}
