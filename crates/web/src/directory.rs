//! The server's own collections in the store's directory (a key → JSON
//! table on both backends), named once here. Evidence of cases (signatures,
//! files, intake records, drafts) is not among them: it travels in the
//! case's batch and the storage contract names where it is kept
//! (`qyzmet_storage::evidence`).

/// Accounts by login (`auth.rs`).
pub const ACCOUNTS: &str = "accounts";
/// Providers by id, with their office hours (`demo.rs`; the runtime reads
/// the hours when the server starts).
pub const PROVIDERS: &str = qyzmet_runtime::schedules::PROVIDERS;
/// Settings: the session key, the demo's marker (and the appeals
/// follow-up's cursor, `qyzmet_runtime::appeals::CURSOR_COLLECTION`).
pub const SETTINGS: &str = "settings";
/// The service centre's electronic queue tickets.
pub const QUEUE: &str = "queue";
/// Draft editions saved on the authoring page, by content hash.
pub const EDITIONS: &str = "editions";
