//! Every regulation file in `regulations/` compiles with no errors.

use std::path::{Path, PathBuf};

use qyzmet_calendar::Calendar;
use qyzmet_regulation::diag::render_human;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn regulation_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![workspace_root().join("regulations")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_regulation_compiles_without_errors() {
    let calendar = Calendar::kazakhstan();
    let files = regulation_files();
    assert!(!files.is_empty(), "no regulation files found");
    let mut failures = String::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let checked = qyzmet_regulation::check(&text, &calendar);
        let errors: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        if !errors.is_empty() || checked.model.is_none() {
            failures.push_str(&render_human(&path.display().to_string(), &text, &errors));
        }
        // The id is the path under regulations/ without the extension.
        if let Some(model) = &checked.model {
            let relative = path
                .strip_prefix(workspace_root().join("regulations"))
                .unwrap();
            let expected = relative
                .with_extension("")
                .to_string_lossy()
                .replace('\\', "/");
            assert_eq!(model.id, expected, "id of {}", path.display());
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn the_seventeen_seed_regulations_are_all_there() {
    // 17 regulations in the five seeds (docs/DOMAIN.md); this test fails until
    // every one is encoded. The eighteenth file is the appeal procedure the
    // West Kazakhstan regulations refer to (para 12; docs/appeals.md).
    let files = regulation_files();
    assert_eq!(files.len(), 18);
    let services = files
        .iter()
        .filter(|path| path.file_stem().is_some_and(|stem| stem != "appeal"))
        .count();
    assert_eq!(services, 17);
}

#[test]
fn committed_json_schema_is_current() {
    // Editors read schema/regulation.schema.json (the `$schema` comment at
    // the top of each file); regenerate it with
    // `qyzmet schema > schema/regulation.schema.json` when the format changes.
    let committed =
        std::fs::read_to_string(workspace_root().join("schema/regulation.schema.json")).unwrap();
    let generated = serde_json::to_string_pretty(&qyzmet_regulation::json_schema()).unwrap();
    assert_eq!(committed.trim_end(), generated.trim_end());
}
