use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The units in which Kazakhstan's regulations state time limits.
///
/// `minutes` and `hours` are *working* time (counted only inside office
/// hours); `working_days`, `calendar_days` and `months` are counted on the
/// working calendar. The exact semantics are in `docs/legal-time.md`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Minutes,
    Hours,
    WorkingDays,
    CalendarDays,
    Months,
}

impl Unit {
    pub const ALL: [Unit; 5] = [
        Unit::Minutes,
        Unit::Hours,
        Unit::WorkingDays,
        Unit::CalendarDays,
        Unit::Months,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Minutes => "minutes",
            Unit::Hours => "hours",
            Unit::WorkingDays => "working_days",
            Unit::CalendarDays => "calendar_days",
            Unit::Months => "months",
        }
    }

    pub fn parse(text: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|unit| unit.as_str() == text)
    }
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount of legal time such as "3 working_days" or "15 minutes".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Duration {
    pub amount: u32,
    pub unit: Unit,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseDurationError {
    #[error("expected \"AMOUNT UNIT\", e.g. \"3 working_days\"")]
    Shape,
    #[error("the amount `{0}` is not a whole non-negative number")]
    Amount(String),
    #[error(
        "unknown unit `{0}`; expected one of minutes, hours, working_days, calendar_days, months"
    )]
    Unit(String),
}

impl Duration {
    pub fn new(amount: u32, unit: Unit) -> Duration {
        Duration { amount, unit }
    }
}

impl std::str::FromStr for Duration {
    type Err = ParseDurationError;

    /// Parses `"3 working_days"`, `"15 minutes"`, `"1 months"`.
    fn from_str(text: &str) -> Result<Duration, ParseDurationError> {
        let mut parts = text.split_whitespace();
        let (Some(amount), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(ParseDurationError::Shape);
        };
        let amount = amount
            .parse::<u32>()
            .map_err(|_| ParseDurationError::Amount(amount.to_owned()))?;
        let unit = Unit::parse(unit).ok_or_else(|| ParseDurationError::Unit(unit.to_owned()))?;
        Ok(Duration { amount, unit })
    }
}

impl std::fmt::Display for Duration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.amount, self.unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let duration: Duration = "3 working_days".parse().unwrap();
        assert_eq!(duration, Duration::new(3, Unit::WorkingDays));
        assert_eq!(duration.to_string(), "3 working_days");
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!("3".parse::<Duration>(), Err(ParseDurationError::Shape));
        assert_eq!(
            "x minutes".parse::<Duration>(),
            Err(ParseDurationError::Amount("x".into()))
        );
        assert_eq!(
            "3 days".parse::<Duration>(),
            Err(ParseDurationError::Unit("days".into()))
        );
    }
}
