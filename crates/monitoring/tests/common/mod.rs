//! Hand-written events in the shapes the engine stores.
#![allow(dead_code)]

pub mod data;

use jiff::Timestamp;
use qyzmet_monitoring::StoredEvent;
use serde_json::{Value, json};

pub fn ts(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

/// One case's events in order; `global_seq` is assigned by [`number`].
#[derive(Clone, Debug)]
pub struct CaseLog {
    pub case_id: String,
    pub events: Vec<StoredEvent>,
}

impl CaseLog {
    pub fn new(case_id: &str) -> CaseLog {
        CaseLog {
            case_id: case_id.into(),
            events: Vec::new(),
        }
    }

    pub fn push(&mut self, at: &str, kind: &str, mut payload: Value) -> &mut Self {
        let at = ts(at);
        if let Value::Object(map) = &mut payload {
            map.insert("at".into(), json!(at.to_string()));
            map.insert("type".into(), json!(kind));
        }
        let seq = self.events.len() as u64 + 1;
        self.events.push(StoredEvent {
            case_id: self.case_id.clone(),
            seq,
            global_seq: 0,
            kind: kind.into(),
            payload,
            at,
            hash: String::new(),
        });
        self
    }

    #[allow(clippy::too_many_arguments)]
    pub fn submitted(
        &mut self,
        at: &str,
        provider: &str,
        regulation: &str,
        service: &str,
        route: &str,
        due: Option<&str>,
        about: Option<&str>,
    ) -> &mut Self {
        let mut form = serde_json::Map::new();
        if let Some(about) = about {
            form.insert("about_case".into(), json!(about));
        }
        let case_id = self.case_id.clone();
        self.push(
            at,
            "case_submitted",
            json!({
                "case_id": case_id,
                "regulation_id": regulation,
                "regulation_hash": "sha256:00",
                "service_id": service,
                "route": route,
                "channel": route.split('/').next().unwrap_or(route),
                "variant": null,
                "applicant": {"id": "900101300037", "kind": "individual", "region": "x"},
                "form": form,
                "documents": {},
                "provider": {"id": provider, "region": "x", "units": {}},
                "checks": {},
                "due": due.map(|d| ts(d).to_string()),
                "by": "applicant",
            }),
        )
    }

    pub fn entered(&mut self, at: &str, step: &str) -> &mut Self {
        self.push(at, "step_entered", json!({"step": step}))
    }

    pub fn passed(&mut self, at: &str, step: &str) -> &mut Self {
        self.push(
            at,
            "step_passed",
            json!({"step": step, "outcome": null, "by": "engine"}),
        )
    }

    pub fn task(&mut self, at: &str, task: &str, step: &str, escalation: bool) -> &mut Self {
        self.push(
            at,
            "task_created",
            json!({"task_id": task, "step": step, "role": "executor", "unit": "u",
                   "assignee": null, "due": null, "escalation": escalation, "about": null,
                   "wait": false}),
        )
    }

    pub fn completed(&mut self, at: &str, task: &str) -> &mut Self {
        self.push(
            at,
            "task_completed",
            json!({"task_id": task, "by": "staff", "outcome": null, "data": null}),
        )
    }

    pub fn extended(&mut self, at: &str, due: &str) -> &mut Self {
        self.push(
            at,
            "term_extended",
            json!({"reason": "r", "by": "head", "due": ts(due).to_string()}),
        )
    }

    pub fn closed(&mut self, at: &str, status: &str, result: Option<&str>) -> &mut Self {
        self.push(
            at,
            "case_closed",
            json!({"status": status, "result": result}),
        )
    }

    pub fn reopened(&mut self, at: &str, appeal: &str, step: &str) -> &mut Self {
        self.push(
            at,
            "case_reopened",
            json!({"appeal": appeal, "step": step, "by": "system:appeals"}),
        )
    }
}

/// Assigns gapless global sequence numbers in the given order.
pub fn number(events: impl IntoIterator<Item = StoredEvent>) -> Vec<StoredEvent> {
    events
        .into_iter()
        .enumerate()
        .map(|(index, mut event)| {
            event.global_seq = index as u64 + 1;
            event
        })
        .collect()
}
