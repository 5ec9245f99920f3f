//! `rebuild`, one algorithm for both backends: the projections are deleted
//! and derived again from the log, case by case in the global order of each
//! case's first event, [`REBUILD_CASES_PER_TX`](limits::REBUILD_CASES_PER_TX)
//! cases per transaction. A [`RebuildBackend`] only opens the transactions
//! and does row I/O; the projection rows are written through the append
//! path's writer (`group.rs`: [`stage_op`], [`Chunk`], `GroupBackend::write`),
//! so a row a rebuild writes is the row an append of the same op writes.
//!
//! Within one chunk the ops are collapsed per key exactly as in group commit
//! (last writer wins), which is the state applying them one by one leaves.
//!
//! The outbox keeps its delivery state across a rebuild: it is not deleted;
//! the requests the events still ask for are put again (a no-op for a row
//! that exists), and the others are deleted in the last transaction.

use std::collections::HashSet;

use qyzmet_storage::record::{ProjectionOp, StoredEvent};

use crate::group::{Chunk, StagedOp, WRITE_CHUNK_BYTES, stage_op};
use crate::{RebuildReport, StoreError, limits};

/// A backend's write transactions for a rebuild.
pub(crate) trait RebuildBackend {
    /// Runs `page` in one write transaction that keeps appenders out
    /// (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the chain head row locked);
    /// commits when `page` returns `Ok`, rolls back otherwise.
    fn transaction<T>(
        &mut self,
        page: impl FnOnce(&mut dyn RebuildRows) -> Result<T, StoreError>,
    ) -> Result<T, StoreError>;
}

/// The row I/O of a rebuild, inside one of its transactions.
pub(crate) trait RebuildRows {
    /// Deletes every row of cases, tasks, registries and timers.
    fn clear_projections(&mut self) -> Result<(), StoreError>;
    /// Up to `limit` cases whose first event (`seq = 1`) has a `global_seq`
    /// after `after_global_seq`, in that order: `(case_id, global_seq)`.
    fn case_starts(
        &mut self,
        after_global_seq: i64,
        limit: usize,
    ) -> Result<Vec<(String, i64)>, StoreError>;
    /// A case's events in `seq` order.
    fn case_events(&mut self, case_id: &str) -> Result<Vec<StoredEvent>, StoreError>;
    /// The request ids of every outbox row.
    fn outbox_request_ids(&mut self) -> Result<Vec<String>, StoreError>;
    /// Writes the chunk's projection rows with the append path's writer
    /// (`GroupBackend::write`). The chunk holds no events, so the chain head
    /// it also writes is the one the transaction read, unchanged.
    fn write(&mut self, chunk: Chunk<'_>) -> Result<(), StoreError>;
}

/// Deletes the projections and derives them again with `project_case`.
pub(crate) fn rebuild(
    backend: &mut impl RebuildBackend,
    project_case: &dyn Fn(&[StoredEvent]) -> Vec<ProjectionOp>,
) -> Result<RebuildReport, StoreError> {
    rebuild_in_chunks(backend, project_case, WRITE_CHUNK_BYTES)
}

fn rebuild_in_chunks(
    backend: &mut impl RebuildBackend,
    project_case: &dyn Fn(&[StoredEvent]) -> Vec<ProjectionOp>,
    chunk_bytes_max: usize,
) -> Result<RebuildReport, StoreError> {
    let mut report = RebuildReport::default();
    let mut live_requests: HashSet<String> = HashSet::new();
    let mut after_global_seq = 0i64;
    let mut first = true;
    loop {
        // Each page moves `after_global_seq` forward (the query asks for
        // larger numbers) or is the last one, so the loop ends.
        let done = backend.transaction(|rows| {
            if first {
                rows.clear_projections()?;
            }
            let starts = rows.case_starts(after_global_seq, limits::REBUILD_CASES_PER_TX)?;
            let mut projected = Vec::with_capacity(starts.len());
            for (case_id, _) in &starts {
                let events = rows.case_events(case_id)?;
                let ops = project_case(&events);
                for op in &ops {
                    if let ProjectionOp::PutOutbox(row) = op {
                        live_requests.insert(row.request_id.clone());
                    }
                }
                report.cases += 1;
                report.events += events.len() as u64;
                report.ops += ops.len() as u64;
                projected.push(ops);
            }
            let last = starts.len() < limits::REBUILD_CASES_PER_TX;
            let stale_requests: Vec<String> = if last {
                rows.outbox_request_ids()?
                    .into_iter()
                    .filter(|request_id| !live_requests.contains(request_id))
                    .collect()
            } else {
                Vec::new()
            };
            write_projections(rows, &projected, &stale_requests, chunk_bytes_max)?;
            if let Some((_, global_seq)) = starts.last() {
                after_global_seq = *global_seq;
            }
            Ok(last)
        })?;
        first = false;
        if done {
            return Ok(report);
        }
    }
}

/// Stages every op of the page in order and writes them chunk by chunk
/// (a new chunk once `chunk_bytes_max` bytes of rows are gathered), then
/// the deletion of the stale outbox rows.
fn write_projections(
    rows: &mut dyn RebuildRows,
    projected: &[Vec<ProjectionOp>],
    stale_requests: &[String],
    chunk_bytes_max: usize,
) -> Result<(), StoreError> {
    let mut chunk = Chunk::with_capacity(projected.len(), 0);
    for op in projected.iter().flatten() {
        let staged = stage_op(op)?;
        chunk.bytes += staged_bytes(&staged);
        match staged {
            StagedOp::Case(key, vals) => chunk.cases.set(key, Some(vals)),
            StagedOp::Task(key, vals) => chunk.tasks.set(key, Some(vals)),
            StagedOp::Registry(key, vals) => chunk.registries.set(key, vals),
            StagedOp::Timer(key, vals) => chunk.timers.set(key, vals),
            StagedOp::Outbox(key, vals) => chunk.outbox.set(key, vals),
        }
        if chunk.bytes >= chunk_bytes_max {
            rows.write(std::mem::replace(&mut chunk, Chunk::with_capacity(0, 0)))?;
        }
    }
    for request_id in stale_requests {
        chunk.outbox.set(request_id.clone(), None);
    }
    if !chunk.is_empty() {
        rows.write(chunk)?;
    }
    Ok(())
}

/// The estimate group commit uses for a staged op's row text.
fn staged_bytes(staged: &StagedOp<'_>) -> usize {
    512 + match staged {
        StagedOp::Registry(_, Some(vals)) => vals.record.len(),
        StagedOp::Timer(_, Some(vals)) => vals.payload.len(),
        StagedOp::Outbox(_, Some(vals)) => vals.payload.len(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    //! The paging and chunking of the algorithm against an in-memory
    //! backend; the SQL of both backends is covered by the conformance suite
    //! (`tests/store/conformance.rs`).

    use std::collections::BTreeMap;

    use jiff::Timestamp;
    use qyzmet_storage::record::{OutboxRow, TimerRow};
    use serde_json::json;

    use super::*;

    /// Tables as key → value text; a log of what each transaction did.
    #[derive(Default)]
    struct Memory {
        cases: Vec<(String, i64)>,
        timers: BTreeMap<String, String>,
        outbox: BTreeMap<String, String>,
        committed: BTreeMap<String, String>,
        outbox_committed: BTreeMap<String, String>,
        transactions: Vec<Vec<String>>,
        fail_in_transaction: Option<usize>,
    }

    struct Rows<'a> {
        memory: &'a mut Memory,
        log: Vec<String>,
    }

    impl RebuildBackend for Memory {
        fn transaction<T>(
            &mut self,
            page: impl FnOnce(&mut dyn RebuildRows) -> Result<T, StoreError>,
        ) -> Result<T, StoreError> {
            let fail = self.fail_in_transaction == Some(self.transactions.len());
            let mut rows = Rows {
                memory: self,
                log: Vec::new(),
            };
            let out = page(&mut rows);
            let log = rows.log;
            self.transactions.push(log);
            match out {
                Ok(_) if fail => Err(StoreError::Backend("refused".into())),
                Ok(value) => {
                    self.committed = self.timers.clone();
                    self.outbox_committed = self.outbox.clone();
                    Ok(value)
                }
                Err(error) => Err(error),
            }
        }
    }

    impl RebuildRows for Rows<'_> {
        fn clear_projections(&mut self) -> Result<(), StoreError> {
            self.log.push("clear".into());
            self.memory.timers.clear();
            Ok(())
        }

        fn case_starts(
            &mut self,
            after_global_seq: i64,
            limit: usize,
        ) -> Result<Vec<(String, i64)>, StoreError> {
            self.log.push(format!("starts after {after_global_seq}"));
            Ok(self
                .memory
                .cases
                .iter()
                .filter(|(_, start)| *start > after_global_seq)
                .take(limit)
                .cloned()
                .collect())
        }

        fn case_events(&mut self, case_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
            Ok(vec![StoredEvent {
                case_id: case_id.to_owned(),
                seq: 1,
                global_seq: 1,
                kind: "submitted".into(),
                payload: json!({}),
                at: Timestamp::UNIX_EPOCH,
                hash: String::new(),
            }])
        }

        fn outbox_request_ids(&mut self) -> Result<Vec<String>, StoreError> {
            Ok(self.memory.outbox.keys().cloned().collect())
        }

        fn write(&mut self, chunk: Chunk<'_>) -> Result<(), StoreError> {
            assert!(chunk.events.is_empty() && chunk.idempotency.is_empty());
            let mut written = 0;
            for (timer_id, vals) in &chunk.timers.rows {
                written += 1;
                match vals {
                    Some(vals) => self
                        .memory
                        .timers
                        .insert(timer_id.clone(), vals.kind.clone()),
                    None => self.memory.timers.remove(timer_id),
                };
            }
            for (request_id, vals) in &chunk.outbox.rows {
                written += 1;
                match vals {
                    Some(vals) => self
                        .memory
                        .outbox
                        .entry(request_id.clone())
                        .or_insert_with(|| vals.system.clone()),
                    None => {
                        self.memory.outbox.remove(request_id);
                        continue;
                    }
                };
            }
            self.log.push(format!("write {written}"));
            Ok(())
        }
    }

    fn timer(timer_id: &str, kind: &str) -> ProjectionOp {
        ProjectionOp::SetTimer(TimerRow {
            timer_id: timer_id.to_owned(),
            case_id: "c".into(),
            due: Timestamp::UNIX_EPOCH,
            kind: kind.to_owned(),
            payload: json!({}),
        })
    }

    /// Case `cN` sets its timer `tN`, moves the shared timer `shared` to its
    /// name, cancels its predecessor's timer, and asks for request `rN`
    /// when N is even.
    fn project(events: &[StoredEvent]) -> Vec<ProjectionOp> {
        let case_id = &events[0].case_id;
        let n: usize = case_id[1..].parse().unwrap();
        let mut ops = vec![
            timer(&format!("t{n}"), case_id),
            timer("shared", case_id),
            ProjectionOp::CancelTimer {
                timer_id: format!("t{}", n.wrapping_sub(1)),
            },
        ];
        if n.is_multiple_of(2) {
            ops.push(ProjectionOp::PutOutbox(OutboxRow {
                request_id: format!("r{n}"),
                case_id: case_id.clone(),
                system: "gbd_fl".into(),
                payload: json!({}),
                created_at: Timestamp::UNIX_EPOCH,
            }));
        }
        ops
    }

    fn memory(cases: usize) -> Memory {
        Memory {
            cases: (0..cases)
                .map(|i| (format!("c{i}"), 10 * i as i64 + 1))
                .collect(),
            timers: BTreeMap::from([("stale".to_owned(), "old".to_owned())]),
            outbox: BTreeMap::from([
                ("r0".to_owned(), "kept with its state".to_owned()),
                ("r-gone".to_owned(), "no event asks for it".to_owned()),
            ]),
            ..Memory::default()
        }
    }

    #[test]
    fn pages_of_cases_in_order_with_one_clear_and_the_stale_outbox_last() {
        let per_tx = limits::REBUILD_CASES_PER_TX;
        let cases = 2 * per_tx + 3;
        let mut backend = memory(cases);
        let report = rebuild(&mut backend, &project).unwrap();
        assert_eq!(
            (report.cases, report.events, report.ops),
            (
                cases as u64,
                cases as u64,
                (3 * cases + cases.div_ceil(2)) as u64
            )
        );
        // Three pages; the cursor is the page's last first global_seq. A
        // page's ops fit in one chunk, one row per key: the page's own
        // timers, `shared`, the previous page's last timer (cancelled), the
        // even cases' requests; the last page also deletes `r-gone`.
        let last_of = |page: usize| 10 * (page * per_tx - 1) as i64 + 1;
        let full_page_rows = per_tx + 2 + per_tx / 2;
        assert_eq!(
            backend.transactions,
            vec![
                vec![
                    "clear".to_owned(),
                    "starts after 0".into(),
                    format!("write {full_page_rows}")
                ],
                vec![
                    format!("starts after {}", last_of(1)),
                    format!("write {full_page_rows}")
                ],
                vec![
                    format!("starts after {}", last_of(2)),
                    format!("write {}", (3 + 2) + 2 + 1)
                ],
            ]
        );
        // Sequential semantics: only the last case's timer survives its
        // successor's cancel, and `shared` names the last case.
        let last = format!("c{}", cases - 1);
        assert_eq!(
            backend.committed,
            BTreeMap::from([
                ("shared".to_owned(), last.clone()),
                (format!("t{}", cases - 1), last)
            ])
        );
        // The outbox: the row a case still asks for kept its state, the
        // stale one is gone, every asked-for request is there.
        assert_eq!(backend.outbox_committed.len(), cases.div_ceil(2));
        assert_eq!(backend.outbox_committed["r0"], "kept with its state");
        assert!(!backend.outbox_committed.contains_key("r-gone"));
    }

    #[test]
    fn a_small_chunk_bound_splits_a_page_into_writes_in_order() {
        let mut backend = memory(10);
        // Every op is 512 bytes or more: a chunk per two ops.
        rebuild_in_chunks(&mut backend, &project, 1024).unwrap();
        let writes: Vec<&String> = backend.transactions[0]
            .iter()
            .filter(|entry| entry.starts_with("write"))
            .collect();
        // 35 ops in pairs, then the last op with the stale request.
        assert_eq!(writes.len(), 18, "{writes:?}");
        assert_eq!(
            backend.committed,
            BTreeMap::from([
                ("shared".to_owned(), "c9".to_owned()),
                ("t9".to_owned(), "c9".to_owned())
            ])
        );
    }

    #[test]
    fn a_failed_transaction_stops_the_rebuild() {
        let mut backend = memory(limits::REBUILD_CASES_PER_TX + 1);
        backend.fail_in_transaction = Some(1);
        assert!(matches!(
            rebuild(&mut backend, &project),
            Err(StoreError::Backend(_))
        ));
        assert_eq!(backend.transactions.len(), 2);
    }
}
