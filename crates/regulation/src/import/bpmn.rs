//! BPMN 2.0 → regulation file skeleton.
//!
//! The reader takes a BPMN document as Camunda Modeler, bpmn.io or Qyzmet's
//! own export (`render::bpmn`) write it, and maps
//!
//! | BPMN                                   | regulation                          |
//! |----------------------------------------|-------------------------------------|
//! | one `process` (pool)                   | a route; several only when each says which (`route: KEY` in its documentation, as the export writes) |
//! | `lane`                                 | a role (id from `group(ID)` / `candidateGroups`, the export's lane id, or the lane's name; title = the lane's name) |
//! | `userTask`, `manualTask`, `task`       | `kind: task` of the lane's role      |
//! | `serviceTask`, `scriptTask`, `businessRuleTask`, `sendTask`, `receiveTask` | `kind: auto` |
//! | task → `exclusiveGateway` (≥ 2 outgoing flows) | `kind: decision` with one outcome per flow (id from `outcome == "ID"`, `${x == 'ID'}` or `= x = "ID"`, else from the flow's name) |
//! | an `exclusiveGateway` with one outgoing flow | merged away (a join)        |
//! | timer `boundaryEvent` with `timeDuration` | the step's `limit` (`PT30M` → 30 minutes, `PT2H` → 2 hours, `P3D` → 3 calendar days unless the event's documentation says working days, `P1M` → 1 month) |
//! | interrupting timer with an outgoing flow | `kind: wait` with `on_timeout`    |
//! | `startEvent`                           | the route's `start`                 |
//! | `endEvent`                             | `kind: end` with a result (or a refusal, by its name) |
//!
//! What cannot be carried is a diagnostic with the element's position in
//! the BPMN text: errors (parallel and inclusive gateways, sub-processes,
//! intermediate events, loop markers, several unnamed pools, endless
//! loops, …) give no skeleton; warnings (message flows, placeholders for
//! missing names, days read as calendar days, …) do. Nothing here panics.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use qyzmet_calendar::Calendar;
use qyzmet_core::{Duration, Unit};

use super::PLACEHOLDER;
use crate::diag::{Diagnostic, Span};
use crate::syntax::{Channel, FORMAT_VERSION, Source, StepKind};

const BPMN_NS: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";

/// The largest BPMN file read.
pub const MAX_BPMN_BYTES: usize = 32 * 1024 * 1024;

/// How to import.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The regulation id of the skeleton (`region/year-act/service`); when
    /// `None`, the id the BPMN names (Qyzmet's export does), else a
    /// placeholder id.
    pub id: Option<String>,
    /// The BPMN file's name, for the skeleton's header comment.
    pub source_name: Option<String>,
}

/// The result of an import.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The skeleton's YAML text, when there is no error. `qyzmet check`
    /// accepts it (the importer checks it before returning it).
    pub yaml: Option<String>,
    /// Problems, with spans into the BPMN text.
    pub diagnostics: Vec<Diagnostic>,
}

/// Imports a BPMN 2.0 document.
pub fn import(text: &str, options: &Options, calendar: &Calendar) -> Imported {
    let mut diagnostics = Vec::new();
    let skeleton = read(text, options, &mut diagnostics);
    let yaml = skeleton.filter(|_| !diagnostics.iter().any(Diagnostic::is_error));
    let yaml = yaml.map(|skeleton| write_yaml(&skeleton, options));
    let yaml = match yaml {
        Some(yaml) => {
            let checked = crate::check(&yaml, calendar);
            let rejected: Vec<&Diagnostic> = checked
                .diagnostics
                .iter()
                .filter(|diagnostic| diagnostic.is_error())
                .collect();
            if rejected.is_empty() {
                Some(yaml)
            } else {
                for diagnostic in rejected {
                    diagnostics.push(
                        Diagnostic::error(
                            "skeleton-rejected",
                            Span::new(0, 0),
                            format!(
                                "the skeleton does not pass `qyzmet check`: [{}] {}",
                                diagnostic.code, diagnostic.message
                            ),
                        )
                        .with_hint(
                            "this is a bug of the importer; please report it with the BPMN file",
                        ),
                    );
                }
                None
            }
        }
        None => None,
    };
    diagnostics.sort_by_key(|diagnostic| (diagnostic.span.start, diagnostic.code));
    Imported { yaml, diagnostics }
}

// ---------------------------------------------------------------------------
// The skeleton: what the BPMN gives, before it is written as YAML.

#[derive(Debug, Default)]
struct Skeleton {
    id: Option<String>,
    name: Option<String>,
    seed: Option<(String, [u32; 2])>,
    act: Option<ActDoc>,
    act_source: Option<Source>,
    roles: Vec<RoleOut>,
    results: Vec<ResultOut>,
    routes: Vec<RouteOut>,
}

#[derive(Debug)]
struct ActDoc {
    issuer: String,
    number: String,
    date: String,
    region: String,
}

#[derive(Debug)]
struct RoleOut {
    id: String,
    title: Option<String>,
    person: bool,
    from: &'static str,
}

#[derive(Debug)]
struct ResultOut {
    id: String,
    title: Option<String>,
    refusal: bool,
}

#[derive(Debug)]
struct RouteOut {
    channel: Channel,
    variant: Option<String>,
    assumed: bool,
    title: Option<String>,
    term: Option<(Duration, bool, Option<Source>)>,
    start: String,
    steps: Vec<StepOut>,
}

#[derive(Debug)]
struct StepOut {
    id: String,
    kind: StepKind,
    role: Option<String>,
    label: Option<String>,
    action: Option<String>,
    hands_on: Option<String>,
    limit: Option<LimitOut>,
    next: Option<String>,
    outcomes: Vec<OutcomeOut>,
    on_timeout: Option<String>,
    result: Option<String>,
    source: Option<Source>,
    notes: Vec<String>,
}

#[derive(Debug)]
struct LimitOut {
    duration: Duration,
    source: Option<Source>,
    note: Option<String>,
}

#[derive(Debug)]
struct OutcomeOut {
    id: String,
    label: String,
    next: String,
    note: Option<String>,
}

// ---------------------------------------------------------------------------
// Reading the XML.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Start,
    End,
    Person,
    Service,
    Gateway,
    Boundary,
    /// Reported as not carried; flows to it lead nowhere.
    Unsupported,
}

#[derive(Debug)]
enum Timer {
    None,
    Duration(String, Span),
    Other(&'static str),
}

#[derive(Debug)]
struct Element {
    id: String,
    kind: Kind,
    name: Option<String>,
    docs: Vec<String>,
    span: Span,
    lane: Option<usize>,
    group: Option<String>,
    attached: Option<String>,
    cancel: bool,
    timer: Timer,
    incoming: Vec<usize>,
    outgoing: Vec<usize>,
}

#[derive(Debug)]
struct Flow {
    id: String,
    source: Option<usize>,
    target: Option<usize>,
    name: Option<String>,
    condition: Option<String>,
    docs: Vec<String>,
    span: Span,
}

#[derive(Debug)]
struct Lane {
    id: String,
    name: Option<String>,
    span: Span,
}

struct Process {
    id: String,
    name: Option<String>,
    docs: Vec<String>,
    span: Span,
    elements: Vec<Element>,
    flows: Vec<Flow>,
    lanes: Vec<Lane>,
}

struct Reader<'d> {
    text: &'d str,
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl Reader<'_> {
    /// The span of an element's start tag name (`<bpmn:task`).
    fn span(&self, node: roxmltree::Node) -> Span {
        let start = node.range().start;
        let rest = self.text.get(start..).unwrap_or("");
        let len = rest
            .char_indices()
            .skip(1)
            .find(|(_, c)| c.is_whitespace() || *c == '>' || *c == '/')
            .map_or(rest.len(), |(i, _)| i);
        Span::new(start, start + len)
    }

    fn error(&mut self, code: &'static str, span: Span, message: String, hint: &str) {
        self.diagnostics
            .push(Diagnostic::error(code, span, message).with_hint(hint.to_owned()));
    }

    fn warning(&mut self, code: &'static str, span: Span, message: String, hint: &str) {
        self.diagnostics
            .push(Diagnostic::warning(code, span, message).with_hint(hint.to_owned()));
    }
}

fn is_bpmn(node: &roxmltree::Node, name: &str) -> bool {
    node.is_element() && node.has_tag_name((BPMN_NS, name))
}

fn bpmn_children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    node.children()
        .filter(|child| child.is_element() && child.tag_name().namespace() == Some(BPMN_NS))
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn name_of(node: roxmltree::Node) -> Option<String> {
    node.attribute("name")
        .map(collapse)
        .filter(|name| !name.is_empty())
}

fn docs_of(node: roxmltree::Node) -> Vec<String> {
    node.children()
        .filter(|child| is_bpmn(child, "documentation"))
        .map(|doc| {
            doc.children()
                .filter_map(|text| text.text())
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .filter(|doc| !doc.is_empty())
        .collect()
}

/// Byte offset of a 1-based row and column (in characters).
fn offset_of(text: &str, row: u32, col: u32) -> usize {
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if index + 1 == row as usize {
            return offset
                + line
                    .char_indices()
                    .nth(col.saturating_sub(1) as usize)
                    .map_or(line.len(), |(i, _)| i);
        }
        offset += line.len();
    }
    text.len()
}

fn read(text: &str, options: &Options, diagnostics: &mut Vec<Diagnostic>) -> Option<Skeleton> {
    if text.len() > MAX_BPMN_BYTES {
        diagnostics.push(Diagnostic::error(
            "file-too-large",
            Span::new(0, 0),
            format!(
                "the BPMN file is larger than {} MiB",
                MAX_BPMN_BYTES / 1024 / 1024
            ),
        ));
        return None;
    }
    let document = match roxmltree::Document::parse(text) {
        Ok(document) => document,
        Err(error) => {
            let pos = error.pos();
            let offset = offset_of(text, pos.row, pos.col);
            diagnostics.push(
                Diagnostic::error(
                    "not-xml",
                    Span::new(offset, offset),
                    format!("the file is not well-formed XML: {error}"),
                )
                .with_hint("save the diagram again from the modeler (File → Save / Export BPMN)"),
            );
            return None;
        }
    };
    let mut reader = Reader { text, diagnostics };
    let root = document.root_element();
    if !is_bpmn(&root, "definitions") {
        let span = reader.span(root);
        reader.error(
            "not-bpmn",
            span,
            format!(
                "the root element is `{}`, not BPMN 2.0 `definitions`",
                root.tag_name().name()
            ),
            "give a BPMN 2.0 XML file (namespace http://www.omg.org/spec/BPMN/20100524/MODEL)",
        );
        return None;
    }
    let mut skeleton = Skeleton {
        name: name_of(root),
        ..Skeleton::default()
    };
    // The collaboration: pools, message flows, and the export's provenance.
    let mut pool_names: HashMap<String, String> = HashMap::new();
    let mut black_boxes = Vec::new();
    for collaboration in bpmn_children(root).filter(|n| is_bpmn(n, "collaboration")) {
        read_provenance(&mut skeleton, &docs_of(collaboration));
        for child in bpmn_children(collaboration) {
            match child.tag_name().name() {
                "participant" => match child.attribute("processRef") {
                    Some(process) => {
                        if let Some(name) = name_of(child) {
                            pool_names.insert(process.to_owned(), name);
                        }
                    }
                    None => black_boxes.push(child),
                },
                "messageFlow" => {
                    let span = reader.span(child);
                    reader.warning(
                        "message-flow",
                        span,
                        format!(
                            "message flow `{}` is not carried",
                            child.attribute("id").unwrap_or_default()
                        ),
                        "a regulation has no messages between pools; the exchange it stands for is a step of a role (e.g. a task of the applicant, or a `wait`)",
                    );
                }
                _ => {}
            }
        }
    }
    for pool in black_boxes {
        let span = reader.span(pool);
        reader.warning(
            "black-box-pool",
            span,
            format!(
                "pool `{}` has no process and is not carried",
                name_of(pool).unwrap_or_else(|| pool.attribute("id").unwrap_or_default().to_owned())
            ),
            "a collapsed pool (another party) is not a route; draw what it does as steps of a role in the process",
        );
    }
    if skeleton.id.is_none()
        && root.attribute("exporter") == Some("qyzmet")
        && let Some(name) = root.attribute("name")
    {
        skeleton.id = Some(name.to_owned());
    }
    let mut processes: Vec<Process> = Vec::new();
    for node in bpmn_children(root).filter(|n| is_bpmn(n, "process")) {
        let process = read_process(&mut reader, node, &pool_names);
        if process
            .elements
            .iter()
            .all(|element| element.kind == Kind::Boundary)
        {
            continue;
        }
        processes.push(process);
    }
    if processes.is_empty() {
        reader.error(
            "no-process",
            reader.span(root),
            "the file has no process with flow elements".into(),
            "draw the process (start event, tasks, end events) in a pool or on the canvas",
        );
        return None;
    }
    let several = processes.len() > 1;
    let mut keys = BTreeSet::new();
    for process in &processes {
        let declared = process
            .docs
            .iter()
            .find_map(|doc| doc.strip_prefix("route: "));
        let (channel, variant, assumed) = match declared {
            Some(key) => {
                let (channel, variant) = match key.split_once('/') {
                    Some((channel, variant)) => (channel, Some(variant.to_owned())),
                    None => (key, None),
                };
                match Channel::ALL.into_iter().find(|c| c.as_str() == channel) {
                    Some(channel) => (channel, variant, false),
                    None => {
                        reader.error(
                            "unknown-channel",
                            process.span,
                            format!("process `{}` says `route: {key}`, which names no channel", process.id),
                            "write `route: CHANNEL` or `route: CHANNEL/VARIANT` with CHANNEL one of provider_office, service_centre, portal, rural_akim",
                        );
                        continue;
                    }
                }
            }
            None if several => {
                reader.error(
                    "multiple-pools",
                    process.span,
                    format!(
                        "process `{}` is one of {} pools, and does not say which route it is",
                        process.id,
                        processes.len()
                    ),
                    "import one pool per file, or give each process a documentation line `route: CHANNEL` (provider_office, service_centre, portal, rural_akim; `CHANNEL/VARIANT` for variants), as `qyzmet render --format bpmn` writes it",
                );
                continue;
            }
            None => {
                reader.warning(
                    "route-channel-assumed",
                    process.span,
                    format!("process `{}` does not say its channel; it is imported as the route `provider_office`", process.id),
                    "change `channel:` in the skeleton, or give the process a documentation line `route: CHANNEL`",
                );
                (Channel::ProviderOffice, None, true)
            }
        };
        let key = match &variant {
            Some(variant) => format!("{}/{variant}", channel.as_str()),
            None => channel.as_str().to_owned(),
        };
        if !keys.insert(key.clone()) {
            reader.error(
                "duplicate-route",
                process.span,
                format!("a second process for route `{key}`"),
                "each route (channel and variant) is one process",
            );
            continue;
        }
        let seed_known = skeleton.seed.is_some();
        if let Some(route) = build_route(
            &mut reader,
            &mut skeleton,
            process,
            (channel, variant, assumed),
            seed_known,
        ) {
            skeleton.routes.push(route);
        }
    }
    if skeleton.id.as_deref().is_some_and(|id| !valid_id(id)) {
        skeleton.id = None;
    }
    if let Some(id) = &options.id {
        if !valid_id(id) {
            reader.error(
                "bad-id",
                Span::new(0, 0),
                format!("`{id}` is not a regulation id"),
                "ids are `region/year-act/service` in lower-case letters, digits and `-`",
            );
        }
        skeleton.id = Some(id.clone());
    }
    Some(skeleton)
}

/// The shape `qyzmet check` wants of a regulation id.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('/').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn read_provenance(skeleton: &mut Skeleton, docs: &[String]) {
    for doc in docs {
        if let Some(rest) = doc.strip_prefix("regulation: ") {
            let id = rest.split_once(" (").map_or(rest, |(id, _)| id);
            skeleton.id = Some(id.trim().to_owned());
        } else if let Some(rest) = doc.strip_prefix("seed: ") {
            // `seed: FILE, lines A–B`
            if let Some((file, lines)) = rest.rsplit_once(", lines ")
                && let Some((a, b)) = lines.split_once('–')
                && let (Ok(a), Ok(b)) = (a.trim().parse(), b.trim().parse())
            {
                skeleton.seed = Some((file.to_owned(), [a, b]));
            }
        } else if let Some(rest) = doc.strip_prefix("act: ") {
            // `act: ISSUER No NUMBER of DATE (REGION)`
            if let Some((rest, region)) = rest.rsplit_once(" (")
                && let Some((rest, date)) = rest.rsplit_once(" of ")
                && let Some((issuer, number)) = rest.rsplit_once(" No ")
                && date.len() == 10
                && date.parse::<jiff::civil::Date>().is_ok()
            {
                skeleton.act = Some(ActDoc {
                    issuer: issuer.trim().to_owned(),
                    number: number.trim().to_owned(),
                    date: date.to_owned(),
                    region: region.trim_end_matches(')').to_owned(),
                });
            }
        } else if doc.starts_with("source: ") && skeleton.act_source.is_none() {
            skeleton.act_source = parse_source(doc);
        }
    }
}

/// `source: FILE, line N[, paragraph P]`, as the export writes provenance.
fn parse_source(doc: &str) -> Option<Source> {
    let rest = doc.strip_prefix("source: ")?;
    let (_, after) = rest.rsplit_once(", line ")?;
    let (line, para) = match after.split_once(", paragraph ") {
        Some((line, para)) => (line, Some(para.trim().to_owned())),
        None => (after, None),
    };
    Some(Source {
        line: line.trim().parse().ok()?,
        para,
    })
}

const PERSON_TASKS: [&str; 3] = ["task", "userTask", "manualTask"];
const SERVICE_TASKS: [&str; 5] = [
    "serviceTask",
    "scriptTask",
    "businessRuleTask",
    "sendTask",
    "receiveTask",
];
const IGNORED: [&str; 14] = [
    "documentation",
    "extensionElements",
    "laneSet",
    "sequenceFlow",
    "ioSpecification",
    "property",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "textAnnotation",
    "association",
    "group",
    "category",
    "auditing",
];

fn read_process(
    reader: &mut Reader<'_>,
    node: roxmltree::Node,
    pool_names: &HashMap<String, String>,
) -> Process {
    let id = node.attribute("id").unwrap_or_default().to_owned();
    let mut process = Process {
        name: pool_names.get(&id).cloned().or_else(|| name_of(node)),
        id,
        docs: docs_of(node),
        span: reader.span(node),
        elements: Vec::new(),
        flows: Vec::new(),
        lanes: Vec::new(),
    };
    for child in bpmn_children(node) {
        let tag = child.tag_name().name();
        if IGNORED.contains(&tag) {
            continue;
        }
        let span = reader.span(child);
        let element_id = child.attribute("id").unwrap_or_default().to_owned();
        let label = name_of(child).map_or_else(
            || format!("`{element_id}`"),
            |name| format!("`{element_id}` (\"{name}\")"),
        );
        let kind = match tag {
            "startEvent" => {
                if let Some(definition) = child
                    .children()
                    .find(|d| d.is_element() && d.tag_name().name().ends_with("EventDefinition"))
                {
                    reader.warning(
                        "start-trigger",
                        span,
                        format!(
                            "the start event {label} has a `{}`; the trigger is not carried",
                            definition.tag_name().name()
                        ),
                        "a route starts when an application is submitted; the skeleton starts there",
                    );
                }
                Kind::Start
            }
            "endEvent" => {
                if let Some(definition) = child.children().find(|d| {
                    d.is_element()
                        && d.tag_name().name().ends_with("EventDefinition")
                        && d.tag_name().name() != "terminateEventDefinition"
                }) {
                    reader.warning(
                        "end-trigger",
                        span,
                        format!(
                            "the end event {label} has a `{}`; it is imported as a plain end",
                            definition.tag_name().name()
                        ),
                        "an end step gives a result or a refusal; check which in the skeleton",
                    );
                }
                Kind::End
            }
            "exclusiveGateway" => Kind::Gateway,
            "boundaryEvent" => Kind::Boundary,
            tag if PERSON_TASKS.contains(&tag) => Kind::Person,
            tag if SERVICE_TASKS.contains(&tag) => Kind::Service,
            "parallelGateway" => {
                reader.error(
                    "parallel-gateway",
                    span,
                    format!("parallel gateway {label} cannot be carried"),
                    "a route is one token: Qyzmet's engine runs one step at a time; draw the parallel work as steps one after the other (or as one step of the role that waits for both)",
                );
                Kind::Unsupported
            }
            "inclusiveGateway" | "complexGateway" => {
                reader.error(
                    "inclusive-gateway",
                    span,
                    format!("{tag} {label} cannot be carried"),
                    "a decision takes exactly one outcome; use an exclusive gateway whose outgoing flows are named by the outcomes",
                );
                Kind::Unsupported
            }
            "eventBasedGateway" => {
                reader.error(
                    "event-gateway",
                    span,
                    format!("event-based gateway {label} cannot be carried"),
                    "wait for an event with a task of the role that records it and a timer boundary event on the task (a `wait` with `on_timeout`)",
                );
                Kind::Unsupported
            }
            "subProcess" | "transaction" | "adHocSubProcess" | "callActivity" => {
                reader.error(
                    "sub-process",
                    span,
                    format!("{tag} {label} cannot be carried"),
                    "a route is flat: expand the sub-process into the process (its tasks become steps), or import the called process as a file of its own",
                );
                Kind::Unsupported
            }
            "intermediateCatchEvent" | "intermediateThrowEvent" => {
                reader.error(
                    "intermediate-event",
                    span,
                    format!("intermediate event {label} cannot be carried"),
                    "a pause for a time or an event is a task of the role that waits, with a timer boundary event (a `wait`); a milestone is a task",
                );
                Kind::Unsupported
            }
            other => {
                reader.error(
                    "unsupported-element",
                    span,
                    format!("`{other}` {label} cannot be carried"),
                    "a route has tasks, exclusive gateways, timer boundary events, one start event and end events",
                );
                Kind::Unsupported
            }
        };
        if matches!(kind, Kind::Person | Kind::Service)
            && let Some(marker) = child.children().find(|d| {
                is_bpmn(d, "standardLoopCharacteristics")
                    || is_bpmn(d, "multiInstanceLoopCharacteristics")
            })
        {
            reader.error(
                "loop-activity",
                span,
                format!(
                    "task {label} is marked `{}`; the engine cannot repeat a step by itself",
                    marker.tag_name().name()
                ),
                "remove the marker, and draw the repetition as an exclusive gateway whose outcome leads back to the task",
            );
        }
        let mut element = Element {
            id: element_id,
            kind,
            name: name_of(child),
            docs: docs_of(child),
            span,
            lane: None,
            group: candidate_group(child),
            attached: child.attribute("attachedToRef").map(str::to_owned),
            cancel: child.attribute("cancelActivity") != Some("false"),
            timer: Timer::None,
            incoming: Vec::new(),
            outgoing: Vec::new(),
        };
        if kind == Kind::Boundary {
            let definition = child
                .children()
                .find(|d| d.is_element() && d.tag_name().name().ends_with("EventDefinition"));
            match definition {
                Some(definition) if is_bpmn(&definition, "timerEventDefinition") => {
                    let duration = definition
                        .children()
                        .find(|d| is_bpmn(d, "timeDuration"))
                        .map(|d| {
                            (
                                d.text().unwrap_or_default().trim().to_owned(),
                                reader.span(d),
                            )
                        });
                    element.timer = match duration {
                        Some((text, span)) if !text.is_empty() => Timer::Duration(text, span),
                        _ if definition.children().any(|d| is_bpmn(&d, "timeDate")) => {
                            Timer::Other("timeDate")
                        }
                        _ if definition.children().any(|d| is_bpmn(&d, "timeCycle")) => {
                            Timer::Other("timeCycle")
                        }
                        _ => Timer::Other("no duration"),
                    };
                }
                other => {
                    let what = other
                        .map_or("boundary event without a definition".to_owned(), |d| {
                            format!("`{}` boundary event", d.tag_name().name())
                        });
                    reader.error(
                        "boundary-event",
                        span,
                        format!("{what} {label} cannot be carried"),
                        "only timer boundary events are carried (as the step's limit, or a wait's timeout)",
                    );
                    element.kind = Kind::Unsupported;
                }
            }
        }
        process.elements.push(element);
    }
    let index: HashMap<String, usize> = process
        .elements
        .iter()
        .enumerate()
        .map(|(i, element)| (element.id.clone(), i))
        .collect();
    for flow in bpmn_children(node).filter(|n| is_bpmn(n, "sequenceFlow")) {
        let span = reader.span(flow);
        let id = flow.attribute("id").unwrap_or_default().to_owned();
        let source = flow
            .attribute("sourceRef")
            .and_then(|s| index.get(s))
            .copied();
        let target = flow
            .attribute("targetRef")
            .and_then(|t| index.get(t))
            .copied();
        if source.is_none() || target.is_none() {
            reader.error(
                "dangling-flow",
                span,
                format!("sequence flow `{id}` does not join two elements of the process"),
                "every sequence flow needs a sourceRef and a targetRef in the same process",
            );
            continue;
        }
        let condition = flow
            .children()
            .find(|d| is_bpmn(d, "conditionExpression"))
            .and_then(|d| d.text())
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty());
        let number = process.flows.len();
        if let Some(source) = source {
            process.elements[source].outgoing.push(number);
        }
        if let Some(target) = target {
            process.elements[target].incoming.push(number);
        }
        process.flows.push(Flow {
            id,
            source,
            target,
            name: name_of(flow),
            condition,
            docs: docs_of(flow),
            span,
        });
    }
    // Lanes, innermost last so that a nested lane wins.
    for lane in node.descendants().filter(|n| is_bpmn(n, "lane")) {
        let number = process.lanes.len();
        process.lanes.push(Lane {
            id: lane.attribute("id").unwrap_or_default().to_owned(),
            name: name_of(lane),
            span: reader.span(lane),
        });
        for reference in lane.children().filter(|n| is_bpmn(n, "flowNodeRef")) {
            if let Some(&element) = reference.text().and_then(|id| index.get(id.trim())) {
                process.elements[element].lane = Some(number);
            }
        }
    }
    process
}

/// The candidate group of a task: `group(ID)` in a `potentialOwner` (the
/// standard way, Qyzmet's export), or a `candidateGroups` attribute in any
/// namespace (Camunda 7's `camunda:candidateGroups`, Zeebe's
/// `zeebe:assignmentDefinition`).
fn candidate_group(node: roxmltree::Node) -> Option<String> {
    for descendant in node.descendants() {
        if is_bpmn(&descendant, "formalExpression")
            && descendant
                .ancestors()
                .any(|a| is_bpmn(&a, "potentialOwner") || is_bpmn(&a, "performer"))
            && let Some(text) = descendant.text()
            && let Some(group) = text
                .trim()
                .strip_prefix("group(")
                .and_then(|rest| rest.strip_suffix(')'))
        {
            return Some(group.trim().to_owned()).filter(|group| !group.is_empty());
        }
        if let Some(attribute) = descendant
            .attributes()
            .find(|attribute| attribute.name() == "candidateGroups")
            && let Some(group) = attribute.value().split(',').next()
        {
            let group = group.trim();
            if !group.is_empty() && !group.starts_with('$') && !group.starts_with('=') {
                return Some(group.to_owned());
            }
        }
    }
    None
}

/// The inverse of the export's `xml_id_part`: `.HH` is the byte HH.
fn decode_part(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'.'
            && let Some(hex) = text.get(i + 1..i + 3)
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
            && let Ok(byte) = u8::from_str_radix(hex, 16)
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

/// Lower-case ASCII letters and digits joined by `-`; empty when the text
/// has none.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out.chars()
        .take(60)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

// ---------------------------------------------------------------------------
// Building a route.

fn build_route(
    reader: &mut Reader<'_>,
    skeleton: &mut Skeleton,
    process: &Process,
    (channel, variant, assumed): (Channel, Option<String>, bool),
    seed_known: bool,
) -> Option<RouteOut> {
    let elements = &process.elements;
    let flows = &process.flows;
    let token = process.id.strip_prefix("Process_").map(str::to_owned);
    // Ids: the export's `Step_TOKEN..STEP` decoded, else the BPMN id.
    let strip = |prefix: &str, id: &str| -> Option<String> {
        let token = token.as_deref()?;
        id.strip_prefix(&format!("{prefix}_{token}.."))
            .filter(|rest| !rest.is_empty())
            .map(str::to_owned)
    };
    let source_of = |docs: &[String]| -> Option<Source> {
        if seed_known {
            docs.iter().rev().find_map(|doc| parse_source(doc))
        } else {
            None
        }
    };

    // Roles of the lanes.
    let lane_roles: Vec<Option<(String, &'static str)>> = process
        .lanes
        .iter()
        .enumerate()
        .map(|(number, lane)| {
            if let Some(part) = strip("Lane", &lane.id) {
                return Some((decode_part(&part), "the export's lane id"));
            }
            if let Some(group) = elements
                .iter()
                .filter(|e| e.lane == Some(number))
                .find_map(|e| e.group.clone())
            {
                return Some((group, "the tasks' candidate group"));
            }
            let from_name = lane.name.as_deref().map(slug).unwrap_or_default();
            if !from_name.is_empty() {
                return Some((from_name, "the lane's name"));
            }
            if lane.id.is_empty() {
                None
            } else {
                Some((lane.id.clone(), "the lane's id"))
            }
        })
        .collect();
    for (number, lane) in process.lanes.iter().enumerate() {
        if lane.name.is_none() && elements.iter().any(|e| e.lane == Some(number)) {
            reader.warning(
                "unnamed-lane",
                lane.span,
                format!(
                    "lane `{}` has no name; its role's title is a placeholder",
                    lane.id
                ),
                "name the lane by the role (the unit or officer) that works in it",
            );
        }
    }
    let mut missing_lane: Vec<usize> = Vec::new();
    // The role of a step's element, recorded in the skeleton's roles.
    let role_of = |roles: &mut Vec<RoleOut>, element: usize, missing: &mut Vec<usize>| -> String {
        let Some(lane) = elements[element].lane else {
            missing.push(element);
            return "todo-role".to_owned();
        };
        let Some((role, from)) = lane_roles[lane].clone() else {
            missing.push(element);
            return "todo-role".to_owned();
        };
        let name = process.lanes[lane].name.clone();
        let person = elements[element].kind != Kind::Service;
        match roles.iter_mut().find(|r| r.id == role) {
            Some(existing) => {
                existing.person |= person;
                if existing.title.is_none() {
                    existing.title = name;
                }
            }
            None => roles.push(RoleOut {
                id: role.clone(),
                title: name,
                person,
                from,
            }),
        }
        role
    };

    // State-system calls of the export: `Call_K` right after `Step_K`.
    let mut exit_of: Vec<usize> = (0..elements.len()).collect();
    let mut absorbed = vec![false; elements.len()];
    for (c, call) in elements.iter().enumerate() {
        let Some(key) = strip("Call", &call.id) else {
            continue;
        };
        let host = elements
            .iter()
            .position(|e| strip("Step", &e.id).as_deref() == Some(key.as_str()));
        if let Some(host) = host
            && call.kind == Kind::Service
            && elements[host].kind == Kind::Person
            && elements[host].outgoing.len() == 1
            && call.incoming.len() == 1
            && flows[elements[host].outgoing[0]].target == Some(c)
        {
            exit_of[host] = c;
            absorbed[c] = true;
            reader.warning(
                "calls-not-carried",
                call.span,
                format!(
                    "the state-system call `{}` after step `{}` is not carried",
                    call.name.clone().unwrap_or_default(),
                    decode_part(&key)
                ),
                "add `calls:` and `manual_check:` to the step in the skeleton (the call's documentation lists them)",
            );
        }
    }
    let out_flows = |element: usize| -> Vec<usize> {
        elements[exit_of[element]]
            .outgoing
            .iter()
            .copied()
            .filter(|&f| flows[f].source == Some(exit_of[element]))
            .collect()
    };
    let timers = |element: usize| -> Vec<usize> {
        elements
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.kind == Kind::Boundary && e.attached.as_deref() == Some(&elements[element].id)
            })
            .map(|(i, _)| i)
            .collect()
    };
    for boundary in elements {
        if boundary.kind == Kind::Boundary
            && !boundary.attached.as_deref().is_some_and(|host| {
                elements
                    .iter()
                    .any(|e| e.id == host && matches!(e.kind, Kind::Person | Kind::Service))
            })
        {
            reader.error(
                "misplaced-timer",
                boundary.span,
                format!("boundary event `{}` is not attached to a task", boundary.id),
                "attach the timer to the task whose time it limits",
            );
        }
    }
    let waits_by_timer = |element: usize| -> bool {
        timers(element)
            .into_iter()
            .any(|t| elements[t].cancel && !elements[t].outgoing.is_empty())
    };

    // Gateways: joins (one way out) vanish; decisions merge with the task
    // before them when it is their only way in.
    // A gateway decides when it has two ways out, or one that is a
    // condition on an outcome, or the export drew it as a step's gateway.
    let decides: Vec<bool> = elements
        .iter()
        .map(|e| {
            e.kind == Kind::Gateway
                && (e.outgoing.len() >= 2
                    || (e.outgoing.len() == 1
                        && (strip("Step", &e.id).is_some()
                            || strip("Gateway", &e.id).is_some()
                            || flows[e.outgoing[0]]
                                .condition
                                .as_deref()
                                .and_then(outcome_literal)
                                .is_some())))
        })
        .collect();
    let mut decision_host: Vec<Option<usize>> = vec![None; elements.len()];
    let mut merged_into: Vec<Option<usize>> = vec![None; elements.len()];
    for (g, gateway) in elements.iter().enumerate() {
        if !decides[g] {
            continue;
        }
        if gateway.incoming.len() == 1
            && let Some(source) = flows[gateway.incoming[0]].source
            && matches!(elements[source].kind, Kind::Person | Kind::Service)
            && exit_of[source] == source
            && out_flows(source).len() == 1
            && !waits_by_timer(source)
            && !(elements[source].docs.iter().any(|d| d.starts_with("wait:")))
            && merged_into[source].is_none()
        {
            decision_host[g] = Some(source);
            merged_into[source] = Some(g);
        }
    }

    // Step ids.
    let mut ids: Vec<Option<String>> = vec![None; elements.len()];
    let mut taken = BTreeSet::new();
    for (i, element) in elements.iter().enumerate() {
        let is_step = match element.kind {
            Kind::Person | Kind::Service => !absorbed[i],
            Kind::Gateway => decides[i] && decision_host[i].is_none(),
            Kind::End => true,
            _ => false,
        };
        if !is_step {
            continue;
        }
        let base = strip("Step", &element.id)
            .map(|part| decode_part(&part))
            .unwrap_or_else(|| element.id.clone());
        let base = if base.is_empty() {
            format!("step-{i}")
        } else {
            base
        };
        let mut id = base.clone();
        let mut n = 2;
        while !taken.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        ids[i] = Some(id);
    }

    // Where a flow into `target` arrives, through joins.
    let resolve = |reader: &mut Reader<'_>, target: usize| -> Option<String> {
        let mut at = target;
        let mut seen = BTreeSet::new();
        loop {
            if let Some(host) = decision_host[at] {
                return ids[host].clone();
            }
            if let Some(id) = &ids[at] {
                return Some(id.clone());
            }
            let element = &elements[at];
            match element.kind {
                Kind::Gateway if element.outgoing.len() == 1 && !decides[at] => {
                    if !seen.insert(at) {
                        reader.error(
                            "endless-loop",
                            element.span,
                            format!(
                                "gateway `{}` is on a loop of joins with no way out",
                                element.id
                            ),
                            "a loop must pass through a task and a decision that can leave it",
                        );
                        return None;
                    }
                    at = flows[element.outgoing[0]].target?;
                }
                Kind::Gateway => {
                    reader.error(
                        "dead-end",
                        element.span,
                        format!("gateway `{}` has no outgoing flow", element.id),
                        "connect it to the next step, or end the path with an end event",
                    );
                    return None;
                }
                Kind::Start | Kind::Boundary => {
                    reader.error(
                        "flow-into-event",
                        element.span,
                        format!(
                            "a sequence flow leads into `{}`, which cannot be entered",
                            element.id
                        ),
                        "connect the flow to a task, a gateway or an end event",
                    );
                    return None;
                }
                // Reported where the element is; a flow to it leads nowhere.
                _ => return None,
            }
        }
    };

    let mut steps: Vec<StepOut> = Vec::new();
    let mut step_element: Vec<usize> = Vec::new();
    for (i, element) in elements.iter().enumerate() {
        let Some(id) = ids[i].clone() else { continue };
        let mut step = StepOut {
            id,
            kind: StepKind::Task,
            role: None,
            label: None,
            action: None,
            hands_on: None,
            limit: None,
            next: None,
            outcomes: Vec::new(),
            on_timeout: None,
            result: None,
            source: source_of(&element.docs),
            notes: Vec::new(),
        };
        match element.kind {
            Kind::End => {
                step.kind = StepKind::End;
                let result = element
                    .docs
                    .iter()
                    .find_map(|doc| doc.strip_prefix("result: "))
                    .map(|id| id.trim().to_owned())
                    .filter(|id| !id.is_empty())
                    .or_else(|| element.name.as_deref().map(slug).filter(|s| !s.is_empty()))
                    .unwrap_or_else(|| element.id.clone());
                if element.name.is_none() {
                    reader.warning(
                        "unnamed-end",
                        element.span,
                        format!(
                            "end event `{}` has no name; its result's title is a placeholder",
                            element.id
                        ),
                        "name the end event by the result or refusal it gives",
                    );
                }
                if !skeleton.results.iter().any(|r| r.id == result) {
                    let text = format!("{} {}", result, element.name.clone().unwrap_or_default())
                        .to_lowercase();
                    let refusal = ["refus", "reject", "denied", "бас тарт", "отказ"]
                        .iter()
                        .any(|word| text.contains(word));
                    skeleton.results.push(ResultOut {
                        id: result.clone(),
                        title: element.name.clone(),
                        refusal,
                    });
                }
                step.result = Some(result);
            }
            Kind::Gateway => {
                step.kind = StepKind::Decision;
                step.role = Some(role_of(&mut skeleton.roles, i, &mut missing_lane));
                // The export names a gateway that is a whole step by the
                // step's label; any other gateway's name says what is decided.
                if strip("Step", &element.id).is_some() {
                    step.label = element.name.clone();
                } else {
                    step.action = element.name.clone();
                }
                if step.action.is_none() {
                    step.notes.push(format!(
                        "{PLACEHOLDER}: say what is decided at this gateway"
                    ));
                }
                step.outcomes = outcomes(reader, process, i, &resolve);
            }
            Kind::Person | Kind::Service => {
                step.role = Some(role_of(&mut skeleton.roles, i, &mut missing_lane));
                let (label, action, hands_on) = action_of(element);
                step.label = label;
                step.action = action;
                step.hands_on = hands_on;
                if step.action.is_none() {
                    reader.warning(
                        "unnamed-task",
                        element.span,
                        format!(
                            "task `{}` has no name; its action is a placeholder",
                            element.id
                        ),
                        "name the task by what is done",
                    );
                }
                // Its timer.
                let mut timeout = None;
                for t in timers(i) {
                    let timer = &elements[t];
                    let outs = &timer.outgoing;
                    if step.limit.is_some() || timeout.is_some() {
                        reader.error(
                            "multiple-timers",
                            timer.span,
                            format!("task `{}` has a second timer", element.id),
                            "a step has one limit; keep one timer boundary event",
                        );
                        continue;
                    }
                    match &timer.timer {
                        Timer::Duration(text, span) => {
                            step.limit = limit_of(reader, text, *span, timer, &source_of(&timer.docs));
                        }
                        Timer::Other(what) => reader.error(
                            "timer-not-duration",
                            timer.span,
                            format!("timer `{}` has a {what}, not a timeDuration", timer.id),
                            "a limit is a duration: write timeDuration as ISO 8601 (PT30M, PT2H, P3D, P1M)",
                        ),
                        Timer::None => {}
                    }
                    if outs.len() > 1 {
                        reader.error(
                            "implicit-split",
                            timer.span,
                            format!("timer `{}` has {} outgoing flows", timer.id, outs.len()),
                            "a timeout leads to one step",
                        );
                    } else if let Some(&flow) = outs.first() {
                        if timer.cancel {
                            timeout = flows[flow].target.and_then(|t| resolve(reader, t));
                        } else {
                            reader.error(
                                "timer-branch",
                                timer.span,
                                format!("non-interrupting timer `{}` starts a path of its own", timer.id),
                                "the engine runs one step at a time: make the timer interrupting (the task is left for the timeout branch) or remove its flow (the limit escalates to the head)",
                            );
                        }
                    } else if timer.cancel && !timer.docs.iter().any(|d| d.starts_with("on expiry"))
                    {
                        reader.warning(
                            "timer-without-flow",
                            timer.span,
                            format!("interrupting timer `{}` has no outgoing flow; it is read as the step's limit", timer.id),
                            "Qyzmet keeps an overdue task open and escalates it to the head; draw a flow from the timer to make the step a wait with a timeout branch",
                        );
                    }
                }
                let is_wait_doc = element.docs.iter().any(|d| d.starts_with("wait:"));
                step.kind = if let Some(gateway) = merged_into[i] {
                    step.outcomes = outcomes(reader, process, gateway, &resolve);
                    StepKind::Decision
                } else if timeout.is_some() || (is_wait_doc && step.limit.is_some()) {
                    StepKind::Wait
                } else if element.kind == Kind::Person {
                    StepKind::Task
                } else {
                    StepKind::Auto
                };
                step.on_timeout = timeout;
                if step.kind != StepKind::Decision {
                    let outs = out_flows(i);
                    match outs.as_slice() {
                        [] => reader.error(
                            "dead-end",
                            element.span,
                            format!("task `{}` has no outgoing flow", element.id),
                            "connect it to the next step, or end the path with an end event",
                        ),
                        [flow] => {
                            if flows[*flow].condition.is_some() {
                                reader.warning(
                                    "condition-not-carried",
                                    flows[*flow].span,
                                    format!("the condition on flow `{}` is ignored: it is the task's only way on", flows[*flow].id),
                                    "conditions belong on the outgoing flows of an exclusive gateway",
                                );
                            }
                            step.next = flows[*flow].target.and_then(|t| resolve(reader, t));
                        }
                        _ => reader.error(
                            "implicit-split",
                            elements[exit_of[i]].span,
                            format!("task `{}` has {} outgoing flows", element.id, outs.len()),
                            "BPMN runs every unconditioned outgoing flow at once; put an exclusive gateway after the task and name its outgoing flows by the outcomes",
                        ),
                    }
                }
            }
            _ => continue,
        }
        steps.push(step);
        step_element.push(i);
    }
    if !missing_lane.is_empty() {
        let first = missing_lane[0];
        let (code, message) = if process.lanes.is_empty() {
            (
                "no-lanes",
                format!(
                    "process `{}` has no lanes; every step is given the placeholder role `todo-role`",
                    process.id
                ),
            )
        } else {
            (
                "outside-lanes",
                format!(
                    "{} element(s) of process `{}` are in no lane, such as `{}`; they get the placeholder role `todo-role`",
                    missing_lane.len(),
                    process.id,
                    elements[first].id
                ),
            )
        };
        let span = if process.lanes.is_empty() {
            process.span
        } else {
            elements[first].span
        };
        reader.warning(
            code,
            span,
            message,
            "add a lane per role (the unit or officer who acts) and put each task in its lane",
        );
    }
    if !missing_lane.is_empty() && !skeleton.roles.iter().any(|r| r.id == "todo-role") {
        skeleton.roles.push(RoleOut {
            id: "todo-role".into(),
            title: None,
            person: true,
            from: "no lane",
        });
    }

    // The start.
    let starts: Vec<usize> = (0..elements.len())
        .filter(|&i| elements[i].kind == Kind::Start)
        .collect();
    let start = match starts.as_slice() {
        [] => {
            reader.error(
                "missing-start",
                process.span,
                format!("process `{}` has no start event", process.id),
                "add a start event before the first step",
            );
            None
        }
        [start, rest @ ..] => {
            for &other in rest {
                reader.error(
                    "multiple-starts",
                    elements[other].span,
                    format!("process `{}` has a second start event `{}`", process.id, elements[other].id),
                    "a route starts in one place; join the ways in with an exclusive gateway after one start event",
                );
            }
            match elements[*start].outgoing.as_slice() {
                [flow] => flows[*flow].target.and_then(|t| resolve(reader, t)),
                [] => {
                    reader.error(
                        "dead-end",
                        elements[*start].span,
                        format!("start event `{}` has no outgoing flow", elements[*start].id),
                        "connect it to the first step",
                    );
                    None
                }
                _ => {
                    reader.error(
                        "implicit-split",
                        elements[*start].span,
                        format!("start event `{}` has several outgoing flows", elements[*start].id),
                        "a route starts with one step; add an exclusive gateway if the first step depends on something",
                    );
                    None
                }
            }
        }
    };
    let start = start?;

    // Reachability from the start and whether every step reaches an end.
    // The graph is walked on the BPMN's flows, through joins and through the
    // elements that cannot be carried (which may lead anywhere and may end),
    // so that one unsupported element is one error, not a cascade.
    let mut step_at: Vec<Option<usize>> = vec![None; elements.len()];
    for (s, &element) in step_element.iter().enumerate() {
        step_at[element] = Some(s);
        if let Some(gateway) = merged_into[element] {
            step_at[gateway] = Some(s);
        }
    }
    let walk = |from: &[usize]| -> (Vec<usize>, bool) {
        let mut found = Vec::new();
        let mut unknown = false;
        let mut seen = BTreeSet::new();
        let mut stack: Vec<usize> = from.iter().filter_map(|&f| flows[f].target).collect();
        while let Some(at) = stack.pop() {
            if !seen.insert(at) {
                continue;
            }
            if let Some(step) = step_at[at] {
                found.push(step);
                continue;
            }
            match elements[at].kind {
                Kind::Unsupported => {
                    unknown = true;
                    stack.extend(
                        elements[at]
                            .outgoing
                            .iter()
                            .filter_map(|&f| flows[f].target),
                    );
                }
                Kind::Gateway => {
                    stack.extend(
                        elements[at]
                            .outgoing
                            .iter()
                            .filter_map(|&f| flows[f].target),
                    );
                }
                _ => {}
            }
        }
        (found, unknown)
    };
    let mut open_ended = vec![false; steps.len()];
    let successors: Vec<Vec<usize>> = step_element
        .iter()
        .enumerate()
        .map(|(s, &i)| {
            let mut out: Vec<usize> = Vec::new();
            match elements[i].kind {
                Kind::End => {}
                Kind::Gateway => out.extend(&elements[i].outgoing),
                _ => {
                    out.extend(&elements[exit_of[i]].outgoing);
                    for t in timers(i) {
                        out.extend(&elements[t].outgoing);
                    }
                    if let Some(g) = merged_into[i] {
                        out.extend(&elements[g].outgoing);
                    }
                }
            }
            let (found, unknown) = walk(&out);
            open_ended[s] = unknown;
            found
        })
        .collect();
    let mut reached = vec![false; steps.len()];
    let start_flows: Vec<usize> = starts
        .first()
        .map(|&start| elements[start].outgoing.clone())
        .unwrap_or_default();
    let mut stack: Vec<usize> = walk(&start_flows).0;
    while let Some(s) = stack.pop() {
        if !std::mem::replace(&mut reached[s], true) {
            stack.extend(successors[s].iter().copied());
        }
    }
    let mut finishes: Vec<bool> = steps
        .iter()
        .zip(&open_ended)
        .map(|(s, open)| s.kind == StepKind::End || *open)
        .collect();
    for _ in 0..steps.len() {
        let mut changed = false;
        for s in 0..steps.len() {
            if !finishes[s] && successors[s].iter().any(|&t| finishes[t]) {
                finishes[s] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for s in 0..steps.len() {
        let element = &elements[step_element[s]];
        if !reached[s] {
            reader.error(
                "unreachable-element",
                element.span,
                format!("`{}` cannot be reached from the start event", element.id),
                "connect it from an earlier step (an element with no incoming flow is an implicit start, which a route cannot have), or remove it",
            );
        } else if !finishes[s] {
            reader.error(
                "endless-loop",
                element.span,
                format!("from `{}` no end event can be reached", element.id),
                "a loop the engine cannot leave: give it a decision with an outcome that leads on to an end event",
            );
        }
    }

    let term = process.docs.iter().find_map(|doc| {
        let rest = doc.strip_prefix("term: ")?;
        let end = rest.find([' ', ';']).and_then(|first| {
            rest[first + 1..]
                .find([' ', ';', '('])
                .map(|second| first + 1 + second)
        });
        let duration: Duration = rest[..end.unwrap_or(rest.len())].trim().parse().ok()?;
        let acceptance = rest.contains("(the day of acceptance not counted)");
        let source = rest
            .rsplit_once("; source: ")
            .and_then(|(_, s)| parse_source(&format!("source: {s}")))
            .filter(|_| seed_known);
        Some((duration, acceptance, source))
    });
    let title = if process.docs.iter().any(|doc| doc.starts_with("route: ")) {
        None
    } else {
        process.name.clone()
    };
    Some(RouteOut {
        channel,
        variant,
        assumed,
        title,
        term,
        start,
        steps,
    })
}

/// Label, action and hands-on of a task. The export names a task
/// `LABEL. ACTION` cut to 90 characters and keeps the whole action as the
/// first documentation line (and `→ HANDS_ON`); a name that is the start of
/// the first documentation line takes that line.
fn action_of(element: &Element) -> (Option<String>, Option<String>, Option<String>) {
    let hands_on = element
        .docs
        .iter()
        .find_map(|doc| doc.strip_prefix("→ "))
        .map(|text| text.trim().to_owned());
    let Some(name) = element.name.clone() else {
        return (None, None, hands_on);
    };
    let first = element.docs.first().map(|doc| collapse(doc));
    let prefix_of = |text: &str| -> bool {
        let head = text.strip_suffix('…').unwrap_or(text).trim_end();
        first
            .as_deref()
            .is_some_and(|doc| doc.starts_with(head) && !head.is_empty())
    };
    let full = |text: &str| -> String {
        if text.ends_with('…') || first.as_deref() == Some(text) {
            element.docs[0].trim().to_owned()
        } else {
            text.to_owned()
        }
    };
    if prefix_of(&name) {
        return (None, Some(full(&name)), hands_on);
    }
    if let Some((label, rest)) = name.split_once(". ")
        && !label.is_empty()
        && label.chars().count() <= 24
        && prefix_of(rest)
    {
        return (Some(label.to_owned()), Some(full(rest)), hands_on);
    }
    (None, Some(name), hands_on)
}

/// `outcome == "ID"` (Python, the export), `${x == 'ID'}` (Camunda 7 JUEL),
/// `= x = "ID"` (Zeebe FEEL): the compared string.
fn outcome_literal(condition: &str) -> Option<String> {
    let mut text = condition.trim();
    if let Some(inner) = text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
        text = inner.trim();
    } else if let Some(inner) = text.strip_prefix("#{").and_then(|t| t.strip_suffix('}')) {
        text = inner.trim();
    } else if let Some(inner) = text.strip_prefix('=') {
        text = inner.trim();
    }
    let (variable, literal) = text.split_once("==").or_else(|| text.split_once('='))?;
    let variable = variable.trim();
    if variable.is_empty()
        || !variable
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    let literal = literal.trim();
    let quote = literal.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = literal.strip_prefix(quote)?.strip_suffix(quote)?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(chars.next()?);
        } else if c == quote {
            return None;
        } else {
            out.push(c);
        }
    }
    Some(out).filter(|out| !out.is_empty())
}

fn outcomes(
    reader: &mut Reader<'_>,
    process: &Process,
    gateway: usize,
    resolve: &dyn Fn(&mut Reader<'_>, usize) -> Option<String>,
) -> Vec<OutcomeOut> {
    let mut out: Vec<OutcomeOut> = Vec::new();
    for &f in &process.elements[gateway].outgoing {
        let flow = &process.flows[f];
        let literal = flow.condition.as_deref().and_then(outcome_literal);
        let documented = flow
            .docs
            .iter()
            .find_map(|doc| doc.strip_prefix("outcome: "))
            .map(|id| id.trim().to_owned());
        let mut note = None;
        if let Some(condition) = &flow.condition
            && literal.is_none()
        {
            reader.warning(
                "condition-not-carried",
                flow.span,
                format!("the condition `{condition}` on flow `{}` is not carried", flow.id),
                "Qyzmet's decisions are taken by the person (or system) of the step; add `when:` (CEL) to the outcome if it is automatic",
            );
            note = Some(format!("the BPMN's condition: {condition}"));
        }
        if flow.name.is_none() && literal.is_none() {
            reader.warning(
                "unnamed-outcome",
                flow.span,
                format!("flow `{}` out of gateway `{}` has no name and no condition; its outcome is named by the flow's id", flow.id, process.elements[gateway].id),
                "name each outgoing flow of a gateway by its outcome (\"approved\", \"refused\")",
            );
        }
        let base = literal
            .clone()
            .or(documented)
            .or_else(|| flow.name.as_deref().map(slug).filter(|s| !s.is_empty()))
            .unwrap_or_else(|| flow.id.clone());
        let mut id = base.clone();
        let mut n = 2;
        while out.iter().any(|o| o.id == id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        let label = flow.name.clone().or(literal).unwrap_or_else(|| id.clone());
        let Some(next) = flow.target.and_then(|t| resolve(reader, t)) else {
            continue;
        };
        out.push(OutcomeOut {
            id,
            label,
            next,
            note,
        });
    }
    out
}

/// An ISO 8601 duration as a limit; days are calendar days unless the
/// timer's documentation says working days (the export writes
/// `3 working_days`).
fn limit_of(
    reader: &mut Reader<'_>,
    text: &str,
    span: Span,
    timer: &Element,
    source: &Option<Source>,
) -> Option<LimitOut> {
    let Some(parsed) = parse_iso(text) else {
        reader.error(
            "duration-shape",
            span,
            format!("timer `{}` has the duration `{text}`, which is not a whole number of minutes, hours, days or months", timer.id),
            "write one unit: PT30M, PT2H, P3D, P2W, P1M (a day is a legal day, an hour a working hour; they do not mix)",
        );
        return None;
    };
    let documented = timer
        .docs
        .iter()
        .find_map(|doc| doc.trim().parse::<Duration>().ok());
    let said_working = timer.docs.iter().any(|doc| {
        let doc = doc.to_lowercase();
        [
            "working day",
            "working_day",
            "жұмыс күн",
            "рабочи",
            "рабочих дн",
        ]
        .iter()
        .any(|word| doc.contains(word))
    });
    let mut note = None;
    let duration = match documented {
        Some(documented)
            if crate::render::bpmn::iso_duration(documented)
                == crate::render::bpmn::iso_duration(parsed) =>
        {
            documented
        }
        Some(documented) => {
            reader.warning(
                "limit-documentation-mismatch",
                span,
                format!("timer `{}` runs {text}, but its documentation says {documented}; the timer's duration is taken", timer.id),
                "the timer was changed after the documentation was written; correct the skeleton's limit if the documentation is right",
            );
            parsed
        }
        None if parsed.unit == Unit::CalendarDays && said_working => {
            Duration::new(parsed.amount, Unit::WorkingDays)
        }
        None if parsed.unit == Unit::CalendarDays => {
            reader.warning(
                "days-read-as-calendar-days",
                span,
                format!("timer `{}` runs {text}: read as {} calendar days", timer.id, parsed.amount),
                "BPMN cannot tell working days from calendar days; if the regulation says working days, write `working_days` in the skeleton (or \"N working days\" in the timer's documentation)",
            );
            note = Some(
                "TODO(import): P…D was read as calendar days; check the unit in the act".to_owned(),
            );
            parsed
        }
        None => parsed,
    };
    Some(LimitOut {
        duration,
        source: source.clone(),
        note,
    })
}

/// `PnYnMnWnDTnHnMnS` with whole numbers in one family: years and months
/// (→ months), weeks and days (→ calendar days), hours, minutes and whole
/// minutes of seconds (→ hours when only hours, else minutes).
fn parse_iso(text: &str) -> Option<Duration> {
    let rest = text.trim().strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (rest, None),
    };
    let fields = |part: &str, units: &[char]| -> Option<BTreeMap<char, u64>> {
        let mut out = BTreeMap::new();
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() {
                number.push(c);
            } else if units.contains(&c) && !number.is_empty() && !out.contains_key(&c) {
                out.insert(c, number.parse().ok()?);
                number.clear();
            } else {
                return None;
            }
        }
        number.is_empty().then_some(out)
    };
    let date = fields(date, &['Y', 'M', 'W', 'D'])?;
    let time = match time {
        Some("") => return None,
        Some(time) => fields(time, &['H', 'M', 'S'])?,
        None => BTreeMap::new(),
    };
    let get = |map: &BTreeMap<char, u64>, c: char| map.get(&c).copied().unwrap_or(0);
    let months = date.contains_key(&'Y') || date.contains_key(&'M');
    let days = date.contains_key(&'W') || date.contains_key(&'D');
    let clock = !time.is_empty();
    let amount = |value: u64| u32::try_from(value).ok();
    match (months, days, clock) {
        (true, false, false) => Some(Duration::new(
            amount(
                get(&date, 'Y')
                    .checked_mul(12)?
                    .checked_add(get(&date, 'M'))?,
            )?,
            Unit::Months,
        )),
        (false, true, false) => Some(Duration::new(
            amount(
                get(&date, 'W')
                    .checked_mul(7)?
                    .checked_add(get(&date, 'D'))?,
            )?,
            Unit::CalendarDays,
        )),
        (false, false, true) => {
            let seconds = get(&time, 'S');
            if seconds % 60 != 0 {
                return None;
            }
            if time.len() == 1 && time.contains_key(&'H') {
                return Some(Duration::new(amount(get(&time, 'H'))?, Unit::Hours));
            }
            let minutes = get(&time, 'H')
                .checked_mul(60)?
                .checked_add(get(&time, 'M'))?
                .checked_add(seconds / 60)?;
            Some(Duration::new(amount(minutes)?, Unit::Minutes))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Writing the skeleton.

/// A YAML scalar: plain when it is an unambiguous identifier, else a
/// double-quoted string (JSON's escapes are YAML's).
fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        text.to_owned()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
    }
}

fn kk(text: &str) -> String {
    format!(
        "{{kk: {}}}",
        serde_json::to_string(text).unwrap_or_default()
    )
}

fn source_yaml(source: Option<&Source>, fallback: u32) -> String {
    match source {
        Some(Source {
            line,
            para: Some(para),
        }) => format!("{{line: {line}, para: {}}}", scalar(para)),
        Some(Source { line, para: None }) => format!("{{line: {line}}}"),
        None => format!("{{line: {fallback}}}"),
    }
}

fn kind_name(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Task => "task",
        StepKind::Decision => "decision",
        StepKind::Auto => "auto",
        StepKind::Wait => "wait",
        StepKind::End => "end",
    }
}

fn write_yaml(skeleton: &Skeleton, options: &Options) -> String {
    let p = PLACEHOLDER;
    let mut y = String::new();
    let from = options
        .source_name
        .as_deref()
        .map(|name| format!(" from {name}"))
        .unwrap_or_default();
    let _ = writeln!(
        y,
        "# A regulation skeleton imported{from} by `qyzmet import bpmn`."
    );
    y.push_str(
        "#\n\
         # The BPMN gave the routes, the roles (lanes), the steps, the decisions and\n\
         # their outcomes, the limits (timers) and the ends. Every value marked\n\
         # TODO(import) was not in it: fill it in from the act and the seed, then\n\
         # delete the mark (`grep -n 'TODO(import)'` lists them). `qyzmet check`\n\
         # accepts the skeleton as it is, so the placeholders are valid values\n\
         # (the act's date is 1900-01-01, sources point at line 1 of the seed).\n\
         # The texts are in the BPMN's language; they are put under `kk`.\n",
    );
    let _ = writeln!(y, "format: {FORMAT_VERSION}");
    let service_slug = skeleton
        .id
        .as_deref()
        .and_then(|id| id.rsplit('/').next())
        .map(str::to_owned)
        .or_else(|| skeleton.name.as_deref().map(slug))
        .or_else(|| {
            skeleton
                .routes
                .iter()
                .find_map(|route| route.title.as_deref().map(slug))
        })
        .filter(|slug| !slug.is_empty())
        .unwrap_or_else(|| "imported".to_owned());
    match &skeleton.id {
        Some(id) => {
            let _ = writeln!(y, "id: {}", scalar(id));
        }
        None => {
            let _ = writeln!(
                y,
                "id: todo-region/0000-todo/{service_slug}   # {p}: region/year-act/service, the file's path under regulations/"
            );
        }
    }
    let first_line = match &skeleton.seed {
        Some((file, lines)) => {
            let _ = writeln!(
                y,
                "seed:\n  file: {}\n  lines: [{}, {}]",
                scalar(file),
                lines[0],
                lines[1]
            );
            lines[0]
        }
        None => {
            let _ = writeln!(
                y,
                "seed:   # {p}: the seed file and this regulation's lines in it\n  file: \"{p}\"\n  lines: [1, 1]"
            );
            1
        }
    };
    y.push_str("\nact:\n");
    let placeholder_text = |what: &str| kk(&format!("{p}: {what}"));
    match &skeleton.act {
        Some(act) => {
            let _ = writeln!(y, "  region: {}", scalar(&act.region));
            let _ = writeln!(y, "  issuer: {}", kk(&act.issuer));
            let _ = writeln!(y, "  title: {}", placeholder_text("the act's title"));
            let _ = writeln!(
                y,
                "  number: {}",
                serde_json::to_string(&act.number).unwrap_or_default()
            );
            let _ = writeln!(y, "  date: {}", act.date);
        }
        None => {
            let _ = writeln!(y, "  region: todo-region   # {p}");
            let _ = writeln!(
                y,
                "  issuer: {}",
                placeholder_text("the body that issued the act")
            );
            let _ = writeln!(y, "  title: {}", placeholder_text("the act's title"));
            let _ = writeln!(y, "  number: \"{p}\"");
            let _ = writeln!(y, "  date: 1900-01-01   # {p}: the act's date");
        }
    }
    let _ = writeln!(
        y,
        "  in_force:   # {p}: when the act entered into force\n    source: {{line: {first_line}}}"
    );
    let _ = writeln!(
        y,
        "  source: {}",
        source_yaml(skeleton.act_source.as_ref(), first_line)
    );

    y.push_str("\nservice:\n");
    let _ = writeln!(y, "  id: {}", scalar(&service_slug));
    let title = skeleton
        .name
        .clone()
        .map(|name| format!("{p}: the service's title ({name})"))
        .unwrap_or_else(|| format!("{p}: the service's title"));
    let _ = writeln!(y, "  title: {}", kk(&title));
    let _ = writeln!(y, "  provider: {}", placeholder_text("the provider"));
    let _ = writeln!(y, "  recipients: [individuals]   # {p}");
    let _ = writeln!(y, "  fee: {{free: true}}   # {p}");
    let _ = writeln!(y, "  forms: [paper]   # {p}");
    let (results, refusals): (Vec<&ResultOut>, Vec<&ResultOut>) =
        skeleton.results.iter().partition(|r| !r.refusal);
    let result_title = |r: &ResultOut| match &r.title {
        Some(title) => kk(title),
        None => placeholder_text("the result's title"),
    };
    if results.is_empty() {
        y.push_str("  results: []\n");
    } else {
        y.push_str("  results:\n");
        for result in results {
            let _ = writeln!(
                y,
                "    - id: {}\n      kind: other   # {p}\n      title: {}\n      delivery: [paper]   # {p}\n      source: {{line: {first_line}}}",
                scalar(&result.id),
                result_title(result)
            );
        }
    }
    if !refusals.is_empty() {
        y.push_str("  refusals:   # read as refusals by their names; check\n");
        for refusal in refusals {
            let _ = writeln!(
                y,
                "    - id: {}\n      kind: motivated_refusal   # {p}\n      title: {}\n      source: {{line: {first_line}}}",
                scalar(&refusal.id),
                result_title(refusal)
            );
        }
    }
    let _ = writeln!(y, "  source: {{line: {first_line}}}   # {p}");

    y.push_str("\nroles:\n");
    for role in &skeleton.roles {
        let org = if role.person {
            "provider"
        } else {
            "information_system"
        };
        let why = if role.person {
            "a person's tasks are in its lane"
        } else {
            "only service tasks are in its lane"
        };
        if role.from == "no lane" {
            let _ = writeln!(
                y,
                "  - id: {}   # {p}: the role of the steps in no lane",
                scalar(&role.id)
            );
            let _ = writeln!(y, "    org: {org}   # {p}");
        } else {
            let _ = writeln!(y, "  - id: {}   # from {}", scalar(&role.id), role.from);
            let _ = writeln!(y, "    org: {org}   # {p}: guessed, {why}");
        }
        match &role.title {
            Some(title) => {
                let _ = writeln!(y, "    title: {}", kk(title));
            }
            None => {
                let _ = writeln!(y, "    title: {}", placeholder_text("the role's title"));
            }
        }
    }

    y.push_str("\nroutes:\n");
    for route in &skeleton.routes {
        let _ = write!(y, "  - channel: {}", route.channel.as_str());
        if route.assumed {
            let _ = write!(y, "   # {p}: the BPMN does not say the channel");
        }
        y.push('\n');
        if let Some(variant) = &route.variant {
            let _ = writeln!(y, "    variant: {}", scalar(variant));
        }
        if let Some(title) = &route.title {
            let _ = writeln!(y, "    title: {}", kk(title));
        }
        if let Some((duration, acceptance, source)) = &route.term {
            let _ = writeln!(
                y,
                "    term:\n      amount: {}\n      unit: {}",
                duration.amount, duration.unit
            );
            if *acceptance {
                y.push_str("      acceptance_day_not_counted: true\n");
            }
            let _ = writeln!(
                y,
                "      source: {}",
                source_yaml(source.as_ref(), first_line)
            );
        }
        let _ = writeln!(y, "    start: {}", scalar(&route.start));
        y.push_str("    steps:\n");
        for step in &route.steps {
            for note in &step.notes {
                let _ = writeln!(y, "      # {note}");
            }
            let _ = writeln!(y, "      - id: {}", scalar(&step.id));
            let _ = writeln!(y, "        kind: {}", kind_name(step.kind));
            if let Some(label) = &step.label {
                let _ = writeln!(
                    y,
                    "        label: {}",
                    serde_json::to_string(label).unwrap_or_default()
                );
            }
            if let Some(role) = &step.role {
                let _ = writeln!(y, "        role: {}", scalar(role));
            }
            if step.kind != StepKind::End {
                match &step.action {
                    Some(action) => {
                        let _ = writeln!(y, "        action: {}", kk(action));
                    }
                    None => {
                        let _ = writeln!(y, "        action: {}", placeholder_text("what is done"));
                    }
                }
            }
            if let Some(hands_on) = &step.hands_on {
                let _ = writeln!(y, "        hands_on: {}", kk(hands_on));
            }
            if let Some(limit) = &step.limit {
                let _ = write!(
                    y,
                    "        limit: {{amount: {}, unit: {}, source: {}}}",
                    limit.duration.amount,
                    limit.duration.unit,
                    source_yaml(limit.source.as_ref(), first_line)
                );
                if let Some(note) = &limit.note {
                    let _ = write!(y, "   # {note}");
                }
                y.push('\n');
            }
            if let Some(next) = &step.next {
                let _ = writeln!(y, "        next: {}", scalar(next));
            }
            if !step.outcomes.is_empty() {
                y.push_str("        outcomes:\n");
                for outcome in &step.outcomes {
                    if let Some(note) = &outcome.note {
                        let _ = writeln!(y, "          # {p}: {note}");
                    }
                    let _ = writeln!(
                        y,
                        "          - {{id: {}, label: {}, next: {}}}",
                        scalar(&outcome.id),
                        kk(&outcome.label),
                        scalar(&outcome.next)
                    );
                }
            }
            if let Some(on_timeout) = &step.on_timeout {
                let _ = writeln!(y, "        on_timeout: {}", scalar(on_timeout));
            }
            if let Some(result) = &step.result {
                let _ = writeln!(y, "        result: {}", scalar(result));
            }
            let _ = write!(
                y,
                "        source: {}",
                source_yaml(step.source.as_ref(), first_line)
            );
            if step.source.is_none() {
                let _ = write!(y, "   # {p}");
            }
            y.push('\n');
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations() {
        let d = |text: &str| parse_iso(text);
        assert_eq!(d("PT30M"), Some(Duration::new(30, Unit::Minutes)));
        assert_eq!(d("PT2H"), Some(Duration::new(2, Unit::Hours)));
        assert_eq!(d("PT1H30M"), Some(Duration::new(90, Unit::Minutes)));
        assert_eq!(d("PT120S"), Some(Duration::new(2, Unit::Minutes)));
        assert_eq!(d("P3D"), Some(Duration::new(3, Unit::CalendarDays)));
        assert_eq!(d("P2W"), Some(Duration::new(14, Unit::CalendarDays)));
        assert_eq!(d("P1M"), Some(Duration::new(1, Unit::Months)));
        assert_eq!(d("P1Y2M"), Some(Duration::new(14, Unit::Months)));
        for bad in [
            "P1DT2H", "PT90S", "P", "PT", "3D", "P1.5D", "P1M1D", "PT1H1H", "P-1D",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn outcome_literals() {
        assert_eq!(
            outcome_literal("outcome == \"complete\""),
            Some("complete".into())
        );
        assert_eq!(outcome_literal("${outcome == 'yes'}"), Some("yes".into()));
        assert_eq!(outcome_literal("= decision = \"no\""), Some("no".into()));
        assert_eq!(
            outcome_literal("outcome == \"a\\\"b\""),
            Some("a\"b".into())
        );
        assert_eq!(outcome_literal("${approved}"), None);
        assert_eq!(outcome_literal("${amount > 100}"), None);
        assert_eq!(outcome_literal("${x == 'a' && y == 'b'}"), None);
    }

    #[test]
    fn ids_decode_and_slug() {
        assert_eq!(decode_part("sc-5.2Fa"), "sc-5/a");
        assert_eq!(decode_part(".D2.9B"), "қ");
        assert_eq!(slug("Certificate issued!"), "certificate-issued");
        assert_eq!(slug("Бас тарту"), "");
        assert_eq!(scalar("1"), "\"1\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("sc-5"), "sc-5");
    }
}
