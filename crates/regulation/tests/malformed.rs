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

/// Codes that have no file in `tests/malformed/`, each with the reason and
/// the test that covers it instead. Only these may lack a fixture.
const WITHOUT_FIXTURE: &[(&str, &str)] = &[(
    "file-too-large",
    "needs a file over 4 MiB; `an_oversized_file_gives_file_too_large` builds one in memory",
)];

/// The codes named in `# expect:` lines of the fixtures.
fn fixture_codes() -> std::collections::BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let mut codes = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in expected(&text) {
            let code = line
                .split_once('[')
                .and_then(|(_, rest)| rest.split_once(']'))
                .map(|(code, _)| code.to_owned())
                .unwrap_or_else(|| panic!("`# expect: {line}` names no code"));
            codes.insert(code);
        }
    }
    codes
}

/// The string literals that follow `needle` (after white space) in `source`.
fn literals_after<'a>(source: &'a str, needle: &str) -> Vec<&'a str> {
    source
        .match_indices(needle)
        .filter_map(|(at, _)| {
            let rest = source[at + needle.len()..].trim_start().strip_prefix('"')?;
            Some(&rest[..rest.find('"')?])
        })
        .collect()
}

/// The sources of everything `check` runs: its diagnostics are made here.
fn check_sources() -> Vec<(&'static str, String)> {
    [
        "lib.rs",
        "yaml.rs",
        "lint.rs",
        "expr.rs",
        "diag.rs",
        "syntax.rs",
    ]
    .into_iter()
    .map(|name| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(name);
        (name, std::fs::read_to_string(path).unwrap())
    })
    .collect()
}

#[test]
fn the_code_list_is_the_codes_in_the_source() {
    use qyzmet_regulation::diag::CODES;
    let listed: std::collections::BTreeSet<&str> = CODES.iter().copied().collect();
    assert_eq!(listed.len(), CODES.len(), "a code is listed twice");
    let mut unlisted = Vec::new();
    let mut all_literals = String::new();
    for (name, source) in check_sources() {
        // `diag.rs` holds the list itself; its literals prove nothing.
        if name != "diag.rs" {
            all_literals.push_str(&source);
        }
        for needle in ["Diagnostic::error(", "Diagnostic::warning(", "code: "] {
            for code in literals_after(&source, needle) {
                if !listed.contains(code) {
                    unlisted.push(format!("{code} (src/{name})"));
                }
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "codes given by the source but missing from diag::CODES: {unlisted:?}"
    );
    // And no stale entry: every listed code is written in the source (some,
    // like `wrong-type`, are chosen into a variable before the call).
    let stale: Vec<&str> = CODES
        .iter()
        .copied()
        .filter(|code| !all_literals.contains(&format!("\"{code}\"")))
        .collect();
    assert!(
        stale.is_empty(),
        "diag::CODES lists codes no source gives: {stale:?}"
    );
}

#[test]
fn every_code_has_a_malformed_fixture() {
    use qyzmet_regulation::diag::CODES;
    let covered = fixture_codes();
    let excused: Vec<&str> = WITHOUT_FIXTURE.iter().map(|(code, _)| *code).collect();
    let missing: Vec<&str> = CODES
        .iter()
        .copied()
        .filter(|code| !covered.contains(*code) && !excused.contains(code))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a case in tests/malformed/ (add one, see the top of this file): {missing:?}"
    );
    let unknown: Vec<&String> = covered
        .iter()
        .filter(|code| !CODES.contains(&code.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "fixtures expect codes not in diag::CODES: {unknown:?}"
    );
    for (code, reason) in WITHOUT_FIXTURE {
        assert!(CODES.contains(code), "{code} excused but not a code");
        assert!(
            !covered.contains(*code),
            "{code} has a fixture now; drop its excuse ({reason})"
        );
    }
}

#[test]
fn an_oversized_file_gives_file_too_large() {
    let calendar = Calendar::kazakhstan();
    let text = format!(
        "format: qyzmet.regulation/1\n# {}\n",
        "x".repeat(qyzmet_regulation::MAX_FILE_BYTES)
    );
    let checked = qyzmet_regulation::check(&text, &calendar);
    let got: Vec<(&str, bool)> = checked
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code, diagnostic.is_error()))
        .collect();
    assert_eq!(got, [("file-too-large", true)]);
    assert!(checked.model.is_none());
    // A text of exactly the bound is read (and fails later, for its content).
    let under = &text[text.len() - qyzmet_regulation::MAX_FILE_BYTES..];
    let checked = qyzmet_regulation::check(under, &calendar);
    assert!(
        checked
            .diagnostics
            .iter()
            .all(|d| d.code != "file-too-large")
    );
}
