//! An SVG swimlane flowchart of a compiled regulation, in the style of the
//! regulations' "business process handbook" (the appendix that draws the
//! procedures of every structural-functional unit).
//!
//! One band per route, titled with the route's name and key; inside it one
//! lane per role, titled on the left. Start and end are circles (the end a
//! double one, with the result's title under it), actions are rectangles
//! with the wrapped action text and the time limit, decisions a rectangle
//! (the action) followed by a diamond, transitions arrows with the outcome's
//! label; timeout transitions are dashed. A legend closes the drawing.
//!
//! Placement is the swimlane layout shared with the BPMN DI
//! (`super::layout`): lanes under each other, columns by breadth-first
//! depth from the start. All
//! coordinates are integers and everything is emitted in model order, so the
//! same model gives the same bytes.

use std::fmt::Write as _;

use qyzmet_core::Lang;

use super::bpmn::common::{self, LegendItem, xml_escape};
use super::layout::{Grid, Rect};
use crate::model::{ProcessModel, RouteGraph};
use crate::syntax::StepKind;

const MARGIN: i64 = 20;
const HEADER_H: i64 = 56;
const BAND_TITLE_H: i64 = 30;
const BAND_GAP: i64 = 24;
const LANE_LABEL_W: i64 = 170;
const CONTENT_PAD: i64 = 24;
const COL_W: i64 = 340;
const ROW_H: i64 = 170;
/// How far before its target an arrow turns, and below the lower shape a
/// backward arrow runs.
const EDGE_GAP: i64 = 14;
const GRID: Grid = Grid {
    column_w: COL_W,
    row_h: ROW_H,
    lanes_h_min: ROW_H / 2,
};
const BOX_W: i64 = 200;
const BOX_H: i64 = 124;
const DIAMOND: i64 = 56;
const EVENT_R: i64 = 18;
const FONT: i64 = 10;
const LINE_H: i64 = 12;
const BOX_CHARS: usize = 30;
const BOX_LINES: usize = 7;
const LEGEND_ROW_H: i64 = 34;

/// Renders the model as a standalone SVG document.
pub fn render(model: &ProcessModel, lang: Lang) -> String {
    let layouts: Vec<common::Layout> = model.routes.iter().map(common::layout).collect();
    let columns = layouts.iter().map(|l| l.columns).max().unwrap_or(1).max(1) as i64;
    let width = (MARGIN * 2 + LANE_LABEL_W + CONTENT_PAD * 2 + columns * COL_W).max(760);

    let mut body = String::new();
    let mut y = MARGIN + HEADER_H;
    for (index, graph) in model.routes.iter().enumerate() {
        let layout = &layouts[index];
        y = draw_band(&mut body, model, index, graph, layout, lang, y, width) + BAND_GAP;
    }
    let legend_top = y;
    let legend_h = draw_legend(&mut body, lang, legend_top);
    let height = legend_top + legend_h + MARGIN;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"'PT Sans', 'DejaVu Sans', Arial, sans-serif\" font-size=\"{FONT}\">"
    );
    out.push_str(concat!(
        "<defs>\n",
        "<marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#222\"/></marker>\n",
        "<style>.lane{fill:#fff;stroke:#555;stroke-width:1}.lane-title{fill:#eef2f7;stroke:#555}",
        ".band{fill:none;stroke:#222;stroke-width:1.5}.band-title{fill:#d9e2ef;stroke:#222}",
        ".box{fill:#fdfdf6;stroke:#222;stroke-width:1.2}.auto{fill:#eef6ff}.wait{stroke-dasharray:5 3}",
        ".diamond{fill:#fff7d6;stroke:#222;stroke-width:1.2}.start{fill:#e3f4e1;stroke:#222;stroke-width:1.5}",
        ".end{fill:#f7e1e1;stroke:#222;stroke-width:1.5}.flow{fill:none;stroke:#222;stroke-width:1.2}",
        ".timeout{stroke-dasharray:6 4}.limit{font-weight:bold}.outcome{font-style:italic;fill:#1a3d7c}",
        ".title{font-size:15px;font-weight:bold}.subtitle{font-size:11px;fill:#444}</style>\n",
        "</defs>\n"
    ));
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>"
    );
    let title = model.file.service.title.get(lang);
    let _ = writeln!(
        out,
        "<text class=\"title\" x=\"{MARGIN}\" y=\"{}\">{}</text>",
        MARGIN + 16,
        xml_escape(&common::truncate(title, 160))
    );
    let _ = writeln!(
        out,
        "<text class=\"subtitle\" x=\"{MARGIN}\" y=\"{}\">{}</text>",
        MARGIN + 34,
        xml_escape(&model.id)
    );
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

/// Where a node's arrows start and end.
#[derive(Clone, Copy, Debug, Default)]
struct Ports {
    entry: Rect,
    exit: Rect,
    /// The exit is a diamond or a circle: leave it from a vertex.
    vertical: bool,
}

#[allow(clippy::too_many_arguments)]
fn draw_band(
    out: &mut String,
    model: &ProcessModel,
    index: usize,
    graph: &RouteGraph,
    layout: &common::Layout,
    lang: Lang,
    top: i64,
    width: i64,
) -> i64 {
    let route = common::route_def(model, index, graph);
    let band_x = MARGIN;
    let band_w = width - 2 * MARGIN;
    let lanes_top = top + BAND_TITLE_H;
    let frame = layout.frame(GRID, band_x + LANE_LABEL_W + CONTENT_PAD, lanes_top);
    let bottom = lanes_top + frame.lanes_h;
    let key = xml_escape(&graph.key);
    let _ = writeln!(out, "<g class=\"route\" data-route=\"{key}\">");
    let _ = writeln!(
        out,
        "<rect class=\"band-title\" x=\"{band_x}\" y=\"{top}\" width=\"{band_w}\" height=\"{BAND_TITLE_H}\"/>"
    );
    let title = format!(
        "{} · {}",
        graph.key,
        common::truncate(&common::route_title(model, index, graph, lang), 150)
    );
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"13\" font-weight=\"bold\">{}</text>",
        band_x + 8,
        top + 20,
        xml_escape(&title)
    );
    // Lanes.
    for (l, role) in layout.lanes.iter().enumerate() {
        let (y, h) = frame.lane(l);
        let name = role
            .as_deref()
            .map(|role| common::role_title(model, role, lang))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<rect class=\"lane\" x=\"{band_x}\" y=\"{y}\" width=\"{band_w}\" height=\"{h}\"/>"
        );
        let _ = writeln!(
            out,
            "<rect class=\"lane-title\" x=\"{band_x}\" y=\"{y}\" width=\"{LANE_LABEL_W}\" height=\"{h}\"/>"
        );
        let lines = common::wrap(&name, 22, ((h - 16) / 14).max(1) as usize);
        let text_top = y + h / 2 - (lines.len() as i64 * 14) / 2 + 10;
        let _ = write!(out, "<text font-size=\"11\" font-weight=\"bold\">");
        for (i, line) in lines.iter().enumerate() {
            let _ = write!(
                out,
                "<tspan x=\"{}\" y=\"{}\">{}</tspan>",
                band_x + 8,
                text_top + i as i64 * 14,
                xml_escape(line)
            );
        }
        let _ = writeln!(out, "</text>");
    }
    let _ = writeln!(
        out,
        "<rect class=\"band\" x=\"{band_x}\" y=\"{top}\" width=\"{band_w}\" height=\"{}\"/>",
        bottom - top
    );
    let cell = |place| frame.cell(place);

    // Nodes.
    let mut ports = vec![Ports::default(); graph.nodes.len()];
    let mut start_ports = None;
    if !graph.nodes.is_empty() {
        let (x, mid) = cell(layout.start);
        let circle = Rect {
            x: x + BOX_W / 2 - EVENT_R,
            y: mid - EVENT_R,
            w: 2 * EVENT_R,
            h: 2 * EVENT_R,
        };
        let _ = writeln!(
            out,
            "<circle class=\"start\" cx=\"{}\" cy=\"{}\" r=\"{EVENT_R}\"/>",
            circle.cx(),
            circle.cy()
        );
        start_ports = Some(Ports {
            entry: circle,
            exit: circle,
            vertical: true,
        });
    }
    for (n, node) in graph.nodes.iter().enumerate() {
        let step = common::step_def(route, &node.id);
        let place = layout.places.get(n).copied().unwrap_or_default();
        let (x, mid) = cell(place);
        let action = step
            .and_then(|step| step.action.as_ref())
            .map(|text| text.get(lang).trim().to_owned())
            .filter(|text| !text.is_empty());
        let number = step.and_then(|step| step.label.clone());
        let mut tooltip = action.clone().unwrap_or_else(|| node.id.clone());
        if let Some(hands_on) = step.and_then(|step| step.hands_on.as_ref()) {
            let _ = write!(tooltip, " → {}", hands_on.get(lang).trim());
        }
        let _ = writeln!(
            out,
            "<g class=\"step\" data-route=\"{key}\" data-step=\"{}\"><title>{}</title>",
            xml_escape(&node.id),
            xml_escape(&tooltip)
        );
        let has_timeout = node.edges.iter().any(|edge| edge.timeout);
        let boxed = match node.kind {
            StepKind::Task | StepKind::Auto | StepKind::Wait => true,
            StepKind::Decision => action.is_some() || node.limit.is_some() || has_timeout,
            StepKind::End => false,
        };
        let box_rect = Rect {
            x,
            y: mid - BOX_H / 2,
            w: BOX_W,
            h: BOX_H,
        };
        if boxed {
            let class = match node.kind {
                StepKind::Auto => "box auto",
                StepKind::Wait => "box wait",
                _ => "box",
            };
            let text = match &number {
                Some(number) => format!("{number}. {}", action.as_deref().unwrap_or(&node.id)),
                None => action.clone().unwrap_or_else(|| node.id.clone()),
            };
            draw_box(
                out,
                box_rect,
                class,
                &text,
                node.limit.map(|l| common::duration_text(l, lang)),
            );
        }
        ports[n] = match node.kind {
            StepKind::Decision => {
                let diamond = Rect {
                    x: if boxed {
                        x + BOX_W + 28
                    } else {
                        x + BOX_W / 2 - DIAMOND / 2
                    },
                    y: mid - DIAMOND / 2,
                    w: DIAMOND,
                    h: DIAMOND,
                };
                if boxed {
                    let _ = writeln!(
                        out,
                        "<path class=\"flow\" d=\"M{},{} L{},{}\" marker-end=\"url(#arrow)\"/>",
                        box_rect.right(),
                        mid,
                        diamond.x,
                        mid
                    );
                }
                let _ = writeln!(
                    out,
                    "<path class=\"diamond\" d=\"M{},{} L{},{} L{},{} L{},{} z\"/>",
                    diamond.cx(),
                    diamond.y,
                    diamond.right(),
                    diamond.cy(),
                    diamond.cx(),
                    diamond.bottom(),
                    diamond.x,
                    diamond.cy()
                );
                if !boxed && let Some(number) = &number {
                    let _ = writeln!(
                        out,
                        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                        diamond.cx(),
                        diamond.cy() + 4,
                        xml_escape(&common::truncate(number, 8))
                    );
                }
                Ports {
                    entry: if boxed { box_rect } else { diamond },
                    exit: diamond,
                    vertical: true,
                }
            }
            StepKind::End => {
                let circle = Rect {
                    x: x + BOX_W / 2 - EVENT_R,
                    y: mid - EVENT_R,
                    w: 2 * EVENT_R,
                    h: 2 * EVENT_R,
                };
                let _ = writeln!(
                    out,
                    "<circle class=\"end\" cx=\"{}\" cy=\"{mid}\" r=\"{EVENT_R}\"/><circle class=\"end\" cx=\"{}\" cy=\"{mid}\" r=\"{}\"/>",
                    circle.cx(),
                    circle.cx(),
                    EVENT_R - 5
                );
                let result = node
                    .result
                    .as_deref()
                    .map(|result| common::result_title(model, result, lang))
                    .unwrap_or_default();
                let lines = common::wrap(&result, BOX_CHARS, 3);
                if !lines.is_empty() {
                    let _ = write!(out, "<text text-anchor=\"middle\">");
                    for (i, line) in lines.iter().enumerate() {
                        let _ = write!(
                            out,
                            "<tspan x=\"{}\" y=\"{}\">{}</tspan>",
                            circle.cx(),
                            circle.bottom() + 14 + i as i64 * LINE_H,
                            xml_escape(line)
                        );
                    }
                    let _ = writeln!(out, "</text>");
                }
                Ports {
                    entry: circle,
                    exit: circle,
                    vertical: true,
                }
            }
            _ => Ports {
                entry: box_rect,
                exit: box_rect,
                vertical: false,
            },
        };
        let _ = writeln!(out, "</g>");
    }

    // Transitions.
    if let (Some(start), Some(first)) = (start_ports, ports.get(graph.start)) {
        draw_arrow(out, &start, first, None, false);
    }
    for (n, node) in graph.nodes.iter().enumerate() {
        let step = common::step_def(route, &node.id);
        for edge in &node.edges {
            let Some(target) = ports.get(edge.target) else {
                continue;
            };
            let label = if edge.timeout {
                node.limit
                    .map(|limit| format!("⏱ {}", common::duration_text(limit, lang)))
            } else {
                edge.outcome
                    .as_deref()
                    .map(|outcome| common::outcome_label(step, outcome, lang))
            };
            let source = &ports[n];
            draw_arrow(out, source, target, label.as_deref(), edge.timeout);
        }
    }
    let _ = writeln!(out, "</g>");
    bottom
}

/// A rectangle with wrapped text and, at its foot, the time limit.
fn draw_box(out: &mut String, rect: Rect, class: &str, text: &str, limit: Option<String>) {
    let _ = writeln!(
        out,
        "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\"/>",
        rect.x, rect.y, rect.w, rect.h
    );
    let lines = common::wrap(text, BOX_CHARS, BOX_LINES);
    let _ = write!(out, "<text>");
    for (i, line) in lines.iter().enumerate() {
        let _ = write!(
            out,
            "<tspan x=\"{}\" y=\"{}\">{}</tspan>",
            rect.x + 6,
            rect.y + 14 + i as i64 * LINE_H,
            xml_escape(line)
        );
    }
    let _ = writeln!(out, "</text>");
    if let Some(limit) = limit {
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/><text class=\"limit\" x=\"{}\" y=\"{}\">⏱ {}</text>",
            rect.x,
            rect.bottom() - 20,
            rect.right(),
            rect.bottom() - 20,
            rect.x + 6,
            rect.bottom() - 6,
            xml_escape(&limit)
        );
    }
}

/// An orthogonal arrow between two nodes, with an optional label beside its
/// first segment.
fn draw_arrow(out: &mut String, source: &Ports, target: &Ports, label: Option<&str>, dashed: bool) {
    let points = super::layout::waypoints(source.exit, source.vertical, target.entry, EDGE_GAP);
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        let _ = write!(d, "{}{x},{y}", if i == 0 { "M" } else { " L" });
    }
    let class = if dashed { "flow timeout" } else { "flow" };
    let _ = writeln!(
        out,
        "<path class=\"{class}\" d=\"{d}\" marker-end=\"url(#arrow)\"/>"
    );
    // The label sits at the arrow's head, where it is the only one: above
    // a final horizontal segment (ending at the target), or beside a final
    // vertical one.
    if let Some(label) = label.filter(|label| !label.trim().is_empty())
        && let [.., before, last] = points.as_slice()
    {
        let lines = common::wrap(label, 24, 3);
        let count = lines.len() as i64;
        let (x, y, anchor) = if before.1 == last.1 {
            (last.0 - 6, last.1 - 5 - (count - 1) * LINE_H, "end")
        } else {
            (last.0 + 5, last.1 + 12, "start")
        };
        let _ = write!(
            out,
            "<text class=\"outcome\" text-anchor=\"{anchor}\" paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\">"
        );
        for (i, line) in lines.iter().enumerate() {
            let _ = write!(
                out,
                "<tspan x=\"{x}\" y=\"{}\">{}</tspan>",
                y + i as i64 * LINE_H,
                xml_escape(line)
            );
        }
        let _ = writeln!(out, "</text>");
    }
}

/// The legend: start/end, action, choice, transition. Returns its height.
fn draw_legend(out: &mut String, lang: Lang, top: i64) -> i64 {
    let x = MARGIN;
    let _ = writeln!(out, "<g class=\"legend\">");
    let _ = writeln!(
        out,
        "<text x=\"{x}\" y=\"{}\" font-size=\"12\" font-weight=\"bold\">{}</text>",
        top + 14,
        xml_escape(common::legend_title(lang))
    );
    for (i, item) in LegendItem::ALL.into_iter().enumerate() {
        let y = top + 24 + i as i64 * LEGEND_ROW_H;
        let mid = y + LEGEND_ROW_H / 2;
        match item {
            LegendItem::StartEnd => {
                let _ = writeln!(
                    out,
                    "<ellipse class=\"start\" cx=\"{}\" cy=\"{mid}\" rx=\"24\" ry=\"13\"/>",
                    x + 30
                );
            }
            LegendItem::Action => {
                let _ = writeln!(
                    out,
                    "<rect class=\"box\" x=\"{}\" y=\"{}\" width=\"52\" height=\"26\" rx=\"4\"/>",
                    x + 4,
                    mid - 13
                );
            }
            LegendItem::Choice => {
                let _ = writeln!(
                    out,
                    "<path class=\"diamond\" d=\"M{},{} L{},{} L{},{} L{},{} z\"/>",
                    x + 30,
                    mid - 14,
                    x + 48,
                    mid,
                    x + 30,
                    mid + 14,
                    x + 12,
                    mid
                );
            }
            LegendItem::Transition => {
                let _ = writeln!(
                    out,
                    "<path class=\"flow\" d=\"M{},{mid} L{},{mid}\" marker-end=\"url(#arrow)\"/>",
                    x + 4,
                    x + 56
                );
            }
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\">— {}</text>",
            x + 70,
            mid + 4,
            xml_escape(common::legend_label(item, lang))
        );
    }
    let _ = writeln!(out, "</g>");
    24 + LegendItem::ALL.len() as i64 * LEGEND_ROW_H
}

#[cfg(test)]
mod tests {
    use super::super::bpmn::test_support::{broken, sample};
    use super::*;

    fn parse(svg: &str) {
        if let Err(error) = roxmltree::Document::parse(svg) {
            panic!("not well-formed: {error}\n{svg}");
        }
    }

    #[test]
    fn sample_is_well_formed_escaped_and_deterministic() {
        let model = sample();
        for lang in Lang::ALL {
            let svg = render(&model, lang);
            parse(&svg);
            assert_eq!(svg, render(&model, lang));
        }
        let svg = render(&model, Lang::Kk);
        assert!(svg.contains("Үлгі &lt;қызмет&gt; &amp; &quot;тест&quot;"));
        assert!(svg.contains("data-step=\"check/2\""));
        assert!(svg.contains("⏱ 3 жұмыс күні"));
        assert!(svg.contains("class=\"flow timeout\""));
        assert!(svg.contains("иә &lt;ok&gt;"));
        for item in LegendItem::ALL {
            assert!(svg.contains(&xml_escape(common::legend_label(item, Lang::Kk))));
        }
        let svg = render(&model, Lang::Ru);
        assert!(svg.contains("вариант выбора"));
        assert!(svg.contains("сотрудник"));
    }

    #[test]
    fn broken_models_render_well_formed_svg_without_panicking() {
        for model in broken() {
            for lang in Lang::ALL {
                let svg = render(&model, lang);
                parse(&svg);
                assert_eq!(svg, render(&model, lang));
            }
        }
    }
}
