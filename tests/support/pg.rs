//! The PostgreSQL server the tests may use, shared by every test crate that
//! has PostgreSQL tests (included with `#[path = ".../tests/support/pg.rs"]
//! mod pg;`, so no crate depends on another for it).
//!
//! `QYZMET_TEST_PG` names the server (an admin URL; each test makes its own
//! database). Without it a PostgreSQL test says so on stderr and passes, so
//! a plain `cargo test` works on a machine without PostgreSQL; with
//! `QYZMET_TEST_PG_REQUIRED=1` (which `scripts/test`, and so CI, sets) a
//! missing server is a failure, never a silent skip.

/// What a test without a server prints (skip) or panics with (required).
pub const NOT_SET: &str = "QYZMET_TEST_PG is not set; scripts/test starts a cluster";

/// The server's URL, or `None` after printing `skipped: …` when no server
/// is named and none is required. Use as
/// `let Some(url) = pg::server_url() else { return };`.
pub fn server_url() -> Option<String> {
    decide(
        std::env::var("QYZMET_TEST_PG").ok(),
        std::env::var("QYZMET_TEST_PG_REQUIRED").ok(),
    )
}

fn decide(url: Option<String>, required: Option<String>) -> Option<String> {
    if let Some(url) = url.filter(|url| !url.is_empty()) {
        return Some(url);
    }
    if required.as_deref() == Some("1") {
        panic!("{NOT_SET} (QYZMET_TEST_PG_REQUIRED=1 forbids skipping)");
    }
    eprintln!("skipped: {NOT_SET}");
    None
}
