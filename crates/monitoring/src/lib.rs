//! Quality monitoring of public services (Law "On public services"): the
//! figures providers' heads and the authorized body watch, folded from the
//! event log so that they equal what `audit verify` vouches for.
//!
//! A [`Monitor`] folds [`StoredEvent`]s one by one ([`Monitor::apply`],
//! idempotent, remembering the last `global_seq`) into one compact summary
//! per case; [`Monitor::report`] answers a [`Query`] (a period and optional
//! provider / service / channel filters) from the summaries alone, so a
//! server tailing the log answers a report over 100,000 cases in
//! milliseconds. The [`Report`] is the JSON of the API; [`to_csv`],
//! [`to_xlsx`] and the SVG charts ([`weekly_trend_svg`],
//! [`slowest_steps_svg`]) export it. Every definition is written down in
//! `docs/monitoring.md`.
//!
//! The crate is language-neutral: chart labels come from the caller, and
//! column headers from a [`Headers`] table (built-in kk/ru/en, or the
//! caller's own).

mod export;
pub mod fill;
mod monitor;
mod report;
mod svg;

pub use export::{Headers, steps_to_csv, to_csv, to_xlsx, weeks_to_csv};
pub use monitor::{Monitor, MonitorStats};
pub use report::{Figures, Group, Query, Report, Row, StepRow, WeekRow};
pub use svg::{StepLabels, TrendLabels, slowest_steps_svg, weekly_trend_svg};

pub use qyzmet_storage::record::StoredEvent;

/// The service key of appeal cases (`case_submitted.service_id`).
pub const APPEAL_SERVICE: &str = "appeal";
/// The result of an upheld appeal (`case_closed.result`).
pub const APPEAL_UPHELD: &str = "appeal-upheld";
/// The result of a rejected appeal (`case_closed.result`).
pub const APPEAL_REJECTED: &str = "appeal-rejected";
