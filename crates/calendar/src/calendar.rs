//! The working calendar: which dates are working days, and why.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use jiff::civil::Date;

use crate::CalendarError;
use crate::civil::{date_of, days_from_civil, days_of, is_weekend};
use crate::data::{self, Confidence, YearTable};
use crate::law::{self, LAW};

/// The first year the calendar covers (the Law of 13 Dec 2001 took effect).
pub const FIRST_YEAR: i16 = 2002;
/// The last year the calendar covers. Years after the shipped data are
/// computed from the law alone and flagged provisional.
pub const LAST_YEAR: i16 = 2100;
/// The longest run of days off the calendar accepts before it reports
/// [`CalendarError::NoWorkingDay`] instead of searching further.
pub const MAX_DAYS_OFF_RUN: i32 = 400;

/// The built-in data: Kurban Ait dates and transfers, one table per year.
pub const BUILTIN_DATA: &str = include_str!("../data/kazakhstan.txt");

/// Why a date is (not) a working day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// Monday to Friday, nothing special.
    Workday,
    /// Saturday or Sunday, nothing special.
    Weekend,
    /// A holiday of the law on its own date.
    Holiday,
    /// The day off of a holiday that fell on a Saturday or Sunday.
    HolidayMoved,
    /// 7 January or the first day of Kurban Ait: a day off, never moved.
    ReligiousHoliday,
    /// A day off by a Government transfer.
    TransferredDayOff,
    /// A working day by a Government transfer.
    TransferredWorkingDay,
    /// A one-off day off from the data (`day_off = ...`).
    ExtraDayOff,
    /// A one-off working day from the data (`working_day = ...`).
    ExtraWorkingDay,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Workday => "workday",
            DayKind::Weekend => "weekend",
            DayKind::Holiday => "holiday",
            DayKind::HolidayMoved => "holiday_moved",
            DayKind::ReligiousHoliday => "religious_holiday",
            DayKind::TransferredDayOff => "transferred_day_off",
            DayKind::TransferredWorkingDay => "transferred_working_day",
            DayKind::ExtraDayOff => "extra_day_off",
            DayKind::ExtraWorkingDay => "extra_working_day",
        }
    }
}

/// What the calendar says about one date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayInfo {
    pub date: Date,
    pub working: bool,
    pub kind: DayKind,
    /// A human-readable reason with its legal basis, e.g.
    /// "Nauryz meiramy (moved from Sat 2024-03-23) — Law No. 267-II ...".
    pub reason: String,
    /// The act the status rests on, when it is data (a decree).
    pub source: Option<String>,
    /// True when the year has no confirmed data table (future years, or
    /// years outside the calendar's range): law rules only.
    pub provisional: bool,
}

#[derive(Clone, Debug)]
struct Note {
    kind: DayKind,
    reason: String,
    source: Option<String>,
}

#[derive(Debug)]
struct Inner {
    /// Day number (days since 1970-01-01) of 1 January of `FIRST_YEAR`.
    first_day: i32,
    working: Vec<bool>,
    /// `rank[i]` = number of working days among `working[..i]`.
    rank: Vec<u32>,
    /// Indices of the working days, in order.
    working_days: Vec<u32>,
    notes: HashMap<i32, Note>,
    tables: BTreeMap<i16, YearTable>,
}

/// The Kazakhstan working calendar: days off by law with their history, the
/// first day of Kurban Ait and the Government's transfers (data), for
/// `FIRST_YEAR..=LAST_YEAR`. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Calendar {
    inner: Arc<Inner>,
}

impl Calendar {
    /// The calendar with the shipped data (`data/kazakhstan.txt`).
    pub fn kazakhstan() -> Calendar {
        static BUILT_IN: OnceLock<Calendar> = OnceLock::new();
        BUILT_IN
            .get_or_init(|| {
                // The shipped data is covered by a test; should it ever fail
                // to parse, the calendar falls back to the law alone, with
                // every year flagged provisional, instead of panicking.
                let tables = data::parse(BUILTIN_DATA, FIRST_YEAR, LAST_YEAR).unwrap_or_default();
                Calendar::build(tables)
            })
            .clone()
    }

    /// The law's rules alone, with no yearly data: every year is provisional
    /// and Kurban Ait is unknown.
    pub fn law_only() -> Calendar {
        Calendar::build(BTreeMap::new())
    }

    /// Parses a complete calendar data file (same format as the shipped one).
    pub fn from_data(text: &str) -> Result<Calendar, CalendarError> {
        Ok(Calendar::build(data::parse(text, FIRST_YEAR, LAST_YEAR)?))
    }

    /// Extends or corrects the calendar from a data file's text: every
    /// `[YEAR]` section in `text` replaces that year's table (a year past the
    /// shipped data becomes confirmed). The caller reads the file.
    pub fn with_overrides(self, text: &str) -> Result<Calendar, CalendarError> {
        let overrides = data::parse(text, FIRST_YEAR, LAST_YEAR)?;
        let mut tables = self.inner.tables.clone();
        tables.extend(overrides);
        Ok(Calendar::build(tables))
    }

    /// The data table of a year, if the calendar has one.
    pub fn year_table(&self, year: i16) -> Option<&YearTable> {
        self.inner.tables.get(&year)
    }

    /// True when `year` has no data table: its days off follow the law alone
    /// (no transfers, no Kurban Ait) and may change.
    pub fn is_provisional(&self, year: i16) -> bool {
        !self.inner.tables.contains_key(&year)
    }

    /// The confidence the data file gives for `year`, if any.
    pub fn confidence(&self, year: i16) -> Option<Confidence> {
        self.inner
            .tables
            .get(&year)
            .and_then(|table| table.confidence)
    }

    pub fn is_working_day(&self, date: Date) -> bool {
        let days = days_of(date);
        match self.index(days) {
            Some(index) => self.inner.working[index],
            None => !is_weekend(days),
        }
    }

    /// The status of `date` with its reason. Dates outside the calendar's
    /// range follow the plain Monday–Friday rule and are provisional.
    pub fn day(&self, date: Date) -> DayInfo {
        let days = days_of(date);
        let Some(index) = self.index(days) else {
            let working = !is_weekend(days);
            return DayInfo {
                date,
                working,
                kind: if working {
                    DayKind::Workday
                } else {
                    DayKind::Weekend
                },
                reason: format!(
                    "outside the calendar's range {FIRST_YEAR}..={LAST_YEAR}: plain Monday–Friday rule"
                ),
                source: None,
                provisional: true,
            };
        };
        let working = self.inner.working[index];
        let provisional = self.is_provisional(date.year());
        match self.inner.notes.get(&days) {
            Some(note) => DayInfo {
                date,
                working,
                kind: note.kind,
                reason: note.reason.clone(),
                source: note.source.clone(),
                provisional,
            },
            None => DayInfo {
                date,
                working,
                kind: if working {
                    DayKind::Workday
                } else {
                    DayKind::Weekend
                },
                reason: if working {
                    "working day".into()
                } else {
                    "weekend".into()
                },
                source: None,
                provisional,
            },
        }
    }

    /// The dates of `year` whose status differs from the plain Monday–Friday
    /// rule: days off on weekdays and working Saturdays/Sundays.
    pub fn year_exceptions(&self, year: i16) -> Vec<DayInfo> {
        self.year_days(year)
            .filter(|day| day.working == is_weekend(days_of(day.date)))
            .collect()
    }

    /// Every date of `year` with a legal reason: the exceptions plus the
    /// holidays that fell on a weekend (and so changed nothing by themselves).
    pub fn year_holidays(&self, year: i16) -> Vec<DayInfo> {
        self.year_days(year)
            .filter(|day| {
                day.working == is_weekend(days_of(day.date))
                    || !matches!(day.kind, DayKind::Workday | DayKind::Weekend)
            })
            .collect()
    }

    fn year_days(&self, year: i16) -> impl Iterator<Item = DayInfo> + '_ {
        let start = days_from_civil(i32::from(year), 1, 1);
        let end = days_from_civil(i32::from(year) + 1, 1, 1);
        (start..end).filter_map(date_of).map(|date| self.day(date))
    }

    // --- The fast tables, for the legal clock. ---

    pub(crate) fn index(&self, days: i32) -> Option<usize> {
        let offset = days.checked_sub(self.inner.first_day)?;
        let index = usize::try_from(offset).ok()?;
        (index < self.inner.working.len()).then_some(index)
    }

    pub(crate) fn day_count(&self) -> usize {
        self.inner.working.len()
    }

    pub(crate) fn first_day(&self) -> i32 {
        self.inner.first_day
    }

    pub(crate) fn is_working_index(&self, index: usize) -> bool {
        self.inner.working.get(index).copied().unwrap_or(false)
    }

    /// Number of working days strictly before table index `index` (clamped
    /// to the table).
    pub(crate) fn rank(&self, index: usize) -> u32 {
        let rank = &self.inner.rank;
        rank.get(index).or(rank.last()).copied().unwrap_or(0)
    }

    /// The table index of the working day of rank `rank` (0-based).
    pub(crate) fn working_day_of_rank(&self, rank: u64) -> Option<usize> {
        let rank = usize::try_from(rank).ok()?;
        self.inner
            .working_days
            .get(rank)
            .map(|&index| index as usize)
    }

    /// The first working day at or after table index `index`, bounded by
    /// [`MAX_DAYS_OFF_RUN`].
    pub(crate) fn next_working_index(&self, index: usize) -> Result<usize, CalendarError> {
        let out_of_range = || CalendarError::OutOfRange {
            what: "the next working day".into(),
            first: FIRST_YEAR,
            last: LAST_YEAR,
        };
        if index >= self.day_count() {
            return Err(out_of_range());
        }
        let found = self
            .working_day_of_rank(u64::from(self.rank(index)))
            .ok_or_else(out_of_range)?;
        if found - index > MAX_DAYS_OFF_RUN as usize {
            let after = date_of(self.first_day() + index as i32)
                .map(|date| date.to_string())
                .unwrap_or_default();
            return Err(CalendarError::NoWorkingDay {
                after,
                bound_days: MAX_DAYS_OFF_RUN,
            });
        }
        Ok(found)
    }

    fn build(tables: BTreeMap<i16, YearTable>) -> Calendar {
        let first_day = days_from_civil(i32::from(FIRST_YEAR), 1, 1);
        let end_day = days_from_civil(i32::from(LAST_YEAR) + 1, 1, 1);
        let mut notes: HashMap<i32, Note> = HashMap::new();

        for year in i32::from(FIRST_YEAR)..=i32::from(LAST_YEAR) {
            let table = tables.get(&(year as i16));
            let mut off: HashMap<i32, Note> = HashMap::new();
            if let Some(christmas) = law::orthodox_christmas(year) {
                off.insert(
                    days_from_civil(year, christmas.month, christmas.day),
                    Note {
                        kind: DayKind::ReligiousHoliday,
                        reason: format!(
                            "{} (day off under the Labour Code; never moved)",
                            christmas.name
                        ),
                        source: None,
                    },
                );
            }
            if year >= law::KURBAN_AIT_FIRST_YEAR
                && let Some(kurban) = table.and_then(|table| table.kurban_ait)
            {
                off.insert(
                    days_of(kurban),
                    Note {
                        kind: DayKind::ReligiousHoliday,
                        reason: format!(
                            "first day of Kurban Ait (day off under the Labour Code; never moved; date from the calendar data for {year})"
                        ),
                        source: None,
                    },
                );
            }
            let holidays = law::movable_holidays(year);
            for holiday in &holidays {
                let days = days_from_civil(year, holiday.month, holiday.day);
                off.insert(
                    days,
                    Note {
                        kind: DayKind::Holiday,
                        reason: format!("{} — {LAW}", holiday.name),
                        source: None,
                    },
                );
            }
            // A holiday on a Saturday or Sunday moves its day off to the next
            // working day; moves chain (16–17 Dec 2017 gave 18–19 Dec).
            for holiday in &holidays {
                let days = days_from_civil(year, holiday.month, holiday.day);
                if !is_weekend(days) {
                    continue;
                }
                // Bounded: a year has fewer than 40 days off by law.
                let target = (days + 1..days + 60)
                    .find(|candidate| !is_weekend(*candidate) && !off.contains_key(candidate));
                if let Some(target) = target {
                    let weekday = if crate::civil::weekday_from_days(days) == 5 {
                        "Sat"
                    } else {
                        "Sun"
                    };
                    let from = date_of(days).map(|d| d.to_string()).unwrap_or_default();
                    off.insert(
                        target,
                        Note {
                            kind: DayKind::HolidayMoved,
                            reason: format!(
                                "{} (moved from {weekday} {from}) — {LAW}",
                                holiday.name
                            ),
                            source: None,
                        },
                    );
                }
            }
            notes.extend(off);
        }

        // The data: transfers and one-off changes override the law.
        for table in tables.values() {
            let source = table.source_text();
            let basis = source
                .clone()
                .unwrap_or_else(|| format!("calendar data for {}", table.year));
            for transfer in &table.transfers {
                notes.insert(
                    days_of(transfer.working),
                    Note {
                        kind: DayKind::TransferredWorkingDay,
                        reason: format!(
                            "working day: day off transferred to {} — {basis}",
                            transfer.day_off
                        ),
                        source: source.clone(),
                    },
                );
                notes.insert(
                    days_of(transfer.day_off),
                    Note {
                        kind: DayKind::TransferredDayOff,
                        reason: format!("day off transferred from {} — {basis}", transfer.working),
                        source: source.clone(),
                    },
                );
            }
            for (date, reason) in &table.extra_days_off {
                notes.insert(
                    days_of(*date),
                    Note {
                        kind: DayKind::ExtraDayOff,
                        reason: format!("{reason} — {basis}"),
                        source: source.clone(),
                    },
                );
            }
            for (date, reason) in &table.extra_working_days {
                notes.insert(
                    days_of(*date),
                    Note {
                        kind: DayKind::ExtraWorkingDay,
                        reason: format!("{reason} — {basis}"),
                        source: source.clone(),
                    },
                );
            }
        }

        let count = usize::try_from(end_day - first_day).unwrap_or(0);
        let mut working = Vec::with_capacity(count);
        let mut rank = Vec::with_capacity(count + 1);
        let mut working_days = Vec::new();
        rank.push(0u32);
        for index in 0..count {
            let days = first_day + index as i32;
            let is_working = match notes.get(&days).map(|note| note.kind) {
                Some(
                    DayKind::Workday | DayKind::TransferredWorkingDay | DayKind::ExtraWorkingDay,
                ) => true,
                Some(_) => false,
                None => !is_weekend(days),
            };
            working.push(is_working);
            if is_working {
                working_days.push(index as u32);
            }
            rank.push(working_days.len() as u32);
        }
        notes.retain(|days, _| (first_day..end_day).contains(days));
        Calendar {
            inner: Arc::new(Inner {
                first_day,
                working,
                rank,
                working_days,
                notes,
                tables,
            }),
        }
    }
}
