//! Regulations as code: the file format, its compiler and its renderers.
//!
//! The pipeline is `yaml` (text → value + spans) → `syntax` (typed file) →
//! `lint` (semantic diagnostics) → `model` (the compiled, content-hashed
//! process model) → `render` (step tables, BPMN, SVG, Mermaid).
//!
//! Nothing here does I/O or reads the clock: callers hand in the text and get
//! back a value plus diagnostics. Nothing here panics on any input.

pub mod diag;
pub mod expr;
pub mod import;
pub mod lint;
pub mod model;
pub mod render;
pub mod syntax;
pub mod yaml;

pub use diag::{Diagnostic, LocatedDiagnostic, Severity, Span};
pub use model::{ProcessModel, compile};
pub use syntax::RegulationFile;

/// The result of reading one regulation file.
pub struct Parsed {
    /// The typed file, when the text is valid YAML of the right shape.
    pub file: Option<RegulationFile>,
    pub spans: yaml::SpanMap,
    pub diagnostics: Vec<Diagnostic>,
}

/// The largest regulation file accepted (the biggest seed regulation is a few
/// tens of kilobytes).
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// Parses a regulation file's text into its typed form. Shape errors
/// (unknown fields, wrong types, missing fields) are diagnostics with the
/// location of the offending key or value.
pub fn parse(text: &str) -> Parsed {
    if text.len() > MAX_FILE_BYTES {
        return Parsed {
            file: None,
            spans: yaml::SpanMap::default(),
            diagnostics: vec![Diagnostic::error(
                "file-too-large",
                Span::new(0, 0),
                format!(
                    "the file is larger than {} MiB",
                    MAX_FILE_BYTES / 1024 / 1024
                ),
            )],
        };
    }
    let document = match yaml::parse(text) {
        Ok(document) => document,
        Err(diagnostic) => {
            return Parsed {
                file: None,
                spans: yaml::SpanMap::default(),
                diagnostics: vec![diagnostic],
            };
        }
    };
    let yaml::Document { value, spans } = document;
    if !value.is_object() {
        let found = match &value {
            serde_json::Value::Null => "nothing",
            serde_json::Value::Array(_) => "a list",
            _ => "a single value",
        };
        return Parsed {
            file: None,
            diagnostics: vec![
                Diagnostic::error(
                    "not-a-mapping",
                    spans.nearest("."),
                    format!("a regulation file is a mapping of keys, this one holds {found}"),
                )
                .with_hint(
                    "start with `format: qyzmet.regulation/1`; see docs/regulation-format.md",
                ),
            ],
            spans,
        };
    }
    match serde_path_to_error::deserialize::<_, RegulationFile>(value) {
        Ok(file) => Parsed {
            file: Some(file),
            spans,
            diagnostics: Vec::new(),
        },
        Err(error) => {
            let diagnostic =
                shape_diagnostic(&spans, &error.path().to_string(), error.inner().to_string());
            Parsed {
                file: None,
                spans,
                diagnostics: vec![diagnostic],
            }
        }
    }
}

fn shape_diagnostic(spans: &yaml::SpanMap, path: &str, message: String) -> Diagnostic {
    // serde's messages for unknown and missing fields name the field; point
    // at the key itself when we can.
    if let Some(field) = between(&message, "unknown field `", "`") {
        let key_path = if spans.key(path).is_some() {
            path.to_owned()
        } else {
            yaml::child_key(path, field)
        };
        let span = spans.key(&key_path).unwrap_or_else(|| spans.nearest(path));
        // A comma inside an unquoted `{kk: ..., ru: ...}` splits the text
        // and makes its tail look like a key.
        let split_text = field.contains(' ') || !field.is_ascii();
        let expected = if split_text {
            "a comma inside an unquoted flow mapping `{kk: a, b}` ends the text at the comma; quote the text or write the mapping in block style".to_owned()
        } else {
            message
                .split_once(", expected ")
                .map(|(_, expected)| format!("expected {expected}"))
                .unwrap_or_else(|| "remove it or check its spelling".into())
        };
        return Diagnostic::error(
            "unknown-field",
            span,
            format!("unknown field `{field}` in `{}`", parent_label(&key_path)),
        )
        .with_hint(expected);
    }
    if let Some(field) = between(&message, "missing field `", "`") {
        let span = spans.key(path).unwrap_or_else(|| spans.nearest(path));
        let span = Span::new(span.start, span.start);
        return Diagnostic::error(
            "missing-field",
            span,
            format!("missing field `{field}` in `{path}`"),
        )
        .with_hint(format!("add `{field}:`; see docs/regulation-format.md"));
    }
    let span = spans.nearest(path);
    let code = if message.starts_with("unknown variant") {
        "unknown-variant"
    } else {
        "wrong-type"
    };
    Diagnostic::error(code, span, format!("`{path}`: {message}"))
        .with_hint("see docs/regulation-format.md or `qyzmet schema` for the allowed values")
}

fn parent_label(path: &str) -> String {
    yaml::parent(path).unwrap_or_else(|| ".".into())
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

/// Parses, lints and compiles one file: everything `qyzmet check` does for it.
pub struct Checked {
    pub model: Option<ProcessModel>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn check(text: &str, calendar: &qyzmet_calendar::Calendar) -> Checked {
    let parsed = parse(text);
    let Some(file) = parsed.file else {
        return Checked {
            model: None,
            diagnostics: parsed.diagnostics,
        };
    };
    let mut diagnostics = parsed.diagnostics;
    diagnostics.extend(lint::lint(&file, &parsed.spans, calendar));
    diagnostics.sort_by_key(|diagnostic| (diagnostic.span.start, diagnostic.code));
    let model = (!diagnostics.iter().any(Diagnostic::is_error)).then(|| compile(file, text));
    Checked { model, diagnostics }
}

/// The JSON Schema of regulation files.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(RegulationFile);
    serde_json::to_value(schema).unwrap_or_default()
}
