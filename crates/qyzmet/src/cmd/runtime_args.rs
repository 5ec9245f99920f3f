//! Options shared by the commands that work on a database.

use std::path::PathBuf;

use anyhow::Context as _;
use jiff::Timestamp;
use qyzmet_calendar::Calendar;
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
        Ok(Runtime::new(store, catalog, calendar))
    }
}
