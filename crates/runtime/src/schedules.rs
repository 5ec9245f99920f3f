//! Providers' office hours: what the legal clock counts working time in.
//!
//! A provider's record in the store's `providers` directory (written by
//! `qyzmet serve --demo` or an administrator) may carry `office_hours`:
//! the name of a built-in schedule of `qyzmet-calendar` (`qyzmet deadline
//! --help` lists them) or explicit hours. [`Runtime::load_schedules`]
//! reads them into [`Runtime::schedules`] when a server or a command
//! starts; a provider without any keeps `Schedule::standard()`.

use std::collections::BTreeMap;

use jiff::civil::Time;
use qyzmet_calendar::Schedule;
use qyzmet_storage::Store;
use serde::{Deserialize, Serialize};

use crate::{Runtime, RuntimeError};

/// The directory collection of providers (one record per provider id).
pub const PROVIDERS: &str = "providers";

/// The most provider records read at start-up.
const PROVIDERS_MAX: usize = 10_000;

/// The zone of explicit hours that name none.
const DEFAULT_ZONE: &str = "Asia/Almaty";

/// A provider's office hours as configured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OfficeHours {
    /// A built-in schedule by name: `{"schedule": "kyzylorda"}`.
    Named { schedule: String },
    /// Explicit hours: `{"open": "09:00", "close": "13:00", "lunch":
    /// ["12:00", "12:30"], "zone": "Asia/Oral"}` (`lunch` and `zone`
    /// optional; the zone defaults to Asia/Almaty).
    Hours {
        open: String,
        close: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lunch: Option<[String; 2]>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        zone: Option<String>,
    },
}

impl OfficeHours {
    /// Reads the command-line form: a schedule name (`astana-2016`), or
    /// `HH:MM-HH:MM` with an optional lunch `,HH:MM-HH:MM` and zone
    /// `@Zone` (`09:00-13:00@Asia/Oral`).
    pub fn parse(text: &str) -> Result<OfficeHours, String> {
        let text = text.trim();
        if !text.contains(':') {
            return Ok(OfficeHours::Named {
                schedule: text.to_owned(),
            });
        }
        let (hours, zone) = match text.split_once('@') {
            Some((hours, zone)) => (hours, Some(zone.to_owned())),
            None => (text, None),
        };
        let (day, lunch) = match hours.split_once(',') {
            Some((day, lunch)) => (day, Some(lunch)),
            None => (hours, None),
        };
        let span = |part: &str| -> Result<[String; 2], String> {
            let (from, to) = part
                .split_once('-')
                .ok_or_else(|| format!("`{part}`: write hours as HH:MM-HH:MM"))?;
            Ok([from.trim().to_owned(), to.trim().to_owned()])
        };
        let [open, close] = span(day)?;
        let hours = OfficeHours::Hours {
            open,
            close,
            lunch: lunch.map(span).transpose()?,
            zone,
        };
        hours.schedule("check")?;
        Ok(hours)
    }

    /// The schedule these hours describe; `name` names explicit hours.
    pub fn schedule(&self, name: &str) -> Result<Schedule, String> {
        match self {
            OfficeHours::Named { schedule } => Schedule::named(schedule).ok_or_else(|| {
                let names: Vec<&str> = Schedule::names().map(|(name, _)| name).collect();
                format!(
                    "unknown schedule `{schedule}`; the built-in schedules are {}",
                    names.join(", ")
                )
            }),
            OfficeHours::Hours {
                open,
                close,
                lunch,
                zone,
            } => {
                let time = |text: &str| {
                    text.parse::<Time>()
                        .map_err(|_| format!("`{text}` is not a time of day (HH:MM)"))
                };
                let lunch = match lunch {
                    Some([start, end]) => Some((time(start)?, time(end)?)),
                    None => None,
                };
                let zone = zone.as_deref().unwrap_or(DEFAULT_ZONE);
                if close == "24:00" {
                    Schedule::new(name, zone, time(open)?, time(open)?, lunch)
                        .and_then(Schedule::with_close_at_midnight)
                } else {
                    Schedule::new(name, zone, time(open)?, time(close)?, lunch)
                }
                .map_err(|error| error.to_string())
            }
        }
    }
}

/// The office hours of every provider in the store's directory that has
/// them, by provider id.
pub fn from_directory(store: &dyn Store) -> Result<BTreeMap<String, Schedule>, RuntimeError> {
    let mut schedules = BTreeMap::new();
    for (id, record) in store.docs(PROVIDERS, PROVIDERS_MAX)? {
        let Some(hours) = record.get("office_hours").filter(|hours| !hours.is_null()) else {
            continue;
        };
        let invalid = |message: String| RuntimeError::OfficeHours {
            provider: id.clone(),
            message,
        };
        let hours: OfficeHours =
            serde_json::from_value(hours.clone()).map_err(|error| invalid(error.to_string()))?;
        let schedule = hours.schedule(&id).map_err(invalid)?;
        schedules.insert(id.clone(), schedule);
    }
    Ok(schedules)
}

impl Runtime {
    /// Reads the providers' office hours from the store's directory into
    /// [`Runtime::schedules`] (entries already set stay unless the
    /// directory has the provider). Returns how many providers have hours.
    pub fn load_schedules(&mut self) -> Result<usize, RuntimeError> {
        let loaded = from_directory(self.store.as_ref())?;
        let count = loaded.len();
        self.schedules.extend(loaded);
        Ok(count)
    }

    /// The office hours the legal clock counts `provider_id`'s deadlines
    /// in: its configured schedule, else `Schedule::standard()`.
    pub fn schedule(&self, provider_id: &str) -> Schedule {
        self.schedules
            .get(provider_id)
            .cloned()
            .unwrap_or_else(Schedule::standard)
    }
}
