//! The durable store: the contract of `qyzmet-storage`, two backends.
//!
//! [`Store`] (defined in `qyzmet-storage`) is the only thing the rest of Qyzmet sees. [`SqliteStore`] is the
//! embedded default (one file, WAL, `synchronous=FULL`); [`PostgresStore`] is
//! the production backend. Both keep the same tables (see `docs/store.md`):
//! an append-only event log with a per-case and a global SHA-256 hash chain,
//! the projections the engine asks for (cases, tasks, registries, timers),
//! idempotency keys, and regulation texts pinned by content hash.
//!
//! The store contains no business rules: the engine decides which events and
//! projection operations a command produces ([`qyzmet_storage::record`]); the
//! store writes them atomically, or not at all.
//!
//! The API is synchronous. An async caller (the HTTP server) calls it through
//! `spawn_blocking`.

mod audit;
mod chain;
mod commit_queue;
mod convert;
mod group;
mod pg_group;
mod pg_pipeline;
mod postgres_store;
mod rebuild;
mod sqlite_store;

// The contract, re-exported so that callers name one crate for the store.
pub use qyzmet_storage::notifications::{
    DeliveryClaim, DeliveryRow, NewDelivery, NewNotification, NotificationPage, NotificationRow,
};
pub use qyzmet_storage::{
    Appended, AuditProblem, AuditProblemKind, AuditReport, CaseQuery, CaseStat, GroupCounts,
    OutboxBacklog, RebuildReport, Store, StoreError, TaskQuery, limits, notifications, record,
};
pub(crate) use qyzmet_storage::{cap_limit, check_id, validate_batch};

pub use chain::{EventHashInput, event_hash};
pub use postgres_store::PostgresStore;
pub use sqlite_store::SqliteStore;

/// Opens the store a URL or path names: `postgres://…` (or
/// `postgresql://…`) is PostgreSQL, anything else a SQLite file
/// (`sqlite://` optional).
pub fn open(url_or_path: &str) -> Result<Box<dyn Store>, StoreError> {
    if url_or_path.starts_with("postgres://") || url_or_path.starts_with("postgresql://") {
        Ok(Box::new(PostgresStore::connect(url_or_path)?))
    } else {
        let path = url_or_path.strip_prefix("sqlite://").unwrap_or(url_or_path);
        Ok(Box::new(SqliteStore::open(path)?))
    }
}
