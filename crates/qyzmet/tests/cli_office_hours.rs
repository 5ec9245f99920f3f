//! `--office-hours` gives a provider its hours for a CLI command: the
//! deadline of the first task is the one qyzmet-calendar counts in them.

use std::process::Command;

use jiff::Timestamp;
use qyzmet_calendar::{Calendar, LegalClock, Schedule, TermRule};
use qyzmet_core::{Duration, Unit};
use serde_json::Value;

fn submit(db: &str, case_id: &str, extra: &[&str]) -> Value {
    let mut args = vec!["case", "--db", db, "--at", "2024-04-01T10:00:00+05:00"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[
        "submit",
        "--regulation",
        "kyzylorda/2015-141/unemployed-registration",
        "--route",
        "provider_office",
        "--applicant",
        "900101300037",
        "--case",
        case_id,
    ]);
    let output = Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .args(&args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "qyzmet {args:?}: {stderr}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn first_due(case: &Value) -> Timestamp {
    let task = &case["open_tasks"][0];
    assert_eq!(task["step"], "po-2", "{case}");
    task["due"].as_str().unwrap().parse().unwrap()
}

#[test]
fn office_hours_on_the_command_line_move_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hours.db").display().to_string();
    let at: Timestamp = "2024-04-01T05:00:00Z".parse().unwrap();
    let calendar = Calendar::kazakhstan();
    let limit = Duration::new(3, Unit::WorkingDays);
    let short = Schedule::new(
        "short",
        "Asia/Qyzylorda",
        "09:00".parse().unwrap(),
        "13:00".parse().unwrap(),
        None,
    )
    .unwrap();
    let expected = LegalClock::new(&calendar, &short)
        .deadline(at, limit, TermRule::default())
        .unwrap();
    let standard = LegalClock::new(&calendar, &Schedule::standard())
        .deadline(at, limit, TermRule::default())
        .unwrap();
    assert_ne!(expected, standard);

    // The default provider id is `<region>-provider`.
    let hours = [
        "--office-hours",
        "kyzylorda-provider=09:00-13:00@Asia/Qyzylorda",
    ];
    assert_eq!(first_due(&submit(&db, "H-1", &hours)), expected);
    assert_eq!(first_due(&submit(&db, "H-2", &[])), standard);
}
