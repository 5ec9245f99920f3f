//! All integration tests of the store in one test binary (ripgrep habit).

/// Runs each named `fn(&Fixture)` as a test on both stores: SQLite always,
/// PostgreSQL when `QYZMET_TEST_PG` names a server (`common::Fixture`).
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(&crate::common::Fixture::sqlite()); })*
        }
        mod postgres {
            $(#[test] fn $name() { if let Some(fixture) = crate::common::Fixture::postgres() { super::$name(&fixture) } })*
        }
    };
}

mod common;
mod conformance;
mod crash;
mod evidence;
mod layout;
mod notifications;
mod pipeline;
mod two_processes;
