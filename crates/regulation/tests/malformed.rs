//! Malformed regulation files, each with the exact diagnostics it must
//! produce written at its end as `# expect: severity[code] line:column`
//! comments (at the end so they do not move the lines they describe).
//!
//! To add a case, write the file, run `qyzmet check FILE --format json`,
//! check that every diagnostic points at the right place, and copy them in.

use std::path::Path;

use qyzmet_calendar::Calendar;
use qyzmet_regulation::LocatedDiagnostic;

fn expected(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix("# expect: "))
        .map(|line| line.trim().to_owned())
        .collect()
}

#[test]
fn every_malformed_file_gives_exactly_its_expected_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let calendar = Calendar::kazakhstan();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 25, "only {} malformed cases", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let want = expected(&text);
        assert!(
            !want.is_empty(),
            "{} has no `# expect:` lines",
            path.display()
        );
        let checked = qyzmet_regulation::check(&text, &calendar);
        let got: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|diagnostic| {
                let located = LocatedDiagnostic::new("", &text, diagnostic);
                let severity = if diagnostic.is_error() {
                    "error"
                } else {
                    "warning"
                };
                format!(
                    "{severity}[{}] {}:{}",
                    located.code, located.line, located.column
                )
            })
            .collect();
        if got != want {
            failures.push(format!(
                "{}:\n  want {want:?}\n  got  {got:?}",
                path.display()
            ));
        }
        // A file with an error never compiles to a model.
        let has_error = checked
            .diagnostics
            .iter()
            .any(|diagnostic| diagnostic.is_error());
        assert_eq!(checked.model.is_none(), has_error, "{}", path.display());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
