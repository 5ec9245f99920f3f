/// Everything the calendar can refuse. The crate never panics: every input it
/// cannot answer for comes back as one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A calendar data (override) file could not be read.
    #[error("calendar data, line {line}: {message}")]
    Parse { line: usize, message: String },
    /// The computation needs a date the calendar does not cover.
    #[error("{what} is outside the calendar's range {first}..={last}")]
    OutOfRange { what: String, first: i16, last: i16 },
    /// No working day within the search bound (e.g. an override made a whole
    /// year non-working).
    #[error("no working day within {bound_days} days after {after}")]
    NoWorkingDay { after: String, bound_days: i32 },
    /// The IANA time zone is not in the bundled tz database.
    #[error("unknown time zone `{0}`")]
    UnknownTimeZone(String),
    /// Office hours that do not make sense (lunch outside the day, ...).
    #[error("invalid schedule: {0}")]
    InvalidSchedule(String),
    /// A local time could not be turned into an instant.
    #[error("cannot represent {0} as an instant")]
    Time(String),
}
