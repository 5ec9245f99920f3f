//! BPMN 2.0 XML of a compiled regulation, with a BPMNDI layout.
//!
//! The processes are executable (`isExecutable="true"`): SpiffWorkflow 3
//! runs them (crates/engine/tests/bpmn_differential.rs checks that it takes
//! the same steps as the engine; docs/interop.md has the mapping).
//!
//! One `collaboration` holds one participant (pool) per route; each pool's
//! `process` has one lane per role the route uses. Steps map to BPMN as:
//!
//! | step kind  | BPMN                                                            |
//! |------------|-----------------------------------------------------------------|
//! | (start)    | `startEvent` `Start_R` before the route's first step            |
//! | `task`     | `userTask` `Step_R..S` with a `potentialOwner` `group(ROLE)`; a `serviceTask` when the role is the portal's or an information system's |
//! | `auto`     | `serviceTask` `Step_R..S`                                       |
//! | `task` with `calls` | the user task, then a `serviceTask` `Call_R..S` (the requests to the state systems, sent when the person completes the task) |
//! | `decision` | the task as above `Step_R..S` (the action) → `exclusiveGateway` `Gateway_R..S` whose flows have `conditionExpression`s `outcome == "ID"` (Python); a decision with no action, limit or timeout is the gateway alone, `Step_R..S` |
//! | `wait`     | `userTask` `Step_R..S` of its role (who records the awaited event); its limit interrupts it and leads to the timeout branch |
//! | `end`      | `endEvent` `Step_R..S`, named by the result's title             |
//!
//! A step's limit is a timer `boundaryEvent` `Limit_R..S` on its task,
//! non-interrupting unless it leads to a timeout branch (`timeDuration` in
//! ISO 8601: `PT15M`, `PT2H`, `P3D`; working days are written `P3D` and the
//! boundary's documentation says `3 working_days` and that BPMN has no
//! working calendar). Provenance (the seed file, line and paragraph of
//! every step, limit and term) is kept in `documentation` elements. `R` and
//! `S` are the route key and step id made safe for XML ids (see
//! [`common::xml_id_part`]); every edge of the model is a `sequenceFlow`
//! that ends at a `Step_` element.
//!
//! The layout puts lanes under each other and steps left to right by their
//! breadth-first depth from the start step (see [`super::layout`], which the
//! SVG flowchart is drawn from too).
//! Everything is emitted in model order: the same model gives the same bytes.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use qyzmet_core::{Duration, Lang, Unit};

use super::layout::Grid;
use crate::model::{ProcessModel, RouteGraph};
use crate::syntax::{OrgKind, StepKind};

use common::xml_escape;

const BPMN_NS: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const BPMNDI_NS: &str = "http://www.omg.org/spec/BPMN/20100524/DI";
const DC_NS: &str = "http://www.omg.org/spec/DD/20100524/DC";
const DI_NS: &str = "http://www.omg.org/spec/DD/20100524/DI";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

// Layout constants (pixels).
const ORIGIN_X: i64 = 40;
const ORIGIN_Y: i64 = 40;
const POOL_LABEL_W: i64 = 30;
const LANE_LABEL_W: i64 = 30;
const CONTENT_PAD: i64 = 30;
const COL_W: i64 = 300;
const ROW_H: i64 = 150;
/// How far before its target an edge turns, and below the lower shape a
/// backward edge runs.
const EDGE_GAP: i64 = 20;
const GRID: Grid = Grid {
    column_w: COL_W,
    row_h: ROW_H,
    lanes_h_min: ROW_H,
};
const POOL_GAP: i64 = 60;
const TASK_W: i64 = 150;
const TASK_H: i64 = 90;
const GATEWAY: i64 = 50;
const CALL_W: i64 = 80;
const CALL_H: i64 = 60;
const EVENT: i64 = 36;
const NAME_CHARS: usize = 90;

/// Renders the model as BPMN 2.0 XML (semantic model plus BPMNDI).
pub fn render(model: &ProcessModel, lang: Lang) -> String {
    let mut used = BTreeSet::new();
    let mut pools = Vec::new();
    let mut y = ORIGIN_Y;
    for (index, graph) in model.routes.iter().enumerate() {
        let token = unique(
            &mut used,
            common::xml_id_part(&graph.key),
            &format!("..r{index}"),
        );
        let pool = build_pool(model, index, graph, &token, lang, y);
        y = pool.bounds.y + pool.bounds.h + POOL_GAP;
        pools.push(pool);
    }
    write_document(model, &pools)
}

/// Returns `base` if it is not yet used, else `base` + `suffix`.
fn unique(used: &mut BTreeSet<String>, base: String, suffix: &str) -> String {
    let id = if used.contains(&base) {
        let mut candidate = format!("{base}{suffix}");
        let mut n = 2;
        while used.contains(&candidate) {
            candidate = format!("{base}{suffix}.{n}");
            n += 1;
        }
        candidate
    } else {
        base
    };
    used.insert(id.clone());
    id
}

/// A shape's DI bounds.
type Bounds = super::layout::Rect;

#[derive(Debug)]
enum Def {
    None,
    Timer(Option<Duration>),
}

#[derive(Debug)]
struct Element {
    id: String,
    tag: &'static str,
    name: Option<String>,
    docs: Vec<String>,
    def: Def,
    /// For a boundary event: the activity and whether it interrupts.
    attached: Option<(String, bool)>,
    /// For a user task: the role (candidate group) id and its title.
    performer: Option<(String, String)>,
    /// For an exclusive gateway: its default (unconditioned) flow.
    default_flow: Option<String>,
    bounds: Bounds,
    lane: usize,
    /// Gateways and events exit vertically towards a target in another row.
    vertical_exit: bool,
    external_label: bool,
    incoming: Vec<String>,
    outgoing: Vec<String>,
}

impl Element {
    fn new(id: String, tag: &'static str, bounds: Bounds, lane: usize) -> Element {
        let external_label = !matches!(tag, "userTask" | "serviceTask" | "task");
        Element {
            id,
            tag,
            name: None,
            docs: Vec::new(),
            def: Def::None,
            attached: None,
            performer: None,
            default_flow: None,
            bounds,
            lane,
            vertical_exit: external_label,
            external_label,
            incoming: Vec::new(),
            outgoing: Vec::new(),
        }
    }
}

#[derive(Debug)]
struct Flow {
    id: String,
    source: usize,
    target: usize,
    name: Option<String>,
    docs: Vec<String>,
    /// A Python expression on the process variable `outcome`.
    condition: Option<String>,
    waypoints: Vec<(i64, i64)>,
}

#[derive(Debug)]
struct Lane {
    id: String,
    name: String,
    bounds: Bounds,
    members: Vec<usize>,
}

#[derive(Debug)]
struct Pool {
    token: String,
    name: String,
    docs: Vec<String>,
    bounds: Bounds,
    lanes: Vec<Lane>,
    elements: Vec<Element>,
    flows: Vec<Flow>,
}

/// Where a step's flows start and end, as indices into `Pool::elements`.
#[derive(Clone, Copy, Debug, Default)]
struct Ports {
    entry: usize,
    /// Plain (`next`) edges.
    exit: usize,
    /// Outcome edges.
    choice: usize,
    /// Timeout edges.
    timeout: usize,
}

fn build_pool(
    model: &ProcessModel,
    route_index: usize,
    graph: &RouteGraph,
    token: &str,
    lang: Lang,
    top: i64,
) -> Pool {
    let route = common::route_def(model, route_index, graph);
    let layout = common::layout(graph);
    let frame = layout.frame(
        GRID,
        ORIGIN_X + POOL_LABEL_W + LANE_LABEL_W + CONTENT_PAD,
        top,
    );
    let lanes_h = frame.lanes_h;
    let width =
        POOL_LABEL_W + LANE_LABEL_W + CONTENT_PAD * 2 + (layout.columns.max(1) as i64) * COL_W;
    let bounds = Bounds {
        x: ORIGIN_X,
        y: top,
        w: width,
        h: lanes_h,
    };
    let name = common::route_title(model, route_index, graph, lang);

    let mut used = BTreeSet::new();
    let mut lanes = Vec::new();
    for (index, role) in layout.lanes.iter().enumerate() {
        let part = common::xml_id_part(role.as_deref().unwrap_or(""));
        let id = unique(
            &mut used,
            format!("Lane_{token}..{part}"),
            &format!("..{index}"),
        );
        let name = role
            .as_deref()
            .map(|role| common::role_title(model, role, lang))
            .unwrap_or_default();
        let (y, h) = frame.lane(index);
        lanes.push(Lane {
            id,
            name,
            bounds: Bounds {
                x: ORIGIN_X + POOL_LABEL_W,
                y,
                w: width - POOL_LABEL_W,
                h,
            },
            members: Vec::new(),
        });
    }
    let cell = |place| frame.cell(place);

    let mut elements: Vec<Element> = Vec::new();
    let mut internal: Vec<(usize, usize)> = Vec::new();
    let mut ports = vec![Ports::default(); graph.nodes.len()];

    let start = if graph.nodes.is_empty() {
        None
    } else {
        let (cx, mid) = cell(layout.start);
        let id = unique(&mut used, format!("Start_{token}"), "..start");
        elements.push(Element::new(
            id,
            "startEvent",
            Bounds {
                x: cx + (TASK_W - EVENT) / 2,
                y: mid - EVENT / 2,
                w: EVENT,
                h: EVENT,
            },
            layout.start.lane,
        ));
        Some(elements.len() - 1)
    };

    for (index, node) in graph.nodes.iter().enumerate() {
        let step = common::step_def(route, &node.id);
        let place = layout.places.get(index).copied().unwrap_or_default();
        let lane = place.lane;
        let (cx, mid) = cell(place);
        let key = unique(
            &mut used,
            format!("{token}..{}", common::xml_id_part(&node.id)),
            &format!("..{index}"),
        );
        let action = step
            .and_then(|step| step.action.as_ref())
            .map(|text| text.get(lang).trim().to_owned())
            .filter(|text| !text.is_empty());
        let label = step.and_then(|step| step.label.clone());
        let short_name = {
            let text = action.clone().unwrap_or_else(|| node.id.clone());
            let text = match &label {
                Some(label) => format!("{label}. {text}"),
                None => text,
            };
            Some(common::truncate(&text, NAME_CHARS))
        };
        let org = node
            .role
            .as_deref()
            .and_then(|role| model.file.roles.iter().find(|r| r.id == role))
            .map(|role| role.org);
        // Nobody of ours acts: an automatic step, or a step of the portal or
        // an information system (a state-system call, a look-up).
        let automatic = node.kind == StepKind::Auto
            || matches!(org, Some(OrgKind::Portal | OrgKind::InformationSystem));
        let owner = node
            .role
            .as_ref()
            .map(|role| (role.clone(), common::role_title(model, role, lang)));
        let performer = owner.clone().filter(|_| !automatic);
        let task_tag = if automatic { "serviceTask" } else { "userTask" };
        let seed = model.file.seed.file.as_str();
        let mut docs = Vec::new();
        if let Some(action) = &action {
            docs.push(action.clone());
        }
        if let Some(hands_on) = step.and_then(|step| step.hands_on.as_ref()) {
            let text = hands_on.get(lang).trim();
            if !text.is_empty() {
                docs.push(format!("→ {text}"));
            }
        }
        if let Some(step) = step {
            if !step.calls.is_empty() {
                let systems: Vec<&str> = step.calls.iter().map(|system| system.as_str()).collect();
                let mut text = format!(
                    "calls (e-government gateway): {}; the step is left when every system has answered",
                    systems.join(", ")
                );
                if let Some(role) = &step.manual_check {
                    let _ = write!(text, "; manual check: {role}");
                }
                docs.push(text);
            }
            if step.signs {
                docs.push(
                    "signs: signed with a digital signature (ЭЦҚ/ЭЦП); not carried by BPMN"
                        .to_owned(),
                );
            }
            if step.verifies.is_some() {
                docs.push(
                    "verifies: request_signature (the portal's check of the applicant's signature)"
                        .to_owned(),
                );
            }
            if node.kind == StepKind::Wait {
                docs.push(
                    "wait: the role completes the task when the awaited event has happened"
                        .to_owned(),
                );
            }
            docs.push(common::source_text(seed, &step.source));
        }
        let limit_source = step
            .and_then(|step| step.limit.as_ref())
            .map(|limit| common::source_text(seed, &limit.source));
        let limit = Limit {
            duration: node.limit,
            source: limit_source,
            interrupting: node.edges.iter().any(|edge| edge.timeout),
        };
        let has_timeout = limit.interrupting;
        let task_bounds = Bounds {
            x: cx,
            y: mid - TASK_H / 2,
            w: TASK_W,
            h: TASK_H,
        };
        let event_bounds = Bounds {
            x: cx + (TASK_W - EVENT) / 2,
            y: mid - EVENT / 2,
            w: EVENT,
            h: EVENT,
        };
        let step_id = format!("Step_{key}");
        ports[index] = match node.kind {
            StepKind::Task | StepKind::Auto | StepKind::Wait => {
                // A wait is a task of its role too (the engine gives it one):
                // completing it takes `next`, its limit's interrupting timer
                // takes `on_timeout`.
                let tag = if node.kind == StepKind::Wait {
                    "userTask"
                } else {
                    task_tag
                };
                let mut element = Element::new(step_id, tag, task_bounds, lane);
                element.name = short_name;
                element.docs = docs;
                element.performer = if node.kind == StepKind::Wait {
                    owner
                } else {
                    performer
                };
                let person = tag == "userTask";
                elements.push(element);
                let task = elements.len() - 1;
                let timeout = add_limit(&mut elements, &limit, task, &key, lang);
                // A person's task that asks state systems asks them when
                // it is completed, and the step is left when they answered:
                // a service task after the user task.
                let calls = step.map(|step| step.calls.as_slice()).unwrap_or_default();
                let exit = if person && node.kind == StepKind::Task && !calls.is_empty() {
                    let mut call = Element::new(
                        format!("Call_{key}"),
                        "serviceTask",
                        Bounds {
                            x: cx + TASK_W + 30,
                            y: mid - CALL_H / 2,
                            w: CALL_W,
                            h: CALL_H,
                        },
                        lane,
                    );
                    let systems: Vec<&str> = calls.iter().map(|system| system.as_str()).collect();
                    call.name = Some(systems.join(", "));
                    call.docs.push(
                        "asks the state systems through the e-government gateway with what the task's person entered; the step is left when every system has answered"
                            .to_owned(),
                    );
                    elements.push(call);
                    let call = elements.len() - 1;
                    internal.push((task, call));
                    call
                } else {
                    task
                };
                Ports {
                    entry: task,
                    exit,
                    choice: exit,
                    timeout: timeout.unwrap_or(task),
                }
            }
            StepKind::Decision => {
                let with_task = action.is_some() || node.limit.is_some() || has_timeout;
                let gateway_bounds = Bounds {
                    x: cx
                        + if with_task {
                            TASK_W + 40
                        } else {
                            (TASK_W - GATEWAY) / 2
                        },
                    y: mid - GATEWAY / 2,
                    w: GATEWAY,
                    h: GATEWAY,
                };
                if with_task {
                    let mut element = Element::new(step_id, task_tag, task_bounds, lane);
                    element.name = short_name;
                    element.docs = docs;
                    element.performer = performer;
                    elements.push(element);
                    let task = elements.len() - 1;
                    let timeout = add_limit(&mut elements, &limit, task, &key, lang);
                    let mut gateway = Element::new(
                        format!("Gateway_{key}"),
                        "exclusiveGateway",
                        gateway_bounds,
                        lane,
                    );
                    gateway.docs.push(
                        "branches on the process variable `outcome`, the id of the outcome the step's task took"
                            .to_owned(),
                    );
                    elements.push(gateway);
                    let gateway = elements.len() - 1;
                    internal.push((task, gateway));
                    Ports {
                        entry: task,
                        exit: gateway,
                        choice: gateway,
                        timeout: timeout.unwrap_or(gateway),
                    }
                } else {
                    let mut element =
                        Element::new(step_id, "exclusiveGateway", gateway_bounds, lane);
                    element.name = label.clone();
                    element.docs = docs;
                    element.docs.push(
                        "branches on the process variable `outcome` as the step before left it"
                            .to_owned(),
                    );
                    elements.push(element);
                    let gateway = elements.len() - 1;
                    Ports {
                        entry: gateway,
                        exit: gateway,
                        choice: gateway,
                        timeout: gateway,
                    }
                }
            }
            StepKind::End => {
                let mut element = Element::new(step_id, "endEvent", event_bounds, lane);
                element.name = node
                    .result
                    .as_deref()
                    .map(|result| common::result_title(model, result, lang))
                    .filter(|name| !name.is_empty());
                if let Some(result) = &node.result {
                    docs.insert(0, format!("result: {result}"));
                }
                element.docs = docs;
                elements.push(element);
                let entry = elements.len() - 1;
                Ports {
                    entry,
                    exit: entry,
                    choice: entry,
                    timeout: entry,
                }
            }
        };
    }

    // Sequence flows: the start flow, the steps' internal flows, then every
    // edge of the model in node order.
    let mut links: Vec<Link> = Vec::new();
    if let (Some(start), Some(first)) = (start, ports.get(graph.start)) {
        links.push(Link::plain(start, first.entry));
    }
    for (from, to) in internal {
        links.push(Link::plain(from, to));
    }
    for (index, node) in graph.nodes.iter().enumerate() {
        let step = common::step_def(route, &node.id);
        for edge in &node.edges {
            let Some(target) = ports.get(edge.target) else {
                continue;
            };
            let source = &ports[index];
            let link = if edge.timeout {
                let mut link = Link::plain(source.timeout, target.entry);
                link.docs.push(
                    "on_timeout: the step's limit passed without the awaited event".to_owned(),
                );
                link
            } else if let Some(outcome) = &edge.outcome {
                let mut link = Link::plain(source.choice, target.entry);
                link.name = Some(common::outcome_label(step, outcome, lang));
                link.docs.push(format!("outcome: {outcome}"));
                if let Some(def) =
                    step.and_then(|step| step.outcomes.iter().find(|o| &o.id == outcome))
                {
                    if let Some(when) = &def.when {
                        link.docs
                            .push(format!("when (CEL, evaluated by Qyzmet): {when}"));
                    }
                    if !def.answers.is_empty() {
                        let answers: Vec<&str> = def.answers.iter().map(|a| a.as_str()).collect();
                        link.docs.push(format!(
                            "answers (of the state systems the step before asked): {}",
                            answers.join(", ")
                        ));
                    }
                }
                if elements[source.choice].tag == "exclusiveGateway" {
                    link.condition = Some(format!("outcome == {}", common::python_str(outcome)));
                }
                link
            } else {
                Link::plain(source.exit, target.entry)
            };
            links.push(link);
        }
    }
    let mut flows = Vec::new();
    for (number, link) in links.into_iter().enumerate() {
        let id = unique(&mut used, format!("Flow_{token}..{}", number + 1), "..flow");
        let (source, target) = (link.from, link.to);
        let waypoints = route_edge(&elements[source], &elements[target]);
        elements[source].outgoing.push(id.clone());
        elements[target].incoming.push(id.clone());
        // An unconditioned flow out of an exclusive gateway (only a model
        // that broke the compiler's guarantees has one) is its default.
        if elements[source].tag == "exclusiveGateway"
            && link.condition.is_none()
            && elements[source].default_flow.is_none()
        {
            elements[source].default_flow = Some(id.clone());
        }
        flows.push(Flow {
            id,
            source,
            target,
            name: link.name.filter(|name| !name.is_empty()),
            docs: link.docs,
            condition: link.condition,
            waypoints,
        });
    }
    for (index, element) in elements.iter().enumerate() {
        if element.tag == "boundaryEvent" {
            continue;
        }
        if let Some(lane) = lanes.get_mut(element.lane) {
            lane.members.push(index);
        }
    }
    let mut docs = vec![format!("route: {}", graph.key)];
    if let Some(term) = route.and_then(|route| route.term.as_ref()) {
        let mut text = format!("term: {}", term.duration());
        if term.acceptance_day_not_counted {
            text.push_str(" (the day of acceptance not counted)");
        }
        if let Some(extension) = &term.extension {
            let _ = write!(
                text,
                "; extension: {}",
                Duration::new(extension.amount, extension.unit)
            );
        }
        let _ = write!(
            text,
            "; {}",
            common::source_text(&model.file.seed.file, &term.source)
        );
        docs.push(text);
    }
    docs.push(
        "conditions are Python expressions (SpiffWorkflow's evaluator) over the process variable `outcome`"
            .to_owned(),
    );
    Pool {
        token: token.to_owned(),
        name,
        docs,
        bounds,
        lanes,
        elements,
        flows,
    }
}

/// A sequence flow before it has an id and waypoints.
struct Link {
    from: usize,
    to: usize,
    name: Option<String>,
    condition: Option<String>,
    docs: Vec<String>,
}

impl Link {
    fn plain(from: usize, to: usize) -> Link {
        Link {
            from,
            to,
            name: None,
            condition: None,
            docs: Vec::new(),
        }
    }
}

/// A step's limit as its boundary timer carries it.
struct Limit {
    duration: Option<Duration>,
    /// Where the seed gives it.
    source: Option<String>,
    /// The limit's passing takes the step's timeout branch.
    interrupting: bool,
}

/// Adds the timer boundary event of a task's limit (or of its timeout
/// branch) and returns its index. The limit of a task without a timeout
/// branch does not interrupt it (Qyzmet escalates an overdue task to the
/// head and the task stays open); a wait's limit with `on_timeout` does.
fn add_limit(
    elements: &mut Vec<Element>,
    limit: &Limit,
    task: usize,
    key: &str,
    lang: Lang,
) -> Option<usize> {
    if limit.duration.is_none() && !limit.interrupting {
        return None;
    }
    let host = &elements[task];
    let bounds = Bounds {
        x: host.bounds.right() - EVENT - 10,
        y: host.bounds.bottom() - EVENT / 2,
        w: EVENT,
        h: EVENT,
    };
    let mut element = Element::new(format!("Limit_{key}"), "boundaryEvent", bounds, host.lane);
    element.attached = Some((host.id.clone(), limit.interrupting));
    element.def = Def::Timer(limit.duration);
    if let Some(duration) = limit.duration {
        element.name = Some(common::duration_text(duration, lang));
        element.docs.push(duration.to_string());
        element.docs.push(calendar_note(duration));
        element.docs.push(if limit.interrupting {
            "on expiry: the task is cancelled and the route takes on_timeout".to_owned()
        } else {
            "on expiry: Qyzmet escalates to the head (step_overdue); the task stays open".to_owned()
        });
    }
    if let Some(source) = &limit.source {
        element.docs.push(source.clone());
    }
    elements.push(element);
    Some(elements.len() - 1)
}

/// What a timer's ISO 8601 duration does not say: BPMN has no working
/// calendar (docs/legal-time.md has Qyzmet's counting).
fn calendar_note(duration: Duration) -> String {
    let n = duration.amount;
    let iso = iso_duration(duration);
    match duration.unit {
        Unit::WorkingDays => format!(
            "{n} working days, not {iso}: BPMN has no working calendar; Qyzmet's deadline is closing time on the last of {n} working days counted after the start (Kazakhstan production calendar, weekends and holidays skipped), an engine reading timeDuration literally waits {n} × 24 hours"
        ),
        Unit::Minutes | Unit::Hours => format!(
            "working time, not {iso}: Qyzmet counts minutes and hours only inside the provider's office hours on working days; timeDuration is wall-clock time"
        ),
        Unit::CalendarDays | Unit::Months => format!(
            "{iso} in calendar time; Qyzmet's deadline is closing time of the last day, moved to the next working day when that is a day off"
        ),
    }
}

/// Orthogonal waypoints from one element to another.
fn route_edge(source: &Element, target: &Element) -> Vec<(i64, i64)> {
    super::layout::waypoints(source.bounds, source.vertical_exit, target.bounds, EDGE_GAP)
}

/// The ISO 8601 duration of a limit. Working days are written as days; the
/// documentation next to it keeps the unit.
pub fn iso_duration(duration: Duration) -> String {
    let n = duration.amount;
    match duration.unit {
        Unit::Minutes => format!("PT{n}M"),
        Unit::Hours => format!("PT{n}H"),
        Unit::WorkingDays | Unit::CalendarDays => format!("P{n}D"),
        Unit::Months => format!("P{n}M"),
    }
}

struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn attrs(&mut self, attrs: &[(&str, &str)]) {
        for (name, value) in attrs {
            let _ = write!(self.out, " {name}=\"{}\"", xml_escape(value));
        }
    }

    fn open(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        self.attrs(attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, tag: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        let _ = writeln!(self.out, "</{tag}>");
    }

    fn empty(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        self.attrs(attrs);
        self.out.push_str("/>\n");
    }

    fn text(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        self.attrs(attrs);
        let _ = writeln!(self.out, ">{}</{tag}>", xml_escape(text));
    }
}

fn write_document(model: &ProcessModel, pools: &[Pool]) -> String {
    let mut w = Writer {
        out: String::new(),
        depth: 0,
    };
    w.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let namespace = format!(
        "https://qyzmet.kz/regulations/{}",
        common::xml_id_part(&model.id)
    );
    w.open(
        "bpmn:definitions",
        &[
            ("xmlns:bpmn", BPMN_NS),
            ("xmlns:bpmndi", BPMNDI_NS),
            ("xmlns:dc", DC_NS),
            ("xmlns:di", DI_NS),
            ("xmlns:xsi", XSI_NS),
            ("id", "Definitions_1"),
            ("name", &model.id),
            ("targetNamespace", &namespace),
            ("exporter", "qyzmet"),
            ("exporterVersion", env!("CARGO_PKG_VERSION")),
        ],
    );
    w.open("bpmn:collaboration", &[("id", "Collaboration_1")]);
    for doc in provenance(model) {
        w.text("bpmn:documentation", &[], &doc);
    }
    for pool in pools {
        w.empty(
            "bpmn:participant",
            &[
                ("id", &format!("Participant_{}", pool.token)),
                ("name", &pool.name),
                ("processRef", &format!("Process_{}", pool.token)),
            ],
        );
    }
    w.close("bpmn:collaboration");
    for pool in pools {
        write_process(&mut w, pool);
    }
    w.open(
        "bpmndi:BPMNDiagram",
        &[("id", "BPMNDiagram_1"), ("name", &model.id)],
    );
    w.open(
        "bpmndi:BPMNPlane",
        &[("id", "BPMNPlane_1"), ("bpmnElement", "Collaboration_1")],
    );
    for pool in pools {
        write_pool_di(&mut w, pool);
    }
    w.close("bpmndi:BPMNPlane");
    w.close("bpmndi:BPMNDiagram");
    w.close("bpmn:definitions");
    w.out
}

/// The regulation's provenance, on the collaboration.
fn provenance(model: &ProcessModel) -> Vec<String> {
    let file = &model.file;
    let act = &file.act;
    vec![
        format!("regulation: {} ({})", model.id, model.hash),
        format!(
            "act: {} No {} of {} ({})",
            act.issuer.get(Lang::Kk).trim(),
            act.number,
            act.date.0,
            act.region
        ),
        format!(
            "seed: {}, lines {}–{}",
            file.seed.file, file.seed.lines[0], file.seed.lines[1]
        ),
        common::source_text(&file.seed.file, &act.source),
    ]
}

fn write_process(w: &mut Writer, pool: &Pool) {
    w.open(
        "bpmn:process",
        &[
            ("id", &format!("Process_{}", pool.token)),
            ("name", &pool.name),
            ("isExecutable", "true"),
        ],
    );
    for doc in &pool.docs {
        w.text("bpmn:documentation", &[], doc);
    }
    if !pool.lanes.is_empty() {
        w.open(
            "bpmn:laneSet",
            &[("id", &format!("LaneSet_{}", pool.token))],
        );
        for lane in &pool.lanes {
            let mut attrs = vec![("id", lane.id.as_str())];
            if !lane.name.is_empty() {
                attrs.push(("name", lane.name.as_str()));
            }
            if lane.members.is_empty() {
                w.empty("bpmn:lane", &attrs);
                continue;
            }
            w.open("bpmn:lane", &attrs);
            for member in &lane.members {
                w.text("bpmn:flowNodeRef", &[], &pool.elements[*member].id);
            }
            w.close("bpmn:lane");
        }
        w.close("bpmn:laneSet");
    }
    for element in &pool.elements {
        let tag = format!("bpmn:{}", element.tag);
        let mut attrs = vec![("id", element.id.clone())];
        if let Some(name) = &element.name {
            attrs.push(("name", name.clone()));
        }
        if let Some((host, interrupting)) = &element.attached {
            attrs.push(("cancelActivity", interrupting.to_string()));
            attrs.push(("attachedToRef", host.clone()));
        }
        if let Some(flow) = &element.default_flow {
            attrs.push(("default", flow.clone()));
        }
        let attrs: Vec<(&str, &str)> = attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        w.open(&tag, &attrs);
        for doc in &element.docs {
            w.text("bpmn:documentation", &[], doc);
        }
        for flow in &element.incoming {
            w.text("bpmn:incoming", &[], flow);
        }
        for flow in &element.outgoing {
            w.text("bpmn:outgoing", &[], flow);
        }
        if let Some((role, title)) = &element.performer {
            // The standard BPMN way to name candidate groups (Camunda 7
            // and Flowable read `group(...)`; SpiffWorkflow uses the lane).
            let owner = format!("{}_owner", element.id);
            let mut attrs = vec![("id", owner.as_str())];
            if !title.is_empty() {
                attrs.push(("name", title.as_str()));
            }
            w.open("bpmn:potentialOwner", &attrs);
            w.open(
                "bpmn:resourceAssignmentExpression",
                &[("id", &format!("{owner}_expr"))],
            );
            w.text(
                "bpmn:formalExpression",
                &[("id", &format!("{owner}_group"))],
                &format!("group({role})"),
            );
            w.close("bpmn:resourceAssignmentExpression");
            w.close("bpmn:potentialOwner");
        }
        let def_id = format!("{}_def", element.id);
        match &element.def {
            Def::None => {}
            Def::Timer(None) => w.empty("bpmn:timerEventDefinition", &[("id", &def_id)]),
            Def::Timer(Some(limit)) => {
                w.open("bpmn:timerEventDefinition", &[("id", &def_id)]);
                w.text(
                    "bpmn:timeDuration",
                    &[("xsi:type", "bpmn:tFormalExpression")],
                    &iso_duration(*limit),
                );
                w.close("bpmn:timerEventDefinition");
            }
        }
        w.close(&tag);
    }
    for flow in &pool.flows {
        let source = &pool.elements[flow.source].id;
        let target = &pool.elements[flow.target].id;
        let mut attrs = vec![("id", flow.id.as_str())];
        if let Some(name) = &flow.name {
            attrs.push(("name", name.as_str()));
        }
        attrs.push(("sourceRef", source));
        attrs.push(("targetRef", target));
        if flow.docs.is_empty() && flow.condition.is_none() {
            w.empty("bpmn:sequenceFlow", &attrs);
            continue;
        }
        w.open("bpmn:sequenceFlow", &attrs);
        for doc in &flow.docs {
            w.text("bpmn:documentation", &[], doc);
        }
        if let Some(condition) = &flow.condition {
            w.text(
                "bpmn:conditionExpression",
                &[
                    ("xsi:type", "bpmn:tFormalExpression"),
                    ("language", "python"),
                ],
                condition,
            );
        }
        w.close("bpmn:sequenceFlow");
    }
    w.close("bpmn:process");
}

fn bounds_attrs(bounds: &Bounds) -> [(&'static str, String); 4] {
    [
        ("x", bounds.x.to_string()),
        ("y", bounds.y.to_string()),
        ("width", bounds.w.to_string()),
        ("height", bounds.h.to_string()),
    ]
}

fn write_bounds(w: &mut Writer, bounds: &Bounds) {
    let attrs = bounds_attrs(bounds);
    let attrs: Vec<(&str, &str)> = attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    w.empty("dc:Bounds", &attrs);
}

fn write_label(w: &mut Writer, bounds: &Bounds) {
    w.open("bpmndi:BPMNLabel", &[]);
    write_bounds(w, bounds);
    w.close("bpmndi:BPMNLabel");
}

fn write_pool_di(w: &mut Writer, pool: &Pool) {
    let participant = format!("Participant_{}", pool.token);
    w.open(
        "bpmndi:BPMNShape",
        &[
            ("id", &format!("{participant}_di")),
            ("bpmnElement", &participant),
            ("isHorizontal", "true"),
        ],
    );
    write_bounds(w, &pool.bounds);
    w.close("bpmndi:BPMNShape");
    for lane in &pool.lanes {
        w.open(
            "bpmndi:BPMNShape",
            &[
                ("id", &format!("{}_di", lane.id)),
                ("bpmnElement", &lane.id),
                ("isHorizontal", "true"),
            ],
        );
        write_bounds(w, &lane.bounds);
        w.close("bpmndi:BPMNShape");
    }
    for element in &pool.elements {
        let id = format!("{}_di", element.id);
        let mut attrs = vec![("id", id.as_str()), ("bpmnElement", element.id.as_str())];
        if element.tag == "exclusiveGateway" {
            attrs.push(("isMarkerVisible", "true"));
        }
        w.open("bpmndi:BPMNShape", &attrs);
        write_bounds(w, &element.bounds);
        if element.external_label && element.name.is_some() {
            let b = element.bounds;
            write_label(
                w,
                &Bounds {
                    x: b.cx() - 60,
                    y: b.bottom() + 6,
                    w: 120,
                    h: 40,
                },
            );
        }
        w.close("bpmndi:BPMNShape");
    }
    for flow in &pool.flows {
        w.open(
            "bpmndi:BPMNEdge",
            &[
                ("id", &format!("{}_di", flow.id)),
                ("bpmnElement", &flow.id),
            ],
        );
        for (x, y) in &flow.waypoints {
            w.empty(
                "di:waypoint",
                &[("x", &x.to_string()), ("y", &y.to_string())],
            );
        }
        if flow.name.is_some()
            && let [.., before, last] = flow.waypoints.as_slice()
        {
            // At the arrow's head, where the label is the only one.
            let bounds = if before.1 == last.1 {
                Bounds {
                    x: last.0 - 106,
                    y: last.1 - 32,
                    w: 100,
                    h: 27,
                }
            } else {
                Bounds {
                    x: last.0 + 6,
                    y: last.1 + 4,
                    w: 100,
                    h: 27,
                }
            };
            write_label(w, &bounds);
        }
        w.close("bpmndi:BPMNEdge");
    }
}

/// Lookups and text helpers shared by the BPMN, SVG and Mermaid renderers
/// (and, re-exported, the swimlane layout of `super::layout`).
pub(super) mod common {
    use qyzmet_core::{Duration, Lang};

    pub use super::super::layout::{Layout, layout};
    use crate::model::{ProcessModel, RouteGraph};
    use crate::syntax::{Route, Source, Step};

    /// The file's route a graph was compiled from: the one at the same index
    /// when its key matches, else the first with the graph's key.
    pub fn route_def<'a>(
        model: &'a ProcessModel,
        index: usize,
        graph: &RouteGraph,
    ) -> Option<&'a Route> {
        model
            .file
            .routes
            .get(index)
            .filter(|route| route.key() == graph.key)
            .or_else(|| {
                model
                    .file
                    .routes
                    .iter()
                    .find(|route| route.key() == graph.key)
            })
    }

    pub fn step_def<'a>(route: Option<&'a Route>, id: &str) -> Option<&'a Step> {
        route?.steps.iter().find(|step| step.id == id)
    }

    pub fn role_title(model: &ProcessModel, id: &str, lang: Lang) -> String {
        model.role_title(id, lang)
    }

    pub fn result_title(model: &ProcessModel, id: &str, lang: Lang) -> String {
        model.result_title(id, lang)
    }

    /// Where the seed says something: `source: FILE, line N, paragraph P`.
    pub fn source_text(seed: &str, source: &Source) -> String {
        match &source.para {
            Some(para) => format!("source: {seed}, line {}, paragraph {para}", source.line),
            None => format!("source: {seed}, line {}", source.line),
        }
    }

    /// A Python string literal of `text` (double-quoted; backslashes,
    /// quotes and control characters escaped).
    pub fn python_str(text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 2);
        out.push('"');
        for c in text.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    pub fn outcome_label(step: Option<&Step>, outcome: &str, lang: Lang) -> String {
        step.and_then(|step| step.outcomes.iter().find(|o| o.id == outcome))
            .map(|o| o.label.get(lang).trim().to_owned())
            .filter(|label| !label.is_empty())
            .unwrap_or_else(|| outcome.to_owned())
    }

    /// The route's title in `lang`, as the step tables head it: the
    /// channel, and the route's title or variant.
    pub fn route_title(
        model: &ProcessModel,
        index: usize,
        graph: &RouteGraph,
        lang: Lang,
    ) -> String {
        match route_def(model, index, graph) {
            Some(route) => crate::render::route_title(route, lang),
            None => {
                let channel = crate::render::channel_title(graph.channel, lang);
                match &graph.variant {
                    Some(variant) => format!("{channel}: {variant}"),
                    None => channel.to_owned(),
                }
            }
        }
    }

    /// "3 жұмыс күні", "15 минут", "2 hours": the step tables' wording.
    pub fn duration_text(duration: Duration, lang: Lang) -> String {
        crate::render::duration_text(duration, lang)
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum LegendItem {
        StartEnd,
        Action,
        Choice,
        Transition,
    }

    impl LegendItem {
        pub const ALL: [LegendItem; 4] = [
            LegendItem::StartEnd,
            LegendItem::Action,
            LegendItem::Choice,
            LegendItem::Transition,
        ];
    }

    /// The legend's text in `lang` and the legend's own title.
    pub fn legend_label(item: LegendItem, lang: Lang) -> &'static str {
        match (item, lang) {
            (LegendItem::StartEnd, Lang::Kk) => {
                "мемлекеттік қызмет көрсетудің басталуы немесе аяқталуы"
            }
            (LegendItem::Action, Lang::Kk) => {
                "көрсетілетін қызметті алушы рәсімінің (іс-қимылының) және (немесе) ҚФБ атауы"
            }
            (LegendItem::Choice, Lang::Kk) => "таңдау нұсқасы",
            (LegendItem::Transition, Lang::Kk) => "келесі рәсімге (іс-қимылға) өту",
            (LegendItem::StartEnd, Lang::Ru) => {
                "начало или завершение оказания государственной услуги"
            }
            (LegendItem::Action, Lang::Ru) => {
                "наименование процедуры (действия) услугополучателя и (или) СФЕ"
            }
            (LegendItem::Choice, Lang::Ru) => "вариант выбора",
            (LegendItem::Transition, Lang::Ru) => "переход к следующей процедуре (действию)",
            (LegendItem::StartEnd, Lang::En) => "start or end of the public service",
            (LegendItem::Action, Lang::En) => {
                "procedure (action) of the service recipient and (or) a structural unit"
            }
            (LegendItem::Choice, Lang::En) => "choice",
            (LegendItem::Transition, Lang::En) => "transition to the next procedure (action)",
        }
    }

    pub fn legend_title(lang: Lang) -> &'static str {
        match lang {
            Lang::Kk => "Шартты белгілер",
            Lang::Ru => "Условные обозначения",
            Lang::En => "Legend",
        }
    }

    /// Makes a string safe inside an XML id (an NCName), injectively: ASCII
    /// letters, digits, `-` and `_` stay; every other byte of the UTF-8 text
    /// becomes `.HH` (upper-case hex). The output never contains `..`, so
    /// renderers join parts with `..`.
    pub fn xml_id_part(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for byte in text.bytes() {
            if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
                out.push(byte as char);
            } else {
                out.push_str(&format!(".{byte:02X}"));
            }
        }
        out
    }

    /// Escapes text for XML content and attribute values, dropping the
    /// characters XML 1.0 cannot hold.
    pub fn xml_escape(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                '\n' => out.push_str("&#10;"),
                '\r' => out.push_str("&#13;"),
                '\t' => out.push_str("&#9;"),
                c if (c as u32) < 0x20 => {}
                '\u{FFFE}' | '\u{FFFF}' => {}
                c => out.push(c),
            }
        }
        out
    }

    /// Collapses whitespace and cuts the text to `max` characters, ending
    /// with `…` when cut.
    pub fn truncate(text: &str, max: usize) -> String {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() <= max {
            return text;
        }
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out = out.trim_end().to_owned();
        out.push('…');
        out
    }

    /// Wraps text into lines of at most `width` characters (a longer word is
    /// split), at most `max_lines` lines; the last line ends with `…` when
    /// text was left out.
    pub fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
        let width = width.max(2);
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        let mut cut = false;
        'words: for word in text.split_whitespace() {
            let mut word: Vec<char> = word.chars().collect();
            loop {
                let line_len = line.chars().count();
                let needed = if line.is_empty() {
                    word.len()
                } else {
                    line_len + 1 + word.len()
                };
                if needed <= width {
                    if !line.is_empty() {
                        line.push(' ');
                    }
                    line.extend(word.iter());
                    break;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                } else {
                    // A word longer than a line.
                    let rest = word.split_off(width);
                    lines.push(word.iter().collect());
                    word = rest;
                }
                if lines.len() >= max_lines {
                    cut = true;
                    break 'words;
                }
            }
        }
        if !cut && !line.is_empty() {
            if lines.len() < max_lines {
                lines.push(line);
            } else {
                cut = true;
            }
        }
        if cut && let Some(last) = lines.last_mut() {
            let mut chars: Vec<char> = last.chars().collect();
            chars.truncate(width.saturating_sub(1));
            *last = chars.into_iter().collect::<String>().trim_end().to_owned();
            last.push('…');
        }
        lines
    }
}

/// Small hand-built models for the renderers' unit tests.
#[cfg(test)]
pub(super) mod test_support {
    use crate::model::{Edge, ProcessModel};

    const YAML: &str = r#"
format: qyzmet.regulation/1
id: test/2020-1/sample
seed: {file: sample.txt, lines: [1, 2]}
act:
  region: test
  issuer: {kk: Әкімдік}
  title: {kk: Қаулы}
  number: "1"
  date: 2020-01-01
  in_force: {days_after_publication: 10, source: {line: 1}}
  source: {line: 1}
service:
  id: sample
  title: {kk: Үлгі <қызмет> & "тест", ru: Образец}
  provider: {kk: Беруші}
  recipients: [individuals]
  fee: {free: true}
  forms: [paper]
  results:
    - {id: ok, kind: notice, title: {kk: хабарлама <ok>, ru: уведомление}, delivery: [paper], source: {line: 1}}
  refusals:
    - {id: no, kind: motivated_refusal, title: {kk: бас тарту, ru: отказ}, source: {line: 1}}
  source: {line: 1}
roles:
  - {id: applicant, org: applicant, title: {kk: алушы, ru: получатель}}
  - {id: clerk, org: provider, title: {kk: "қызметкер <&> \"x\"", ru: сотрудник}}
  - {id: system, org: information_system, title: {kk: жүйе}}
routes:
  - channel: provider_office
    variant: "a/b c"
    start: "1"
    steps:
      - {id: "1", role: applicant, action: {kk: "өтініш береді <a> & 'b' \"c\"\u0001"}, next: "check/2", source: {line: 1}}
      - id: "check/2"
        kind: decision
        role: clerk
        label: "2"
        action: {kk: тексереді}
        limit: {amount: 3, unit: working_days, source: {line: 1}}
        outcomes:
          - {id: yes, label: {kk: иә <ok>}, next: lookup}
          - {id: again, label: {kk: қайта}, next: "1"}
          - {id: no, label: {kk: жоқ}, next: refused}
        source: {line: 1}
      - {id: lookup, kind: auto, role: system, action: {kk: іздейді}, limit: {amount: 15, unit: minutes, source: {line: 1}}, next: wait, source: {line: 1}}
      - id: wait
        kind: wait
        role: applicant
        action: {kk: құжаттарды әкеледі}
        hands_on: {kk: құжаттар}
        limit: {amount: 20, unit: working_days, source: {line: 1}}
        next: qazaq-қадам
        on_timeout: refused
        source: {line: 1}
      - {id: qazaq-қадам, role: clerk, action: {kk: береді}, limit: {amount: 2, unit: hours, source: {line: 1}}, next: done, source: {line: 1}}
      - {id: done, kind: end, result: ok, source: {line: 1}}
      - {id: refused, kind: end, result: no, source: {line: 1}}
  - channel: portal
    start: p1
    steps:
      - {id: p1, kind: wait, role: applicant, limit: {amount: 1, unit: months, source: {line: 1}}, next: p2, source: {line: 1}}
      - {id: p2, kind: decision, outcomes: [{id: x, label: {kk: x}, next: p3}], source: {line: 1}}
      - {id: p3, kind: end, source: {line: 1}}
"#;

    /// A model with two routes: a cycle, a decision, an automatic step, a
    /// wait with a timeout, odd ids and text that needs escaping.
    pub fn sample() -> ProcessModel {
        let parsed = crate::parse(YAML);
        let file = parsed
            .file
            .unwrap_or_else(|| panic!("sample does not parse: {:?}", parsed.diagnostics));
        crate::compile(file, YAML)
    }

    /// Models that break the compiler's guarantees: a dangling edge, an
    /// out-of-range start, an empty route, duplicate step ids, an unknown
    /// role and result, a self-loop, a timeout on a task, a duplicate route.
    pub fn broken() -> Vec<ProcessModel> {
        let mut models = Vec::new();

        let mut model = sample();
        model.routes[0].nodes[0].edges.push(Edge {
            target: 99,
            outcome: Some("ghost".into()),
            timeout: false,
        });
        model.routes[0].start = 42;
        models.push(model);

        let mut model = sample();
        model.routes[1].nodes.clear();
        models.push(model);

        let mut model = sample();
        let copy = model.routes[0].nodes[1].clone();
        model.routes[0].nodes.push(copy);
        model.routes[0].nodes[2].role = Some("nobody".into());
        model.routes[0].nodes[5].result = Some("unknown".into());
        let route = model.routes[0].clone();
        model.routes.push(route);
        models.push(model);

        let mut model = sample();
        for node in &mut model.routes[0].nodes {
            node.role = None;
            node.edges.push(Edge {
                target: 0,
                outcome: None,
                timeout: true,
            });
        }
        model.routes[1].nodes[0].edges.push(Edge {
            target: 0,
            outcome: None,
            timeout: false,
        });
        models.push(model);

        let mut model = sample();
        model.routes.clear();
        models.push(model);
        models
    }

    /// Runs xmllint on a BPMN document against the project's copy of the
    /// OMG schema; panics (fails the test) when xmllint is missing.
    pub fn assert_valid_bpmn(xml: &str) {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let xsd = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/bpmn20-xsd/BPMN20.xsd"
        );
        let mut child = Command::new("xmllint")
            .args(["--noout", "--schema", xsd, "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("xmllint could not be run ({error}); apt-get install -y libxml2-utils")
            });
        child
            .stdin
            .take()
            .map(|mut stdin| stdin.write_all(xml.as_bytes()))
            .transpose()
            .expect("write to xmllint");
        let output = child.wait_with_output().expect("xmllint output");
        assert!(
            output.status.success(),
            "xmllint: {}\n{xml}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{assert_valid_bpmn, broken, sample};
    use super::*;

    #[test]
    fn sample_is_valid_and_deterministic() {
        let model = sample();
        for lang in Lang::ALL {
            let xml = render(&model, lang);
            assert_valid_bpmn(&xml);
            assert_eq!(xml, render(&model, lang));
        }
    }

    #[test]
    fn maps_kinds_limits_and_waits() {
        let xml = render(&sample(), Lang::Kk);
        // Route key `provider_office/a/b c` and step `check/2` made safe.
        assert!(xml.contains(r#"<bpmn:userTask id="Step_provider_office.2Fa.2Fb.20c..check.2F2""#));
        assert!(xml.contains(
            r#"<bpmn:exclusiveGateway id="Gateway_provider_office.2Fa.2Fb.20c..check.2F2""#
        ));
        assert!(xml.contains(r#"<bpmn:serviceTask id="Step_provider_office.2Fa.2Fb.20c..lookup""#));
        // A wait is its role's task; its limit interrupts it and leads to
        // the timeout branch.
        assert!(xml.contains(r#"<bpmn:userTask id="Step_provider_office.2Fa.2Fb.20c..wait""#));
        assert!(xml.contains(r#"<bpmn:boundaryEvent id="Limit_provider_office.2Fa.2Fb.20c..wait" name="20 жұмыс күні" cancelActivity="true" attachedToRef="Step_provider_office.2Fa.2Fb.20c..wait""#));
        assert!(xml.contains(r#"<bpmn:boundaryEvent id="Limit_provider_office.2Fa.2Fb.20c..check.2F2" name="3 жұмыс күні" cancelActivity="false""#));
        assert!(xml.contains(">P3D</bpmn:timeDuration>"));
        assert!(xml.contains(">P20D</bpmn:timeDuration>"));
        assert!(xml.contains(">PT15M</bpmn:timeDuration>"));
        assert!(xml.contains(">PT2H</bpmn:timeDuration>"));
        assert!(xml.contains(">P1M</bpmn:timeDuration>"));
        assert!(xml.contains("<bpmn:documentation>3 working_days</bpmn:documentation>"));
        assert!(xml.contains(r#"name="иә &lt;ok&gt;""#));
        assert!(xml.contains(r#"<bpmn:endEvent id="Step_provider_office.2Fa.2Fb.20c..done" name="хабарлама &lt;ok&gt;""#));
        // The control character is dropped, the rest escaped.
        assert!(xml.contains(
            "өтініш береді &lt;a&gt; &amp; &apos;b&apos; &quot;c&quot;</bpmn:documentation>"
        ));
        // A role-less decision with no action is a bare gateway.
        assert!(xml.contains(r#"<bpmn:exclusiveGateway id="Step_portal..p2""#));
        assert!(xml.contains(r#"<bpmn:userTask id="Step_portal..p1""#));
    }

    #[test]
    fn is_executable_with_owners_conditions_and_provenance() {
        let xml = render(&sample(), Lang::Kk);
        assert!(xml.contains(r#"isExecutable="true""#));
        assert!(!xml.contains(r#"isExecutable="false""#));
        // Candidate groups: the role, the standard way.
        assert!(xml.contains(
            r#"<bpmn:potentialOwner id="Step_provider_office.2Fa.2Fb.20c..check.2F2_owner" name="қызметкер &lt;&amp;&gt; &quot;x&quot;">"#
        ));
        assert!(xml.contains(r#">group(clerk)</bpmn:formalExpression>"#));
        // The system's automatic step is a service task without an owner.
        assert!(!xml.contains("Step_provider_office.2Fa.2Fb.20c..lookup_owner"));
        // Every outcome flow is conditioned on `outcome`, in Python.
        for outcome in ["yes", "again", "no"] {
            assert!(
                xml.contains(&format!(
                    r#"<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="python">outcome == &quot;{outcome}&quot;</bpmn:conditionExpression>"#
                )),
                "{outcome}"
            );
        }
        assert!(xml.contains("outcome == &quot;x&quot;"));
        // Working days are said to be working days; sources are kept.
        assert!(xml.contains("3 working days, not P3D: BPMN has no working calendar"));
        assert!(
            xml.contains("<bpmn:documentation>source: sample.txt, line 1</bpmn:documentation>")
        );
        assert!(
            xml.contains("<bpmn:documentation>seed: sample.txt, lines 1–2</bpmn:documentation>")
        );
        assert!(xml.contains("<bpmn:documentation>regulation: test/2020-1/sample (sha256:"));
    }

    #[test]
    fn python_strings_are_escaped() {
        assert_eq!(common::python_str("a"), r#""a""#);
        assert_eq!(common::python_str(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(common::python_str("a\u{1}"), r#""a\u0001""#);
    }

    #[test]
    fn broken_models_render_valid_bpmn_without_panicking() {
        for model in broken() {
            for lang in Lang::ALL {
                let xml = render(&model, lang);
                assert_valid_bpmn(&xml);
                assert_eq!(xml, render(&model, lang));
            }
        }
    }

    #[test]
    fn layout_is_bounded_on_cycles_and_places_by_depth() {
        let model = sample();
        let layout = common::layout(&model.routes[0]);
        let columns: Vec<usize> = layout.places.iter().map(|p| p.column).collect();
        // 1 → check/2 → {lookup, 1 (back), refused} → wait → … → done.
        assert_eq!(columns, vec![1, 2, 3, 4, 5, 6, 3]);
        assert_eq!(layout.columns, 7);
        assert_eq!(
            layout.lanes,
            vec![
                Some("applicant".to_owned()),
                Some("clerk".to_owned()),
                Some("system".to_owned())
            ]
        );
        // Ends take the lane of their first predecessor with a role.
        assert_eq!(layout.places[5].lane, 1);
        assert_eq!(layout.places[6].lane, 1);
        for model in broken() {
            for graph in &model.routes {
                let layout = common::layout(graph);
                assert_eq!(layout.places.len(), graph.nodes.len());
                assert!(
                    layout
                        .places
                        .iter()
                        .all(|p| p.lane < layout.lanes.len().max(1))
                );
            }
        }
    }

    #[test]
    fn ids_are_injective_and_ncnames() {
        assert_eq!(common::xml_id_part("a/b"), "a.2Fb");
        assert_eq!(common::xml_id_part("a_b"), "a_b");
        assert_eq!(common::xml_id_part("a.b"), "a.2Eb");
        assert_eq!(common::xml_id_part("қ"), ".D2.9B");
        assert!(!common::xml_id_part("a..b").contains(".."));
    }

    #[test]
    fn wraps_and_truncates() {
        assert_eq!(common::wrap("aa bb cc", 5, 5), vec!["aa bb", "cc"]);
        assert_eq!(common::wrap("abcdefgh", 3, 5), vec!["abc", "def", "gh"]);
        assert_eq!(common::wrap("aa bb cc dd", 5, 1), vec!["aa b…"]);
        assert!(common::wrap("", 5, 2).is_empty());
        assert_eq!(common::truncate("a  b\nc", 10), "a b c");
        assert_eq!(common::truncate("abcdef", 4), "abc…");
    }
}
