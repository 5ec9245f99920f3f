//! Fixtures: a fresh store per test on each backend, raw SQL access for the
//! tamper tests, and small builders for records.

#[path = "../../../../tests/support/pg.rs"]
mod pg;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use qyzmet_storage::record::{
    Batch, CaseRow, CaseStatus, NewEvent, ProjectionOp, RegistryRow, TaskRow, TaskStatus, TimerRow,
};
use qyzmet_store::{PostgresStore, SqliteStore, Store};
use serde_json::{Value, json};

/// A store under test and a way to reach its tables behind its back.
pub struct Fixture {
    pub store: Box<dyn Store>,
    backend: Backend,
}

enum Backend {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres {
        admin_url: String,
        db_url: String,
        db_name: String,
    },
}

impl Fixture {
    /// The migrations this backend's store applies (PostgreSQL has one
    /// more: its 0005 makes every text column `COLLATE "C"`).
    pub fn migrations(&self) -> i64 {
        match self.backend {
            Backend::Sqlite { .. } => 5,
            Backend::Postgres { .. } => 6,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres { .. })
    }

    pub fn sqlite() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("store.db");
        let store = SqliteStore::open(&path).expect("open sqlite store");
        Fixture {
            store: Box::new(store),
            backend: Backend::Sqlite { _dir: dir, path },
        }
    }

    /// A fresh database on the test cluster named by `QYZMET_TEST_PG`, or
    /// `None` when no cluster is named (see `tests/support/pg.rs`).
    pub fn postgres() -> Option<Fixture> {
        let (admin_url, db_url, db_name) = fresh_pg_database()?;
        let store = PostgresStore::connect(&db_url).expect("connect postgres store");
        Some(Fixture {
            store: Box::new(store),
            backend: Backend::Postgres {
                admin_url,
                db_url,
                db_name,
            },
        })
    }

    /// Runs SQL directly on the database (tamper tests).
    pub fn exec(&self, sql: &str) {
        match &self.backend {
            Backend::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path).expect("open sqlite");
                conn.execute_batch(sql).expect("raw sql");
            }
            Backend::Postgres { db_url, .. } => {
                let mut client =
                    postgres::Client::connect(db_url, postgres::NoTls).expect("connect");
                client.batch_execute(sql).expect("raw sql");
            }
        }
    }

    /// Opens a second store on the same database (reopen, migrations).
    pub fn reopen(&self) -> Box<dyn Store> {
        match &self.backend {
            Backend::Sqlite { path, .. } => Box::new(SqliteStore::open(path).expect("reopen")),
            Backend::Postgres { db_url, .. } => {
                Box::new(PostgresStore::connect(db_url).expect("reconnect"))
            }
        }
    }

    /// Runs the SQL for this fixture's backend.
    pub fn exec_for(&self, sqlite: &str, postgres: &str) {
        match &self.backend {
            Backend::Sqlite { .. } => self.exec(sqlite),
            Backend::Postgres { .. } => self.exec(postgres),
        }
    }

    /// Runs the query for this fixture's backend.
    pub fn query_i64_for(&self, sqlite: &str, postgres: &str) -> i64 {
        match &self.backend {
            Backend::Sqlite { .. } => self.query_i64(sqlite),
            Backend::Postgres { .. } => self.query_i64(postgres),
        }
    }

    pub fn query_i64(&self, sql: &str) -> i64 {
        match &self.backend {
            Backend::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path).expect("open sqlite");
                conn.query_row(sql, [], |row| row.get(0)).expect("query")
            }
            Backend::Postgres { db_url, .. } => {
                let mut client =
                    postgres::Client::connect(db_url, postgres::NoTls).expect("connect");
                client.query_one(sql, &[]).expect("query").get(0)
            }
        }
    }
}

// Fields drop in declaration order: the store (and its pool) before the
// database it is connected to.
impl Drop for Backend {
    fn drop(&mut self) {
        if let Backend::Postgres {
            admin_url, db_name, ..
        } = self
            && let Ok(mut client) = postgres::Client::connect(admin_url, postgres::NoTls)
        {
            let _ =
                client.batch_execute(&format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"));
        }
    }
}

/// `(admin_url, db_url, db_name)` of a new, empty database, or `None` when
/// no cluster is named and none is required.
pub fn fresh_pg_database() -> Option<(String, String, String)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let admin_url = pg::server_url()?;
    let nanos = Timestamp::now().as_nanosecond();
    let db_name = format!(
        "qyzmet_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000_000
    );
    let mut client =
        postgres::Client::connect(&admin_url, postgres::NoTls).expect("connect to QYZMET_TEST_PG");
    client
        .batch_execute(&format!("CREATE DATABASE {db_name}"))
        .expect("create database");
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("URL with a database name");
    let db_url = format!("{base}/{db_name}");
    Some((admin_url, db_url, db_name))
}

pub fn ts(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

pub fn event(seq: u64, kind: &str, payload: Value) -> NewEvent {
    NewEvent {
        seq,
        kind: kind.to_owned(),
        payload: payload.into(),
        at: ts("2025-03-03T04:00:00Z"),
    }
}

/// A batch of `count` plain events after `expected_seq`.
pub fn batch(case_id: &str, expected_seq: u64, key: Option<&str>, count: u64) -> Batch {
    Batch {
        case_id: case_id.to_owned(),
        expected_seq,
        idempotency_key: key.map(str::to_owned),
        events: (1..=count)
            .map(|i| {
                event(
                    expected_seq + i,
                    "step_done",
                    json!({"case": case_id, "n": expected_seq + i}),
                )
            })
            .collect(),
        ops: Vec::new(),
        evidence: Vec::new(),
    }
}

pub fn case_row(
    case_id: &str,
    status: CaseStatus,
    route: &str,
    provider: &str,
    version: u64,
) -> CaseRow {
    CaseRow {
        case_id: case_id.to_owned(),
        regulation_id: "wko-2016-122-unemployed".to_owned(),
        regulation_hash: "sha256:abc".to_owned(),
        service_id: "unemployed-registration".to_owned(),
        route: route.to_owned(),
        provider_id: provider.to_owned(),
        applicant_id: "900101300123".to_owned(),
        status,
        current_steps: vec!["review".to_owned(), "check".to_owned()],
        submitted_at: ts("2025-03-03T04:00:00Z"),
        due: Some(ts("2025-03-13T13:00:00.123456789Z")),
        closed_at: None,
        result: None,
        version,
    }
}

pub fn task_row(
    task_id: &str,
    unit: &str,
    role: &str,
    due: Option<&str>,
    status: TaskStatus,
) -> TaskRow {
    TaskRow {
        task_id: task_id.to_owned(),
        case_id: "c1".to_owned(),
        step_id: "review".to_owned(),
        role: role.to_owned(),
        unit: unit.to_owned(),
        assignee: None,
        status,
        created_at: ts("2025-03-03T04:00:00Z"),
        due: due.map(ts),
        escalation: false,
        check: None,
    }
}

pub fn timer_row(timer_id: &str, case_id: &str, due: &str) -> TimerRow {
    TimerRow {
        timer_id: timer_id.to_owned(),
        case_id: case_id.to_owned(),
        due: ts(due),
        kind: "step_overdue".to_owned(),
        payload: json!({"step": "review"}),
    }
}

pub fn registry_row(registry: &str, key: &str, case_id: &str, record: Value) -> RegistryRow {
    RegistryRow {
        registry: registry.to_owned(),
        key: key.to_owned(),
        region: "west-kazakhstan".to_owned(),
        record,
        case_id: case_id.to_owned(),
    }
}

/// A batch whose single event carries its ops in the payload, so that a
/// rebuild can re-derive them (`ops_from_payloads`).
pub fn batch_with_ops(case_id: &str, expected_seq: u64, ops: Vec<ProjectionOp>) -> Batch {
    Batch {
        case_id: case_id.to_owned(),
        expected_seq,
        idempotency_key: None,
        events: vec![event(expected_seq + 1, "projected", json!({ "ops": ops }))],
        ops,
        evidence: Vec::new(),
    }
}

pub fn ops_from_payloads(events: &[qyzmet_storage::record::StoredEvent]) -> Vec<ProjectionOp> {
    events
        .iter()
        .flat_map(|e| {
            serde_json::from_value::<Vec<ProjectionOp>>(e.payload["ops"].clone())
                .expect("ops in payload")
        })
        .collect()
}
