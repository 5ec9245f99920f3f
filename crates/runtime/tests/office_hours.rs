//! A provider's office hours, configured in the providers' directory,
//! reach the legal clock: a deadline the runtime computes for a real
//! command is the one qyzmet-calendar computes in those hours, not in the
//! standard schedule's.

use jiff::Timestamp;
use qyzmet_calendar::{LegalClock, Schedule, TermRule};
use qyzmet_core::{Duration, Unit};
use qyzmet_runtime::schedules::{OfficeHours, PROVIDERS};
use serde_json::json;

mod office;

use office::{runtime, submit};

/// The first task's deadline: the executor's three working days (step
/// `po-2` of the Kyzylorda registration at the provider's office).
fn executor_due(case: &qyzmet_engine::Case) -> Timestamp {
    let task = case.open_tasks().next().expect("an open task");
    assert_eq!(task.step, "po-2");
    task.due.expect("the step has a limit")
}

#[test]
fn a_short_working_day_moves_the_deadline_exactly_as_the_calendar_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut runtime = runtime(&dir.path().join("hours.db"));
    // Provider `p1` works 09:00–13:00 without lunch, in Kyzylorda's zone.
    runtime
        .store
        .put_doc(
            PROVIDERS,
            "p1",
            &json!({
                "id": "p1",
                "region": "kyzylorda",
                "title": {"kk": "Бөлім"},
                "office_hours": {"open": "09:00", "close": "13:00", "zone": "Asia/Qyzylorda"},
            }),
        )
        .unwrap();
    // Another provider names a built-in schedule; one has no hours.
    runtime
        .store
        .put_doc(
            PROVIDERS,
            "p2",
            &json!({"id": "p2", "region": "kyzylorda", "office_hours": {"schedule": "astana-2016"}}),
        )
        .unwrap();
    runtime
        .store
        .put_doc(PROVIDERS, "p3", &json!({"id": "p3", "region": "kyzylorda"}))
        .unwrap();
    assert_eq!(runtime.load_schedules().unwrap(), 2);
    assert_eq!(runtime.schedule("p2").name(), "astana-2016");
    assert_eq!(runtime.schedule("p3").name(), "standard");

    // Monday 1 April 2024, 10:00 in Kyzylorda.
    let at: Timestamp = "2024-04-01T05:00:00Z".parse().unwrap();
    let case = submit(&runtime, "HOURS-1", at);
    let short = Schedule::new(
        "p1",
        "Asia/Qyzylorda",
        "09:00".parse().unwrap(),
        "13:00".parse().unwrap(),
        None,
    )
    .unwrap();
    let limit = Duration::new(3, Unit::WorkingDays);
    let expected = LegalClock::new(&runtime.calendar, &short)
        .deadline(at, limit, TermRule::default())
        .unwrap();
    let standard = LegalClock::new(&runtime.calendar, &Schedule::standard())
        .deadline(at, limit, TermRule::default())
        .unwrap();
    assert_ne!(expected, standard, "the hours must matter for this limit");
    assert_eq!(executor_due(&case), expected);
}

#[test]
fn without_configured_hours_the_standard_schedule_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mut runtime = runtime(&dir.path().join("standard.db"));
    assert_eq!(runtime.load_schedules().unwrap(), 0);
    let at: Timestamp = "2024-04-01T05:00:00Z".parse().unwrap();
    let case = submit(&runtime, "HOURS-2", at);
    let standard = LegalClock::new(&runtime.calendar, &Schedule::standard())
        .deadline(at, Duration::new(3, Unit::WorkingDays), TermRule::default())
        .unwrap();
    assert_eq!(executor_due(&case), standard);
}

#[test]
fn office_hours_are_read_from_the_command_line_form() {
    assert_eq!(
        OfficeHours::parse("kyzylorda").unwrap(),
        OfficeHours::Named {
            schedule: "kyzylorda".into()
        }
    );
    let hours = OfficeHours::parse("08:30-17:00,12:00-12:30@Asia/Oral").unwrap();
    let schedule = hours.schedule("p").unwrap();
    assert_eq!(schedule.zone_name(), "Asia/Oral");
    assert_eq!(schedule.day_seconds(), 8 * 3600);
    assert!(OfficeHours::parse("18:00-09:00").is_err());
    assert!(
        OfficeHours::Named {
            schedule: "nowhere".into()
        }
        .schedule("p")
        .is_err()
    );
    // A bad record in the directory stops the start-up with the provider's id.
    let dir = tempfile::tempdir().unwrap();
    let mut runtime = runtime(&dir.path().join("bad.db"));
    runtime
        .store
        .put_doc(
            PROVIDERS,
            "p9",
            &json!({"office_hours": {"open": "9", "close": "13:00"}}),
        )
        .unwrap();
    let error = runtime.load_schedules().unwrap_err();
    assert!(error.to_string().contains("`p9`"), "{error}");
}
