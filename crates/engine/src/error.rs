//! Typed errors. A command that returns an error changes nothing.

use jiff::Timestamp;

use qyzmet_storage::record::CaseStatus;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error("case `{case_id}` does not exist")]
    UnknownCase { case_id: String },
    #[error("case `{case_id}` already exists")]
    CaseExists { case_id: String },
    #[error(
        "the case runs under {case_regulation} ({case_hash}), the command was decided on {model_regulation} ({model_hash})"
    )]
    WrongRegulation {
        case_regulation: String,
        case_hash: String,
        model_regulation: String,
        model_hash: String,
    },
    #[error("the case is at version {actual}, the command expected {expected}")]
    StaleVersion { expected: u64, actual: u64 },
    #[error("the regulation has no route `{route}`")]
    UnknownRoute { route: String },
    #[error("invalid submission: {reason}")]
    InvalidSubmission { reason: String },
    #[error("`{command}` is not possible while the case is {status:?}")]
    WrongState {
        command: &'static str,
        status: CaseStatus,
    },
    #[error("the case has no task `{task_id}`")]
    UnknownTask { task_id: String },
    #[error("task `{task_id}` is already {status}")]
    TaskAlreadyDone {
        task_id: String,
        status: &'static str,
    },
    #[error("task `{task_id}` is already claimed by this user")]
    AlreadyClaimed { task_id: String },
    #[error("task `{task_id}` is assigned to someone else")]
    AssignedToOther { task_id: String },
    #[error("the actor does not hold role `{role}` in unit `{unit}`")]
    WrongRole { role: String, unit: String },
    #[error("task `{task_id}` is a decision: name one of its outcomes")]
    OutcomeRequired { task_id: String },
    #[error("task `{task_id}` has no outcome `{outcome}`")]
    UnknownOutcome { task_id: String, outcome: String },
    #[error("task `{task_id}` is not a decision and takes no outcome")]
    UnexpectedOutcome { task_id: String },
    #[error("task data must be a JSON object")]
    InvalidData,
    #[error("the regulation has no role `{role}`")]
    UnknownRole { role: String },
    #[error("route `{route}` allows no extension of its term")]
    ExtensionNotAllowed { route: String },
    #[error("the term has already been extended")]
    AlreadyExtended,
    #[error("the case has no active timer `{timer_id}`")]
    UnknownTimer { timer_id: String },
    #[error("timer `{timer_id}` is due at {due}, not yet")]
    TimerNotDue { timer_id: String, due: Timestamp },
    #[error("rule `{rule}` could not be evaluated: {message}")]
    RuleError { rule: String, message: String },
    #[error("decision `{step}` has no outcome whose `when` holds")]
    NoOutcome { step: String },
    #[error("legal time: {message}")]
    Calendar { message: String },
    #[error("more than {limit} automatic transitions in one command")]
    TooManyTransitions { limit: usize },
    #[error("the regulation model is inconsistent: {reason}")]
    ModelInconsistent { reason: String },
    #[error(
        "the request's signature was not confirmed ({failure}), and the route has no refusal for it"
    )]
    SignatureRejected { failure: String },
    #[error("the case has no request `{request_id}` to a state system")]
    UnknownRequest { request_id: String },
    #[error("`{system}` cannot answer `{answer}`")]
    InvalidAnswer { system: String, answer: String },
    #[error("request `{request_id}` is already {status}: no answer is expected")]
    AnswerNotExpected { request_id: String, status: String },
    #[error(
        "step `{step}` needs a positive `{field}` in the data of this or an earlier step, or in the form"
    )]
    MissingData { step: String, field: String },
    #[error("the event log is corrupt at seq {seq}: {reason}")]
    CorruptLog { seq: u64, reason: String },
    #[error("cannot serialize an event: {message}")]
    Serialization { message: String },
}

impl EngineError {
    /// A stable code for people and tools.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::UnknownCase { .. } => "unknown_case",
            EngineError::UnknownRequest { .. } => "unknown_request",
            EngineError::InvalidAnswer { .. } => "invalid_answer",
            EngineError::AnswerNotExpected { .. } => "answer_not_expected",
            EngineError::MissingData { .. } => "missing_data",
            EngineError::CaseExists { .. } => "case_exists",
            EngineError::WrongRegulation { .. } => "wrong_regulation",
            EngineError::StaleVersion { .. } => "stale_version",
            EngineError::UnknownRoute { .. } => "unknown_route",
            EngineError::InvalidSubmission { .. } => "invalid_submission",
            EngineError::WrongState { .. } => "wrong_state",
            EngineError::UnknownTask { .. } => "unknown_task",
            EngineError::TaskAlreadyDone { .. } => "task_already_done",
            EngineError::AlreadyClaimed { .. } => "already_claimed",
            EngineError::AssignedToOther { .. } => "assigned_to_other",
            EngineError::WrongRole { .. } => "wrong_role",
            EngineError::OutcomeRequired { .. } => "outcome_required",
            EngineError::UnknownOutcome { .. } => "unknown_outcome",
            EngineError::UnexpectedOutcome { .. } => "unexpected_outcome",
            EngineError::InvalidData => "invalid_data",
            EngineError::UnknownRole { .. } => "unknown_role",
            EngineError::ExtensionNotAllowed { .. } => "extension_not_allowed",
            EngineError::AlreadyExtended => "already_extended",
            EngineError::UnknownTimer { .. } => "unknown_timer",
            EngineError::TimerNotDue { .. } => "timer_not_due",
            EngineError::RuleError { .. } => "rule_error",
            EngineError::NoOutcome { .. } => "no_outcome",
            EngineError::Calendar { .. } => "calendar",
            EngineError::TooManyTransitions { .. } => "too_many_transitions",
            EngineError::ModelInconsistent { .. } => "model_inconsistent",
            EngineError::SignatureRejected { .. } => "signature_rejected",
            EngineError::CorruptLog { .. } => "corrupt_log",
            EngineError::Serialization { .. } => "serialization",
        }
    }
}
