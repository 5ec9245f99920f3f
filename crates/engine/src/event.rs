//! Events: the facts a case is made of. `apply` folds them; the store keeps
//! them forever, so names and fields only ever grow.

use std::collections::BTreeMap;

use jiff::Timestamp;
use qyzmet_regulation::model::Channel;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::case::{Applicant, Provider, Representative, RequestSignature, TimerKind};
use qyzmet_core::{Answer, System};
use qyzmet_storage::record::{CaseStatus, RegistryRow};

/// An event with the instant it happened (the caller's `now`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: Timestamp,
    #[serde(flatten)]
    pub data: EventData,
}

// `CaseSubmitted` is large, once per case; boxing it would only make every
// match on it noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventData {
    CaseSubmitted {
        case_id: String,
        regulation_id: String,
        regulation_hash: String,
        service_id: String,
        route: String,
        channel: Channel,
        variant: Option<String>,
        applicant: Applicant,
        form: serde_json::Map<String, Value>,
        documents: BTreeMap<String, bool>,
        provider: Provider,
        checks: BTreeMap<String, String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<RequestSignature>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        representative: Option<Representative>,
        due: Option<Timestamp>,
        by: String,
    },
    /// The package was accepted (acceptance receipt issued).
    CaseAccepted {
        receipt: String,
    },
    StepEntered {
        step: String,
    },
    /// An automatic, system or applicant step was passed without a task.
    StepPassed {
        step: String,
        outcome: Option<String>,
        by: String,
    },
    RuleFailed {
        rule: String,
        step: Option<String>,
        refusal: String,
        ground: Option<String>,
    },
    TaskCreated {
        task_id: String,
        step: String,
        role: String,
        unit: String,
        assignee: Option<String>,
        due: Option<Timestamp>,
        escalation: bool,
        about: Option<String>,
        /// The task of a `wait` step: the case is waiting for the outside.
        #[serde(default)]
        wait: bool,
        /// A manual check of a state system's answer, and why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        check: Option<String>,
    },
    /// A request to a state system was put in the outbox.
    GatewayRequested {
        request_id: String,
        step: String,
        system: System,
        payload: Value,
    },
    /// The system answered (`by: gateway`), or a person who checked by hand
    /// recorded the answer.
    GatewayAnswered {
        request_id: String,
        answer: Answer,
        #[serde(default, skip_serializing_if = "Value::is_null")]
        data: Value,
        by: String,
    },
    /// The gateway gave up after its retry budget.
    GatewayFailed {
        request_id: String,
        reason: String,
    },
    TaskClaimed {
        task_id: String,
        by: String,
    },
    TaskAssigned {
        task_id: String,
        assignee: Option<String>,
        by: String,
    },
    TaskCompleted {
        task_id: String,
        by: String,
        outcome: Option<String>,
        data: Value,
    },
    TaskCancelled {
        task_id: String,
    },
    ExecutorAssigned {
        role: String,
        executor: String,
        by: String,
    },
    TimerSet {
        timer_id: String,
        kind: TimerKind,
        due: Timestamp,
        step: Option<String>,
        task: Option<String>,
    },
    TimerCancelled {
        timer_id: String,
    },
    TimerFired {
        timer_id: String,
    },
    StepOverdue {
        step: String,
        task_id: String,
        due: Timestamp,
    },
    CaseOverdue {
        due: Timestamp,
    },
    TermExtended {
        reason: String,
        by: String,
        due: Timestamp,
    },
    RegistryRecorded {
        row: RegistryRow,
    },
    CaseWithdrawn {
        by: String,
        reason: Option<String>,
    },
    CaseClosed {
        status: CaseStatus,
        result: Option<String>,
    },
    /// An upheld appeal reopened the closed case: it stands at `step`
    /// again, and `waived_rule` (the rule that refused it, if one did) no
    /// longer refuses it. See docs/appeals.md.
    CaseReopened {
        /// The appeal case that was upheld.
        appeal: String,
        step: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        waived_rule: Option<String>,
        by: String,
    },
}

impl EventData {
    /// The stable snake_case name stored as the event's `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            EventData::CaseSubmitted { .. } => "case_submitted",
            EventData::CaseAccepted { .. } => "case_accepted",
            EventData::StepEntered { .. } => "step_entered",
            EventData::StepPassed { .. } => "step_passed",
            EventData::RuleFailed { .. } => "rule_failed",
            EventData::TaskCreated { .. } => "task_created",
            EventData::GatewayRequested { .. } => "gateway_requested",
            EventData::GatewayAnswered { .. } => "gateway_answered",
            EventData::GatewayFailed { .. } => "gateway_failed",
            EventData::TaskClaimed { .. } => "task_claimed",
            EventData::TaskAssigned { .. } => "task_assigned",
            EventData::TaskCompleted { .. } => "task_completed",
            EventData::TaskCancelled { .. } => "task_cancelled",
            EventData::ExecutorAssigned { .. } => "executor_assigned",
            EventData::TimerSet { .. } => "timer_set",
            EventData::TimerCancelled { .. } => "timer_cancelled",
            EventData::TimerFired { .. } => "timer_fired",
            EventData::StepOverdue { .. } => "step_overdue",
            EventData::CaseOverdue { .. } => "case_overdue",
            EventData::TermExtended { .. } => "term_extended",
            EventData::RegistryRecorded { .. } => "registry_recorded",
            EventData::CaseWithdrawn { .. } => "case_withdrawn",
            EventData::CaseClosed { .. } => "case_closed",
            EventData::CaseReopened { .. } => "case_reopened",
        }
    }
}

impl Event {
    pub fn kind(&self) -> &'static str {
        self.data.kind()
    }
}
