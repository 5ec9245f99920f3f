//! Shared test support: loading regulations, actors, an in-memory store.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use qyzmet_calendar::Calendar;
use qyzmet_engine::{Actor, Executed, Grant};
use qyzmet_regulation::ProcessModel;
use qyzmet_storage::record::{
    CaseRow, OutboxRow, ProjectionOp, RegistryRow, StoredEvent, TaskRow, TimerRow,
};

pub fn regulations_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../regulations")
}

/// A find/replace applied to a regulation's text: a new edition in tests.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    pub find: String,
    pub replace: String,
}

pub fn load_model(calendar: &Calendar, id: &str, patches: &[Patch]) -> ProcessModel {
    let path = regulations_dir().join(format!("{id}.yaml"));
    let mut text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    for patch in patches {
        assert!(
            text.contains(&patch.find),
            "patch target `{}` not found in {id}",
            patch.find
        );
        text = text.replacen(&patch.find, &patch.replace, 1);
    }
    let checked = qyzmet_regulation::check(&text, calendar);
    match checked.model {
        Some(model) => model,
        None => panic!(
            "{id} does not compile: {:?}",
            checked
                .diagnostics
                .iter()
                .map(|d| format!("{} {}", d.code, d.message))
                .collect::<Vec<_>>()
        ),
    }
}

pub fn actor(user: &str, grants: &[(&str, &str)]) -> Actor {
    Actor {
        user_id: user.to_owned(),
        grants: grants
            .iter()
            .map(|(role, unit)| Grant {
                role: (*role).to_owned(),
                unit: (*unit).to_owned(),
            })
            .collect(),
    }
}

/// The store, in memory: the event log and the projection tables, fed only
/// through batches.
#[derive(Default)]
pub struct MemoryStore {
    pub events: BTreeMap<String, Vec<StoredEvent>>,
    pub cases: BTreeMap<String, CaseRow>,
    pub tasks: BTreeMap<String, TaskRow>,
    pub timers: BTreeMap<String, TimerRow>,
    pub outbox: BTreeMap<String, OutboxRow>,
    pub registries: qyzmet_engine::MemoryRegistries,
    global: u64,
}

#[derive(Default, Debug, PartialEq)]
pub struct Tables {
    pub cases: BTreeMap<String, CaseRow>,
    pub tasks: BTreeMap<String, TaskRow>,
    pub timers: BTreeMap<String, TimerRow>,
    pub outbox: BTreeMap<String, OutboxRow>,
    pub registries: BTreeMap<(String, String), RegistryRow>,
}

impl Tables {
    pub fn apply(&mut self, ops: &[ProjectionOp]) {
        for op in ops {
            match op {
                ProjectionOp::PutCase(row) => {
                    self.cases.insert(row.case_id.clone(), row.clone());
                }
                ProjectionOp::PutTask(row) => {
                    self.tasks.insert(row.task_id.clone(), row.clone());
                }
                ProjectionOp::PutRegistry(row) => {
                    self.registries
                        .insert((row.registry.clone(), row.key.clone()), row.clone());
                }
                ProjectionOp::DeleteRegistry { registry, key } => {
                    self.registries.remove(&(registry.clone(), key.clone()));
                }
                ProjectionOp::SetTimer(row) => {
                    self.timers.insert(row.timer_id.clone(), row.clone());
                }
                ProjectionOp::CancelTimer { timer_id } => {
                    self.timers.remove(timer_id);
                }
                ProjectionOp::PutOutbox(row) => {
                    self.outbox
                        .entry(row.request_id.clone())
                        .or_insert_with(|| row.clone());
                }
                ProjectionOp::DeleteOutbox { request_id } => {
                    self.outbox.remove(request_id);
                }
            }
        }
    }
}

impl MemoryStore {
    /// Appends a batch the way the store does (checking `expected_seq`).
    pub fn commit(&mut self, executed: &Executed) {
        let batch = &executed.batch;
        let log = self.events.entry(batch.case_id.clone()).or_default();
        assert_eq!(
            log.len() as u64,
            batch.expected_seq,
            "optimistic concurrency"
        );
        for event in &batch.events {
            assert_eq!(event.seq, log.len() as u64 + 1);
            self.global += 1;
            log.push(StoredEvent {
                case_id: batch.case_id.clone(),
                seq: event.seq,
                global_seq: self.global,
                kind: event.kind.clone(),
                payload: event.payload.to_value(),
                at: event.at,
                hash: String::new(),
            });
        }
        let mut tables = Tables {
            cases: std::mem::take(&mut self.cases),
            tasks: std::mem::take(&mut self.tasks),
            timers: std::mem::take(&mut self.timers),
            outbox: std::mem::take(&mut self.outbox),
            registries: std::mem::take(&mut self.registries.rows),
        };
        tables.apply(&batch.ops);
        self.cases = tables.cases;
        self.tasks = tables.tasks;
        self.timers = tables.timers;
        self.outbox = tables.outbox;
        self.registries.rows = tables.registries;
    }

    /// Checks that replaying every case's log gives `cases` and that the
    /// incremental projections equal a rebuild from the logs.
    pub fn check_rebuild(&self, cases: &BTreeMap<String, qyzmet_engine::Case>) {
        let mut rebuilt = Tables::default();
        for (case_id, log) in &self.events {
            let replayed = qyzmet_engine::replay(log).expect("replay").expect("a case");
            assert_eq!(Some(&replayed), cases.get(case_id), "replay of {case_id}");
            rebuilt.apply(&qyzmet_engine::project_all(log).expect("project_all"));
        }
        assert_eq!(rebuilt.cases, self.cases, "case views rebuild");
        assert_eq!(rebuilt.tasks, self.tasks, "tasks rebuild");
        assert_eq!(rebuilt.timers, self.timers, "timers rebuild");
        assert_eq!(rebuilt.outbox, self.outbox, "outbox rebuild");
        for (key, row) in &rebuilt.registries {
            assert_eq!(self.registries.rows.get(key), Some(row), "registry rebuild");
        }
    }
}
