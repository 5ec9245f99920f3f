//! The `qyzmet case` commands run a regulation end to end from the shell, on
//! a SQLite file and on PostgreSQL, and `qyzmet audit verify` passes after.

#[path = "../../../tests/support/pg.rs"]
mod pg;

use std::process::Command;

use serde_json::Value;

fn qyzmet(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> Value {
    let (code, stdout, stderr) = qyzmet(args);
    assert_eq!(code, 0, "qyzmet {args:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"))
}

/// Submits through the service centre, completes every open task (taking
/// each decision's first outcome), and checks the notice was issued.
fn run_end_to_end(db: &str) {
    let at = |minutes: u32| {
        format!(
            "2024-04-01T{:02}:{:02}:00+05:00",
            10 + minutes / 60,
            minutes % 60
        )
    };
    let submitted = json(&[
        "case",
        "--db",
        db,
        "--at",
        &at(0),
        "submit",
        "--regulation",
        "kyzylorda/2015-141/unemployed-registration",
        "--route",
        "service_centre",
        "--applicant",
        "900101300037",
        "--case",
        "CLI-1",
    ]);
    assert_eq!(submitted["case_id"], "CLI-1");
    let mut minutes = 0;
    let mut signing_steps: Vec<String> = Vec::new();
    for _ in 0..20 {
        let case = json(&["case", "--db", db, "show", "CLI-1"]);
        if case["status"] == "completed" {
            assert_eq!(case["result"], "notice");
            // Exactly the step the regulation has sign the notice.
            assert_eq!(signing_steps, ["sc-4-sign"]);
            let (code, stdout, stderr) = qyzmet(&["audit", "--db", db, "verify"]);
            assert_eq!(code, 0, "{stdout}{stderr}");
            // The work list is empty once the case is closed.
            let tasks = json(&["case", "--db", db, "tasks"]);
            assert_eq!(tasks, Value::Array(Vec::new()));
            return;
        }
        // A request to a state system: its answer is recorded as the
        // outbox worker would.
        if let Some(request) = case["open_requests"].as_array().and_then(|r| r.first()) {
            let request_id = request["request_id"].as_str().unwrap().to_owned();
            let answer = match request["system"].as_str().unwrap() {
                "person_database" => "found",
                _ => "delivered",
            };
            let (code, _, stderr) = qyzmet(&[
                "case",
                "--db",
                db,
                "answer",
                &request_id,
                "--answer",
                "maybe",
            ]);
            assert_ne!(code, 0);
            assert!(stderr.contains("`maybe` is not an answer"), "{stderr}");
            let answered = json(&[
                "case",
                "--db",
                db,
                "answer",
                &request_id,
                "--answer",
                answer,
                "--actor",
                "gateway",
            ]);
            assert_eq!(answered["case_id"], "CLI-1");
            continue;
        }
        let tasks = json(&["case", "--db", db, "tasks"]);
        let task = tasks[0]["task_id"]
            .as_str()
            .expect("an open task")
            .to_owned();
        minutes += 10;
        let mut args = vec!["case", "--db", db];
        let when = at(minutes);
        args.extend(["--at", &when, "complete", &task]);
        // The service centre's intake decision: the package is complete.
        if tasks[0]["step_id"] == "sc-2" {
            args.extend(["--outcome", "accepted"]);
        }
        // The head signs the notice: refused unsigned unless asked for
        // (the application layer's rule, the same as on the server).
        let step = tasks[0]["step_id"].as_str().unwrap().to_owned();
        let (code, _, stderr) = qyzmet(&args);
        if code != 0 {
            assert!(
                stderr.contains("signature_required") && stderr.contains("--unsigned-result"),
                "{step}: {stderr}"
            );
            signing_steps.push(step);
            args.push("--unsigned-result");
            json(&args);
        }
    }
    panic!("the case did not complete");
}

#[test]
fn a_case_runs_end_to_end_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    run_end_to_end(db.to_str().unwrap());
}

#[test]
fn a_case_runs_end_to_end_on_postgres() {
    let Some(url) = pg::server_url() else { return };
    let database = format!("qyzmet_cli_{}", std::process::id());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {database}"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {database}"))
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    run_end_to_end(&format!("{base}/{database}"));
}

#[test]
fn an_unknown_task_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let (code, _, stderr) = qyzmet(&["case", "--db", db.to_str().unwrap(), "complete", "nope/t1"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no task `nope/t1`"), "{stderr}");
}
