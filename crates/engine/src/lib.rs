//! The case engine.
//!
//! Pure and deterministic: `decide(state, command, context)` returns the
//! events a command produces (or a typed error that changes nothing), and
//! `apply(state, event)` folds an event into the case state. Time, ids and
//! registry reads come from the caller. `project(event)` turns each event
//! into the projection and timer operations the store applies in the same
//! transaction as the event itself (`record`).

pub mod record;
