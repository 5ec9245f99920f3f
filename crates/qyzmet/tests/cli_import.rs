//! `qyzmet import bpmn`, run as a user would: the skeleton goes to stdout or
//! `--out`, passes `qyzmet check`, and what cannot be carried is reported
//! as file:line:col with a code, with exit status 1 and no skeleton.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn qyzmet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .expect("the qyzmet binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const FIXTURES: &str = "crates/regulation/tests/data/bpmn-import";

fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-import");
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn camunda_file_imports_to_a_skeleton_that_checks() {
    let out = temp("housing.yaml");
    let output = qyzmet(&[
        "import",
        "bpmn",
        &format!("{FIXTURES}/camunda-housing-assistance.bpmn"),
        "--out",
        out.to_str().unwrap(),
        "--id",
        "todo-region/2026-1/housing-assistance",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "the skeleton goes to --out");
    let messages = stderr(&output);
    assert!(
        messages.contains("warning[days-read-as-calendar-days]"),
        "{messages}"
    );
    assert!(
        messages.contains("camunda-housing-assistance.bpmn:54:9"),
        "{messages}"
    );
    let yaml = std::fs::read_to_string(&out).expect("the skeleton was written");
    assert!(
        yaml.contains("id: \"todo-region/2026-1/housing-assistance\""),
        "{yaml}"
    );
    let check = qyzmet(&["check", out.to_str().unwrap()]);
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn constructs_that_cannot_be_carried_fail_with_located_codes() {
    let output = qyzmet(&[
        "import",
        "bpmn",
        &format!("{FIXTURES}/not-carried.bpmn"),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "no skeleton on errors");
    let text = stderr(&output);
    let json = &text[..text.rfind(']').expect("a JSON array") + 1];
    let diagnostics: serde_json::Value = serde_json::from_str(json).expect("JSON diagnostics");
    let fork = diagnostics
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "parallel-gateway")
        .expect("the parallel gateway");
    assert_eq!(fork["line"], 36);
    assert_eq!(fork["column"], 5);
    assert_eq!(fork["severity"], "error");
    assert!(fork["hint"].as_str().is_some_and(|h| !h.is_empty()));
}

#[test]
fn render_then_import_gives_back_a_checked_regulation() {
    let bpmn = temp("oralman.bpmn");
    let render = qyzmet(&[
        "render",
        "west-kazakhstan/2016-122/oralman-status",
        "--format",
        "bpmn",
        "--output",
        bpmn.to_str().unwrap(),
    ]);
    assert!(render.status.success(), "{}", stderr(&render));
    let output = qyzmet(&["import", "bpmn", bpmn.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let yaml = String::from_utf8(output.stdout).expect("UTF-8 skeleton");
    assert!(
        yaml.contains("id: \"west-kazakhstan/2016-122/oralman-status\""),
        "{yaml}"
    );
    let skeleton = temp("oralman.yaml");
    std::fs::write(&skeleton, &yaml).unwrap();
    let check = qyzmet(&["check", skeleton.to_str().unwrap()]);
    assert!(check.status.success(), "{}", stderr(&check));
    let bad = qyzmet(&[
        "import",
        "bpmn",
        bpmn.to_str().unwrap(),
        "--id",
        "Not An Id",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("error[bad-id]"), "{}", stderr(&bad));
}
