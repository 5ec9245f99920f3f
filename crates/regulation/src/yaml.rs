//! YAML → JSON value plus a map from value paths to source spans.
//!
//! The YAML event stream comes from `saphyr-parser`. We build the value tree
//! ourselves so that every node's location is kept (keyed by the same path
//! syntax `serde_path_to_error` prints, e.g. `routes[1].steps[3].next`),
//! duplicate keys are errors rather than silently merged, and the size of the
//! tree is bounded (aliases cannot blow it up).
//!
//! Plain scalars are resolved with the YAML 1.2 core schema (`null`, `true`,
//! `false`, integers, floats); quoted and block scalars are always strings.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};

use crate::diag::{Diagnostic, Span};

/// The most nodes (scalars, mappings, sequences, alias expansions) one file
/// may hold; a regulation needs a few thousand.
pub const MAX_NODES: usize = 200_000;
/// The deepest nesting a file may have.
pub const MAX_DEPTH: usize = 64;

/// Where each value (and each mapping key) of a document is.
#[derive(Debug, Default)]
pub struct SpanMap {
    values: HashMap<String, Span>,
    keys: HashMap<String, Span>,
}

impl SpanMap {
    /// The span of the value at `path` (`.` is the root).
    pub fn value(&self, path: &str) -> Option<Span> {
        self.values.get(path).copied()
    }

    /// The span of the key of the mapping entry at `path`.
    pub fn key(&self, path: &str) -> Option<Span> {
        self.keys.get(path).copied()
    }

    /// The span of the value at `path`, or of its nearest ancestor that has
    /// one, or the start of the file.
    pub fn nearest(&self, path: &str) -> Span {
        let mut path = path.to_owned();
        loop {
            if let Some(span) = self.value(&path) {
                return span;
            }
            match parent(&path) {
                Some(up) => path = up,
                None => return self.value(".").unwrap_or_default(),
            }
        }
    }
}

/// `a.b[2].c` → `a.b[2]` → `a.b` → `a` → `.`.
pub fn parent(path: &str) -> Option<String> {
    if path == "." {
        return None;
    }
    let Some(cut) = path.rfind(['.', '[']) else {
        return Some(".".into());
    };
    if cut == 0 {
        return Some(".".into());
    }
    Some(path[..cut].to_owned())
}

pub fn child_key(path: &str, key: &str) -> String {
    if path == "." {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

pub fn child_index(path: &str, index: usize) -> String {
    if path == "." {
        format!("[{index}]")
    } else {
        format!("{path}[{index}]")
    }
}

/// The parsed document.
pub struct Document {
    pub value: Value,
    pub spans: SpanMap,
}

struct Builder<'a> {
    text: &'a str,
    /// Character index → byte offset, for the parser's character markers.
    char_to_byte: Vec<usize>,
    spans: SpanMap,
    anchors: HashMap<usize, Value>,
    nodes: usize,
}

enum Frame {
    Mapping {
        path: String,
        anchor: usize,
        start: usize,
        map: Map<String, Value>,
        pending_key: Option<(String, Span)>,
    },
    Sequence {
        path: String,
        anchor: usize,
        start: usize,
        items: Vec<Value>,
    },
}

impl Builder<'_> {
    fn byte(&self, char_index: usize) -> usize {
        self.char_to_byte
            .get(char_index)
            .copied()
            .unwrap_or(self.text.len())
    }

    fn span(&self, span: saphyr_parser::Span) -> Span {
        Span::new(self.byte(span.start.index()), self.byte(span.end.index()))
    }
}

/// Parses one YAML document. Never panics; every problem is a diagnostic.
pub fn parse(text: &str) -> Result<Document, Diagnostic> {
    let mut char_to_byte: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    char_to_byte.push(text.len());
    let mut builder = Builder {
        text,
        char_to_byte,
        spans: SpanMap::default(),
        anchors: HashMap::new(),
        nodes: 0,
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    let mut documents = 0usize;

    for event in Parser::new_from_str(text) {
        let (event, raw_span) = event.map_err(|error| {
            let offset = builder.byte(error.marker().index());
            Diagnostic::error(
                "yaml-syntax",
                Span::new(offset, offset + 1),
                format!("YAML syntax error: {}", error.info()),
            )
            .with_hint("check the indentation and the quoting of this line")
        })?;
        let span = builder.span(raw_span);
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => {}
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(Diagnostic::error(
                        "yaml-multiple-documents",
                        span,
                        "a regulation file holds exactly one YAML document",
                    )
                    .with_hint("split the file: one regulation edition per file"));
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                if tag.is_some() {
                    return Err(Diagnostic::error(
                        "yaml-tag",
                        span,
                        "YAML tags are not used in regulation files",
                    )
                    .with_hint("remove the `!tag`; write the value plainly"));
                }
                // A key of a mapping?
                if let Some(Frame::Mapping {
                    pending_key,
                    map,
                    path,
                    ..
                }) = stack.last_mut()
                    && pending_key.is_none()
                {
                    let key = value.into_owned();
                    if map.contains_key(&key) {
                        return Err(Diagnostic::error(
                            "duplicate-key",
                            span,
                            format!("duplicate key `{key}`"),
                        )
                        .with_hint("each key appears once in a mapping; merge the two entries"));
                    }
                    let key_path = child_key(path, &key);
                    builder.spans.keys.insert(key_path, span);
                    *pending_key = Some((key, span));
                    continue;
                }
                let value = resolve_scalar(&value, style);
                let path = next_path(&stack).unwrap_or_else(|| ".".into());
                builder.spans.values.insert(path, span);
                if anchor != 0 {
                    builder.anchors.insert(anchor, value.clone());
                }
                count(&mut builder, span, 1)?;
                push_value(&mut stack, &mut root, value);
            }
            Event::Alias(anchor) => {
                if matches!(
                    stack.last(),
                    Some(Frame::Mapping {
                        pending_key: None,
                        ..
                    })
                ) {
                    return Err(Diagnostic::error(
                        "yaml-alias-key",
                        span,
                        "an alias cannot be a mapping key",
                    ));
                }
                let Some(value) = builder.anchors.get(&anchor).cloned() else {
                    return Err(Diagnostic::error(
                        "yaml-alias",
                        span,
                        "alias to an unknown anchor",
                    ));
                };
                count(&mut builder, span, value_size(&value))?;
                let path = next_path(&stack).unwrap_or_else(|| ".".into());
                builder.spans.values.insert(path, span);
                push_value(&mut stack, &mut root, value);
            }
            Event::MappingStart(anchor, tag) | Event::SequenceStart(anchor, tag)
                if tag.is_some() =>
            {
                let _ = anchor;
                return Err(Diagnostic::error(
                    "yaml-tag",
                    span,
                    "YAML tags are not used in regulation files",
                )
                .with_hint("remove the `!tag`"));
            }
            Event::MappingStart(anchor, _) => {
                open_collection(&mut builder, &mut stack, span, anchor, true)?;
            }
            Event::SequenceStart(anchor, _) => {
                open_collection(&mut builder, &mut stack, span, anchor, false)?;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some(frame) = stack.pop() else {
                    return Err(Diagnostic::error(
                        "yaml-syntax",
                        span,
                        "unbalanced YAML structure",
                    ));
                };
                let (path, anchor, start, value) = match frame {
                    Frame::Mapping {
                        path,
                        anchor,
                        start,
                        map,
                        ..
                    } => (path, anchor, start, Value::Object(map)),
                    Frame::Sequence {
                        path,
                        anchor,
                        start,
                        items,
                    } => (path, anchor, start, Value::Array(items)),
                };
                builder
                    .spans
                    .values
                    .insert(path, Span::new(start, span.end.max(start)));
                if anchor != 0 {
                    builder.anchors.insert(anchor, value.clone());
                }
                push_value(&mut stack, &mut root, value);
            }
        }
    }
    let value = root.unwrap_or(Value::Null);
    Ok(Document {
        value,
        spans: builder.spans,
    })
}

/// Pushes a new mapping or sequence frame, checking that it is not used as a
/// key and that the nesting stays bounded.
fn open_collection(
    builder: &mut Builder<'_>,
    stack: &mut Vec<Frame>,
    span: Span,
    anchor: usize,
    mapping: bool,
) -> Result<(), Diagnostic> {
    if matches!(
        stack.last(),
        Some(Frame::Mapping {
            pending_key: None,
            ..
        })
    ) {
        return Err(Diagnostic::error(
            "yaml-complex-key",
            span,
            "mapping keys must be plain strings",
        ));
    }
    if stack.len() >= MAX_DEPTH {
        return Err(Diagnostic::error(
            "yaml-too-deep",
            span,
            format!("nesting deeper than {MAX_DEPTH} levels"),
        ));
    }
    count(builder, span, 1)?;
    let path = next_path(stack).unwrap_or_else(|| ".".into());
    let start = span.start;
    stack.push(if mapping {
        Frame::Mapping {
            path,
            anchor,
            start,
            map: Map::new(),
            pending_key: None,
        }
    } else {
        Frame::Sequence {
            path,
            anchor,
            start,
            items: Vec::new(),
        }
    });
    Ok(())
}

fn count(builder: &mut Builder<'_>, span: Span, nodes: usize) -> Result<(), Diagnostic> {
    builder.nodes = builder.nodes.saturating_add(nodes);
    if builder.nodes > MAX_NODES {
        return Err(Diagnostic::error(
            "yaml-too-large",
            span,
            format!("the file expands to more than {MAX_NODES} YAML nodes"),
        )
        .with_hint("regulation files are small; check for aliases that expand recursively"));
    }
    Ok(())
}

fn value_size(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(value_size).sum::<usize>(),
        Value::Object(map) => 1 + map.values().map(value_size).sum::<usize>(),
        _ => 1,
    }
}

/// The path the next value pushed onto `stack` will get.
fn next_path(stack: &[Frame]) -> Option<String> {
    match stack.last()? {
        Frame::Mapping {
            path, pending_key, ..
        } => pending_key.as_ref().map(|(key, _)| child_key(path, key)),
        Frame::Sequence { path, items, .. } => Some(child_index(path, items.len())),
    }
}

fn push_value(stack: &mut [Frame], root: &mut Option<Value>, value: Value) {
    match stack.last_mut() {
        Some(Frame::Mapping {
            map, pending_key, ..
        }) => {
            if let Some((key, _)) = pending_key.take() {
                map.insert(key, value);
            }
        }
        Some(Frame::Sequence { items, .. }) => items.push(value),
        None => *root = Some(value),
    }
}

fn resolve_scalar(text: &str, style: ScalarStyle) -> Value {
    if style != ScalarStyle::Plain {
        return Value::String(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let looks_numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        && text.bytes().any(|b| b.is_ascii_digit());
    if looks_numeric {
        if let Ok(int) = text.parse::<i64>() {
            return Value::Number(int.into());
        }
        if let Ok(uint) = text.parse::<u64>() {
            return Value::Number(uint.into());
        }
        if let Some(number) = text.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(number);
        }
    }
    Value::String(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_spans_by_path() {
        let text = "a:\n  b: [1, two]\n  c: 'x'\n";
        let doc = parse(text).unwrap();
        assert_eq!(
            doc.value,
            serde_json::json!({"a": {"b": [1, "two"], "c": "x"}})
        );
        let span = doc.spans.value("a.b[1]").unwrap();
        assert_eq!(&text[span.start..span.end], "two");
        let key = doc.spans.key("a.c").unwrap();
        assert_eq!(&text[key.start..key.end], "c");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let error = parse("a: 1\nb: 2\na: 3\n").err().unwrap();
        assert_eq!(error.code, "duplicate-key");
        assert_eq!(error.span.start, 10);
    }

    #[test]
    fn quoted_numbers_stay_strings() {
        let doc = parse("n: '141'\nm: 141\nd: 2015-09-02\n").unwrap();
        assert_eq!(
            doc.value,
            serde_json::json!({"n": "141", "m": 141, "d": "2015-09-02"})
        );
    }

    #[test]
    fn alias_bombs_are_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..8 {
            let prev = level - 1;
            text.push_str(&format!(
                "a{level}: &a{level} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        assert_eq!(parse(&text).err().unwrap().code, "yaml-too-large");
    }

    #[test]
    fn parent_paths() {
        assert_eq!(parent("a.b[2].c").as_deref(), Some("a.b[2]"));
        assert_eq!(parent("a.b[2]").as_deref(), Some("a.b"));
        assert_eq!(parent("a").as_deref(), Some("."));
        assert_eq!(parent("."), None);
    }
}
