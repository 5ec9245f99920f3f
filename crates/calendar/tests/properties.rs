//! Properties of the deadline arithmetic over random starts 2002–2026,
//! amounts and schedules.

use jiff::Timestamp;
use proptest::prelude::*;
use qyzmet_calendar::{Calendar, LegalClock, Schedule, TermRule};
use qyzmet_core::{Duration, Unit};

const SCHEDULES: &[&str] = &["standard", "astana-2016", "kostanay", "west-kazakhstan"];

/// 2002-01-01T00:00Z .. 2026-12-31T00:00Z, whole seconds.
fn start() -> impl Strategy<Value = Timestamp> {
    (1_009_843_200i64..1_798_675_200i64).prop_map(|s| Timestamp::from_second(s).unwrap())
}

fn unit() -> impl Strategy<Value = Unit> {
    prop::sample::select(Unit::ALL.to_vec())
}

fn amount_for(unit: Unit) -> u32 {
    match unit {
        Unit::Minutes => 100_000,
        Unit::Hours => 2_000,
        Unit::WorkingDays => 300,
        Unit::CalendarDays => 400,
        Unit::Months => 24,
    }
}

fn rule() -> impl Strategy<Value = TermRule> {
    any::<bool>().prop_map(|acceptance_day_not_counted| TermRule {
        acceptance_day_not_counted,
    })
}

fn with_clock<T>(schedule: &str, f: impl FnOnce(&LegalClock<'_>) -> T) -> T {
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::named(schedule).unwrap();
    f(&LegalClock::new(&calendar, &schedule))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn monotonic_in_the_start(
        a in start(), b in start(), unit in unit(), amount in 0u32..400, rule in rule(),
        schedule in prop::sample::select(SCHEDULES),
    ) {
        let (early, late) = if a <= b { (a, b) } else { (b, a) };
        let amount = amount.min(amount_for(unit));
        with_clock(schedule, |clock| {
            let limit = Duration::new(amount, unit);
            let d1 = clock.deadline(early, limit, rule).unwrap();
            let d2 = clock.deadline(late, limit, rule).unwrap();
            prop_assert!(d1 <= d2, "{early} -> {d1}, {late} -> {d2} for {limit}");
            Ok(())
        })?;
    }

    #[test]
    fn monotonic_in_the_amount(
        s in start(), unit in unit(), a in 0u32..100_000, b in 0u32..100_000, rule in rule(),
        schedule in prop::sample::select(SCHEDULES),
    ) {
        let cap = amount_for(unit);
        let (small, large) = if a <= b { (a % (cap + 1), b % (cap + 1)) } else { (b % (cap + 1), a % (cap + 1)) };
        let (small, large) = (small.min(large), small.max(large));
        with_clock(schedule, |clock| {
            let d1 = clock.deadline(s, Duration::new(small, unit), rule).unwrap();
            let d2 = clock.deadline(s, Duration::new(large, unit), rule).unwrap();
            prop_assert!(d1 <= d2);
            prop_assert!(d1 >= s, "deadline {d1} before its start {s}");
            Ok(())
        })?;
    }

    #[test]
    fn minutes_a_then_b_equal_a_plus_b(
        s in start(), a in 0u32..50_000, b in 0u32..50_000,
        schedule in prop::sample::select(SCHEDULES),
    ) {
        with_clock(schedule, |clock| {
            let rule = TermRule::default();
            let first = clock.deadline(s, Duration::new(a, Unit::Minutes), rule).unwrap();
            let both = clock.deadline(first, Duration::new(b, Unit::Minutes), rule).unwrap();
            let at_once = clock.deadline(s, Duration::new(a + b, Unit::Minutes), rule).unwrap();
            prop_assert_eq!(both, at_once);
            Ok(())
        })?;
    }

    #[test]
    fn a_deadline_is_inside_office_hours_of_a_working_day(
        s in start(), unit in unit(), amount in 0u32..100_000, rule in rule(),
        schedule in prop::sample::select(SCHEDULES),
    ) {
        let amount = amount % (amount_for(unit) + 1);
        with_clock(schedule, |clock| {
            let due = clock.deadline(s, Duration::new(amount, unit), rule).unwrap();
            prop_assert!(clock.is_office_time(due), "{s} + {amount} {unit} = {due}");
            let date = due.to_zoned_datetime(clock.schedule().time_zone().clone()).date();
            prop_assert!(clock.calendar().is_working_day(date));
            Ok(())
        })?;
    }

    #[test]
    fn remaining_time_at_the_deadline_is_zero(
        s in start(), minutes in 0u32..100_000,
        schedule in prop::sample::select(SCHEDULES),
    ) {
        with_clock(schedule, |clock| {
            let due = clock.deadline(s, Duration::new(minutes, Unit::Minutes), TermRule::default()).unwrap();
            prop_assert_eq!(clock.working_minutes_between(due, due), 0);
            prop_assert!(!clock.is_overdue(due, due));
            // All the working time between the start and the deadline is the amount.
            prop_assert_eq!(clock.working_minutes_between(s, due), i64::from(minutes));
            Ok(())
        })?;
    }

    #[test]
    fn never_panics(seconds in any::<i64>(), amount in any::<u32>(), unit in unit(), rule in rule()) {
        let at = Timestamp::from_second(seconds.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second())).unwrap();
        with_clock("standard", |clock| {
            let _ = clock.deadline(at, Duration::new(amount, unit), rule);
            let _ = clock.working_minutes_between(at, Timestamp::UNIX_EPOCH);
        });
    }

    #[test]
    fn override_parser_never_panics(text in "\\PC{0,200}") {
        let _ = Calendar::kazakhstan().with_overrides(&text);
    }
}
