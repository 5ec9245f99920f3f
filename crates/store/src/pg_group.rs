//! PostgreSQL's row I/O for group commit (the decisions are made once, for
//! both backends, in `group.rs`), with a fixed number of round trips per
//! group: one query reads the group's idempotency keys and case heads
//! (`= ANY` / `unnest` + `LATERAL`); one statement writes the events,
//! idempotency rows and every projection table (data-modifying CTEs over
//! `unnest($n::type[])` arrays); a last one moves the chain head from the
//! head the group staged on (`pg_pipeline.rs`). A group whose rows exceed
//! [`WRITE_CHUNK_BYTES`](crate::group::WRITE_CHUNK_BYTES) is written in
//! several row statements.

use postgres::types::ToSql;
use postgres::{Client, GenericClient, Statement};

use qyzmet_storage::evidence::{self, Change, DirectoryWrite};

use crate::convert::*;
use crate::group::{
    CaseVals, Chunk, GroupBackend, Head, Known, OutboxVals, RegistryVals, TaskVals, TimerVals,
};
use crate::pg_pipeline::Turn;
use crate::{Appended, StoreError};

const READ_SQL: &str = "\
SELECT 'k'::text, key, case_id, last_seq, events, last_global_seq, last_hash
  FROM idempotency WHERE key = ANY($1::text[])
UNION ALL
SELECT 'h'::text, c.case_id, c.case_id, e.seq, 0::bigint, 0::bigint, e.hash
  FROM unnest($2::text[]) AS c(case_id)
  CROSS JOIN LATERAL (SELECT seq, hash FROM events WHERE events.case_id = c.case_id
                      ORDER BY seq DESC LIMIT 1) AS e";

const WRITE_SQL: &str = "\
WITH ev AS (
  INSERT INTO events (global_seq, case_id, seq, kind, payload, at, hash)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                       $7::text[])
), idem AS (
  INSERT INTO idempotency (key, case_id, last_seq, events, last_global_seq, last_hash)
  SELECT * FROM unnest($8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::text[])
), cs AS (
  INSERT INTO cases (case_id, regulation_id, regulation_hash, service_id, route, provider_id,
                     applicant_id, status, current_steps, submitted_at, due, closed_at, result, version)
  SELECT * FROM unnest($14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[],
                       $20::text[], $21::text[], $22::text[], $23::bigint[], $24::bigint[], $25::bigint[],
                       $26::text[], $27::bigint[])
  ON CONFLICT (case_id) DO UPDATE SET regulation_id = EXCLUDED.regulation_id,
     regulation_hash = EXCLUDED.regulation_hash, service_id = EXCLUDED.service_id,
     route = EXCLUDED.route, provider_id = EXCLUDED.provider_id,
     applicant_id = EXCLUDED.applicant_id, status = EXCLUDED.status,
     current_steps = EXCLUDED.current_steps, submitted_at = EXCLUDED.submitted_at,
     due = EXCLUDED.due, closed_at = EXCLUDED.closed_at, result = EXCLUDED.result,
     version = EXCLUDED.version
), tk AS (
  INSERT INTO tasks (task_id, case_id, step_id, role, unit, assignee, status, is_open,
                     created_at, due, due_key, escalation, check_reason)
  SELECT * FROM unnest($28::text[], $29::text[], $30::text[], $31::text[], $32::text[], $33::text[],
                       $34::text[], $35::boolean[], $36::bigint[], $37::bigint[], $38::bigint[],
                       $39::boolean[], $53::text[])
  ON CONFLICT (task_id) DO UPDATE SET case_id = EXCLUDED.case_id, step_id = EXCLUDED.step_id,
     role = EXCLUDED.role, unit = EXCLUDED.unit, assignee = EXCLUDED.assignee,
     status = EXCLUDED.status, is_open = EXCLUDED.is_open, created_at = EXCLUDED.created_at,
     due = EXCLUDED.due, due_key = EXCLUDED.due_key, escalation = EXCLUDED.escalation,
     check_reason = EXCLUDED.check_reason
), rp AS (
  INSERT INTO registries (registry, key, region, record, case_id)
  SELECT * FROM unnest($40::text[], $41::text[], $42::text[], $43::text[], $44::text[])
  ON CONFLICT (registry, key) DO UPDATE SET region = EXCLUDED.region, record = EXCLUDED.record,
     case_id = EXCLUDED.case_id
), rd AS (
  DELETE FROM registries AS r USING unnest($45::text[], $46::text[]) AS d(registry, key)
  WHERE r.registry = d.registry AND r.key = d.key
), ts AS (
  INSERT INTO timers (timer_id, case_id, due, kind, payload, lease_owner, lease_until)
  SELECT t.*, NULL::text, NULL::bigint
    FROM unnest($47::text[], $48::text[], $49::bigint[], $50::text[], $51::text[]) AS t
  ON CONFLICT (timer_id) DO UPDATE SET case_id = EXCLUDED.case_id, due = EXCLUDED.due,
     kind = EXCLUDED.kind, payload = EXCLUDED.payload, lease_owner = NULL, lease_until = NULL
), tc AS (
  DELETE FROM timers WHERE timer_id = ANY($52::text[])
), op AS (
  INSERT INTO outbox (request_id, case_id, system, payload, created_at, next_at)
  SELECT o.*, o.created_at
    FROM unnest($54::text[], $55::text[], $56::text[], $57::text[], $58::bigint[])
         AS o(request_id, case_id, system, payload, created_at)
  ON CONFLICT (request_id) DO NOTHING
), od AS (
  DELETE FROM outbox WHERE request_id = ANY($59::text[])
)
SELECT 1";

/// A pipelined group moves the chain head last, after every row, and only
/// from the head it staged on ($3, $4), in one statement. The CTE's `FOR
/// UPDATE` waits for the row lock of the pipelined group before (held
/// until it commits or rolls back) and then yields the row as that group
/// left it; the `UPDATE`, finding its snapshot's row version replaced,
/// re-checks its condition on the latest version with that row
/// (READ COMMITTED's re-check). A condition on `chain_head` alone would
/// not do: it is first evaluated on the row as the statement's snapshot
/// saw it, before the group before moved it, and the row would be skipped
/// without waiting. No row updated: the head is not the expected one.
const HEAD_FROM_SQL: &str = "WITH current AS (
  SELECT global_seq, hash FROM chain_head WHERE id = 1 FOR UPDATE
)
UPDATE chain_head SET global_seq = $1, hash = $2
  FROM current
 WHERE chain_head.id = 1 AND current.global_seq = $3 AND current.hash = $4";
/// A classic group has held the head since it began.
const HEAD_SQL: &str = "UPDATE chain_head SET global_seq = $1, hash = $2 WHERE id = 1";

/// The prepared statements of a group commit.
pub(crate) struct GroupStatements {
    read: Statement,
    write: Statement,
    head_from: Statement,
    head: Statement,
}

impl GroupStatements {
    pub(crate) fn prepare(client: &mut Client) -> Result<GroupStatements, StoreError> {
        Ok(GroupStatements {
            read: client.prepare(READ_SQL)?,
            write: client.prepare(WRITE_SQL)?,
            head_from: client.prepare(HEAD_FROM_SQL)?,
            head: client.prepare(HEAD_SQL)?,
        })
    }
}

/// The group's backend: the open transaction and its two statements.
pub(crate) struct PgGroup<'a, 'p, C: GenericClient> {
    pub(crate) tx: &'a mut C,
    pub(crate) stmts: &'a GroupStatements,
    /// The chain head the next write expects to move (the head the group
    /// staged on, then the head after each chunk).
    pub(crate) expected: Head,
    /// The group's turn in the pipeline, when it is pipelined.
    pub(crate) turn: Option<&'a mut Turn<'p>>,
}

impl<'a, C: GenericClient> PgGroup<'a, '_, C> {
    /// A classic group's backend: the caller holds the chain head.
    pub(crate) fn locked(tx: &'a mut C, stmts: &'a GroupStatements, head: &Head) -> Self {
        PgGroup {
            tx,
            stmts,
            expected: head.clone(),
            turn: None,
        }
    }
}

impl<C: GenericClient> GroupBackend for PgGroup<'_, '_, C> {
    fn read(&mut self, keys: &[&str], case_ids: &[&str]) -> Result<Known, StoreError> {
        let mut out = Known::default();
        for row in self.tx.query(&self.stmts.read, &[&keys, &case_ids])? {
            let tag: String = get(&row, 0)?;
            let name: String = get(&row, 1)?;
            if tag == "k" {
                let appended = Appended {
                    case_id: get(&row, 2)?,
                    last_seq: i64_to_u64(get(&row, 3)?)?,
                    events: i64_to_u64(get(&row, 4)?)?,
                    last_global_seq: i64_to_u64(get(&row, 5)?)?,
                    last_hash: get(&row, 6)?,
                    duplicate: true,
                };
                out.known.insert(name, appended);
            } else {
                out.heads
                    .insert(name, (i64_to_u64(get(&row, 3)?)?, get(&row, 6)?));
            }
        }
        if let Some(turn) = &self.turn {
            turn.overlay(&mut out);
        }
        Ok(out)
    }

    fn write(&mut self, chunk: Chunk, head: &Head, last: bool) -> Result<(), StoreError> {
        if let Some(turn) = self.turn.as_mut() {
            turn.before_write(&chunk, head, last);
        }
        if !chunk.is_empty() {
            write_chunk(self.tx, self.stmts, chunk)?;
        }
        if !last {
            return Ok(());
        }
        if let Some(turn) = self.turn.as_mut() {
            turn.before_head();
            let moved = self.tx.execute(
                &self.stmts.head_from,
                &[
                    &u64_to_i64(head.global_seq)?,
                    &head.hash,
                    &u64_to_i64(self.expected.global_seq)?,
                    &self.expected.hash,
                ],
            );
            turn.after_last_write();
            if moved? != 1 {
                // A group it staged on failed, or another process appended:
                // the caller rolls back and redoes it the classic way. Even
                // a group that writes nothing checks this: its duplicates'
                // outcomes may come from a group that did not commit.
                return Err(StoreError::Backend(
                    "postgres: the chain head moved while the group was staged".into(),
                ));
            }
            self.expected = head.clone();
            return Ok(());
        }
        if *head != self.expected {
            self.tx.execute(
                &self.stmts.head,
                &[&u64_to_i64(head.global_seq)?, &head.hash],
            )?;
            self.expected = head.clone();
        }
        Ok(())
    }

    fn write_directory(&mut self, writes: &[DirectoryWrite]) -> Result<(), StoreError> {
        if let Some(turn) = self.turn.as_mut() {
            turn.before_rows();
        }
        let at = ts_to_ns(jiff::Timestamp::now())?;
        for write in writes {
            let key = write.key.as_str();
            let value = match &write.change {
                Change::Put(value) => Some((value.to_string(), false)),
                Change::PutIfAbsent(value) => Some((value.to_string(), true)),
                Change::Extend(entries) => {
                    // Groups are serialised by the chain head's row lock, so
                    // nothing changes the list between this read and the write.
                    let current = self
                        .tx
                        .query_opt(
                            "SELECT value FROM directory WHERE collection = $1 AND key = $2",
                            &[&write.collection, &key],
                        )?
                        .map(|row| get::<String>(&row, 0))
                        .transpose()?
                        .map(|text| parse_json(&text, "directory document"))
                        .transpose()?;
                    Some((evidence::extend(current, entries).to_string(), false))
                }
                Change::Delete => None,
            };
            match value {
                Some((text, if_absent)) => {
                    let sql = if if_absent {
                        "INSERT INTO directory (collection, key, value, updated_at) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (collection, key) DO NOTHING"
                    } else {
                        "INSERT INTO directory (collection, key, value, updated_at) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
                    };
                    self.tx
                        .execute(sql, &[&write.collection, &key, &text, &at])?;
                }
                None => {
                    self.tx.execute(
                        "DELETE FROM directory WHERE collection = $1 AND key = $2",
                        &[&write.collection, &key],
                    )?;
                }
            }
        }
        Ok(())
    }
}

/// One statement: every row of the chunk.
fn write_chunk(
    tx: &mut impl GenericClient,
    stmts: &GroupStatements,
    chunk: Chunk,
) -> Result<(), StoreError> {
    macro_rules! column {
        ($rows:expr, |$r:ident| $value:expr) => {
            $rows.iter().map(|$r| $value).collect::<Vec<_>>()
        };
    }
    let events = &chunk.events;
    let idem = &chunk.idempotency;
    let mut idem_seq = Vec::with_capacity(idem.len());
    let mut idem_events = Vec::with_capacity(idem.len());
    let mut idem_global = Vec::with_capacity(idem.len());
    for (_, appended) in idem {
        idem_seq.push(u64_to_i64(appended.last_seq)?);
        idem_events.push(u64_to_i64(appended.events)?);
        idem_global.push(u64_to_i64(appended.last_global_seq)?);
    }
    let cases: Vec<(&&str, &CaseVals)> = chunk
        .cases
        .rows
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
    let tasks: Vec<(&&str, &TaskVals)> = chunk
        .tasks
        .rows
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
    let reg_put: Vec<(&(String, String), &RegistryVals)> = chunk
        .registries
        .rows
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
    let reg_del: Vec<&(String, String)> = chunk
        .registries
        .rows
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k)
        .collect();
    let timer_set: Vec<(&String, &TimerVals)> = chunk
        .timers
        .rows
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
    let timer_cancel: Vec<&String> = chunk
        .timers
        .rows
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k)
        .collect();

    let outbox_put: Vec<(&String, &OutboxVals)> = chunk
        .outbox
        .rows
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
    let outbox_delete: Vec<&String> = chunk
        .outbox
        .rows
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k)
        .collect();

    let params: [&(dyn ToSql + Sync); 59] = [
        &column!(events, |e| e.global_seq),
        &column!(events, |e| e.case_id),
        &column!(events, |e| e.seq),
        &column!(events, |e| e.kind),
        &column!(events, |e| e.payload),
        &column!(events, |e| e.at.as_str()),
        &column!(events, |e| e.hash.as_str()),
        &column!(idem, |r| r.0.as_str()),
        &column!(idem, |r| r.1.case_id.as_str()),
        &idem_seq,
        &idem_events,
        &idem_global,
        &column!(idem, |r| r.1.last_hash.as_str()),
        &column!(cases, |r| *r.0),
        &column!(cases, |r| r.1.row.regulation_id.as_str()),
        &column!(cases, |r| r.1.row.regulation_hash.as_str()),
        &column!(cases, |r| r.1.row.service_id.as_str()),
        &column!(cases, |r| r.1.row.route.as_str()),
        &column!(cases, |r| r.1.row.provider_id.as_str()),
        &column!(cases, |r| r.1.row.applicant_id.as_str()),
        &column!(cases, |r| r.1.status),
        &column!(cases, |r| r.1.current_steps.as_str()),
        &column!(cases, |r| r.1.submitted_at),
        &column!(cases, |r| r.1.due),
        &column!(cases, |r| r.1.closed_at),
        &column!(cases, |r| r.1.row.result.as_deref()),
        &column!(cases, |r| r.1.version),
        &column!(tasks, |r| *r.0),
        &column!(tasks, |r| r.1.row.case_id.as_str()),
        &column!(tasks, |r| r.1.row.step_id.as_str()),
        &column!(tasks, |r| r.1.row.role.as_str()),
        &column!(tasks, |r| r.1.row.unit.as_str()),
        &column!(tasks, |r| r.1.row.assignee.as_deref()),
        &column!(tasks, |r| r.1.status),
        &column!(tasks, |r| r.1.is_open),
        &column!(tasks, |r| r.1.created_at),
        &column!(tasks, |r| r.1.due),
        &column!(tasks, |r| r.1.due_key),
        &column!(tasks, |r| r.1.row.escalation),
        &column!(reg_put, |r| r.0.0.as_str()),
        &column!(reg_put, |r| r.0.1.as_str()),
        &column!(reg_put, |r| r.1.region.as_str()),
        &column!(reg_put, |r| r.1.record.as_str()),
        &column!(reg_put, |r| r.1.case_id.as_str()),
        &column!(reg_del, |r| r.0.as_str()),
        &column!(reg_del, |r| r.1.as_str()),
        &column!(timer_set, |r| r.0.as_str()),
        &column!(timer_set, |r| r.1.case_id.as_str()),
        &column!(timer_set, |r| r.1.due),
        &column!(timer_set, |r| r.1.kind.as_str()),
        &column!(timer_set, |r| r.1.payload.as_str()),
        &column!(timer_cancel, |r| r.as_str()),
        &column!(tasks, |r| r.1.row.check.as_deref()),
        &column!(outbox_put, |r| r.0.as_str()),
        &column!(outbox_put, |r| r.1.case_id.as_str()),
        &column!(outbox_put, |r| r.1.system.as_str()),
        &column!(outbox_put, |r| r.1.payload.as_str()),
        &column!(outbox_put, |r| r.1.created_at),
        &column!(outbox_delete, |r| r.as_str()),
    ];
    tx.execute(&stmts.write, &params)?;
    Ok(())
}

fn get<'a, T: postgres::types::FromSql<'a>>(
    row: &'a postgres::Row,
    index: usize,
) -> Result<T, StoreError> {
    row.try_get(index)
        .map_err(|e| StoreError::Corrupt(format!("postgres: column {index}: {e}")))
}
