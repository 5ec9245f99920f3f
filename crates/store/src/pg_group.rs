//! PostgreSQL group commit with a fixed number of round trips per group.
//!
//! Under the chain head lock (taken by the caller), one query reads the
//! group's idempotency keys and case heads (`= ANY` / `unnest` + `LATERAL`);
//! every decision — duplicate, conflict, invalid, hashes, the global chain —
//! is then made in memory, batch after batch, exactly as the sequential path
//! would; finally one statement writes the events, idempotency rows, every
//! projection table and the chain head (data-modifying CTEs over
//! `unnest($n::type[])` arrays). A group whose rows exceed
//! [`WRITE_CHUNK_BYTES`] is written in several such statements, so memory is
//! bounded whatever the group.
//!
//! Projection ops of one group are collapsed per key (last writer wins, a
//! delete after a put removes the row, a put after a delete re-creates it),
//! which is the state the sequential application would leave and lets each
//! key appear once per statement (`ON CONFLICT DO UPDATE` cannot touch a row
//! twice in one statement).

use std::collections::HashMap;
use std::hash::Hash;

use postgres::types::ToSql;
use postgres::{Client, GenericClient, Statement};
use qyzmet_engine::record::{Batch, ProjectionOp, TaskStatus};

use crate::chain::{EventHashInput, event_hash};
use crate::convert::*;
use crate::{Appended, StoreError, check_id, limits, validate_batch};

/// Bytes of row text gathered before a write statement is sent (the rest of
/// the group goes in the next statement of the same transaction).
pub(crate) const WRITE_CHUNK_BYTES: usize = 32 << 20;

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
  INSERT INTO events (global_seq, case_id, seq, kind, payload, at, prev_case_hash, prev_global_hash, hash)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                       $7::text[], $8::text[], $9::text[])
), idem AS (
  INSERT INTO idempotency (key, case_id, last_seq, events, last_global_seq, last_hash)
  SELECT * FROM unnest($10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::bigint[], $15::text[])
), cs AS (
  INSERT INTO cases (case_id, regulation_id, regulation_hash, service_id, route, provider_id,
                     applicant_id, status, current_steps, submitted_at, due, closed_at, result, version)
  SELECT * FROM unnest($16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[],
                       $22::text[], $23::text[], $24::text[], $25::bigint[], $26::bigint[], $27::bigint[],
                       $28::text[], $29::bigint[])
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
  SELECT * FROM unnest($30::text[], $31::text[], $32::text[], $33::text[], $34::text[], $35::text[],
                       $36::text[], $37::boolean[], $38::bigint[], $39::bigint[], $40::bigint[],
                       $41::boolean[], $57::text[])
  ON CONFLICT (task_id) DO UPDATE SET case_id = EXCLUDED.case_id, step_id = EXCLUDED.step_id,
     role = EXCLUDED.role, unit = EXCLUDED.unit, assignee = EXCLUDED.assignee,
     status = EXCLUDED.status, is_open = EXCLUDED.is_open, created_at = EXCLUDED.created_at,
     due = EXCLUDED.due, due_key = EXCLUDED.due_key, escalation = EXCLUDED.escalation,
     check_reason = EXCLUDED.check_reason
), rp AS (
  INSERT INTO registries (registry, key, region, record, case_id)
  SELECT * FROM unnest($42::text[], $43::text[], $44::text[], $45::text[], $46::text[])
  ON CONFLICT (registry, key) DO UPDATE SET region = EXCLUDED.region, record = EXCLUDED.record,
     case_id = EXCLUDED.case_id
), rd AS (
  DELETE FROM registries AS r USING unnest($47::text[], $48::text[]) AS d(registry, key)
  WHERE r.registry = d.registry AND r.key = d.key
), ts AS (
  INSERT INTO timers (timer_id, case_id, due, kind, payload, lease_owner, lease_until)
  SELECT t.*, NULL::text, NULL::bigint
    FROM unnest($49::text[], $50::text[], $51::bigint[], $52::text[], $53::text[]) AS t
  ON CONFLICT (timer_id) DO UPDATE SET case_id = EXCLUDED.case_id, due = EXCLUDED.due,
     kind = EXCLUDED.kind, payload = EXCLUDED.payload, lease_owner = NULL, lease_until = NULL
), tc AS (
  DELETE FROM timers WHERE timer_id = ANY($54::text[])
), op AS (
  INSERT INTO outbox (request_id, case_id, system, payload, created_at, next_at)
  SELECT o.*, o.created_at
    FROM unnest($58::text[], $59::text[], $60::text[], $61::text[], $62::bigint[])
         AS o(request_id, case_id, system, payload, created_at)
  ON CONFLICT (request_id) DO NOTHING
), od AS (
  DELETE FROM outbox WHERE request_id = ANY($63::text[])
)
UPDATE chain_head SET global_seq = $55, hash = $56 WHERE id = 1";

/// The two prepared statements of a group commit.
pub(crate) struct GroupStatements {
    read: Statement,
    write: Statement,
}

impl GroupStatements {
    pub(crate) fn prepare(client: &mut Client) -> Result<GroupStatements, StoreError> {
        Ok(GroupStatements {
            read: client.prepare(READ_SQL)?,
            write: client.prepare(WRITE_SQL)?,
        })
    }
}

/// The global chain head as the locked transaction sees it.
pub(crate) struct Head {
    pub(crate) global_seq: u64,
    pub(crate) hash: String,
}

struct EventVals {
    global_seq: i64,
    case_id: String,
    seq: i64,
    kind: String,
    payload: String,
    at: String,
    prev_case_hash: String,
    prev_global_hash: String,
    hash: String,
}

struct CaseVals {
    regulation_id: String,
    regulation_hash: String,
    service_id: String,
    route: String,
    provider_id: String,
    applicant_id: String,
    status: &'static str,
    current_steps: String,
    submitted_at: i64,
    due: Option<i64>,
    closed_at: Option<i64>,
    result: Option<String>,
    version: i64,
}

struct TaskVals {
    case_id: String,
    step_id: String,
    role: String,
    unit: String,
    assignee: Option<String>,
    status: &'static str,
    is_open: bool,
    created_at: i64,
    due: Option<i64>,
    due_key: i64,
    escalation: bool,
    check: Option<String>,
}

struct RegistryVals {
    region: String,
    record: String,
    case_id: String,
}

struct TimerVals {
    case_id: String,
    due: i64,
    kind: String,
    payload: String,
}

struct OutboxVals {
    case_id: String,
    system: String,
    payload: String,
    created_at: i64,
}

/// One op converted to column values (conversion can fail: the batch fails).
enum StagedOp {
    Case(String, CaseVals),
    Task(String, TaskVals),
    Registry((String, String), Option<RegistryVals>),
    Timer(String, Option<TimerVals>),
    Outbox(String, Option<OutboxVals>),
}

/// The final state per key of a table within a chunk: `Some` = upsert,
/// `None` = delete. Keys keep first-seen order.
struct Keyed<K, V> {
    index: HashMap<K, usize>,
    rows: Vec<(K, Option<V>)>,
}

impl<K: Hash + Eq + Clone, V> Keyed<K, V> {
    fn new() -> Self {
        Keyed {
            index: HashMap::new(),
            rows: Vec::new(),
        }
    }

    fn set(&mut self, key: K, value: Option<V>) {
        match self.index.get(&key) {
            Some(&at) => self.rows[at].1 = value,
            None => {
                self.index.insert(key.clone(), self.rows.len());
                self.rows.push((key, value));
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Rows gathered for the next write statement.
struct Chunk {
    events: Vec<EventVals>,
    idempotency: Vec<(String, Appended)>,
    cases: Keyed<String, CaseVals>,
    tasks: Keyed<String, TaskVals>,
    registries: Keyed<(String, String), RegistryVals>,
    timers: Keyed<String, TimerVals>,
    outbox: Keyed<String, OutboxVals>,
    bytes: usize,
}

impl Chunk {
    fn new() -> Chunk {
        Chunk {
            events: Vec::new(),
            idempotency: Vec::new(),
            cases: Keyed::new(),
            tasks: Keyed::new(),
            registries: Keyed::new(),
            timers: Keyed::new(),
            outbox: Keyed::new(),
            bytes: 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.idempotency.is_empty()
            && self.cases.is_empty()
            && self.tasks.is_empty()
            && self.registries.is_empty()
            && self.timers.is_empty()
            && self.outbox.is_empty()
    }
}

/// Appends `batches` in the open transaction `tx`, whose chain head row the
/// caller has locked and read into `head`. Per-batch outcomes are decided in
/// memory; an `Err` means the database refused a statement and the
/// transaction must be rolled back (the caller then falls back to the
/// statement-per-row path, which isolates the offending batch).
pub(crate) fn append_group(
    tx: &mut impl GenericClient,
    stmts: &GroupStatements,
    batches: &[Batch],
    head: &mut Head,
) -> Result<Vec<Result<Appended, StoreError>>, StoreError> {
    let valid: Vec<Result<(), StoreError>> = batches.iter().map(validate_batch).collect();

    // One read: the group's idempotency keys and case heads.
    let mut keys: Vec<&str> = Vec::new();
    let mut case_ids: Vec<&str> = Vec::new();
    {
        let mut seen_keys = std::collections::HashSet::new();
        let mut seen_cases = std::collections::HashSet::new();
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
    let mut known: HashMap<String, Appended> = HashMap::new();
    let mut heads: HashMap<String, (u64, String)> = HashMap::new();
    if !keys.is_empty() || !case_ids.is_empty() {
        for row in tx.query(&stmts.read, &[&keys, &case_ids])? {
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
                known.insert(name, appended);
            } else {
                heads.insert(name, (i64_to_u64(get(&row, 3)?)?, get(&row, 6)?));
            }
        }
    }

    let mut results = Vec::with_capacity(batches.len());
    let mut chunk = Chunk::new();
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
                .map_or_else(|| head.hash.clone(), |e| e.hash.clone()),
            duplicate: false,
        };
        if let Some(last) = events.last() {
            head.global_seq = last.global_seq as u64;
            head.hash.clone_from(&last.hash);
            heads.insert(
                batch.case_id.clone(),
                (appended.last_seq, last.hash.clone()),
            );
        }
        chunk.events.extend(events);
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
            write_chunk(tx, stmts, std::mem::replace(&mut chunk, Chunk::new()), head)?;
        }
    }
    if !chunk.is_empty() {
        write_chunk(tx, stmts, chunk, head)?;
    }
    Ok(results)
}

type Staged = (Vec<EventVals>, Vec<StagedOp>, usize);

/// Hashes the batch's events after `head` and converts its ops; nothing is
/// moved until the whole batch is known to be good.
fn stage(batch: &Batch, case_hash: &str, head: &Head) -> Result<Staged, StoreError> {
    let mut bytes = 0;
    let mut events = Vec::with_capacity(batch.events.len());
    let mut global_seq = head.global_seq;
    let mut prev_case = case_hash.to_owned();
    let mut prev_global = head.hash.clone();
    for event in &batch.events {
        global_seq += 1;
        let payload = to_json_text(&event.payload)?;
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
        let hash = event_hash(&EventHashInput {
            case_id: &batch.case_id,
            seq: event.seq,
            global_seq,
            kind: &event.kind,
            payload_json: &payload,
            at: &at,
            prev_case_hash: &prev_case,
            prev_global_hash: &prev_global,
        });
        bytes += payload.len() + 400;
        events.push(EventVals {
            global_seq: u64_to_i64(global_seq)?,
            case_id: batch.case_id.clone(),
            seq: u64_to_i64(event.seq)?,
            kind: event.kind.clone(),
            payload,
            at,
            prev_case_hash: std::mem::replace(&mut prev_case, hash.clone()),
            prev_global_hash: std::mem::replace(&mut prev_global, hash.clone()),
            hash,
        });
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

fn stage_op(op: &ProjectionOp) -> Result<StagedOp, StoreError> {
    Ok(match op {
        ProjectionOp::PutCase(case) => {
            check_id("case_id", &case.case_id)?;
            StagedOp::Case(
                case.case_id.clone(),
                CaseVals {
                    regulation_id: case.regulation_id.clone(),
                    regulation_hash: case.regulation_hash.clone(),
                    service_id: case.service_id.clone(),
                    route: case.route.clone(),
                    provider_id: case.provider_id.clone(),
                    applicant_id: case.applicant_id.clone(),
                    status: case_status_str(case.status),
                    current_steps: steps_to_text(&case.current_steps)?,
                    submitted_at: ts_to_ns(case.submitted_at)?,
                    due: opt_ts_to_ns(case.due)?,
                    closed_at: opt_ts_to_ns(case.closed_at)?,
                    result: case.result.clone(),
                    version: u64_to_i64(case.version)?,
                },
            )
        }
        ProjectionOp::PutTask(task) => {
            check_id("task_id", &task.task_id)?;
            let due = opt_ts_to_ns(task.due)?;
            StagedOp::Task(
                task.task_id.clone(),
                TaskVals {
                    case_id: task.case_id.clone(),
                    step_id: task.step_id.clone(),
                    role: task.role.clone(),
                    unit: task.unit.clone(),
                    assignee: task.assignee.clone(),
                    status: task_status_str(task.status),
                    is_open: !matches!(task.status, TaskStatus::Done | TaskStatus::Cancelled),
                    created_at: ts_to_ns(task.created_at)?,
                    due,
                    due_key: due_key(due),
                    escalation: task.escalation,
                    check: task.check.clone(),
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

/// One statement: every row of the chunk and the chain head.
fn write_chunk(
    tx: &mut impl GenericClient,
    stmts: &GroupStatements,
    chunk: Chunk,
    head: &Head,
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
    let cases: Vec<(&String, &CaseVals)> = chunk
        .cases
        .rows
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
    let tasks: Vec<(&String, &TaskVals)> = chunk
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

    let head_seq = u64_to_i64(head.global_seq)?;
    let params: [&(dyn ToSql + Sync); 63] = [
        &column!(events, |e| e.global_seq),
        &column!(events, |e| e.case_id.as_str()),
        &column!(events, |e| e.seq),
        &column!(events, |e| e.kind.as_str()),
        &column!(events, |e| e.payload.as_str()),
        &column!(events, |e| e.at.as_str()),
        &column!(events, |e| e.prev_case_hash.as_str()),
        &column!(events, |e| e.prev_global_hash.as_str()),
        &column!(events, |e| e.hash.as_str()),
        &column!(idem, |r| r.0.as_str()),
        &column!(idem, |r| r.1.case_id.as_str()),
        &idem_seq,
        &idem_events,
        &idem_global,
        &column!(idem, |r| r.1.last_hash.as_str()),
        &column!(cases, |r| r.0.as_str()),
        &column!(cases, |r| r.1.regulation_id.as_str()),
        &column!(cases, |r| r.1.regulation_hash.as_str()),
        &column!(cases, |r| r.1.service_id.as_str()),
        &column!(cases, |r| r.1.route.as_str()),
        &column!(cases, |r| r.1.provider_id.as_str()),
        &column!(cases, |r| r.1.applicant_id.as_str()),
        &column!(cases, |r| r.1.status),
        &column!(cases, |r| r.1.current_steps.as_str()),
        &column!(cases, |r| r.1.submitted_at),
        &column!(cases, |r| r.1.due),
        &column!(cases, |r| r.1.closed_at),
        &column!(cases, |r| r.1.result.as_deref()),
        &column!(cases, |r| r.1.version),
        &column!(tasks, |r| r.0.as_str()),
        &column!(tasks, |r| r.1.case_id.as_str()),
        &column!(tasks, |r| r.1.step_id.as_str()),
        &column!(tasks, |r| r.1.role.as_str()),
        &column!(tasks, |r| r.1.unit.as_str()),
        &column!(tasks, |r| r.1.assignee.as_deref()),
        &column!(tasks, |r| r.1.status),
        &column!(tasks, |r| r.1.is_open),
        &column!(tasks, |r| r.1.created_at),
        &column!(tasks, |r| r.1.due),
        &column!(tasks, |r| r.1.due_key),
        &column!(tasks, |r| r.1.escalation),
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
        &head_seq,
        &head.hash,
        &column!(tasks, |r| r.1.check.as_deref()),
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
