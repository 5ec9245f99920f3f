//! The case engine.
//!
//! Pure and deterministic: `decide(state, command, context)` returns the
//! events a command produces (or a typed error that changes nothing), and
//! `apply(state, event)` folds an event into the case state. Time, ids and
//! registry reads come from the caller. `project(case, event)` turns each
//! event into the projection and timer operations the store applies in the
//! same transaction as the event itself (`record`); `execute` does all three
//! and hands back the store's `Batch`.
//!
//! Semantics are written down in `docs/engine.md`.

mod apply;
mod case;
mod command;
mod decide;
mod error;
mod event;
mod execute;
mod project;
mod rules;

pub use apply::apply;
pub use case::{
    Applicant, ApplicantKind, Case, GatewayRequest, Provider, Representative, RequestSignature,
    RequestStatus, Task, Timer, TimerKind,
};
pub use command::{Action, Actor, Command, Grant};
pub use decide::{Context, MAX_TRANSITIONS, decide};
pub use error::EngineError;
pub use event::{Event, EventData};
pub use execute::{Executed, execute, project_all, replay};
pub use project::{case_row, project, task_row};
pub use rules::{MemoryRegistries, NoRegistries, Registries, quarter_of};
