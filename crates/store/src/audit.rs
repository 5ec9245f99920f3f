//! `verify`, one algorithm for both backends: [`verify`] reads the log twice
//! — in global order and in `(case_id, seq)` order — in bounded pages
//! through an [`AuditBackend`] (row reads only, inside the one read snapshot
//! the backend holds) and feeds each row to the chain checks here; memory
//! stays flat in the log's length. The same rows give the same problems in
//! the same order on every backend.

use crate::chain::{EventHashInput, event_hash};
use crate::{AuditProblem, AuditProblemKind, AuditReport, StoreError, limits};

/// The row reads of `verify`, all inside one read snapshot.
pub(crate) trait AuditBackend {
    /// Hands `each` up to `limit` event rows with `global_seq > after`, in
    /// `global_seq` order, each with the stored `hash` of its case's event
    /// `seq - 1` (a join on `(case_id, seq - 1)`); returns how many rows it
    /// handed.
    fn events_in_global_order(
        &mut self,
        after: i64,
        limit: usize,
        each: &mut dyn FnMut(&RawEvent),
    ) -> Result<usize, StoreError>;
    /// Hands `each` the keys of up to `limit` event rows with `(case_id,
    /// seq) > after`, in `(case_id, seq)` order; returns how many it handed.
    fn events_in_case_order(
        &mut self,
        after: (&str, i64),
        limit: usize,
        each: &mut dyn FnMut(&RawKey),
    ) -> Result<usize, StoreError>;
    /// The chain head row: `(global_seq, hash)`.
    fn chain_head(&mut self) -> Result<(i64, String), StoreError>;
}

/// Checks both chains and the head row. Problems come in this order: the
/// global pass's, row by row in `global_seq` order (per row: gap,
/// unreadable, hash); then the head's; then the case pass's, in
/// `(case_id, seq)` order.
pub(crate) fn verify(backend: &mut impl AuditBackend) -> Result<AuditReport, StoreError> {
    let page = limits::PAGE_ROWS;
    let mut problems = Vec::new();

    let mut global = GlobalPass::new();
    let mut after = i64::MIN;
    loop {
        let before = after;
        let count = backend.events_in_global_order(before, page, &mut |row| {
            after = row.key.global_seq;
            global.feed(row, &mut problems);
        })?;
        if count < page {
            break;
        }
        cursor_moved(before != after)?;
    }
    let (head_global_seq, head_hash) = backend.chain_head()?;
    global.finish(head_global_seq, &head_hash, &mut problems);

    let mut cases = CasePass::new();
    // The empty string sorts before every case id; `i64::MIN` before every seq.
    let mut after = (String::new(), i64::MIN);
    loop {
        let before = after.clone();
        let count = backend.events_in_case_order((&before.0, before.1), page, &mut |key| {
            after.0.clone_from(&key.case_id);
            after.1 = key.seq;
            cases.feed(key, &mut problems);
        })?;
        if count < page {
            break;
        }
        cursor_moved(before != after)?;
    }
    Ok(AuditReport {
        events_checked: global.events_checked,
        problems,
    })
}

/// A full page that leaves the cursor where it was would be read again
/// forever: only a row whose key columns cannot be read does that.
fn cursor_moved(moved: bool) -> Result<(), StoreError> {
    if moved {
        Ok(())
    } else {
        Err(StoreError::Corrupt(
            "verify: a page of events did not advance the cursor (unreadable key columns)".into(),
        ))
    }
}

/// An event row's key columns as read from the database.
pub(crate) struct RawKey {
    pub global_seq: i64,
    pub case_id: String,
    pub seq: i64,
}

/// One event row as read from the database, before any parsing.
pub(crate) struct RawEvent {
    pub key: RawKey,
    /// The remaining columns, or why they could not be read.
    pub fields: Result<RawFields, String>,
}

pub(crate) struct RawFields {
    pub kind: String,
    pub payload: String,
    pub at: String,
    pub hash: String,
    /// The stored `hash` of the same case's event `seq - 1`; `None` when
    /// there is no such row or its hash is not text.
    pub case_prev_hash: Option<String>,
}

fn as_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn problem(key: &RawKey, kind: AuditProblemKind) -> AuditProblem {
    AuditProblem {
        case_id: key.case_id.clone(),
        seq: as_u64(key.seq),
        global_seq: as_u64(key.global_seq),
        kind,
    }
}

/// Pass 1: rows in global order. Each row's hash is recomputed from its
/// stored fields with the stored `hash` of the previous row (the global
/// predecessor) and of its case's event `seq - 1` (the case predecessor)
/// as the previous hashes, so an edited `hash` shows at its row and at the
/// next row of each chain.
pub(crate) struct GlobalPass {
    expected_global_seq: i64,
    /// The previous row's stored hash; `None` after an unreadable row.
    prev_hash: Option<String>,
    last: Option<(String, i64, i64)>,
    /// The last row's hash as the head must name it (`""` if unreadable).
    last_hash: String,
    pub events_checked: u64,
}

impl GlobalPass {
    pub fn new() -> Self {
        GlobalPass {
            expected_global_seq: 1,
            prev_hash: Some(String::new()),
            last: None,
            last_hash: String::new(),
            events_checked: 0,
        }
    }

    pub fn feed(&mut self, row: &RawEvent, problems: &mut Vec<AuditProblem>) {
        let key = &row.key;
        self.events_checked += 1;
        let gap = key.global_seq != self.expected_global_seq;
        if gap {
            problems.push(problem(
                key,
                AuditProblemKind::GlobalGap {
                    expected_global_seq: as_u64(self.expected_global_seq),
                },
            ));
        }
        self.expected_global_seq = key.global_seq.saturating_add(1);
        self.last = Some((key.case_id.clone(), key.seq, key.global_seq));
        let prev_global = std::mem::take(&mut self.prev_hash);
        let fields = match &row.fields {
            Ok(fields) => fields,
            Err(detail) => {
                problems.push(problem(
                    key,
                    AuditProblemKind::Unreadable {
                        detail: detail.clone(),
                    },
                ));
                self.last_hash = String::new();
                return;
            }
        };
        self.prev_hash = Some(fields.hash.clone());
        self.last_hash.clone_from(&fields.hash);
        // A case's first event follows nothing in its case.
        let prev_case = if key.seq == 1 {
            Some("")
        } else {
            fields.case_prev_hash.as_deref()
        };
        // After a gap, an unreadable row, or without the case's previous
        // event, a previous hash is unknown: that row or gap is reported
        // (here, or as `CaseGap` by the case pass), this row is not hashed.
        let (false, Some(prev_global), Some(prev_case)) = (gap, prev_global, prev_case) else {
            return;
        };
        let computed = event_hash(&EventHashInput {
            case_id: &key.case_id,
            seq: as_u64(key.seq),
            global_seq: as_u64(key.global_seq),
            kind: &fields.kind,
            payload_json: &fields.payload,
            at: &fields.at,
            prev_case_hash: prev_case,
            prev_global_hash: &prev_global,
        });
        if computed != fields.hash {
            problems.push(problem(
                key,
                AuditProblemKind::HashMismatch {
                    stored: fields.hash.clone(),
                    computed,
                },
            ));
        }
    }

    /// Compares the end of the log with the chain head row.
    pub fn finish(&self, head_global_seq: i64, head_hash: &str, problems: &mut Vec<AuditProblem>) {
        let (case_id, seq, global_seq) = self.last.clone().unwrap_or_default();
        if global_seq != head_global_seq || self.last_hash != head_hash {
            problems.push(AuditProblem {
                case_id,
                seq: as_u64(seq),
                global_seq: as_u64(global_seq),
                kind: AuditProblemKind::HeadMismatch {
                    head_global_seq: as_u64(head_global_seq),
                    head_hash: head_hash.to_owned(),
                },
            });
        }
    }
}

/// Pass 2: keys in `(case_id, seq)` order: each case's seqs run 1, 2, 3 …
pub(crate) struct CasePass {
    case_id: Option<String>,
    expected_seq: i64,
}

impl CasePass {
    pub fn new() -> Self {
        CasePass {
            case_id: None,
            expected_seq: 1,
        }
    }

    pub fn feed(&mut self, key: &RawKey, problems: &mut Vec<AuditProblem>) {
        if self.case_id.as_deref() != Some(key.case_id.as_str()) {
            self.case_id = Some(key.case_id.clone());
            self.expected_seq = 1;
        }
        if key.seq != self.expected_seq {
            problems.push(problem(
                key,
                AuditProblemKind::CaseGap {
                    expected_seq: as_u64(self.expected_seq),
                },
            ));
        }
        self.expected_seq = key.seq.saturating_add(1);
    }
}
