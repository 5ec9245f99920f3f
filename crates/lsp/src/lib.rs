//! `qyzmet lsp`: a language server for regulation files.
//!
//! It offers, over the language server protocol on standard input and
//! output (incremental text synchronisation, UTF-16 positions):
//!
//! - diagnostics as one types: exactly the codes, messages and spans of
//!   `qyzmet check` (the hint on a second line of the message);
//! - completion of step ids (after `next:`, `on_timeout:`, `start:`, in an
//!   outcome and in a rule's `at:`), roles, units, state information
//!   systems (`calls:`) and their answers, results, refusals, grounds,
//!   channels and step kinds, by the YAML key at the cursor;
//! - go-to-definition from a step reference (and an outcome's id) to the
//!   step's `id:`, from a role, result, refusal or ground to its definition;
//! - hover on a number (a limit, a term, a `source` line) with the seed line
//!   it was read from, when the seed file is found.
//!
//! The analyses are pure functions in [`analysis`], the offset ↔ position
//! arithmetic is in [`position`], and [`serve`] runs the message loop.
//! docs/authoring.md says how to hook it into an editor.

pub mod analysis;
pub mod position;
mod server;

pub use lsp_types;
pub use server::{Options, file_path, run_stdio, serve};
