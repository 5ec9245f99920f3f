//! `qyzmet deadline`: compute a legal deadline on the working calendar.

use std::process::ExitCode;

use anyhow::Context;
use qyzmet_calendar::{LegalClock, Schedule, TermRule};
use qyzmet_core::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The deadline alone, RFC 3339 with the provider's UTC offset.
    Text,
    /// A JSON object with the inputs, the deadline and whether any year
    /// involved is provisional.
    Json,
}

#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  qyzmet deadline --from 2025-06-02T10:00:00+05:00 --add \"3 working_days\"
  qyzmet deadline --from 2020-03-20T17:55:00+06:00 --add \"10 minutes\" --schedule balkhash-2012
  qyzmet deadline --from 2025-06-07T11:00:00+05:00 --add \"1 working_days\" --acceptance-day-not-counted

Units: minutes and hours are working time inside office hours; working_days
end at closing time of the last working day, counted from the day after the
start; calendar_days and months end at closing time, moved to the next working
day when the last day is a day off. See docs/legal-time.md.")]
pub struct DeadlineArgs {
    /// Start instant, RFC 3339 (e.g. 2025-06-02T10:00:00+05:00).
    #[arg(long, value_name = "RFC3339")]
    pub from: String,
    /// The term: "AMOUNT UNIT" with UNIT one of minutes, hours, working_days,
    /// calendar_days, months (e.g. "3 working_days").
    #[arg(long, value_name = "TERM")]
    pub add: String,
    /// The provider's office hours and time zone: standard, balkhash-2012,
    /// astana-2016, kostanay, kyzylorda, aktobe, west-kazakhstan or
    /// round-the-clock-office (an unknown name prints each one's hours).
    #[arg(long, default_value = "standard", value_name = "NAME")]
    pub schedule: String,
    /// The day of acceptance is not counted in the term (State Corporation
    /// rule): counting starts after the acceptance day.
    #[arg(long)]
    pub acceptance_day_not_counted: bool,
    /// A calendar data file whose [YEAR] sections replace the shipped ones.
    #[arg(long, value_name = "FILE")]
    pub overrides: Option<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

fn schedule_names() -> String {
    Schedule::names()
        .map(|(name, description)| format!("  {name:<24} {description}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn run(args: DeadlineArgs) -> anyhow::Result<ExitCode> {
    let start: jiff::Timestamp = args.from.parse().with_context(|| {
        format!(
            "--from `{}` is not an RFC 3339 instant such as 2025-06-02T10:00:00+05:00",
            args.from
        )
    })?;
    let limit: Duration = args
        .add
        .parse()
        .with_context(|| format!("--add `{}`", args.add))?;
    let Some(schedule) = Schedule::named(&args.schedule) else {
        anyhow::bail!(
            "unknown schedule `{}`; the built-in schedules are:\n{}",
            args.schedule,
            schedule_names()
        );
    };
    let calendar = super::calendar::load_calendar(args.overrides.as_deref())?;
    let clock = LegalClock::new(&calendar, &schedule);
    let rule = TermRule {
        acceptance_day_not_counted: args.acceptance_day_not_counted,
    };
    let due = clock
        .deadline(start, limit, rule)
        .with_context(|| format!("cannot compute {limit} from {start}"))?;
    let zone = schedule.time_zone();
    let shown = due.display_with_offset(zone.to_offset(due)).to_string();
    let first_year = zone.to_datetime(start).year();
    let last_year = zone.to_datetime(due).year();
    let provisional = (first_year..=last_year).any(|year| calendar.is_provisional(year));
    match args.format {
        Format::Text => {
            super::calendar::emit(&format!("{shown}\n"))?;
            if provisional {
                use std::io::Write;
                // A closed standard error is no reason to fail the command.
                let _ = writeln!(
                    std::io::stderr(),
                    "warning: the term runs through a year without calendar data \
                     ({first_year}..={last_year}): provisional, law rules only"
                );
            }
        }
        Format::Json => {
            let value = serde_json::json!({
                "from": start.display_with_offset(zone.to_offset(start)).to_string(),
                "add": limit.to_string(),
                "schedule": schedule.name(),
                "time_zone": schedule.zone_name(),
                "acceptance_day_not_counted": args.acceptance_day_not_counted,
                "deadline": shown,
                "provisional": provisional,
            });
            super::calendar::emit(&format!("{}\n", serde_json::to_string_pretty(&value)?))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
