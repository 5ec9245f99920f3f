//! `qyzmet bench engine` must drive every case to its end: a route that
//! gains a step the bench does not answer (a state-system call, a wait)
//! shows up here as stuck cases, not as a benchmark that silently measures
//! nothing. And what it wrote is what a real run writes: the store's audit
//! is clean and every case is closed with its events.

use qyzmet_calendar::Calendar;
use qyzmet_runtime::Catalog;
use qyzmet_runtime::bench::{BenchConfig, bench_engine};
use qyzmet_store::CaseQuery;

fn run(regulation: &str, route: &str, cases: u64, window: usize, pipeline: bool) {
    let calendar = Calendar::kazakhstan();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../regulations");
    let catalog = Catalog::from_dir(&root, &calendar).unwrap();
    let entry = catalog.by_id(regulation).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = qyzmet_store::open(dir.path().join("bench.db").to_str().unwrap()).unwrap();
    let config = BenchConfig {
        cases,
        window,
        route: route.into(),
        prefix: "b-".into(),
        pipeline,
    };
    let report = bench_engine(
        store.as_ref(),
        &entry.model,
        &entry.text,
        &calendar,
        &config,
        |_| {},
    );
    assert_eq!(report.errors, 0, "{regulation} {route}: {report:?}");
    assert_eq!(report.stuck, 0, "{regulation} {route}: {report:?}");
    assert_eq!(report.cases, cases, "{regulation} {route}: {report:?}");
    let rows = store
        .cases(&CaseQuery {
            limit: cases as usize + 1,
            ..CaseQuery::default()
        })
        .unwrap();
    assert_eq!(rows.len() as u64, cases);
    assert!(rows.iter().all(|row| row.status.is_closed()), "{rows:?}");
    let events: u64 = rows.iter().map(|row| row.version).sum();
    assert_eq!(events, report.events, "{regulation} {route}");
    let audit = store.verify().unwrap();
    assert!(audit.is_clean(), "{audit:?}");
}

#[test]
fn the_default_bench_case_closes_with_its_state_system_answers() {
    // More cases than the window, so that cases leave and enter it.
    run(
        "kyzylorda/2015-141/unemployed-registration",
        "provider_office",
        70,
        32,
        true,
    );
}

#[test]
fn a_service_centre_route_closes_too() {
    run(
        "west-kazakhstan/2016-122/oralman-status",
        "service_centre",
        20,
        8,
        false,
    );
}
