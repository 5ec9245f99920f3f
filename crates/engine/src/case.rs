//! The case state: what `apply` folds events into.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use qyzmet_core::{Answer, System};
use qyzmet_regulation::model::Channel;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use qyzmet_storage::record::{CaseStatus, RegistryRow, TaskStatus};

/// Whether the applicant is a person (IIN) or an organisation (BIN).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    #[default]
    Individual,
    LegalEntity,
}

/// The portal's verification of the applicant's digital signature on the
/// request, made at submission (by `qyzmet-pki`, outside the engine: it
/// needs the clock, the trusted roots and the CRLs) and recorded with the
/// submission, so that replaying the case gives the same outcome. A step
/// with `verifies: request_signature` takes its outcome from it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSignature {
    /// SHA-256 of the signed request, lowercase hex.
    pub request_sha256: String,
    /// `None` when every check passed; else the verifier's failure code
    /// (`expired`, `revoked`, `iin-mismatch`, `bad-signature` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// The signer's name and IIN from the certificate (when it was read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_iin: Option<String>,
    /// The certificate's serial number, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_serial: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_time: Option<Timestamp>,
}

impl RequestSignature {
    pub fn is_valid(&self) -> bool {
        self.failure.is_none()
    }
}

/// A representative acting for the applicant under a notarised power of
/// attorney; the notary system is asked about it where a step `calls:
/// [notary]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Representative {
    /// The representative's IIN (check digit verified at submission).
    /// Personal data: never logged.
    pub iin: String,
    /// The power of attorney's number, when the applicant gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_of_attorney: Option<String>,
}

/// Where a request to a state system stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// In the outbox: being sent, retried, or waiting for a late answer.
    Pending,
    /// The system (or, after a failure, a person who checked by hand)
    /// answered.
    Answered,
    /// The gateway gave up after its retry budget; a manual-check task is
    /// open (a late answer still closes it).
    Failed,
    /// The case closed before an answer came.
    Cancelled,
}

/// One request to a state information system through the gateway.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GatewayRequest {
    /// `{case}/q{seq}`: stable, so the gateway's message id derived from it
    /// is the same on every retry.
    pub request_id: String,
    pub step: String,
    /// The position in `trail` of the step visit that asked.
    pub visit: usize,
    pub system: System,
    pub payload: Value,
    pub status: RequestStatus,
    pub requested_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
    /// What the system answered (the person's record, the power of
    /// attorney, the payment order …).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub data: Value,
    /// `gateway`, or the user who checked by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<Timestamp>,
    /// Why the gateway gave up (`timeout`, `http 503`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// The manual-check task opened for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_task: Option<String>,
}

/// The service recipient as the submission names them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    /// IIN for an individual, BIN for a legal entity (check digit verified
    /// at submission). Personal data: never logged.
    pub id: String,
    pub kind: ApplicantKind,
    /// Region slug of the applicant's registered address.
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<jiff::civil::Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident: Option<bool>,
}

/// The provider the case is filed with, and the organisation units that
/// take its tasks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    pub id: String,
    /// Region slug, compared with registry records by cross-service rules.
    pub region: String,
    /// Organisation kind (`provider`, `service_centre`, `rural_akimat`,
    /// `other`) → the unit id whose staff take that organisation's tasks.
    /// `provider` defaults to `id`.
    #[serde(default)]
    pub units: BTreeMap<String, String>,
}

/// A work item for a role in an organisation unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub task_id: String,
    pub step: String,
    pub role: String,
    pub unit: String,
    pub assignee: Option<String>,
    pub status: TaskStatus,
    pub created_at: Timestamp,
    pub due: Option<Timestamp>,
    /// An escalation task for a head about an overdue step or case.
    pub escalation: bool,
    /// For an escalation: the overdue task's id, or `case` for the case
    /// term. For a manual check after a failed request: the request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    /// A manual check of a state system's answer: why a person has to look
    /// (`failed: timeout`, `answer: not_delivered`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    /// A step's limit passes while its task is still open.
    StepOverdue,
    /// A wait step's limit passes without the awaited event.
    WaitTimeout,
    /// The route's overall term passes while the case is open.
    CaseOverdue,
}

impl TimerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::StepOverdue => "step_overdue",
            TimerKind::WaitTimeout => "wait_timeout",
            TimerKind::CaseOverdue => "case_overdue",
        }
    }
}

/// A timer that has been set and has neither fired nor been cancelled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timer {
    pub timer_id: String,
    pub kind: TimerKind,
    pub due: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
}

/// One step the case went through, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepVisit {
    pub step: String,
    pub entered_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Who left the step: a user id, or the role id of an automatic or
    /// applicant step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// The state of one case, rebuilt from its events alone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub case_id: String,
    pub regulation_id: String,
    /// The content hash of the edition the case runs under.
    pub regulation_hash: String,
    pub service_id: String,
    /// `channel` or `channel/variant`.
    pub route: String,
    pub channel: Option<Channel>,
    pub variant: Option<String>,
    pub applicant: Applicant,
    pub form: serde_json::Map<String, Value>,
    pub documents: BTreeMap<String, bool>,
    pub provider: Provider,
    /// Outcomes of system decisions (portal signature check, state database
    /// look-up …) reported with the submission: step id → outcome id.
    pub checks: BTreeMap<String, String>,
    /// The portal's check of the applicant's signature on the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<RequestSignature>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representative: Option<Representative>,
    /// Requests to state systems, by request id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<String, GatewayRequest>,
    pub submitted_by: String,
    pub status: Option<CaseStatus>,
    /// The step the case stands at (none once closed).
    pub current_step: Option<String>,
    pub submitted_at: Option<Timestamp>,
    pub accepted_at: Option<Timestamp>,
    /// The acceptance receipt's number.
    pub receipt: Option<String>,
    /// The overall legal due instant (route term, plus the extension).
    pub due: Option<Timestamp>,
    pub extended: bool,
    pub extension_reason: Option<String>,
    pub overdue: bool,
    pub closed_at: Option<Timestamp>,
    /// The result or refusal id the case ended with.
    pub result: Option<String>,
    /// The rule whose failure refused the case, with its ground.
    pub refused_by_rule: Option<String>,
    /// The step whose rule refused the case (`None`: a submission rule,
    /// or no rule refused it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_at_step: Option<String>,
    pub refusal_ground: Option<String>,
    /// Rules an upheld appeal found wrongly applied: the reopened case is
    /// not refused by them again.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub waived_rules: BTreeSet<String>,
    /// The upheld appeals that reopened the case, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reopened_by: Vec<String>,
    pub withdrawal_reason: Option<String>,
    /// The head's resolution: role → the responsible executor (user id).
    pub executors: BTreeMap<String, String>,
    pub tasks: BTreeMap<String, Task>,
    /// Active timers only.
    pub timers: BTreeMap<String, Timer>,
    pub trail: Vec<StepVisit>,
    /// Data handed in with each completed task, by step id.
    pub data: BTreeMap<String, Value>,
    /// Registry records this case produced.
    pub registry: Vec<RegistryRow>,
    /// Number of events applied = the last event's sequence number.
    pub version: u64,
}

impl Case {
    pub fn status(&self) -> CaseStatus {
        self.status.unwrap_or(CaseStatus::Submitted)
    }

    pub fn is_closed(&self) -> bool {
        self.status().is_closed()
    }

    /// Requests still waiting for an answer (in the outbox, or failed with
    /// a manual check open).
    pub fn open_requests(&self) -> impl Iterator<Item = &GatewayRequest> {
        self.requests.values().filter(|request| {
            matches!(
                request.status,
                RequestStatus::Pending | RequestStatus::Failed
            )
        })
    }

    /// Tasks that are neither done nor cancelled.
    pub fn open_tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks
            .values()
            .filter(|task| matches!(task.status, TaskStatus::Open | TaskStatus::Claimed))
    }
}
