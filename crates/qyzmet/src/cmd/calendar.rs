//! `qyzmet calendar YEAR`: the days off and transferred working days of a
//! year, with their legal reasons.

use std::process::ExitCode;

use anyhow::Context;
use qyzmet_calendar::{Calendar, DayInfo, FIRST_YEAR, LAST_YEAR};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per date, for people.
    Text,
    /// A JSON array, one object per date whose status differs from the plain
    /// Monday–Friday rule.
    Json,
}

#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  qyzmet calendar 2024
  qyzmet calendar 2018 --format json
  qyzmet calendar 2027 --overrides my-decrees.txt

The text form lists every date with a legal reason, including holidays that
fell on a weekend. The JSON form is an array of the dates whose status differs
from the plain Monday–Friday rule:
  {\"date\": \"2024-05-08\", \"working\": false, \"reason\": \"...\", \"kind\": \"transferred_day_off\",
   \"source\": \"...\", \"provisional\": false}
Years without shipped data (after 2026) follow the law alone and are marked
provisional.")]
pub struct CalendarArgs {
    /// The year, 2002..=2100.
    pub year: i16,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// A calendar data file whose [YEAR] sections replace the shipped ones
    /// (same format as crates/calendar/data/kazakhstan.txt).
    #[arg(long, value_name = "FILE")]
    pub overrides: Option<std::path::PathBuf>,
}

/// Loads the shipped calendar plus an optional override file.
pub(crate) fn load_calendar(overrides: Option<&std::path::Path>) -> anyhow::Result<Calendar> {
    let calendar = Calendar::kazakhstan();
    let Some(path) = overrides else {
        return Ok(calendar);
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the calendar overrides {}", path.display()))?;
    calendar
        .with_overrides(&text)
        .with_context(|| format!("in {}", path.display()))
}

/// Writes `text` to standard output; a closed pipe (`| head`) is not an error.
pub(crate) fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("cannot write to standard output")
        }
        _ => Ok(()),
    }
}

fn json_of(day: &DayInfo) -> serde_json::Value {
    serde_json::json!({
        "date": day.date.to_string(),
        "working": day.working,
        "reason": day.reason,
        "kind": day.kind.as_str(),
        "source": day.source,
        "provisional": day.provisional,
    })
}

pub fn run(args: CalendarArgs) -> anyhow::Result<ExitCode> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&args.year) {
        anyhow::bail!(
            "the year {} is outside the calendar's range {FIRST_YEAR}..={LAST_YEAR}",
            args.year
        );
    }
    let calendar = load_calendar(args.overrides.as_deref())?;
    let mut out = String::new();
    match args.format {
        Format::Json => {
            let days: Vec<serde_json::Value> = calendar
                .year_exceptions(args.year)
                .iter()
                .map(json_of)
                .collect();
            out.push_str(&serde_json::to_string_pretty(&days)?);
            out.push('\n');
        }
        Format::Text => {
            let year = args.year;
            if calendar.is_provisional(year) {
                out.push_str(&format!(
                    "{year}: PROVISIONAL — no data for this year: the law's rules only \
                     (no Government transfers, no Kurban Ait date).\n"
                ));
            } else {
                let confidence = calendar
                    .confidence(year)
                    .map_or("unrated", |confidence| confidence.as_str());
                out.push_str(&format!("{year}: data confidence {confidence}\n"));
            }
            if let Some(table) = calendar.year_table(year) {
                for note in &table.notes {
                    out.push_str(&format!("  note: {note}\n"));
                }
            }
            for day in calendar.year_holidays(year) {
                let status = if day.working { "working" } else { "day off" };
                out.push_str(&format!(
                    "{} {} {:<8} {}\n",
                    day.date,
                    day.date.strftime("%a"),
                    status,
                    day.reason
                ));
            }
        }
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}
