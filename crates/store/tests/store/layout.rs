//! How SQLite lays out a store file.

use qyzmet_store::SqliteStore;

fn page_size(path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("open sqlite");
    conn.query_row("PRAGMA page_size", [], |row| row.get(0))
        .expect("page_size")
}

/// A new store file gets 16 KiB pages (measured faster than the default
/// 4 KiB; docs/performance.md), and reopening keeps them.
#[test]
fn a_new_store_file_has_16_kib_pages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.db");
    drop(SqliteStore::open(&path).expect("open"));
    assert_eq!(page_size(&path), 16384);
    drop(SqliteStore::open(&path).expect("reopen"));
    assert_eq!(page_size(&path), 16384);
}

/// A file made with another page size keeps it: the page size of a file
/// with tables changes only by `VACUUM`, which the store never runs behind
/// the operator's back.
#[test]
fn an_existing_file_keeps_its_page_size() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("create");
        conn.execute_batch("PRAGMA page_size = 4096; CREATE TABLE other (x INTEGER);")
            .expect("old file");
    }
    drop(SqliteStore::open(&path).expect("open"));
    assert_eq!(page_size(&path), 4096);
}
