//! Importing process models drawn elsewhere into regulation file skeletons.
//!
//! `bpmn` reads a BPMN 2.0 process (Camunda Modeler, bpmn.io, or Qyzmet's
//! own export) and writes the skeleton of a regulation file: the routes,
//! roles, steps, decisions, limits and ends the diagram gives, and clearly
//! marked placeholders (`TODO(import)`) for what a diagram cannot give (the
//! act, the seed, the legal texts). docs/interop.md, section *Import*, has
//! the mapping and the diagnostics.

pub mod bpmn;

/// The mark on every value of a skeleton that did not come from the
/// imported file: `grep TODO(import)` lists what is left to fill in.
pub const PLACEHOLDER: &str = "TODO(import)";
