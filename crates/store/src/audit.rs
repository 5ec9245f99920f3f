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
    /// `global_seq` order; returns how many rows it handed.
    fn events_in_global_order(
        &mut self,
        after: i64,
        limit: usize,
        each: &mut dyn FnMut(&RawEvent),
    ) -> Result<usize, StoreError>;
    /// Hands `each` up to `limit` event rows with `(case_id, seq) > after`,
    /// in `(case_id, seq)` order; returns how many rows it handed.
    fn events_in_case_order(
        &mut self,
        after: (&str, i64),
        limit: usize,
        each: &mut dyn FnMut(&RawEvent),
    ) -> Result<usize, StoreError>;
    /// The chain head row: `(global_seq, hash)`.
    fn chain_head(&mut self) -> Result<(i64, String), StoreError>;
}

/// Checks both chains and the head row. Problems come in this order: the
/// global pass's, row by row in `global_seq` order (per row: gap,
/// unreadable, chain link, hash); then the head's; then the case pass's, in
/// `(case_id, seq)` order.
pub(crate) fn verify(backend: &mut impl AuditBackend) -> Result<AuditReport, StoreError> {
    let page = limits::PAGE_ROWS;
    let mut problems = Vec::new();

    let mut global = GlobalPass::new();
    let mut after = i64::MIN;
    loop {
        let before = after;
        let count = backend.events_in_global_order(before, page, &mut |row| {
            after = row.global_seq;
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
        let count = backend.events_in_case_order((&before.0, before.1), page, &mut |row| {
            after.0.clone_from(&row.case_id);
            after.1 = row.seq;
            cases.feed(row, &mut problems);
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

/// One event row as read from the database, before any parsing.
pub(crate) struct RawEvent {
    pub global_seq: i64,
    pub case_id: String,
    pub seq: i64,
    /// The remaining columns, or why they could not be read.
    pub fields: Result<RawFields, String>,
}

pub(crate) struct RawFields {
    pub kind: String,
    pub payload: String,
    pub at: String,
    pub prev_case_hash: String,
    pub prev_global_hash: String,
    pub hash: String,
}

fn as_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn problem(row: &RawEvent, kind: AuditProblemKind) -> AuditProblem {
    AuditProblem {
        case_id: row.case_id.clone(),
        seq: as_u64(row.seq),
        global_seq: as_u64(row.global_seq),
        kind,
    }
}

/// Pass 1: rows in global order.
pub(crate) struct GlobalPass {
    expected_global_seq: i64,
    prev_hash: String,
    last: Option<(String, i64, i64)>,
    pub events_checked: u64,
}

impl GlobalPass {
    pub fn new() -> Self {
        GlobalPass {
            expected_global_seq: 1,
            prev_hash: String::new(),
            last: None,
            events_checked: 0,
        }
    }

    pub fn feed(&mut self, row: &RawEvent, problems: &mut Vec<AuditProblem>) {
        self.events_checked += 1;
        let gap = row.global_seq != self.expected_global_seq;
        if gap {
            problems.push(problem(
                row,
                AuditProblemKind::GlobalGap {
                    expected_global_seq: as_u64(self.expected_global_seq),
                },
            ));
        }
        self.expected_global_seq = row.global_seq.saturating_add(1);
        self.last = Some((row.case_id.clone(), row.seq, row.global_seq));
        let fields = match &row.fields {
            Ok(fields) => fields,
            Err(detail) => {
                problems.push(problem(
                    row,
                    AuditProblemKind::Unreadable {
                        detail: detail.clone(),
                    },
                ));
                self.prev_hash = String::new();
                return;
            }
        };
        // After a gap the previous hash is unknown: report the gap only.
        if !gap && fields.prev_global_hash != self.prev_hash {
            problems.push(problem(
                row,
                AuditProblemKind::GlobalChainBroken {
                    stored: fields.prev_global_hash.clone(),
                    expected: self.prev_hash.clone(),
                },
            ));
        }
        let computed = event_hash(&EventHashInput {
            case_id: &row.case_id,
            seq: as_u64(row.seq),
            global_seq: as_u64(row.global_seq),
            kind: &fields.kind,
            payload_json: &fields.payload,
            at: &fields.at,
            prev_case_hash: &fields.prev_case_hash,
            prev_global_hash: &fields.prev_global_hash,
        });
        if computed != fields.hash {
            problems.push(problem(
                row,
                AuditProblemKind::HashMismatch {
                    stored: fields.hash.clone(),
                    computed,
                },
            ));
        }
        self.prev_hash = fields.hash.clone();
    }

    /// Compares the end of the log with the chain head row.
    pub fn finish(&self, head_global_seq: i64, head_hash: &str, problems: &mut Vec<AuditProblem>) {
        let (case_id, seq, global_seq) = self.last.clone().unwrap_or_default();
        if global_seq != head_global_seq || self.prev_hash != head_hash {
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

/// Pass 2: rows in `(case_id, seq)` order.
pub(crate) struct CasePass {
    case_id: Option<String>,
    expected_seq: i64,
    prev_hash: String,
}

impl CasePass {
    pub fn new() -> Self {
        CasePass {
            case_id: None,
            expected_seq: 1,
            prev_hash: String::new(),
        }
    }

    pub fn feed(&mut self, row: &RawEvent, problems: &mut Vec<AuditProblem>) {
        if self.case_id.as_deref() != Some(row.case_id.as_str()) {
            self.case_id = Some(row.case_id.clone());
            self.expected_seq = 1;
            self.prev_hash = String::new();
        }
        let gap = row.seq != self.expected_seq;
        if gap {
            problems.push(problem(
                row,
                AuditProblemKind::CaseGap {
                    expected_seq: as_u64(self.expected_seq),
                },
            ));
        }
        self.expected_seq = row.seq.saturating_add(1);
        let Ok(fields) = &row.fields else {
            // Reported as unreadable by the global pass.
            self.prev_hash = String::new();
            return;
        };
        if !gap && fields.prev_case_hash != self.prev_hash {
            problems.push(problem(
                row,
                AuditProblemKind::CaseChainBroken {
                    stored: fields.prev_case_hash.clone(),
                    expected: self.prev_hash.clone(),
                },
            ));
        }
        self.prev_hash = fields.hash.clone();
    }
}
