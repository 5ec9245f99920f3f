//! A dozen hand-written cases, every figure computed by hand (standard
//! schedule 09:00–18:00, lunch 13–14, Asia/Almaty = UTC+5 in 2025; Friday
//! 6 June 2025 is Kurban Ait).

mod common;

use common::data::{A, B, PO, PORTAL, dataset, in_order};
use common::ts;
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_monitoring::{Figures, Monitor, Query, Report, StepRow, WeekRow};

fn june() -> Query {
    Query::period(ts("2025-05-31T19:00:00Z"), ts("2025-06-30T19:00:00Z"))
}

fn monitor() -> Monitor {
    let mut monitor = Monitor::new(Calendar::kazakhstan(), Schedule::standard());
    let events = in_order(&dataset());
    assert_eq!(monitor.apply_all(&events), events.len() as u64);
    monitor
}

fn row<'a>(report: &'a Report, provider: &str, service: &str, channel: &str) -> &'a Figures {
    &report
        .rows
        .iter()
        .find(|row| row.provider == provider && row.service == service && row.channel == channel)
        .unwrap_or_else(|| panic!("no row {provider} {service} {channel}"))
        .figures
}

#[test]
fn every_figure_by_hand() {
    let report = monitor().report(&june());
    assert_eq!(report.rows.len(), 5, "{:#?}", report.rows);
    assert_eq!(
        *row(&report, "P1", A, PORTAL),
        Figures {
            received: 1,
            closed: 1,
            delivered: 1,
            late: 1,
            late_minutes_total: 120,
            late_minutes_max: 120,
            ..Figures::default()
        }
    );
    assert_eq!(
        *row(&report, "P1", A, PO),
        Figures {
            received: 5,
            closed: 5,
            delivered: 4,
            refused: 1,
            on_time: 4,
            late: 1,
            late_minutes_total: 90,
            late_minutes_max: 90,
            appealed: 1,
            appeal_rejected: 1,
            open_at_end: 1,
            overdue_open: 1,
            ..Figures::default()
        }
    );
    assert_eq!(
        *row(&report, "P2", A, PO),
        Figures {
            received: 2,
            closed: 2,
            refused: 1,
            refused_to_accept: 1,
            on_time: 1,
            ..Figures::default()
        }
    );
    assert_eq!(
        *row(&report, "P2", B, PORTAL),
        Figures {
            received: 2,
            closed: 2,
            delivered: 1,
            withdrawn: 1,
            on_time: 1,
            appealed: 1,
            upheld: 1,
            ..Figures::default()
        }
    );
    assert_eq!(
        *row(&report, "AUTH", "appeal", PORTAL),
        Figures {
            received: 3,
            closed: 2,
            delivered: 1,
            refused: 1,
            on_time: 2,
            open_at_end: 1,
            ..Figures::default()
        }
    );
    assert_eq!(
        report.totals,
        Figures {
            received: 13,
            closed: 12,
            delivered: 7,
            refused: 3,
            refused_to_accept: 1,
            withdrawn: 1,
            on_time: 8,
            late: 2,
            without_term: 0,
            late_minutes_total: 210,
            late_minutes_max: 120,
            appealed: 2,
            upheld: 1,
            appeal_rejected: 1,
            open_at_end: 2,
            overdue_open: 1,
        }
    );
    assert_eq!(report.appeals_about_unknown_cases, 1);

    let step =
        |service: &str, channel: &str, step: &str, visits, median, p90, max, total| StepRow {
            service: service.into(),
            channel: channel.into(),
            step: step.into(),
            visits,
            median_minutes: median,
            p90_minutes: p90,
            max_minutes: max,
            total_minutes: total,
        };
    assert_eq!(
        report.steps,
        vec![
            step(A, PO, "s1", 2, 120, 1470, 1470, 1590),
            step(A, PORTAL, "s1", 1, 300, 300, 300, 300),
            step(B, PORTAL, "s1", 1, 120, 120, 120, 120),
            step(A, PO, "s2", 1, 0, 0, 0, 0),
        ]
    );

    let week = |week: &str, received, on_time, late| WeekRow {
        week: week.into(),
        received,
        closed_on_time: on_time,
        closed_late: late,
    };
    assert_eq!(
        report.weeks,
        vec![
            week("2025-W22", 0, 0, 0),
            week("2025-W23", 10, 4, 1),
            week("2025-W24", 2, 4, 1),
            week("2025-W25", 1, 0, 0),
            week("2025-W26", 0, 0, 0),
            week("2025-W27", 0, 0, 0),
        ]
    );

    let by = |groups: &[qyzmet_monitoring::Group], key: &str| {
        groups.iter().find(|g| g.key == key).unwrap().figures
    };
    assert_eq!(by(&report.by_provider, "P1").received, 6);
    assert_eq!(by(&report.by_service, A).closed, 8);
    assert_eq!(by(&report.by_channel, PORTAL).received, 6);
    assert_eq!(report.by_provider.len(), 3);
}

#[test]
fn filters_count_appeals_against_the_original_case() {
    let monitor = monitor();
    let p2 = monitor.report(&june().provider("P2"));
    assert_eq!(p2.rows.len(), 2);
    assert_eq!(p2.totals.received, 4);
    assert_eq!((p2.totals.appealed, p2.totals.upheld), (1, 1));
    assert!(p2.rows.iter().all(|row| row.provider == "P2"));

    let portal_b = monitor.report(&june().service(B).channel(PORTAL));
    assert_eq!(portal_b.rows.len(), 1);
    assert_eq!(portal_b.totals.delivered, 1);
    assert_eq!(portal_b.steps.len(), 1);

    let appeals = monitor.report(&june().service("appeal"));
    assert_eq!(appeals.totals.received, 3);
    assert_eq!(appeals.totals.appealed, 0);

    let nobody = monitor.report(&june().provider("nobody"));
    assert!(nobody.rows.is_empty());
    assert_eq!(nobody.totals, Figures::default());
    assert!(nobody.steps.is_empty());
    assert_eq!(nobody.weeks.len(), 6);

    // The first week alone: C03 late, the rest on time.
    let week = monitor.report(&Query::period(
        ts("2025-06-01T19:00:00Z"),
        ts("2025-06-08T19:00:00Z"),
    ));
    assert_eq!(week.weeks.len(), 1);
    assert_eq!(week.totals.received, 10);
    assert_eq!((week.totals.on_time, week.totals.late), (4, 1));
    // Open at the week's end: C02 and C04 (closed 9 June), A2 (decided 9
    // June) and C08, whose refusal of 3 June was undone by the upheld
    // appeal (a case counts by its last closing). Only C02 is overdue
    // (since 5 June); C04's due is the extended one.
    assert_eq!(week.totals.open_at_end, 4);
    assert_eq!(week.totals.overdue_open, 1);
}

#[test]
fn applying_again_changes_nothing_and_json_round_trips() {
    let mut monitor = monitor();
    let before = monitor.report(&june());
    let events = in_order(&dataset());
    assert_eq!(monitor.apply_all(&events), 0);
    assert_eq!(monitor.last_global_seq(), events.len() as u64);
    assert_eq!(monitor.report(&june()), before);
    let json = serde_json::to_string(&before).unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, before);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["totals"]["late_minutes_total"], 210);
    assert_eq!(value["rows"][0]["provider"], "AUTH");
}

#[test]
fn a_century_lists_only_the_weeks_with_figures() {
    let report = monitor().report(&Query::period(
        ts("2000-01-01T00:00:00Z"),
        ts("2100-01-01T00:00:00Z"),
    ));
    let weeks: Vec<&str> = report.weeks.iter().map(|w| w.week.as_str()).collect();
    // C11 was received on 30 May (W22), C12 on 1 July (W27).
    assert_eq!(
        weeks,
        [
            "2025-W22", "2025-W23", "2025-W24", "2025-W25", "2025-W26", "2025-W27"
        ]
    );
    assert_eq!(report.totals.received, 15);
    assert_eq!(report.weeks.iter().map(|w| w.received).sum::<u64>(), 15);
}
