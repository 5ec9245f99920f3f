//! `qyzmet import bpmn`: the round trip export → import → export keeps the
//! graph of every regulation in `regulations/`, and hand-made BPMN in the
//! style of Camunda Modeler and bpmn.io imports into skeletons that
//! `qyzmet check` accepts, with diagnostics for what cannot be carried.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use qyzmet_calendar::Calendar;
use qyzmet_core::{Duration, Lang, Unit};
use qyzmet_regulation::import::bpmn::{Imported, Options, import};
use qyzmet_regulation::render::bpmn;
use qyzmet_regulation::syntax::StepKind;
use qyzmet_regulation::{Diagnostic, ProcessModel, Severity};

const LANGS: [Lang; 2] = [Lang::Kk, Lang::Ru];

mod catalog;

use catalog::models;

/// One step as the round trip must keep it: its kind (a `task` of the
/// portal or an information system and an `auto` step are both service
/// tasks, so both are "activity"), its role and the role's title, its limit,
/// its result.
type StepView = (
    String,
    Option<(String, String)>,
    Option<Duration>,
    Option<String>,
);
/// Per route key: the start, the steps, and the edges (source, target,
/// `next` | `timeout` | `outcome ID: LABEL`).
type Graph = BTreeMap<
    String,
    (
        String,
        BTreeMap<String, StepView>,
        BTreeSet<(String, String, String)>,
    ),
>;

fn kind_class(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Task | StepKind::Auto => "activity",
        StepKind::Decision => "decision",
        StepKind::Wait => "wait",
        StepKind::End => "end",
    }
}

/// The graph of a model, with the texts in `lang` (the imported model has
/// the BPMN's texts under `kk`).
fn graph(model: &ProcessModel, lang: Lang) -> Graph {
    let mut out = Graph::new();
    for (index, route) in model.routes.iter().enumerate() {
        let def = &model.file.routes[index];
        let mut steps = BTreeMap::new();
        let mut edges = BTreeSet::new();
        for node in &route.nodes {
            let role = node
                .role
                .as_ref()
                .map(|role| (role.clone(), model.role_title(role, lang)));
            steps.insert(
                node.id.clone(),
                (
                    kind_class(node.kind).to_owned(),
                    role,
                    node.limit,
                    node.result.clone(),
                ),
            );
            let step = def.steps.iter().find(|step| step.id == node.id);
            for edge in &node.edges {
                let tag = if edge.timeout {
                    "timeout".to_owned()
                } else if let Some(outcome) = &edge.outcome {
                    let label = step
                        .and_then(|step| step.outcomes.iter().find(|o| &o.id == outcome))
                        .map(|o| o.label.get(lang).trim().to_owned())
                        .filter(|label| !label.is_empty())
                        .unwrap_or_else(|| outcome.clone());
                    format!("outcome {outcome}: {label}")
                } else {
                    "next".to_owned()
                };
                edges.insert((node.id.clone(), route.nodes[edge.target].id.clone(), tag));
            }
        }
        out.insert(
            route.key.clone(),
            (route.nodes[route.start].id.clone(), steps, edges),
        );
    }
    out
}

fn errors(imported: &Imported) -> Vec<&Diagnostic> {
    imported
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

/// Imports BPMN text and compiles the skeleton, failing on any error.
fn import_and_compile(name: &str, xml: &str) -> (String, ProcessModel, Vec<Diagnostic>) {
    let calendar = Calendar::kazakhstan();
    let imported = import(xml, &Options::default(), &calendar);
    assert!(
        errors(&imported).is_empty(),
        "{name}: import errors: {:#?}",
        errors(&imported)
    );
    let yaml = imported.yaml.clone().expect("a skeleton without errors");
    let checked = qyzmet_regulation::check(&yaml, &calendar);
    let model = checked.model.unwrap_or_else(|| {
        panic!(
            "{name}: the skeleton does not check: {:#?}\n{yaml}",
            checked.diagnostics
        )
    });
    (yaml, model, imported.diagnostics)
}

#[test]
fn export_import_export_keeps_the_graph_of_every_regulation() {
    let mut routes = 0;
    let mut steps = 0;
    let mut edges = 0;
    let mut limits = 0;
    for (name, original) in models() {
        for lang in LANGS {
            let first = bpmn::render(&original, lang);
            let (yaml, imported, diagnostics) = import_and_compile(&name, &first);
            // Only what the export cannot carry is a warning.
            for diagnostic in &diagnostics {
                assert!(
                    matches!(diagnostic.code, "calls-not-carried"),
                    "{name} ({lang}): unexpected {diagnostic:?}"
                );
            }
            let expected = graph(&original, lang);
            assert_eq!(
                graph(&imported, Lang::Kk),
                expected,
                "{name} ({lang}): the imported graph differs\n{yaml}"
            );
            // The provenance the export writes comes back.
            assert_eq!(imported.id, original.id, "{name}");
            assert_eq!(imported.file.seed.file, original.file.seed.file, "{name}");
            assert_eq!(imported.file.seed.lines, original.file.seed.lines, "{name}");
            for (a, b) in original.file.routes.iter().zip(&imported.file.routes) {
                for step in &a.steps {
                    let back = b.steps.iter().find(|s| s.id == step.id).expect("step");
                    assert_eq!(back.source, step.source, "{name} {} {}", a.key(), step.id);
                }
                assert_eq!(
                    a.term
                        .as_ref()
                        .map(|t| (t.duration(), t.acceptance_day_not_counted)),
                    b.term
                        .as_ref()
                        .map(|t| (t.duration(), t.acceptance_day_not_counted)),
                    "{name} {}: term",
                    a.key()
                );
            }
            // Export again: the graph is the same.
            let second = bpmn::render(&imported, lang);
            let (_, again, _) = import_and_compile(&name, &second);
            assert_eq!(
                graph(&again, Lang::Kk),
                expected,
                "{name} ({lang}): the second round differs"
            );
            if lang == Lang::Kk {
                routes += original.routes.len();
                steps += original.routes.iter().map(|r| r.nodes.len()).sum::<usize>();
                edges += expected.values().map(|(_, _, e)| e.len()).sum::<usize>();
                limits += expected
                    .values()
                    .flat_map(|(_, s, _)| s.values())
                    .filter(|s| s.2.is_some())
                    .count();
            }
        }
    }
    eprintln!(
        "round trip: {routes} routes, {steps} steps, {edges} edges, {limits} limits (each in kk and ru)"
    );
    assert!(
        routes >= 60 && steps >= 500,
        "{routes} routes, {steps} steps"
    );
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/bpmn-import")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn codes(diagnostics: &[Diagnostic], severity: Severity) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .map(|d| d.code)
        .collect();
    codes.sort_unstable();
    codes
}

fn step<'a>(model: &'a ProcessModel, id: &str) -> &'a qyzmet_regulation::syntax::Step {
    model.file.routes[0]
        .steps
        .iter()
        .find(|step| step.id == id)
        .unwrap_or_else(|| panic!("no step {id}"))
}

fn outcomes(step: &qyzmet_regulation::syntax::Step) -> Vec<(&str, &str, &str)> {
    step.outcomes
        .iter()
        .map(|o| (o.id.as_str(), o.label.kk.as_str(), o.next.as_str()))
        .collect()
}

/// Camunda Modeler: one pool with lanes, candidate groups, a gateway with a
/// JUEL condition on the outcome, a default flow and a condition that is
/// not an outcome, a non-interrupting timer documented in working days and
/// an interrupting one that is a wait's timeout.
#[test]
fn camunda_modeler_process_imports_into_a_checked_skeleton() {
    let xml = fixture("camunda-housing-assistance.bpmn");
    let (yaml, model, diagnostics) = import_and_compile("camunda", &xml);
    assert_eq!(
        codes(&diagnostics, Severity::Warning),
        [
            "condition-not-carried",
            "days-read-as-calendar-days",
            "route-channel-assumed"
        ]
    );
    let route = &model.file.routes[0];
    assert_eq!(route.key(), "provider_office");
    assert_eq!(route.start, "Activity_register");
    let roles: Vec<(&str, &str)> = model
        .file
        .roles
        .iter()
        .map(|r| (r.id.as_str(), r.title.kk.as_str()))
        .collect();
    assert_eq!(
        roles,
        [
            ("office-clerk", "Office clerk"),
            ("executor", "Responsible executor"),
            ("head", "Head of department")
        ]
    );
    let ids: Vec<&str> = route.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "Activity_register",
            "Activity_examine",
            "Activity_request_docs",
            "Activity_sign",
            "Event_issued",
            "Event_refused"
        ]
    );
    let examine = step(&model, "Activity_examine");
    assert_eq!(examine.kind, StepKind::Decision);
    assert_eq!(examine.role.as_deref(), Some("executor"));
    // "5 working days" in the timer's documentation: not calendar days.
    assert_eq!(
        examine.limit.as_ref().map(|l| l.duration()),
        Some(Duration::new(5, Unit::WorkingDays))
    );
    assert_eq!(
        outcomes(examine),
        [
            ("complete", "Complete", "Activity_sign"),
            (
                "documents-missing",
                "Documents missing",
                "Activity_request_docs"
            ),
            ("not-eligible", "Not eligible", "Event_refused")
        ]
    );
    let wait = step(&model, "Activity_request_docs");
    assert_eq!(wait.kind, StepKind::Wait);
    assert_eq!(wait.next.as_deref(), Some("Activity_examine"));
    assert_eq!(wait.on_timeout.as_deref(), Some("Event_refused"));
    assert_eq!(
        wait.limit.as_ref().map(|l| l.duration()),
        Some(Duration::new(10, Unit::CalendarDays))
    );
    assert_eq!(step(&model, "Activity_sign").kind, StepKind::Task);
    assert_eq!(
        step(&model, "Event_issued").result.as_deref(),
        Some("certificate-issued")
    );
    let service = &model.file.service;
    assert_eq!(service.results.len(), 1);
    assert_eq!(service.refusals.len(), 1);
    assert_eq!(service.refusals[0].id, "refusal-issued");
    // The placeholders are marked, and the condition is kept as a note.
    assert!(yaml.contains("date: 1900-01-01   # TODO(import)"), "{yaml}");
    assert!(
        yaml.contains("# TODO(import): the BPMN's condition: ${!eligible}"),
        "{yaml}"
    );
    assert!(model.file.act.issuer.kk.starts_with("TODO(import)"));
    // The positions point into the BPMN text.
    let timer = diagnostics
        .iter()
        .find(|d| d.code == "days-read-as-calendar-days")
        .expect("the P10D warning");
    let located = qyzmet_regulation::LocatedDiagnostic::new("f.bpmn", &xml, timer);
    let expected_line = xml
        .lines()
        .position(|line| line.contains(">P10D<"))
        .expect("P10D in the fixture")
        + 1;
    assert_eq!((located.line, located.column), (expected_line, 9));
}

/// bpmn.io: no pool, no lanes, plain tasks, a name with a line break, a
/// gateway with named flows and no conditions, a join, an unnamed task, a
/// timer of an hour and a half.
#[test]
fn bpmn_io_process_imports_with_placeholders() {
    let xml = fixture("bpmnio-request-check.bpmn");
    let (yaml, model, diagnostics) = import_and_compile("bpmn.io", &xml);
    assert_eq!(
        codes(&diagnostics, Severity::Warning),
        ["no-lanes", "route-channel-assumed", "unnamed-task"]
    );
    let route = &model.file.routes[0];
    assert_eq!(route.start, "Activity_0x1kq7c");
    let check = step(&model, "Activity_0x1kq7c");
    assert_eq!(check.kind, StepKind::Decision);
    assert_eq!(
        check.action.as_ref().map(|a| a.kk.as_str()),
        Some("Check the request")
    );
    assert_eq!(
        outcomes(check),
        [
            ("yes", "yes", "Activity_1p0d8ts"),
            ("no", "no", "Activity_0n4tify")
        ]
    );
    // The join is merged away: both branches lead to the end.
    assert_eq!(
        step(&model, "Activity_1p0d8ts").next.as_deref(),
        Some("Event_1answer")
    );
    assert_eq!(
        step(&model, "Activity_0n4tify").next.as_deref(),
        Some("Event_1answer")
    );
    assert_eq!(
        step(&model, "Activity_0n4tify")
            .limit
            .as_ref()
            .map(|l| l.duration()),
        Some(Duration::new(90, Unit::Minutes))
    );
    assert!(
        step(&model, "Activity_1p0d8ts")
            .action
            .as_ref()
            .is_some_and(|a| a.kk.starts_with("TODO(import)"))
    );
    assert!(
        route
            .steps
            .iter()
            .filter(|s| s.kind != StepKind::End)
            .all(|s| s.role.as_deref() == Some("todo-role"))
    );
    assert_eq!(route.steps.len(), 4);
    assert!(
        yaml.contains("id: todo-region/0000-todo/imported"),
        "{yaml}"
    );
}

/// What cannot be carried is an error at its element (no skeleton), or a
/// warning when dropping it keeps the process.
#[test]
fn constructs_that_cannot_be_carried_are_diagnosed_at_their_elements() {
    let xml = fixture("not-carried.bpmn");
    let imported = import(&xml, &Options::default(), &Calendar::kazakhstan());
    assert!(imported.yaml.is_none(), "no skeleton when there are errors");
    assert_eq!(
        codes(&imported.diagnostics, Severity::Error),
        [
            "endless-loop",
            "endless-loop",
            "implicit-split",
            "intermediate-event",
            "loop-activity",
            "multiple-pools",
            "parallel-gateway",
            "parallel-gateway",
            "sub-process",
            "timer-not-duration"
        ]
    );
    assert_eq!(
        codes(&imported.diagnostics, Severity::Warning),
        ["black-box-pool", "message-flow", "unnamed-end"]
    );
    // Each diagnostic is at its element's start tag and has a hint.
    for (code, needle) in [
        (
            "parallel-gateway",
            "<bpmn:parallelGateway id=\"Gateway_fork\"",
        ),
        ("sub-process", "<bpmn:subProcess id=\"SubProcess_check\""),
        (
            "intermediate-event",
            "<bpmn:intermediateCatchEvent id=\"Event_message\"",
        ),
        ("loop-activity", "<bpmn:userTask id=\"Task_decide\""),
        ("endless-loop", "<bpmn:userTask id=\"Task_review\""),
        ("multiple-pools", "<bpmn:process id=\"Process_archive\""),
        ("message-flow", "<bpmn:messageFlow id=\"Flow_message\""),
        ("implicit-split", "<bpmn:serviceTask id=\"Task_address\""),
    ] {
        let offset = xml.find(needle).unwrap_or_else(|| panic!("{needle}"));
        let found = imported
            .diagnostics
            .iter()
            .find(|d| d.code == code && d.span.start == offset)
            .unwrap_or_else(|| panic!("no {code} at {needle}: {:#?}", imported.diagnostics));
        assert!(
            found.hint.as_deref().is_some_and(|h| !h.is_empty()),
            "{code}"
        );
        assert!(found.span.end > found.span.start, "{code}");
    }
}

#[test]
fn files_that_are_not_bpmn_are_one_diagnostic() {
    let calendar = Calendar::kazakhstan();
    for (text, code) in [
        ("<bpmn:definitions", "not-xml"),
        ("not xml at all", "not-xml"),
        (
            "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            "not-bpmn",
        ),
        (
            "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" id=\"d\"/>",
            "no-process",
        ),
    ] {
        let imported = import(text, &Options::default(), &calendar);
        assert!(imported.yaml.is_none(), "{text}");
        assert_eq!(
            imported
                .diagnostics
                .iter()
                .map(|d| d.code)
                .collect::<Vec<_>>(),
            [code],
            "{text}"
        );
    }
}

/// The export writes `3 working_days` in each working-day timer's
/// documentation; without it a `P3D` timer is read as calendar days, with
/// a warning at the timer.
#[test]
fn working_days_come_back_from_the_documentation_only() {
    let (name, model) = models()
        .into_iter()
        .find(|(_, model)| {
            model
                .routes
                .iter()
                .flat_map(|r| &r.nodes)
                .any(|n| n.limit.is_some_and(|l| l.unit == Unit::WorkingDays))
        })
        .expect("a regulation with working-day limits");
    let working: usize = model
        .routes
        .iter()
        .flat_map(|r| &r.nodes)
        .filter(|n| n.limit.is_some_and(|l| l.unit == Unit::WorkingDays))
        .count();
    let xml = bpmn::render(&model, Lang::Kk);
    let stripped: String = xml
        .lines()
        .filter(|line| {
            !line.contains("working_days</bpmn:documentation>")
                && !line.contains("working days, not P")
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let (_, imported, diagnostics) = import_and_compile(&name, &stripped);
    let warned = diagnostics
        .iter()
        .filter(|d| d.code == "days-read-as-calendar-days")
        .count();
    assert!(
        warned >= working,
        "{warned} warnings for {working} working-day limits"
    );
    assert!(
        imported
            .routes
            .iter()
            .flat_map(|r| &r.nodes)
            .all(|n| n.limit.is_none_or(|l| l.unit != Unit::WorkingDays)),
        "no working days without the documentation"
    );
    // And with it, none is lost (the round trip test checks the same for
    // every regulation).
    let (_, kept, _) = import_and_compile(&name, &xml);
    let kept_working = kept
        .routes
        .iter()
        .flat_map(|r| &r.nodes)
        .filter(|n| n.limit.is_some_and(|l| l.unit == Unit::WorkingDays))
        .count();
    assert_eq!(kept_working, working);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

    /// BPMN with lines deleted (broken XML, dangling flows, lost lanes,
    /// lost timers …) never panics the importer, and a skeleton is only
    /// given when it checks.
    #[test]
    fn damaged_bpmn_never_panics(
        deleted in proptest::collection::btree_set(0usize..150, 1..6),
        which in 0usize..3,
    ) {
        let text = match which {
            0 => fixture("camunda-housing-assistance.bpmn"),
            1 => fixture("bpmnio-request-check.bpmn"),
            _ => fixture("not-carried.bpmn"),
        };
        let damaged: String = text
            .lines()
            .enumerate()
            .filter(|(i, _)| !deleted.contains(i))
            .map(|(_, line)| format!("{line}\n"))
            .collect();
        let calendar = Calendar::kazakhstan();
        let imported = import(&damaged, &Options::default(), &calendar);
        if let Some(yaml) = &imported.yaml {
            proptest::prop_assert!(errors(&imported).is_empty());
            let checked = qyzmet_regulation::check(yaml, &calendar);
            proptest::prop_assert!(checked.model.is_some(), "{:?}\n{yaml}", checked.diagnostics);
        } else {
            proptest::prop_assert!(!errors(&imported).is_empty(), "no skeleton and no error");
        }
        for diagnostic in &imported.diagnostics {
            proptest::prop_assert!(diagnostic.span.start <= damaged.len());
            proptest::prop_assert!(diagnostic.hint.is_some(), "{diagnostic:?}");
        }
    }
}

/// Camunda 8 (Zeebe): candidate groups in `zeebe:assignmentDefinition`,
/// FEEL conditions, nested lanes (the innermost wins), and an interrupting
/// timer without a flow.
#[test]
fn zeebe_conventions_and_nested_lanes() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.17.0">
  <bpmn:process id="Process_permit" name="Permit" isExecutable="true">
    <bpmn:documentation>route: portal/issue</bpmn:documentation>
    <bpmn:laneSet id="ls">
      <bpmn:lane id="Lane_office" name="Office">
        <bpmn:flowNodeRef>s</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>g</bpmn:flowNodeRef>
        <bpmn:childLaneSet id="cls">
          <bpmn:lane id="Lane_inspector" name="Inspector">
            <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
            <bpmn:flowNodeRef>g</bpmn:flowNodeRef>
          </bpmn:lane>
        </bpmn:childLaneSet>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="s"/>
    <bpmn:userTask id="review" name="Review the permit request">
      <bpmn:extensionElements>
        <zeebe:assignmentDefinition candidateGroups="inspectors, seniors"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="t" attachedToRef="review">
      <bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT4H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:exclusiveGateway id="g" name="OK?"/>
    <bpmn:endEvent id="issued" name="Permit issued"/>
    <bpmn:endEvent id="refused" name="Permit refused"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="g"/>
    <bpmn:sequenceFlow id="f3" name="Issue" sourceRef="g" targetRef="issued">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=outcome = "issue"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" name="Refuse" sourceRef="g" targetRef="refused">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=outcome = "refuse"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"#;
    let (_, model, diagnostics) = import_and_compile("zeebe", xml);
    assert_eq!(
        codes(&diagnostics, Severity::Warning),
        ["timer-without-flow"]
    );
    let route = &model.file.routes[0];
    assert_eq!(route.key(), "portal/issue");
    let review = step(&model, "review");
    assert_eq!(review.kind, StepKind::Decision);
    assert_eq!(review.role.as_deref(), Some("inspectors"));
    assert_eq!(
        review.limit.as_ref().map(|l| l.duration()),
        Some(Duration::new(4, Unit::Hours))
    );
    assert_eq!(
        outcomes(review),
        [
            ("issue", "Issue", "issued"),
            ("refuse", "Refuse", "refused")
        ]
    );
    let role = &model.file.roles[0];
    assert_eq!(
        (role.id.as_str(), role.title.kk.as_str()),
        ("inspectors", "Inspector")
    );
    assert_eq!(model.file.roles.len(), 1);
    assert_eq!(model.file.service.refusals[0].id, "permit-refused");
}
