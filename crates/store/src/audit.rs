//! The chain checks of `verify`, shared by both backends. A backend streams
//! the log twice — in global order and in `(case_id, seq)` order — in bounded
//! pages and feeds each row here; memory stays flat in the log's length.

use crate::chain::{EventHashInput, event_hash};
use crate::{AuditProblem, AuditProblemKind};

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
