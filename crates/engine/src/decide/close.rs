//! Closing a case: its status from the result, the registry entry of a
//! positive result, cancelling what is still open.

use qyzmet_regulation::model::{RefusalKind, ResultRef};
use qyzmet_storage::record::{CaseStatus, RegistryRow};
use serde_json::Value;

use super::Machine;
use crate::event::EventData;
use crate::rules::quarter_of;

impl Machine<'_, '_> {
    pub(super) fn classify(&self, result: Option<&str>) -> CaseStatus {
        let Some(result) = result else {
            return CaseStatus::Completed;
        };
        match self.model().outcome(result) {
            Some(ResultRef::Result(_)) => CaseStatus::Completed,
            Some(ResultRef::Refusal(def)) if def.kind == RefusalKind::RefusalToAccept => {
                CaseStatus::RefusedToAccept
            }
            _ => CaseStatus::Refused,
        }
    }

    /// Cancels every open task and timer, records the registry entry of a
    /// positive result, and closes the case.
    pub(super) fn close(&mut self, result: Option<String>) {
        let status = self.classify(result.as_deref());
        self.close_as(status, result);
    }

    pub(super) fn close_as(&mut self, status: CaseStatus, result: Option<String>) {
        self.cancel_everything();
        if status == CaseStatus::Completed
            && let Some(row) = self.registry_row(result.as_deref())
        {
            self.emit(EventData::RegistryRecorded { row });
        }
        self.emit(EventData::CaseClosed { status, result });
    }

    /// The registry record a positive result of this service produces.
    pub(super) fn registry_row(&self, result: Option<&str>) -> Option<RegistryRow> {
        let registry = match self.case.service_id.as_str() {
            "unemployed-registration" => "unemployed",
            "targeted-social-assistance" => "targeted_social_assistance",
            "semipalatinsk-victims" => "semipalatinsk_victims",
            "oralman-status" => "oralman",
            "foreign-labour-permit" => "foreign_labour_permits",
            _ => return None,
        };
        let key = self.case.applicant.id.clone();
        let existing = self.ctx.registries.get(registry, &key);
        let mut record = match existing.as_ref().map(|row| &row.record) {
            Some(Value::Object(map)) => map.clone(),
            _ => serde_json::Map::new(),
        };
        let now = self.ctx.now.to_string();
        record.insert("active".into(), Value::Bool(true));
        record
            .entry("since")
            .or_insert_with(|| Value::String(now.clone()));
        record.insert("updated".into(), Value::String(now));
        record.insert("number".into(), Value::String(self.case.case_id.clone()));
        if let Some(result) = result {
            record.insert("kind".into(), Value::String(result.to_owned()));
        }
        match registry {
            "targeted_social_assistance" => {
                let quarter = quarter_of(self.ctx.now, self.ctx.schedule.time_zone());
                let mut quarters = match record.get("quarters") {
                    Some(Value::Array(items)) => items.clone(),
                    _ => Vec::new(),
                };
                if !quarters
                    .iter()
                    .any(|item| item.as_str() == Some(quarter.as_str()))
                {
                    quarters.push(Value::String(quarter));
                }
                record.insert("quarters".into(), Value::Array(quarters));
            }
            "semipalatinsk_victims" | "foreign_labour_permits" => {
                let mut results = match record.get("results") {
                    Some(Value::Array(items)) => items.clone(),
                    _ => Vec::new(),
                };
                if let Some(result) = result {
                    results.push(Value::String(result.to_owned()));
                }
                record.insert("results".into(), Value::Array(results));
                if let Some(variant) = &self.case.variant {
                    record.insert("variant".into(), Value::String(variant.clone()));
                }
            }
            _ => {}
        }
        Some(RegistryRow {
            registry: registry.to_owned(),
            key,
            region: self.case.provider.region.clone(),
            record: Value::Object(record),
            case_id: self.case.case_id.clone(),
        })
    }
}
