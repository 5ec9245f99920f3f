//! Pipelined group commit on PostgreSQL: groups of disjoint rows are
//! written at the same time, each on a connection (and so a backend, a
//! core) of its own, while the chain head and the commits stay in the
//! order the groups were staged. Without it one backend executing one
//! group's write statement at a time was the bound: the other core idled
//! a third of the time (`docs/performance.md`).
//!
//! A pipelined group does not lock the chain head first. It stages on top
//! of what the groups still in flight will leave (their *predictions*: the
//! chain head after them, their idempotency keys and case heads), and it
//! ends by moving the chain head only if the head is still the one it
//! staged on (one statement after every row: the head row locked `FOR
//! UPDATE` in a CTE, updated only where it matches, `pg_group.rs`). Under
//! READ COMMITTED that lock waits for the group before, which holds the
//! row until it commits or rolls back, and then yields the row as that
//! group left it; so:
//!
//! - groups commit in the order they were staged, each on its predecessor;
//! - if a predecessor failed, or another node appended in between, the
//!   head is not the expected one, nothing of the group stays (it rolls
//!   back) and it is redone the classic way: the head locked `FOR UPDATE`
//!   once no group of this process is in flight;
//! - since the head hash chains every event before it, an expected head
//!   that matches means the log is exactly what the group staged on.
//!
//! Three rules keep the waits free of cycles (a wait inside this process
//! is one PostgreSQL cannot see, so a cycle through one would hang rather
//! than end in a deadlock error):
//!
//! - the *stage turn*: one group at a time reads and stages, from its
//!   first read until its last chunk is staged; a group never waits for it
//!   while it holds anything else;
//! - a group writes its first row only once no earlier group still writing
//!   shares a row with it: the groups' *footprints* (every case, task,
//!   registry record, timer, outbox request and directory row they upsert
//!   or delete) are disjoint, so their row statements never wait for each
//!   other's row locks; rows they only insert under fresh keys (events by
//!   global sequence, idempotency keys the overlay marks as taken) cannot
//!   collide;
//! - a group moves the chain head only after every earlier group has moved
//!   it: its update then waits in PostgreSQL for the one before to commit,
//!   and a group holding the head's row lock has nothing left but `COMMIT`.
//!
//! Earlier groups never wait for later ones, so no cycle exists. Groups
//! whose evidence appends to a directory list (attachments: a
//! read-modify-write of one row, which must see every earlier group
//! committed) take the classic path.

use std::hash::BuildHasher;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use qyzmet_storage::record::{Batch, ProjectionOp};

use crate::Appended;
use crate::group::{Chunk, HashMap, Head, Known};

/// The pipeline of one store: its stage turn and the groups in flight.
#[derive(Default)]
pub(crate) struct Pipeline {
    /// The stage turn (and the last group id given out).
    stage: Mutex<u64>,
    /// The groups staged and not yet ended, oldest first. Locked only for
    /// a moment; `changed` wakes the groups waiting for an earlier one.
    flight: Mutex<Vec<Flying>>,
    changed: Condvar,
    /// The chain head the last group staged will leave: set under the stage
    /// turn when a group publishes its prediction, cleared when a group
    /// ends without committing (the groups staged after it will fail).
    /// Groups commit in order but leave the flight in any order (a group
    /// that has committed may not have left yet when the next one has), so
    /// the last prediction still in flight is not always the latest head.
    tail: Mutex<Option<Head>>,
    /// Until when groups take the classic path (`pause`).
    paused_until: Mutex<Option<Instant>>,
}

/// A group in flight, as the later ones see it.
struct Flying {
    id: u64,
    footprint: Arc<Footprint>,
    /// Published when the group has staged its last chunk.
    prediction: Option<Arc<Prediction>>,
    /// Whether the group has run its last statement (moved the chain head,
    /// or failed): nothing of it waits for anything but its `COMMIT`.
    done_writing: bool,
}

/// What a group in flight leaves once it commits, besides the chain head
/// (`Pipeline::tail`).
#[derive(Default)]
pub(crate) struct Prediction {
    known: HashMap<String, Appended>,
    heads: HashMap<String, (u64, String)>,
}

/// The rows a group upserts or deletes, as hashes of (table, key). Two
/// keys with the same hash only make two groups wait for each other when
/// they need not, never the other way.
#[derive(Default)]
pub(crate) struct Footprint {
    rows: std::collections::HashSet<u64, foldhash::fast::FixedState>,
}

impl Footprint {
    /// Every row `batches` may upsert or delete.
    pub(crate) fn of(batches: &[Batch]) -> Footprint {
        let hasher = foldhash::fast::FixedState::default();
        let mut rows = std::collections::HashSet::with_capacity_and_hasher(
            batches.len() * 4,
            foldhash::fast::FixedState::default(),
        );
        let mut add = |table: &str, key: &str, key2: &str| {
            rows.insert(hasher.hash_one((table, key, key2)));
        };
        for batch in batches {
            add("cases", &batch.case_id, "");
            for op in &batch.ops {
                match op {
                    ProjectionOp::PutCase(row) => add("cases", &row.case_id, ""),
                    ProjectionOp::PutTask(row) => add("tasks", &row.task_id, ""),
                    ProjectionOp::PutRegistry(row) => add("registries", &row.registry, &row.key),
                    ProjectionOp::DeleteRegistry { registry, key } => {
                        add("registries", registry, key)
                    }
                    ProjectionOp::SetTimer(row) => add("timers", &row.timer_id, ""),
                    ProjectionOp::CancelTimer { timer_id } => add("timers", timer_id, ""),
                    ProjectionOp::PutOutbox(row) => add("outbox", &row.request_id, ""),
                    ProjectionOp::DeleteOutbox { request_id } => add("outbox", request_id, ""),
                }
            }
            for item in &batch.evidence {
                let (kind, key) = item.directory_key();
                add("directory", kind.collection(), key);
            }
        }
        Footprint { rows }
    }

    fn meets(&self, other: &Footprint) -> bool {
        let (small, large) = if self.rows.len() <= other.rows.len() {
            (self, other)
        } else {
            (other, self)
        };
        small.rows.iter().any(|row| large.rows.contains(row))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Pipeline {
    /// Takes the stage turn for a pipelined group of `batches`. Returns the
    /// turn and the head it stages on: the last group in flight's, or
    /// `None` when nothing is in flight (read it from the database).
    pub(crate) fn begin(&self, batches: &[Batch]) -> (Turn<'_>, Option<Head>) {
        let footprint = Arc::new(Footprint::of(batches));
        let mut stage = lock(&self.stage);
        *stage += 1;
        let id = *stage;
        let (overlay, head) = {
            let mut flight = lock(&self.flight);
            // A group that ended uncommitted cleared the tail: the groups
            // still in flight staged before that and may be staged on it
            // (they will fail on their head). Staging on the database's
            // head with their predictions laid over it would decide on
            // rows that never commit and still pass the head check; so
            // wait until they are gone. They wait for nothing this group
            // holds: they have given up the stage turn.
            while !flight.is_empty() && lock(&self.tail).is_none() {
                flight = self
                    .changed
                    .wait(flight)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            // Every group in flight has staged (it gave up the stage turn),
            // so each has published its prediction.
            let overlay: Vec<Arc<Prediction>> = flight
                .iter()
                .filter_map(|group| group.prediction.clone())
                .collect();
            let head = if flight.is_empty() {
                None
            } else {
                lock(&self.tail).clone()
            };
            flight.push(Flying {
                id,
                footprint: Arc::clone(&footprint),
                prediction: None,
                done_writing: false,
            });
            (overlay, head)
        };
        let turn = Turn {
            pipeline: self,
            stage: Some(stage),
            overlay,
            id,
            may_write: false,
            committed: false,
            mine: Prediction::default(),
        };
        (turn, head)
    }

    /// Sends groups the classic way for `pause`: a pipelined group had to be
    /// redone (another process moved the chain head, or a lock wait timed
    /// out), and the groups staged after it would mostly be redone too.
    pub(crate) fn pause(&self, pause: Duration) {
        *lock(&self.paused_until) = Instant::now().checked_add(pause);
    }

    /// Whether groups take the classic path for now.
    pub(crate) fn paused(&self) -> bool {
        let mut until = lock(&self.paused_until);
        match *until {
            Some(at) if Instant::now() < at => true,
            Some(_) => {
                *until = None;
                false
            }
            None => false,
        }
    }

    /// The classic path's hold: the stage turn, once no group of this
    /// process is in flight (a group staged later waits for it to end).
    pub(crate) fn exclusive(&self) -> MutexGuard<'_, u64> {
        let stage = lock(&self.stage);
        let mut flight = lock(&self.flight);
        while !flight.is_empty() {
            flight = self
                .changed
                .wait(flight)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        stage
    }

    /// Waits until no group before `id` is still writing and, unless
    /// `all`, shares a row with it.
    fn wait_for_earlier(&self, id: u64, all: bool) {
        let mut flight = lock(&self.flight);
        loop {
            let Some(at) = flight.iter().position(|group| group.id == id) else {
                return;
            };
            let mine = &flight[at].footprint;
            let blocked = flight[..at]
                .iter()
                .any(|group| !group.done_writing && (all || group.footprint.meets(mine)));
            if !blocked {
                return;
            }
            flight = self
                .changed
                .wait(flight)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn update(&self, id: u64, change: impl FnOnce(&mut Flying)) {
        let mut flight = lock(&self.flight);
        if let Some(group) = flight.iter_mut().find(|group| group.id == id) {
            change(group);
        }
        drop(flight);
        self.changed.notify_all();
    }
}

/// One pipelined group's place in the pipeline.
pub(crate) struct Turn<'p> {
    pipeline: &'p Pipeline,
    stage: Option<MutexGuard<'p, u64>>,
    overlay: Vec<Arc<Prediction>>,
    id: u64,
    /// Whether the groups it shares rows with have written theirs.
    may_write: bool,
    /// Whether its transaction committed (`committed`).
    committed: bool,
    mine: Prediction,
}

impl Turn<'_> {
    /// Lays the groups in flight over what the database answered: their
    /// rows are not committed yet (or not visible to this read).
    pub(crate) fn overlay(&self, known: &mut Known) {
        for group in &self.overlay {
            known.known.extend(
                group
                    .known
                    .iter()
                    .map(|(key, appended)| (key.clone(), appended.clone())),
            );
            // The later of the two: a later group may have committed (the
            // database shows it) while an earlier one is still in flight.
            for (case_id, head) in &group.heads {
                match known.heads.get_mut(case_id) {
                    Some(seen) if seen.0 >= head.0 => {}
                    Some(seen) => *seen = head.clone(),
                    None => {
                        known.heads.insert(case_id.clone(), head.clone());
                    }
                }
            }
        }
    }

    /// Before any row statement of the group: the earlier groups that
    /// share a row with it have written theirs.
    pub(crate) fn before_rows(&mut self) {
        if !self.may_write {
            self.pipeline.wait_for_earlier(self.id, false);
            self.may_write = true;
        }
    }

    /// Before a chunk's statement: what the chunk leaves. Before the last
    /// one, the group's prediction is published and the stage turn handed
    /// on: the next group stages on top of this one while this one writes.
    pub(crate) fn before_write(&mut self, chunk: &Chunk<'_>, head: &Head, last: bool) {
        self.before_rows();
        for event in &chunk.events {
            self.mine.heads.insert(
                event.case_id.to_owned(),
                (event.seq as u64, event.hash.as_str().to_owned()),
            );
        }
        for (key, appended) in &chunk.idempotency {
            self.mine.known.insert(
                key.clone(),
                Appended {
                    duplicate: true,
                    ..appended.clone()
                },
            );
        }
        if last && let Some(stage) = self.stage.take() {
            *lock(&self.pipeline.tail) = Some(head.clone());
            let mine = Arc::new(std::mem::take(&mut self.mine));
            self.pipeline
                .update(self.id, |group| group.prediction = Some(mine));
            drop(stage);
        }
    }

    /// Before the chain head moves: every earlier group has moved it (or
    /// failed), so this update waits in PostgreSQL only for their commits.
    pub(crate) fn before_head(&self) {
        self.pipeline.wait_for_earlier(self.id, true);
    }

    /// The group's transaction has committed.
    pub(crate) fn committed(&mut self) {
        self.committed = true;
    }

    /// After the last statement: later groups may write the rows it wrote
    /// and move the head after it.
    pub(crate) fn after_last_write(&self) {
        self.pipeline
            .update(self.id, |group| group.done_writing = true);
    }
}

/// When the group's transaction has ended (committed or rolled back), it
/// leaves the flight: a later read sees the committed rows themselves, and
/// a group staged on a failed one fails on its head.
impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.stage = None;
        if !self.committed {
            *lock(&self.pipeline.tail) = None;
        }
        let id = self.id;
        lock(&self.pipeline.flight).retain(|group| group.id != id);
        self.pipeline.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use qyzmet_storage::record::{Evidence, RegistryRow};

    use super::*;

    fn batch(case_id: &str, ops: Vec<ProjectionOp>, evidence: Vec<Evidence>) -> Batch {
        Batch {
            case_id: case_id.into(),
            expected_seq: 0,
            idempotency_key: None,
            events: Vec::new(),
            ops,
            evidence,
        }
    }

    fn registry(key: &str, case_id: &str) -> ProjectionOp {
        ProjectionOp::PutRegistry(RegistryRow {
            registry: "unemployed".into(),
            key: key.into(),
            region: "KZ-KZY".into(),
            record: serde_json::json!({}),
            case_id: case_id.into(),
        })
    }

    fn head(global_seq: u64) -> Head {
        Head {
            global_seq,
            hash: format!("h{global_seq}"),
        }
    }

    /// Stages a group of one case on `pipeline` and publishes that it
    /// leaves `leaves`, as `append_group` does before its last write.
    fn staged<'p>(pipeline: &'p Pipeline, case_id: &str, leaves: u64) -> (Turn<'p>, Option<Head>) {
        let (mut turn, on) = pipeline.begin(&[batch(case_id, Vec::new(), Vec::new())]);
        turn.before_write(&Chunk::with_capacity(0, 0), &head(leaves), true);
        (turn, on)
    }

    #[test]
    fn a_group_stages_on_the_last_group_in_flight() {
        let pipeline = Pipeline::default();
        let (first, on) = staged(&pipeline, "a", 1);
        assert_eq!(on, None, "nothing in flight: the database's head");
        let (second, on) = staged(&pipeline, "b", 2);
        assert_eq!(on, Some(head(1)));
        assert_eq!(second.overlay.len(), 1, "the first group's prediction");
        drop((first, second));
    }

    /// The first group ends uncommitted while the second, staged on it, is
    /// still in flight (doomed: it will fail on its head). A third group
    /// must not stage on the database's head with the second's prediction
    /// laid over it: it waits until the second is gone, then stages on the
    /// database alone.
    #[test]
    fn after_a_failed_group_the_next_waits_for_the_groups_staged_on_it() {
        let pipeline = Pipeline::default();
        let (first, _) = staged(&pipeline, "a", 1);
        let (second, on) = staged(&pipeline, "b", 2);
        assert_eq!(on, Some(head(1)));
        drop(first);
        let began = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            let third = scope.spawn(|| {
                let (turn, on) = pipeline.begin(&[batch("c", Vec::new(), Vec::new())]);
                began.store(true, std::sync::atomic::Ordering::SeqCst);
                (on, turn.overlay.len())
            });
            std::thread::sleep(Duration::from_millis(200));
            assert!(
                !began.load(std::sync::atomic::Ordering::SeqCst),
                "the third group staged while a doomed group was in flight"
            );
            drop(second);
            let (on, overlay) = third.join().unwrap();
            assert_eq!(on, None, "the database's head");
            assert_eq!(overlay, 0, "no prediction of a group that never commits");
        });
    }

    #[test]
    fn groups_of_other_cases_and_records_share_nothing() {
        let a = Footprint::of(&[batch("c1", vec![registry("111", "c1")], vec![])]);
        let b = Footprint::of(&[batch("c2", vec![registry("222", "c2")], vec![])]);
        assert!(!a.meets(&b));
    }

    #[test]
    fn a_shared_case_registry_record_or_blob_is_shared() {
        let a = Footprint::of(&[batch("c1", vec![registry("111", "c1")], vec![])]);
        assert!(a.meets(&Footprint::of(&[batch("c1", vec![], vec![])])));
        assert!(a.meets(&Footprint::of(&[batch(
            "c2",
            vec![ProjectionOp::DeleteRegistry {
                registry: "unemployed".into(),
                key: "111".into()
            }],
            vec![]
        )])));
        let blob = |case_id: &str| {
            batch(
                case_id,
                vec![],
                vec![Evidence::Blob {
                    sha256: "ab".into(),
                    content_type: "application/pdf".into(),
                    data: "AA==".into(),
                }],
            )
        };
        assert!(Footprint::of(&[blob("c1")]).meets(&Footprint::of(&[blob("c2")])));
    }

    #[test]
    fn the_same_key_in_another_table_is_not_shared() {
        let cancel_timer = |timer_id: &str| ProjectionOp::CancelTimer {
            timer_id: timer_id.into(),
        };
        // A timer whose id is another group's case id.
        let a = Footprint::of(&[batch("c1", vec![], vec![])]);
        let b = Footprint::of(&[batch("c2", vec![cancel_timer("c1")], vec![])]);
        assert!(!a.meets(&b));
    }
}
