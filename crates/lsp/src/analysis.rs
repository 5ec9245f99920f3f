//! What the server knows about one open regulation file: its diagnostics
//! (exactly `qyzmet check`'s), the YAML tree with every value's span, and
//! the answers to completion, go-to-definition and hover at a byte offset.
//!
//! Everything here is a pure function of the text (and of the seed lines a
//! caller hands in), so it is tested without a client.

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Diagnostic, DiagnosticSeverity,
    Documentation, MarkupContent, MarkupKind, NumberOrString, TextEdit,
};
use qyzmet_calendar::Calendar;
use qyzmet_core::{Answer, System, Unit};
use qyzmet_regulation::model::{Channel, StepKind};
use qyzmet_regulation::yaml::{self, SpanMap};
use qyzmet_regulation::{Severity, Span};
use serde_json::Value;

use crate::position::LineIndex;

/// The diagnostics of `text` as LSP diagnostics: `qyzmet check`'s codes,
/// messages and spans, with the hint on a second line of the message.
pub fn diagnostics(text: &str, index: &LineIndex, calendar: &Calendar) -> Vec<Diagnostic> {
    qyzmet_regulation::check(text, calendar)
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let message = match &diagnostic.hint {
                Some(hint) => format!("{}\nhint: {hint}", diagnostic.message),
                None => diagnostic.message.clone(),
            };
            Diagnostic {
                range: index.range(text, diagnostic.span),
                severity: Some(match diagnostic.severity {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                }),
                code: Some(NumberOrString::String(diagnostic.code.to_owned())),
                source: Some("qyzmet".to_owned()),
                message,
                ..Diagnostic::default()
            }
        })
        .collect()
}

/// One step of a value path: `routes[1].steps[3].next` is
/// `[Key(routes), Index(1), Key(steps), Index(3), Key(next)]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl Seg {
    fn key(&self) -> Option<&str> {
        match self {
            Seg::Key(key) => Some(key),
            Seg::Index(_) => None,
        }
    }

    fn index(&self) -> Option<usize> {
        match self {
            Seg::Index(index) => Some(*index),
            Seg::Key(_) => None,
        }
    }
}

/// The span map's path syntax for `segs`.
pub fn path_string(segs: &[Seg]) -> String {
    let mut path = ".".to_owned();
    for seg in segs {
        path = match seg {
            Seg::Key(key) => yaml::child_key(&path, key),
            Seg::Index(index) => yaml::child_index(&path, *index),
        };
    }
    path
}

fn get<'a>(value: &'a Value, segs: &[Seg]) -> Option<&'a Value> {
    segs.iter().try_fold(value, |value, seg| match seg {
        Seg::Key(key) => value.get(key),
        Seg::Index(index) => value.get(index),
    })
}

/// A scalar of the document and where it is.
#[derive(Clone, Debug)]
struct Leaf {
    path: Vec<Seg>,
    span: Span,
}

/// A YAML document that parsed, with the span of every value.
pub struct Tree {
    pub value: Value,
    pub spans: SpanMap,
    leaves: Vec<Leaf>,
}

impl Tree {
    /// The tree of `text`, when it is well-formed YAML.
    pub fn parse(text: &str) -> Option<Tree> {
        if text.len() > qyzmet_regulation::MAX_FILE_BYTES {
            return None;
        }
        let yaml::Document { value, spans } = yaml::parse(text).ok()?;
        let mut leaves = Vec::new();
        collect_leaves(&value, &mut Vec::new(), &spans, &mut leaves);
        Some(Tree {
            value,
            spans,
            leaves,
        })
    }

    fn span(&self, segs: &[Seg]) -> Option<Span> {
        self.spans.value(&path_string(segs))
    }

    /// The scalar whose text holds `offset` (its end included, so that a
    /// cursor right after a word is on it).
    fn leaf_at(&self, offset: usize) -> Option<&Leaf> {
        self.leaves
            .iter()
            .filter(|leaf| leaf.span.start <= offset && offset <= leaf.span.end)
            .min_by_key(|leaf| leaf.span.end - leaf.span.start)
    }

    /// The index of the route whose text holds `offset`.
    fn route_at(&self, offset: usize) -> Option<usize> {
        let routes = self.value.get("routes")?.as_array()?;
        (0..routes.len()).find(|&i| {
            self.span(&[Seg::Key("routes".into()), Seg::Index(i)])
                .is_some_and(|span| span.start <= offset && offset <= span.end)
        })
    }

    fn routes(&self) -> &[Value] {
        self.value
            .get("routes")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// The span of the `id` value of step `id` in route `route`.
    fn step_definition(&self, route: usize, id: &str) -> Option<Span> {
        let steps = self.routes().get(route)?.get("steps")?.as_array()?;
        let index = steps
            .iter()
            .position(|step| step.get("id").and_then(Value::as_str) == Some(id))?;
        self.span(&[
            Seg::Key("routes".into()),
            Seg::Index(route),
            Seg::Key("steps".into()),
            Seg::Index(index),
            Seg::Key("id".into()),
        ])
    }

    /// The span of the `id` value of the item `id` of the list at `list`
    /// (`roles`, `service.results` …).
    fn item_definition(&self, list: &[&str], id: &str) -> Option<Span> {
        let mut segs: Vec<Seg> = list.iter().map(|key| Seg::Key((*key).into())).collect();
        let items = get(&self.value, &segs)?.as_array()?;
        let index = items
            .iter()
            .position(|item| item.get("id").and_then(Value::as_str) == Some(id))?;
        segs.push(Seg::Index(index));
        segs.push(Seg::Key("id".into()));
        self.span(&segs)
    }
}

fn collect_leaves(value: &Value, path: &mut Vec<Seg>, spans: &SpanMap, leaves: &mut Vec<Leaf>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                path.push(Seg::Key(key.clone()));
                collect_leaves(child, path, spans, leaves);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                path.push(Seg::Index(index));
                collect_leaves(child, path, spans, leaves);
                path.pop();
            }
        }
        _ => {
            if let Some(span) = spans.value(&path_string(path)) {
                leaves.push(Leaf {
                    path: path.clone(),
                    span,
                });
            }
        }
    }
}

/// Where `offset` points when it is a reference: the span of the `id:` it
/// names.
///
/// - `start:`, `next:`, `on_timeout:` and an outcome's `next:` → the step in
///   the same route;
/// - an outcome's `id:` → the step the outcome leads to;
/// - a rule's `at:` → the step (in the first route that has it);
/// - `role:`, `manual_check:` → the role; a step's `result:` → the result or
///   refusal; a rule's `refusal:` and `ground:` → the refusal and the ground.
pub fn definition(tree: &Tree, offset: usize) -> Option<Span> {
    let leaf = tree.leaf_at(offset)?;
    let name = get(&tree.value, &leaf.path)?.as_str()?;
    let path = leaf.path.as_slice();
    let keys: Vec<Option<&str>> = path.iter().map(Seg::key).collect();
    match keys.as_slice() {
        [Some("routes"), None, Some("start")]
        | [
            Some("routes"),
            None,
            Some("steps"),
            None,
            Some("next" | "on_timeout"),
        ]
        | [
            Some("routes"),
            None,
            Some("steps"),
            None,
            Some("outcomes"),
            None,
            Some("next"),
        ] => tree.step_definition(path[1].index()?, name),
        [
            Some("routes"),
            None,
            Some("steps"),
            None,
            Some("outcomes"),
            None,
            Some("id"),
        ] => {
            let outcome = get(&tree.value, &path[..path.len() - 1])?;
            let target = outcome.get("next")?.as_str()?;
            tree.step_definition(path[1].index()?, target)
        }
        [
            Some("routes"),
            None,
            Some("steps"),
            None,
            Some("role" | "manual_check"),
        ] => tree.item_definition(&["roles"], name),
        [Some("routes"), None, Some("steps"), None, Some("result")] => tree
            .item_definition(&["service", "results"], name)
            .or_else(|| tree.item_definition(&["service", "refusals"], name)),
        [Some("rules"), None, Some("at"), None] => {
            (0..tree.routes().len()).find_map(|route| tree.step_definition(route, name))
        }
        [Some("rules"), None, Some("refusal")] => {
            tree.item_definition(&["service", "refusals"], name)
        }
        [Some("rules"), None, Some("ground")] => {
            tree.item_definition(&["service", "refusal_grounds"], name)
        }
        _ => None,
    }
}

/// The source a number at `offset` comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// The number's text as written, e.g. `amount: 5 minutes`.
    pub what: String,
    /// The seed file (`seed.file`).
    pub seed: Option<String>,
    /// The 1-based seed line.
    pub line: u32,
    pub para: Option<String>,
    /// The number's span.
    pub span: Span,
}

/// The seed line a number (a limit, a term, a `source.line` itself, the
/// `seed.lines`) was read from: the `source` of the nearest mapping around
/// it that has one.
pub fn provenance(tree: &Tree, offset: usize) -> Option<Provenance> {
    let leaf = tree.leaf_at(offset)?;
    let number = get(&tree.value, &leaf.path)?.as_u64()?;
    let seed = tree
        .value
        .get("seed")
        .and_then(|seed| seed.get("file"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let path = leaf.path.as_slice();
    let (key, parent) = path.split_last()?;
    let what = match key {
        Seg::Key(key) => {
            let unit = get(&tree.value, parent)
                .and_then(|parent| parent.get("unit"))
                .and_then(Value::as_str)
                .map(|unit| format!(" {unit}"))
                .unwrap_or_default();
            format!("{key}: {number}{unit}")
        }
        Seg::Index(_) => format!("{}: {number}", path_string(parent)),
    };
    let found = |line: u64, para: Option<&Value>| {
        Some(Provenance {
            what: what.clone(),
            seed: seed.clone(),
            line: u32::try_from(line).ok()?,
            para: para.and_then(Value::as_str).map(str::to_owned),
            span: leaf.span,
        })
    };
    // The number is a source line itself, or one of `seed.lines`.
    if key.key() == Some("line") {
        let source = get(&tree.value, parent)?;
        return found(number, source.get("para"));
    }
    if matches!(path, [Seg::Key(seed), Seg::Key(lines), Seg::Index(_)] if seed == "seed" && lines == "lines")
    {
        return found(number, None);
    }
    // Else the nearest enclosing mapping with a `source`.
    (0..path.len()).rev().find_map(|depth| {
        let source = get(&tree.value, &path[..depth])?.get("source")?;
        found(source.get("line")?.as_u64()?, source.get("para"))
    })
}

/// The hover text for `provenance`, with the seed line when `seed_line`
/// finds it (else the reason it could not).
pub fn hover_markdown(provenance: &Provenance, seed_line: Result<String, String>) -> String {
    let para = provenance
        .para
        .as_deref()
        .map(|para| format!(", para {para}"))
        .unwrap_or_default();
    let file = provenance
        .seed
        .as_deref()
        .map(|file| format!(" of `{file}`"))
        .unwrap_or_default();
    let mut out = format!(
        "**{}** — seed line {}{para}{file}\n\n",
        provenance.what, provenance.line
    );
    match seed_line {
        Ok(text) => {
            const MAX: usize = 2000;
            let text = text.trim();
            let shown: String = text.chars().take(MAX).collect();
            let more = if shown.len() < text.len() { " …" } else { "" };
            out.push_str(&format!("> {shown}{more}\n"));
        }
        Err(reason) => out.push_str(&format!("_{reason}_\n")),
    }
    out
}

/// The YAML key whose value the cursor is typing, found in the text (which
/// need not parse while one types): `next: p-|`, `{…, next: |}`,
/// `calls: [labour_market, |`, or an item of a block list under `calls:`.
/// Returns the key and the start of the word under the cursor.
pub fn key_at(text: &str, offset: usize) -> Option<(String, usize)> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let word_len = prefix
        .chars()
        .rev()
        .take_while(|c| is_word(*c))
        .map(char::len_utf8)
        .sum::<usize>();
    let word_start = offset - word_len;
    let rest = &prefix[..prefix.len() - word_len];
    let mut depth = 0usize;
    let mut in_list = false;
    // A comma at this level: an item of a flow list, or a key position in a
    // flow mapping; the bracket that opens the level tells which.
    let mut after_comma = false;
    for (i, c) in rest.char_indices().rev() {
        match c {
            '}' | ']' => depth += 1,
            '{' | '[' if depth > 0 => depth -= 1,
            '[' => {
                in_list = true;
                after_comma = false;
            }
            '{' => return None,
            ',' if depth == 0 && !in_list => after_comma = true,
            ':' if depth == 0 && !after_comma => {
                let after = &rest[i + 1..];
                if !after.starts_with([' ', '\t']) {
                    continue;
                }
                let before = &rest[..i];
                let key_len = before
                    .chars()
                    .rev()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .map(char::len_utf8)
                    .sum::<usize>();
                let key = &before[before.len() - key_len..];
                return (!key.is_empty()).then(|| (key.to_owned(), word_start));
            }
            _ => {}
        }
    }
    // `  - |`: an item of a block sequence; its key is on an earlier line.
    let trimmed = rest.trim_start();
    let dash = rest.len() - trimmed.len();
    if depth > 0 || in_list || after_comma || !(trimmed == "-" || trimmed.starts_with("- ")) {
        return None;
    }
    let mut lines = text[..line_start].lines().rev();
    lines.find_map(|line| {
        let content = line.trim_start();
        let indent = line.len() - content.len();
        if content.is_empty() || content.starts_with('#') {
            return None;
        }
        if indent > dash || (indent == dash && content.starts_with('-')) {
            return None;
        }
        // The first line above the item that is not a sibling: its key, or
        // nothing.
        let content = content.strip_prefix("- ").unwrap_or(content);
        let content = content.split(" #").next().unwrap_or(content).trim_end();
        let key = content.strip_suffix(':').filter(|key| {
            key.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
        Some(key.map(|key| (key.to_owned(), word_start)))
    })?
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// A candidate value: what is inserted, and what the editor shows beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub label: String,
    pub detail: String,
    pub kind: CompletionItemKind,
}

/// The values that fit the key at `offset`: step ids after `next:`,
/// `on_timeout:`, `start:` (the route's steps) and a rule's `at:` (every
/// route's); role ids after `role:` and `manual_check:` (staff only); units
/// after `unit:`; state information systems in `calls:`; their answers in
/// `answers:`; results, refusals, grounds, channels and step kinds.
///
/// `tree` is the latest tree that parsed (the text being typed often does
/// not); `offset` picks the route.
pub fn completion(text: &str, offset: usize, tree: Option<&Tree>) -> (Vec<Candidate>, usize) {
    let Some((key, word_start)) = key_at(text, offset) else {
        return (Vec::new(), offset);
    };
    let mut out = Vec::new();
    let enumerated = |label: &str, detail: String| Candidate {
        label: label.to_owned(),
        detail,
        kind: CompletionItemKind::ENUM_MEMBER,
    };
    match key.as_str() {
        "unit" => out.extend(Unit::ALL.iter().map(|unit| {
            let detail = match unit {
                Unit::Minutes | Unit::Hours => "working time, inside office hours",
                _ => "counted on the working calendar",
            };
            enumerated(unit.as_str(), detail.to_owned())
        })),
        "calls" => out.extend(System::ALL.iter().map(|system| {
            let title = system.title();
            let ru = title.ru.as_deref().unwrap_or_default();
            enumerated(system.as_str(), format!("{} / {ru}", title.kk))
        })),
        "answers" => {
            let mut answers: Vec<Answer> = Vec::new();
            for system in System::ALL {
                for answer in system.answers() {
                    if !answers.contains(answer) {
                        answers.push(*answer);
                    }
                }
            }
            out.extend(answers.iter().map(|answer| {
                let systems: Vec<&str> = System::ALL
                    .iter()
                    .filter(|system| system.can_answer(*answer))
                    .map(|system| system.as_str())
                    .collect();
                enumerated(answer.as_str(), format!("from {}", systems.join(", ")))
            }));
        }
        "channel" | "channels" => out.extend(
            Channel::ALL
                .iter()
                .map(|channel| enumerated(channel.as_str(), "channel".to_owned())),
        ),
        "kind" if tree.is_some_and(|tree| in_step(tree, offset)) => {
            let kinds = [
                StepKind::Task,
                StepKind::Decision,
                StepKind::Auto,
                StepKind::Wait,
                StepKind::End,
            ];
            out.extend(kinds.iter().filter_map(|kind| {
                let name = serde_json::to_value(kind).ok()?;
                Some(enumerated(name.as_str()?, "step kind".to_owned()))
            }));
        }
        _ => {}
    }
    if let Some(tree) = tree {
        match key.as_str() {
            "next" | "on_timeout" | "start" => match tree.route_at(offset) {
                Some(route) => steps(tree, route, &mut out),
                None => (0..tree.routes().len()).for_each(|route| steps(tree, route, &mut out)),
            },
            "at" => (0..tree.routes().len()).for_each(|route| steps(tree, route, &mut out)),
            "role" => roles(tree, false, &mut out),
            "manual_check" => roles(tree, true, &mut out),
            "result" => {
                items(tree, &["service", "results"], "result", &mut out);
                items(tree, &["service", "refusals"], "refusal", &mut out);
            }
            "refusal" => items(tree, &["service", "refusals"], "refusal", &mut out),
            "ground" => items(tree, &["service", "refusal_grounds"], "ground", &mut out),
            _ => {}
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|candidate| seen.insert(candidate.label.clone()));
    (out, word_start)
}

fn in_step(tree: &Tree, offset: usize) -> bool {
    let Some(route) = tree.route_at(offset) else {
        return false;
    };
    let count = tree.routes()[route]
        .get("steps")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    (0..count).any(|step| {
        tree.span(&[
            Seg::Key("routes".into()),
            Seg::Index(route),
            Seg::Key("steps".into()),
            Seg::Index(step),
        ])
        .is_some_and(|span| span.start <= offset && offset <= span.end)
    })
}

fn kk(value: Option<&Value>) -> String {
    let text = match value {
        Some(Value::String(text)) => text.as_str(),
        Some(value) => value.get("kk").and_then(Value::as_str).unwrap_or_default(),
        None => "",
    };
    const MAX: usize = 120;
    let short: String = text.chars().take(MAX).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

fn steps(tree: &Tree, route: usize, out: &mut Vec<Candidate>) {
    let route_value = &tree.routes()[route];
    let key = match (
        route_value.get("channel").and_then(Value::as_str),
        route_value.get("variant").and_then(Value::as_str),
    ) {
        (Some(channel), Some(variant)) => format!("{channel}/{variant}"),
        (Some(channel), None) => channel.to_owned(),
        _ => format!("route {}", route + 1),
    };
    let Some(steps) = route_value.get("steps").and_then(Value::as_array) else {
        return;
    };
    for step in steps {
        let Some(id) = step.get("id").and_then(Value::as_str) else {
            continue;
        };
        let kind = step.get("kind").and_then(Value::as_str).unwrap_or("task");
        let who = step
            .get("role")
            .and_then(Value::as_str)
            .or_else(|| step.get("result").and_then(Value::as_str))
            .unwrap_or_default();
        let action = kk(step.get("action"));
        out.push(Candidate {
            label: id.to_owned(),
            detail: format!("{key} · {kind} {who} {action}")
                .trim_end()
                .to_owned(),
            kind: CompletionItemKind::REFERENCE,
        });
    }
}

fn roles(tree: &Tree, staff_only: bool, out: &mut Vec<Candidate>) {
    let Some(roles) = tree.value.get("roles").and_then(Value::as_array) else {
        return;
    };
    for role in roles {
        let Some(id) = role.get("id").and_then(Value::as_str) else {
            continue;
        };
        let org = role.get("org").and_then(Value::as_str).unwrap_or_default();
        if staff_only && matches!(org, "applicant" | "information_system") {
            continue;
        }
        out.push(Candidate {
            label: id.to_owned(),
            detail: format!("{org} · {}", kk(role.get("title"))),
            kind: CompletionItemKind::REFERENCE,
        });
    }
}

fn items(tree: &Tree, list: &[&str], what: &str, out: &mut Vec<Candidate>) {
    let segs: Vec<Seg> = list.iter().map(|key| Seg::Key((*key).into())).collect();
    let Some(items) = get(&tree.value, &segs).and_then(Value::as_array) else {
        return;
    };
    for item in items {
        let Some(id) = item.get("id").and_then(Value::as_str) else {
            continue;
        };
        let title = item.get("title").or_else(|| item.get("text"));
        out.push(Candidate {
            label: id.to_owned(),
            detail: format!("{what} · {}", kk(title)),
            kind: CompletionItemKind::REFERENCE,
        });
    }
}

/// The LSP items for `candidates`, each replacing the word being typed
/// (`word_start..offset`) and sorted in the file's order.
pub fn completion_items(
    text: &str,
    index: &LineIndex,
    candidates: Vec<Candidate>,
    word_start: usize,
    offset: usize,
) -> Vec<CompletionItem> {
    let range = index.range(text, Span::new(word_start, offset));
    candidates
        .into_iter()
        .enumerate()
        .map(|(i, candidate)| CompletionItem {
            label: candidate.label.clone(),
            kind: Some(candidate.kind),
            detail: Some(candidate.detail.clone()),
            documentation: Some(Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::PlainText,
                value: candidate.detail,
            })),
            sort_text: Some(format!("{i:04}")),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range,
                new_text: candidate.label,
            })),
            ..CompletionItem::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTE: &str = "\
roles:
  - {id: applicant, org: applicant, title: {kk: алушы}}
  - {id: executor, org: provider, title: {kk: орындаушы}}
  - {id: portal-system, org: information_system, title: {kk: портал}}
service:
  results:
    - {id: certificate, title: {kk: анықтама}}
  refusals:
    - {id: refusal, title: {kk: бас тарту}}
routes:
  - channel: provider_office
    start: po-1
    steps:
      - id: po-1
        role: applicant
        limit: {amount: 15, unit: minutes, source: {line: 31, para: \"6.1\"}}
        next: po-2
        source: {line: 30}
      - id: po-2
        kind: decision
        outcomes:
          - {id: yes, label: {kk: иә, ru: да}, next: po-end}
        calls:
          - labour_market
          - 
        source: {line: 32}
      - {id: po-end, kind: end, result: certificate, source: {line: 33}}
  - channel: portal
    start: p-1
    steps:
      - {id: p-1, role: applicant, next: p-end, source: {line: 40}}
      - {id: p-end, kind: end, result: certificate, source: {line: 41}}
";

    fn at(text: &str, needle: &str) -> usize {
        text.find(needle).unwrap_or_else(|| panic!("no `{needle}`"))
    }

    fn labels(candidates: &[Candidate]) -> Vec<&str> {
        candidates.iter().map(|c| c.label.as_str()).collect()
    }

    #[test]
    fn keys_at_the_cursor() {
        let cases = [
            ("next: po-", Some("next")),
            ("  next: ", Some("next")),
            ("- {id: yes, label: {kk: иә, ru: да}, next: p", Some("next")),
            ("    calls: [labour_market, ", Some("calls")),
            ("    calls: [", Some("calls")),
            ("  - {id: yes, ", None),
            ("  role:x", None),
            ("open: \"09:00", Some("open")),
            ("  label: {kk: иә, ru: ", Some("ru")),
        ];
        for (text, key) in cases {
            let found = key_at(text, text.len()).map(|(key, _)| key);
            assert_eq!(found.as_deref(), key, "{text:?}");
        }
        let text = "steps:\n  - id: a\n    calls:\n      - labour_market\n      - per";
        assert_eq!(
            key_at(text, text.len()),
            Some(("calls".to_owned(), text.len() - 3))
        );
        let text = "calls:\n- notary\n- ";
        assert_eq!(
            key_at(text, text.len()).map(|(k, _)| k).as_deref(),
            Some("calls")
        );
        let text = "steps:\n  - ";
        assert_eq!(
            key_at(text, text.len()).map(|(k, _)| k).as_deref(),
            Some("steps")
        );
        let text = "a:\n  b: 1\n  - ";
        assert_eq!(key_at(text, text.len()), None);
    }

    #[test]
    fn completes_the_route_steps_roles_units_and_systems() {
        let tree = Tree::parse(ROUTE).unwrap();
        let offset = at(ROUTE, "next: po-2") + "next: po".len();
        let (candidates, start) = completion(ROUTE, offset, Some(&tree));
        assert_eq!(labels(&candidates), ["po-1", "po-2", "po-end"]);
        assert_eq!(start, at(ROUTE, "next: po-2") + "next: ".len());
        // The portal route's steps in the portal route.
        let offset = at(ROUTE, "next: p-end") + "next: ".len();
        let (candidates, _) = completion(ROUTE, offset, Some(&tree));
        assert_eq!(labels(&candidates), ["p-1", "p-end"]);
        // An outcome's target after Cyrillic text on the same line.
        let offset = at(ROUTE, "next: po-end}") + "next: ".len();
        assert_eq!(
            labels(&completion(ROUTE, offset, Some(&tree)).0),
            ["po-1", "po-2", "po-end"]
        );
        let offset = at(ROUTE, "role: applicant") + "role: ".len();
        assert_eq!(
            labels(&completion(ROUTE, offset, Some(&tree)).0),
            ["applicant", "executor", "portal-system"]
        );
        let offset = at(ROUTE, "unit: minutes") + "unit: ".len();
        assert_eq!(
            labels(&completion(ROUTE, offset, Some(&tree)).0),
            [
                "minutes",
                "hours",
                "working_days",
                "calendar_days",
                "months"
            ]
        );
        let offset = at(ROUTE, "          - \n") + "          - ".len();
        let (candidates, _) = completion(ROUTE, offset, Some(&tree));
        assert_eq!(labels(&candidates).len(), System::ALL.len());
        assert!(labels(&candidates).contains(&"person_database"));
        let offset = at(ROUTE, "result: certificate") + "result: ".len();
        assert_eq!(
            labels(&completion(ROUTE, offset, Some(&tree)).0),
            ["certificate", "refusal"]
        );
        let offset = at(ROUTE, "kind: decision") + "kind: ".len();
        assert_eq!(
            labels(&completion(ROUTE, offset, Some(&tree)).0),
            ["task", "decision", "auto", "wait", "end"]
        );
        // Nothing where no key is being typed.
        assert!(completion(ROUTE, 0, Some(&tree)).0.is_empty());
    }

    #[test]
    fn definitions_of_references() {
        let tree = Tree::parse(ROUTE).unwrap();
        let def = |needle: &str, skip: usize| {
            let span = definition(&tree, at(ROUTE, needle) + skip)?;
            Some(&ROUTE[span.start..span.end])
        };
        let po2 = at(ROUTE, "id: po-2") + "id: ".len();
        assert_eq!(
            definition(&tree, at(ROUTE, "next: po-2") + 7),
            Some(Span::new(po2, po2 + 4))
        );
        assert_eq!(def("start: p-1", 8), Some("p-1"));
        assert_eq!(def("next: p-end", 7), Some("p-end"));
        // The outcome `yes` leads to po-end.
        let end = at(ROUTE, "id: po-end") + "id: ".len();
        assert_eq!(
            definition(&tree, at(ROUTE, "id: yes") + 5),
            Some(Span::new(end, end + 6))
        );
        assert_eq!(def("role: applicant", 7), Some("applicant"));
        assert_eq!(def("result: certificate", 9), Some("certificate"));
        assert_eq!(def("unit: minutes", 7), None);
    }

    #[test]
    fn numbers_come_from_their_source_line() {
        let tree = Tree::parse(ROUTE).unwrap();
        let p = provenance(&tree, at(ROUTE, "amount: 15") + 8).unwrap();
        assert_eq!(p.what, "amount: 15 minutes");
        assert_eq!((p.line, p.para.as_deref()), (31, Some("6.1")));
        assert_eq!(&ROUTE[p.span.start..p.span.end], "15");
        let p = provenance(&tree, at(ROUTE, "line: 30") + 6).unwrap();
        assert_eq!((p.line, p.para), (30, None));
        assert_eq!(provenance(&tree, at(ROUTE, "id: po-1") + 4), None);
        let markdown = hover_markdown(
            &provenance(&tree, at(ROUTE, "amount: 15") + 8).unwrap(),
            Ok("6.1) он бес минут".to_owned()),
        );
        assert_eq!(
            markdown,
            "**amount: 15 minutes** — seed line 31, para 6.1\n\n> 6.1) он бес минут\n"
        );
    }

    #[test]
    fn diagnostics_count_utf16_after_cyrillic() {
        let text =
            include_str!("../../../regulations/kyzylorda/2015-141/unemployed-certificate.yaml")
                .replace("next: sc-refused}", "next: sc-nowhere}");
        let index = LineIndex::new(&text);
        let diagnostics = diagnostics(&text, &index, &Calendar::kazakhstan());
        let unknown: Vec<_> = diagnostics
            .iter()
            .filter(|d| d.code == Some(NumberOrString::String("unknown-step".into())))
            .collect();
        assert_eq!(unknown.len(), 1, "{diagnostics:#?}");
        let line = text
            .lines()
            .find(|line| line.contains("sc-nowhere"))
            .unwrap();
        let column = line[..line.find("sc-nowhere").unwrap()]
            .encode_utf16()
            .count();
        assert!(
            column < line.find("sc-nowhere").unwrap(),
            "Cyrillic before it"
        );
        assert_eq!(unknown[0].range.start.character as usize, column);
        assert_eq!(
            unknown[0].range.end.character as usize,
            column + "sc-nowhere".len()
        );
    }

    fn regulations() -> Vec<(std::path::PathBuf, String)> {
        let mut dirs =
            vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../regulations")];
        let mut files = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    files.push((path, text));
                }
            }
        }
        files.sort();
        assert!(files.len() >= 17, "the regulations: {}", files.len());
        files
    }

    /// Every step reference of every regulation goes to the step's `id:`,
    /// every amount has a seed line, and every step reference completes
    /// with the step it names among the candidates.
    #[test]
    fn every_reference_of_the_regulations_resolves() {
        let mut references = 0;
        let mut amounts = 0;
        for (path, text) in regulations() {
            let tree = Tree::parse(&text).unwrap();
            for key in ["next: ", "on_timeout: ", "start: "] {
                for (at, _) in text.match_indices(key) {
                    let start = at + key.len();
                    let name: String = text[start..].chars().take_while(|c| is_word(*c)).collect();
                    let span = definition(&tree, start + 1)
                        .unwrap_or_else(|| panic!("{}: `{key}{name}`", path.display()));
                    assert_eq!(&text[span.start..span.end], name);
                    let line_start = text[..span.start].rfind('\n').unwrap() + 1;
                    assert!(
                        text[line_start..span.start].ends_with("id: "),
                        "{}: `{name}` goes to {:?}",
                        path.display(),
                        &text[line_start..span.end]
                    );
                    let (candidates, word_start) = completion(&text, start + 1, Some(&tree));
                    assert_eq!(word_start, start);
                    assert!(labels(&candidates).contains(&name.as_str()), "{name}");
                    references += 1;
                }
            }
            for (at, _) in text.match_indices("amount: ") {
                let offset = at + "amount: ".len();
                let found = provenance(&tree, offset)
                    .unwrap_or_else(|| panic!("{}: amount at {offset}", path.display()));
                assert!(found.line > 0 && found.seed.is_some());
                amounts += 1;
            }
        }
        assert!(references > 300 && amounts > 100, "{references} {amounts}");
    }

    /// No offset of any regulation, nor any prefix of one (text being
    /// typed), makes an analysis panic.
    #[test]
    fn no_offset_panics() {
        for (_, text) in regulations().into_iter().step_by(3) {
            let tree = Tree::parse(&text).unwrap();
            let offsets = (0..=text.len()).filter(|&o| text.is_char_boundary(o));
            for offset in offsets.step_by(3) {
                let _ = completion(&text, offset, Some(&tree));
                let _ = definition(&tree, offset);
                let _ = provenance(&tree, offset);
                let prefix = &text[..offset];
                if offset % 7 == 0 {
                    let _ = completion(prefix, offset, Some(&tree));
                    let _ = completion(prefix, offset, None);
                }
            }
            // A cursor in the middle of a two-byte letter.
            let _ = key_at(&text, text.find('қ').unwrap_or(0) + 1);
        }
    }
}
