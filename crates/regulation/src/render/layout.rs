//! The swimlane layout every diagram of a route is drawn from: the BPMN
//! DI (`bpmn`), the SVG flowchart (`svg`) and the Mermaid chart (`mermaid`).
//!
//! Two layers. [`layout`] is the abstract grid: one lane per role in the
//! order the route first uses them, a column per breadth-first depth from
//! the start, a row per step sharing a cell. [`Layout::frame`] turns it into
//! pixels on a renderer's [`Grid`]: the lanes' tops and heights and each
//! cell's left edge and middle line; [`waypoints`] routes a transition
//! between two shapes' [`Rect`]s. Renderers differ only in the sizes of
//! their grid, of the shapes they put in a cell and of an edge's turn, so a
//! step is in the same lane, column and row in the BPMN DI and in the SVG
//! of the same model (`tests/render.rs` checks it on the seed regulations).

use std::collections::VecDeque;

use crate::model::RouteGraph;

/// A node's cell: lane, column (0 is the start event's) and row inside
/// the lane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub lane: usize,
    pub column: usize,
    pub row: usize,
}

/// The abstract swimlane layout of one route.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// One lane per role, in the order the route first uses them; a
    /// single role-less lane when no step has a role.
    pub lanes: Vec<Option<String>>,
    /// How many rows each lane needs (at least 1).
    pub lane_rows: Vec<usize>,
    pub columns: usize,
    /// The synthetic start event's cell.
    pub start: Place,
    /// One per node.
    pub places: Vec<Place>,
}

/// Lays a route out: column = breadth-first depth from the start step
/// (plus one; the start event is in column 0), unreachable steps after
/// the deepest reachable one; lane = the step's role (a step without one,
/// like an end, takes the lane of its first predecessor with a role);
/// steps that share a cell go in separate rows. Every loop is bounded by
/// the number of nodes and edges.
pub fn layout(graph: &RouteGraph) -> Layout {
    let n = graph.nodes.len();
    if n == 0 {
        return Layout {
            lanes: Vec::new(),
            lane_rows: Vec::new(),
            columns: 1,
            start: Place::default(),
            places: Vec::new(),
        };
    }
    // Depths.
    let mut depth = vec![usize::MAX; n];
    let mut order = Vec::with_capacity(n);
    let mut max_depth = 0;
    let mut roots = Vec::with_capacity(n + 1);
    if graph.start < n {
        roots.push(graph.start);
    }
    roots.extend(0..n);
    let mut first_root = true;
    for root in roots {
        if depth[root] != usize::MAX {
            continue;
        }
        depth[root] = if first_root { 0 } else { max_depth + 1 };
        first_root = false;
        max_depth = max_depth.max(depth[root]);
        let mut queue = VecDeque::from([root]);
        while let Some(i) = queue.pop_front() {
            order.push(i);
            for edge in &graph.nodes[i].edges {
                if edge.target < n && depth[edge.target] == usize::MAX {
                    depth[edge.target] = depth[i] + 1;
                    max_depth = max_depth.max(depth[edge.target]);
                    queue.push_back(edge.target);
                }
            }
        }
    }
    // Lanes.
    let mut lanes: Vec<Option<String>> = Vec::new();
    let mut lane = vec![usize::MAX; n];
    for (i, node) in graph.nodes.iter().enumerate() {
        if let Some(role) = &node.role {
            let index = match lanes
                .iter()
                .position(|l| l.as_deref() == Some(role.as_str()))
            {
                Some(index) => index,
                None => {
                    lanes.push(Some(role.clone()));
                    lanes.len() - 1
                }
            };
            lane[i] = index;
        }
    }
    if lanes.is_empty() {
        lanes.push(None);
    }
    // Role-less steps: the lane of the first predecessor (in BFS order)
    // that has one.
    for &i in &order {
        if lane[i] >= lanes.len() {
            continue;
        }
        for edge in &graph.nodes[i].edges {
            if edge.target < n && lane[edge.target] == usize::MAX {
                lane[edge.target] = lane[i] + lanes.len();
            }
        }
    }
    for value in &mut lane {
        if *value == usize::MAX {
            *value = 0;
        } else if *value >= lanes.len() {
            *value -= lanes.len();
        }
    }
    // Rows.
    let start_lane = if graph.start < n {
        lane[graph.start]
    } else {
        0
    };
    let start = Place {
        lane: start_lane,
        column: 0,
        row: 0,
    };
    let mut cells: std::collections::BTreeMap<(usize, usize), usize> =
        std::collections::BTreeMap::new();
    cells.insert((start_lane, 0), 1);
    let mut places = vec![Place::default(); n];
    for (i, place) in places.iter_mut().enumerate() {
        let column = depth[i].saturating_add(1);
        let count = cells.entry((lane[i], column)).or_insert(0);
        *place = Place {
            lane: lane[i],
            column,
            row: *count,
        };
        *count += 1;
    }
    let mut lane_rows = vec![1; lanes.len()];
    for ((l, _), count) in &cells {
        if let Some(rows) = lane_rows.get_mut(*l) {
            *rows = (*rows).max(*count);
        }
    }
    Layout {
        lanes,
        lane_rows,
        columns: max_depth + 2,
        start,
        places,
    }
}

/// The pixel sizes of one renderer's grid.
#[derive(Clone, Copy, Debug)]
pub struct Grid {
    /// The width of a column.
    pub column_w: i64,
    /// The height of a row; a lane is `rows × row_h` high.
    pub row_h: i64,
    /// The least height of all lanes together (a route without steps).
    pub lanes_h_min: i64,
}

/// A layout placed on a grid: where its lanes and cells are.
#[derive(Clone, Debug)]
pub struct Frame {
    grid: Grid,
    /// The left edge of column 0's cells.
    content_x: i64,
    /// The top of the first lane.
    top: i64,
    /// The top of each lane, in lane order.
    pub lane_tops: Vec<i64>,
    /// The height of each lane, in lane order.
    pub lane_heights: Vec<i64>,
    /// The height of all lanes together.
    pub lanes_h: i64,
}

impl Layout {
    /// Places the layout's lanes from `top` down and its columns from
    /// `content_x` rightwards.
    pub fn frame(&self, grid: Grid, content_x: i64, top: i64) -> Frame {
        let lane_heights: Vec<i64> = self
            .lane_rows
            .iter()
            .map(|rows| (*rows).max(1) as i64 * grid.row_h)
            .collect();
        let mut lane_tops = Vec::with_capacity(lane_heights.len());
        let mut y = top;
        for h in &lane_heights {
            lane_tops.push(y);
            y += h;
        }
        let lanes_h = lane_heights.iter().sum::<i64>().max(grid.lanes_h_min);
        Frame {
            grid,
            content_x,
            top,
            lane_tops,
            lane_heights,
            lanes_h,
        }
    }
}

impl Frame {
    /// The left edge and the middle line of a cell.
    pub fn cell(&self, place: Place) -> (i64, i64) {
        let lane_y = self.lane_tops.get(place.lane).copied().unwrap_or(self.top);
        (
            self.content_x + place.column as i64 * self.grid.column_w,
            lane_y + place.row as i64 * self.grid.row_h + self.grid.row_h / 2,
        )
    }

    /// The top and height of lane `index` (one row high past the last).
    pub fn lane(&self, index: usize) -> (i64, i64) {
        (
            self.lane_tops.get(index).copied().unwrap_or(self.top),
            self.lane_heights
                .get(index)
                .copied()
                .unwrap_or(self.grid.row_h),
        )
    }
}

/// A shape's box in a renderer's pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rect {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
}

impl Rect {
    pub fn cx(&self) -> i64 {
        self.x + self.w / 2
    }
    pub fn cy(&self) -> i64 {
        self.y + self.h / 2
    }
    pub fn right(&self) -> i64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> i64 {
        self.y + self.h
    }
}

/// The orthogonal waypoints of a transition from `source` to `target`.
/// Forwards: straight when both are on one line; else down or up from the
/// source's vertex when it `exits_vertically` (a diamond or a circle), or
/// across to `gap` before the target, then down or up, then in. Backwards or
/// within one column: round underneath both, `gap` below the lower.
pub fn waypoints(source: Rect, exits_vertically: bool, target: Rect, gap: i64) -> Vec<(i64, i64)> {
    let (s, t) = (source, target);
    if t.x > s.right() {
        if s.cy() == t.cy() {
            return vec![(s.right(), s.cy()), (t.x, t.cy())];
        }
        if exits_vertically {
            let exit_y = if t.cy() < s.cy() { s.y } else { s.bottom() };
            return vec![(s.cx(), exit_y), (s.cx(), t.cy()), (t.x, t.cy())];
        }
        let mx = t.x - gap;
        return vec![
            (s.right(), s.cy()),
            (mx, s.cy()),
            (mx, t.cy()),
            (t.x, t.cy()),
        ];
    }
    let low = s.bottom().max(t.bottom()) + gap;
    vec![
        (s.cx(), s.bottom()),
        (s.cx(), low),
        (t.cx(), low),
        (t.cx(), t.bottom()),
    ]
}
