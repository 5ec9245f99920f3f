//! SQLite backend: one file, WAL, `synchronous=FULL`; one writer connection
//! behind a mutex (SQLite has one writer anyway) and a small pool of reader
//! connections that read concurrently with it.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use qyzmet_storage::record::{
    Batch, CaseRow, ExchangeRow, ExchangeStat, OutboxClaim, OutboxRow, ProjectionOp, RegistryRow,
    StoredEvent, TaskRow, TimerRow,
};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, TransactionBehavior, params, params_from_iter,
};
use serde_json::Value;

use qyzmet_storage::evidence::{self, Change, DirectoryWrite};

use crate::audit::{self, AuditBackend, RawEvent, RawFields, RawKey};
use crate::commit_queue::CommitQueue;
use crate::convert::*;
use crate::group::{
    CaseVals, Chunk, GroupBackend, Head, Known, OutboxVals, RegistryVals, TaskVals, TimerVals,
    append_group,
};
use crate::notifications::{cut_error, delivery_id, validate_notifications};
use crate::rebuild::{self, RebuildBackend, RebuildRows};
use crate::{
    Appended, AuditReport, CaseQuery, CaseStat, DeliveryClaim, DeliveryRow, NewNotification,
    NotificationPage, NotificationRow, OutboxBacklog, RebuildReport, Store, StoreError, TaskQuery,
    cap_limit, check_id, limits, validate_batch,
};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "directory",
        include_str!("../migrations/sqlite/0002_directory.sql"),
    ),
    (
        3,
        "gateway",
        include_str!("../migrations/sqlite/0003_gateway.sql"),
    ),
    (
        4,
        "notifications",
        include_str!("../migrations/sqlite/0004_notifications.sql"),
    ),
    (
        5,
        "events_without_prev",
        include_str!("../migrations/sqlite/0005_events_without_prev.sql"),
    ),
];

/// Reader connections kept open between reads: as many as the server's
/// blocking threads (`qyzmet serve` runs at most 16), so that a busy server
/// does not open and close a connection per read.
const READERS_KEPT_MAX: usize = 16;
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    checkpointer: Checkpointer,
    /// Concurrent appends share one transaction and one fsync
    /// (`commit_queue.rs`).
    queue: CommitQueue,
}

/// The most batches committed in one group of concurrent appends.
const GROUP_MAX: usize = 256;

/// How often the checkpointer looks for committed WAL frames to copy back.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(250);
/// The writer's own automatic checkpoint, a backstop should the
/// checkpointer fall behind (pages of 4 KiB: ≈ 80 MiB of WAL).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 20_000;

/// WAL checkpoints off the commit path. With SQLite's default the
/// committing thread copies the WAL back into the database file every 1,000
/// pages, inside `COMMIT` (7 % of `qyzmet bench engine`'s profile, and a
/// latency spike for whichever command commits then). Here a thread with its
/// own connection runs `PRAGMA wal_checkpoint(PASSIVE)` — which never blocks
/// the writer or readers — a moment after commits; the writer checkpoints
/// itself only past [`WAL_AUTOCHECKPOINT_PAGES`].
struct Checkpointer {
    shared: std::sync::Arc<CheckpointShared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct CheckpointShared {
    /// `(committed since the last checkpoint, stop)`.
    state: Mutex<(bool, bool)>,
    wake: std::sync::Condvar,
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Checkpointer, StoreError> {
        let conn = open_connection(path, false)?;
        let shared = std::sync::Arc::new(CheckpointShared {
            state: Mutex::new((false, false)),
            wake: std::sync::Condvar::new(),
        });
        let for_thread = shared.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                loop {
                    let mut state = lock(&for_thread.state);
                    // At most one checkpoint per interval (a drop wakes it early)…
                    let deadline = std::time::Instant::now() + CHECKPOINT_INTERVAL;
                    while !state.1 {
                        let left = deadline.saturating_duration_since(std::time::Instant::now());
                        if left.is_zero() {
                            break;
                        }
                        state = for_thread
                            .wake
                            .wait_timeout(state, left)
                            .map_or_else(|e| e.into_inner().0, |(guard, _)| guard);
                    }
                    // …and only after a commit.
                    while !state.1 && !state.0 {
                        state = for_thread
                            .wake
                            .wait(state)
                            .unwrap_or_else(|e| e.into_inner());
                    }
                    if state.1 {
                        return;
                    }
                    state.0 = false;
                    drop(state);
                    // Errors (a busy database) only postpone the copy: the
                    // next round, or the writer's backstop, does it.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| StoreError::Backend(format!("sqlite: checkpoint thread: {e}")))?;
        Ok(Checkpointer {
            shared,
            thread: Some(thread),
        })
    }

    /// Something was committed.
    fn committed(&self) {
        let mut state = lock(&self.shared.state);
        if !state.0 {
            state.0 = true;
            self.shared.wake.notify_one();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        lock(&self.shared.state).1 = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves no open transaction behind (the
    // rusqlite `Transaction` rolls back on drop), so the connection is usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut writer = open_connection(&path, false)?;
        migrate(&mut writer)?;
        writer.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        let checkpointer = Checkpointer::start(&path)?;
        Ok(SqliteStore {
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            checkpointer,
            queue: CommitQueue::one_leader(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = lock(&self.readers).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => open_connection(&self.path, true)?,
        };
        let result = f(&conn);
        let mut readers = lock(&self.readers);
        if readers.len() < READERS_KEPT_MAX {
            readers.push(conn);
        }
        result
    }
}

/// Page size of a new store file: 16 KiB. Measured with `qyzmet bench
/// engine --cases 20000` (docs/performance.md): store time 3.8–4.2 s at
/// 16 KiB against 4.3–4.8 s at SQLite's default 4 KiB (8 KiB and 32 KiB
/// in between or worse): fewer B-tree levels and page splits for the
/// same rows, at the price of more bytes per dirty page in the WAL.
const PAGE_SIZE: i64 = 16384;

fn open_connection(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if !read_only {
        // Takes effect only while the file has no table yet (a new store);
        // an existing file keeps its page size.
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "sqlite: journal_mode is {mode}, WAL is required"
            )));
        }
    }
    // FULL: the WAL is fsynced at every commit, so an acknowledged append
    // survives power loss, not only a process crash.
    conn.execute_batch(
        "PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-32768;",
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let applied: Option<i64> =
        tx.query_row("SELECT MAX(version) FROM schema_migrations", [], |row| {
            row.get(0)
        })?;
    let applied = applied.unwrap_or(0);
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if applied > known {
        return Err(StoreError::Backend(format!(
            "database schema version {applied} is newer than this program's {known}"
        )));
    }
    for (version, name, sql) in MIGRATIONS {
        if *version > applied {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                params![version, name, Timestamp::now().to_string()],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Maps errors from reading a column: a wrong type is corrupt data.
fn column_error(error: rusqlite::Error) -> StoreError {
    match error {
        rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::Utf8Error(..) => StoreError::Corrupt(format!("sqlite: {error}")),
        other => StoreError::from(other),
    }
}

// ---------------------------------------------------------------- append

fn read_head(conn: &Connection) -> Result<Head, StoreError> {
    let (global_seq, hash) = conn
        .prepare_cached("SELECT global_seq, hash FROM chain_head WHERE id = 1")?
        .query_row([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(column_error)?;
    Ok(Head {
        global_seq: i64_to_u64(global_seq)?,
        hash,
    })
}

/// The first outcome recorded under an idempotency key.
fn idempotency_on(conn: &Connection, key: &str) -> Result<Option<Appended>, StoreError> {
    let first = conn
        .prepare_cached(
            "SELECT case_id, last_seq, events, last_global_seq, last_hash FROM idempotency WHERE key = ?1",
        )?
        .query_row([key], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, String>(4)?,
            ))
        })
        .optional()
        .map_err(column_error)?;
    let Some((case_id, last_seq, events, last_global_seq, last_hash)) = first else {
        return Ok(None);
    };
    Ok(Some(Appended {
        case_id,
        last_seq: i64_to_u64(last_seq)?,
        events: i64_to_u64(events)?,
        last_global_seq: i64_to_u64(last_global_seq)?,
        last_hash,
        duplicate: true,
    }))
}

/// SQLite's row I/O for group commit (`group.rs` decides): a cached
/// statement per row, inside the writer's `IMMEDIATE` transaction.
struct SqliteGroup<'a> {
    conn: &'a Connection,
}

impl GroupBackend for SqliteGroup<'_> {
    fn read(&mut self, keys: &[&str], case_ids: &[&str]) -> Result<Known, StoreError> {
        let mut out = Known::default();
        for key in keys {
            if let Some(first) = idempotency_on(self.conn, key)? {
                out.known.insert((*key).to_owned(), first);
            }
        }
        let mut last = self.conn.prepare_cached(
            "SELECT seq, hash FROM events WHERE case_id = ?1 ORDER BY seq DESC LIMIT 1",
        )?;
        for case_id in case_ids {
            let found = last
                .query_row([case_id], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
                })
                .optional()
                .map_err(column_error)?;
            if let Some((seq, hash)) = found {
                out.heads
                    .insert((*case_id).to_owned(), (i64_to_u64(seq)?, hash));
            }
        }
        Ok(out)
    }

    fn write_directory(&mut self, writes: &[DirectoryWrite]) -> Result<(), StoreError> {
        let at = ts_to_ns(Timestamp::now())?;
        for write in writes {
            let value = match &write.change {
                Change::Put(value) => Some((value.to_string(), false)),
                Change::PutIfAbsent(value) => Some((value.to_string(), true)),
                Change::Extend(entries) => {
                    let current: Option<String> = self
                        .conn
                        .prepare_cached(
                            "SELECT value FROM directory WHERE collection = ?1 AND key = ?2",
                        )?
                        .query_row(params![write.collection, &write.key], |row| row.get(0))
                        .optional()?;
                    let current = current
                        .map(|text| parse_json(&text, "directory document"))
                        .transpose()?;
                    Some((evidence::extend(current, entries).to_string(), false))
                }
                Change::Delete => None,
            };
            match value {
                Some((text, if_absent)) => {
                    let sql = if if_absent {
                        "INSERT INTO directory (collection, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (collection, key) DO NOTHING"
                    } else {
                        "INSERT INTO directory (collection, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
                    };
                    self.conn.prepare_cached(sql)?.execute(params![
                        write.collection,
                        &write.key,
                        text,
                        at
                    ])?;
                }
                None => {
                    self.conn
                        .prepare_cached("DELETE FROM directory WHERE collection = ?1 AND key = ?2")?
                        .execute(params![write.collection, &write.key])?;
                }
            }
        }
        Ok(())
    }

    fn write(&mut self, chunk: Chunk, head: &Head, _last: bool) -> Result<(), StoreError> {
        // An empty chunk (the last of a group of duplicates, or after a
        // flushed one) leaves the head where the previous write put it.
        if chunk.is_empty() {
            return Ok(());
        }
        let conn = self.conn;
        if !chunk.events.is_empty() {
            let mut insert = conn.prepare_cached(
                "INSERT INTO events (global_seq, case_id, seq, kind, payload, at, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for e in &chunk.events {
                insert.execute(params![
                    e.global_seq,
                    &e.case_id,
                    e.seq,
                    &e.kind,
                    &e.payload,
                    &e.at,
                    e.hash.as_str()
                ])?;
            }
        }
        if !chunk.idempotency.is_empty() {
            let mut insert = conn.prepare_cached(
                "INSERT INTO idempotency (key, case_id, last_seq, events, last_global_seq, last_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (key, appended) in &chunk.idempotency {
                insert.execute(params![
                    key,
                    &appended.case_id,
                    u64_to_i64(appended.last_seq)?,
                    u64_to_i64(appended.events)?,
                    u64_to_i64(appended.last_global_seq)?,
                    &appended.last_hash
                ])?;
            }
        }
        for (case_id, vals) in &chunk.cases.rows {
            if let Some(vals) = vals {
                put_case(conn, case_id, vals)?;
            }
        }
        for (task_id, vals) in &chunk.tasks.rows {
            if let Some(vals) = vals {
                put_task(conn, task_id, vals)?;
            }
        }
        for (key, vals) in &chunk.registries.rows {
            put_registry(conn, key, vals.as_ref())?;
        }
        for (timer_id, vals) in &chunk.timers.rows {
            put_timer(conn, timer_id, vals.as_ref())?;
        }
        for (request_id, vals) in &chunk.outbox.rows {
            put_outbox(conn, request_id, vals.as_ref())?;
        }
        conn.prepare_cached("UPDATE chain_head SET global_seq = ?1, hash = ?2 WHERE id = 1")?
            .execute(params![u64_to_i64(head.global_seq)?, &head.hash])?;
        Ok(())
    }
}

/// The case view. The columns a case never changes (its regulation edition,
/// service, route, provider, applicant, submission instant) are set by the
/// first put only, so that later puts leave the indexes over them alone.
///
/// Most puts keep the case's status (a step passes, a deadline moves). The
/// upsert assigns `status` and so rewrites the three indexes that hold it
/// (SQLite updates an index whenever a statement assigns one of its
/// columns, whatever the value); such a put is first tried as an update of
/// the columns no index holds, for the row with that very status, and
/// falls back to the upsert when there is no such row (a new case, or a
/// new status).
fn put_case(conn: &Connection, case_id: &str, case: &CaseVals) -> Result<(), StoreError> {
    let kept = conn
        .prepare_cached(
            "UPDATE cases SET current_steps = ?2, due = ?3, closed_at = ?4, result = ?5, version = ?6
             WHERE case_id = ?1 AND status = ?7",
        )?
        .execute(params![
            case_id,
            &case.current_steps,
            case.due,
            case.closed_at,
            &case.row.result,
            case.version,
            case.status
        ])?;
    if kept == 1 {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO cases (case_id, regulation_id, regulation_hash, service_id, route,
            provider_id, applicant_id, status, current_steps, submitted_at, due, closed_at, result, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (case_id) DO UPDATE SET status = excluded.status,
            current_steps = excluded.current_steps, due = excluded.due,
            closed_at = excluded.closed_at, result = excluded.result, version = excluded.version",
    )?
    .execute(params![
        case_id,
        &case.row.regulation_id,
        &case.row.regulation_hash,
        &case.row.service_id,
        &case.row.route,
        &case.row.provider_id,
        &case.row.applicant_id,
        case.status,
        &case.current_steps,
        case.submitted_at,
        case.due,
        case.closed_at,
        &case.row.result,
        case.version
    ])?;
    Ok(())
}

/// A task row. Its case, step, role, unit and creation instant never change
/// and are set by the first put only.
fn put_task(conn: &Connection, task_id: &str, task: &TaskVals) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO tasks (task_id, case_id, step_id, role, unit, assignee, status, is_open,
            created_at, due, due_key, escalation, check_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (task_id) DO UPDATE SET assignee = excluded.assignee,
            status = excluded.status, is_open = excluded.is_open, due = excluded.due,
            due_key = excluded.due_key, escalation = excluded.escalation,
            check_reason = excluded.check_reason",
    )?
    .execute(params![
        task_id,
        &task.row.case_id,
        &task.row.step_id,
        &task.row.role,
        &task.row.unit,
        &task.row.assignee,
        task.status,
        task.is_open,
        task.created_at,
        task.due,
        task.due_key,
        task.row.escalation,
        &task.row.check
    ])?;
    Ok(())
}

fn put_registry(
    conn: &Connection,
    (registry, key): &(String, String),
    vals: Option<&RegistryVals>,
) -> Result<(), StoreError> {
    match vals {
        Some(row) => conn
            .prepare_cached(
                "INSERT INTO registries (registry, key, region, record, case_id) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (registry, key) DO UPDATE SET region = excluded.region, record = excluded.record,
                    case_id = excluded.case_id",
            )?
            .execute(params![registry, key, &row.region, &row.record, &row.case_id])?,
        None => conn
            .prepare_cached("DELETE FROM registries WHERE registry = ?1 AND key = ?2")?
            .execute(params![registry, key])?,
    };
    Ok(())
}

fn put_timer(
    conn: &Connection,
    timer_id: &str,
    vals: Option<&TimerVals>,
) -> Result<(), StoreError> {
    match vals {
        Some(timer) => conn
            .prepare_cached(
                "INSERT INTO timers (timer_id, case_id, due, kind, payload, lease_owner, lease_until)
                 VALUES (?1, ?2, ?3, ?4, ?5, NULL, NULL)
                 ON CONFLICT (timer_id) DO UPDATE SET case_id = excluded.case_id, due = excluded.due,
                    kind = excluded.kind, payload = excluded.payload, lease_owner = NULL, lease_until = NULL",
            )?
            .execute(params![
                timer_id,
                &timer.case_id,
                timer.due,
                &timer.kind,
                &timer.payload
            ])?,
        None => conn
            .prepare_cached("DELETE FROM timers WHERE timer_id = ?1")?
            .execute([timer_id])?,
    };
    Ok(())
}

fn put_outbox(
    conn: &Connection,
    request_id: &str,
    vals: Option<&OutboxVals>,
) -> Result<(), StoreError> {
    match vals {
        Some(row) => conn
            .prepare_cached(
                "INSERT INTO outbox (request_id, case_id, system, payload, created_at, next_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT (request_id) DO NOTHING",
            )?
            .execute(params![
                request_id,
                &row.case_id,
                &row.system,
                &row.payload,
                row.created_at
            ])?,
        None => conn
            .prepare_cached("DELETE FROM outbox WHERE request_id = ?1")?
            .execute([request_id])?,
    };
    Ok(())
}

/// The slow path of `append_many`: the same decisions, one batch at a time,
/// each under a savepoint.
fn append_many_per_batch(
    conn: &mut Connection,
    batches: &[Batch],
) -> Vec<Result<Appended, StoreError>> {
    let all_fail = |error: StoreError| {
        batches
            .iter()
            .map(|_| Err(error.clone()))
            .collect::<Vec<_>>()
    };
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(error) => return all_fail(error.into()),
    };
    let mut head = match read_head(&tx) {
        Ok(head) => head,
        Err(error) => return all_fail(error),
    };
    let mut results = Vec::with_capacity(batches.len());
    for batch in batches {
        let before = head.clone();
        let result = tx
            .prepare_cached("SAVEPOINT batch")
            .and_then(|mut stmt| stmt.execute([]))
            .map_err(StoreError::from)
            .and_then(|_| {
                let mut backend = SqliteGroup { conn: &tx };
                match append_group(&mut backend, std::slice::from_ref(batch), &mut head) {
                    Ok(mut one) => {
                        tx.prepare_cached("RELEASE batch")?.execute([])?;
                        one.pop().unwrap_or_else(|| {
                            Err(StoreError::Backend(
                                "sqlite: no outcome for the batch".into(),
                            ))
                        })
                    }
                    Err(error) => {
                        head = before;
                        tx.prepare_cached("ROLLBACK TO batch")?.execute([])?;
                        tx.prepare_cached("RELEASE batch")?.execute([])?;
                        Err(error)
                    }
                }
            });
        results.push(result);
    }
    match tx.commit() {
        Ok(()) => results,
        Err(error) => all_fail(error.into()),
    }
}

// ---------------------------------------------------------------- reads

const EVENT_COLUMNS: &str = "case_id, seq, global_seq, kind, payload, at, hash";

fn event_from_row(row: &rusqlite::Row<'_>) -> Result<StoredEvent, StoreError> {
    let get_s = |i: usize| row.get::<_, String>(i).map_err(column_error);
    let get_i = |i: usize| row.get::<_, i64>(i).map_err(column_error);
    let case_id = get_s(0)?;
    let seq = i64_to_u64(get_i(1)?)?;
    let payload = get_s(4)?;
    let at = get_s(5)?;
    Ok(StoredEvent {
        payload: parse_json(&payload, &format!("case {case_id} seq {seq} payload"))?,
        at: parse_at(&at)?,
        global_seq: i64_to_u64(get_i(2)?)?,
        kind: get_s(3)?,
        hash: get_s(6)?,
        case_id,
        seq,
    })
}

fn case_events_on(conn: &Connection, case_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE case_id = ?1 ORDER BY seq LIMIT ?2"
    ))?;
    let mut rows = stmt.query(params![case_id, (limits::EVENTS_PER_CASE_MAX + 1) as i64])?;
    let mut events = Vec::new();
    while let Some(row) = rows.next()? {
        events.push(event_from_row(row)?);
    }
    if events.len() > limits::EVENTS_PER_CASE_MAX {
        return Err(StoreError::Invalid(format!(
            "case {case_id} has more than {} events",
            limits::EVENTS_PER_CASE_MAX
        )));
    }
    Ok(events)
}

const CASE_COLUMNS: &str = "case_id, regulation_id, regulation_hash, service_id, route, provider_id, applicant_id, \
     status, current_steps, submitted_at, due, closed_at, result, version";

fn case_from_row(row: &rusqlite::Row<'_>) -> Result<CaseRow, StoreError> {
    let get_s = |i: usize| row.get::<_, String>(i).map_err(column_error);
    let get_oi = |i: usize| row.get::<_, Option<i64>>(i).map_err(column_error);
    Ok(CaseRow {
        case_id: get_s(0)?,
        regulation_id: get_s(1)?,
        regulation_hash: get_s(2)?,
        service_id: get_s(3)?,
        route: get_s(4)?,
        provider_id: get_s(5)?,
        applicant_id: get_s(6)?,
        status: parse_case_status(&get_s(7)?)?,
        current_steps: steps_from_text(&get_s(8)?)?,
        submitted_at: ns_to_ts(row.get::<_, i64>(9).map_err(column_error)?)?,
        due: opt_ns_to_ts(get_oi(10)?)?,
        closed_at: opt_ns_to_ts(get_oi(11)?)?,
        result: row.get::<_, Option<String>>(12).map_err(column_error)?,
        version: i64_to_u64(row.get::<_, i64>(13).map_err(column_error)?)?,
    })
}

const TASK_COLUMNS: &str = "task_id, case_id, step_id, role, unit, assignee, status, created_at, due, escalation, \
     check_reason";

fn task_from_row(row: &rusqlite::Row<'_>) -> Result<TaskRow, StoreError> {
    let get_s = |i: usize| row.get::<_, String>(i).map_err(column_error);
    Ok(TaskRow {
        task_id: get_s(0)?,
        case_id: get_s(1)?,
        step_id: get_s(2)?,
        role: get_s(3)?,
        unit: get_s(4)?,
        assignee: row.get::<_, Option<String>>(5).map_err(column_error)?,
        status: parse_task_status(&get_s(6)?)?,
        created_at: ns_to_ts(row.get::<_, i64>(7).map_err(column_error)?)?,
        due: opt_ns_to_ts(row.get::<_, Option<i64>>(8).map_err(column_error)?)?,
        escalation: row.get::<_, bool>(9).map_err(column_error)?,
        check: row.get::<_, Option<String>>(10).map_err(column_error)?,
    })
}

const OUTBOX_COLUMNS: &str =
    "request_id, case_id, system, payload, created_at, attempts, last_error";

fn outbox_from_row(row: &rusqlite::Row<'_>) -> Result<OutboxClaim, StoreError> {
    let get_s = |i: usize| row.get::<_, String>(i).map_err(column_error);
    let request_id = get_s(0)?;
    Ok(OutboxClaim {
        row: OutboxRow {
            case_id: get_s(1)?,
            system: get_s(2)?,
            payload: parse_json(&get_s(3)?, &format!("outbox {request_id} payload"))?,
            created_at: ns_to_ts(row.get::<_, i64>(4).map_err(column_error)?)?,
            request_id,
        },
        attempts: u32::try_from(row.get::<_, i64>(5).map_err(column_error)?)
            .map_err(|_| StoreError::Corrupt("outbox attempts out of range".into()))?,
        last_error: row.get::<_, Option<String>>(6).map_err(column_error)?,
    })
}

const EXCHANGE_COLUMNS: &str = "request_id, case_id, system, attempt, message_id, sent_at, duration_ms, status, \
     answer, request, response";

fn exchange_from_row(row: &rusqlite::Row<'_>) -> Result<ExchangeRow, StoreError> {
    let get_s = |i: usize| row.get::<_, String>(i).map_err(column_error);
    let get_os = |i: usize| row.get::<_, Option<String>>(i).map_err(column_error);
    let get_i = |i: usize| row.get::<_, i64>(i).map_err(column_error);
    Ok(ExchangeRow {
        request_id: get_s(0)?,
        case_id: get_s(1)?,
        system: get_s(2)?,
        attempt: u32::try_from(get_i(3)?)
            .map_err(|_| StoreError::Corrupt("exchange attempt out of range".into()))?,
        message_id: get_s(4)?,
        sent_at: ns_to_ts(get_i(5)?)?,
        duration_ms: i64_to_u64(get_i(6)?)?,
        status: get_s(7)?,
        answer: get_os(8)?,
        request: get_os(9)?,
        response: get_os(10)?,
    })
}

const TIMER_COLUMNS: &str = "timer_id, case_id, due, kind, payload";

fn timer_from_row(row: &rusqlite::Row<'_>) -> Result<TimerRow, StoreError> {
    let get_s = |i: usize| row.get::<_, String>(i).map_err(column_error);
    let timer_id = get_s(0)?;
    Ok(TimerRow {
        case_id: get_s(1)?,
        due: ns_to_ts(row.get::<_, i64>(2).map_err(column_error)?)?,
        kind: get_s(3)?,
        payload: parse_json(&get_s(4)?, &format!("timer {timer_id} payload"))?,
        timer_id,
    })
}

fn collect<T>(
    stmt: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
    map: impl Fn(&rusqlite::Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(map(row)?);
    }
    Ok(out)
}

fn placeholders(start: usize, count: usize) -> String {
    (start..start + count)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------- audit

/// A text column, or why it is not one.
fn raw_text(row: &rusqlite::Row<'_>, i: usize) -> Result<String, String> {
    match row.get_ref(i) {
        Ok(ValueRef::Text(bytes)) => {
            String::from_utf8(bytes.to_vec()).map_err(|_| format!("column {i}: not UTF-8"))
        }
        Ok(other) => Err(format!(
            "column {i}: {:?} where text is stored",
            other.data_type()
        )),
        Err(e) => Err(format!("column {i}: {e}")),
    }
}

/// Reads an event row without trusting any column's type.
fn raw_event(row: &rusqlite::Row<'_>) -> RawEvent {
    let fields = (|| {
        Ok(RawFields {
            kind: raw_text(row, 3)?,
            payload: raw_text(row, 4)?,
            at: raw_text(row, 5)?,
            hash: raw_text(row, 6)?,
            case_prev_hash: raw_text(row, 7).ok(),
        })
    })();
    RawEvent {
        key: raw_key(row),
        fields,
    }
}

/// Reads an event row's key columns without trusting their types.
fn raw_key(row: &rusqlite::Row<'_>) -> RawKey {
    let int = |i: usize| match row.get_ref(i) {
        Ok(ValueRef::Integer(value)) => value,
        _ => -1,
    };
    RawKey {
        global_seq: int(0),
        case_id: raw_text(row, 1).unwrap_or_else(|e| format!("<unreadable: {e}>")),
        seq: int(2),
    }
}

/// An event row in global order with the stored hash of its case's event
/// `seq - 1` (`audit.rs`): the unique index on `(case_id, seq)` finds it.
const RAW_EVENTS_IN_GLOBAL_ORDER: &str = "\
SELECT e.global_seq, e.case_id, e.seq, e.kind, e.payload, e.at, e.hash, p.hash
  FROM events AS e LEFT JOIN events AS p ON p.case_id = e.case_id AND p.seq = e.seq - 1
 WHERE e.global_seq > ?1 ORDER BY e.global_seq LIMIT ?2";

impl Store for SqliteStore {
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
        let mut conn = lock(&self.writer);
        // Common path: every decision in memory (`group.rs`), rows written
        // with cached statements, one commit; no savepoints.
        let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(error) => return all_fail(error.into()),
        };
        let attempt = read_head(&tx)
            .and_then(|mut head| append_group(&mut SqliteGroup { conn: &tx }, batches, &mut head));
        match attempt {
            Ok(results) => match tx.commit() {
                Ok(()) => {
                    self.checkpointer.committed();
                    results
                }
                Err(error) => all_fail(error.into()),
            },
            Err(_) => {
                // SQLite refused a row the in-memory decisions did not
                // foresee: roll back and redo the group with a savepoint per
                // batch, so that the offending batch fails alone.
                drop(tx);
                let results = append_many_per_batch(&mut conn, batches);
                self.checkpointer.committed();
                results
            }
        }
    }

    fn idempotency(&self, key: &str) -> Result<Option<Appended>, StoreError> {
        self.read(|conn| idempotency_on(conn, key))
    }

    fn case_head(&self, case_id: &str) -> Result<u64, StoreError> {
        self.read(|conn| {
            let seq: Option<i64> = conn
                .prepare_cached(
                    "SELECT seq FROM events WHERE case_id = ?1 ORDER BY seq DESC LIMIT 1",
                )?
                .query_row([case_id], |row| row.get(0))
                .optional()
                .map_err(column_error)?;
            i64_to_u64(seq.unwrap_or(0))
        })
    }

    fn case_events(&self, case_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        self.read(|conn| case_events_on(conn, case_id))
    }

    fn events_since(&self, global_seq: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE global_seq > ?1 ORDER BY global_seq LIMIT ?2"
            ))?;
            collect(&mut stmt, params![u64_to_i64(global_seq)?, cap_limit(limit) as i64], event_from_row)
        })
    }

    fn case(&self, case_id: &str) -> Result<Option<CaseRow>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {CASE_COLUMNS} FROM cases WHERE case_id = ?1"
            ))?;
            Ok(collect(&mut stmt, [case_id], case_from_row)?.pop())
        })
    }

    fn cases(&self, query: &CaseQuery) -> Result<Vec<CaseRow>, StoreError> {
        let mut sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE 1 = 1");
        let mut args: Vec<SqlValue> = Vec::new();
        let mut filter = |column: &str, value: Option<String>| {
            if let Some(value) = value {
                args.push(SqlValue::Text(value));
                sql.push_str(&format!(" AND {column} = ?{}", args.len()));
            }
        };
        filter(
            "status",
            query.status.map(|s| case_status_str(s).to_owned()),
        );
        filter("route", query.route.clone());
        filter("provider_id", query.provider_id.clone());
        filter("regulation_id", query.regulation_id.clone());
        filter("applicant_id", query.applicant_id.clone());
        args.push(SqlValue::Integer(cap_limit(query.limit) as i64));
        let order = if query.newest_first { "DESC" } else { "ASC" };
        sql.push_str(&format!(
            " ORDER BY submitted_at {order}, case_id {order} LIMIT ?{}",
            args.len()
        ));
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            collect(&mut stmt, params_from_iter(args), case_from_row)
        })
    }

    fn tasks(&self, query: &TaskQuery) -> Result<Vec<TaskRow>, StoreError> {
        if !query.include_closed && !query.units.is_empty() && !query.roles.is_empty() {
            // A work list: one ordered index range per (unit, role) pair,
            // merged (an IN list over both columns would sort every match).
            let limit = cap_limit(query.limit) as i64;
            let mut args: Vec<SqlValue> = vec![SqlValue::Integer(limit)];
            let assignee = match &query.assignee {
                Some(assignee) => {
                    args.push(SqlValue::Text(assignee.clone()));
                    " AND assignee = ?2"
                }
                None => "",
            };
            let mut parts = Vec::new();
            for unit in &query.units {
                for role in &query.roles {
                    args.push(SqlValue::Text(unit.clone()));
                    args.push(SqlValue::Text(role.clone()));
                    parts.push(format!(
                        "SELECT * FROM (SELECT {TASK_COLUMNS}, due_key FROM tasks
                         WHERE unit = ?{} AND role = ?{} AND is_open = 1{assignee}
                         ORDER BY due_key, created_at, task_id LIMIT ?1)",
                        args.len() - 1,
                        args.len()
                    ));
                }
            }
            let sql = format!(
                "SELECT * FROM ({}) ORDER BY due_key, created_at, task_id LIMIT ?1",
                parts.join(" UNION ALL ")
            );
            return self.read(|conn| {
                let mut stmt = conn.prepare_cached(&sql)?;
                collect(&mut stmt, params_from_iter(args), task_from_row)
            });
        }
        let mut sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE 1 = 1");
        let mut args: Vec<SqlValue> = Vec::new();
        if !query.include_closed {
            sql.push_str(" AND is_open = 1");
        }
        for (column, values) in [("unit", &query.units), ("role", &query.roles)] {
            if !values.is_empty() {
                sql.push_str(&format!(
                    " AND {column} IN ({})",
                    placeholders(args.len() + 1, values.len())
                ));
                args.extend(values.iter().map(|v| SqlValue::Text(v.clone())));
            }
        }
        if let Some(assignee) = &query.assignee {
            args.push(SqlValue::Text(assignee.clone()));
            sql.push_str(&format!(" AND assignee = ?{}", args.len()));
        }
        args.push(SqlValue::Integer(cap_limit(query.limit) as i64));
        sql.push_str(&format!(
            " ORDER BY due_key, created_at, task_id LIMIT ?{}",
            args.len()
        ));
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            collect(&mut stmt, params_from_iter(args), task_from_row)
        })
    }

    fn task(&self, task_id: &str) -> Result<Option<TaskRow>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {TASK_COLUMNS} FROM tasks WHERE task_id = ?1"
            ))?;
            Ok(collect(&mut stmt, [task_id], task_from_row)?.pop())
        })
    }

    fn registry(&self, registry: &str, key: &str) -> Result<Option<RegistryRow>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT registry, key, region, record, case_id FROM registries WHERE registry = ?1 AND key = ?2",
            )?;
            let rows = collect(&mut stmt, [registry, key], |row| {
                let get_s = |i: usize| row.get::<_, String>(i).map_err(column_error);
                Ok(RegistryRow {
                    registry: get_s(0)?,
                    key: get_s(1)?,
                    region: get_s(2)?,
                    record: parse_json(&get_s(3)?, "registry record")?,
                    case_id: get_s(4)?,
                })
            })?;
            Ok(rows.into_iter().next())
        })
    }

    fn put_regulation(
        &self,
        hash: &str,
        regulation_id: &str,
        text: &str,
    ) -> Result<(), StoreError> {
        check_id("regulation hash", hash)?;
        check_id("regulation id", regulation_id)?;
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<(String, String)> = tx
            .query_row(
                "SELECT regulation_id, text FROM regulations WHERE hash = ?1",
                [hash],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(column_error)?;
        match existing {
            Some((id, stored)) if id == regulation_id && stored == text => {}
            Some(_) => {
                return Err(StoreError::Invalid(format!(
                    "regulation hash {hash} is already stored with a different id or text"
                )));
            }
            None => {
                tx.execute(
                    "INSERT INTO regulations (hash, regulation_id, text) VALUES (?1, ?2, ?3)",
                    params![hash, regulation_id, text],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn regulation(&self, hash: &str) -> Result<Option<(String, String)>, StoreError> {
        self.read(|conn| {
            conn.query_row(
                "SELECT regulation_id, text FROM regulations WHERE hash = ?1",
                [hash],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(column_error)
        })
    }

    fn claim_due_timers(
        &self,
        now: Timestamp,
        limit: usize,
        worker_id: &str,
        lease: SignedDuration,
    ) -> Result<Vec<TimerRow>, StoreError> {
        check_id("worker_id", worker_id)?;
        let (now_ns, until_ns) = lease_window(now, lease)?;
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let timers = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {TIMER_COLUMNS} FROM timers
                 WHERE due <= ?1 AND (lease_until IS NULL OR lease_until <= ?1)
                 ORDER BY due, timer_id LIMIT ?2"
            ))?;
            collect(
                &mut stmt,
                params![now_ns, cap_limit(limit) as i64],
                timer_from_row,
            )?
        };
        {
            let mut update = tx.prepare_cached(
                "UPDATE timers SET lease_owner = ?1, lease_until = ?2 WHERE timer_id = ?3",
            )?;
            for timer in &timers {
                update.execute(params![worker_id, until_ns, &timer.timer_id])?;
            }
        }
        tx.commit()?;
        Ok(timers)
    }

    fn next_timer_due(&self) -> Result<Option<Timestamp>, StoreError> {
        self.read(|conn| {
            let due: Option<i64> = conn
                .query_row("SELECT MIN(due) FROM timers", [], |row| row.get(0))
                .map_err(column_error)?;
            opt_ns_to_ts(due)
        })
    }

    fn verify(&self) -> Result<AuditReport, StoreError> {
        self.read(|conn| {
            // One read transaction: both passes and the head see one snapshot.
            conn.execute_batch("BEGIN")?;
            let result = audit::verify(&mut SqliteAudit { conn });
            let _ = conn.execute_batch("COMMIT");
            result
        })
    }

    fn case_stats(&self, now: Timestamp) -> Result<Vec<CaseStat>, StoreError> {
        let now_ns = ts_to_ns(now)?;
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT regulation_id, provider_id, route, status, COUNT(*),
                        SUM(CASE WHEN closed_at IS NULL AND due IS NOT NULL AND due < ?1 THEN 1 ELSE 0 END),
                        SUM(CASE WHEN closed_at IS NOT NULL AND due IS NOT NULL AND closed_at > due THEN 1 ELSE 0 END)
                 FROM cases GROUP BY regulation_id, provider_id, route, status
                 ORDER BY regulation_id, provider_id, route, status",
            )?;
            collect(&mut stmt, [now_ns], |row| {
                let get_s = |i: usize| row.get::<_, String>(i).map_err(column_error);
                let get_n = |i: usize| row.get::<_, i64>(i).map_err(column_error).and_then(i64_to_u64);
                Ok(CaseStat {
                    regulation_id: get_s(0)?,
                    provider_id: get_s(1)?,
                    route: get_s(2)?,
                    status: parse_case_status(&get_s(3)?)?,
                    cases: get_n(4)?,
                    overdue_open: get_n(5)?,
                    closed_late: get_n(6)?,
                })
            })
        })
    }

    fn doc(&self, collection: &str, key: &str) -> Result<Option<Value>, StoreError> {
        let text: Option<String> = self.read(|conn| {
            conn.prepare_cached("SELECT value FROM directory WHERE collection = ?1 AND key = ?2")?
                .query_row([collection, key], |row| row.get(0))
                .optional()
                .map_err(column_error)
        })?;
        text.map(|text| parse_json(&text, "directory document"))
            .transpose()
    }

    fn put_doc(&self, collection: &str, key: &str, value: &Value) -> Result<(), StoreError> {
        check_id("collection", collection)?;
        check_id("key", key)?;
        let at = ts_to_ns(Timestamp::now())?;
        let conn = lock(&self.writer);
        conn.prepare_cached(
            "INSERT INTO directory (collection, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )?
        .execute(params![collection, key, value.to_string(), at])?;
        Ok(())
    }

    fn delete_doc(&self, collection: &str, key: &str) -> Result<bool, StoreError> {
        check_id("collection", collection)?;
        check_id("key", key)?;
        let conn = lock(&self.writer);
        let deleted = conn
            .prepare_cached("DELETE FROM directory WHERE collection = ?1 AND key = ?2")?
            .execute(params![collection, key])?;
        Ok(deleted > 0)
    }

    fn insert_doc(&self, collection: &str, key: &str, value: &Value) -> Result<Value, StoreError> {
        check_id("collection", collection)?;
        check_id("key", key)?;
        let at = ts_to_ns(Timestamp::now())?;
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.prepare_cached(
            "INSERT INTO directory (collection, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (collection, key) DO NOTHING",
        )?
        .execute(params![collection, key, value.to_string(), at])?;
        let text: String = tx
            .prepare_cached("SELECT value FROM directory WHERE collection = ?1 AND key = ?2")?
            .query_row([collection, key], |row| row.get(0))
            .map_err(column_error)?;
        tx.commit()?;
        parse_json(&text, "directory document")
    }

    fn docs(&self, collection: &str, limit: usize) -> Result<Vec<(String, Value)>, StoreError> {
        let limit = cap_limit(limit) as i64;
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT key, value FROM directory WHERE collection = ?1 ORDER BY key LIMIT ?2",
            )?;
            collect(&mut stmt, params![collection, limit], |row| {
                let key: String = row.get(0).map_err(column_error)?;
                let text: String = row.get(1).map_err(column_error)?;
                Ok((key, parse_json(&text, "directory document")?))
            })
        })
    }

    fn claim_outbox(
        &self,
        now: Timestamp,
        limit: usize,
        worker_id: &str,
        lease: SignedDuration,
    ) -> Result<Vec<OutboxClaim>, StoreError> {
        check_id("worker_id", worker_id)?;
        let (now_ns, until_ns) = lease_window(now, lease)?;
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let claims = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox
                 WHERE next_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1)
                 ORDER BY next_at, request_id LIMIT ?2"
            ))?;
            collect(
                &mut stmt,
                params![now_ns, cap_limit(limit) as i64],
                outbox_from_row,
            )?
        };
        {
            let mut update = tx.prepare_cached(
                "UPDATE outbox SET lease_owner = ?1, lease_until = ?2 WHERE request_id = ?3",
            )?;
            for claim in &claims {
                update.execute(params![worker_id, until_ns, &claim.row.request_id])?;
            }
        }
        tx.commit()?;
        Ok(claims)
    }

    fn retry_outbox(
        &self,
        request_id: &str,
        attempts: u32,
        next: Timestamp,
        error: &str,
    ) -> Result<(), StoreError> {
        let next_ns = ts_to_ns(next)?;
        let conn = lock(&self.writer);
        conn.prepare_cached(
            "UPDATE outbox SET attempts = ?2, next_at = ?3, last_error = ?4,
                lease_owner = NULL, lease_until = NULL
             WHERE request_id = ?1",
        )?
        .execute(params![request_id, i64::from(attempts), next_ns, error])?;
        Ok(())
    }

    fn case_outbox(&self, case_id: &str) -> Result<Vec<OutboxClaim>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE case_id = ?1
                 ORDER BY created_at, request_id LIMIT ?2"
            ))?;
            collect(
                &mut stmt,
                params![case_id, limits::PAGE_ROWS as i64],
                outbox_from_row,
            )
        })
    }

    fn outbox_backlog(&self) -> Result<Vec<OutboxBacklog>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT system, COUNT(*), SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END),
                        MIN(created_at)
                 FROM outbox GROUP BY system ORDER BY system",
            )?;
            collect(&mut stmt, [], |row| {
                let get_n = |i: usize| {
                    row.get::<_, i64>(i)
                        .map_err(column_error)
                        .and_then(i64_to_u64)
                };
                Ok(OutboxBacklog {
                    system: row.get(0).map_err(column_error)?,
                    waiting: get_n(1)?,
                    retrying: get_n(2)?,
                    oldest: ns_to_ts(row.get::<_, i64>(3).map_err(column_error)?)?,
                })
            })
        })
    }

    fn next_outbox_due(&self) -> Result<Option<Timestamp>, StoreError> {
        self.read(|conn| {
            let due: Option<i64> = conn
                .query_row("SELECT MIN(next_at) FROM outbox", [], |row| row.get(0))
                .map_err(column_error)?;
            opt_ns_to_ts(due)
        })
    }

    fn record_exchange(&self, exchange: &ExchangeRow) -> Result<(), StoreError> {
        let conn = lock(&self.writer);
        conn.prepare_cached(
            "INSERT INTO gateway_exchanges (request_id, case_id, system, attempt, message_id,
                sent_at, duration_ms, status, answer, request, response)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            &exchange.request_id,
            &exchange.case_id,
            &exchange.system,
            i64::from(exchange.attempt),
            &exchange.message_id,
            ts_to_ns(exchange.sent_at)?,
            u64_to_i64(exchange.duration_ms)?,
            &exchange.status,
            &exchange.answer,
            &exchange.request,
            &exchange.response
        ])?;
        Ok(())
    }

    fn case_exchanges(&self, case_id: &str) -> Result<Vec<ExchangeRow>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {EXCHANGE_COLUMNS} FROM gateway_exchanges WHERE case_id = ?1
                 ORDER BY id LIMIT ?2"
            ))?;
            collect(
                &mut stmt,
                params![case_id, limits::PAGE_ROWS as i64],
                exchange_from_row,
            )
        })
    }

    fn exchange_stats(&self, since: Timestamp) -> Result<Vec<ExchangeStat>, StoreError> {
        let since_ns = ts_to_ns(since)?;
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT system, COUNT(*),
                        SUM(CASE WHEN status IN ('ok', 'on_delivery') THEN 0 ELSE 1 END),
                        SUM(duration_ms), MAX(duration_ms)
                 FROM gateway_exchanges WHERE sent_at >= ?1 GROUP BY system ORDER BY system",
            )?;
            collect(&mut stmt, [since_ns], |row| {
                let get_n = |i: usize| {
                    row.get::<_, i64>(i)
                        .map_err(column_error)
                        .and_then(i64_to_u64)
                };
                Ok(ExchangeStat {
                    system: row.get(0).map_err(column_error)?,
                    calls: get_n(1)?,
                    errors: get_n(2)?,
                    total_ms: get_n(3)?,
                    max_ms: get_n(4)?,
                })
            })
        })
    }

    fn notification_cursor(&self, cursor: &str) -> Result<u64, StoreError> {
        check_id("cursor", cursor)?;
        let value: Option<i64> = self.read(|conn| {
            conn.prepare_cached("SELECT global_seq FROM notification_cursors WHERE name = ?1")?
                .query_row([cursor], |row| row.get(0))
                .optional()
                .map_err(column_error)
        })?;
        value.map_or(Ok(0), i64_to_u64)
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
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let at: Option<i64> = tx
            .prepare_cached("SELECT global_seq FROM notification_cursors WHERE name = ?1")?
            .query_row([cursor], |row| row.get(0))
            .optional()
            .map_err(column_error)?;
        let actual = at.map_or(Ok(0), i64_to_u64)?;
        if actual != from {
            return Err(StoreError::Conflict {
                case_id: format!("notification cursor {cursor}"),
                expected: from,
                actual,
            });
        }
        let mut inserted = 0;
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO notifications (id, applicant_id, case_id, seq, kind, lang, created_at, read_at, content)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8) ON CONFLICT (id) DO NOTHING",
            )?;
            let mut put_delivery = tx.prepare_cached(
                "INSERT INTO notification_deliveries (id, notification_id, channel, address, state, attempts, next_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5) ON CONFLICT (id) DO NOTHING",
            )?;
            for (item, (created_ns, seq, content)) in items.iter().zip(&rows) {
                let new = put.execute(params![
                    &item.id,
                    &item.applicant_id,
                    &item.case_id,
                    seq,
                    &item.kind,
                    &item.lang,
                    created_ns,
                    content
                ])?;
                if new == 0 {
                    continue;
                }
                inserted += 1;
                for delivery in &item.deliveries {
                    put_delivery.execute(params![
                        delivery_id(&item.id, &delivery.channel),
                        &item.id,
                        &delivery.channel,
                        &delivery.address,
                        created_ns
                    ])?;
                }
            }
        }
        tx.prepare_cached(
            "INSERT INTO notification_cursors (name, global_seq) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET global_seq = excluded.global_seq",
        )?
        .execute(params![cursor, u64_to_i64(to)?])?;
        tx.commit()?;
        Ok(inserted)
    }

    fn notifications(
        &self,
        applicant_id: &str,
        limit: usize,
    ) -> Result<NotificationPage, StoreError> {
        check_id("applicant_id", applicant_id)?;
        self.read(|conn| {
            let tx = conn.unchecked_transaction()?;
            let items = {
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE applicant_id = ?1
                     ORDER BY created_at DESC, id DESC LIMIT ?2"
                ))?;
                collect(
                    &mut stmt,
                    params![applicant_id, cap_limit(limit) as i64],
                    |row| notification_from_row(row, 0),
                )?
            };
            let unread: i64 = tx
                .prepare_cached(
                    "SELECT COUNT(*) FROM notifications WHERE applicant_id = ?1 AND read_at IS NULL",
                )?
                .query_row([applicant_id], |row| row.get(0))
                .map_err(column_error)?;
            tx.commit()?;
            Ok(NotificationPage {
                items,
                unread: i64_to_u64(unread)?,
            })
        })
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
        let conn = lock(&self.writer);
        let changed = conn
            .prepare_cached(
                "UPDATE notifications SET read_at = COALESCE(read_at, ?3)
                 WHERE id = ?1 AND applicant_id = ?2",
            )?
            .execute(params![notification_id, applicant_id, at_ns])?;
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
        let (now_ns, until_ns) = lease_window(now, lease)?;
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let claims = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS_D}, {NOTIFICATION_COLUMNS_N}
                 FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
                 WHERE d.state = 'pending' AND d.next_at <= ?1
                   AND (d.lease_until IS NULL OR d.lease_until <= ?1)
                 ORDER BY d.next_at, d.id LIMIT ?2"
            ))?;
            collect(&mut stmt, params![now_ns, cap_limit(limit) as i64], |row| {
                Ok(DeliveryClaim {
                    delivery: delivery_from_row(row)?,
                    notification: notification_from_row(row, DELIVERY_COLUMN_COUNT)?,
                })
            })?
        };
        {
            let mut update = tx.prepare_cached(
                "UPDATE notification_deliveries SET lease_owner = ?1, lease_until = ?2 WHERE id = ?3",
            )?;
            for claim in &claims {
                update.execute(params![worker_id, until_ns, &claim.delivery.id])?;
            }
        }
        tx.commit()?;
        Ok(claims)
    }

    fn delivery_sent(
        &self,
        delivery_id: &str,
        attempts: u32,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let at_ns = ts_to_ns(at)?;
        let conn = lock(&self.writer);
        conn.prepare_cached(
            "UPDATE notification_deliveries SET state = 'sent', attempts = ?2, sent_at = ?3,
                last_error = NULL, lease_owner = NULL, lease_until = NULL
             WHERE id = ?1 AND state = 'pending'",
        )?
        .execute(params![delivery_id, i64::from(attempts), at_ns])?;
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
        let conn = lock(&self.writer);
        conn.prepare_cached(
            "UPDATE notification_deliveries SET attempts = ?2, next_at = ?3, last_error = ?4,
                lease_owner = NULL, lease_until = NULL
             WHERE id = ?1 AND state = 'pending'",
        )?
        .execute(params![
            delivery_id,
            i64::from(attempts),
            next_ns,
            cut_error(error)
        ])?;
        Ok(())
    }

    fn delivery_failed(
        &self,
        delivery_id: &str,
        attempts: u32,
        error: &str,
    ) -> Result<(), StoreError> {
        let conn = lock(&self.writer);
        conn.prepare_cached(
            "UPDATE notification_deliveries SET state = 'failed', attempts = ?2, last_error = ?3,
                lease_owner = NULL, lease_until = NULL
             WHERE id = ?1 AND state = 'pending'",
        )?
        .execute(params![delivery_id, i64::from(attempts), cut_error(error)])?;
        Ok(())
    }

    fn notification_deliveries(
        &self,
        notification_id: &str,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM notification_deliveries
                 WHERE notification_id = ?1 ORDER BY channel"
            ))?;
            collect(&mut stmt, [notification_id], delivery_from_row)
        })
    }

    fn deliveries(&self, state: &str, limit: usize) -> Result<Vec<DeliveryRow>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM notification_deliveries
                 WHERE state = ?1 ORDER BY id LIMIT ?2"
            ))?;
            collect(
                &mut stmt,
                params![state, cap_limit(limit) as i64],
                delivery_from_row,
            )
        })
    }

    fn rebuild(
        &self,
        project_case: &dyn Fn(&[StoredEvent]) -> Vec<ProjectionOp>,
    ) -> Result<RebuildReport, StoreError> {
        let mut conn = lock(&self.writer);
        rebuild::rebuild(&mut SqliteRebuild { conn: &mut conn }, project_case)
    }
}

/// SQLite's transactions for `rebuild` (`rebuild.rs` decides): `IMMEDIATE`
/// transactions on the writer connection.
struct SqliteRebuild<'a> {
    conn: &'a mut Connection,
}

impl RebuildBackend for SqliteRebuild<'_> {
    fn transaction<T>(
        &mut self,
        page: impl FnOnce(&mut dyn RebuildRows) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let head = read_head(&tx)?;
        let out = page(&mut SqliteRebuildRows { conn: &tx, head })?;
        tx.commit()?;
        Ok(out)
    }
}

/// SQLite's row I/O for `rebuild`, inside one of its transactions.
struct SqliteRebuildRows<'a> {
    conn: &'a Connection,
    head: Head,
}

impl RebuildRows for SqliteRebuildRows<'_> {
    fn clear_projections(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch(
            "DELETE FROM cases; DELETE FROM tasks; DELETE FROM registries; DELETE FROM timers;",
        )?;
        Ok(())
    }

    fn case_starts(
        &mut self,
        after_global_seq: i64,
        limit: usize,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT case_id, global_seq FROM events WHERE seq = 1 AND global_seq > ?1
             ORDER BY global_seq LIMIT ?2",
        )?;
        collect(&mut stmt, params![after_global_seq, limit as i64], |row| {
            Ok((
                row.get::<_, String>(0).map_err(column_error)?,
                row.get::<_, i64>(1).map_err(column_error)?,
            ))
        })
    }

    fn case_events(&mut self, case_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        case_events_on(self.conn, case_id)
    }

    fn outbox_request_ids(&mut self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT request_id FROM outbox")?;
        collect(&mut stmt, [], |row| row.get(0).map_err(column_error))
    }

    fn write(&mut self, chunk: Chunk<'_>) -> Result<(), StoreError> {
        SqliteGroup { conn: self.conn }.write(chunk, &self.head, true)
    }
}

/// SQLite's row reads for `verify` (`audit.rs` decides), on a reader
/// connection inside its read transaction.
struct SqliteAudit<'a> {
    conn: &'a Connection,
}

impl AuditBackend for SqliteAudit<'_> {
    fn events_in_global_order(
        &mut self,
        after: i64,
        limit: usize,
        each: &mut dyn FnMut(&RawEvent),
    ) -> Result<usize, StoreError> {
        let mut stmt = self.conn.prepare_cached(RAW_EVENTS_IN_GLOBAL_ORDER)?;
        let mut rows = stmt.query(params![after, limit as i64])?;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            // The cursor must be the stored number itself.
            if !matches!(row.get_ref(0)?, ValueRef::Integer(_)) {
                return Err(StoreError::Corrupt(
                    "events.global_seq is not an integer".into(),
                ));
            }
            each(&raw_event(row));
            count += 1;
        }
        Ok(count)
    }

    fn events_in_case_order(
        &mut self,
        (after_case, after_seq): (&str, i64),
        limit: usize,
        each: &mut dyn FnMut(&RawKey),
    ) -> Result<usize, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT global_seq, case_id, seq FROM events WHERE (case_id, seq) > (?1, ?2) ORDER BY case_id, seq LIMIT ?3",
        )?;
        let mut rows = stmt.query(params![after_case, after_seq, limit as i64])?;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            each(&raw_key(row));
            count += 1;
        }
        Ok(count)
    }

    fn chain_head(&mut self) -> Result<(i64, String), StoreError> {
        self.conn
            .query_row(
                "SELECT global_seq, hash FROM chain_head WHERE id = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(column_error)
    }
}

/// `now` and the end of a lease taken at `now`, in the stored nanoseconds.
fn lease_window(now: Timestamp, lease: SignedDuration) -> Result<(i64, i64), StoreError> {
    let until = now
        .checked_add(lease)
        .map_err(|e| StoreError::Invalid(format!("lease: {e}")))?;
    Ok((ts_to_ns(now)?, ts_to_ns(until)?))
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

fn notification_from_row(
    row: &rusqlite::Row<'_>,
    at: usize,
) -> Result<NotificationRow, StoreError> {
    let get_s = |i: usize| row.get::<_, String>(at + i).map_err(column_error);
    let id = get_s(0)?;
    Ok(NotificationRow {
        applicant_id: get_s(1)?,
        case_id: get_s(2)?,
        seq: i64_to_u64(row.get::<_, i64>(at + 3).map_err(column_error)?)?,
        kind: get_s(4)?,
        lang: get_s(5)?,
        created_at: ns_to_ts(row.get::<_, i64>(at + 6).map_err(column_error)?)?,
        read_at: opt_ns_to_ts(row.get::<_, Option<i64>>(at + 7).map_err(column_error)?)?,
        content: parse_json(&get_s(8)?, &format!("notification {id} content"))?,
        id,
    })
}

fn delivery_from_row(row: &rusqlite::Row<'_>) -> Result<DeliveryRow, StoreError> {
    let get_s = |i: usize| row.get::<_, String>(i).map_err(column_error);
    Ok(DeliveryRow {
        id: get_s(0)?,
        notification_id: get_s(1)?,
        channel: get_s(2)?,
        address: get_s(3)?,
        state: get_s(4)?,
        attempts: u32::try_from(row.get::<_, i64>(5).map_err(column_error)?)
            .map_err(|_| StoreError::Corrupt("delivery attempts out of range".into()))?,
        next_at: ns_to_ts(row.get::<_, i64>(6).map_err(column_error)?)?,
        last_error: row.get::<_, Option<String>>(7).map_err(column_error)?,
        sent_at: opt_ns_to_ts(row.get::<_, Option<i64>>(8).map_err(column_error)?)?,
    })
}
