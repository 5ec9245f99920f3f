//! Deadline arithmetic on the working calendar and a provider's office hours.
//! The semantics are written down in `docs/legal-time.md`.

use jiff::Timestamp;
use jiff::civil::{DateTime, Time};
use qyzmet_core::{Duration, Unit};

use crate::calendar::{FIRST_YEAR, LAST_YEAR};
use crate::civil::{civil_from_days, date_of, days_from_civil, days_in_month};
use crate::{Calendar, CalendarError, Schedule};

/// How a term is counted, beyond its amount and unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TermRule {
    /// "The day of acceptance is not counted in the term": the count starts
    /// after the acceptance day, which is the day of the start instant if the
    /// office is open then (before closing), else the next working day.
    pub acceptance_day_not_counted: bool,
}

/// A clock that counts legal time for one provider: a calendar and a
/// schedule. Cheap to build; holds no state of its own.
#[derive(Clone, Copy, Debug)]
pub struct LegalClock<'a> {
    calendar: &'a Calendar,
    schedule: &'a Schedule,
}

/// A local position: an index into the calendar's day table and a local
/// second of the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Local {
    index: usize,
    second: u32,
}

impl<'a> LegalClock<'a> {
    pub fn new(calendar: &'a Calendar, schedule: &'a Schedule) -> Self {
        LegalClock { calendar, schedule }
    }

    pub fn calendar(&self) -> &'a Calendar {
        self.calendar
    }

    pub fn schedule(&self) -> &'a Schedule {
        self.schedule
    }

    /// The instant a term of `limit` started at `start` ends.
    ///
    /// - `minutes`/`hours`: working time, counted only inside office hours of
    ///   working days; a start outside office hours starts counting at the
    ///   next opening. The result is the earliest instant at which the amount
    ///   has elapsed (13:00, not 14:00, when it runs out at the lunch break).
    /// - `working_days`: N working days after the start's local date; the
    ///   term ends when the office closes on the last day.
    /// - `calendar_days`, `months`: counted from the start's local date; a
    ///   last day that is not a working day moves to the next working day;
    ///   the term ends at closing time.
    /// - An amount of 0 days/months ends at closing time of the acceptance
    ///   day; 0 minutes is the start itself, moved into office hours.
    ///
    /// Start instants are counted from the first whole second at or after
    /// them. Errors when the result would leave the calendar's range.
    pub fn deadline(
        &self,
        start: Timestamp,
        limit: Duration,
        rule: TermRule,
    ) -> Result<Timestamp, CalendarError> {
        let start = self.local_of(start)?;
        let amount = u64::from(limit.amount);
        let at = match limit.unit {
            Unit::Minutes => self.add_working_seconds(start, amount * 60, rule)?,
            Unit::Hours => self.add_working_seconds(start, amount * 3600, rule)?,
            Unit::WorkingDays => self.add_working_days(start, amount, rule)?,
            Unit::CalendarDays => self.add_calendar_days(start, amount, rule)?,
            Unit::Months => self.add_months(start, amount, rule)?,
        };
        self.timestamp_of(at)
    }

    /// Working minutes from `from` to `to` (negative when `to` is earlier),
    /// counted like [`LegalClock::deadline`] counts minutes; truncated towards
    /// zero. Instants outside the calendar's range count as its edges.
    pub fn working_minutes_between(&self, from: Timestamp, to: Timestamp) -> i64 {
        (self.counter_of(to) - self.counter_of(from)) / 60
    }

    /// True when `now` is strictly after `due`: the deadline instant itself
    /// is still in time.
    pub fn is_overdue(&self, due: Timestamp, now: Timestamp) -> bool {
        now > due
    }

    /// True when `at` is inside office hours of a working day (both ends of
    /// each working period included).
    pub fn is_office_time(&self, at: Timestamp) -> bool {
        let (days, second) = self.civil_of(at);
        match self.calendar.index(days) {
            Some(index) => {
                self.calendar.is_working_index(index) && self.schedule.is_office_time(second)
            }
            None => false,
        }
    }

    // --- internals ---

    /// Local date (as a day number) and second of the day of an instant.
    fn civil_of(&self, at: Timestamp) -> (i32, u32) {
        let datetime = self.schedule.time_zone().to_datetime(at);
        let days = days_from_civil(
            i32::from(datetime.year()),
            i32::from(datetime.month()),
            i32::from(datetime.day()),
        );
        let second = datetime.hour() as u32 * 3600
            + datetime.minute() as u32 * 60
            + datetime.second() as u32;
        (days, second)
    }

    fn local_of(&self, start: Timestamp) -> Result<Local, CalendarError> {
        let out_of_range = || CalendarError::OutOfRange {
            what: format!("the start {start}"),
            first: FIRST_YEAR,
            last: LAST_YEAR,
        };
        // Count from the first whole second at or after the start.
        let whole = if start.subsec_nanosecond() > 0 {
            Timestamp::from_second(start.as_second().saturating_add(1))
                .map_err(|_| out_of_range())?
        } else {
            Timestamp::from_second(start.as_second()).map_err(|_| out_of_range())?
        };
        let (days, second) = self.civil_of(whole);
        let index = self.calendar.index(days).ok_or_else(out_of_range)?;
        Ok(Local { index, second })
    }

    fn timestamp_of(&self, at: Local) -> Result<Timestamp, CalendarError> {
        let mut days = self.calendar.first_day() + at.index as i32;
        let mut second = at.second;
        if second >= 86_400 {
            days += 1;
            second -= 86_400;
        }
        let what = || format!("day {days} second {second}");
        let date = date_of(days).ok_or_else(|| CalendarError::Time(what()))?;
        let time = Time::new(
            (second / 3600) as i8,
            (second / 60 % 60) as i8,
            (second % 60) as i8,
            0,
        )
        .map_err(|_| CalendarError::Time(what()))?;
        self.schedule
            .time_zone()
            .to_ambiguous_timestamp(DateTime::from_parts(date, time))
            .compatible()
            .map_err(|_| CalendarError::Time(format!("{date} {time}")))
    }

    fn out_of_range(&self, what: &str) -> CalendarError {
        CalendarError::OutOfRange {
            what: what.to_owned(),
            first: FIRST_YEAR,
            last: LAST_YEAR,
        }
    }

    /// The first working day at or after `index`.
    fn next_working(&self, index: usize) -> Result<usize, CalendarError> {
        self.calendar.next_working_index(index)
    }

    /// The acceptance day: the start's own day if it is a working day and
    /// the office has not closed yet, else the next working day.
    fn acceptance_day(&self, start: Local) -> Result<usize, CalendarError> {
        if self.calendar.is_working_index(start.index)
            && start.second < self.schedule.close_seconds()
        {
            Ok(start.index)
        } else {
            self.next_working(start.index + 1)
        }
    }

    fn closing(&self, index: usize) -> Local {
        Local {
            index,
            second: self.schedule.close_seconds(),
        }
    }

    /// Working seconds elapsed since the start of the table.
    fn counter_at(&self, at: Local) -> i64 {
        let day = i64::from(self.schedule.day_seconds());
        let before = i64::from(self.calendar.rank(at.index)) * day;
        if self.calendar.is_working_index(at.index) {
            before + i64::from(self.schedule.offset_at(at.second))
        } else {
            before
        }
    }

    fn counter_of(&self, at: Timestamp) -> i64 {
        let (days, second) = self.civil_of(at);
        match self.calendar.index(days) {
            Some(index) => self.counter_at(Local { index, second }),
            None if days < self.calendar.first_day() => 0,
            None => {
                i64::from(self.calendar.rank(self.calendar.day_count()))
                    * i64::from(self.schedule.day_seconds())
            }
        }
    }

    fn add_working_seconds(
        &self,
        start: Local,
        seconds: u64,
        rule: TermRule,
    ) -> Result<Local, CalendarError> {
        let begin = if rule.acceptance_day_not_counted {
            let accepted = self.acceptance_day(start)?;
            Local {
                index: self.next_working(accepted + 1)?,
                second: self.schedule.open_seconds(),
            }
        } else {
            let clamped = if self.calendar.is_working_index(start.index) {
                self.schedule.clamp_into_hours(start.second)
            } else {
                None
            };
            match clamped {
                Some(second) => Local {
                    index: start.index,
                    second,
                },
                None => Local {
                    index: self.next_working(start.index + 1)?,
                    second: self.schedule.open_seconds(),
                },
            }
        };
        if seconds == 0 {
            return Ok(begin);
        }
        let day = u64::from(self.schedule.day_seconds());
        let counter = u64::try_from(self.counter_at(begin)).unwrap_or(0);
        let target = counter + seconds;
        // The earliest position with this counter: the end of a working day
        // rather than the next opening, the start of lunch rather than its end.
        let rank = (target - 1) / day;
        let offset = target - rank * day;
        let index = self
            .calendar
            .working_day_of_rank(rank)
            .ok_or_else(|| self.out_of_range("the deadline"))?;
        Ok(Local {
            index,
            second: self.schedule.time_at(offset as u32),
        })
    }

    fn add_working_days(
        &self,
        start: Local,
        days: u64,
        rule: TermRule,
    ) -> Result<Local, CalendarError> {
        if days == 0 {
            return Ok(self.closing(self.acceptance_day(start)?));
        }
        let base = if rule.acceptance_day_not_counted {
            self.acceptance_day(start)?
        } else {
            start.index
        };
        // Working days up to and including `base`; the next one has this rank.
        let rank = u64::from(self.calendar.rank(base + 1)) + days - 1;
        let index = self
            .calendar
            .working_day_of_rank(rank)
            .ok_or_else(|| self.out_of_range("the deadline"))?;
        Ok(self.closing(index))
    }

    fn add_calendar_days(
        &self,
        start: Local,
        days: u64,
        rule: TermRule,
    ) -> Result<Local, CalendarError> {
        if days == 0 {
            return Ok(self.closing(self.acceptance_day(start)?));
        }
        let base = if rule.acceptance_day_not_counted {
            self.acceptance_day(start)?
        } else {
            start.index
        };
        let last = usize::try_from(days)
            .ok()
            .and_then(|days| base.checked_add(days))
            .filter(|last| *last < self.calendar.day_count())
            .ok_or_else(|| self.out_of_range("the deadline"))?;
        Ok(self.closing(self.next_working(last)?))
    }

    fn add_months(
        &self,
        start: Local,
        months: u64,
        rule: TermRule,
    ) -> Result<Local, CalendarError> {
        if months == 0 {
            return Ok(self.closing(self.acceptance_day(start)?));
        }
        let base = if rule.acceptance_day_not_counted {
            self.acceptance_day(start)?
        } else {
            start.index
        };
        let (year, month, day) = civil_from_days(self.calendar.first_day() + base as i32);
        // Civil Code: the term ends on the same-numbered day of the last
        // month, or on its last day when the month is shorter.
        let total = i64::from(year) * 12 + i64::from(month - 1) + months as i64;
        let (year, month) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        if year > i64::from(LAST_YEAR) {
            return Err(self.out_of_range("the deadline"));
        }
        let (year, month) = (year as i32, month as i32);
        let day = day.min(days_in_month(year, month));
        let index = self
            .calendar
            .index(days_from_civil(year, month, day))
            .ok_or_else(|| self.out_of_range("the deadline"))?;
        Ok(self.closing(self.next_working(index)?))
    }
}
