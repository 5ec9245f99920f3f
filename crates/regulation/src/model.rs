//! The compiled process model: what the engine runs and the renderers draw.
//!
//! `compile` is only called on a file the linter passed without errors, so
//! every reference resolves; it still never panics (an unresolved reference
//! simply has no edge).

use std::collections::HashMap;

use qyzmet_core::{Duration, Lang};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::syntax::{Channel, RegulationFile, Route, Step, StepKind};

/// An immutable, content-hashed regulation edition.
#[derive(Clone, Debug, Serialize)]
pub struct ProcessModel {
    pub id: String,
    /// `sha256:<hex>` of the file's bytes: a case pins the edition it was
    /// submitted under by this hash.
    pub hash: String,
    pub file: RegulationFile,
    pub routes: Vec<RouteGraph>,
}

/// One route as a graph of steps.
#[derive(Clone, Debug, Serialize)]
pub struct RouteGraph {
    /// `channel` or `channel/variant`.
    pub key: String,
    pub channel: Channel,
    pub variant: Option<String>,
    /// Index of the start node.
    pub start: usize,
    pub nodes: Vec<Node>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Node {
    pub id: String,
    pub kind: StepKind,
    pub role: Option<String>,
    pub limit: Option<Duration>,
    pub edges: Vec<Edge>,
    /// For an end node: the result or refusal id.
    pub result: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Edge {
    pub target: usize,
    /// The decision outcome this edge is taken on.
    pub outcome: Option<String>,
    /// Taken when a wait's limit passes.
    pub timeout: bool,
}

impl RouteGraph {
    pub fn from_route(route: &Route) -> RouteGraph {
        let index: HashMap<&str, usize> = route
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| (step.id.as_str(), i))
            .collect();
        let nodes = route
            .steps
            .iter()
            .map(|step| Node {
                id: step.id.clone(),
                kind: step.kind,
                role: step.role.clone(),
                limit: step.limit.as_ref().map(|limit| limit.duration()),
                edges: edges(step, &index),
                result: step.result.clone(),
            })
            .collect();
        RouteGraph {
            key: route.key(),
            channel: route.channel,
            variant: route.variant.clone(),
            start: index.get(route.start.as_str()).copied().unwrap_or(0),
            nodes,
        }
    }

    pub fn node(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|node| node.id == id)
    }
}

fn edges(step: &Step, index: &HashMap<&str, usize>) -> Vec<Edge> {
    let mut edges = Vec::new();
    if let Some(target) = step.next.as_deref().and_then(|next| index.get(next)) {
        edges.push(Edge {
            target: *target,
            outcome: None,
            timeout: false,
        });
    }
    for outcome in &step.outcomes {
        if let Some(target) = index.get(outcome.next.as_str()) {
            edges.push(Edge {
                target: *target,
                outcome: Some(outcome.id.clone()),
                timeout: false,
            });
        }
    }
    if let Some(target) = step.on_timeout.as_deref().and_then(|next| index.get(next)) {
        edges.push(Edge {
            target: *target,
            outcome: None,
            timeout: true,
        });
    }
    edges
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
    let routes = file.routes.iter().map(RouteGraph::from_route).collect();
    ProcessModel {
        id: file.id.clone(),
        hash: content_hash(text),
        file,
        routes,
    }
}

impl ProcessModel {
    /// The title of role `id` in `lang` (Kazakh when missing), or the id when
    /// the regulation has no such role.
    pub fn role_title(&self, id: &str, lang: Lang) -> String {
        self.file
            .roles
            .iter()
            .find(|role| role.id == id)
            .map(|role| role.title.get(lang).trim().to_owned())
            .filter(|title| !title.is_empty())
            .unwrap_or_else(|| id.to_owned())
    }

    /// The title of result or refusal `id` in `lang`, or the id.
    pub fn result_title(&self, id: &str, lang: Lang) -> String {
        let service = &self.file.service;
        service
            .results
            .iter()
            .find(|result| result.id == id)
            .map(|result| &result.title)
            .or_else(|| {
                service
                    .refusals
                    .iter()
                    .find(|refusal| refusal.id == id)
                    .map(|refusal| &refusal.title)
            })
            .map(|title| title.get(lang).trim().to_owned())
            .filter(|title| !title.is_empty())
            .unwrap_or_else(|| id.to_owned())
    }
}
