//! The `qyzmet calendar` and `qyzmet deadline` commands, run as a user would.

use std::process::{Command, Output};

fn qyzmet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .args(args)
        .output()
        .expect("the qyzmet binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn calendar_json_lists_the_exceptions_of_2018() {
    let output = qyzmet(&["calendar", "2018", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let days: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let days = days.as_array().unwrap();
    let find = |date: &str| days.iter().find(|d| d["date"] == date).cloned();
    // Saturday 3 March 2018 worked, Friday 9 March off (Government decree).
    assert_eq!(find("2018-03-03").unwrap()["working"], true);
    assert_eq!(find("2018-03-09").unwrap()["working"], false);
    assert!(
        find("2018-03-09").unwrap()["reason"]
            .as_str()
            .unwrap()
            .contains("2018-03-03")
    );
    // Sunday 7 January 2018 (Christmas) changes nothing: not listed.
    assert!(find("2018-01-07").is_none());
    // 16 December 2018 (Sunday) moved past Monday 17 (a holiday) to Tuesday 18.
    assert_eq!(find("2018-12-18").unwrap()["working"], false);
    assert!(days.iter().all(|d| d["provisional"] == false));
    assert_eq!(days.len(), 25, "20 weekdays off and 5 working Saturdays");
}

#[test]
fn calendar_text_marks_provisional_years() {
    let output = qyzmet(&["calendar", "2030"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("PROVISIONAL"));
    let json = qyzmet(&["calendar", "2030", "--format", "json"]);
    let days: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        days.as_array()
            .unwrap()
            .iter()
            .all(|d| d["provisional"] == true)
    );
}

#[test]
fn calendar_rejects_years_outside_the_range() {
    let output = qyzmet(&["calendar", "1995"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("outside the calendar's range"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("panicked"));
}

#[test]
fn deadline_prints_rfc3339_with_the_providers_offset() {
    let output = qyzmet(&[
        "deadline",
        "--from",
        "2024-02-28T10:00:00+06:00",
        "--add",
        "2 working_days",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "2024-03-01T18:00:00+05:00");

    let output = qyzmet(&[
        "deadline",
        "--from",
        "2020-03-20T17:55:00+06:00",
        "--add",
        "10 minutes",
        "--schedule",
        "balkhash-2012",
    ]);
    assert_eq!(stdout(&output).trim(), "2020-03-26T09:05:00+06:00");

    let output = qyzmet(&[
        "deadline",
        "--from",
        "2025-06-07T11:00:00+05:00",
        "--add",
        "1 working_days",
        "--acceptance-day-not-counted",
    ]);
    assert_eq!(stdout(&output).trim(), "2025-06-10T18:00:00+05:00");
}

#[test]
fn deadline_json_and_provisional_warning() {
    let output = qyzmet(&[
        "deadline",
        "--from",
        "2030-01-09T10:00:00Z",
        "--add",
        "3 hours",
        "--schedule",
        "kostanay",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["time_zone"], "Asia/Qostanay");
    assert_eq!(value["provisional"], true);
    // Wednesday 9 Jan 2030, 10:00Z = 15:00+05: 3 working hours = 15:00–18:00.
    assert_eq!(value["deadline"], "2030-01-09T18:00:00+05:00");
}

#[test]
fn deadline_overrides_come_from_a_file() {
    let dir = std::env::temp_dir().join(format!("qyzmet-cli-calendar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("overrides.txt");
    std::fs::write(&file, "[2030]\nday_off = 2030-01-03 test day off\n").unwrap();
    let output = qyzmet(&[
        "deadline",
        "--from",
        "2030-01-02T10:00:00+05:00",
        "--add",
        "1 working_days",
        "--overrides",
        file.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "2030-01-04T18:00:00+05:00");
    std::fs::write(&file, "[2030]\nbogus = 1\n").unwrap();
    let output = qyzmet(&["calendar", "2030", "--overrides", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("line 2"), "{}", stderr(&output));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn deadline_errors_are_clear() {
    for (args, needle) in [
        (
            &["deadline", "--from", "yesterday", "--add", "1 hours"][..],
            "RFC 3339",
        ),
        (
            &[
                "deadline",
                "--from",
                "2025-01-06T10:00:00Z",
                "--add",
                "1 days",
            ][..],
            "unknown unit",
        ),
        (
            &[
                "deadline",
                "--from",
                "2025-01-06T10:00:00Z",
                "--add",
                "1 hours",
                "--schedule",
                "mars",
            ][..],
            "astana-2016",
        ),
        (
            &[
                "deadline",
                "--from",
                "1990-01-06T10:00:00Z",
                "--add",
                "1 hours",
            ][..],
            "outside the calendar's range",
        ),
        (
            &[
                "deadline",
                "--from",
                "2025-01-06T10:00:00Z",
                "--add",
                "4294967295 working_days",
            ][..],
            "outside the calendar's range",
        ),
    ] {
        let output = qyzmet(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(needle),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("panicked"));
    }
}
