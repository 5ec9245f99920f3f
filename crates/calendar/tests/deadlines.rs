//! Deadline arithmetic: the edge cases other engines get wrong.
//! Expected instants are worked out by hand (see docs/legal-time.md).

use jiff::Timestamp;
use qyzmet_calendar::{Calendar, CalendarError, LegalClock, Schedule, TermRule};
use qyzmet_core::{Duration, Unit};

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Computes a deadline with the standard schedule and checks it.
fn check(start: &str, limit: &str, rule: TermRule, expected: &str) {
    check_with("standard", start, limit, rule, expected);
}

fn check_with(schedule: &str, start: &str, limit: &str, rule: TermRule, expected: &str) {
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::named(schedule).unwrap();
    let clock = LegalClock::new(&calendar, &schedule);
    let limit: Duration = limit.parse().unwrap();
    let actual = clock.deadline(ts(start), limit, rule).unwrap();
    assert_eq!(actual, ts(expected), "{start} + {limit} ({rule:?})");
}

const DEFAULT: TermRule = TermRule {
    acceptance_day_not_counted: false,
};
const NOT_COUNTED: TermRule = TermRule {
    acceptance_day_not_counted: true,
};

#[test]
fn timer_started_before_office_hours_counts_from_opening() {
    check(
        "2025-06-02T07:30:00+05:00",
        "30 minutes",
        DEFAULT,
        "2025-06-02T09:30:00+05:00",
    );
    check(
        "2025-06-02T07:30:00+05:00",
        "0 minutes",
        DEFAULT,
        "2025-06-02T09:00:00+05:00",
    );
    // A day-term started before opening is still counted from the next day.
    check(
        "2025-06-02T07:30:00+05:00",
        "1 working_days",
        DEFAULT,
        "2025-06-03T18:00:00+05:00",
    );
}

#[test]
fn start_exactly_at_the_end_of_the_day() {
    check(
        "2025-06-02T18:00:00+05:00",
        "0 minutes",
        DEFAULT,
        "2025-06-02T18:00:00+05:00",
    );
    check(
        "2025-06-02T18:00:00+05:00",
        "30 minutes",
        DEFAULT,
        "2025-06-03T09:30:00+05:00",
    );
    check(
        "2025-06-02T18:00:00+05:00",
        "1 working_days",
        DEFAULT,
        "2025-06-03T18:00:00+05:00",
    );
    // At closing time the office no longer accepts: accepted Tuesday.
    check(
        "2025-06-02T18:00:00+05:00",
        "1 working_days",
        NOT_COUNTED,
        "2025-06-04T18:00:00+05:00",
    );
    check(
        "2025-06-02T18:00:00+05:00",
        "0 working_days",
        DEFAULT,
        "2025-06-03T18:00:00+05:00",
    );
}

#[test]
fn one_working_day_is_not_24_working_hours() {
    check(
        "2025-06-02T10:00:00+05:00",
        "1 working_days",
        DEFAULT,
        "2025-06-03T18:00:00+05:00",
    );
    // 24 working hours from Monday 10:00 = 7 h Monday + 8 h Tuesday + 8 h
    // Wednesday + 1 h Thursday.
    check(
        "2025-06-02T10:00:00+05:00",
        "24 hours",
        DEFAULT,
        "2025-06-05T10:00:00+05:00",
    );
    // And 3 working days skip Friday 6 June 2025 (Kurban Ait) and the weekend.
    check(
        "2025-06-02T10:00:00+05:00",
        "3 working_days",
        DEFAULT,
        "2025-06-05T18:00:00+05:00",
    );
    check(
        "2025-06-02T10:00:00+05:00",
        "4 working_days",
        DEFAULT,
        "2025-06-09T18:00:00+05:00",
    );
}

#[test]
fn step_started_friday_1755_before_nauryz() {
    // 2020: Nauryz 21 Sat, 22 Sun, 23 Mon; the weekend days move to 24 and
    // 25 March. Friday 20 March 17:55 (+06 then): five minutes are left that
    // day, the next working day is Thursday 26 March.
    check(
        "2020-03-20T17:55:00+06:00",
        "10 minutes",
        DEFAULT,
        "2020-03-26T09:05:00+06:00",
    );
    check(
        "2020-03-20T17:55:00+06:00",
        "5 minutes",
        DEFAULT,
        "2020-03-20T18:00:00+06:00",
    );
    check(
        "2020-03-20T17:55:00+06:00",
        "2 hours",
        DEFAULT,
        "2020-03-26T10:55:00+06:00",
    );
    check(
        "2020-03-20T17:55:00+06:00",
        "1 working_days",
        DEFAULT,
        "2020-03-26T18:00:00+06:00",
    );
    check(
        "2020-03-20T17:55:00+06:00",
        "1 working_days",
        NOT_COUNTED,
        "2020-03-26T18:00:00+06:00",
    );
    check(
        "2020-03-20T17:55:00+06:00",
        "2 working_days",
        DEFAULT,
        "2020-03-27T18:00:00+06:00",
    );
}

#[test]
fn start_in_the_lunch_break() {
    check(
        "2025-06-02T13:20:00+05:00",
        "0 minutes",
        DEFAULT,
        "2025-06-02T14:00:00+05:00",
    );
    check(
        "2025-06-02T13:20:00+05:00",
        "30 minutes",
        DEFAULT,
        "2025-06-02T14:30:00+05:00",
    );
    // Running out exactly at the lunch break ends at 13:00, not 14:00.
    check(
        "2025-06-02T12:00:00+05:00",
        "60 minutes",
        DEFAULT,
        "2025-06-02T13:00:00+05:00",
    );
    check(
        "2025-06-02T12:00:00+05:00",
        "61 minutes",
        DEFAULT,
        "2025-06-02T14:01:00+05:00",
    );
    // Astana from 2016: lunch 13:00–14:30, opening 08:30.
    check_with(
        "astana-2016",
        "2025-06-02T12:50:00+05:00",
        "20 minutes",
        DEFAULT,
        "2025-06-02T14:40:00+05:00",
    );
    check_with(
        "astana-2016",
        "2025-06-02T07:00:00+05:00",
        "1 hours",
        DEFAULT,
        "2025-06-02T09:30:00+05:00",
    );
}

#[test]
fn start_on_a_day_off() {
    // Saturday after Kurban Ait 2025: the clock starts Monday 09:00.
    check(
        "2025-06-07T11:00:00+05:00",
        "15 minutes",
        DEFAULT,
        "2025-06-09T09:15:00+05:00",
    );
    check(
        "2025-06-07T11:00:00+05:00",
        "1 working_days",
        DEFAULT,
        "2025-06-09T18:00:00+05:00",
    );
    // Accepted Monday, which is not counted: the term ends Tuesday.
    check(
        "2025-06-07T11:00:00+05:00",
        "1 working_days",
        NOT_COUNTED,
        "2025-06-10T18:00:00+05:00",
    );
    // On Kurban Ait itself.
    check(
        "2025-06-06T10:00:00+05:00",
        "1 hours",
        DEFAULT,
        "2025-06-09T10:00:00+05:00",
    );
    // A working Saturday by transfer (1 July 2023) is a working day.
    check(
        "2023-07-01T10:00:00+06:00",
        "1 hours",
        DEFAULT,
        "2023-07-01T11:00:00+06:00",
    );
}

#[test]
fn acceptance_day_not_counted_for_minutes() {
    // The clock starts at the opening of the first working day after the
    // acceptance day.
    check(
        "2025-06-02T10:00:00+05:00",
        "30 minutes",
        NOT_COUNTED,
        "2025-06-03T09:30:00+05:00",
    );
    check(
        "2025-06-02T10:00:00+05:00",
        "0 minutes",
        NOT_COUNTED,
        "2025-06-03T09:00:00+05:00",
    );
}

#[test]
fn calendar_days_and_months_move_off_days_off() {
    // Monday + 5 calendar days = Saturday 7 June -> Monday 9 June.
    check(
        "2025-06-02T10:00:00+05:00",
        "5 calendar_days",
        DEFAULT,
        "2025-06-09T18:00:00+05:00",
    );
    check(
        "2025-06-02T10:00:00+05:00",
        "3 calendar_days",
        DEFAULT,
        "2025-06-05T18:00:00+05:00",
    );
    // Lands on Kurban Ait (Friday 6 June 2025) -> Monday.
    check(
        "2025-06-02T10:00:00+05:00",
        "4 calendar_days",
        DEFAULT,
        "2025-06-09T18:00:00+05:00",
    );
    // 31 January + 1 month = the last day of February.
    check(
        "2024-01-31T10:00:00+06:00",
        "1 months",
        DEFAULT,
        "2024-02-29T18:00:00+06:00",
    );
    check(
        "2025-01-31T10:00:00+05:00",
        "1 months",
        DEFAULT,
        "2025-02-28T18:00:00+05:00",
    );
    // 8 February 2025 + 1 month = Saturday 8 March; Monday 10 March is the
    // moved Women's Day, so Tuesday 11 March.
    check(
        "2025-02-08T10:00:00+05:00",
        "1 months",
        DEFAULT,
        "2025-03-11T18:00:00+05:00",
    );
    // "Extended by one month" (Semipalatinsk): 12 months is one year.
    check(
        "2024-06-03T10:00:00+05:00",
        "12 months",
        DEFAULT,
        "2025-06-03T18:00:00+05:00",
    );
}

#[test]
fn deadline_across_the_2024_time_zone_change() {
    // Thursday 29 Feb 2024 was still UTC+6; Friday 1 March UTC+5.
    check(
        "2024-02-29T17:00:00+06:00",
        "2 hours",
        DEFAULT,
        "2024-03-01T10:00:00+05:00",
    );
    check(
        "2024-02-28T10:00:00+06:00",
        "2 working_days",
        DEFAULT,
        "2024-03-01T18:00:00+05:00",
    );
    check(
        "2024-02-28T10:00:00+06:00",
        "2 working_days",
        DEFAULT,
        "2024-03-01T13:00:00Z",
    );
    // Kostanay moved the same day.
    check_with(
        "kostanay",
        "2024-02-29T17:30:00+06:00",
        "60 minutes",
        DEFAULT,
        "2024-03-01T09:30:00+05:00",
    );
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let clock = LegalClock::new(&calendar, &schedule);
    assert_eq!(
        clock.working_minutes_between(
            ts("2024-02-29T17:00:00+06:00"),
            ts("2024-03-01T10:00:00+05:00")
        ),
        120
    );
}

#[test]
fn remaining_time_and_overdue() {
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let clock = LegalClock::new(&calendar, &schedule);
    let due = ts("2025-06-03T18:00:00+05:00");
    assert_eq!(
        clock.working_minutes_between(ts("2025-06-02T10:00:00+05:00"), due),
        7 * 60 + 8 * 60
    );
    assert_eq!(
        clock.working_minutes_between(due, ts("2025-06-02T10:00:00+05:00")),
        -(15 * 60)
    );
    // The night and the weekend do not count.
    assert_eq!(
        clock.working_minutes_between(
            ts("2025-06-07T00:00:00+05:00"),
            ts("2025-06-09T09:30:00+05:00")
        ),
        30
    );
    assert!(!clock.is_overdue(due, due));
    assert!(clock.is_overdue(due, ts("2025-06-03T18:00:01+05:00")));
    assert!(!clock.is_overdue(due, ts("2025-06-03T17:59:59+05:00")));
}

#[test]
fn sub_second_starts_count_from_the_next_whole_second() {
    check(
        "2025-06-02T10:00:00.5+05:00",
        "0 minutes",
        DEFAULT,
        "2025-06-02T10:00:01+05:00",
    );
    check(
        "2025-06-02T10:00:00.5+05:00",
        "1 minutes",
        DEFAULT,
        "2025-06-02T10:01:01+05:00",
    );
}

#[test]
fn out_of_range_is_an_error_not_a_panic() {
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let clock = LegalClock::new(&calendar, &schedule);
    let old = clock.deadline(
        ts("1999-06-01T10:00:00+06:00"),
        Duration::new(1, Unit::WorkingDays),
        DEFAULT,
    );
    assert!(
        matches!(old, Err(CalendarError::OutOfRange { .. })),
        "{old:?}"
    );
    for unit in Unit::ALL {
        for rule in [DEFAULT, NOT_COUNTED] {
            for start in [
                Timestamp::MIN,
                Timestamp::MAX,
                ts("2100-12-31T17:59:00+05:00"),
                ts("2025-01-01T00:00:00Z"),
            ] {
                let result = clock.deadline(start, Duration::new(u32::MAX, unit), rule);
                assert!(result.is_err(), "{unit} from {start}: {result:?}");
                let _ = clock.deadline(start, Duration::new(1, unit), rule);
            }
        }
    }
    assert_eq!(
        clock.working_minutes_between(Timestamp::MIN, Timestamp::MIN),
        0
    );
    assert!(clock.working_minutes_between(Timestamp::MIN, Timestamp::MAX) > 0);
}

#[test]
fn a_calendar_without_working_days_errors_after_the_bound() {
    // An override that makes a whole year non-working (absurd, but data).
    let mut text = String::from("[2030]\n");
    let mut day = jiff::civil::date(2030, 1, 1);
    while day.year() == 2030 {
        text.push_str(&format!("day_off = {day} test\n"));
        day = day.tomorrow().unwrap();
    }
    text.push_str("[2031]\n");
    let mut day = jiff::civil::date(2031, 1, 1);
    while day.year() == 2031 {
        text.push_str(&format!("day_off = {day} test\n"));
        day = day.tomorrow().unwrap();
    }
    let calendar = Calendar::kazakhstan().with_overrides(&text).unwrap();
    let schedule = Schedule::standard();
    let clock = LegalClock::new(&calendar, &schedule);
    let result = clock.deadline(
        ts("2030-01-02T10:00:00+05:00"),
        Duration::new(1, Unit::Hours),
        DEFAULT,
    );
    assert!(
        matches!(result, Err(CalendarError::NoWorkingDay { .. })),
        "{result:?}"
    );
}
