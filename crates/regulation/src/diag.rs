//! Diagnostics: every problem the compiler finds, with its location, a
//! stable code, a message and a hint.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// Every code `check` (parse, lint, compile) can give, in the order of the
/// table in docs/regulation-format.md. `tests/malformed.rs` keeps this list
/// equal to the codes written in the source and checks that each has a case
/// in `tests/malformed/`. The BPMN importer's codes (`import::bpmn`) are not
/// here: `check` never gives them.
pub const CODES: &[&str] = &[
    // The text is not the YAML we read.
    "file-too-large",
    "yaml-syntax",
    "yaml-tag",
    "yaml-alias",
    "yaml-alias-key",
    "yaml-too-large",
    "yaml-too-deep",
    "yaml-multiple-documents",
    "yaml-complex-key",
    "duplicate-key",
    "not-a-mapping",
    // Shape.
    "unknown-field",
    "missing-field",
    "wrong-type",
    "unknown-variant",
    // Header, texts, ids, heads.
    "format-version",
    "id-shape",
    "seed-lines",
    "no-routes",
    "missing-kazakh",
    "duplicate-id",
    "no-head",
    "duplicate-head",
    "head-not-staff",
    // Legal life and sources.
    "in-force-before-act",
    "repeal-before-force",
    "edition-before-act",
    "edition-after-repeal",
    "source-out-of-range",
    // Who does what, references.
    "unknown-role",
    "missing-role",
    "missing-action",
    "unknown-step",
    "unknown-result",
    "unknown-refusal",
    "unknown-ground",
    "unknown-variant-ref",
    "unknown-conflict-target",
    // Step shape and the graph.
    "decision-without-outcomes",
    "decision-with-next",
    "outcomes-without-decision",
    "end-continues",
    "dead-end",
    "wait-without-limit",
    "timeout-without-wait",
    "result-not-at-end",
    "missing-result",
    "empty-variant",
    "unreachable-step",
    "no-result",
    "misplaced-verification",
    // Rules.
    "expr-syntax",
    "expr-type",
    // State information systems.
    "misplaced-calls",
    "duplicate-call",
    "missing-manual-check",
    "manual-check-not-staff",
    "manual-check-without-calls",
    "answers-without-calls",
    "answers-with-condition",
    "outcome-without-answers",
    "duplicate-answer",
    "impossible-answer",
    "answer-not-covered",
    // Warnings.
    "single-outcome",
    "zero-limit",
    "document-channel-without-route",
    "answer-never-taken",
    "seed-conflict",
    "term-exceeded",
];

/// A byte range in the regulation file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

/// One problem in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code, e.g. `unknown-role`; documented in docs/regulation-format.md.
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
    pub span: Span,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            hint: None,
            span,
        }
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Line and column (both 1-based, column in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A diagnostic with its file and resolved position, as `--format json`
/// prints it.
#[derive(Clone, Debug, Serialize)]
pub struct LocatedDiagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl LocatedDiagnostic {
    pub fn new(file: &str, text: &str, diagnostic: &Diagnostic) -> LocatedDiagnostic {
        let (line, column) = line_col(text, diagnostic.span.start);
        LocatedDiagnostic {
            file: file.to_owned(),
            line,
            column,
            severity: diagnostic.severity,
            code: diagnostic.code,
            message: diagnostic.message.clone(),
            hint: diagnostic.hint.clone(),
        }
    }
}

/// Renders diagnostics for people, rustc-style, with the source line and a
/// caret under the problem.
pub fn render_human(file: &str, text: &str, diagnostics: &[Diagnostic]) -> String {
    use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
    use codespan_reporting::files::SimpleFile;
    use codespan_reporting::term::{self, Config};

    let files = SimpleFile::new(file, text);
    let config = Config::default();
    let mut out = String::new();
    for diagnostic in diagnostics {
        let start = floor_char_boundary(text, diagnostic.span.start.min(text.len()));
        let end = floor_char_boundary(text, diagnostic.span.end.clamp(start, text.len()));
        let base = match diagnostic.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        };
        let mut rendered = base
            .with_code(diagnostic.code)
            .with_message(&diagnostic.message)
            .with_labels(vec![Label::primary((), start..end)]);
        if let Some(hint) = &diagnostic.hint {
            rendered = rendered.with_notes(vec![format!("hint: {hint}")]);
        }
        if term::emit_to_string(&mut out, &config, &files, &rendered).is_err() {
            // Rendering fails only on an out-of-range span, which the
            // clamping above prevents; print the one-line form anyway.
            let located = LocatedDiagnostic::new(file, text, diagnostic);
            out.push_str(&located.one_line());
            out.push('\n');
        }
    }
    out
}

impl LocatedDiagnostic {
    /// `file:line:col: error[code]: message`, the form editors jump to.
    pub fn one_line(&self) -> String {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        format!(
            "{}:{}:{}: {severity}[{}]: {}",
            self.file, self.line, self.column, self.code, self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "a: 1\nқызмет: 2\n";
        let offset = text.find('2').unwrap();
        assert_eq!(line_col(text, offset), (2, 9));
        assert_eq!(line_col(text, 0), (1, 1));
    }
}
