//! A Mermaid flowchart of a compiled regulation.
//!
//! `flowchart LR` with one `subgraph` per route and, inside it, one per lane
//! (role). Node shapes by step kind: a start circle, `task` rectangles,
//! `auto` subroutines, `decision` rhombi, `wait` hexagons and `end` double
//! circles; edges carry the outcome's label, timeouts are dotted. Node ids
//! are positional (`r0_n3`), so any step id is safe; labels are quoted with
//! Mermaid's entity codes for the characters it would misread. Output
//! follows the model's order: same model, same bytes.

use std::fmt::Write as _;

use qyzmet_core::Lang;

use super::bpmn::common;
use crate::model::ProcessModel;
use crate::syntax::StepKind;

const LABEL_CHARS: usize = 70;

/// Renders the model as a Mermaid `flowchart LR`.
pub fn render(model: &ProcessModel, lang: Lang) -> String {
    let mut out = String::from("flowchart LR\n");
    for (r, graph) in model.routes.iter().enumerate() {
        let route = common::route_def(model, r, graph);
        let layout = common::layout(graph);
        let title = format!(
            "{} · {}",
            graph.key,
            common::route_title(model, r, graph, lang)
        );
        let _ = writeln!(out, "  subgraph r{r}[\"{}\"]", label(&title));
        let _ = writeln!(out, "    direction LR");
        if !graph.nodes.is_empty() {
            for (l, role) in layout.lanes.iter().enumerate() {
                let name = role
                    .as_deref()
                    .map(|role| common::role_title(model, role, lang))
                    .unwrap_or_else(|| " ".to_owned());
                let _ = writeln!(out, "    subgraph r{r}_l{l}[\"{}\"]", label(&name));
                let _ = writeln!(out, "      direction LR");
                if layout.start.lane == l {
                    let _ = writeln!(out, "      r{r}_start((\" \"))");
                }
                for (n, node) in graph.nodes.iter().enumerate() {
                    if layout.places.get(n).map(|p| p.lane) != Some(l) {
                        continue;
                    }
                    let step = common::step_def(route, &node.id);
                    let mut text = step
                        .and_then(|step| step.action.as_ref())
                        .map(|action| action.get(lang).to_owned())
                        .filter(|action| !action.trim().is_empty())
                        .unwrap_or_else(|| node.id.clone());
                    if node.kind == StepKind::End {
                        text = node
                            .result
                            .as_deref()
                            .map(|result| common::result_title(model, result, lang))
                            .unwrap_or_else(|| node.id.clone());
                    }
                    if let Some(number) = step.and_then(|step| step.label.as_deref()) {
                        text = format!("{number}. {text}");
                    }
                    let mut text = label(&common::truncate(&text, LABEL_CHARS));
                    if let Some(limit) = node.limit {
                        let _ = write!(
                            text,
                            "<br/>⏱ {}",
                            label(&common::duration_text(limit, lang))
                        );
                    }
                    let (open, close) = match node.kind {
                        StepKind::Task => ("[\"", "\"]"),
                        StepKind::Auto => ("[[\"", "\"]]"),
                        StepKind::Decision => ("{\"", "\"}"),
                        StepKind::Wait => ("{{\"", "\"}}"),
                        StepKind::End => ("(((\"", "\")))"),
                    };
                    let _ = writeln!(out, "      r{r}_n{n}{open}{text}{close}");
                }
                let _ = writeln!(out, "    end");
            }
        }
        let _ = writeln!(out, "  end");
    }
    for (r, graph) in model.routes.iter().enumerate() {
        let route = common::route_def(model, r, graph);
        if graph.start < graph.nodes.len() {
            let _ = writeln!(out, "  r{r}_start --> r{r}_n{}", graph.start);
        }
        for (n, node) in graph.nodes.iter().enumerate() {
            let step = common::step_def(route, &node.id);
            for edge in &node.edges {
                if edge.target >= graph.nodes.len() {
                    continue;
                }
                let target = edge.target;
                if edge.timeout {
                    let text = node
                        .limit
                        .map(|limit| format!("⏱ {}", common::duration_text(limit, lang)))
                        .unwrap_or_else(|| "⏱".to_owned());
                    let _ = writeln!(out, "  r{r}_n{n} -.->|\"{}\"| r{r}_n{target}", label(&text));
                } else if let Some(outcome) = &edge.outcome {
                    let text = common::outcome_label(step, outcome, lang);
                    let _ = writeln!(
                        out,
                        "  r{r}_n{n} -->|\"{}\"| r{r}_n{target}",
                        label(&common::truncate(&text, LABEL_CHARS))
                    );
                } else {
                    let _ = writeln!(out, "  r{r}_n{n} --> r{r}_n{target}");
                }
            }
        }
    }
    out
}

/// Text safe inside a quoted Mermaid label: quotes, brackets, `#`, `;`, `|`,
/// angle brackets and backticks as entity codes; line breaks as spaces.
fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '[' => out.push_str("#91;"),
            ']' => out.push_str("#93;"),
            '{' => out.push_str("#123;"),
            '}' => out.push_str("#125;"),
            '&' => out.push_str("#38;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::bpmn::test_support::{broken, sample};
    use super::*;

    #[test]
    fn sample_has_subgraphs_shapes_and_labels() {
        let text = render(&sample(), Lang::Kk);
        assert!(text.starts_with("flowchart LR\n"));
        assert!(text.contains("  subgraph r0[\"provider_office/a/b c · "));
        assert!(text.contains("    subgraph r0_l1[\"қызметкер #lt;#38;#gt; #quot;x#quot;\"]"));
        assert!(text.contains("      r0_n1{\"2. тексереді<br/>⏱ 3 жұмыс күні\"}"));
        assert!(text.contains("      r0_n2[[\"іздейді<br/>⏱ 15 минут\"]]"));
        assert!(text.contains("      r0_n3{{\"құжаттарды әкеледі<br/>⏱ 20 жұмыс күні\"}}"));
        assert!(text.contains("      r0_n5(((\"хабарлама #lt;ok#gt;\")))"));
        assert!(text.contains("  r0_start --> r0_n0\n"));
        assert!(text.contains("  r0_n1 -->|\"иә #lt;ok#gt;\"| r0_n2\n"));
        assert!(text.contains("  r0_n1 -->|\"қайта\"| r0_n0\n"));
        assert!(text.contains("  r0_n3 -.->|\"⏱ 20 жұмыс күні\"| r0_n6\n"));
        let opens = text
            .lines()
            .filter(|l| l.trim_start().starts_with("subgraph "))
            .count();
        let ends = text.lines().filter(|l| l.trim() == "end").count();
        assert_eq!(opens, ends);
    }

    #[test]
    fn broken_models_render_without_panicking() {
        for model in broken() {
            for lang in Lang::ALL {
                let text = render(&model, lang);
                assert_eq!(text, render(&model, lang));
                assert!(!text.contains("r0_n99"));
            }
        }
    }
}
