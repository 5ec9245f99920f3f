//! Options shared by the commands that work on a database.

use std::path::PathBuf;

use anyhow::Context as _;
use jiff::Timestamp;
use qyzmet_calendar::Calendar;
use qyzmet_runtime::schedules::OfficeHours;
use qyzmet_runtime::{Catalog, Runtime};

#[derive(clap::Args)]
pub struct RuntimeArgs {
    /// The database: a SQLite file path, or a `postgres://` URL.
    #[arg(
        long,
        env = "QYZMET_DB",
        default_value = "data/qyzmet.db",
        global = true
    )]
    pub db: String,
    /// Directory of regulation files (default: ./regulations when it exists,
    /// else the copy bundled in the binary).
    #[arg(long, global = true)]
    pub regulations: Option<PathBuf>,
    /// The instant the command happens at, RFC 3339 (default: now).
    #[arg(long, global = true, value_parser = parse_instant)]
    pub at: Option<Timestamp>,
    /// A provider's office hours, `PROVIDER=SCHEDULE` (a built-in schedule,
    /// see `qyzmet deadline --help`) or `PROVIDER=HH:MM-HH:MM` with an
    /// optional lunch `,HH:MM-HH:MM` and zone `@Zone`. Overrides the hours
    /// in the providers' directory; repeat for several providers.
    #[arg(long = "office-hours", global = true, value_parser = parse_office_hours)]
    pub office_hours: Vec<(String, OfficeHours)>,
}

fn parse_office_hours(text: &str) -> Result<(String, OfficeHours), String> {
    let (provider, hours) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: write office hours as PROVIDER=HOURS"))?;
    let hours = OfficeHours::parse(hours)?;
    hours.schedule(provider)?;
    Ok((provider.to_owned(), hours))
}

fn parse_instant(text: &str) -> Result<Timestamp, String> {
    text.parse::<Timestamp>()
        .map_err(|error| format!("`{text}` is not an RFC 3339 instant: {error}"))
}

impl RuntimeArgs {
    pub fn now(&self) -> Timestamp {
        self.at.unwrap_or_else(Timestamp::now)
    }

    pub fn open(&self) -> anyhow::Result<Runtime> {
        let calendar = Calendar::kazakhstan();
        let catalog = match &self.regulations {
            Some(dir) => Catalog::from_dir(dir, &calendar)
                .with_context(|| format!("cannot read {}", dir.display()))?,
            None => Catalog::default_for_cwd(&calendar).context("cannot read regulations/")?,
        };
        if !self.db.starts_with("postgres") {
            let path = std::path::Path::new(self.db.strip_prefix("sqlite://").unwrap_or(&self.db));
            if let Some(parent) = path
                .parent()
                .filter(|parent| !parent.as_os_str().is_empty())
            {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
        }
        let store =
            qyzmet_store::open(&self.db).with_context(|| format!("cannot open {}", self.db))?;
        let mut runtime = Runtime::new(store, catalog, calendar);
        runtime
            .load_schedules()
            .context("cannot read the providers' office hours")?;
        for (provider, hours) in &self.office_hours {
            let schedule = hours
                .schedule(provider)
                .map_err(|error| anyhow::anyhow!("--office-hours {provider}: {error}"))?;
            runtime.schedules.insert(provider.clone(), schedule);
        }
        Ok(runtime)
    }
}
