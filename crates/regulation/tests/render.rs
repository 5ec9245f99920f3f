//! The renderers on every regulation in `regulations/`: the BPMN is valid
//! against the OMG BPMN 2.0 XSD (checked with `xmllint`, which must be
//! installed: `apt-get install libxml2-utils`) and parses back into the
//! model's graph, the SVG is well-formed XML, the Mermaid has its shape, and
//! every output is deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use qyzmet_core::{Lang, Unit};
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::render::{bpmn, mermaid, svg};
use qyzmet_regulation::syntax::{OrgKind, StepKind};

const LANGS: [Lang; 2] = [Lang::Kk, Lang::Ru];
const BPMN_NS: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const SVG_NS: &str = "http://www.w3.org/2000/svg";

mod catalog;

use catalog::models;

fn xsd() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bpmn20-xsd/BPMN20.xsd")
}

fn slug(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

#[test]
fn bpmn_of_every_regulation_is_valid_against_the_xsd() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("render-bpmn");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut files = Vec::new();
    for (name, model) in models() {
        for lang in LANGS {
            let path = dir.join(format!("{}.{lang}.bpmn", slug(&name)));
            std::fs::write(&path, bpmn::render(&model, lang)).expect("write bpmn");
            files.push(path);
        }
    }
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd())
        .args(&files)
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "xmllint could not be run ({error}); install it: apt-get install -y libxml2-utils"
            )
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "xmllint rejected BPMN output:\n{stderr}"
    );
    for file in &files {
        let line = format!("{} validates", file.display());
        assert!(stderr.contains(&line), "no `{line}` in:\n{stderr}");
    }
}

/// A step and its BPMN element, decoded from the renderer's id scheme
/// `Prefix_ROUTE..STEP` (non `[A-Za-z0-9_-]` bytes written `.HH`).
fn decode_id(id: &str) -> Option<(String, String, String)> {
    let (prefix, rest) = id.split_once('_')?;
    let (route, step) = rest.split_once("..")?;
    Some((prefix.to_owned(), decode(route), decode(step)))
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'.'
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

type Graph = (BTreeMap<String, String>, Vec<(String, String, String)>);

/// The BPMN a step must be in the executable export: a person's step is a
/// `userTask` (followed by a `serviceTask` when it asks state systems), an
/// automatic one or one of the portal or an information system a
/// `serviceTask`, a wait its role's `userTask`; a decision is that task
/// followed by its `exclusiveGateway`.
fn bpmn_kind(
    model: &ProcessModel,
    route: &qyzmet_regulation::syntax::Route,
    node: &qyzmet_regulation::model::Node,
) -> String {
    let org = node
        .role
        .as_deref()
        .and_then(|role| model.file.roles.iter().find(|r| r.id == role))
        .map(|role| role.org);
    let system = matches!(org, Some(OrgKind::Portal | OrgKind::InformationSystem));
    let task = if system { "serviceTask" } else { "userTask" };
    let step = route.steps.iter().find(|step| step.id == node.id);
    match node.kind {
        StepKind::Task if !system && step.is_some_and(|step| !step.calls.is_empty()) => {
            "userTask+call".to_owned()
        }
        StepKind::Task => task.to_owned(),
        StepKind::Auto => "serviceTask".to_owned(),
        StepKind::Wait => "userTask".to_owned(),
        StepKind::Decision
            if step.is_some_and(|step| step.action.is_none()) && node.limit.is_none() =>
        {
            "exclusiveGateway".to_owned()
        }
        StepKind::Decision => format!("{task}+gateway"),
        StepKind::End => "endEvent".to_owned(),
    }
}

/// The graph of one route as the model has it: step id → BPMN kind, and
/// edges (source, target, `next` | `timeout` | `outcome label [id]`).
fn model_graph(model: &ProcessModel, index: usize, lang: Lang) -> Graph {
    let graph = &model.routes[index];
    let route = &model.file.routes[index];
    let nodes = graph
        .nodes
        .iter()
        .map(|node| (node.id.clone(), bpmn_kind(model, route, node)))
        .collect();
    let mut edges = Vec::new();
    for node in &graph.nodes {
        let step = route.steps.iter().find(|step| step.id == node.id);
        for edge in &node.edges {
            let tag = if edge.timeout {
                "timeout".to_owned()
            } else if let Some(outcome) = &edge.outcome {
                let label = step
                    .and_then(|step| step.outcomes.iter().find(|o| &o.id == outcome))
                    .map(|o| o.label.get(lang).trim().to_owned())
                    .unwrap_or_else(|| outcome.clone());
                format!("{label} [{outcome}]")
            } else {
                "next".to_owned()
            };
            edges.push((node.id.clone(), graph.nodes[edge.target].id.clone(), tag));
        }
    }
    edges.sort();
    (nodes, edges)
}

/// The graph of one `bpmn:process`, rebuilt from the XML alone.
fn bpmn_graph(process: roxmltree::Node) -> Graph {
    let mut kinds: BTreeMap<String, String> = BTreeMap::new();
    let mut element_step: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut gateways = BTreeSet::new();
    let mut calls = BTreeSet::new();
    for child in process.children().filter(|n| n.is_element()) {
        let tag = child.tag_name().name();
        if matches!(tag, "laneSet" | "sequenceFlow" | "documentation") {
            continue;
        }
        let id = child.attribute("id").expect("flow node id");
        if id.starts_with("Start_") {
            assert_eq!(tag, "startEvent");
            continue;
        }
        let (prefix, _route, step) = decode_id(id).unwrap_or_else(|| panic!("undecodable id {id}"));
        element_step.insert(id.to_owned(), (prefix.clone(), step.clone()));
        match prefix.as_str() {
            "Step" => {
                assert!(
                    matches!(
                        tag,
                        "userTask" | "serviceTask" | "exclusiveGateway" | "endEvent"
                    ),
                    "unexpected step element {tag}"
                );
                kinds.insert(step, tag.to_owned());
            }
            "Gateway" => {
                assert_eq!(tag, "exclusiveGateway");
                gateways.insert(step);
            }
            "Limit" => assert_eq!(tag, "boundaryEvent"),
            "Call" => {
                assert_eq!(tag, "serviceTask");
                calls.insert(step);
            }
            other => panic!("unexpected id prefix {other}"),
        }
    }
    for step in gateways {
        let host = kinds.get(&step).cloned().unwrap_or_default();
        assert!(
            matches!(host.as_str(), "userTask" | "serviceTask"),
            "gateway of {step} after {host}"
        );
        kinds.insert(step, format!("{host}+gateway"));
    }
    for step in calls {
        let host = kinds.get(&step).cloned().unwrap_or_default();
        assert_eq!(host, "userTask", "call of {step}");
        kinds.insert(step, format!("{host}+call"));
    }
    let mut edges = Vec::new();
    for flow in process
        .children()
        .filter(|n| n.has_tag_name((BPMN_NS, "sequenceFlow")))
    {
        let source = flow.attribute("sourceRef").expect("sourceRef");
        let target = flow.attribute("targetRef").expect("targetRef");
        if source.starts_with("Start_") {
            continue;
        }
        let (source_prefix, source_step) = element_step[source].clone();
        let (target_prefix, target_step) = element_step[target].clone();
        if target_prefix != "Step" {
            // Inside one step: task → its gateway, wait → its events.
            assert_eq!(source_step, target_step);
            continue;
        }
        let source_tag = process
            .children()
            .find(|n| n.attribute("id") == Some(source))
            .map(|n| n.tag_name().name())
            .unwrap_or_default();
        // Out of an exclusive gateway: the condition on the outcome, in
        // Python (executable by SpiffWorkflow).
        let condition = flow
            .children()
            .find(|n| n.has_tag_name((BPMN_NS, "conditionExpression")))
            .and_then(|n| n.text())
            .map(|text| {
                text.strip_prefix("outcome == \"")
                    .and_then(|rest| rest.strip_suffix('"'))
                    .unwrap_or_else(|| panic!("condition `{text}`"))
                    .to_owned()
            });
        assert_eq!(
            condition.is_some(),
            source_tag == "exclusiveGateway",
            "condition on {} from {source_tag}",
            flow.attribute("id").unwrap_or_default()
        );
        let tag = if source_prefix == "Limit" {
            "timeout".to_owned()
        } else if let Some(outcome) = condition {
            format!("{} [{outcome}]", flow.attribute("name").unwrap_or_default())
        } else {
            flow.attribute("name").unwrap_or("next").to_owned()
        };
        edges.push((source_step, target_step, tag));
    }
    edges.sort();
    (kinds, edges)
}

#[test]
fn bpmn_parses_back_into_the_model_graph() {
    for (name, model) in models() {
        for lang in LANGS {
            let xml = bpmn::render(&model, lang);
            let doc = roxmltree::Document::parse(&xml)
                .unwrap_or_else(|error| panic!("{name}: BPMN is not XML: {error}"));
            let root = doc.root_element();
            let processes: Vec<_> = root
                .children()
                .filter(|n| n.has_tag_name((BPMN_NS, "process")))
                .collect();
            assert_eq!(
                processes.len(),
                model.routes.len(),
                "{name}: one process per route"
            );
            let participants = root
                .descendants()
                .filter(|n| n.has_tag_name((BPMN_NS, "participant")))
                .count();
            assert_eq!(
                participants,
                model.routes.len(),
                "{name}: one participant per route"
            );
            for (index, process) in processes.into_iter().enumerate() {
                let key = &model.routes[index].key;
                assert_eq!(
                    bpmn_graph(process),
                    model_graph(&model, index, lang),
                    "{name} route {key} ({lang})"
                );
                check_lanes_and_limits(&model, index, process, lang);
                // The start event leads to the route's start step.
                let start = &model.routes[index].nodes[model.routes[index].start].id;
                let start_flow = process
                    .children()
                    .filter(|n| n.has_tag_name((BPMN_NS, "sequenceFlow")))
                    .find(|n| {
                        n.attribute("sourceRef")
                            .is_some_and(|s| s.starts_with("Start_"))
                    })
                    .unwrap_or_else(|| panic!("{name} {key}: no start flow"));
                let target = decode_id(start_flow.attribute("targetRef").unwrap_or_default());
                assert_eq!(target.map(|t| t.2).as_ref(), Some(start), "{name} {key}");
            }
            // Every flow node and flow has a diagram element.
            let shapes: BTreeSet<&str> = root
                .descendants()
                .filter(|n| n.tag_name().name() == "BPMNShape" || n.tag_name().name() == "BPMNEdge")
                .filter_map(|n| n.attribute("bpmnElement"))
                .collect();
            for node in root.descendants().filter(|n| {
                n.tag_name().namespace() == Some(BPMN_NS)
                    && n.parent_element().is_some_and(|p| {
                        p.has_tag_name((BPMN_NS, "process")) || p.has_tag_name((BPMN_NS, "laneSet"))
                    })
                    && !matches!(n.tag_name().name(), "laneSet" | "documentation")
            }) {
                let id = node.attribute("id").unwrap_or_default();
                assert!(shapes.contains(id), "{name}: no DI for {id}");
            }
        }
    }
}

/// Lanes are the route's roles (named by title); a step is in its role's
/// lane; each limit is a timer with the ISO duration.
fn check_lanes_and_limits(
    model: &ProcessModel,
    index: usize,
    process: roxmltree::Node,
    lang: Lang,
) {
    let graph = &model.routes[index];
    let title = |role: &str| {
        model
            .file
            .roles
            .iter()
            .find(|r| r.id == role)
            .map(|r| r.title.get(lang).trim().to_owned())
            .unwrap_or_else(|| role.to_owned())
    };
    let mut roles: Vec<String> = Vec::new();
    for node in &graph.nodes {
        if let Some(role) = &node.role
            && !roles.contains(role)
        {
            roles.push(role.clone());
        }
    }
    let lanes: Vec<_> = process
        .descendants()
        .filter(|n| n.has_tag_name((BPMN_NS, "lane")))
        .collect();
    let names: Vec<String> = lanes
        .iter()
        .map(|lane| lane.attribute("name").unwrap_or_default().to_owned())
        .collect();
    let expected: Vec<String> = roles.iter().map(|role| title(role)).collect();
    assert_eq!(names, expected, "lanes of {}", graph.key);
    for node in &graph.nodes {
        let Some(role) = &node.role else { continue };
        let lane = lanes
            .iter()
            .find(|lane| {
                lane.children().any(|r| {
                    r.has_tag_name((BPMN_NS, "flowNodeRef"))
                        && r.text()
                            .and_then(decode_id)
                            .is_some_and(|(prefix, _, step)| prefix == "Step" && step == node.id)
                })
            })
            .and_then(|lane| lane.attribute("name"))
            .map(str::to_owned);
        assert_eq!(lane, Some(title(role)), "lane of {} {}", graph.key, node.id);
        if let Some(limit) = node.limit {
            let iso = bpmn::iso_duration(limit);
            let expected_iso = match limit.unit {
                Unit::Minutes => format!("PT{}M", limit.amount),
                Unit::Hours => format!("PT{}H", limit.amount),
                Unit::WorkingDays | Unit::CalendarDays => format!("P{}D", limit.amount),
                Unit::Months => format!("P{}M", limit.amount),
            };
            assert_eq!(iso, expected_iso);
            let found = process.descendants().any(|timer| {
                timer.has_tag_name((BPMN_NS, "timerEventDefinition"))
                    && timer
                        .parent()
                        .and_then(|p| p.attribute("id"))
                        .and_then(decode_id)
                        .is_some_and(|(prefix, _, step)| {
                            matches!(prefix.as_str(), "Limit" | "Timer" | "Step") && step == node.id
                        })
                    && timer.children().any(|d| {
                        d.has_tag_name((BPMN_NS, "timeDuration")) && d.text() == Some(iso.as_str())
                    })
                    && timer.parent().is_some_and(|p| {
                        p.children().any(|d| {
                            d.has_tag_name((BPMN_NS, "documentation"))
                                && d.text() == Some(limit.to_string().as_str())
                        })
                    })
            });
            assert!(
                found,
                "no timer {iso} ({limit}) for {} {}",
                graph.key, node.id
            );
        }
    }
}

#[test]
fn svg_of_every_regulation_is_well_formed_with_lanes_and_legend() {
    for (name, model) in models() {
        for lang in LANGS {
            let text = svg::render(&model, lang);
            let doc = roxmltree::Document::parse(&text)
                .unwrap_or_else(|error| panic!("{name} ({lang}): SVG is not well-formed: {error}"));
            let root = doc.root_element();
            assert!(root.has_tag_name((SVG_NS, "svg")), "{name}: root is <svg>");
            let all_text: String = root
                .descendants()
                .filter(|n| n.is_text())
                .filter_map(|n| n.text())
                .collect::<Vec<_>>()
                .join(" ");
            let legend: &[&str] = match lang {
                Lang::Kk => &[
                    "мемлекеттік қызмет көрсетудің басталуы немесе аяқталуы",
                    "таңдау нұсқасы",
                    "келесі рәсімге (іс-қимылға) өту",
                ],
                _ => &["вариант выбора", "переход к следующей процедуре (действию)"],
            };
            for label in legend {
                assert!(
                    all_text.contains(label),
                    "{name} ({lang}): legend lacks `{label}`"
                );
            }
            for graph in &model.routes {
                assert!(
                    all_text.contains(&graph.key),
                    "{name} ({lang}): no band titled with route {}",
                    graph.key
                );
            }
            // Every step is drawn (its id is in a group's data attribute).
            let steps: BTreeSet<(&str, &str)> = root
                .descendants()
                .filter_map(|n| Some((n.attribute("data-route")?, n.attribute("data-step")?)))
                .collect();
            for graph in &model.routes {
                for node in &graph.nodes {
                    assert!(
                        steps.contains(&(graph.key.as_str(), node.id.as_str())),
                        "{name}: step {} {} not drawn",
                        graph.key,
                        node.id
                    );
                }
            }
        }
    }
}

#[test]
fn mermaid_of_every_regulation_has_a_subgraph_per_route_and_lane() {
    for (name, model) in models() {
        for lang in LANGS {
            let text = mermaid::render(&model, lang);
            assert!(text.starts_with("flowchart LR\n"), "{name}: {text}");
            let subgraphs = text
                .lines()
                .filter(|l| l.trim_start().starts_with("subgraph "))
                .count();
            let ends = text.lines().filter(|l| l.trim() == "end").count();
            assert_eq!(subgraphs, ends, "{name}: balanced subgraphs");
            let lanes: usize = model
                .routes
                .iter()
                .map(|graph| {
                    let roles: BTreeSet<_> =
                        graph.nodes.iter().filter_map(|n| n.role.as_ref()).collect();
                    roles.len().max(usize::from(!graph.nodes.is_empty()))
                })
                .sum();
            assert_eq!(subgraphs, model.routes.len() + lanes, "{name}: subgraphs");
            let edges: usize = model
                .routes
                .iter()
                .map(|g| g.nodes.iter().map(|n| n.edges.len()).sum::<usize>())
                .sum();
            let arrows = text
                .lines()
                .filter(|l| l.contains("-->") || l.contains("-.->"))
                .count();
            // Every model edge plus one start arrow per non-empty route.
            let starts = model.routes.iter().filter(|g| !g.nodes.is_empty()).count();
            assert_eq!(arrows, edges + starts, "{name}: arrows");
        }
    }
}

#[test]
fn rendering_is_deterministic() {
    for (name, model) in models() {
        for lang in [Lang::Kk, Lang::Ru, Lang::En] {
            assert_eq!(
                bpmn::render(&model, lang),
                bpmn::render(&model, lang),
                "{name} bpmn"
            );
            assert_eq!(
                svg::render(&model, lang),
                svg::render(&model, lang),
                "{name} svg"
            );
            assert_eq!(
                mermaid::render(&model, lang),
                mermaid::render(&model, lang),
                "{name} mermaid"
            );
            // A fresh compile of the same text gives the same bytes too.
            let copy = model.clone();
            assert_eq!(
                bpmn::render(&copy, lang),
                bpmn::render(&model, lang),
                "{name} bpmn (copy)"
            );
        }
    }
}

/// Where each step of a route sits in a drawing: (lane index from the top,
/// column rank from the left, row rank inside its lane), by step id.
type Cells = BTreeMap<String, (usize, usize, usize)>;

/// Ranks the centres into (lane, column, row): the lane is the band
/// (top, height) holding the centre, the column the rank of its x among
/// the route's distinct x centres, the row the rank of its y among the
/// distinct y centres of its lane.
fn cells(centres: &BTreeMap<String, (f64, f64)>, lanes: &[(f64, f64)]) -> Cells {
    let rank = |values: Vec<f64>, value: f64| {
        let mut values = values;
        values.sort_by(f64::total_cmp);
        values.dedup();
        values.iter().position(|v| *v == value).unwrap()
    };
    let lane_of = |y: f64| {
        lanes
            .iter()
            .position(|(top, h)| *top <= y && y < top + h)
            .unwrap_or(usize::MAX)
    };
    let xs: Vec<f64> = centres.values().map(|c| c.0).collect();
    centres
        .iter()
        .map(|(step, &(x, y))| {
            let lane = lane_of(y);
            let ys: Vec<f64> = centres
                .values()
                .filter(|c| lane_of(c.1) == lane)
                .map(|c| c.1)
                .collect();
            (step.clone(), (lane, rank(xs.clone(), x), rank(ys, y)))
        })
        .collect()
}

fn number(node: roxmltree::Node, name: &str) -> f64 {
    node.attribute(name).unwrap().parse().unwrap()
}

/// The BPMN DI of one route: its `Step_` shapes' centres and its lanes.
fn bpmn_cells(doc: &roxmltree::Document, route: &str) -> Cells {
    let bounds: BTreeMap<&str, (f64, f64, f64, f64)> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "BPMNShape")
        .filter_map(|shape| {
            let b = shape.children().find(|n| n.tag_name().name() == "Bounds")?;
            let rect = (
                number(b, "x"),
                number(b, "y"),
                number(b, "width"),
                number(b, "height"),
            );
            Some((shape.attribute("bpmnElement")?, rect))
        })
        .collect();
    let mut centres = BTreeMap::new();
    let mut process = None;
    for node in doc.descendants() {
        let Some(id) = node.attribute("id") else {
            continue;
        };
        if let Some((prefix, r, step)) = decode_id(id)
            && prefix == "Step"
            && r == route
            && node
                .parent()
                .is_some_and(|parent| parent.has_tag_name((BPMN_NS, "process")))
        {
            let Some(&(x, y, w, h)) = bounds.get(id) else {
                panic!(
                    "no DI shape for {id}: {:?}",
                    bounds.keys().take(5).collect::<Vec<_>>()
                )
            };
            centres.insert(step, (x + w / 2.0, y + h / 2.0));
            process = node
                .ancestors()
                .find(|n| n.has_tag_name((BPMN_NS, "process")));
        }
    }
    let mut lanes: Vec<(f64, f64)> = process
        .unwrap()
        .descendants()
        .filter(|n| n.has_tag_name((BPMN_NS, "lane")))
        .map(|lane| {
            let (_, y, _, h) = bounds[lane.attribute("id").unwrap()];
            (y, h)
        })
        .collect();
    lanes.sort_by(|a, b| a.0.total_cmp(&b.0));
    cells(&centres, &lanes)
}

/// The SVG band of one route: its step groups' first shapes and its lanes.
fn svg_cells(doc: &roxmltree::Document, route: &str) -> Cells {
    let band = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("route") && n.attribute("data-route") == Some(route))
        .unwrap();
    let lanes: Vec<(f64, f64)> = band
        .children()
        .filter(|n| n.attribute("class") == Some("lane"))
        .map(|lane| (number(lane, "y"), number(lane, "height")))
        .collect();
    let mut centres = BTreeMap::new();
    for group in band
        .children()
        .filter(|n| n.attribute("class") == Some("step"))
    {
        let shape = group
            .children()
            .find(|n| matches!(n.tag_name().name(), "rect" | "circle" | "path"))
            .unwrap();
        let centre = match shape.tag_name().name() {
            "rect" => (
                number(shape, "x") + number(shape, "width") / 2.0,
                number(shape, "y") + number(shape, "height") / 2.0,
            ),
            "circle" => (number(shape, "cx"), number(shape, "cy")),
            // A diamond `M top L right L bottom L left z`: x of the top
            // vertex, y of the right one.
            _ => {
                let d = shape.attribute("d").unwrap();
                let points: Vec<(f64, f64)> = d
                    .split(|c: char| c.is_ascii_alphabetic())
                    .filter_map(|p| {
                        let (x, y) = p.trim().split_once(',')?;
                        Some((x.parse().ok()?, y.parse().ok()?))
                    })
                    .collect();
                (points[0].0, points[1].1)
            }
        };
        centres.insert(group.attribute("data-step").unwrap().to_owned(), centre);
    }
    cells(&centres, &lanes)
}

#[test]
fn bpmn_di_and_svg_place_every_step_in_the_same_lane_column_and_row() {
    let mut routes = 0;
    for (name, model) in models() {
        let bpmn_text = bpmn::render(&model, Lang::Kk);
        let svg_text = svg::render(&model, Lang::Kk);
        let bpmn_doc = roxmltree::Document::parse(&bpmn_text).unwrap();
        let svg_doc = roxmltree::Document::parse(&svg_text).unwrap();
        for graph in &model.routes {
            let in_bpmn = bpmn_cells(&bpmn_doc, &graph.key);
            let in_svg = svg_cells(&svg_doc, &graph.key);
            assert_eq!(in_bpmn.len(), graph.nodes.len(), "{name} {}", graph.key);
            assert_eq!(
                in_bpmn, in_svg,
                "{name} {}: (lane, column, row) per step, BPMN DI left, SVG right",
                graph.key
            );
            // Not trivially equal: the route spreads over lanes and columns.
            let lanes: BTreeSet<usize> = in_svg.values().map(|c| c.0).collect();
            let columns: BTreeSet<usize> = in_svg.values().map(|c| c.1).collect();
            assert!(
                !lanes.contains(&usize::MAX),
                "{name} {}: a step outside every lane",
                graph.key
            );
            assert!(columns.len() > 2, "{name} {}", graph.key);
            routes += 1;
        }
    }
    assert!(routes >= 6, "only {routes} routes compared");
}
