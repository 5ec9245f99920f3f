//! The calendar data format: one `[YEAR]` section per year with the first day
//! of Kurban Ait, the Government's transfers and their sources.
//!
//! The parser never panics and reports the first error with its line number.
//! See `crates/calendar/data/kazakhstan.txt` for the format.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::CalendarError;

/// How sure the maintainers are of a year's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    High,
    Medium,
    Low,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// A Government transfer of a day off: `working` becomes a working day and
/// `day_off` a day off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer {
    pub working: Date,
    pub day_off: Date,
}

/// The data of one year, as read from a `[YEAR]` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearTable {
    pub year: i16,
    pub confidence: Option<Confidence>,
    pub sources: Vec<String>,
    pub notes: Vec<String>,
    pub kurban_ait: Option<Date>,
    pub transfers: Vec<Transfer>,
    pub extra_days_off: Vec<(Date, String)>,
    pub extra_working_days: Vec<(Date, String)>,
}

impl YearTable {
    fn new(year: i16) -> YearTable {
        YearTable {
            year,
            confidence: None,
            sources: Vec::new(),
            notes: Vec::new(),
            kurban_ait: None,
            transfers: Vec::new(),
            extra_days_off: Vec::new(),
            extra_working_days: Vec::new(),
        }
    }

    /// The sources joined for display, or `None` when the table names none.
    pub fn source_text(&self) -> Option<String> {
        (!self.sources.is_empty()).then(|| self.sources.join("; "))
    }
}

/// Parses a calendar data file's text into its year tables.
///
/// Dates must lie within `first_year..=last_year`; a section's dates must be
/// within one year of the section's year (a transfer may cross New Year).
pub(crate) fn parse(
    text: &str,
    first_year: i16,
    last_year: i16,
) -> Result<BTreeMap<i16, YearTable>, CalendarError> {
    let mut tables: BTreeMap<i16, YearTable> = BTreeMap::new();
    let mut current: Option<YearTable> = None;
    for (index, raw_line) in text.lines().enumerate() {
        let line_number = index + 1;
        let error = |message: String| CalendarError::Parse {
            line: line_number,
            message,
        };
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let Some(year_text) = header.strip_suffix(']') else {
                return Err(error(format!(
                    "expected a section header like `[2024]`, found `{line}`"
                )));
            };
            let year: i16 = year_text
                .trim()
                .parse()
                .map_err(|_| error(format!("`{}` is not a year", year_text.trim())))?;
            if !(first_year..=last_year).contains(&year) {
                return Err(error(format!(
                    "year {year} is outside the calendar's range {first_year}..={last_year}"
                )));
            }
            if tables.contains_key(&year) || current.as_ref().is_some_and(|t| t.year == year) {
                return Err(error(format!("year {year} appears twice")));
            }
            if let Some(done) = current.take() {
                tables.insert(done.year, done);
            }
            current = Some(YearTable::new(year));
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(error(format!("expected `key = value`, found `{line}`")));
        };
        let (key, value) = (key.trim(), value.trim());
        let Some(table) = current.as_mut() else {
            return Err(error(format!("`{key}` before the first `[YEAR]` section")));
        };
        let year = table.year;
        let date_in_reach = |text: &str| -> Result<Date, CalendarError> {
            let date: Date = text
                .parse()
                .map_err(|_| error(format!("`{text}` is not a date (YYYY-MM-DD)")))?;
            if (i32::from(date.year()) - i32::from(year)).abs() > 1
                || !(first_year..=last_year).contains(&date.year())
            {
                return Err(error(format!(
                    "{date} is too far from the section's year {year}"
                )));
            }
            Ok(date)
        };
        let date_and_reason = |value: &str| -> Result<(Date, String), CalendarError> {
            let (date_text, reason) = value.split_once(char::is_whitespace).unwrap_or((value, ""));
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(error(format!("`{key}` needs a date and a reason")));
            }
            Ok((date_in_reach(date_text)?, reason.to_owned()))
        };
        match key {
            "confidence" => {
                table.confidence = Some(match value {
                    "high" => Confidence::High,
                    "medium" => Confidence::Medium,
                    "low" => Confidence::Low,
                    other => {
                        return Err(error(format!(
                            "confidence must be high, medium or low, not `{other}`"
                        )));
                    }
                });
            }
            "source" => table.sources.push(value.to_owned()),
            "note" => table.notes.push(value.to_owned()),
            "kurban_ait" => {
                let date = date_in_reach(value)?;
                if date.year() != year {
                    return Err(error(format!("kurban_ait {date} is not in {year}")));
                }
                if table.kurban_ait.is_some() {
                    return Err(error(format!("kurban_ait given twice for {year}")));
                }
                table.kurban_ait = Some(date);
            }
            "transfer" => {
                let Some((from, to)) = value.split_once("->") else {
                    return Err(error(format!(
                        "expected `transfer = WORKING_DATE -> DAY_OFF_DATE`, found `{value}`"
                    )));
                };
                let working = date_in_reach(from.trim())?;
                let day_off = date_in_reach(to.trim())?;
                if working == day_off {
                    return Err(error(format!("transfer from {working} to itself")));
                }
                table.transfers.push(Transfer { working, day_off });
            }
            "day_off" => {
                let entry = date_and_reason(value)?;
                table.extra_days_off.push(entry);
            }
            "working_day" => {
                let entry = date_and_reason(value)?;
                table.extra_working_days.push(entry);
            }
            other => {
                return Err(error(format!(
                    "unknown key `{other}` (expected kurban_ait, transfer, day_off, working_day, source, confidence or note)"
                )));
            }
        }
    }
    if let Some(done) = current.take() {
        tables.insert(done.year, done);
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> (usize, String) {
        match parse(text, 2002, 2100) {
            Err(CalendarError::Parse { line, message }) => (line, message),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn reads_a_section() {
        let tables = parse(
            "# c\n[2018]\nconfidence = high\nsource = decree\nkurban_ait = 2018-08-21\ntransfer = 2018-03-03 -> 2018-03-09\nday_off = 2018-06-01 Some reason\n",
            2002,
            2100,
        )
        .unwrap();
        let table = &tables[&2018];
        assert_eq!(table.confidence, Some(Confidence::High));
        assert_eq!(table.kurban_ait, Some(jiff::civil::date(2018, 8, 21)));
        assert_eq!(table.transfers.len(), 1);
        assert_eq!(table.extra_days_off[0].1, "Some reason");
    }

    #[test]
    fn reports_errors_with_lines() {
        assert_eq!(parse_err("kurban_ait = 2018-08-21").0, 1);
        assert_eq!(parse_err("[2018]\nkurban_ait = 2019-08-21").0, 2);
        assert_eq!(parse_err("[2018]\n\nfoo = bar").0, 3);
        assert_eq!(parse_err("[2018]\ntransfer = 2018-03-03").0, 2);
        assert_eq!(
            parse_err("[2018]\ntransfer = 2018-02-30 -> 2018-03-01").0,
            2
        );
        assert_eq!(parse_err("[1999]").0, 1);
        assert_eq!(parse_err("[2018]\n[2018]").0, 2);
        assert_eq!(parse_err("[2018\n").0, 1);
        assert_eq!(parse_err("[2018]\nday_off = 2018-06-01").0, 2);
        assert_eq!(parse_err("[2018]\nconfidence = sure").0, 2);
        assert_eq!(
            parse_err("[2018]\ntransfer = 2025-03-03 -> 2018-03-01").0,
            2
        );
    }
}
