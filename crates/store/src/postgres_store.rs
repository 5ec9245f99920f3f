//! PostgreSQL backend: the sync `postgres` client, a small bounded pool of
//! connections with their prepared statements, and the global chain head row
//! locked `FOR UPDATE` by every appending transaction (appends are therefore
//! serialized; `append_many` amortizes the lock and the commit over many
//! batches — see `docs/store.md`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls, Row, SimpleQueryMessage, Statement};
use qyzmet_storage::record::{
    Batch, CaseRow, Evidence, ExchangeRow, ExchangeStat, OutboxClaim, OutboxRow, ProjectionOp,
    RegistryRow, StoredEvent, TaskRow, TimerRow,
};
use serde_json::Value;

use crate::audit::{self, AuditBackend, RawEvent, RawFields, RawKey};
use crate::commit_queue::CommitQueue;
use crate::convert::*;
use crate::group::{Chunk, GroupBackend, Head, append_group};
use crate::notifications::{cut_error, delivery_id, validate_notifications};
use crate::pg_group::{GroupStatements, PgGroup};
use crate::pg_pipeline::Pipeline;
use crate::rebuild::{self, RebuildBackend, RebuildRows};
use crate::{
    Appended, AuditReport, CaseQuery, CaseStat, DeliveryClaim, DeliveryRow, GroupCounts,
    NewNotification, NotificationPage, NotificationRow, OutboxBacklog, RebuildReport, Store,
    StoreError, TaskQuery, cap_limit, check_id, limits, validate_batch,
};

const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "directory",
        include_str!("../migrations/postgres/0002_directory.sql"),
    ),
    (
        3,
        "gateway",
        include_str!("../migrations/postgres/0003_gateway.sql"),
    ),
    (
        4,
        "notifications",
        include_str!("../migrations/postgres/0004_notifications.sql"),
    ),
    (
        5,
        "collate_c",
        include_str!("../migrations/postgres/0005_collate_c.sql"),
    ),
    (
        6,
        "events_without_prev",
        include_str!("../migrations/postgres/0006_events_without_prev.sql"),
    ),
];

/// Connections kept open at most; callers beyond that wait.
const POOL_SIZE_MAX: usize = 8;
const POOL_WAIT_MAX: Duration = Duration::from_secs(30);
/// Arbitrary constant naming the advisory lock that serializes migrations.
const MIGRATION_LOCK_KEY: i64 = 0x7179_7a6d_6574; // "qyzmet"
/// The advisory lock that orders the two ways of writing a group across
/// processes (`pg_pipeline.rs`): pipelined groups hold it shared, from
/// their first statement to their end; a transaction that locks the chain
/// head first (the classic path, per-batch redo, rebuild) holds it
/// exclusively, so it starts only once no pipelined group of any process
/// holds rows while waiting for the head.
const WRITER_LOCK_KEY: i64 = 0x7179_7a6d_6574_7772; // "qyzmetwr"
/// How long a pipelined group waits for a lock before it gives up and is
/// redone the classic way: a wait across processes that PostgreSQL cannot
/// see as a deadlock (one half of it is inside a process) ends here.
const PIPELINED_LOCK_TIMEOUT: &str = "5s";
/// What a pipelined group sends with its `BEGIN`, in the same round trip:
/// the writer lock shared, the lock timeout, and the chain head as it is
/// (the head to stage on when no group is in flight).
static PIPELINED_BEGIN_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "BEGIN; SELECT pg_advisory_xact_lock_shared({WRITER_LOCK_KEY}); \
         SET LOCAL lock_timeout = '{PIPELINED_LOCK_TIMEOUT}'; {HEAD_READ_SQL}"
    )
});
/// A transaction that locks the chain head first: the writer lock
/// exclusively, then the head row `FOR UPDATE`, in one round trip.
static HEAD_FIRST_SQL: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY}); {HEAD_READ_SQL} FOR UPDATE")
});
/// What a classic group sends with its `BEGIN`.
static CLASSIC_BEGIN_SQL: LazyLock<String> =
    LazyLock::new(|| format!("BEGIN; {}", *HEAD_FIRST_SQL));
const HEAD_READ_SQL: &str = "SELECT global_seq, hash FROM chain_head WHERE id = 1";
/// How long the store stops pipelining after a pipelined group had to be
/// redone: another process moved the chain head (two servers writing), so
/// groups staged ahead would mostly be redone as well.
const PIPELINE_PAUSE: Duration = Duration::from_secs(1);

struct Statements {
    idempotency_get: Statement,
    case_last: Statement,
    group: GroupStatements,
}

impl Statements {
    fn prepare(client: &mut Client) -> Result<Statements, StoreError> {
        Ok(Statements {
            idempotency_get: client.prepare(
                "SELECT case_id, last_seq, events, last_global_seq, last_hash FROM idempotency WHERE key = $1",
            )?,
            case_last: client.prepare("SELECT seq, hash FROM events WHERE case_id = $1 ORDER BY seq DESC LIMIT 1")?,
            group: GroupStatements::prepare(client)?,
        })
    }
}

struct Conn {
    client: Client,
    stmts: Statements,
    /// Read statements by SQL text, prepared on first use: a query by text
    /// costs a second round trip (parse) every time.
    cached: std::collections::HashMap<String, Statement>,
}

impl Conn {
    /// Runs a read through this connection's statement cache.
    fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, StoreError> {
        let statement = match self.cached.get(sql) {
            Some(statement) => statement.clone(),
            None => {
                let statement = self.client.prepare(sql)?;
                // Dynamic work-list SQL has few shapes; bound the cache anyway.
                if self.cached.len() >= 256 {
                    self.cached.clear();
                }
                self.cached.insert(sql.to_owned(), statement.clone());
                statement
            }
        };
        Ok(self.client.query(&statement, params)?)
    }

    fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

struct Pool {
    url: String,
    idle: Mutex<Vec<Conn>>,
    /// Connections open (idle or in use).
    open: Mutex<usize>,
    returned: Condvar,
}

struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<Conn>,
}

impl Pooled<'_> {
    fn conn(&mut self) -> &mut Conn {
        // Present from creation until drop.
        self.conn
            .as_mut()
            .unwrap_or_else(|| unreachable!("pooled connection taken twice"))
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if conn.client.is_closed() {
                // A broken connection (the server restarted, or failed over
                // to a replica): the idle ones were opened to the same server
                // and are most likely dead too. Drop them all so that the
                // next call connects afresh (to whichever host of a
                // multi-host URL now accepts writes) instead of failing once
                // per stale connection. The failed call itself returns its
                // error: nothing it did was acknowledged.
                let stale = std::mem::take(&mut *lock(&self.pool.idle));
                *lock(&self.pool.open) -= 1 + stale.len();
                drop(stale);
            } else {
                lock(&self.pool.idle).push(conn);
            }
            self.pool.returned.notify_one();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Pool {
    fn get(&self) -> Result<Pooled<'_>, StoreError> {
        let deadline = std::time::Instant::now() + POOL_WAIT_MAX;
        loop {
            let idle = lock(&self.idle).pop();
            if let Some(conn) = idle {
                if conn.client.is_closed() {
                    *lock(&self.open) -= 1;
                    continue;
                }
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                });
            }
            {
                let mut open = lock(&self.open);
                if *open < POOL_SIZE_MAX {
                    *open += 1;
                    drop(open);
                    return match connect_one(&self.url) {
                        Ok(conn) => Ok(Pooled {
                            pool: self,
                            conn: Some(conn),
                        }),
                        Err(error) => {
                            *lock(&self.open) -= 1;
                            Err(error)
                        }
                    };
                }
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Err(StoreError::Backend(
                    "postgres: no connection free within 30 s".into(),
                ));
            }
            let idle = lock(&self.idle);
            if idle.is_empty() {
                let _ = self
                    .returned
                    .wait_timeout(idle, (deadline - now).min(Duration::from_millis(100)));
            }
        }
    }
}

fn connect_one(url: &str) -> Result<Conn, StoreError> {
    let mut client = Client::connect(url, NoTls)?;
    let stmts = Statements::prepare(&mut client)?;
    Ok(Conn {
        client,
        stmts,
        cached: Default::default(),
    })
}

/// The PostgreSQL store.
pub struct PostgresStore {
    pool: Pool,
    /// Concurrent appends share one transaction (`commit_queue.rs`).
    queue: CommitQueue,
    /// Groups in flight on several connections (`pg_pipeline.rs`).
    pipeline: Pipeline,
    /// `Store::group_counts`.
    pipelined: AtomicU64,
    redone: AtomicU64,
}

/// Groups in flight at once on the pipeline: two backends writing disjoint
/// groups side by side (this machine's two cores; a third would only wait
/// for a core).
const PIPELINE_DEPTH: usize = 2;
/// Batches queued behind a running commit that call for the second one
/// (`commit_queue.rs`): under light load one group at a time is cheaper
/// and so faster (`qyzmet bench load`, docs/performance.md).
const EXTRA_LEADER_AT: usize = 16;

/// The most batches committed in one group of concurrent appends.
const GROUP_MAX: usize = 256;

impl PostgresStore {
    /// Connects, applies migrations, and prepares the pool.
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let mut client = Client::connect(url, NoTls)?;
        migrate(&mut client)?;
        let stmts = Statements::prepare(&mut client)?;
        let pool = Pool {
            url: url.to_owned(),
            idle: Mutex::new(vec![Conn {
                client,
                stmts,
                cached: Default::default(),
            }]),
            open: Mutex::new(1),
            returned: Condvar::new(),
        };
        Ok(PostgresStore {
            pool,
            queue: CommitQueue::new(PIPELINE_DEPTH, EXTRA_LEADER_AT),
            pipeline: Pipeline::default(),
            pipelined: AtomicU64::new(0),
            redone: AtomicU64::new(0),
        })
    }
}

fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let mut tx = client.transaction()?;
    // Two servers starting at once: the second waits, then finds nothing to do.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK_KEY])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )?;
    let applied: Option<i32> = tx
        .query_one("SELECT MAX(version) FROM schema_migrations", &[])?
        .try_get(0)?;
    let applied = applied.unwrap_or(0);
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if applied > known {
        return Err(StoreError::Backend(format!(
            "database schema version {applied} is newer than this program's {known}"
        )));
    }
    for (version, name, sql) in MIGRATIONS {
        if *version > applied {
            tx.batch_execute(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                &[version, name],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn get<'a, T: postgres::types::FromSql<'a>>(row: &'a Row, index: usize) -> Result<T, StoreError> {
    row.try_get(index)
        .map_err(|e| StoreError::Corrupt(format!("postgres: column {index}: {e}")))
}

const EVENT_COLUMNS: &str = "case_id, seq, global_seq, kind, payload, at, hash";

fn event_from_row(row: &Row) -> Result<StoredEvent, StoreError> {
    let case_id: String = get(row, 0)?;
    let seq = i64_to_u64(get(row, 1)?)?;
    let payload: String = get(row, 4)?;
    let at: String = get(row, 5)?;
    Ok(StoredEvent {
        payload: parse_json(&payload, &format!("case {case_id} seq {seq} payload"))?,
        at: parse_at(&at)?,
        global_seq: i64_to_u64(get(row, 2)?)?,
        kind: get(row, 3)?,
        hash: get(row, 6)?,
        case_id,
        seq,
    })
}

/// A case's events, at most one more than allowed so that an overfull case
/// is an error, not a silent cut.
fn case_events_sql() -> String {
    format!("SELECT {EVENT_COLUMNS} FROM events WHERE case_id = $1 ORDER BY seq LIMIT $2")
}

const CASE_EVENTS_FETCH: i64 = (limits::EVENTS_PER_CASE_MAX + 1) as i64;

fn case_events_from(case_id: &str, rows: &[Row]) -> Result<Vec<StoredEvent>, StoreError> {
    if rows.len() > limits::EVENTS_PER_CASE_MAX {
        return Err(StoreError::Invalid(format!(
            "case {case_id} has more than {} events",
            limits::EVENTS_PER_CASE_MAX
        )));
    }
    rows.iter().map(event_from_row).collect()
}

fn case_events_on(
    client: &mut impl GenericClient,
    case_id: &str,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = client.query(&case_events_sql(), &[&case_id, &CASE_EVENTS_FETCH])?;
    case_events_from(case_id, &rows)
}

const CASE_COLUMNS: &str = "case_id, regulation_id, regulation_hash, service_id, route, provider_id, applicant_id, \
     status, current_steps, submitted_at, due, closed_at, result, version";

fn case_from_row(row: &Row) -> Result<CaseRow, StoreError> {
    Ok(CaseRow {
        case_id: get(row, 0)?,
        regulation_id: get(row, 1)?,
        regulation_hash: get(row, 2)?,
        service_id: get(row, 3)?,
        route: get(row, 4)?,
        provider_id: get(row, 5)?,
        applicant_id: get(row, 6)?,
        status: parse_case_status(get(row, 7)?)?,
        current_steps: steps_from_text(get(row, 8)?)?,
        submitted_at: ns_to_ts(get(row, 9)?)?,
        due: opt_ns_to_ts(get(row, 10)?)?,
        closed_at: opt_ns_to_ts(get(row, 11)?)?,
        result: get(row, 12)?,
        version: i64_to_u64(get(row, 13)?)?,
    })
}

const TASK_COLUMNS: &str = "task_id, case_id, step_id, role, unit, assignee, status, created_at, due, escalation, \
     check_reason";

fn task_from_row(row: &Row) -> Result<TaskRow, StoreError> {
    Ok(TaskRow {
        task_id: get(row, 0)?,
        case_id: get(row, 1)?,
        step_id: get(row, 2)?,
        role: get(row, 3)?,
        unit: get(row, 4)?,
        assignee: get(row, 5)?,
        status: parse_task_status(get(row, 6)?)?,
        created_at: ns_to_ts(get(row, 7)?)?,
        due: opt_ns_to_ts(get(row, 8)?)?,
        escalation: get(row, 9)?,
        check: get(row, 10)?,
    })
}

const OUTBOX_COLUMNS: &str =
    "request_id, case_id, system, payload, created_at, attempts, last_error";

fn outbox_from_row(row: &Row) -> Result<OutboxClaim, StoreError> {
    let request_id: String = get(row, 0)?;
    Ok(OutboxClaim {
        row: OutboxRow {
            case_id: get(row, 1)?,
            system: get(row, 2)?,
            payload: parse_json(get(row, 3)?, &format!("outbox {request_id} payload"))?,
            created_at: ns_to_ts(get(row, 4)?)?,
            request_id,
        },
        attempts: u32::try_from(get::<i64>(row, 5)?)
            .map_err(|_| StoreError::Corrupt("outbox attempts out of range".into()))?,
        last_error: get(row, 6)?,
    })
}

const EXCHANGE_COLUMNS: &str = "request_id, case_id, system, attempt, message_id, sent_at, duration_ms, status, \
     answer, request, response";

fn exchange_from_row(row: &Row) -> Result<ExchangeRow, StoreError> {
    Ok(ExchangeRow {
        request_id: get(row, 0)?,
        case_id: get(row, 1)?,
        system: get(row, 2)?,
        attempt: u32::try_from(get::<i64>(row, 3)?)
            .map_err(|_| StoreError::Corrupt("exchange attempt out of range".into()))?,
        message_id: get(row, 4)?,
        sent_at: ns_to_ts(get(row, 5)?)?,
        duration_ms: i64_to_u64(get(row, 6)?)?,
        status: get(row, 7)?,
        answer: get(row, 8)?,
        request: get(row, 9)?,
        response: get(row, 10)?,
    })
}

fn timer_from_row(row: &Row) -> Result<TimerRow, StoreError> {
    let timer_id: String = get(row, 0)?;
    Ok(TimerRow {
        case_id: get(row, 1)?,
        due: ns_to_ts(get(row, 2)?)?,
        kind: get(row, 3)?,
        payload: parse_json(get(row, 4)?, &format!("timer {timer_id} payload"))?,
        timer_id,
    })
}

fn raw_event(row: &Row) -> RawEvent {
    let fields = (|| -> Result<RawFields, String> {
        let text = |i: usize| {
            row.try_get::<_, String>(i)
                .map_err(|e| format!("column {i}: {e}"))
        };
        Ok(RawFields {
            kind: text(3)?,
            payload: text(4)?,
            at: text(5)?,
            hash: text(6)?,
            case_prev_hash: text(7).ok(),
        })
    })();
    RawEvent {
        key: raw_key(row),
        fields,
    }
}

fn raw_key(row: &Row) -> RawKey {
    RawKey {
        global_seq: row.try_get(0).unwrap_or(-1),
        case_id: row.try_get(1).unwrap_or_default(),
        seq: row.try_get(2).unwrap_or(-1),
    }
}

/// An event row in global order with the stored hash of its case's event
/// `seq - 1` (`audit.rs`): the unique index on `(case_id, seq)` finds it.
const RAW_EVENTS_IN_GLOBAL_ORDER: &str = "\
SELECT e.global_seq, e.case_id, e.seq, e.kind, e.payload, e.at, e.hash, p.hash
  FROM events AS e LEFT JOIN events AS p ON p.case_id = e.case_id AND p.seq = e.seq - 1
 WHERE e.global_seq > $1 ORDER BY e.global_seq LIMIT $2";

/// PostgreSQL's row reads for `verify` (`audit.rs` decides), inside the
/// `REPEATABLE READ READ ONLY` transaction.
struct PgAudit<'a, C: GenericClient> {
    tx: &'a mut C,
}

impl<C: GenericClient> AuditBackend for PgAudit<'_, C> {
    fn events_in_global_order(
        &mut self,
        after: i64,
        limit: usize,
        each: &mut dyn FnMut(&RawEvent),
    ) -> Result<usize, StoreError> {
        let rows = self
            .tx
            .query(RAW_EVENTS_IN_GLOBAL_ORDER, &[&after, &(limit as i64)])?;
        for row in &rows {
            each(&raw_event(row));
        }
        Ok(rows.len())
    }

    fn events_in_case_order(
        &mut self,
        (after_case, after_seq): (&str, i64),
        limit: usize,
        each: &mut dyn FnMut(&RawKey),
    ) -> Result<usize, StoreError> {
        let rows = self.tx.query(
            "SELECT global_seq, case_id, seq FROM events WHERE (case_id, seq) > ($1, $2) ORDER BY case_id, seq LIMIT $3",
            &[&after_case, &after_seq, &(limit as i64)],
        )?;
        for row in &rows {
            each(&raw_key(row));
        }
        Ok(rows.len())
    }

    fn chain_head(&mut self) -> Result<(i64, String), StoreError> {
        let head = self
            .tx
            .query_one("SELECT global_seq, hash FROM chain_head WHERE id = 1", &[])?;
        Ok((get(&head, 0)?, get(&head, 1)?))
    }
}

/// Locks the chain head row for this transaction and reads it, after the
/// writer lock (exclusive: no pipelined group of any process is in flight).
fn lock_head(tx: &mut impl GenericClient) -> Result<Head, StoreError> {
    head_of(&tx.simple_query(&HEAD_FIRST_SQL)?)
}

/// The chain head in the last row of a simple query's answer (text).
fn head_of(messages: &[SimpleQueryMessage]) -> Result<Head, StoreError> {
    let row = messages
        .iter()
        .rev()
        .find_map(|message| match message {
            SimpleQueryMessage::Row(row) => Some(row),
            _ => None,
        })
        .ok_or_else(|| StoreError::Backend("postgres: the chain head row is missing".into()))?;
    let text = |index: usize| {
        row.try_get(index)?
            .ok_or_else(|| StoreError::Backend("postgres: the chain head row has a NULL".into()))
    };
    let global_seq = text(0)?
        .parse::<u64>()
        .map_err(|error| StoreError::Backend(format!("postgres: chain head sequence: {error}")))?;
    Ok(Head {
        global_seq,
        hash: text(1)?.to_owned(),
    })
}

/// A transaction opened with `BEGIN` and its first statements in one
/// simple query, one round trip; like `postgres::Transaction` it rolls
/// back when dropped without `commit`. The group paths use it: what they
/// send first needs no parameters.
struct Begun<'a> {
    client: &'a mut Client,
    open: bool,
}

impl<'a> Begun<'a> {
    /// Sends `sql`, which starts with `BEGIN`, and returns the transaction
    /// with the chain head its last statement read.
    fn start(client: &'a mut Client, sql: &str) -> Result<(Begun<'a>, Head), StoreError> {
        debug_assert!(sql.starts_with("BEGIN;"));
        let answer = client.simple_query(sql);
        // A statement after BEGIN that failed leaves the transaction open
        // (and aborted): the guard rolls it back.
        let begun = Begun { client, open: true };
        let head = head_of(&answer?)?;
        Ok((begun, head))
    }

    fn commit(mut self) -> Result<(), postgres::Error> {
        self.open = false;
        self.client.batch_execute("COMMIT")
    }
}

impl Drop for Begun<'_> {
    fn drop(&mut self) {
        if self.open && !self.client.is_closed() {
            // The connection is unusable if this fails; the pool sees it closed.
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}

/// The slow path of `append_many`: a savepoint and a statement per row, so
/// that a batch the database refuses fails alone. Used only when the fast
/// path's statements failed.
fn append_many_per_batch(
    client: &mut Client,
    stmts: &Statements,
    batches: &[Batch],
) -> Vec<Result<Appended, StoreError>> {
    let outcome = (|| -> Result<Vec<Result<Appended, StoreError>>, StoreError> {
        let mut tx = client.transaction()?;
        let mut head = lock_head(&mut tx)?;
        let mut results = Vec::with_capacity(batches.len());
        for batch in batches {
            if let Err(error) = validate_batch(batch) {
                results.push(Err(error));
                continue;
            }
            // The same decisions as the fast path, one batch at a time: the
            // batch the database refuses rolls back to its savepoint alone.
            let mut savepoint = tx.savepoint("batch")?;
            let kept = head.clone();
            let mut backend = PgGroup::locked(&mut savepoint, &stmts.group, &head);
            match append_group(&mut backend, std::slice::from_ref(batch), &mut head) {
                Ok(mut one) => {
                    savepoint.commit()?;
                    results.push(one.pop().unwrap_or_else(|| {
                        Err(StoreError::Backend(
                            "postgres: no outcome for the batch".into(),
                        ))
                    }));
                }
                Err(error) => {
                    savepoint.rollback()?;
                    head = kept;
                    results.push(Err(error));
                }
            }
        }
        tx.commit()?;
        Ok(results)
    })();
    outcome.unwrap_or_else(|error| batches.iter().map(|_| Err(error.clone())).collect())
}

/// Whether a group may take the pipelined path: not when its evidence
/// appends to a directory list (attachments), a read-modify-write of a row
/// that a group still in flight may have changed.
fn pipelined(batches: &[Batch]) -> bool {
    !batches.iter().any(|batch| {
        batch
            .evidence
            .iter()
            .any(|item| matches!(item, Evidence::Attachments { .. }))
    })
}

impl PostgresStore {
    /// A group on the pipeline (`pg_pipeline.rs`): staged on the groups in
    /// flight, written after the one before, committed while the next one
    /// is written. `None`: the chain head moved under it or the database
    /// refused a statement; it left nothing and must be redone the classic
    /// way.
    fn append_pipelined(
        &self,
        conn: &mut Conn,
        batches: &[Batch],
    ) -> Option<Vec<Result<Appended, StoreError>>> {
        let all_fail = |error: StoreError| {
            batches
                .iter()
                .map(|_| Err(error.clone()))
                .collect::<Vec<_>>()
        };
        let Conn { client, stmts, .. } = conn;
        let (mut turn, predicted) = self.pipeline.begin(batches);
        self.pipelined.fetch_add(1, Ordering::Relaxed);
        let error = 'attempt: {
            let (tx, read) = match Begun::start(client, &PIPELINED_BEGIN_SQL) {
                Ok(begun) => begun,
                Err(error) => break 'attempt error,
            };
            let head = predicted.unwrap_or(read);
            let mut after = head.clone();
            let mut backend = PgGroup {
                tx: &mut *tx.client,
                stmts: &stmts.group,
                expected: head,
                turn: Some(&mut turn),
            };
            match append_group(&mut backend, batches, &mut after) {
                Ok(results) => {
                    let committed = tx.commit();
                    if committed.is_ok() {
                        turn.committed();
                    }
                    // Only now does the group leave the pipeline's predictions.
                    drop(turn);
                    return Some(match committed {
                        Ok(()) => results,
                        Err(error) => all_fail(error.into()),
                    });
                }
                // Dropping `tx` rolls the group back.
                Err(error) => error,
            }
        };
        // The group leaves the flight only once rolled back. It left
        // nothing: redo it the classic way (and pause the pipeline), unless
        // the connection is gone.
        drop(turn);
        if client.is_closed() {
            return Some(all_fail(error));
        }
        self.redone.fetch_add(1, Ordering::Relaxed);
        self.pipeline.pause(PIPELINE_PAUSE);
        None
    }
}

impl Store for PostgresStore {
    fn append(&self, batch: &Batch) -> Result<Appended, StoreError> {
        validate_batch(batch)?;
        self.queue
            .append(batch, GROUP_MAX, |batches| self.append_many(batches))
    }

    fn append_many(&self, batches: &[Batch]) -> Vec<Result<Appended, StoreError>> {
        let all_fail = |error: StoreError| {
            batches
                .iter()
                .map(|_| Err(error.clone()))
                .collect::<Vec<_>>()
        };
        if batches.len() > limits::BATCHES_PER_GROUP_MAX {
            return all_fail(StoreError::Invalid(format!(
                "{} batches in one group (max {})",
                batches.len(),
                limits::BATCHES_PER_GROUP_MAX
            )));
        }
        if batches.is_empty() {
            return Vec::new();
        }
        let mut pooled = match self.pool.get() {
            Ok(pooled) => pooled,
            Err(error) => return all_fail(error),
        };
        if pipelined(batches)
            && !self.pipeline.paused()
            && let Some(results) = self.append_pipelined(pooled.conn(), batches)
        {
            return results;
        }
        // The classic path: both pipeline turns and the chain head held
        // from the start, a fixed number of round trips per group.
        let _exclusive = self.pipeline.exclusive();
        let Conn { client, stmts, .. } = pooled.conn();
        let error = match Begun::start(client, &CLASSIC_BEGIN_SQL) {
            Ok((tx, mut head)) => {
                let mut backend = PgGroup::locked(&mut *tx.client, &stmts.group, &head);
                match append_group(&mut backend, batches, &mut head) {
                    Ok(results) => {
                        return match tx.commit() {
                            Ok(()) => results,
                            Err(error) => all_fail(error.into()),
                        };
                    }
                    // Dropping `tx` rolls the group back.
                    Err(error) => error,
                }
            }
            Err(error) => error,
        };
        // The database refused a statement (a value it will not store, e.g.
        // text with a NUL byte, or a constraint the in-memory decisions did
        // not foresee): redo the group statement by statement, a savepoint
        // per batch, so that the offending batch fails alone.
        if client.is_closed() {
            all_fail(error)
        } else {
            append_many_per_batch(client, stmts, batches)
        }
    }

    fn concurrent_appends(&self) -> usize {
        PIPELINE_DEPTH
    }

    fn group_counts(&self) -> GroupCounts {
        GroupCounts {
            pipelined: self.pipelined.load(Ordering::Relaxed),
            redone: self.redone.load(Ordering::Relaxed),
        }
    }

    fn idempotency(&self, key: &str) -> Result<Option<Appended>, StoreError> {
        let mut pooled = self.pool.get()?;
        let Conn { client, stmts, .. } = pooled.conn();
        match client.query_opt(&stmts.idempotency_get, &[&key])? {
            Some(row) => idempotency_from_row(&row).map(Some),
            None => Ok(None),
        }
    }

    fn case_head(&self, case_id: &str) -> Result<u64, StoreError> {
        let mut pooled = self.pool.get()?;
        let Conn { client, stmts, .. } = pooled.conn();
        match client.query_opt(&stmts.case_last, &[&case_id])? {
            Some(row) => i64_to_u64(get(&row, 0)?),
            None => Ok(0),
        }
    }

    fn case_events(&self, case_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let mut pooled = self.pool.get()?;
        let rows = pooled
            .conn()
            .query(&case_events_sql(), &[&case_id, &CASE_EVENTS_FETCH])?;
        case_events_from(case_id, &rows)
    }

    fn events_since(&self, global_seq: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        let mut pooled = self.pool.get()?;
        let rows = pooled.conn().client.query(
            &format!("SELECT {EVENT_COLUMNS} FROM events WHERE global_seq > $1 ORDER BY global_seq LIMIT $2"),
            &[&u64_to_i64(global_seq)?, &(cap_limit(limit) as i64)],
        )?;
        rows.iter().map(event_from_row).collect()
    }

    fn case(&self, case_id: &str) -> Result<Option<CaseRow>, StoreError> {
        let mut pooled = self.pool.get()?;
        let row = pooled.conn().query_opt(
            &format!("SELECT {CASE_COLUMNS} FROM cases WHERE case_id = $1"),
            &[&case_id],
        )?;
        row.as_ref().map(case_from_row).transpose()
    }

    fn cases(&self, query: &CaseQuery) -> Result<Vec<CaseRow>, StoreError> {
        let mut sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE TRUE");
        let mut args: Vec<Box<dyn ToSql + Sync>> = Vec::new();
        let filters = [
            (
                "status",
                query.status.map(|s| case_status_str(s).to_owned()),
            ),
            ("route", query.route.clone()),
            ("provider_id", query.provider_id.clone()),
            ("regulation_id", query.regulation_id.clone()),
            ("applicant_id", query.applicant_id.clone()),
        ];
        for (column, value) in filters {
            if let Some(value) = value {
                args.push(Box::new(value));
                sql.push_str(&format!(" AND {column} = ${}", args.len()));
            }
        }
        args.push(Box::new(cap_limit(query.limit) as i64));
        let order = if query.newest_first { "DESC" } else { "ASC" };
        sql.push_str(&format!(
            " ORDER BY submitted_at {order}, case_id {order} LIMIT ${}",
            args.len()
        ));
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
        let mut pooled = self.pool.get()?;
        let rows = pooled.conn().query(&sql, &params)?;
        rows.iter().map(case_from_row).collect()
    }

    fn tasks(&self, query: &TaskQuery) -> Result<Vec<TaskRow>, StoreError> {
        if !query.include_closed && !query.units.is_empty() && !query.roles.is_empty() {
            // A work list: one ordered index range per (unit, role) pair,
            // merged. `unit = ANY(..) AND role = ANY(..)` would read and sort
            // every open task of those units instead.
            let (units, roles): (Vec<&str>, Vec<&str>) = query
                .units
                .iter()
                .flat_map(|unit| {
                    query
                        .roles
                        .iter()
                        .map(move |role| (unit.as_str(), role.as_str()))
                })
                .unzip();
            let limit = cap_limit(query.limit) as i64;
            if units.len() == 1 && query.assignee.is_none() {
                // One pair (most officers): the plain ordered index range.
                let sql = format!(
                    "SELECT {TASK_COLUMNS} FROM tasks WHERE unit = $1 AND role = $2 AND is_open
                     ORDER BY due_key, created_at, task_id LIMIT $3"
                );
                let mut pooled = self.pool.get()?;
                let rows = pooled.conn().query(&sql, &[&units[0], &roles[0], &limit])?;
                return rows.iter().map(task_from_row).collect();
            }
            let sql = format!(
                "SELECT t.* FROM unnest($1::text[], $2::text[]) AS g(unit, role)
                 CROSS JOIN LATERAL (
                     SELECT {TASK_COLUMNS}, due_key FROM tasks
                     WHERE tasks.unit = g.unit AND tasks.role = g.role AND is_open
                       AND ($3::text IS NULL OR assignee = $3)
                     ORDER BY due_key, created_at, task_id LIMIT $4) t
                 ORDER BY t.due_key, t.created_at, t.task_id LIMIT $4"
            );
            let mut pooled = self.pool.get()?;
            let rows = pooled
                .conn()
                .query(&sql, &[&units, &roles, &query.assignee, &limit])?;
            return rows.iter().map(task_from_row).collect();
        }
        let mut sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE TRUE");
        let mut args: Vec<Box<dyn ToSql + Sync>> = Vec::new();
        if !query.include_closed {
            sql.push_str(" AND is_open");
        }
        for (column, values) in [("unit", &query.units), ("role", &query.roles)] {
            if !values.is_empty() {
                args.push(Box::new(values.clone()));
                sql.push_str(&format!(" AND {column} = ANY(${})", args.len()));
            }
        }
        if let Some(assignee) = &query.assignee {
            args.push(Box::new(assignee.clone()));
            sql.push_str(&format!(" AND assignee = ${}", args.len()));
        }
        args.push(Box::new(cap_limit(query.limit) as i64));
        sql.push_str(&format!(
            " ORDER BY due_key, created_at, task_id LIMIT ${}",
            args.len()
        ));
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
        let mut pooled = self.pool.get()?;
        let rows = pooled.conn().query(&sql, &params)?;
        rows.iter().map(task_from_row).collect()
    }

    fn task(&self, task_id: &str) -> Result<Option<TaskRow>, StoreError> {
        let mut pooled = self.pool.get()?;
        let row = pooled.conn().query_opt(
            &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE task_id = $1"),
            &[&task_id],
        )?;
        row.as_ref().map(task_from_row).transpose()
    }

    fn registry(&self, registry: &str, key: &str) -> Result<Option<RegistryRow>, StoreError> {
        let mut pooled = self.pool.get()?;
        let row = pooled.conn().query_opt(
            "SELECT registry, key, region, record, case_id FROM registries WHERE registry = $1 AND key = $2",
            &[&registry, &key],
        )?;
        row.map(|row| {
            Ok(RegistryRow {
                registry: get(&row, 0)?,
                key: get(&row, 1)?,
                region: get(&row, 2)?,
                record: parse_json(get(&row, 3)?, "registry record")?,
                case_id: get(&row, 4)?,
            })
        })
        .transpose()
    }

    fn put_regulation(
        &self,
        hash: &str,
        regulation_id: &str,
        text: &str,
    ) -> Result<(), StoreError> {
        check_id("regulation hash", hash)?;
        check_id("regulation id", regulation_id)?;
        let mut pooled = self.pool.get()?;
        let client = &mut pooled.conn().client;
        client.execute(
            "INSERT INTO regulations (hash, regulation_id, text) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING",
            &[&hash, &regulation_id, &text],
        )?;
        let row = client.query_one(
            "SELECT regulation_id, text FROM regulations WHERE hash = $1",
            &[&hash],
        )?;
        let (stored_id, stored_text): (String, String) = (get(&row, 0)?, get(&row, 1)?);
        if stored_id != regulation_id || stored_text != text {
            return Err(StoreError::Invalid(format!(
                "regulation hash {hash} is already stored with a different id or text"
            )));
        }
        Ok(())
    }

    fn regulation(&self, hash: &str) -> Result<Option<(String, String)>, StoreError> {
        let mut pooled = self.pool.get()?;
        let row = pooled.conn().client.query_opt(
            "SELECT regulation_id, text FROM regulations WHERE hash = $1",
            &[&hash],
        )?;
        row.map(|row| Ok((get(&row, 0)?, get(&row, 1)?)))
            .transpose()
    }

    fn claim_due_timers(
        &self,
        now: Timestamp,
        limit: usize,
        worker_id: &str,
        lease: SignedDuration,
    ) -> Result<Vec<TimerRow>, StoreError> {
        check_id("worker_id", worker_id)?;
        let now_ns = ts_to_ns(now)?;
        let until_ns = ts_to_ns(
            now.checked_add(lease)
                .map_err(|e| StoreError::Invalid(format!("lease: {e}")))?,
        )?;
        let mut pooled = self.pool.get()?;
        // SKIP LOCKED: rows another transaction is claiming (or firing) are
        // passed over, not waited for; the lease keeps them from being claimed
        // again after that transaction commits.
        let rows = pooled.conn().client.query(
            "UPDATE timers SET lease_owner = $3, lease_until = $4
             WHERE timer_id IN (
                 SELECT timer_id FROM timers
                 WHERE due <= $1 AND (lease_until IS NULL OR lease_until <= $1)
                 ORDER BY due, timer_id LIMIT $2
                 FOR UPDATE SKIP LOCKED)
             RETURNING timer_id, case_id, due, kind, payload",
            &[&now_ns, &(cap_limit(limit) as i64), &worker_id, &until_ns],
        )?;
        let mut timers = rows
            .iter()
            .map(timer_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        timers.sort_by(|a, b| (a.due, &a.timer_id).cmp(&(b.due, &b.timer_id)));
        Ok(timers)
    }

    fn next_timer_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let mut pooled = self.pool.get()?;
        let row = pooled
            .conn()
            .client
            .query_one("SELECT MIN(due) FROM timers", &[])?;
        opt_ns_to_ts(get(&row, 0)?)
    }

    fn verify(&self) -> Result<AuditReport, StoreError> {
        let mut pooled = self.pool.get()?;
        let mut tx = pooled
            .conn()
            .client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let report = audit::verify(&mut PgAudit { tx: &mut tx })?;
        tx.commit()?;
        Ok(report)
    }

    fn case_stats(&self, now: Timestamp) -> Result<Vec<CaseStat>, StoreError> {
        let now_ns = ts_to_ns(now)?;
        let mut pooled = self.pool.get()?;
        let rows = pooled.conn().client.query(
            "SELECT regulation_id, provider_id, route, status, COUNT(*),
                    COUNT(*) FILTER (WHERE closed_at IS NULL AND due IS NOT NULL AND due < $1),
                    COUNT(*) FILTER (WHERE closed_at IS NOT NULL AND due IS NOT NULL AND closed_at > due)
             FROM cases GROUP BY regulation_id, provider_id, route, status
             ORDER BY regulation_id, provider_id, route, status",
            &[&now_ns],
        )?;
        rows.iter()
            .map(|row| {
                Ok(CaseStat {
                    regulation_id: get(row, 0)?,
                    provider_id: get(row, 1)?,
                    route: get(row, 2)?,
                    status: parse_case_status(&get::<String>(row, 3)?)?,
                    cases: i64_to_u64(get(row, 4)?)?,
                    overdue_open: i64_to_u64(get(row, 5)?)?,
                    closed_late: i64_to_u64(get(row, 6)?)?,
                })
            })
            .collect()
    }

    fn doc(&self, collection: &str, key: &str) -> Result<Option<Value>, StoreError> {
        let mut pooled = self.pool.get()?;
        let row = pooled.conn().query_opt(
            "SELECT value FROM directory WHERE collection = $1 AND key = $2",
            &[&collection, &key],
        )?;
        row.map(|row| parse_json(&get::<String>(&row, 0)?, "directory document"))
            .transpose()
    }

    fn put_doc(&self, collection: &str, key: &str, value: &Value) -> Result<(), StoreError> {
        check_id("collection", collection)?;
        check_id("key", key)?;
        let at = ts_to_ns(Timestamp::now())?;
        let mut pooled = self.pool.get()?;
        pooled.conn().client.execute(
            "INSERT INTO directory (collection, key, value, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            &[&collection, &key, &value.to_string(), &at],
        )?;
        Ok(())
    }

    fn delete_doc(&self, collection: &str, key: &str) -> Result<bool, StoreError> {
        check_id("collection", collection)?;
        check_id("key", key)?;
        let mut pooled = self.pool.get()?;
        let deleted = pooled.conn().client.execute(
            "DELETE FROM directory WHERE collection = $1 AND key = $2",
            &[&collection, &key],
        )?;
        Ok(deleted > 0)
    }

    fn insert_doc(&self, collection: &str, key: &str, value: &Value) -> Result<Value, StoreError> {
        check_id("collection", collection)?;
        check_id("key", key)?;
        let at = ts_to_ns(Timestamp::now())?;
        let mut pooled = self.pool.get()?;
        let client = &mut pooled.conn().client;
        client.execute(
            "INSERT INTO directory (collection, key, value, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (collection, key) DO NOTHING",
            &[&collection, &key, &value.to_string(), &at],
        )?;
        let row = client.query_one(
            "SELECT value FROM directory WHERE collection = $1 AND key = $2",
            &[&collection, &key],
        )?;
        parse_json(&get::<String>(&row, 0)?, "directory document")
    }

    fn docs(&self, collection: &str, limit: usize) -> Result<Vec<(String, Value)>, StoreError> {
        let limit = cap_limit(limit) as i64;
        let mut pooled = self.pool.get()?;
        let rows = pooled.conn().client.query(
            "SELECT key, value FROM directory WHERE collection = $1 ORDER BY key LIMIT $2",
            &[&collection, &limit],
        )?;
        rows.iter()
            .map(|row| {
                Ok((
                    get::<String>(row, 0)?,
                    parse_json(&get::<String>(row, 1)?, "directory document")?,
                ))
            })
            .collect()
    }

    fn claim_outbox(
        &self,
        now: Timestamp,
        limit: usize,
        worker_id: &str,
        lease: SignedDuration,
    ) -> Result<Vec<OutboxClaim>, StoreError> {
        check_id("worker_id", worker_id)?;
        let now_ns = ts_to_ns(now)?;
        let until_ns = ts_to_ns(
            now.checked_add(lease)
                .map_err(|e| StoreError::Invalid(format!("lease: {e}")))?,
        )?;
        let mut pooled = self.pool.get()?;
        // As for timers: SKIP LOCKED passes over rows another worker is
        // claiming; the lease keeps them from being claimed again after.
        let rows = pooled.conn().client.query(
            &format!(
                "UPDATE outbox SET lease_owner = $3, lease_until = $4
                 WHERE request_id IN (
                     SELECT request_id FROM outbox
                     WHERE next_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
                     ORDER BY next_at, request_id LIMIT $2
                     FOR UPDATE SKIP LOCKED)
                 RETURNING {OUTBOX_COLUMNS}, next_at"
            ),
            &[&now_ns, &(cap_limit(limit) as i64), &worker_id, &until_ns],
        )?;
        let mut claims = rows
            .iter()
            .map(|row| Ok((get::<i64>(row, 7)?, outbox_from_row(row)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        claims.sort_by(|a, b| (a.0, &a.1.row.request_id).cmp(&(b.0, &b.1.row.request_id)));
        Ok(claims.into_iter().map(|(_, claim)| claim).collect())
    }

    fn retry_outbox(
        &self,
        request_id: &str,
        attempts: u32,
        next: Timestamp,
        error: &str,
    ) -> Result<(), StoreError> {
        let next_ns = ts_to_ns(next)?;
        let mut pooled = self.pool.get()?;
        pooled.conn().client.execute(
            "UPDATE outbox SET attempts = $2, next_at = $3, last_error = $4,
                lease_owner = NULL, lease_until = NULL
             WHERE request_id = $1",
            &[&request_id, &i64::from(attempts), &next_ns, &error],
        )?;
        Ok(())
    }

    fn case_outbox(&self, case_id: &str) -> Result<Vec<OutboxClaim>, StoreError> {
        let mut pooled = self.pool.get()?;
        let rows = pooled.conn().query(
            &format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE case_id = $1
                 ORDER BY created_at, request_id LIMIT $2"
            ),
            &[&case_id, &(limits::PAGE_ROWS as i64)],
        )?;
        rows.iter().map(outbox_from_row).collect()
    }

    fn outbox_backlog(&self) -> Result<Vec<OutboxBacklog>, StoreError> {
        let mut pooled = self.pool.get()?;
        let rows = pooled.conn().query(
            "SELECT system, COUNT(*), COUNT(*) FILTER (WHERE attempts > 0), MIN(created_at)
             FROM outbox GROUP BY system ORDER BY system",
            &[],
        )?;
        rows.iter()
            .map(|row| {
                Ok(OutboxBacklog {
                    system: get(row, 0)?,
                    waiting: i64_to_u64(get(row, 1)?)?,
                    retrying: i64_to_u64(get(row, 2)?)?,
                    oldest: ns_to_ts(get(row, 3)?)?,
                })
            })
            .collect()
    }

    fn next_outbox_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let mut pooled = self.pool.get()?;
        let row = pooled
            .conn()
            .client
            .query_one("SELECT MIN(next_at) FROM outbox", &[])?;
        opt_ns_to_ts(get(&row, 0)?)
    }

    fn record_exchange(&self, exchange: &ExchangeRow) -> Result<(), StoreError> {
        let mut pooled = self.pool.get()?;
        pooled.conn().client.execute(
            "INSERT INTO gateway_exchanges (request_id, case_id, system, attempt, message_id,
                sent_at, duration_ms, status, answer, request, response)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &exchange.request_id,
                &exchange.case_id,
                &exchange.system,
                &i64::from(exchange.attempt),
                &exchange.message_id,
                &ts_to_ns(exchange.sent_at)?,
                &u64_to_i64(exchange.duration_ms)?,
                &exchange.status,
                &exchange.answer,
                &exchange.request,
                &exchange.response,
            ],
        )?;
        Ok(())
    }

    fn case_exchanges(&self, case_id: &str) -> Result<Vec<ExchangeRow>, StoreError> {
        let mut pooled = self.pool.get()?;
        let rows = pooled.conn().query(
            &format!(
                "SELECT {EXCHANGE_COLUMNS} FROM gateway_exchanges WHERE case_id = $1
                 ORDER BY id LIMIT $2"
            ),
            &[&case_id, &(limits::PAGE_ROWS as i64)],
        )?;
        rows.iter().map(exchange_from_row).collect()
    }

    fn exchange_stats(&self, since: Timestamp) -> Result<Vec<ExchangeStat>, StoreError> {
        let since_ns = ts_to_ns(since)?;
        let mut pooled = self.pool.get()?;
        let rows = pooled.conn().query(
            "SELECT system, COUNT(*), COUNT(*) FILTER (WHERE status NOT IN ('ok', 'on_delivery')),
                    COALESCE(SUM(duration_ms), 0)::bigint, COALESCE(MAX(duration_ms), 0)
             FROM gateway_exchanges WHERE sent_at >= $1 GROUP BY system ORDER BY system",
            &[&since_ns],
        )?;
        rows.iter()
            .map(|row| {
                Ok(ExchangeStat {
                    system: get(row, 0)?,
                    calls: i64_to_u64(get(row, 1)?)?,
                    errors: i64_to_u64(get(row, 2)?)?,
                    total_ms: i64_to_u64(get(row, 3)?)?,
                    max_ms: i64_to_u64(get(row, 4)?)?,
                })
            })
            .collect()
    }

    fn notification_cursor(&self, cursor: &str) -> Result<u64, StoreError> {
        check_id("cursor", cursor)?;
        let mut pooled = self.pool.get()?;
        let row = pooled.conn().client.query_opt(
            "SELECT global_seq FROM notification_cursors WHERE name = $1",
            &[&cursor],
        )?;
        match row {
            Some(row) => i64_to_u64(get(&row, 0)?),
            None => Ok(0),
        }
    }

    fn insert_notifications(
        &self,
        cursor: &str,
        from: u64,
        to: u64,
        items: &[NewNotification],
    ) -> Result<usize, StoreError> {
        validate_notifications(cursor, from, to, items)?;
        let mut rows = Vec::with_capacity(items.len());
        for item in items {
            rows.push((
                ts_to_ns(item.created_at)?,
                u64_to_i64(item.seq)?,
                to_json_text(&item.content)?,
            ));
        }
        let to_i = u64_to_i64(to)?;
        let mut pooled = self.pool.get()?;
        let mut tx = pooled.conn().client.transaction()?;
        tx.execute(
            "INSERT INTO notification_cursors (name, global_seq) VALUES ($1, 0)
             ON CONFLICT (name) DO NOTHING",
            &[&cursor],
        )?;
        // The row lock orders two derivers: the second sees the moved cursor.
        let row = tx.query_one(
            "SELECT global_seq FROM notification_cursors WHERE name = $1 FOR UPDATE",
            &[&cursor],
        )?;
        let actual = i64_to_u64(get(&row, 0)?)?;
        if actual != from {
            return Err(StoreError::Conflict {
                case_id: format!("notification cursor {cursor}"),
                expected: from,
                actual,
            });
        }
        let put = tx.prepare(
            "INSERT INTO notifications (id, applicant_id, case_id, seq, kind, lang, created_at, read_at, content)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8) ON CONFLICT (id) DO NOTHING",
        )?;
        let put_delivery = tx.prepare(
            "INSERT INTO notification_deliveries (id, notification_id, channel, address, state, attempts, next_at)
             VALUES ($1, $2, $3, $4, 'pending', 0, $5) ON CONFLICT (id) DO NOTHING",
        )?;
        let mut inserted = 0;
        for (item, (created_ns, seq, content)) in items.iter().zip(&rows) {
            let new = tx.execute(
                &put,
                &[
                    &item.id,
                    &item.applicant_id,
                    &item.case_id,
                    seq,
                    &item.kind,
                    &item.lang,
                    created_ns,
                    content,
                ],
            )?;
            if new == 0 {
                continue;
            }
            inserted += 1;
            for delivery in &item.deliveries {
                tx.execute(
                    &put_delivery,
                    &[
                        &delivery_id(&item.id, &delivery.channel),
                        &item.id,
                        &delivery.channel,
                        &delivery.address,
                        created_ns,
                    ],
                )?;
            }
        }
        tx.execute(
            "UPDATE notification_cursors SET global_seq = $2 WHERE name = $1",
            &[&cursor, &to_i],
        )?;
        tx.commit()?;
        Ok(inserted)
    }

    fn notifications(
        &self,
        applicant_id: &str,
        limit: usize,
    ) -> Result<NotificationPage, StoreError> {
        check_id("applicant_id", applicant_id)?;
        let limit = cap_limit(limit) as i64;
        let mut pooled = self.pool.get()?;
        let mut tx = pooled
            .conn()
            .client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let rows = tx.query(
            &format!(
                "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE applicant_id = $1
                 ORDER BY created_at DESC, id DESC LIMIT $2"
            ),
            &[&applicant_id, &limit],
        )?;
        let items = rows
            .iter()
            .map(|row| notification_from_row(row, 0))
            .collect::<Result<Vec<_>, _>>()?;
        let unread = tx.query_one(
            "SELECT COUNT(*) FROM notifications WHERE applicant_id = $1 AND read_at IS NULL",
            &[&applicant_id],
        )?;
        let unread = i64_to_u64(get(&unread, 0)?)?;
        tx.commit()?;
        Ok(NotificationPage { items, unread })
    }

    fn mark_notification_read(
        &self,
        applicant_id: &str,
        notification_id: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        check_id("applicant_id", applicant_id)?;
        check_id("notification_id", notification_id)?;
        let at_ns = ts_to_ns(at)?;
        let mut pooled = self.pool.get()?;
        let changed = pooled.conn().client.execute(
            "UPDATE notifications SET read_at = COALESCE(read_at, $3)
             WHERE id = $1 AND applicant_id = $2",
            &[&notification_id, &applicant_id, &at_ns],
        )?;
        Ok(changed > 0)
    }

    fn claim_deliveries(
        &self,
        now: Timestamp,
        limit: usize,
        worker_id: &str,
        lease: SignedDuration,
    ) -> Result<Vec<DeliveryClaim>, StoreError> {
        check_id("worker_id", worker_id)?;
        let now_ns = ts_to_ns(now)?;
        let until_ns = ts_to_ns(
            now.checked_add(lease)
                .map_err(|e| StoreError::Invalid(format!("lease: {e}")))?,
        )?;
        let mut pooled = self.pool.get()?;
        // As for the outbox: SKIP LOCKED passes over rows another worker is
        // claiming; the lease keeps them from being claimed again after.
        let rows = pooled.conn().client.query(
            &format!(
                "UPDATE notification_deliveries d SET lease_owner = $3, lease_until = $4
                 FROM notifications n
                 WHERE n.id = d.notification_id AND d.id IN (
                     SELECT id FROM notification_deliveries
                     WHERE state = 'pending' AND next_at <= $1
                       AND (lease_until IS NULL OR lease_until <= $1)
                     ORDER BY next_at, id LIMIT $2
                     FOR UPDATE SKIP LOCKED)
                 RETURNING {DELIVERY_COLUMNS_D}, {NOTIFICATION_COLUMNS_N}"
            ),
            &[&now_ns, &(cap_limit(limit) as i64), &worker_id, &until_ns],
        )?;
        let mut claims = rows
            .iter()
            .map(|row| {
                Ok(DeliveryClaim {
                    delivery: delivery_from_row(row)?,
                    notification: notification_from_row(row, DELIVERY_COLUMN_COUNT)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        claims.sort_by(|a, b| {
            (a.delivery.next_at, &a.delivery.id).cmp(&(b.delivery.next_at, &b.delivery.id))
        });
        Ok(claims)
    }

    fn delivery_sent(
        &self,
        delivery_id: &str,
        attempts: u32,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let at_ns = ts_to_ns(at)?;
        let mut pooled = self.pool.get()?;
        pooled.conn().client.execute(
            "UPDATE notification_deliveries SET state = 'sent', attempts = $2, sent_at = $3,
                last_error = NULL, lease_owner = NULL, lease_until = NULL
             WHERE id = $1 AND state = 'pending'",
            &[&delivery_id, &i64::from(attempts), &at_ns],
        )?;
        Ok(())
    }

    fn retry_delivery(
        &self,
        delivery_id: &str,
        attempts: u32,
        next: Timestamp,
        error: &str,
    ) -> Result<(), StoreError> {
        let next_ns = ts_to_ns(next)?;
        let mut pooled = self.pool.get()?;
        pooled.conn().client.execute(
            "UPDATE notification_deliveries SET attempts = $2, next_at = $3, last_error = $4,
                lease_owner = NULL, lease_until = NULL
             WHERE id = $1 AND state = 'pending'",
            &[
                &delivery_id,
                &i64::from(attempts),
                &next_ns,
                &cut_error(error),
            ],
        )?;
        Ok(())
    }

    fn delivery_failed(
        &self,
        delivery_id: &str,
        attempts: u32,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut pooled = self.pool.get()?;
        pooled.conn().client.execute(
            "UPDATE notification_deliveries SET state = 'failed', attempts = $2, last_error = $3,
                lease_owner = NULL, lease_until = NULL
             WHERE id = $1 AND state = 'pending'",
            &[&delivery_id, &i64::from(attempts), &cut_error(error)],
        )?;
        Ok(())
    }

    fn notification_deliveries(
        &self,
        notification_id: &str,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let mut pooled = self.pool.get()?;
        let rows = pooled.conn().client.query(
            &format!(
                "SELECT {DELIVERY_COLUMNS} FROM notification_deliveries
                 WHERE notification_id = $1 ORDER BY channel"
            ),
            &[&notification_id],
        )?;
        rows.iter().map(delivery_from_row).collect()
    }

    fn deliveries(&self, state: &str, limit: usize) -> Result<Vec<DeliveryRow>, StoreError> {
        let limit = cap_limit(limit) as i64;
        let mut pooled = self.pool.get()?;
        let rows = pooled.conn().client.query(
            &format!(
                "SELECT {DELIVERY_COLUMNS} FROM notification_deliveries
                 WHERE state = $1 ORDER BY id LIMIT $2"
            ),
            &[&state, &limit],
        )?;
        rows.iter().map(delivery_from_row).collect()
    }

    fn rebuild(
        &self,
        project_case: &dyn Fn(&[StoredEvent]) -> Vec<ProjectionOp>,
    ) -> Result<RebuildReport, StoreError> {
        let mut pooled = self.pool.get()?;
        // No group of this process is in flight meanwhile (the chain head,
        // locked by each of the rebuild's transactions, stops the others').
        let _exclusive = self.pipeline.exclusive();
        let Conn { client, stmts, .. } = pooled.conn();
        rebuild::rebuild(&mut PgRebuild { client, stmts }, project_case)
    }
}

/// PostgreSQL's transactions for `rebuild` (`rebuild.rs` decides): each
/// holds the chain head lock, which keeps appenders out while it runs.
struct PgRebuild<'a> {
    client: &'a mut Client,
    stmts: &'a Statements,
}

impl RebuildBackend for PgRebuild<'_> {
    fn transaction<T>(
        &mut self,
        page: impl FnOnce(&mut dyn RebuildRows) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = self.client.transaction()?;
        let head = lock_head(&mut tx)?;
        let out = page(&mut PgRebuildRows {
            tx: &mut tx,
            stmts: &self.stmts.group,
            head,
        })?;
        tx.commit()?;
        Ok(out)
    }
}

/// PostgreSQL's row I/O for `rebuild`, inside one of its transactions.
struct PgRebuildRows<'a, C: GenericClient> {
    tx: &'a mut C,
    stmts: &'a GroupStatements,
    head: Head,
}

impl<C: GenericClient> RebuildRows for PgRebuildRows<'_, C> {
    fn clear_projections(&mut self) -> Result<(), StoreError> {
        self.tx.batch_execute(
            "DELETE FROM cases; DELETE FROM tasks; DELETE FROM registries; DELETE FROM timers;",
        )?;
        Ok(())
    }

    fn case_starts(
        &mut self,
        after_global_seq: i64,
        limit: usize,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = self.tx.query(
            "SELECT case_id, global_seq FROM events WHERE seq = 1 AND global_seq > $1
             ORDER BY global_seq LIMIT $2",
            &[&after_global_seq, &(limit as i64)],
        )?;
        rows.iter()
            .map(|row| Ok((get(row, 0)?, get(row, 1)?)))
            .collect()
    }

    fn case_events(&mut self, case_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        case_events_on(self.tx, case_id)
    }

    fn outbox_request_ids(&mut self) -> Result<Vec<String>, StoreError> {
        self.tx
            .query("SELECT request_id FROM outbox", &[])?
            .iter()
            .map(|row| get(row, 0))
            .collect()
    }

    fn write(&mut self, chunk: Chunk<'_>) -> Result<(), StoreError> {
        PgGroup::locked(&mut *self.tx, self.stmts, &self.head).write(chunk, &self.head, true)
    }
}

/// The first outcome recorded under an idempotency key.
fn idempotency_from_row(row: &postgres::Row) -> Result<Appended, StoreError> {
    Ok(Appended {
        case_id: get(row, 0)?,
        last_seq: i64_to_u64(get(row, 1)?)?,
        events: i64_to_u64(get(row, 2)?)?,
        last_global_seq: i64_to_u64(get(row, 3)?)?,
        last_hash: get(row, 4)?,
        duplicate: true,
    })
}

// ---------------------------------------------------------------- notifications

const NOTIFICATION_COLUMNS: &str =
    "id, applicant_id, case_id, seq, kind, lang, created_at, read_at, content";
const NOTIFICATION_COLUMNS_N: &str =
    "n.id, n.applicant_id, n.case_id, n.seq, n.kind, n.lang, n.created_at, n.read_at, n.content";
const DELIVERY_COLUMNS: &str =
    "id, notification_id, channel, address, state, attempts, next_at, last_error, sent_at";
const DELIVERY_COLUMNS_D: &str = "d.id, d.notification_id, d.channel, d.address, d.state, d.attempts, \
     d.next_at, d.last_error, d.sent_at";
const DELIVERY_COLUMN_COUNT: usize = 9;

fn notification_from_row(row: &Row, at: usize) -> Result<NotificationRow, StoreError> {
    let id: String = get(row, at)?;
    Ok(NotificationRow {
        applicant_id: get(row, at + 1)?,
        case_id: get(row, at + 2)?,
        seq: i64_to_u64(get(row, at + 3)?)?,
        kind: get(row, at + 4)?,
        lang: get(row, at + 5)?,
        created_at: ns_to_ts(get(row, at + 6)?)?,
        read_at: opt_ns_to_ts(get(row, at + 7)?)?,
        content: parse_json(get(row, at + 8)?, &format!("notification {id} content"))?,
        id,
    })
}

fn delivery_from_row(row: &Row) -> Result<DeliveryRow, StoreError> {
    Ok(DeliveryRow {
        id: get(row, 0)?,
        notification_id: get(row, 1)?,
        channel: get(row, 2)?,
        address: get(row, 3)?,
        state: get(row, 4)?,
        attempts: u32::try_from(get::<i64>(row, 5)?)
            .map_err(|_| StoreError::Corrupt("delivery attempts out of range".into()))?,
        next_at: ns_to_ts(get(row, 6)?)?,
        last_error: get(row, 7)?,
        sent_at: opt_ns_to_ts(get(row, 8)?)?,
    })
}
