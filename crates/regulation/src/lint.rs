//! Semantic checks of a regulation file that deserialized.
//!
//! Each check is a function over the typed file that pushes diagnostics;
//! locations come from the span map by the same paths serde uses
//! (`routes[1].steps[3].next`). The list of codes is in
//! docs/regulation-format.md.

use std::collections::{BTreeMap, HashMap, HashSet};

use qyzmet_calendar::{Calendar, LegalClock, Schedule, TermRule};
use qyzmet_core::{Answer, Duration, System, Unit};

use crate::diag::{Diagnostic, Span};
use crate::expr;
use crate::syntax::{
    Channel, FORMAT_VERSION, OrgKind, RegulationFile, Route, Source, StepKind, Verification,
};
use crate::yaml::SpanMap;

struct Lint<'a> {
    spans: &'a SpanMap,
    diagnostics: Vec<Diagnostic>,
}

impl Lint<'_> {
    fn at(&self, path: &str) -> Span {
        self.spans.nearest(path)
    }

    fn key(&self, path: &str) -> Span {
        self.spans.key(path).unwrap_or_else(|| self.at(path))
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

/// Runs every semantic check.
pub fn lint(file: &RegulationFile, spans: &SpanMap, calendar: &Calendar) -> Vec<Diagnostic> {
    let mut lint = Lint {
        spans,
        diagnostics: Vec::new(),
    };
    header(&mut lint, file);
    kazakh_texts(&mut lint, file);
    duplicate_ids(&mut lint, file);
    heads(&mut lint, file);
    legal_life(&mut lint, file);
    sources(&mut lint, file);
    documents(&mut lint, file);
    rules(&mut lint, file);
    for (index, route) in file.routes.iter().enumerate() {
        route_structure(&mut lint, file, index, route);
        verifications(&mut lint, file, index, route);
        gateway_calls(&mut lint, file, index, route);
        route_terms(&mut lint, index, route, calendar);
    }
    conflicts(&mut lint, file);
    lint.diagnostics
}

fn header(lint: &mut Lint<'_>, file: &RegulationFile) {
    if file.format != FORMAT_VERSION {
        lint.push(
            Diagnostic::error(
                "format-version",
                lint.at("format"),
                format!("unknown format `{}`", file.format),
            )
            .with_hint(format!("this compiler reads `format: {FORMAT_VERSION}`")),
        );
    }
    let id_ok = !file.id.is_empty()
        && file.id.split('/').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    if !id_ok {
        lint.push(
            Diagnostic::error(
                "id-shape",
                lint.at("id"),
                format!("`{}` is not a regulation id", file.id),
            )
            .with_hint("ids are `region/year-act/service` in lower-case letters, digits and `-`"),
        );
    }
    if file.seed.lines[0] == 0 || file.seed.lines[0] > file.seed.lines[1] {
        lint.push(
            Diagnostic::error(
                "seed-lines",
                lint.at("seed.lines"),
                "seed lines must be `[first, last]` with 1 <= first <= last",
            )
            .with_hint("give the first and last line of this regulation in the seed file"),
        );
    }
    if file.routes.is_empty() {
        lint.push(
            Diagnostic::error(
                "no-routes",
                lint.key("routes"),
                "the regulation has no route",
            )
            .with_hint("add one route per intake channel"),
        );
    }
}

/// Every `{kk, ru, en}` text needs its Kazakh.
fn kazakh_texts(lint: &mut Lint<'_>, file: &RegulationFile) {
    let Ok(value) = serde_json::to_value(file) else {
        return;
    };
    let mut missing = Vec::new();
    walk_texts(&value, ".".to_owned(), &mut missing);
    for path in missing {
        lint.push(
            Diagnostic::error(
                "missing-kazakh",
                lint.at(&path),
                format!("`{path}` has no Kazakh text"),
            )
            .with_hint("add `kk:`: Kazakh is required on every text shown to people"),
        );
    }
}

fn walk_texts(value: &serde_json::Value, path: String, missing: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            let is_text = map.contains_key("kk")
                && map.keys().all(|k| matches!(k.as_str(), "kk" | "ru" | "en"));
            if is_text {
                if map
                    .get("kk")
                    .and_then(|kk| kk.as_str())
                    .is_none_or(|kk| kk.trim().is_empty())
                {
                    missing.push(path);
                }
                return;
            }
            for (key, child) in map {
                walk_texts(child, crate::yaml::child_key(&path, key), missing);
            }
        }
        serde_json::Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                walk_texts(child, crate::yaml::child_index(&path, index), missing);
            }
        }
        _ => {}
    }
}

fn check_unique<'i>(
    lint: &mut Lint<'_>,
    what: &str,
    ids: impl IntoIterator<Item = (String, &'i str)>,
) {
    let mut seen: HashMap<&str, String> = HashMap::new();
    for (path, id) in ids {
        if let Some(first) = seen.get(id) {
            let (line, _) = (first.clone(), ());
            lint.push(
                Diagnostic::error(
                    "duplicate-id",
                    lint.at(&path),
                    format!("duplicate {what} id `{id}`"),
                )
                .with_hint(format!(
                    "it is already used at `{line}`; ids must be unique"
                )),
            );
        } else {
            seen.insert(id, path);
        }
    }
}

fn duplicate_ids(lint: &mut Lint<'_>, file: &RegulationFile) {
    check_unique(
        lint,
        "document",
        file.documents
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("documents[{i}].id"), d.id.as_str())),
    );
    check_unique(
        lint,
        "role",
        file.roles
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("roles[{i}].id"), r.id.as_str())),
    );
    check_unique(
        lint,
        "form field",
        file.form
            .iter()
            .enumerate()
            .map(|(i, f)| (format!("form[{i}].id"), f.id.as_str())),
    );
    check_unique(
        lint,
        "rule",
        file.rules
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("rules[{i}].id"), r.id.as_str())),
    );
    check_unique(
        lint,
        "conflict",
        file.conflicts
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("conflicts[{i}].id"), c.id.as_str())),
    );
    check_unique(
        lint,
        "ground",
        file.service
            .refusal_grounds
            .iter()
            .enumerate()
            .map(|(i, g)| (format!("service.refusal_grounds[{i}].id"), g.id.as_str())),
    );
    let outcomes = file
        .service
        .results
        .iter()
        .enumerate()
        .map(|(i, r)| (format!("service.results[{i}].id"), r.id.as_str()))
        .chain(
            file.service
                .refusals
                .iter()
                .enumerate()
                .map(|(i, r)| (format!("service.refusals[{i}].id"), r.id.as_str())),
        );
    check_unique(lint, "result", outcomes);
    let keys: Vec<String> = file.routes.iter().map(Route::key).collect();
    check_unique(
        lint,
        "route",
        keys.iter()
            .enumerate()
            .map(|(i, k)| (format!("routes[{i}].channel"), k.as_str())),
    );
    for (r, route) in file.routes.iter().enumerate() {
        check_unique(
            lint,
            "step",
            route
                .steps
                .iter()
                .enumerate()
                .map(|(s, step)| (format!("routes[{r}].steps[{s}].id"), step.id.as_str())),
        );
        for (s, step) in route.steps.iter().enumerate() {
            check_unique(
                lint,
                "outcome",
                step.outcomes.iter().enumerate().map(|(o, outcome)| {
                    (
                        format!("routes[{r}].steps[{s}].outcomes[{o}].id"),
                        outcome.id.as_str(),
                    )
                }),
            );
        }
    }
}

/// The head of each organisation is written in the file, never guessed
/// (the engine sends it assignments, term extensions and escalations): a
/// role marked `head: true`, else a role with id `head`
/// (`crate::model::heads`). At most one role per organisation is marked;
/// only an organisation whose people take tasks has a head; and a provider
/// with several roles names its head: with a single role there is nobody
/// to direct, and that role takes its own escalations.
fn heads(lint: &mut Lint<'_>, file: &RegulationFile) {
    let mut marked: Vec<OrgKind> = Vec::new();
    for (i, role) in file.roles.iter().enumerate() {
        if !role.head {
            continue;
        }
        let path = format!("roles[{i}].head");
        if !is_staff(role.org) {
            lint.push(
                Diagnostic::error(
                    "head-not-staff",
                    lint.at(&path),
                    format!(
                        "role `{}` is marked `head`, but `{}` has no people who take tasks",
                        role.id,
                        org_name(role.org)
                    ),
                )
                .with_hint("mark the head of the provider, the service centre, the rural akimat or another staffed organisation"),
            );
        } else if marked.contains(&role.org) {
            lint.push(
                Diagnostic::error(
                    "duplicate-head",
                    lint.at(&path),
                    format!(
                        "role `{}` is the second role of `{}` marked `head`",
                        role.id,
                        org_name(role.org)
                    ),
                )
                .with_hint("an organisation has one head: keep `head: true` on the role the regulation names as its head"),
            );
        } else {
            marked.push(role.org);
        }
    }
    let provider: BTreeMap<&str, usize> = file
        .roles
        .iter()
        .enumerate()
        .filter(|(_, role)| role.org == OrgKind::Provider)
        .map(|(i, role)| (role.id.as_str(), i))
        .collect();
    let has_head = crate::model::heads(&file.roles)
        .iter()
        .any(|(org, _)| *org == OrgKind::Provider);
    if provider.len() > 1
        && !has_head
        && let Some(first) = provider.values().min()
    {
        lint.push(
            Diagnostic::warning(
                "no-head",
                lint.at(&format!("roles[{first}]")),
                format!(
                    "the provider has {} roles and none is marked `head`",
                    provider.len()
                ),
            )
            .with_hint("mark the role the regulation names as the provider's head (басшы) with `head: true`, citing its paragraph in `source`; without a head, escalations go to the overdue step's own role and any of the provider's staff may extend the term"),
        );
    }
}

fn legal_life(lint: &mut Lint<'_>, file: &RegulationFile) {
    let act = &file.act;
    let in_force = act.in_force.from.map(|date| date.0);
    if let Some(from) = in_force
        && from < act.date.0
    {
        lint.push(
            Diagnostic::error(
                "in-force-before-act",
                lint.at("act.in_force.from"),
                format!("in force from {from}, before the act's date {}", act.date),
            )
            .with_hint(
                "an act cannot take effect before it is adopted; check both dates in the seed",
            ),
        );
    }
    if let Some(repeal) = &act.repealed {
        let repealed_on = repeal.on.map(|date| date.0).unwrap_or(repeal.by.date.0);
        let start = in_force.unwrap_or(act.date.0);
        if repealed_on < start {
            lint.push(
                Diagnostic::error(
                    "repeal-before-force",
                    lint.at(if repeal.on.is_some() {
                        "act.repealed.on"
                    } else {
                        "act.repealed.by.date"
                    }),
                    format!("repealed on {repealed_on}, before it entered into force ({start})"),
                )
                .with_hint("check the repeal date and the act's date in the seed"),
            );
        }
    }
    for (index, edition) in act.editions.iter().enumerate() {
        if edition.act.date.0 < act.date.0 {
            lint.push(
                Diagnostic::error(
                    "edition-before-act",
                    lint.at(&format!("act.editions[{index}].act.date")),
                    format!(
                        "edition of {} predates the act ({})",
                        edition.act.date, act.date
                    ),
                )
                .with_hint("editions amend the act, so they come after it"),
            );
        }
        if let Some(repeal) = &act.repealed
            && edition.act.date.0 > repeal.by.date.0
        {
            lint.push(
                Diagnostic::error(
                    "edition-after-repeal",
                    lint.at(&format!("act.editions[{index}].act.date")),
                    format!(
                        "edition of {} is after the repeal ({})",
                        edition.act.date, repeal.by.date
                    ),
                )
                .with_hint("a repealed regulation cannot be amended"),
            );
        }
    }
}

/// Every `source.line` must lie in the seed (steps inside the regulation's
/// own lines).
fn sources(lint: &mut Lint<'_>, file: &RegulationFile) {
    let [first, last] = file.seed.lines;
    let check = |lint: &mut Lint<'_>, path: String, source: &Source, inside_regulation: bool| {
        let low = if inside_regulation { first } else { 1 };
        if source.line < low || source.line > last {
            lint.push(
                Diagnostic::error(
                    "source-out-of-range",
                    lint.at(&format!("{path}.line")),
                    format!("source line {} is outside {} (lines {low}–{last})", source.line, if inside_regulation { "this regulation" } else { "the seed" }),
                )
                .with_hint("point at the seed line the fact was read from; `seed.lines` gives the regulation's range"),
            );
        }
    };
    for (r, route) in file.routes.iter().enumerate() {
        for (s, step) in route.steps.iter().enumerate() {
            check(
                lint,
                format!("routes[{r}].steps[{s}].source"),
                &step.source,
                true,
            );
            if let Some(limit) = &step.limit {
                check(
                    lint,
                    format!("routes[{r}].steps[{s}].limit.source"),
                    &limit.source,
                    true,
                );
            }
        }
        if let Some(term) = &route.term {
            check(lint, format!("routes[{r}].term.source"), &term.source, true);
        }
    }
    check(lint, "service.source".into(), &file.service.source, true);
    check(lint, "act.source".into(), &file.act.source, false);
}

fn documents(lint: &mut Lint<'_>, file: &RegulationFile) {
    let channels: HashSet<Channel> = file.routes.iter().map(|route| route.channel).collect();
    let variants: HashSet<&str> = file
        .routes
        .iter()
        .filter_map(|route| route.variant.as_deref())
        .collect();
    for (d, document) in file.documents.iter().enumerate() {
        for (c, channel) in document.channels.iter().enumerate() {
            if !channels.contains(channel) {
                lint.push(
                    Diagnostic::warning(
                        "document-channel-without-route",
                        lint.at(&format!("documents[{d}].channels[{c}]")),
                        format!("document `{}` is required for `{}`, but the regulation has no such route", document.id, channel.as_str()),
                    )
                    .with_hint("add the route or remove the channel from the document"),
                );
            }
        }
        for (v, variant) in document.variants.iter().enumerate() {
            if !variants.contains(variant.as_str()) {
                lint.push(
                    Diagnostic::error(
                        "unknown-variant-ref",
                        lint.at(&format!("documents[{d}].variants[{v}]")),
                        format!("no route has variant `{variant}`"),
                    )
                    .with_hint(format!(
                        "known variants: {}",
                        join_sorted(variants.iter().copied())
                    )),
                );
            }
        }
    }
}

fn join_sorted<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut items: Vec<&str> = items.collect();
    items.sort_unstable();
    items.dedup();
    if items.is_empty() {
        return "(none)".into();
    }
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn rules(lint: &mut Lint<'_>, file: &RegulationFile) {
    let env = expr::Env::for_form(&file.form);
    let refusals: HashSet<&str> = file
        .service
        .refusals
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    let grounds: HashSet<&str> = file
        .service
        .refusal_grounds
        .iter()
        .map(|g| g.id.as_str())
        .collect();
    let steps: HashSet<&str> = file
        .routes
        .iter()
        .flat_map(|route| route.steps.iter().map(|step| step.id.as_str()))
        .collect();
    for (index, rule) in file.rules.iter().enumerate() {
        let path = format!("rules[{index}]");
        expression(lint, &format!("{path}.require"), &rule.require, &env);
        if !refusals.contains(rule.refusal.as_str()) {
            lint.push(
                Diagnostic::error(
                    "unknown-refusal",
                    lint.at(&format!("{path}.refusal")),
                    format!("unknown refusal `{}`", rule.refusal),
                )
                .with_hint(format!(
                    "declared refusals: {}",
                    join_sorted(refusals.iter().copied())
                )),
            );
        }
        if let Some(ground) = &rule.ground
            && !grounds.contains(ground.as_str())
        {
            lint.push(
                Diagnostic::error(
                    "unknown-ground",
                    lint.at(&format!("{path}.ground")),
                    format!("unknown refusal ground `{ground}`"),
                )
                .with_hint(format!(
                    "declared grounds: {}",
                    join_sorted(grounds.iter().copied())
                )),
            );
        }
        for (a, step) in rule.at.iter().enumerate() {
            if !steps.contains(step.as_str()) {
                lint.push(
                    Diagnostic::error(
                        "unknown-step",
                        lint.at(&format!("{path}.at[{a}]")),
                        format!("rule `{}` is evaluated at unknown step `{step}`", rule.id),
                    )
                    .with_hint("name a step id of one of the routes"),
                );
            }
        }
    }
    for (r, route) in file.routes.iter().enumerate() {
        for (s, step) in route.steps.iter().enumerate() {
            for (o, outcome) in step.outcomes.iter().enumerate() {
                if let Some(when) = &outcome.when {
                    expression(
                        lint,
                        &format!("routes[{r}].steps[{s}].outcomes[{o}].when"),
                        when,
                        &env,
                    );
                }
            }
        }
    }
}

fn expression(lint: &mut Lint<'_>, path: &str, text: &str, env: &expr::Env) {
    if let Err(error) = expr::check_bool(text, env) {
        let span = lint.at(path);
        // Point inside the expression when the offset is known and the value
        // is written on one line.
        let span = match error.offset {
            Some(offset) if span.end.saturating_sub(span.start) >= text.len() => {
                let quote = usize::from(span.end - span.start > text.len());
                Span::new(span.start + quote + offset, span.start + quote + offset + 1)
            }
            _ => span,
        };
        lint.push(
            Diagnostic::error(error.code, span, error.message)
                .with_hint("rules are CEL expressions of type bool; see docs/regulation-format.md"),
        );
    }
}

fn route_structure(lint: &mut Lint<'_>, file: &RegulationFile, r: usize, route: &Route) {
    let roles: HashSet<&str> = file.roles.iter().map(|role| role.id.as_str()).collect();
    let results: HashSet<&str> = file
        .service
        .results
        .iter()
        .map(|result| result.id.as_str())
        .chain(
            file.service
                .refusals
                .iter()
                .map(|refusal| refusal.id.as_str()),
        )
        .collect();
    let index: HashMap<&str, usize> = route
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| (step.id.as_str(), i))
        .collect();
    let key = route.key();
    let known_steps = || join_sorted(route.steps.iter().map(|step| step.id.as_str()));

    if !index.contains_key(route.start.as_str()) {
        lint.push(
            Diagnostic::error(
                "unknown-step",
                lint.at(&format!("routes[{r}].start")),
                format!("route `{key}` starts at unknown step `{}`", route.start),
            )
            .with_hint(format!("steps of this route: {}", known_steps())),
        );
    }
    if route.variant.as_deref().is_some_and(str::is_empty) {
        lint.push(
            Diagnostic::error(
                "empty-variant",
                lint.at(&format!("routes[{r}].variant")),
                "an empty variant name",
            )
            .with_hint("omit `variant` or name it"),
        );
    }

    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); route.steps.len()];
    for (s, step) in route.steps.iter().enumerate() {
        let path = format!("routes[{r}].steps[{s}]");
        let mut target = |lint: &mut Lint<'_>, field_path: String, next: &str| match index.get(next)
        {
            Some(&t) => successors[s].push(t),
            None => lint.push(
                Diagnostic::error(
                    "unknown-step",
                    lint.at(&field_path),
                    format!("step `{}` hands to unknown step `{next}`", step.id),
                )
                .with_hint(format!("steps of route `{key}`: {}", known_steps())),
            ),
        };
        if let Some(next) = &step.next {
            target(lint, format!("{path}.next"), next);
        }
        for (o, outcome) in step.outcomes.iter().enumerate() {
            target(lint, format!("{path}.outcomes[{o}].next"), &outcome.next);
        }
        if let Some(next) = &step.on_timeout {
            target(lint, format!("{path}.on_timeout"), next);
        }

        match (&step.role, step.kind) {
            (Some(role), _) if !roles.contains(role.as_str()) => lint.push(
                Diagnostic::error(
                    "unknown-role",
                    lint.at(&format!("{path}.role")),
                    format!("unknown role `{role}`"),
                )
                .with_hint(format!(
                    "declared roles: {}",
                    join_sorted(roles.iter().copied())
                )),
            ),
            (None, kind) if kind != StepKind::End => lint.push(
                Diagnostic::error(
                    "missing-role",
                    lint.key(&format!("{path}.id")),
                    format!("step `{}` has no `role`", step.id),
                )
                .with_hint("say who acts: a role id from `roles`"),
            ),
            _ => {}
        }
        if step.kind != StepKind::End && step.action.is_none() {
            lint.push(
                Diagnostic::error(
                    "missing-action",
                    lint.key(&format!("{path}.id")),
                    format!("step `{}` has no `action`", step.id),
                )
                .with_hint("describe what is done, as the regulation words it"),
            );
        }
        if let Some(limit) = &step.limit
            && limit.amount == 0
        {
            lint.push(
                Diagnostic::warning(
                    "zero-limit",
                    lint.at(&format!("{path}.limit.amount")),
                    format!("step `{}` has a limit of 0 {}", step.id, limit.unit),
                )
                .with_hint("omit `limit` when the regulation gives none"),
            );
        }
        match step.kind {
            StepKind::Decision => {
                if step.outcomes.is_empty() {
                    lint.push(
                        Diagnostic::error(
                            "decision-without-outcomes",
                            lint.key(&format!("{path}.id")),
                            format!("decision `{}` has no outcomes", step.id),
                        )
                        .with_hint("list the named outcomes and the step each leads to"),
                    );
                } else if step.outcomes.len() == 1 {
                    lint.push(
                        Diagnostic::warning(
                            "single-outcome",
                            lint.at(&format!("{path}.outcomes")),
                            format!("decision `{}` has a single outcome", step.id),
                        )
                        .with_hint(
                            "a choice needs at least two outcomes; make it a task with `next`",
                        ),
                    );
                }
                if step.next.is_some() {
                    lint.push(
                        Diagnostic::error(
                            "decision-with-next",
                            lint.key(&format!("{path}.next")),
                            format!("decision `{}` has `next`", step.id),
                        )
                        .with_hint("a decision continues through its `outcomes`"),
                    );
                }
            }
            StepKind::End => {
                match &step.result {
                    None => lint.push(
                        Diagnostic::error(
                            "missing-result",
                            lint.key(&format!("{path}.id")),
                            format!("end `{}` has no `result`", step.id),
                        )
                        .with_hint("name the result or refusal the route ends with"),
                    ),
                    Some(result) if !results.contains(result.as_str()) => lint.push(
                        Diagnostic::error(
                            "unknown-result",
                            lint.at(&format!("{path}.result")),
                            format!("unknown result `{result}`"),
                        )
                        .with_hint(format!(
                            "declared results and refusals: {}",
                            join_sorted(results.iter().copied())
                        )),
                    ),
                    Some(_) => {}
                }
                if step.next.is_some() || !step.outcomes.is_empty() || step.on_timeout.is_some() {
                    lint.push(
                        Diagnostic::error(
                            "end-continues",
                            lint.key(&format!("{path}.id")),
                            format!("end `{}` leads somewhere", step.id),
                        )
                        .with_hint("an end step has no `next`, `outcomes` or `on_timeout`"),
                    );
                }
            }
            StepKind::Task | StepKind::Auto | StepKind::Wait => {
                if step.next.is_none() {
                    lint.push(
                        Diagnostic::error(
                            "dead-end",
                            lint.key(&format!("{path}.id")),
                            format!("step `{}` has no `next`", step.id),
                        )
                        .with_hint(
                            "hand on to the next step, or end the route with a `kind: end` step",
                        ),
                    );
                }
                if !step.outcomes.is_empty() {
                    lint.push(
                        Diagnostic::error(
                            "outcomes-without-decision",
                            lint.at(&format!("{path}.outcomes")),
                            format!("step `{}` has outcomes but is not a decision", step.id),
                        )
                        .with_hint("set `kind: decision`"),
                    );
                }
                if step.kind == StepKind::Wait && step.limit.is_none() {
                    lint.push(
                        Diagnostic::error(
                            "wait-without-limit",
                            lint.key(&format!("{path}.id")),
                            format!("wait `{}` has no `limit`", step.id),
                        )
                        .with_hint("a wait lasts at most its limit; give it"),
                    );
                }
                if step.kind != StepKind::Wait && step.on_timeout.is_some() {
                    lint.push(
                        Diagnostic::error(
                            "timeout-without-wait",
                            lint.key(&format!("{path}.on_timeout")),
                            format!("step `{}` has `on_timeout` but is not a wait", step.id),
                        )
                        .with_hint("set `kind: wait`"),
                    );
                }
            }
        }
        if step.kind != StepKind::End && step.result.is_some() {
            lint.push(
                Diagnostic::error(
                    "result-not-at-end",
                    lint.key(&format!("{path}.result")),
                    format!("step `{}` has a `result` but is not an end", step.id),
                )
                .with_hint("results are given by `kind: end` steps"),
            );
        }
    }

    // Reachability from the start, and whether each step can reach an end.
    if let Some(&start) = index.get(route.start.as_str()) {
        let reachable = reach(start, &successors);
        for (s, step) in route.steps.iter().enumerate() {
            if !reachable[s] {
                lint.push(
                    Diagnostic::error(
                        "unreachable-step",
                        lint.key(&format!("routes[{r}].steps[{s}].id")),
                        format!(
                            "step `{}` cannot be reached from `{}`",
                            step.id, route.start
                        ),
                    )
                    .with_hint("hand on to it from an earlier step, or remove it"),
                );
            }
        }
        let ends: Vec<bool> = route
            .steps
            .iter()
            .map(|step| step.kind == StepKind::End)
            .collect();
        let mut finishes = ends.clone();
        // Fixed point: a step finishes when one successor finishes. Bounded by
        // the number of steps.
        for _ in 0..route.steps.len() {
            let mut changed = false;
            for s in 0..route.steps.len() {
                if !finishes[s] && successors[s].iter().any(|&t| finishes[t]) {
                    finishes[s] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for (s, step) in route.steps.iter().enumerate() {
            if reachable[s] && !finishes[s] {
                lint.push(
                    Diagnostic::error(
                        "no-result",
                        lint.key(&format!("routes[{r}].steps[{s}].id")),
                        format!("from step `{}` the route never reaches a result", step.id),
                    )
                    .with_hint(
                        "every path must end in a `kind: end` step with a result or refusal",
                    ),
                );
            }
        }
    }
}

/// `verifies` sits on a system's automatic step or two-way decision of a
/// portal route that the applicant signs before it.
fn verifications(lint: &mut Lint<'_>, file: &RegulationFile, r: usize, route: &Route) {
    for (s, step) in route.steps.iter().enumerate() {
        let Some(verification) = step.verifies else {
            continue;
        };
        let path = format!("routes[{r}].steps[{s}].verifies");
        let mut problem = |message: String, hint: &str| {
            lint.push(
                Diagnostic::error("misplaced-verification", lint.at(&path), message)
                    .with_hint(hint.to_owned()),
            );
        };
        let system = step
            .role
            .as_deref()
            .and_then(|role| file.roles.iter().find(|declared| declared.id == role))
            .is_some_and(|role| matches!(role.org, OrgKind::Portal | OrgKind::InformationSystem));
        if !matches!(step.kind, StepKind::Auto | StepKind::Decision) || !system {
            problem(
                format!(
                    "step `{}` verifies something but is not an automatic step or decision of the portal or an information system",
                    step.id
                ),
                "set `kind: auto` or `kind: decision` and a role whose org is `portal` or `information_system`",
            );
        }
        if step.kind == StepKind::Decision && step.outcomes.len() != 2 {
            problem(
                format!(
                    "decision `{}` verifies something, so it has two outcomes (passed, failed), not {}",
                    step.id,
                    step.outcomes.len()
                ),
                "list the outcome taken when the check passes first, then the one taken when it fails",
            );
        }
        match verification {
            Verification::RequestSignature => {
                if route.channel != Channel::Portal {
                    problem(
                        format!(
                            "step `{}` verifies the request's signature on route `{}`: only portal requests are signed",
                            step.id,
                            route.key()
                        ),
                        "remove `verifies`, or move the step to the portal route",
                    );
                }
                let signed_before = route.steps[..s].iter().any(|earlier| earlier.signs);
                if !signed_before {
                    problem(
                        format!(
                            "step `{}` verifies the request's signature, but no earlier step of the route is signed",
                            step.id
                        ),
                        "mark the applicant's signing step with `signs: true`",
                    );
                }
            }
        }
    }
}

/// The answers a step with `calls` can end with, as the engine resolves
/// them: the first answer (in `calls` order) that is not its system's
/// positive one, else the first system's positive answer. So the positive
/// answer of any system but the first is never the step's answer.
fn step_answers(calls: &[System]) -> Vec<Answer> {
    let mut answers = Vec::new();
    if let Some(first) = calls.first() {
        answers.push(first.positive());
    }
    for system in calls {
        for &answer in &system.answers()[1..] {
            if !answers.contains(&answer) {
                answers.push(answer);
            }
        }
    }
    answers
}

fn is_staff(org: OrgKind) -> bool {
    matches!(
        org,
        OrgKind::Provider | OrgKind::ServiceCentre | OrgKind::RuralAkimat | OrgKind::Other
    )
}

/// `calls`, `manual_check` and `answers` as the engine runs them
/// (crates/engine/src/decide/gateway.rs `ask`, `answered`; route.rs `automatic_outcome`):
///
/// - entering a step with `calls` asks the systems and, once they have
///   answered, goes on through the step's `next`, so only `auto` and `task`
///   steps (the kinds with a plain `next`) may call: a decision has no
///   `next`, a wait's limit and `on_timeout` would never apply, an end
///   closes the case;
/// - an answer the step cannot take, or a gateway failure, opens a task
///   for `manual_check`, so it names a staff role (one whose people take
///   tasks);
/// - a decision that maps answers takes the outcome listing the step's
///   answer and ignores `when` and `verifies`; it reads the answer of the
///   latest step that called, so every way into it is the `next` of a
///   step with `calls`, and every answer that step can end with needs
///   exactly one outcome (the engine stops with "no outcome for the
///   answer" otherwise).
fn gateway_calls(lint: &mut Lint<'_>, file: &RegulationFile, r: usize, route: &Route) {
    let roles: HashMap<&str, OrgKind> = file
        .roles
        .iter()
        .map(|role| (role.id.as_str(), role.org))
        .collect();
    for (s, step) in route.steps.iter().enumerate() {
        let path = format!("routes[{r}].steps[{s}]");
        if !step.calls.is_empty() {
            if !matches!(step.kind, StepKind::Auto | StepKind::Task) {
                lint.push(
                    Diagnostic::error(
                        "misplaced-calls",
                        lint.key(&format!("{path}.calls")),
                        format!(
                            "step `{}` calls information systems but is a `{}`",
                            step.id,
                            kind_name(step.kind)
                        ),
                    )
                    .with_hint("put `calls` on the `auto` or `task` step that makes the request; a `decision` right after it takes its outcome from the answers"),
                );
            }
            let mut seen = HashSet::new();
            for (c, system) in step.calls.iter().enumerate() {
                if !seen.insert(*system) {
                    lint.push(
                        Diagnostic::error(
                            "duplicate-call",
                            lint.at(&format!("{path}.calls[{c}]")),
                            format!("step `{}` calls `{system}` twice", step.id),
                        )
                        .with_hint("each system is asked once per step; remove the repetition"),
                    );
                }
            }
            match step.manual_check.as_deref() {
                None => lint.push(
                    Diagnostic::error(
                        "missing-manual-check",
                        lint.key(&format!("{path}.calls")),
                        format!("step `{}` calls information systems but has no `manual_check`", step.id),
                    )
                    .with_hint("name the staff role that checks by hand when a system cannot be reached, usually the role of the step"),
                ),
                Some(role) => match roles.get(role) {
                    None => lint.push(
                        Diagnostic::error(
                            "unknown-role",
                            lint.at(&format!("{path}.manual_check")),
                            format!("unknown role `{role}`"),
                        )
                        .with_hint(format!(
                            "declared roles: {}",
                            join_sorted(roles.keys().copied())
                        )),
                    ),
                    Some(&org) if !is_staff(org) => lint.push(
                        Diagnostic::error(
                            "manual-check-not-staff",
                            lint.at(&format!("{path}.manual_check")),
                            format!(
                                "`manual_check` role `{role}` belongs to `{}`, whose people take no tasks",
                                org_name(org)
                            ),
                        )
                        .with_hint("name a role of the provider, the service centre, the rural akimat or another staffed organisation"),
                    ),
                    Some(_) => {}
                },
            }
        } else if step.manual_check.is_some() {
            lint.push(
                Diagnostic::error(
                    "manual-check-without-calls",
                    lint.key(&format!("{path}.manual_check")),
                    format!("step `{}` has `manual_check` but calls no system", step.id),
                )
                .with_hint("add `calls:`, or remove `manual_check`"),
            );
        }

        // Decisions that take answers.
        let takes_answers = step
            .outcomes
            .iter()
            .any(|outcome| !outcome.answers.is_empty());
        if !takes_answers {
            continue;
        }
        // Every way into the decision, and the systems asked before it.
        let mut callers: Vec<usize> = Vec::new();
        let mut bad_entry: Option<String> = None;
        if route.start == step.id {
            bad_entry = Some(format!("the route starts at `{}`", step.id));
        }
        for (p, earlier) in route.steps.iter().enumerate() {
            let by_next = earlier.next.as_deref() == Some(step.id.as_str());
            let other = earlier
                .outcomes
                .iter()
                .any(|outcome| outcome.next == step.id)
                || earlier.on_timeout.as_deref() == Some(step.id.as_str());
            if by_next && !earlier.calls.is_empty() {
                callers.push(p);
            } else if (by_next || other) && bad_entry.is_none() {
                bad_entry = Some(format!(
                    "it is entered from `{}`, which calls no system",
                    earlier.id
                ));
            }
        }
        let systems: Vec<System> = callers
            .iter()
            .flat_map(|&p| route.steps[p].calls.iter().copied())
            .collect();
        let first_answers = step
            .outcomes
            .iter()
            .position(|outcome| !outcome.answers.is_empty())
            .unwrap_or(0);
        let answers_key = format!("{path}.outcomes[{first_answers}].answers");
        if callers.is_empty() || bad_entry.is_some() {
            let why = bad_entry.unwrap_or_else(|| "no step hands on to it after calling".into());
            lint.push(
                Diagnostic::error(
                    "answers-without-calls",
                    lint.key(&answers_key),
                    format!(
                        "decision `{}` takes its outcome from systems' answers, but {why}",
                        step.id
                    ),
                )
                .with_hint("`answers:` belong on a decision that is the `next` of a step with `calls`, and is entered only that way"),
            );
        }
        if step.verifies.is_some() {
            lint.push(
                Diagnostic::error(
                    "answers-with-condition",
                    lint.key(&format!("{path}.verifies")),
                    format!("decision `{}` takes answers and also verifies something; `verifies` would be ignored", step.id),
                )
                .with_hint("a decision takes its outcome either from answers or from its own check; split it in two"),
            );
        }
        let mut taken: HashMap<Answer, &str> = HashMap::new();
        for (o, outcome) in step.outcomes.iter().enumerate() {
            let outcome_path = format!("{path}.outcomes[{o}]");
            if outcome.when.is_some() {
                lint.push(
                    Diagnostic::error(
                        "answers-with-condition",
                        lint.key(&format!("{outcome_path}.when")),
                        format!("outcome `{}` of decision `{}` has `when`, but the decision takes answers; `when` would be ignored", outcome.id, step.id),
                    )
                    .with_hint("give the outcome `answers:` instead of `when:`"),
                );
            }
            if outcome.answers.is_empty() {
                lint.push(
                    Diagnostic::error(
                        "outcome-without-answers",
                        lint.key(&format!("{outcome_path}.id")),
                        format!(
                            "outcome `{}` of decision `{}` lists no answers, so it is never taken",
                            outcome.id, step.id
                        ),
                    )
                    .with_hint("list the answers that lead to it, or remove it"),
                );
            }
            for (a, answer) in outcome.answers.iter().enumerate() {
                let answer_path = format!("{outcome_path}.answers[{a}]");
                if let Some(first) = taken.get(answer) {
                    lint.push(
                        Diagnostic::error(
                            "duplicate-answer",
                            lint.at(&answer_path),
                            format!("answer `{answer}` is already taken by outcome `{first}` of decision `{}`", step.id),
                        )
                        .with_hint("each answer leads to one outcome"),
                    );
                    continue;
                }
                taken.insert(*answer, outcome.id.as_str());
                if callers.is_empty() {
                    continue;
                }
                if !systems.iter().any(|system| system.can_answer(*answer)) {
                    lint.push(
                        Diagnostic::error(
                            "impossible-answer",
                            lint.at(&answer_path),
                            format!("no system called before `{}` answers `{answer}`", step.id),
                        )
                        .with_hint(format!(
                            "the answers of {}: {}",
                            join_sorted(systems.iter().map(|system| system.as_str())),
                            join_sorted(systems.iter().flat_map(|system| {
                                system.answers().iter().map(|answer| answer.as_str())
                            }))
                        )),
                    );
                } else if !callers
                    .iter()
                    .any(|&p| step_answers(&route.steps[p].calls).contains(answer))
                {
                    lint.push(
                        Diagnostic::warning(
                            "answer-never-taken",
                            lint.at(&answer_path),
                            format!(
                                "`{answer}` is the positive answer of a system that is not called first, so the step before `{}` never ends with it",
                                step.id
                            ),
                        )
                        .with_hint("the step's answer is the first non-positive answer in `calls` order, else the first system's positive answer; list that one"),
                    );
                }
            }
        }
        for &p in &callers {
            let caller = &route.steps[p];
            let missing: Vec<&str> = step_answers(&caller.calls)
                .into_iter()
                .filter(|answer| !taken.contains_key(answer))
                .map(Answer::as_str)
                .collect();
            if !missing.is_empty() {
                lint.push(
                    Diagnostic::error(
                        "answer-not-covered",
                        lint.key(&format!("{path}.id")),
                        format!(
                            "decision `{}` has no outcome for {} from step `{}`",
                            step.id,
                            join_sorted(missing.iter().copied()),
                            caller.id
                        ),
                    )
                    .with_hint("the engine stops a case whose answer no outcome lists; add the answers to the outcome the seed gives them (usually the refusal or \"data cannot be obtained\" branch)"),
                );
            }
        }
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

fn org_name(org: OrgKind) -> &'static str {
    match org {
        OrgKind::Applicant => "applicant",
        OrgKind::Provider => "provider",
        OrgKind::ServiceCentre => "service_centre",
        OrgKind::RuralAkimat => "rural_akimat",
        OrgKind::Portal => "portal",
        OrgKind::InformationSystem => "information_system",
        OrgKind::Other => "other",
    }
}

fn reach(start: usize, successors: &[Vec<usize>]) -> Vec<bool> {
    let mut seen = vec![false; successors.len()];
    let mut stack = vec![start];
    while let Some(node) = stack.pop() {
        if std::mem::replace(&mut seen[node], true) {
            continue;
        }
        stack.extend(successors[node].iter().copied().filter(|&t| !seen[t]));
    }
    seen
}

/// A fixed reference start for comparing a route's step limits with its
/// term: Monday 4 February 2019, 09:00 in Almaty — a week with no holiday
/// near it, so the comparison measures the regulation, not the calendar.
fn reference_start() -> Option<jiff::Timestamp> {
    jiff::civil::date(2019, 2, 4)
        .at(9, 0, 0, 0)
        .in_tz("Asia/Almaty")
        .ok()
        .map(|zoned| zoned.timestamp())
}

/// Nominal weight of a limit in working minutes, used only to pick the
/// longest path (8 working hours a day, 21 working days a month).
fn weight(duration: Duration) -> u64 {
    let amount = u64::from(duration.amount);
    match duration.unit {
        Unit::Minutes => amount,
        Unit::Hours => amount * 60,
        Unit::WorkingDays => amount * 8 * 60,
        Unit::CalendarDays => amount * 8 * 60 * 5 / 7,
        Unit::Months => amount * 21 * 8 * 60,
    }
}

/// The chain of limits on the path from the start that weighs most
/// (ignoring edges back to a step already on the path).
pub fn longest_path(route: &Route) -> Vec<Duration> {
    let index: HashMap<&str, usize> = route
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| (step.id.as_str(), i))
        .collect();
    let Some(&start) = index.get(route.start.as_str()) else {
        return Vec::new();
    };
    let successors: Vec<Vec<usize>> = route
        .steps
        .iter()
        .map(|step| {
            step.next
                .iter()
                .chain(step.outcomes.iter().map(|outcome| &outcome.next))
                .chain(step.on_timeout.iter())
                .filter_map(|next| index.get(next.as_str()).copied())
                .collect()
        })
        .collect();
    // Memoised DFS on the DAG left after dropping back edges.
    let mut best: BTreeMap<usize, (u64, Vec<Duration>)> = BTreeMap::new();
    let mut on_path = vec![false; route.steps.len()];
    fn visit(
        node: usize,
        route: &Route,
        successors: &[Vec<usize>],
        on_path: &mut [bool],
        best: &mut BTreeMap<usize, (u64, Vec<Duration>)>,
        depth: usize,
    ) -> (u64, Vec<Duration>) {
        if let Some(known) = best.get(&node) {
            return known.clone();
        }
        let own = route.steps[node]
            .limit
            .as_ref()
            .map(|limit| limit.duration());
        on_path[node] = true;
        let mut tail = (0u64, Vec::new());
        if depth < 512 {
            for &next in &successors[node] {
                if on_path[next] {
                    continue;
                }
                let candidate = visit(next, route, successors, on_path, best, depth + 1);
                if candidate.0 > tail.0 {
                    tail = candidate;
                }
            }
        }
        on_path[node] = false;
        let mut chain = Vec::with_capacity(tail.1.len() + 1);
        chain.extend(own);
        chain.extend(tail.1);
        let result = (tail.0 + own.map_or(0, weight), chain);
        best.insert(node, result.clone());
        result
    }
    visit(start, route, &successors, &mut on_path, &mut best, 0).1
}

fn route_terms(lint: &mut Lint<'_>, r: usize, route: &Route, calendar: &Calendar) {
    let Some(term) = &route.term else {
        return;
    };
    let Some(start) = reference_start() else {
        return;
    };
    let schedule = Schedule::standard();
    let clock = LegalClock::new(calendar, &schedule);
    let rule = TermRule {
        acceptance_day_not_counted: term.acceptance_day_not_counted,
    };
    let Ok(term_end) = clock.deadline(start, term.duration(), rule) else {
        return;
    };
    let chain = longest_path(route);
    let mut at = start;
    for limit in &chain {
        match clock.deadline(at, *limit, TermRule::default()) {
            Ok(next) => at = next,
            Err(_) => return,
        }
    }
    if at > term_end {
        let over = clock.working_minutes_between(term_end, at);
        let steps = chain
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" + ");
        lint.push(
            Diagnostic::warning(
                "term-exceeded",
                lint.at(&format!("routes[{r}].term")),
                format!(
                    "the step limits of route `{}` ({steps}) exceed its term of {} by {} working minutes",
                    route.key(),
                    term.duration(),
                    over
                ),
            )
            .with_hint("the seed's step limits do not fit its overall term; record the conflict in `conflicts:`"),
        );
    }
}

fn conflicts(lint: &mut Lint<'_>, file: &RegulationFile) {
    for (index, conflict) in file.conflicts.iter().enumerate() {
        let path = format!("conflicts[{index}]");
        let resolves = resolve_about(file, &conflict.about);
        if !resolves {
            lint.push(
                Diagnostic::error("unknown-conflict-target", lint.at(&format!("{path}.about")), format!("`{}` names no route or step", conflict.about))
                    .with_hint("write `route` or `route/step`, e.g. `service_centre/sc-5`, or a top-level section name"),
            );
        }
        let others: Vec<String> = conflict
            .other
            .iter()
            .map(|source| format!("line {}", source.line))
            .collect();
        lint.push(
            Diagnostic::warning(
                "seed-conflict",
                lint.at(&format!("{path}.id")),
                format!(
                    "recorded seed conflict `{}` about `{}`: encoded line {}, the seed says otherwise at {}",
                    conflict.id,
                    conflict.about,
                    conflict.encoded.line,
                    if others.is_empty() { "(not given)".to_owned() } else { others.join(", ") }
                ),
            )
            .with_hint(conflict.text.en.clone().unwrap_or_else(|| conflict.text.kk.clone())),
        );
    }
}

/// `about` is a route key, `route/step`, `route-key/step` (variant keys have
/// a slash themselves), or a top-level section (`act`, `service`, …).
fn resolve_about(file: &RegulationFile, about: &str) -> bool {
    const SECTIONS: [&str; 8] = [
        "act",
        "service",
        "documents",
        "roles",
        "form",
        "rules",
        "routes",
        "seed",
    ];
    if SECTIONS
        .iter()
        .any(|section| about == *section || about.starts_with(&format!("{section}.")))
    {
        return true;
    }
    file.routes.iter().any(|route| {
        let key = route.key();
        about == key
            || about
                .strip_prefix(&key)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|step| route.steps.iter().any(|s| s.id == step) || step == "term")
    })
}
