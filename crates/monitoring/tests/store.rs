//! A real log: cases driven through the engine into a store (SQLite; and
//! PostgreSQL, the server `QYZMET_TEST_PG` names), folded page by page
//! from `events_since`, and checked against the store's own case views
//! (`case_stats`, `cases`).

#[path = "../../../tests/support/pg.rs"]
mod pg;

use std::collections::BTreeMap;

use jiff::Timestamp;
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_monitoring::fill::{FillConfig, fill};
use qyzmet_monitoring::{Monitor, Query};
use qyzmet_storage::record::CaseStatus;
use qyzmet_store::{CaseQuery, Store};

fn model(id: &str) -> (qyzmet_regulation::ProcessModel, String) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../regulations/{id}.yaml"));
    let text = std::fs::read_to_string(path).unwrap();
    let model = qyzmet_regulation::check(&text, &Calendar::kazakhstan())
        .model
        .unwrap();
    (model, text)
}

fn check_against_store(store: &dyn Store, prefix: &str) {
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let mut filled = 0;
    for (index, id) in [
        "kyzylorda/2015-141/unemployed-registration",
        "west-kazakhstan/2016-122/oralman-status",
    ]
    .into_iter()
    .enumerate()
    {
        let (model, text) = model(id);
        let config = FillConfig {
            cases: 150,
            window: 64,
            providers: 3,
            seed: 7 + index as u64,
            refusal_rate: 0.2,
            withdrawal_rate: 0.03,
            prefix: format!("{prefix}{index}-"),
            ..FillConfig::default()
        };
        let report = fill(store, &model, &text, &calendar, &schedule, &config, |_| {});
        assert_eq!(report.errors, 0, "{:?}", report.error_codes);
        assert_eq!(report.cases, 150);
        filled += report.cases;
    }

    let mut monitor = Monitor::new(calendar, schedule);
    let read = monitor.catch_up(store, 500).unwrap();
    assert!(read > 0);
    assert_eq!(monitor.catch_up(store, 500).unwrap(), 0, "nothing new");

    let to: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    let query = Query::period("2000-01-01T00:00:00Z".parse().unwrap(), to);
    let report = monitor.report(&query);
    let ours: Vec<_> = report
        .rows
        .iter()
        .filter(|row| row.provider.starts_with(prefix))
        .collect();
    let received: u64 = ours.iter().map(|row| row.figures.received).sum();
    assert_eq!(received, filled);

    // The store's counts per regulation × provider × route × status.
    let mut expected: BTreeMap<(String, String, String), [u64; 8]> = BTreeMap::new();
    for stat in store.case_stats(to).unwrap() {
        if !stat.provider_id.starts_with(prefix) {
            continue;
        }
        let entry = expected
            .entry((stat.provider_id, stat.regulation_id, stat.route))
            .or_default();
        entry[0] += stat.cases;
        let column = match stat.status {
            CaseStatus::Completed => 1,
            CaseStatus::Refused => 2,
            CaseStatus::RefusedToAccept => 3,
            CaseStatus::Withdrawn => 4,
            _ => 5,
        };
        entry[column] += stat.cases;
        if matches!(stat.status, CaseStatus::Completed | CaseStatus::Refused) {
            entry[6] += stat.closed_late;
        }
        entry[7] += stat.overdue_open;
    }
    let actual: BTreeMap<(String, String, String), [u64; 8]> = ours
        .iter()
        .map(|row| {
            let f = &row.figures;
            (
                (
                    row.provider.clone(),
                    row.service.clone(),
                    row.channel.clone(),
                ),
                [
                    f.received,
                    f.delivered,
                    f.refused,
                    f.refused_to_accept,
                    f.withdrawn,
                    f.open_at_end,
                    f.late,
                    f.overdue_open,
                ],
            )
        })
        .collect();
    assert_eq!(actual, expected);
    let totals = actual.values().fold([0u64; 8], |mut sum, row| {
        for (s, v) in sum.iter_mut().zip(row) {
            *s += v;
        }
        sum
    });
    // The data has variety: refusals, withdrawals, late cases.
    assert!(
        totals[1] > 0 && totals[2] > 0 && totals[4] > 0,
        "{totals:?}"
    );
    assert!(totals[6] > 0, "some cases close late: {totals:?}");

    // Closed cases and their closing instants, from the case views.
    let closed_views: u64 = (0..3)
        .map(|n| {
            store
                .cases(&CaseQuery {
                    provider_id: Some(format!("{prefix}0-provider-{}", n + 1)),
                    limit: 10_000,
                    ..CaseQuery::default()
                })
                .unwrap()
                .iter()
                .filter(|row| row.closed_at.is_some())
                .count() as u64
        })
        .sum();
    let closed_ours: u64 = ours
        .iter()
        .filter(|row| row.provider.starts_with(&format!("{prefix}0-")))
        .map(|row| row.figures.closed)
        .sum();
    assert_eq!(closed_ours, closed_views);

    // Step visits and their working minutes equal the engine's own trail
    // of each case (replayed from the store).
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let clock = qyzmet_calendar::LegalClock::new(&calendar, &schedule);
    let (mut visits, mut minutes) = (0u64, 0u64);
    for index in 0..2 {
        for n in 0..3 {
            let rows = store
                .cases(&CaseQuery {
                    provider_id: Some(format!("{prefix}{index}-provider-{}", n + 1)),
                    limit: 10_000,
                    ..CaseQuery::default()
                })
                .unwrap();
            for row in rows {
                let events = store.case_events(&row.case_id).unwrap();
                let case = qyzmet_engine::replay(&events).unwrap().unwrap();
                for visit in &case.trail {
                    if let Some(left) = visit.left_at {
                        visits += 1;
                        minutes += clock.working_minutes_between(visit.entered_at, left) as u64;
                    }
                }
            }
        }
    }
    let ours_steps =
        |f: fn(&qyzmet_monitoring::StepRow) -> u64| -> u64 { report.steps.iter().map(f).sum() };
    assert_eq!(ours_steps(|s| s.visits), visits);
    assert_eq!(ours_steps(|s| s.total_minutes), minutes);
    assert!(!report.steps.is_empty());
    let one = monitor.report(&query.clone().provider(format!("{prefix}1-provider-2")));
    assert!(
        one.rows
            .iter()
            .all(|row| row.provider == format!("{prefix}1-provider-2"))
    );
    assert!(one.totals.received > 0 && one.totals.received < filled);
}

#[test]
fn sqlite_log_matches_case_views() {
    let dir = tempfile::tempdir().unwrap();
    let store = qyzmet_store::open(dir.path().join("m.db").to_str().unwrap()).unwrap();
    check_against_store(store.as_ref(), "sq");
}

#[test]
fn postgres_log_matches_case_views() {
    let Some(url) = pg::server_url() else { return };
    let database = format!("qyzmet_monitoring_{}", std::process::id());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {database}"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {database}"))
        .unwrap();
    // Dropped on the way out, a failed assertion included.
    struct DropDatabase(postgres::Client, String);
    impl Drop for DropDatabase {
        fn drop(&mut self) {
            let _ = self
                .0
                .batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.1));
        }
    }
    let _guard = DropDatabase(admin, database.clone());
    let (base, _) = url.rsplit_once('/').unwrap();
    let store = qyzmet_store::open(&format!("{base}/{database}")).unwrap();
    check_against_store(store.as_ref(), "pg");
}
