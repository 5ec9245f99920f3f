//! Group commit, decided once for every backend: validation, idempotency,
//! optimistic concurrency, the hashes of both chains and the projection rows
//! of a group of batches are worked out here, in memory, batch after batch,
//! exactly as appending them one at a time would; a [`GroupBackend`] only
//! reads what the group needs (idempotency keys, case heads) and writes the
//! rows (PostgreSQL in one statement per chunk, `pg_group.rs`; SQLite row by
//! row with cached statements, `sqlite_store.rs`).
//!
//! Projection ops of one group are collapsed per key (last writer wins, a
//! delete after a put removes the row, a put after a delete re-creates it),
//! which is the state the sequential application would leave and lets each
//! key appear once per write (`ON CONFLICT DO UPDATE` cannot touch a row
//! twice in one PostgreSQL statement; on SQLite it saves the rewrites).
//!
//! A batch can fail only here, before anything of it is written: invalid,
//! conflicting or duplicate batches are answered alone and the rest of the
//! group goes on. No savepoints on the common path.

use std::hash::Hash;

use qyzmet_storage::evidence::DirectoryWrite;
use qyzmet_storage::record::{Batch, CaseRow, Evidence, ProjectionOp, TaskRow, TaskStatus};

use crate::chain::{EventHashInput, HashText, event_hash_text};
use crate::convert::*;
use crate::{Appended, StoreError, check_id, limits, validate_batch};

/// Bytes of row text gathered before the backend writes them (the rest of
/// the group goes in the next write of the same transaction), so that
/// memory is bounded whatever the group.
pub(crate) const WRITE_CHUNK_BYTES: usize = 32 << 20;

/// The group's maps hash with foldhash: their keys are our own ids, and
/// SipHash (std's default, made to resist chosen keys) was 2 % of `qyzmet
/// bench engine`'s profile.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// What a group needs to know before deciding: the first outcome recorded
/// under each idempotency key, and each case's last `(seq, hash)`.
#[derive(Default)]
pub(crate) struct Known {
    pub(crate) known: HashMap<String, Appended>,
    pub(crate) heads: HashMap<String, (u64, String)>,
}

/// The row I/O of one backend, inside the transaction that holds the chain
/// head.
pub(crate) trait GroupBackend {
    /// The idempotency rows of `keys` and the last events of `case_ids`
    /// (absent keys and cases are simply missing from the answer).
    fn read(&mut self, keys: &[&str], case_ids: &[&str]) -> Result<Known, StoreError>;
    /// Writes every row of `chunk` and sets the chain head to `head`. The
    /// `last` write of a group comes after every other write of it (the
    /// directory rows included) and is made even when its chunk is empty,
    /// so that a backend can end the group's writes with the chain head.
    fn write(&mut self, chunk: Chunk<'_>, head: &Head, last: bool) -> Result<(), StoreError>;
    /// Writes the evidence of the group's appended batches (directory rows;
    /// rare, so one statement per row is enough), before the last write.
    fn write_directory(&mut self, writes: &[DirectoryWrite]) -> Result<(), StoreError>;
}

/// The global chain head as the locked transaction sees it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Head {
    pub(crate) global_seq: u64,
    pub(crate) hash: String,
}

/// An event row, borrowing its texts from the batch (no copies on the
/// write path); the hash is a fixed-size text. The predecessors' hashes
/// are hashed (`stage`) but not stored: they are the `hash` of the case's
/// event `seq - 1` and of the log's event `global_seq - 1`.
pub(crate) struct EventVals<'a> {
    pub(crate) global_seq: i64,
    pub(crate) case_id: &'a str,
    pub(crate) seq: i64,
    pub(crate) kind: &'a str,
    pub(crate) payload: &'a str,
    pub(crate) at: String,
    pub(crate) hash: HashText,
}

/// A case row: its texts borrowed from the op, the converted columns owned.
pub(crate) struct CaseVals<'a> {
    pub(crate) row: &'a CaseRow,
    pub(crate) status: &'static str,
    pub(crate) current_steps: String,
    pub(crate) submitted_at: i64,
    pub(crate) due: Option<i64>,
    pub(crate) closed_at: Option<i64>,
    pub(crate) version: i64,
}

/// A task row: its texts borrowed from the op, the converted columns owned.
pub(crate) struct TaskVals<'a> {
    pub(crate) row: &'a TaskRow,
    pub(crate) status: &'static str,
    pub(crate) is_open: bool,
    pub(crate) created_at: i64,
    pub(crate) due: Option<i64>,
    pub(crate) due_key: i64,
}

pub(crate) struct RegistryVals {
    pub(crate) region: String,
    pub(crate) record: String,
    pub(crate) case_id: String,
}

pub(crate) struct TimerVals {
    pub(crate) case_id: String,
    pub(crate) due: i64,
    pub(crate) kind: String,
    pub(crate) payload: String,
}

pub(crate) struct OutboxVals {
    pub(crate) case_id: String,
    pub(crate) system: String,
    pub(crate) payload: String,
    pub(crate) created_at: i64,
}

/// One op converted to column values (conversion can fail: the batch fails).
pub(crate) enum StagedOp<'a> {
    Case(&'a str, CaseVals<'a>),
    Task(&'a str, TaskVals<'a>),
    Registry((String, String), Option<RegistryVals>),
    Timer(String, Option<TimerVals>),
    Outbox(String, Option<OutboxVals>),
}

/// The final state per key of a table within a chunk: `Some` = upsert,
/// `None` = delete. Keys keep first-seen order.
pub(crate) struct Keyed<K, V> {
    pub(crate) index: HashMap<K, usize>,
    pub(crate) rows: Vec<(K, Option<V>)>,
}

impl<K: Hash + Eq + Clone, V> Keyed<K, V> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Keyed {
            index: HashMap::with_capacity_and_hasher(capacity, Default::default()),
            rows: Vec::with_capacity(capacity),
        }
    }

    pub(crate) fn set(&mut self, key: K, value: Option<V>) {
        match self.index.get(&key) {
            Some(&at) => self.rows[at].1 = value,
            None => {
                self.index.insert(key.clone(), self.rows.len());
                self.rows.push((key, value));
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Rows gathered for the next write statement.
pub(crate) struct Chunk<'a> {
    pub(crate) events: Vec<EventVals<'a>>,
    pub(crate) idempotency: Vec<(String, Appended)>,
    pub(crate) cases: Keyed<&'a str, CaseVals<'a>>,
    pub(crate) tasks: Keyed<&'a str, TaskVals<'a>>,
    pub(crate) registries: Keyed<(String, String), RegistryVals>,
    pub(crate) timers: Keyed<String, TimerVals>,
    pub(crate) outbox: Keyed<String, OutboxVals>,
    pub(crate) bytes: usize,
}

impl Chunk<'_> {
    /// Room for `batches` batches of `events` events in all, so that a
    /// group's rows are not reallocated as they are gathered (the doubling
    /// of large vectors, and the fresh pages it faults in, were 5 % of
    /// `qyzmet bench engine`'s profile).
    pub(crate) fn with_capacity(batches: usize, events: usize) -> Self {
        Chunk {
            events: Vec::with_capacity(events),
            idempotency: Vec::with_capacity(batches),
            cases: Keyed::with_capacity(batches),
            tasks: Keyed::with_capacity(batches),
            registries: Keyed::with_capacity(0),
            timers: Keyed::with_capacity(2 * batches),
            outbox: Keyed::with_capacity(0),
            bytes: 0,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.idempotency.is_empty()
            && self.cases.is_empty()
            && self.tasks.is_empty()
            && self.registries.is_empty()
            && self.timers.is_empty()
            && self.outbox.is_empty()
    }
}

/// Appends `batches` through `backend`, inside the transaction it holds,
/// whose chain head the caller has locked and read into `head`. Per-batch
/// outcomes are decided in memory; an `Err` means the database refused a
/// statement and the transaction must be rolled back (the caller then falls
/// back to a savepoint per batch, which isolates the offending batch).
pub(crate) fn append_group(
    backend: &mut impl GroupBackend,
    batches: &[Batch],
    head: &mut Head,
) -> Result<Vec<Result<Appended, StoreError>>, StoreError> {
    let valid: Vec<Result<(), StoreError>> = batches.iter().map(validate_batch).collect();

    // One read: the group's idempotency keys and case heads.
    let mut keys: Vec<&str> = Vec::new();
    let mut case_ids: Vec<&str> = Vec::new();
    {
        let mut seen_keys = HashSet::default();
        let mut seen_cases = HashSet::default();
        for (batch, valid) in batches.iter().zip(&valid) {
            if valid.is_err() {
                continue;
            }
            if let Some(key) = &batch.idempotency_key
                && seen_keys.insert(key.as_str())
            {
                keys.push(key);
            }
            if seen_cases.insert(batch.case_id.as_str()) {
                case_ids.push(&batch.case_id);
            }
        }
    }
    let Known {
        mut known,
        mut heads,
    } = if keys.is_empty() && case_ids.is_empty() {
        Known::default()
    } else {
        backend.read(&keys, &case_ids)?
    };

    let mut results = Vec::with_capacity(batches.len());
    let mut directory: Vec<DirectoryWrite> = Vec::new();
    let events_total: usize = batches.iter().map(|batch| batch.events.len()).sum();
    let mut chunk = Chunk::with_capacity(batches.len(), events_total);
    for (batch, valid) in batches.iter().zip(valid) {
        if let Err(error) = valid {
            results.push(Err(error));
            continue;
        }
        if let Some(key) = &batch.idempotency_key
            && let Some(first) = known.get(key)
        {
            results.push(Ok(first.clone()));
            continue;
        }
        let (case_seq, case_hash) = heads
            .get(&batch.case_id)
            .map_or((0, ""), |(seq, hash)| (*seq, hash.as_str()));
        if case_seq != batch.expected_seq {
            results.push(Err(StoreError::Conflict {
                case_id: batch.case_id.clone(),
                expected: batch.expected_seq,
                actual: case_seq,
            }));
            continue;
        }
        let staged = match stage(batch, case_hash, head) {
            Ok(staged) => staged,
            Err(error) => {
                results.push(Err(error));
                continue;
            }
        };
        // The batch succeeds: move the heads and keep its rows.
        let (events, ops, bytes) = staged;
        let appended = Appended {
            case_id: batch.case_id.clone(),
            last_seq: batch.expected_seq + batch.events.len() as u64,
            events: batch.events.len() as u64,
            last_global_seq: events
                .last()
                .map_or(head.global_seq, |e| e.global_seq as u64),
            last_hash: events
                .last()
                .map_or_else(|| head.hash.clone(), |e| e.hash.as_str().to_owned()),
            duplicate: false,
        };
        if let Some(last) = events.last() {
            head.global_seq = last.global_seq as u64;
            head.hash = last.hash.as_str().to_owned();
            heads.insert(
                batch.case_id.clone(),
                (appended.last_seq, last.hash.as_str().to_owned()),
            );
        }
        chunk.events.extend(events);
        directory.extend(batch.evidence.iter().map(Evidence::directory_write));
        for op in ops {
            match op {
                StagedOp::Case(key, vals) => chunk.cases.set(key, Some(vals)),
                StagedOp::Task(key, vals) => chunk.tasks.set(key, Some(vals)),
                StagedOp::Registry(key, vals) => chunk.registries.set(key, vals),
                StagedOp::Timer(key, vals) => chunk.timers.set(key, vals),
                StagedOp::Outbox(key, vals) => chunk.outbox.set(key, vals),
            }
        }
        if let Some(key) = &batch.idempotency_key {
            known.insert(
                key.clone(),
                Appended {
                    duplicate: true,
                    ..appended.clone()
                },
            );
            chunk.idempotency.push((key.clone(), appended.clone()));
        }
        chunk.bytes += bytes;
        results.push(Ok(appended));
        if chunk.bytes >= WRITE_CHUNK_BYTES {
            backend.write(
                std::mem::replace(&mut chunk, Chunk::with_capacity(0, 0)),
                head,
                false,
            )?;
        }
    }
    if !directory.is_empty() {
        backend.write_directory(&directory)?;
    }
    backend.write(chunk, head, true)?;
    Ok(results)
}

type Staged<'a> = (Vec<EventVals<'a>>, Vec<StagedOp<'a>>, usize);

/// Hashes the batch's events after `head` and converts its ops; nothing is
/// moved until the whole batch is known to be good.
fn stage<'a>(batch: &'a Batch, case_hash: &str, head: &Head) -> Result<Staged<'a>, StoreError> {
    let mut bytes = 0;
    let mut events = Vec::with_capacity(batch.events.len());
    let mut global_seq = head.global_seq;
    let stored_hash = |text: &str| {
        HashText::parse(text).ok_or_else(|| StoreError::Corrupt(format!("stored hash {text:?}")))
    };
    let mut prev_case = stored_hash(case_hash)?;
    let mut prev_global = stored_hash(&head.hash)?;
    for event in &batch.events {
        global_seq += 1;
        let payload = event.payload.as_str();
        if payload.len() > limits::PAYLOAD_BYTES_MAX {
            return Err(StoreError::Invalid(format!(
                "case {} seq {}: payload of {} bytes (max {})",
                batch.case_id,
                event.seq,
                payload.len(),
                limits::PAYLOAD_BYTES_MAX
            )));
        }
        let at = event.at.to_string();
        let hash = event_hash_text(&EventHashInput {
            case_id: &batch.case_id,
            seq: event.seq,
            global_seq,
            kind: &event.kind,
            payload_json: payload,
            at: &at,
            prev_case_hash: prev_case.as_str(),
            prev_global_hash: prev_global.as_str(),
        });
        bytes += payload.len() + 400;
        events.push(EventVals {
            global_seq: u64_to_i64(global_seq)?,
            case_id: &batch.case_id,
            seq: u64_to_i64(event.seq)?,
            kind: &event.kind,
            payload,
            at,
            hash,
        });
        prev_case = hash;
        prev_global = hash;
    }
    let mut ops = Vec::with_capacity(batch.ops.len());
    for op in &batch.ops {
        let staged = stage_op(op)?;
        bytes += match &staged {
            StagedOp::Registry(_, Some(vals)) => vals.record.len(),
            StagedOp::Timer(_, Some(vals)) => vals.payload.len(),
            StagedOp::Outbox(_, Some(vals)) => vals.payload.len(),
            _ => 0,
        } + 512;
        ops.push(staged);
    }
    Ok((events, ops, bytes))
}

pub(crate) fn stage_op(op: &ProjectionOp) -> Result<StagedOp<'_>, StoreError> {
    Ok(match op {
        ProjectionOp::PutCase(case) => {
            check_id("case_id", &case.case_id)?;
            StagedOp::Case(
                &case.case_id,
                CaseVals {
                    row: case,
                    status: case_status_str(case.status),
                    current_steps: steps_to_text(&case.current_steps)?,
                    submitted_at: ts_to_ns(case.submitted_at)?,
                    due: opt_ts_to_ns(case.due)?,
                    closed_at: opt_ts_to_ns(case.closed_at)?,
                    version: u64_to_i64(case.version)?,
                },
            )
        }
        ProjectionOp::PutTask(task) => {
            check_id("task_id", &task.task_id)?;
            let due = opt_ts_to_ns(task.due)?;
            StagedOp::Task(
                &task.task_id,
                TaskVals {
                    row: task,
                    status: task_status_str(task.status),
                    is_open: !matches!(task.status, TaskStatus::Done | TaskStatus::Cancelled),
                    created_at: ts_to_ns(task.created_at)?,
                    due,
                    due_key: due_key(due),
                },
            )
        }
        ProjectionOp::PutRegistry(row) => {
            check_id("registry key", &row.key)?;
            StagedOp::Registry(
                (row.registry.clone(), row.key.clone()),
                Some(RegistryVals {
                    region: row.region.clone(),
                    record: to_json_text(&row.record)?,
                    case_id: row.case_id.clone(),
                }),
            )
        }
        ProjectionOp::DeleteRegistry { registry, key } => {
            StagedOp::Registry((registry.clone(), key.clone()), None)
        }
        ProjectionOp::SetTimer(timer) => {
            check_id("timer_id", &timer.timer_id)?;
            StagedOp::Timer(
                timer.timer_id.clone(),
                Some(TimerVals {
                    case_id: timer.case_id.clone(),
                    due: ts_to_ns(timer.due)?,
                    kind: timer.kind.clone(),
                    payload: to_json_text(&timer.payload)?,
                }),
            )
        }
        ProjectionOp::CancelTimer { timer_id } => StagedOp::Timer(timer_id.clone(), None),
        ProjectionOp::PutOutbox(row) => {
            check_id("request_id", &row.request_id)?;
            StagedOp::Outbox(
                row.request_id.clone(),
                Some(OutboxVals {
                    case_id: row.case_id.clone(),
                    system: row.system.clone(),
                    payload: to_json_text(&row.payload)?,
                    created_at: ts_to_ns(row.created_at)?,
                }),
            )
        }
        ProjectionOp::DeleteOutbox { request_id } => StagedOp::Outbox(request_id.clone(), None),
    })
}
