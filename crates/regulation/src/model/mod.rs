//! The compiled process model: what the engine runs and the renderers draw.
//!
//! `compile` is only called on a file the linter passed without errors, so
//! every reference resolves; it still never panics (an unresolved reference
//! simply has no edge, an unknown id no entry).
//!
//! Consumers outside this crate read the model through its accessors —
//! roles by id with their organisation and the head of each organisation,
//! the form, the documents, the results, the signing steps, the routes with
//! their steps by id — and never the parsed file: how the file spells a
//! thing is this crate's business. The leaf types (a `Step`, a
//! `FormField`, the enums) are the file's own and are re-exported here.

mod graph;

use std::collections::HashMap;

use qyzmet_core::{Lang, Text};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::syntax::RegulationFile;
pub use crate::syntax::{
    Act, Answer, Channel, Conflict, Delivery, Document, Edition, EditionKind, Extension, Fee,
    FieldType, FormField, Ground, LegalDate, Limit, OfficeHours, OrgKind, Outcome, Recipient,
    RefusalDef, RefusalKind, ResultDef, ResultKind, Role, Rule, Seed, Service, ServiceForm, Source,
    Step, StepKind, System, Term, Verification,
};
pub use graph::{Edge, Node, RouteGraph};

/// An immutable, content-hashed regulation edition.
#[derive(Clone, Debug, Serialize)]
pub struct ProcessModel {
    pub id: String,
    /// `sha256:<hex>` of the file's bytes: a case pins the edition it was
    /// submitted under by this hash.
    pub hash: String,
    /// The parsed file, for the renderers of this crate. Outside this crate
    /// use the accessors; this field stays public only until the last
    /// callers move (see `docs/architecture.md`).
    #[doc(hidden)]
    pub file: RegulationFile,
    pub routes: Vec<RouteGraph>,
    #[serde(skip)]
    index: Index,
}

/// Lookups built once at compile time.
#[derive(Clone, Debug, Default)]
struct Index {
    roles: HashMap<String, usize>,
    /// The head role of each organisation that has one (index in `roles`).
    heads: Vec<(OrgKind, usize)>,
    /// Organisations in the order their first role is declared.
    orgs: Vec<OrgKind>,
    form: HashMap<String, usize>,
    documents: HashMap<String, usize>,
    routes: HashMap<String, usize>,
    signing: Vec<SigningStep>,
}

/// A result or a refusal, by id.
#[derive(Clone, Copy, Debug)]
pub enum ResultRef<'a> {
    Result(&'a ResultDef),
    Refusal(&'a RefusalDef),
}

impl<'a> ResultRef<'a> {
    pub fn id(&self) -> &'a str {
        match self {
            ResultRef::Result(def) => &def.id,
            ResultRef::Refusal(def) => &def.id,
        }
    }

    pub fn title(&self) -> &'a Text {
        match self {
            ResultRef::Result(def) => &def.title,
            ResultRef::Refusal(def) => &def.title,
        }
    }

    /// The refusal's kind; `None` for a positive result.
    pub fn refusal_kind(&self) -> Option<RefusalKind> {
        match self {
            ResultRef::Result(_) => None,
            ResultRef::Refusal(def) => Some(def.kind),
        }
    }
}

/// A step marked `signs: true`, resolved: its route, role and organisation,
/// and the result it leads to.
#[derive(Clone, Debug, Serialize)]
pub struct SigningStep {
    /// The route key.
    pub route: String,
    pub step: String,
    pub kind: StepKind,
    pub role: Option<String>,
    /// The organisation of `role`.
    pub org: Option<OrgKind>,
    /// The result or refusal the step leads to without a further decision
    /// or wait (following `next` to an end); `None` when one comes first.
    pub result: Option<String>,
}

/// The result a step leads to without a further decision or wait: follow
/// the single edge of each step to an end. `None` when a decision or a
/// wait comes first.
pub fn result_ahead(graph: &RouteGraph, step_id: &str) -> Option<String> {
    let mut index = graph.node(step_id)?;
    for _ in 0..graph.nodes.len() {
        let node = &graph.nodes[index];
        if node.kind == StepKind::End {
            return node.result.clone();
        }
        if node.id != step_id && matches!(node.kind, StepKind::Decision | StepKind::Wait) {
            return None;
        }
        let [edge] = node.edges.as_slice() else {
            return None;
        };
        index = edge.target;
    }
    None
}

/// Organisations whose people take tasks; the others (the applicant, the
/// portal, information systems) act without a task.
pub fn is_staff(org: OrgKind) -> bool {
    matches!(
        org,
        OrgKind::Provider | OrgKind::ServiceCentre | OrgKind::RuralAkimat | OrgKind::Other
    )
}

/// The head of each organisation, by the format's rule: the role marked
/// `head: true`, else the role with id `head`. Organisations in the order
/// of their first role; the indices are into `roles`.
pub(crate) fn heads(roles: &[Role]) -> Vec<(OrgKind, usize)> {
    let mut heads = Vec::new();
    for org in orgs(roles) {
        let of_org = || {
            roles
                .iter()
                .enumerate()
                .filter(move |(_, role)| role.org == org)
        };
        let head = of_org()
            .find(|(_, role)| role.head)
            .or_else(|| of_org().find(|(_, role)| role.id == "head"));
        if let Some((index, _)) = head {
            heads.push((org, index));
        }
    }
    heads
}

fn orgs(roles: &[Role]) -> Vec<OrgKind> {
    let mut orgs = Vec::new();
    for role in roles {
        if !orgs.contains(&role.org) {
            orgs.push(role.org);
        }
    }
    orgs
}

/// The content hash of a regulation file's text.
pub fn content_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256:");
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Builds the process model of a file that linted without errors.
pub fn compile(file: RegulationFile, text: &str) -> ProcessModel {
    let routes: Vec<RouteGraph> = file.routes.iter().map(RouteGraph::from_route).collect();
    let by_id = |ids: Vec<&str>| -> HashMap<String, usize> {
        ids.into_iter()
            .enumerate()
            .map(|(i, id)| (id.to_owned(), i))
            .collect()
    };
    let roles = by_id(file.roles.iter().map(|role| role.id.as_str()).collect());
    let mut signing = Vec::new();
    for graph in &routes {
        for step in graph.steps().iter().filter(|step| step.signs) {
            let org = step
                .role
                .as_deref()
                .and_then(|role| roles.get(role))
                .map(|&index| file.roles[index].org);
            signing.push(SigningStep {
                route: graph.key.clone(),
                step: step.id.clone(),
                kind: step.kind,
                role: step.role.clone(),
                org,
                result: result_ahead(graph, &step.id),
            });
        }
    }
    let index = Index {
        heads: heads(&file.roles),
        orgs: orgs(&file.roles),
        roles,
        form: by_id(file.form.iter().map(|field| field.id.as_str()).collect()),
        documents: by_id(file.documents.iter().map(|doc| doc.id.as_str()).collect()),
        routes: by_id(routes.iter().map(|graph| graph.key.as_str()).collect()),
        signing,
    };
    ProcessModel {
        id: file.id.clone(),
        hash: content_hash(text),
        file,
        routes,
        index,
    }
}

impl ProcessModel {
    // ---- the act and the service -----------------------------------------

    /// The act that approved the regulation and its legal life.
    pub fn act(&self) -> &Act {
        &self.file.act
    }

    /// The region slug of the issuing akimat (`kyzylorda`, …).
    pub fn region(&self) -> &str {
        &self.file.act.region
    }

    /// What the service is and what it gives.
    pub fn service(&self) -> &Service {
        &self.file.service
    }

    /// The stable service id shared by every region's regulation of it.
    pub fn service_id(&self) -> &str {
        &self.file.service.id
    }

    pub fn service_title(&self) -> &Text {
        &self.file.service.title
    }

    /// Where the regulation's text comes from.
    pub fn seed(&self) -> &Seed {
        &self.file.seed
    }

    /// Places where the seed contradicts itself.
    pub fn conflicts(&self) -> &[Conflict] {
        &self.file.conflicts
    }

    // ---- roles -----------------------------------------------------------

    /// Every role, in the file's order.
    pub fn roles(&self) -> &[Role] {
        &self.file.roles
    }

    /// Role `id`.
    pub fn role(&self, id: &str) -> Option<&Role> {
        self.index
            .roles
            .get(id)
            .and_then(|&index| self.file.roles.get(index))
    }

    /// The organisation role `id` belongs to.
    pub fn org_of(&self, role: &str) -> Option<OrgKind> {
        self.role(role).map(|role| role.org)
    }

    /// The organisations the regulation has roles of, in the order of their
    /// first role.
    pub fn org_kinds(&self) -> &[OrgKind] {
        &self.index.orgs
    }

    /// The role that heads `org`: the one marked `head: true`, else the one
    /// with id `head` (resolved at compile time; the linter warns where the
    /// provider has several roles and none heads it).
    pub fn head_role(&self, org: OrgKind) -> Option<&Role> {
        self.index
            .heads
            .iter()
            .find(|(kind, _)| *kind == org)
            .and_then(|&(_, index)| self.file.roles.get(index))
    }

    /// The title of role `id` in `lang` (Kazakh when missing), or the id when
    /// the regulation has no such role.
    pub fn role_title(&self, id: &str, lang: Lang) -> String {
        self.role(id)
            .map(|role| role.title.get(lang).trim().to_owned())
            .filter(|title| !title.is_empty())
            .unwrap_or_else(|| id.to_owned())
    }

    // ---- what the applicant hands in ----------------------------------------

    /// The application form's fields, in the file's order.
    pub fn form(&self) -> &[FormField] {
        &self.file.form
    }

    pub fn form_field(&self, id: &str) -> Option<&FormField> {
        self.index
            .form
            .get(id)
            .and_then(|&index| self.file.form.get(index))
    }

    /// The document table, in the file's order.
    pub fn documents(&self) -> &[Document] {
        &self.file.documents
    }

    pub fn document(&self, id: &str) -> Option<&Document> {
        self.index
            .documents
            .get(id)
            .and_then(|&index| self.file.documents.get(index))
    }

    /// The documents a route requires: those naming its channel, and (when
    /// they name variants) its variant.
    pub fn documents_for<'a>(
        &'a self,
        channel: Channel,
        variant: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Document> + 'a {
        self.file.documents.iter().filter(move |document| {
            document.channels.contains(&channel)
                && (document.variants.is_empty()
                    || variant
                        .is_some_and(|variant| document.variants.iter().any(|v| v == variant)))
        })
    }

    /// Preconditions and refusal rules, in the file's order.
    pub fn rules(&self) -> &[Rule] {
        &self.file.rules
    }

    // ---- results -----------------------------------------------------------

    /// Positive results.
    pub fn results(&self) -> &[ResultDef] {
        &self.file.service.results
    }

    /// Negative results.
    pub fn refusals(&self) -> &[RefusalDef] {
        &self.file.service.refusals
    }

    /// Grounds on which a refusal may be given.
    pub fn refusal_grounds(&self) -> &[Ground] {
        &self.file.service.refusal_grounds
    }

    pub fn refusal_ground(&self, id: &str) -> Option<&Ground> {
        self.file
            .service
            .refusal_grounds
            .iter()
            .find(|ground| ground.id == id)
    }

    /// Result or refusal `id`.
    pub fn outcome(&self, id: &str) -> Option<ResultRef<'_>> {
        let service = &self.file.service;
        service
            .results
            .iter()
            .find(|def| def.id == id)
            .map(ResultRef::Result)
            .or_else(|| {
                service
                    .refusals
                    .iter()
                    .find(|def| def.id == id)
                    .map(ResultRef::Refusal)
            })
    }

    /// The title of result or refusal `id` in `lang`, or the id.
    pub fn result_title(&self, id: &str, lang: Lang) -> String {
        self.outcome(id)
            .map(|outcome| outcome.title().get(lang).trim().to_owned())
            .filter(|title| !title.is_empty())
            .unwrap_or_else(|| id.to_owned())
    }

    // ---- routes ------------------------------------------------------------

    /// Every route, in the file's order.
    pub fn routes(&self) -> &[RouteGraph] {
        &self.routes
    }

    /// The route with key `channel` or `channel/variant`.
    pub fn route(&self, key: &str) -> Option<&RouteGraph> {
        self.index
            .routes
            .get(key)
            .and_then(|&index| self.routes.get(index))
    }

    /// Step `step` of route `route`.
    pub fn step(&self, route: &str, step: &str) -> Option<&Step> {
        self.route(route)?.step(step)
    }

    /// The steps marked `signs: true`, route by route.
    pub fn signing_steps(&self) -> &[SigningStep] {
        &self.index.signing
    }

    /// Step `step` of `route`, when it is marked `signs: true`.
    pub fn signing_step(&self, route: &str, step: &str) -> Option<&SigningStep> {
        self.index
            .signing
            .iter()
            .find(|signing| signing.route == route && signing.step == step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: &str = "
- {id: clerk, org: provider, title: {kk: маман}}
- {id: head, org: provider, title: {kk: басшы}}
- {id: akim-specialist, org: rural_akimat, title: {kk: әкім аппаратының маманы}}
- {id: akim, org: rural_akimat, title: {kk: әкім}, head: true}
- {id: sc-operator, org: service_centre, title: {kk: басшы маманы}}
";

    #[test]
    fn heads_are_the_marked_role_else_the_role_named_head() {
        let roles: Vec<Role> = serde_yaml_roles(ROLES);
        let found: Vec<(OrgKind, &str)> = heads(&roles)
            .into_iter()
            .map(|(org, index)| (org, roles[index].id.as_str()))
            .collect();
        // No title is read: the service centre's «басшы» in a title makes
        // no head.
        assert_eq!(
            found,
            [(OrgKind::Provider, "head"), (OrgKind::RuralAkimat, "akim")]
        );
        let mut marked = roles.clone();
        marked[0].head = true;
        assert_eq!(roles[heads(&marked)[0].1].id, "clerk");
    }

    fn serde_yaml_roles(text: &str) -> Vec<Role> {
        let document = crate::yaml::parse(text).expect("yaml");
        serde_json::from_value(document.value).expect("roles")
    }
}
