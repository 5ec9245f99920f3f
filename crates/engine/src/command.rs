//! Commands: what people (and the timer loop) ask the engine to do.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use qyzmet_core::Answer;

use crate::case::{Applicant, Provider, Representative, RequestSignature};

/// A role held in an organisation unit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Grant {
    pub role: String,
    pub unit: String,
}

/// Who issues a command. A person may hold several roles, in several units.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: String,
    #[serde(default)]
    pub grants: Vec<Grant>,
}

impl Actor {
    pub fn holds(&self, role: &str, unit: &str) -> bool {
        self.grants
            .iter()
            .any(|grant| grant.role == role && grant.unit == unit)
    }
}

/// One command for one case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub case_id: String,
    pub actor: Actor,
    /// Retrying a command with the same key changes nothing (the store
    /// returns the first outcome); the engine only passes it on.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// The case version the issuer saw; a different current version is
    /// `StaleVersion`.
    #[serde(default)]
    pub expected_version: Option<u64>,
    pub action: Action,
}

// A command lives for one request; boxing `Submit`'s fields would only
// move the allocation, not save it.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// File a new case.
    Submit {
        /// `channel` or `channel/variant`.
        route: String,
        applicant: Applicant,
        /// The application form: an object whose keys are `form:` ids.
        #[serde(default)]
        form: Value,
        /// Document id → handed in.
        #[serde(default)]
        documents: BTreeMap<String, bool>,
        provider: Provider,
        /// Outcomes of system decisions (step id → outcome id), reported by
        /// the portal or the centre's systems; see docs/engine.md.
        #[serde(default)]
        checks: BTreeMap<String, String>,
        /// The portal's verification of the applicant's signature on the
        /// request (portal routes); see [`RequestSignature`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<Box<RequestSignature>>,
        /// A representative under a power of attorney, when one applies
        /// for the applicant.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        representative: Option<Representative>,
    },
    /// Take an open task of one's role and unit.
    Claim { task_id: String },
    /// The head's resolution: name the responsible executor for `role`
    /// (default `executor`): open and future tasks of that role in the
    /// provider's unit go to them.
    AssignExecutor {
        executor: String,
        #[serde(default)]
        role: Option<String>,
    },
    /// Finish a task; decisions name their outcome.
    Complete {
        task_id: String,
        #[serde(default)]
        outcome: Option<String>,
        #[serde(default)]
        data: Value,
    },
    /// Hand a task to someone else (`None`: back to the unit's pool).
    Reassign {
        task_id: String,
        #[serde(default)]
        to: Option<String>,
    },
    /// Extend the case's term (where the route's term allows; once).
    Extend { reason: String },
    /// The applicant withdraws the application.
    Withdraw {
        #[serde(default)]
        reason: Option<String>,
    },
    /// A timer's due instant has come (sent by the store's timer loop).
    FireTimer { timer_id: String },
    /// A state system's answer to a request of the case (sent by the
    /// runtime's outbox worker).
    RecordAnswer {
        request_id: String,
        answer: Answer,
        #[serde(default)]
        data: Value,
    },
    /// The gateway gave up on a request after its retry budget (sent by
    /// the outbox worker): a person checks by hand.
    RecordFailure { request_id: String, reason: String },
    /// An appeal about this (refused) case was upheld: the case is reopened
    /// at the step that refused it. Issued by the runtime's appeal
    /// follow-up (`qyzmet_runtime::appeals`) only, with the appeal case id.
    Reopen { appeal: String },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Submit { .. } => "submit",
            Action::Claim { .. } => "claim",
            Action::AssignExecutor { .. } => "assign_executor",
            Action::Complete { .. } => "complete",
            Action::Reassign { .. } => "reassign",
            Action::Extend { .. } => "extend",
            Action::Withdraw { .. } => "withdraw",
            Action::FireTimer { .. } => "fire_timer",
            Action::RecordAnswer { .. } => "record_answer",
            Action::RecordFailure { .. } => "record_failure",
            Action::Reopen { .. } => "reopen",
        }
    }
}
