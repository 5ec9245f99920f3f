//! Rule evaluation: CEL expressions over the case's environment.
//!
//! The environment (documented in docs/engine.md and
//! docs/regulation-format.md): `applicant`, `form`, `documents`,
//! `registries`, `provider`, `channel`, `variant`, `now`. `registries` holds
//! only the applicant's own records, fetched through [`Registries`] by the
//! applicant's id (IIN or BIN): `registries.unemployed[applicant.iin]`
//! exists exactly when the unemployed registry has a record for them.

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::expr::REGISTRIES;
use qyzmet_regulation::model::FieldType;
use serde_json::Value as Json;

use crate::case::{ApplicantKind, Case};
use qyzmet_storage::record::{ProjectionOp, RegistryRow};

/// Read access to the registries (the store's projection of issued results).
pub trait Registries {
    fn get(&self, registry: &str, key: &str) -> Option<RegistryRow>;
}

/// No registry has any record.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRegistries;

impl Registries for NoRegistries {
    fn get(&self, _registry: &str, _key: &str) -> Option<RegistryRow> {
        None
    }
}

/// Registries in memory (tests, simulation): apply the batches' ops to it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemoryRegistries {
    pub rows: BTreeMap<(String, String), RegistryRow>,
}

impl MemoryRegistries {
    pub fn put(&mut self, row: RegistryRow) {
        self.rows
            .insert((row.registry.clone(), row.key.clone()), row);
    }

    /// Applies the registry operations among `ops`.
    pub fn apply(&mut self, ops: &[ProjectionOp]) {
        for op in ops {
            match op {
                ProjectionOp::PutRegistry(row) => self.put(row.clone()),
                ProjectionOp::DeleteRegistry { registry, key } => {
                    self.rows.remove(&(registry.clone(), key.clone()));
                }
                _ => {}
            }
        }
    }
}

impl Registries for MemoryRegistries {
    fn get(&self, registry: &str, key: &str) -> Option<RegistryRow> {
        self.rows
            .get(&(registry.to_owned(), key.to_owned()))
            .cloned()
    }
}

/// `YYYY-Qn` of `now` in `zone`, the form the registries keep quarters in.
pub fn quarter_of(now: Timestamp, zone: &TimeZone) -> String {
    let date = zone.to_datetime(now).date();
    format!("{}-Q{}", date.year(), (date.month() - 1) / 3 + 1)
}

/// The evaluated environment of one case at one instant.
pub(crate) struct RuleEnv {
    variables: Vec<(&'static str, cel::Value)>,
}

impl RuleEnv {
    pub(crate) fn new(
        case: &Case,
        model: &ProcessModel,
        registries: &dyn Registries,
        now: Timestamp,
        zone: &TimeZone,
    ) -> RuleEnv {
        let applicant = &case.applicant;
        let mut person: HashMap<String, cel::Value> = HashMap::new();
        let (iin, bin) = match applicant.kind {
            ApplicantKind::Individual => (applicant.id.as_str(), ""),
            ApplicantKind::LegalEntity => ("", applicant.id.as_str()),
        };
        person.insert("iin".into(), iin.into());
        person.insert("bin".into(), bin.into());
        let kind = match applicant.kind {
            ApplicantKind::Individual => "individual",
            ApplicantKind::LegalEntity => "legal_entity",
        };
        person.insert("kind".into(), kind.into());
        person.insert("region".into(), applicant.region.as_str().into());
        if let Some(birth) = applicant.birth_date {
            let today = zone.to_datetime(now).date();
            let mut age = i64::from(today.year()) - i64::from(birth.year());
            if (today.month(), today.day()) < (birth.month(), birth.day()) {
                age -= 1;
            }
            person.insert("age".into(), cel::Value::Int(age));
            if let Some(at) = date_timestamp(birth, zone) {
                person.insert("birth_date".into(), at);
            }
        }
        if let Some(citizen) = applicant.citizen {
            person.insert("citizen".into(), cel::Value::Bool(citizen));
        }
        if let Some(resident) = applicant.resident {
            person.insert("resident".into(), cel::Value::Bool(resident));
        }

        let field_types: HashMap<&str, FieldType> = model
            .form()
            .iter()
            .map(|field| (field.id.as_str(), field.ty))
            .collect();
        // A declared `bool` field left out is false (an unticked box is
        // not sent), so `form.x` never fails on it; other types stay
        // absent, for `has(form.x)`.
        let mut form: HashMap<String, cel::Value> = model
            .form()
            .iter()
            .filter(|field| field.ty == FieldType::Bool)
            .map(|field| (field.id.clone(), cel::Value::Bool(false)))
            .collect();
        for (key, value) in &case.form {
            let converted = match (field_types.get(key.as_str()), value) {
                (Some(FieldType::Date), Json::String(text)) => text
                    .parse::<jiff::civil::Date>()
                    .ok()
                    .and_then(|date| date_timestamp(date, zone))
                    .unwrap_or_else(|| json_to_cel(value)),
                _ => json_to_cel(value),
            };
            form.insert(key.clone(), converted);
        }

        // Every document the regulation names is in the map (false unless
        // handed in), so `documents["x"]` never fails on a declared id.
        let mut documents: HashMap<String, cel::Value> = model
            .documents()
            .iter()
            .map(|document| (document.id.clone(), cel::Value::Bool(false)))
            .collect();
        for (id, given) in &case.documents {
            documents.insert(id.clone(), cel::Value::Bool(*given));
        }

        let mut registry_maps: HashMap<String, cel::Value> = HashMap::new();
        for name in REGISTRIES {
            let mut entries: HashMap<String, cel::Value> = HashMap::new();
            if let Some(row) = registries.get(name, &applicant.id) {
                entries.insert(applicant.id.clone(), record_to_cel(&row));
            }
            registry_maps.insert(name.to_owned(), entries.into());
        }

        let mut provider: HashMap<String, cel::Value> = HashMap::new();
        provider.insert("id".into(), case.provider.id.as_str().into());
        provider.insert("region".into(), case.provider.region.as_str().into());

        let channel = case.channel.map(|channel| channel.as_str()).unwrap_or("");
        let variant = case.variant.clone().unwrap_or_default();
        let variables = vec![
            ("applicant", person.into()),
            ("form", form.into()),
            ("documents", documents.into()),
            ("registries", registry_maps.into()),
            ("provider", provider.into()),
            ("channel", channel.into()),
            ("variant", variant.into()),
            ("now", timestamp_to_cel(now)),
        ];
        RuleEnv { variables }
    }

    /// Evaluates a boolean expression. Parse and evaluation failures, and a
    /// non-boolean result, are errors with a message.
    pub(crate) fn eval_bool(&self, text: &str) -> Result<bool, String> {
        if text.len() > qyzmet_regulation::expr::MAX_EXPR_BYTES {
            return Err("the expression is too long".into());
        }
        // The parser and the interpreter are third-party code: a panic in
        // them must not take the engine down.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let program = cel::Program::compile(text).map_err(|error| error.to_string())?;
            let mut context = cel::Context::default();
            for (name, value) in &self.variables {
                context.add_variable_from_value(*name, value.clone());
            }
            program.execute(&context).map_err(|error| error.to_string())
        }));
        match outcome {
            Ok(Ok(cel::Value::Bool(value))) => Ok(value),
            Ok(Ok(other)) => Err(format!("the result is {:?}, not a bool", other.type_of())),
            Ok(Err(message)) => Err(message),
            Err(_) => Err("the CEL interpreter failed".into()),
        }
    }
}

fn timestamp_to_cel(at: Timestamp) -> cel::Value {
    match chrono::DateTime::from_timestamp(at.as_second(), at.subsec_nanosecond().unsigned_abs()) {
        Some(time) => cel::Value::Timestamp(time.fixed_offset()),
        None => cel::Value::Null,
    }
}

fn date_timestamp(date: jiff::civil::Date, zone: &TimeZone) -> Option<cel::Value> {
    let at = zone
        .to_ambiguous_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .ok()?;
    Some(timestamp_to_cel(at))
}

fn record_to_cel(row: &RegistryRow) -> cel::Value {
    let mut fields: HashMap<String, cel::Value> = HashMap::new();
    if let Json::Object(record) = &row.record {
        for (key, value) in record {
            let converted = match (key.as_str(), value) {
                ("since" | "until", Json::String(text)) => text
                    .parse::<Timestamp>()
                    .map(timestamp_to_cel)
                    .unwrap_or_else(|_| json_to_cel(value)),
                _ => json_to_cel(value),
            };
            fields.insert(key.clone(), converted);
        }
    }
    fields.insert("region".into(), row.region.as_str().into());
    fields.into()
}

/// JSON → CEL. Depth is bounded by serde_json's own recursion limit on the
/// way in (128).
fn json_to_cel(value: &Json) -> cel::Value {
    match value {
        Json::Null => cel::Value::Null,
        Json::Bool(value) => cel::Value::Bool(*value),
        Json::Number(number) => {
            if let Some(int) = number.as_i64() {
                cel::Value::Int(int)
            } else if let Some(uint) = number.as_u64() {
                cel::Value::UInt(uint)
            } else {
                cel::Value::Float(number.as_f64().unwrap_or(0.0))
            }
        }
        Json::String(text) => text.as_str().into(),
        Json::Array(items) => items.iter().map(json_to_cel).collect::<Vec<_>>().into(),
        Json::Object(map) => map
            .iter()
            .map(|(key, value)| (key.clone(), json_to_cel(value)))
            .collect::<HashMap<String, cel::Value>>()
            .into(),
    }
}
