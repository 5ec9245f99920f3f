//! One route as a graph of steps, with the route's steps indexed by id.

use std::collections::HashMap;

use qyzmet_core::{Duration, Text};
use serde::Serialize;

use crate::syntax::{Channel, Limit, Route, Step, StepKind, Term};

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
    /// The route as the file writes it: `steps[i]` is the step of
    /// `nodes[i]`.
    #[serde(skip)]
    route: Route,
    #[serde(skip)]
    index: HashMap<String, usize>,
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
        let index: HashMap<String, usize> = route
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| (step.id.clone(), i))
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
            route: route.clone(),
            index,
        }
    }

    /// The index of step `id`.
    pub fn node(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Step `id` as the regulation writes it (action, outcomes, calls …).
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.index
            .get(id)
            .and_then(|&index| self.route.steps.get(index))
    }

    /// The steps in the file's order (`steps()[i]` is `nodes[i]`).
    pub fn steps(&self) -> &[Step] {
        &self.route.steps
    }

    /// The id of the first step.
    pub fn start_id(&self) -> &str {
        &self.route.start
    }

    pub fn title(&self) -> Option<&Text> {
        self.route.title.as_ref()
    }

    /// The overall term of the service through this route.
    pub fn term(&self) -> Option<&Term> {
        self.route.term.as_ref()
    }

    pub fn max_wait(&self) -> Option<&Limit> {
        self.route.max_wait.as_ref()
    }

    pub fn max_service(&self) -> Option<&Limit> {
        self.route.max_service.as_ref()
    }
}

fn edges(step: &Step, index: &HashMap<String, usize>) -> Vec<Edge> {
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
