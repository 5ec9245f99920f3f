//! The gateway simulator: one HTTP server that speaks SyncChannel v10 for
//! all the systems (person database, notary, labour market, payment
//! centre, regional gateway), with a dataset loadable from a file and
//! fault injection by rate and per request.
//!
//! - `POST /` (any path): `SendMessage`. The request's payload signature is
//!   verified with the demo trust; the answer's payload is signed with the
//!   simulator's key. A messageId seen before gets the first answer again
//!   (the real gateway's deduplication), so a retried payment order makes
//!   no second order.
//! - `GET /sim/demo-keys`: the demo client's keys and trust (a simulator
//!   only; see [`crate::keys::DemoKeyExport`]).
//! - `GET /sim/stats`: [`SimStats`] as JSON. `PUT /sim/faults`: replace the
//!   [`FaultConfig`] (JSON).
//!
//! Faults: `timeout` (the request is processed, the answer held back for
//! [`FaultConfig::hang`]: a late answer, its side effect done), `error`
//! (HTTP 503, no SOAP), `fault` (a SOAP fault `SYSTEM_ERROR`), `malformed`
//! (HTTP 200 with broken XML), `bad_signature` (the answer's payload
//! altered after signing). Chosen per attempt by a seeded hash of the
//! messageId and the attempt's number, or forced per request with the HTTP
//! header `X-Sim-Fault: <kind>` (also `refused`: a business refusal).

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use jiff::Timestamp;
use qyzmet_core::Iin;
use serde::{Deserialize, Serialize};

use crate::keys::{DemoKeyExport, DemoKeys, Keys};
use crate::messages::{self, Payload};
use crate::soap::{self, ErrorInfo, Message, ResponseInfo, STATUS_OK, error_code, service};

// ------------------------------------------------------------------ dataset

/// What the simulated systems know.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataset {
    #[serde(default)]
    pub persons: Vec<messages::Person>,
    #[serde(default)]
    pub powers_of_attorney: Vec<messages::PowerOfAttorney>,
    #[serde(default)]
    pub unemployed: Vec<messages::UnemploymentRecord>,
    /// Providers the regional gateway cannot deliver to (NOT_DELIVERED).
    #[serde(default)]
    pub unreachable_providers: Vec<String>,
    /// IINs whose payment orders the centre refuses (`INVALID_REQUEST`).
    #[serde(default)]
    pub payment_refused: Vec<String>,
}

const SURNAMES: [(&str, &str); 8] = [
    ("АХМЕТОВ", "АХМЕТОВА"),
    ("ЖАКСЫБЕКОВ", "ЖАКСЫБЕКОВА"),
    ("ИСМАГУЛОВ", "ИСМАГУЛОВА"),
    ("КАЛИЕВ", "КАЛИЕВА"),
    ("МУКАНОВ", "МУКАНОВА"),
    ("НУРПЕИСОВ", "НУРПЕИСОВА"),
    ("ОМАРОВ", "ОМАРОВА"),
    ("СЕЙТКАЛИЕВ", "СЕЙТКАЛИЕВА"),
];
const MEN: [&str; 6] = ["АСҚАР", "БАҚЫТ", "ДӘУРЕН", "ЕРЛАН", "НҰРЛАН", "САМАТ"];
const WOMEN: [&str; 6] = ["АЙГҮЛ", "ГҮЛНАР", "ДИНАРА", "ЖАНАР", "МАДИНА", "САУЛЕ"];
const REGIONS: [(&str, &str); 5] = [
    ("west-kazakhstan", "Орал қ., Достық даңғылы"),
    ("aktobe", "Ақтөбе қ., Әбілқайыр хан даңғылы"),
    ("karaganda", "Балқаш қ., Бірлік көшесі"),
    ("kostanay", "Қостанай қ., Әл-Фараби даңғылы"),
    ("kyzylorda", "Қызылорда қ., Әйтеке би көшесі"),
];

/// A small deterministic generator (SplitMix64).
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// An IIN with a valid check digit for a birth date and sex: `None` when
/// the serial has no check digit (about one in eleven).
fn iin_for(year: u16, month: u8, day: u8, male: bool, serial: u32) -> Option<String> {
    let century = match (year >= 2000, male) {
        (false, true) => 3,
        (false, false) => 4,
        (true, true) => 5,
        (true, false) => 6,
    };
    let prefix = format!(
        "{:02}{month:02}{day:02}{century}{:04}",
        year % 100,
        serial % 10_000
    );
    (0..10)
        .map(|digit| format!("{prefix}{digit}"))
        .find(|text| Iin::parse(text).is_ok())
}

impl Dataset {
    /// `persons` people across the five seed regions, deterministic for a
    /// seed: two thirds registered as unemployed, one in 25 deceased; one
    /// power of attorney per ten people (every third of them revoked or
    /// expired).
    pub fn generate(persons: usize, seed: u64) -> Dataset {
        let mut mix = Mix(seed ^ 0x51_7a_6d_65_74);
        let mut dataset = Dataset::default();
        let mut serial = 0u32;
        while dataset.persons.len() < persons {
            serial += 1;
            let male = mix.below(2) == 0;
            let year = 1960 + mix.below(45) as u16;
            let month = 1 + mix.below(12) as u8;
            let day = 1 + mix.below(28) as u8;
            let Some(iin) = iin_for(year, month, day, male, serial) else {
                continue;
            };
            let (surname_m, surname_f) = SURNAMES[mix.below(8) as usize];
            let (region, street) = REGIONS[dataset.persons.len() % REGIONS.len()];
            let index = dataset.persons.len();
            dataset.persons.push(messages::Person {
                iin: iin.clone(),
                surname: if male { surname_m } else { surname_f }.into(),
                given_name: if male { MEN } else { WOMEN }[mix.below(6) as usize].into(),
                patronymic: Some(
                    if male {
                        "СЕРІКҰЛЫ"
                    } else {
                        "СЕРІКҚЫЗЫ"
                    }
                    .into(),
                ),
                birth_date: format!("{year}-{month:02}-{day:02}"),
                sex: if male { "male" } else { "female" }.into(),
                region: region.into(),
                address: format!("{street}, {}", 1 + mix.below(120)),
                status: if index % 25 == 24 {
                    "deceased"
                } else {
                    "alive"
                }
                .into(),
            });
            if index % 3 != 2 {
                dataset.unemployed.push(messages::UnemploymentRecord {
                    iin,
                    registered_on: format!(
                        "2026-{:02}-{:02}",
                        1 + mix.below(10),
                        1 + mix.below(28)
                    ),
                    centre: format!("{region} employment centre"),
                    status: "registered".into(),
                });
            }
        }
        let count = dataset.persons.len();
        for k in 0..count / 10 {
            let principal = &dataset.persons[(k * 10) % count];
            let representative = &dataset.persons[(k * 10 + 5) % count];
            dataset.powers_of_attorney.push(messages::PowerOfAttorney {
                number: format!("N{:06}", 100 + k),
                date: "2026-01-15".into(),
                principal_iin: principal.iin.clone(),
                representative_iin: representative.iin.clone(),
                powers: "мемлекеттік қызметтерді алу / получение государственных услуг".into(),
                valid_until: if k % 3 == 2 {
                    "2026-06-30"
                } else {
                    "2029-12-31"
                }
                .into(),
                revoked: k % 3 == 1,
            });
        }
        dataset
    }

    /// The dataset of `serve --demo`: the demo PKI's four citizens (so the
    /// demo logins are found) and 60 generated people.
    pub fn demo() -> Dataset {
        let mut dataset = Dataset::generate(60, 2026);
        let demo = [
            (
                "САРСЕНОВА",
                "АЙГҮЛ",
                "ҚАНАТҚЫЗЫ",
                "90031540012",
                "1990-03-15",
                "female",
            ),
            (
                "ЖҰМАБАЕВ",
                "ЕРЛАН",
                "БОЛАТҰЛЫ",
                "85071230045",
                "1985-07-12",
                "male",
            ),
            (
                "ӘБІЛОВА",
                "ДИНАРА",
                "СЕРІКҚЫЗЫ",
                "92112040078",
                "1992-11-20",
                "female",
            ),
            (
                "НҰРЛАНОВ",
                "ДӘУЛЕТ",
                "АСҚАРҰЛЫ",
                "78020530091",
                "1978-02-05",
                "male",
            ),
        ];
        for (index, (surname, given, patronymic, prefix, birth, sex)) in
            demo.into_iter().enumerate()
        {
            let Some(iin) = (0..10)
                .map(|digit| format!("{prefix}{digit}"))
                .find(|text| Iin::parse(text).is_ok())
            else {
                continue;
            };
            dataset.persons.insert(
                index,
                messages::Person {
                    iin: iin.clone(),
                    surname: surname.into(),
                    given_name: given.into(),
                    patronymic: Some(patronymic.into()),
                    birth_date: birth.into(),
                    sex: sex.into(),
                    region: "west-kazakhstan".into(),
                    address: format!("Орал қ., Достық даңғылы, {}", 10 + index),
                    status: "alive".into(),
                },
            );
            dataset.unemployed.push(messages::UnemploymentRecord {
                iin,
                registered_on: "2026-10-01".into(),
                centre: "west-kazakhstan employment centre".into(),
                status: "registered".into(),
            });
        }
        dataset
    }

    /// A dataset from a JSON file (the shape of this struct; see
    /// docs/gateway.md).
    pub fn load(path: &Path) -> anyhow::Result<Dataset> {
        use anyhow::Context as _;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let dataset: Dataset = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a simulator dataset", path.display()))?;
        for person in &dataset.persons {
            Iin::parse(&person.iin).map_err(|error| {
                anyhow::anyhow!("{}: person {:?}: {error}", path.display(), person.iin)
            })?;
        }
        Ok(dataset)
    }

    /// IINs of living persons.
    pub fn person_iins(&self) -> Vec<String> {
        self.persons
            .iter()
            .filter(|person| person.status == "alive")
            .map(|person| person.iin.clone())
            .collect()
    }

    /// (principal, representative) of the powers of attorney that are
    /// neither revoked nor expired today.
    pub fn valid_powers_of_attorney(&self) -> Vec<(String, String)> {
        let today = crate::kazakhstan_day(Timestamp::now());
        self.powers_of_attorney
            .iter()
            .filter(|power| !power.revoked && power.valid_until >= today)
            .map(|power| {
                (
                    power.principal_iin.clone(),
                    power.representative_iin.clone(),
                )
            })
            .collect()
    }
}

// ------------------------------------------------------------------- faults

/// Injected faults: each attempt gets at most one, by these shares.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    pub timeout_rate: f64,
    pub error_rate: f64,
    pub fault_rate: f64,
    pub malformed_rate: f64,
    pub bad_signature_rate: f64,
    pub seed: u64,
    /// How long a `timeout` holds the answer back.
    #[serde(with = "millis")]
    pub hang: Duration,
    /// Added to every answer.
    #[serde(with = "millis")]
    pub latency: Duration,
    /// Status queries a delivery stays ON_DELIVERY for.
    pub delivery_polls: u32,
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(value.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            timeout_rate: 0.0,
            error_rate: 0.0,
            fault_rate: 0.0,
            malformed_rate: 0.0,
            bad_signature_rate: 0.0,
            seed: 1,
            hang: Duration::from_secs(30),
            latency: Duration::ZERO,
            delivery_polls: 1,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Timeout,
    Error,
    Soap,
    Malformed,
    BadSignature,
    Refused,
}

impl Fault {
    fn parse(name: &str) -> Option<Fault> {
        Some(match name.trim() {
            "timeout" => Fault::Timeout,
            "error" => Fault::Error,
            "fault" => Fault::Soap,
            "malformed" => Fault::Malformed,
            "bad_signature" => Fault::BadSignature,
            "refused" => Fault::Refused,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Fault::Timeout => "timeout",
            Fault::Error => "error",
            Fault::Soap => "fault",
            Fault::Malformed => "malformed",
            Fault::BadSignature => "bad_signature",
            Fault::Refused => "refused",
        }
    }
}

impl FaultConfig {
    /// The fault of the `attempt`-th message with this id (0-based).
    fn draw(&self, message_id: &str, attempt: u64) -> Option<Fault> {
        let mut mix = Mix(self.seed);
        for byte in message_id.bytes() {
            mix.0 ^= u64::from(byte);
            mix.next();
        }
        mix.0 ^= attempt;
        let roll = (mix.next() >> 11) as f64 / (1u64 << 53) as f64;
        let mut edge = 0.0;
        for (rate, fault) in [
            (self.timeout_rate, Fault::Timeout),
            (self.error_rate, Fault::Error),
            (self.fault_rate, Fault::Soap),
            (self.malformed_rate, Fault::Malformed),
            (self.bad_signature_rate, Fault::BadSignature),
        ] {
            edge += rate;
            if roll < edge {
                return Some(fault);
            }
        }
        None
    }
}

// -------------------------------------------------------------------- state

#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    pub dataset: Dataset,
    pub faults: FaultConfig,
    /// The sender's password the gateway expects (none: any).
    pub password: Option<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            dataset: Dataset::demo(),
            faults: FaultConfig::default(),
            password: None,
        }
    }
}

/// Orders the centre holds for one case and amount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOrderCount {
    pub case_id: String,
    pub amount_tiyn: i64,
    pub count: u64,
}

/// What the simulator has seen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SimStats {
    pub requests: u64,
    /// Requests per serviceId.
    pub services: BTreeMap<String, u64>,
    /// Faults injected, per kind.
    pub faults: BTreeMap<String, u64>,
    /// Answers given again for a messageId seen before.
    pub deduplicated: u64,
    pub payment_orders: Vec<PaymentOrderCount>,
}

#[derive(Clone, Debug)]
struct Order {
    order_id: String,
    message_id: String,
    case_id: String,
    amount_tiyn: i64,
    status: String,
    day: String,
}

struct Delivery {
    polls_left: u32,
    state: &'static str,
}

#[derive(Default)]
struct Ledger {
    stats: SimStats,
    /// messageId → (serviceId, the payload of the first answer).
    answers: HashMap<String, (String, String)>,
    /// Attempts per messageId (for the fault draw).
    attempts: HashMap<String, u64>,
    orders: Vec<Order>,
    deliveries: HashMap<String, Delivery>,
}

struct Sim {
    dataset: Dataset,
    password: Option<String>,
    faults: Mutex<FaultConfig>,
    keys: Keys,
    export: DemoKeyExport,
    ledger: Mutex<Ledger>,
}

/// A running simulator; stops when dropped.
pub struct SimHandle {
    url: String,
    sim: Arc<Sim>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle").field("url", &self.url).finish()
    }
}

impl SimHandle {
    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn stats(&self) -> SimStats {
        self.sim.stats()
    }

    pub fn set_faults(&self, faults: FaultConfig) {
        *self.sim.faults.lock().expect("faults") = faults;
    }

    pub fn dataset(&self) -> &Dataset {
        &self.sim.dataset
    }

    /// The demo client's keys (the same as `GET /sim/demo-keys`).
    pub fn client_keys(&self) -> anyhow::Result<Keys> {
        self.sim.export.client_keys()
    }

    /// Blocks until the server stops (it does not stop by itself: for the
    /// `gateway-sim` command).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the simulator on its own threads.
pub fn start(config: SimConfig) -> anyhow::Result<SimHandle> {
    use anyhow::Context as _;
    let keys = DemoKeys::generate(Timestamp::now())?;
    let listener = std::net::TcpListener::bind(config.listen)
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let sim = Arc::new(Sim {
        dataset: config.dataset,
        password: config.password,
        faults: Mutex::new(config.faults),
        keys: keys.simulator,
        export: keys.export,
        ledger: Mutex::new(Ledger::default()),
    });
    let app = Router::new()
        .route("/sim/demo-keys", get(demo_keys))
        .route("/sim/stats", get(stats))
        .route("/sim/faults", put(set_faults))
        .fallback(soap_endpoint)
        .with_state(sim.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("qyzmet-gateway-sim")
        .enable_all()
        .build()?;
    let thread = std::thread::Builder::new()
        .name("qyzmet-gateway-sim".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => listener,
                    Err(error) => {
                        eprintln!("qyzmet gateway-sim: {error}");
                        return;
                    }
                };
                tokio::select! {
                    result = axum::serve(listener, app) => {
                        if let Err(error) = result {
                            eprintln!("qyzmet gateway-sim: {error}");
                        }
                    }
                    _ = stopped => {}
                }
            });
            // Held-back answers are dropped, not awaited.
            runtime.shutdown_background();
        })?;
    Ok(SimHandle {
        url: format!("http://{addr}"),
        sim,
        stop: Some(stop),
        thread: Some(thread),
    })
}

async fn demo_keys(State(sim): State<Arc<Sim>>) -> Response {
    axum::Json(sim.export.clone()).into_response()
}

async fn stats(State(sim): State<Arc<Sim>>) -> Response {
    axum::Json(sim.stats()).into_response()
}

async fn set_faults(State(sim): State<Arc<Sim>>, body: axum::Json<FaultConfig>) -> StatusCode {
    *sim.faults.lock().expect("faults") = body.0;
    StatusCode::NO_CONTENT
}

fn xml_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

fn fault(code: &str, message: &str) -> (StatusCode, String) {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        soap::fault_envelope(&ErrorInfo {
            code: code.into(),
            message: message.into(),
            data: None,
            date: Timestamp::now(),
        }),
    )
}

async fn soap_endpoint(
    State(sim): State<Arc<Sim>>,
    method: axum::http::Method,
    headers: HeaderMap,
    body: String,
) -> Response {
    if method != axum::http::Method::POST {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            "SyncChannel v10: POST a SOAP 1.1 SendMessage",
        )
            .into_response();
    }
    let forced = headers
        .get("x-sim-fault")
        .and_then(|value| value.to_str().ok())
        .and_then(Fault::parse);
    let faults = sim.faults.lock().expect("faults").clone();
    let (status, text, fault, hang) = sim.handle(&body, forced, &faults);
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    match fault {
        Some(Fault::Timeout) => {
            tokio::time::sleep(hang).await;
            xml_response(status, text)
        }
        Some(Fault::Error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "503 Service Unavailable: the gateway is overloaded",
        )
            .into_response(),
        Some(Fault::Malformed) => xml_response(
            StatusCode::OK,
            text.chars().take(text.len() / 2).collect::<String>(),
        ),
        _ => xml_response(status, text),
    }
}

/// A reply in the making: the answer payload (unsigned) or a fault.
enum Outcome {
    Answer(String),
    Fault(&'static str, String),
}

fn answer<T: Payload>(payload: &T) -> Outcome {
    match messages::to_xml(payload) {
        Ok(xml) => Outcome::Answer(xml),
        Err(error) => Outcome::Fault(error_code::SYSTEM_ERROR, error),
    }
}

fn read<T: Payload>(payload: &str) -> Result<T, Outcome> {
    messages::from_xml(payload).map_err(|error| Outcome::Fault(error_code::INVALID_MESSAGE, error))
}

use crate::kazakhstan_day as day_of;

impl Sim {
    fn stats(&self) -> SimStats {
        let ledger = self.ledger.lock().expect("ledger");
        let mut stats = ledger.stats.clone();
        let mut counts: BTreeMap<(String, i64), u64> = BTreeMap::new();
        for order in &ledger.orders {
            *counts
                .entry((order.case_id.clone(), order.amount_tiyn))
                .or_default() += 1;
        }
        stats.payment_orders = counts
            .into_iter()
            .map(|((case_id, amount_tiyn), count)| PaymentOrderCount {
                case_id,
                amount_tiyn,
                count,
            })
            .collect();
        stats
    }

    /// One SOAP request: (HTTP status, body, the fault to act out, hang).
    fn handle(
        &self,
        body: &str,
        forced: Option<Fault>,
        faults: &FaultConfig,
    ) -> (StatusCode, String, Option<Fault>, Duration) {
        let mut ledger = self.ledger.lock().expect("ledger");
        ledger.stats.requests += 1;
        let (info, payload) = match soap::parse(body) {
            Ok(Message::Request { info, payload }) => (info, payload),
            Ok(_) => {
                let (status, text) = fault(error_code::INVALID_MESSAGE, "not a SendMessage");
                return (status, text, None, Duration::ZERO);
            }
            Err(error) => {
                let (status, text) = fault(error_code::INVALID_MESSAGE, &error);
                return (status, text, None, Duration::ZERO);
            }
        };
        *ledger
            .stats
            .services
            .entry(info.service_id.clone())
            .or_default() += 1;
        let attempt = {
            let count = ledger.attempts.entry(info.message_id.clone()).or_default();
            *count += 1;
            *count - 1
        };
        let injected = forced.or_else(|| faults.draw(&info.message_id, attempt));
        if let Some(kind) = injected {
            *ledger.stats.faults.entry(kind.as_str().into()).or_default() += 1;
        }
        // Faults that stop the request before the system sees it.
        match injected {
            Some(Fault::Error) => {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    String::new(),
                    injected,
                    Duration::ZERO,
                );
            }
            Some(Fault::Soap) => {
                let (status, text) = fault(error_code::SYSTEM_ERROR, "the system is unavailable");
                return (status, text, injected, Duration::ZERO);
            }
            Some(Fault::Refused) => {
                let (status, text) = fault("ACCESS_DENIED", "the sender may not use this service");
                return (status, text, injected, Duration::ZERO);
            }
            _ => {}
        }
        let outcome = self.process(&mut ledger, &info, payload.as_deref());
        let text = match outcome {
            Outcome::Fault(code, message) => {
                let (status, text) = fault(code, &message);
                return (status, text, injected, faults.hang);
            }
            Outcome::Answer(xml) => {
                let signed = match self.keys.sign(&xml) {
                    Ok(signed) => signed,
                    Err(error) => {
                        let (status, text) = fault(error_code::SYSTEM_ERROR, &error);
                        return (status, text, injected, Duration::ZERO);
                    }
                };
                let signed = if injected == Some(Fault::BadSignature) {
                    // Altered after signing: the digest no longer matches.
                    signed.replacen("</", " </", 1)
                } else {
                    signed
                };
                soap::response_envelope(
                    &ResponseInfo {
                        message_id: uuid::Uuid::new_v4().to_string(),
                        correlation_id: Some(info.message_id.clone()),
                        response_date: Timestamp::now(),
                        status_code: STATUS_OK.into(),
                        status_message: "Message has been processed successfully".into(),
                    },
                    Some(&signed),
                )
            }
        };
        (StatusCode::OK, text, injected, faults.hang)
    }

    /// The systems' logic; answers to a messageId seen before are given
    /// again without doing anything twice.
    fn process(
        &self,
        ledger: &mut Ledger,
        info: &soap::RequestInfo,
        payload: Option<&str>,
    ) -> Outcome {
        if let Some(password) = &self.password
            && info.password.as_deref() != Some(password)
        {
            return Outcome::Fault(
                "ACCESS_DENIED",
                format!("sender {}: wrong password", info.sender_id),
            );
        }
        let Some(payload) = payload else {
            return Outcome::Fault(error_code::INVALID_MESSAGE, "no requestData/data".into());
        };
        if let Err(error) = self.keys.verify(payload, Timestamp::now()) {
            return Outcome::Fault(error_code::SIGNATURE_INVALID, error);
        }
        if let Some((service_id, xml)) = ledger.answers.get(&info.message_id) {
            if *service_id == info.service_id {
                ledger.stats.deduplicated += 1;
                return Outcome::Answer(xml.clone());
            }
            return Outcome::Fault(
                error_code::INVALID_MESSAGE,
                format!("messageId {} was used for {service_id}", info.message_id),
            );
        }
        let outcome = match self.system(ledger, info, payload) {
            Ok(outcome) | Err(outcome) => outcome,
        };
        // Queries are answered afresh each time; what changes the state
        // of a system is kept by messageId.
        let keeps = matches!(
            info.service_id.as_str(),
            service::PAYMENT_ORDER
                | service::PAYMENT_RECALL
                | service::LABOUR_DELIVERY
                | service::DELIVERY
        );
        if let (true, Outcome::Answer(xml)) = (keeps, &outcome) {
            ledger.answers.insert(
                info.message_id.clone(),
                (info.service_id.clone(), xml.clone()),
            );
        }
        outcome
    }

    fn system(
        &self,
        ledger: &mut Ledger,
        info: &soap::RequestInfo,
        payload: &str,
    ) -> Result<Outcome, Outcome> {
        let data = &self.dataset;
        Ok(match info.service_id.as_str() {
            service::PERSON => {
                let request: messages::PersonRequest = read(payload)?;
                let person = data.persons.iter().find(|p| p.iin == request.iin).cloned();
                answer(&messages::PersonResponse {
                    found: person.is_some(),
                    person,
                })
            }
            service::POWER_OF_ATTORNEY => {
                let request: messages::PowerOfAttorneyRequest = read(payload)?;
                let power = data
                    .powers_of_attorney
                    .iter()
                    .filter(|p| {
                        p.principal_iin == request.principal_iin
                            && p.representative_iin == request.representative_iin
                    })
                    .find(|p| request.number.as_ref().is_none_or(|n| *n == p.number))
                    .cloned();
                answer(&messages::PowerOfAttorneyResponse {
                    found: power.is_some(),
                    power,
                })
            }
            service::LABOUR_DELIVERY => {
                let request: messages::LabourRequest = read(payload)?;
                let known = data.persons.iter().any(|p| p.iin == request.iin);
                answer(&messages::LabourResponse {
                    accepted: known,
                    registration_number: known.then(|| format!("EN-{}", &info.message_id[..8])),
                })
            }
            service::UNEMPLOYMENT_RECORD => {
                let request: messages::UnemploymentRequest = read(payload)?;
                let record = data
                    .unemployed
                    .iter()
                    .find(|r| r.iin == request.iin && r.status == "registered")
                    .cloned();
                answer(&messages::UnemploymentResponse {
                    registered: record.is_some(),
                    record,
                })
            }
            service::PAYMENT_ORDER => {
                let order: messages::PaymentOrder = read(payload)?;
                if order.currency != "KZT" || order.amount_tiyn <= 0 {
                    return Err(Outcome::Fault(
                        "INVALID_REQUEST",
                        "amount or currency".into(),
                    ));
                }
                if order.account.is_none() && !order.control_account {
                    return Err(Outcome::Fault(
                        "INVALID_REQUEST",
                        "neither an account nor the control account".into(),
                    ));
                }
                if data.payment_refused.contains(&order.iin) {
                    return Err(Outcome::Fault(
                        "INVALID_REQUEST",
                        "the recipient is blocked".into(),
                    ));
                }
                let order_id = format!("ZTMO-{:06}", ledger.orders.len() + 1);
                ledger.orders.push(Order {
                    order_id: order_id.clone(),
                    message_id: info.message_id.clone(),
                    case_id: order.case_id,
                    amount_tiyn: order.amount_tiyn,
                    status: "accepted".into(),
                    day: day_of(Timestamp::now()),
                });
                answer(&messages::PaymentOrderResponse {
                    accepted: true,
                    order_id: Some(order_id),
                    status: if order.control_account {
                        "accepted_control_account"
                    } else {
                        "accepted"
                    }
                    .into(),
                })
            }
            service::PAYMENT_STATUS => {
                let request: messages::PaymentStatusRequest = read(payload)?;
                let order = ledger
                    .orders
                    .iter()
                    .find(|o| o.message_id == request.order_message_id);
                answer(&messages::PaymentStatusResponse {
                    found: order.is_some(),
                    order_id: order.map(|o| o.order_id.clone()),
                    status: order.map(|o| o.status.clone()),
                })
            }
            service::PAYMENT_RECALL => {
                let request: messages::PaymentRecall = read(payload)?;
                match ledger
                    .orders
                    .iter_mut()
                    .find(|o| o.order_id == request.order_id)
                {
                    Some(order) => {
                        order.status = "recalled".into();
                        answer(&messages::PaymentRecallResponse {
                            recalled: true,
                            status: "recalled".into(),
                        })
                    }
                    None => answer(&messages::PaymentRecallResponse {
                        recalled: false,
                        status: "not_found".into(),
                    }),
                }
            }
            service::PAYMENT_STATEMENT => {
                let request: messages::StatementRequest = read(payload)?;
                answer(&messages::Statement {
                    entries: ledger
                        .orders
                        .iter()
                        .filter(|o| o.day == request.date)
                        .map(|o| messages::StatementLine {
                            order_id: o.order_id.clone(),
                            message_id: o.message_id.clone(),
                            case_id: o.case_id.clone(),
                            amount_tiyn: o.amount_tiyn,
                            status: o.status.clone(),
                        })
                        .collect(),
                    date: request.date,
                })
            }
            service::DELIVERY => {
                let request: messages::DeliveryRequest = read(payload)?;
                let state = if data.unreachable_providers.contains(&request.provider_id) {
                    "NOT_DELIVERED"
                } else {
                    "DELIVERED"
                };
                ledger.deliveries.insert(
                    info.message_id.clone(),
                    Delivery {
                        polls_left: self.faults.lock().expect("faults").delivery_polls,
                        state,
                    },
                );
                answer(&messages::DeliveryResponse {
                    state: "ON_DELIVERY".into(),
                })
            }
            service::DELIVERY_STATUS => {
                let request: messages::DeliveryStatusRequest = read(payload)?;
                let Some(delivery) = ledger.deliveries.get_mut(&request.message_id) else {
                    return Err(Outcome::Fault(
                        error_code::MESSAGE_NOT_FOUND,
                        format!("no message {}", request.message_id),
                    ));
                };
                let state = if delivery.polls_left > 0 {
                    delivery.polls_left -= 1;
                    "ON_DELIVERY"
                } else {
                    delivery.state
                };
                answer(&messages::DeliveryResponse {
                    state: state.into(),
                })
            }
            other => Outcome::Fault(error_code::SERVICE_NOT_FOUND, format!("no service {other}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_people_have_valid_iins_and_the_dataset_round_trips() {
        let dataset = Dataset::generate(50, 7);
        assert_eq!(dataset.persons.len(), 50);
        for person in &dataset.persons {
            Iin::parse(&person.iin).unwrap();
        }
        assert_eq!(Dataset::generate(50, 7), dataset, "deterministic");
        assert_ne!(Dataset::generate(50, 8), dataset);
        assert_eq!(dataset.powers_of_attorney.len(), 5);
        assert!(dataset.powers_of_attorney.iter().any(|p| p.revoked));
        assert!(!dataset.valid_powers_of_attorney().is_empty());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dataset.json");
        std::fs::write(&path, serde_json::to_string(&dataset).unwrap()).unwrap();
        assert_eq!(Dataset::load(&path).unwrap(), dataset);
        std::fs::write(&path, r#"{"persons":[{"iin":"123","surname":"X","given_name":"Y","birth_date":"2000-01-01","sex":"male","region":"r","address":"a","status":"alive"}]}"#).unwrap();
        assert!(Dataset::load(&path).is_err(), "a bad IIN is refused");
    }

    #[test]
    fn fault_draws_follow_the_rates() {
        let faults = FaultConfig {
            timeout_rate: 0.1,
            error_rate: 0.1,
            seed: 3,
            ..FaultConfig::default()
        };
        let drawn = (0..10_000)
            .filter(|n| faults.draw(&format!("m{n}"), 0).is_some())
            .count();
        assert!((1_700..2_300).contains(&drawn), "{drawn}");
        assert_eq!(faults.draw("m1", 0), faults.draw("m1", 0));
        assert_eq!(FaultConfig::default().draw("m1", 0), None);
    }
}
