//! The exports read back: CSV with the csv crate, XLSX with calamine, SVG
//! with roxmltree; each matches the report.

mod common;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::data::{dataset, in_order};
use common::ts;
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_core::Lang;
use qyzmet_monitoring::{
    Headers, Monitor, Query, Report, StepLabels, TrendLabels, slowest_steps_svg, steps_to_csv,
    to_csv, to_xlsx, weekly_trend_svg, weeks_to_csv,
};

fn report() -> Report {
    let mut monitor = Monitor::new(Calendar::kazakhstan(), Schedule::standard());
    monitor.apply_all(&in_order(&dataset()));
    monitor.report(&Query::period(
        ts("2025-05-31T19:00:00Z"),
        ts("2025-06-30T19:00:00Z"),
    ))
}

#[test]
fn csv_reads_back() {
    let report = report();
    for lang in Lang::ALL {
        let headers = Headers::new(lang);
        let text = to_csv(&report, &headers);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let head: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(head.len(), 19);
        assert_eq!(head[0], headers.provider);
        assert_eq!(head[3..], headers.figures[..]);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), report.rows.len());
        for (record, row) in records.iter().zip(&report.rows) {
            assert_eq!(&record[0], row.provider);
            assert_eq!(&record[1], row.service);
            assert_eq!(&record[2], row.channel);
            for (index, (_, value)) in row.figures.columns().into_iter().enumerate() {
                assert_eq!(record[index + 3].parse::<u64>().unwrap(), value);
            }
        }
    }
    let headers = Headers::new(Lang::En);
    let steps = steps_to_csv(&report, &headers);
    let mut reader = csv::Reader::from_reader(steps.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), report.steps.len());
    assert_eq!(&records[0][2], "s1");
    assert_eq!(
        records[0][5].parse::<u64>().unwrap(),
        report.steps[0].p90_minutes
    );
    let weeks = weeks_to_csv(&report, &headers);
    let mut reader = csv::Reader::from_reader(weeks.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), report.weeks.len());
    assert_eq!(&records[1][0], "2025-W23");
    assert_eq!(&records[1][1], "10");
}

#[test]
fn csv_quotes_awkward_names() {
    let mut report = report();
    report.rows[0].provider = "Akimat, \"Aral\"\nrayon".into();
    let text = to_csv(&report, &Headers::new(Lang::Ru));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[0], "Akimat, \"Aral\"\nrayon");
}

fn number(cell: &Data) -> u64 {
    match cell {
        Data::Float(value) => *value as u64,
        Data::Int(value) => *value as u64,
        other => panic!("not a number: {other:?}"),
    }
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(value) => value.clone(),
        other => panic!("not a string: {other:?}"),
    }
}

#[test]
fn xlsx_reads_back() {
    let report = report();
    for lang in Lang::ALL {
        let headers = Headers::new(lang);
        let bytes = to_xlsx(&report, &headers).unwrap();
        let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        assert_eq!(workbook.sheet_names(), headers.sheets.to_vec());

        let rows = workbook.worksheet_range(&headers.sheets[0]).unwrap();
        let lines: Vec<&[Data]> = rows.rows().collect();
        assert_eq!(lines.len(), report.rows.len() + 1);
        assert_eq!(text(&lines[0][0]), headers.provider);
        assert_eq!(text(&lines[0][18]), headers.figures[15]);
        for (line, row) in lines[1..].iter().zip(&report.rows) {
            assert_eq!(text(&line[0]), row.provider);
            assert_eq!(text(&line[1]), row.service);
            assert_eq!(text(&line[2]), row.channel);
            for (index, (_, value)) in row.figures.columns().into_iter().enumerate() {
                assert_eq!(number(&line[index + 3]), value);
            }
        }

        for (sheet, groups) in [
            (&headers.sheets[1], &report.by_provider),
            (&headers.sheets[2], &report.by_service),
            (&headers.sheets[3], &report.by_channel),
        ] {
            let range = workbook.worksheet_range(sheet).unwrap();
            let lines: Vec<&[Data]> = range.rows().collect();
            assert_eq!(lines.len(), groups.len() + 1);
            for (line, group) in lines[1..].iter().zip(groups) {
                assert_eq!(text(&line[0]), group.key);
                assert_eq!(number(&line[1]), group.figures.received);
                assert_eq!(number(&line[16]), group.figures.overdue_open);
            }
        }

        let steps = workbook.worksheet_range(&headers.sheets[4]).unwrap();
        let lines: Vec<&[Data]> = steps.rows().collect();
        assert_eq!(lines.len(), report.steps.len() + 1);
        for (line, step) in lines[1..].iter().zip(&report.steps) {
            assert_eq!(text(&line[2]), step.step);
            assert_eq!(
                [3, 4, 5, 6, 7].map(|col| number(&line[col])),
                [
                    step.visits,
                    step.median_minutes,
                    step.p90_minutes,
                    step.max_minutes,
                    step.total_minutes
                ]
            );
        }

        let weeks = workbook.worksheet_range(&headers.sheets[5]).unwrap();
        let lines: Vec<&[Data]> = weeks.rows().collect();
        assert_eq!(lines.len(), report.weeks.len() + 1);
        for (line, week) in lines[1..].iter().zip(&report.weeks) {
            assert_eq!(text(&line[0]), week.week);
            assert_eq!(
                [1, 2, 3].map(|col| number(&line[col])),
                [week.received, week.closed_on_time, week.closed_late]
            );
        }
    }
}

#[test]
fn svg_parses_and_escapes_labels() {
    let mut report = report();
    report.steps[0].step = "<script>alert('x')</script> & co".into();
    let trend = weekly_trend_svg(
        &report,
        &TrendLabels {
            title: "Апталық <динамика> & \"тренд\"".into(),
            received: "Түсті".into(),
            closed_on_time: "Мерзімінде".into(),
            closed_late: "Кешігіп".into(),
        },
    );
    let document = roxmltree::Document::parse(&trend).unwrap();
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let title = root
        .children()
        .find(|node| node.has_tag_name("title"))
        .unwrap();
    assert_eq!(title.text(), Some("Апталық <динамика> & \"тренд\""));
    // One bar per week and series.
    let bars = root
        .descendants()
        .filter(|node| {
            node.has_tag_name("rect") && node.children().any(|c| c.has_tag_name("title"))
        })
        .count();
    assert_eq!(bars, report.weeks.len() * 3);
    let texts: Vec<&str> = root
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .filter_map(|node| node.text())
        .collect();
    assert!(texts.contains(&"2025-W23"));
    assert!(!trend.contains("href"));

    let steps = slowest_steps_svg(
        &report,
        &StepLabels {
            title: "Slowest steps".into(),
            median: "median".into(),
            p90: "p90".into(),
            minutes: "min".into(),
        },
        10,
    );
    assert!(!steps.contains("<script>"));
    let document = roxmltree::Document::parse(&steps).unwrap();
    let root = document.root_element();
    let full: Vec<&str> = root
        .descendants()
        .filter(|node| node.has_tag_name("title"))
        .filter_map(|node| node.text())
        .collect();
    assert!(
        full.iter()
            .any(|t| t.ends_with("<script>alert('x')</script> & co")),
        "{full:?}"
    );
    let values: Vec<&str> = root
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .filter_map(|node| node.text())
        .filter(|t| t.ends_with(" min"))
        .collect();
    assert_eq!(values.len(), report.steps.len());
    assert_eq!(values[0], "120 / 1470 min");

    // An empty report still makes valid charts.
    let empty = Monitor::new(Calendar::kazakhstan(), Schedule::standard()).report(&Query::period(
        ts("2025-01-01T00:00:00Z"),
        ts("2025-01-01T00:00:00Z"),
    ));
    let labels = TrendLabels {
        title: String::new(),
        received: String::new(),
        closed_on_time: String::new(),
        closed_late: String::new(),
    };
    roxmltree::Document::parse(&weekly_trend_svg(&empty, &labels)).unwrap();
}
