//! Properties of the fold: the report does not depend on how cases'
//! events interleave in the global log, re-reading pages changes nothing,
//! and the totals equal a from-scratch recomputation over each case's
//! events.

mod common;

use common::{CaseLog, number};
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;
use qyzmet_calendar::{Calendar, LegalClock, Schedule};
use qyzmet_monitoring::{Figures, Monitor, Query, StoredEvent};

#[derive(Clone, Debug)]
struct Spec {
    provider: u8,
    service: u8,
    route: u8,
    /// Minutes after the base instant.
    submitted: u32,
    /// Minutes after submission.
    due: Option<u32>,
    extension: Option<u32>,
    /// Minutes spent at each step.
    steps: Vec<u32>,
    /// 0 open, 1 completed, 2 refused, 3 refused_to_accept, 4 withdrawn.
    close: u8,
    /// An appeal about case `about % n` (if the case is an appeal).
    appeal: Option<(u8, bool)>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0u8..3,
        0u8..2,
        0u8..2,
        0u32..60 * 24 * 40,
        proptest::option::of(0u32..60 * 24 * 10),
        proptest::option::of(0u32..60 * 24 * 10),
        proptest::collection::vec(0u32..60 * 24 * 3, 0..4),
        0u8..5,
        proptest::option::weighted(0.2, (any::<u8>(), any::<bool>())),
    )
        .prop_map(
            |(provider, service, route, submitted, due, extension, steps, close, appeal)| Spec {
                provider,
                service,
                route,
                submitted,
                due,
                extension,
                steps,
                close,
                appeal,
            },
        )
}

fn base() -> Timestamp {
    "2025-05-01T03:00:00Z".parse().unwrap()
}

fn at(minutes: u32) -> String {
    base()
        .checked_add((minutes as i64).minutes())
        .unwrap()
        .to_string()
}

fn build(specs: &[Spec]) -> Vec<CaseLog> {
    let n = specs.len();
    specs
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            let id = format!("K{index}");
            let mut log = CaseLog::new(&id);
            let provider = format!("p{}", spec.provider);
            let regulation = format!("reg{}", spec.service);
            let route = ["provider_office", "portal"][spec.route as usize];
            let about = spec
                .appeal
                .map(|(about, _)| format!("K{}", about as usize % n));
            let service = if about.is_some() { "appeal" } else { "svc" };
            let due = spec.due.map(|due| at(spec.submitted + due));
            log.submitted(
                &at(spec.submitted),
                &provider,
                &regulation,
                service,
                route,
                due.as_deref(),
                about.as_deref(),
            );
            let mut now = spec.submitted;
            if let Some(extension) = spec.extension {
                log.extended(
                    &at(now),
                    &at(spec.submitted + spec.due.unwrap_or(0) + extension),
                );
            }
            for (step, minutes) in spec.steps.iter().enumerate() {
                let name = format!("s{step}");
                log.entered(&at(now), &name);
                if step % 2 == 0 {
                    let task = format!("{id}/t{step}");
                    log.task(&at(now), &task, &name, false);
                    now += minutes;
                    log.completed(&at(now), &task);
                } else {
                    now += minutes;
                    log.passed(&at(now), &name);
                }
            }
            now += 1;
            let result = match spec.appeal {
                Some((_, true)) => Some("appeal-upheld"),
                Some((_, false)) => Some("appeal-rejected"),
                None => Some("r"),
            };
            match spec.close {
                1 => {
                    log.closed(&at(now), "completed", result);
                }
                2 => {
                    log.closed(&at(now), "refused", result);
                }
                3 => {
                    log.closed(&at(now), "refused_to_accept", None);
                }
                4 => {
                    log.closed(&at(now), "withdrawn", None);
                }
                _ => {}
            }
            log
        })
        .collect()
}

/// Interleaves the cases' events by random keys, keeping each case's order.
fn interleave(logs: &[CaseLog], keys: &[u64]) -> Vec<StoredEvent> {
    let mut tagged = Vec::new();
    let mut k = 0usize;
    for log in logs {
        let mut mine: Vec<u64> = (0..log.events.len())
            .map(|_| {
                k += 1;
                keys[k % keys.len()].wrapping_mul(k as u64 | 1)
            })
            .collect();
        mine.sort_unstable();
        for (event, key) in log.events.iter().zip(mine) {
            tagged.push((key, event.clone()));
        }
    }
    tagged.sort_by_key(|(key, event)| (*key, event.case_id.clone(), event.seq));
    number(tagged.into_iter().map(|(_, event)| event))
}

fn monitor_of(events: &[StoredEvent]) -> Monitor {
    let mut monitor = Monitor::new(Calendar::kazakhstan(), Schedule::standard());
    monitor.apply_all(events);
    monitor
}

fn query() -> Query {
    Query::period(
        "2025-05-10T00:00:00Z".parse().unwrap(),
        "2025-06-10T00:00:00Z".parse().unwrap(),
    )
}

/// The totals straight from each case's events, without the monitor.
fn recompute(logs: &[CaseLog], query: &Query) -> Figures {
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let clock = LegalClock::new(&calendar, &schedule);
    let period = |t: Timestamp| query.from <= t && t < query.to;
    let mut figures = Figures::default();
    for log in logs {
        let submitted = &log.events[0];
        let mut due: Option<Timestamp> = submitted.payload["due"]
            .as_str()
            .map(|d| d.parse().unwrap());
        let mut close: Option<(Timestamp, String)> = None;
        for event in &log.events {
            match event.kind.as_str() {
                "term_extended" => due = event.payload["due"].as_str().map(|d| d.parse().unwrap()),
                "case_closed" => {
                    close = Some((event.at, event.payload["status"].as_str().unwrap().into()))
                }
                _ => {}
            }
        }
        if period(submitted.at) {
            figures.received += 1;
        }
        match &close {
            Some((closed, status)) if period(*closed) => {
                figures.closed += 1;
                match status.as_str() {
                    "completed" => figures.delivered += 1,
                    "refused" => figures.refused += 1,
                    "refused_to_accept" => figures.refused_to_accept += 1,
                    _ => figures.withdrawn += 1,
                }
                if matches!(status.as_str(), "completed" | "refused") {
                    match due {
                        None => figures.without_term += 1,
                        Some(due) if *closed <= due => figures.on_time += 1,
                        Some(due) => {
                            figures.late += 1;
                            let late = clock.working_minutes_between(due, *closed) as u64;
                            figures.late_minutes_total += late;
                            figures.late_minutes_max = figures.late_minutes_max.max(late);
                        }
                    }
                }
            }
            _ => {}
        }
        let open = close.as_ref().is_none_or(|(closed, _)| *closed >= query.to);
        if submitted.at < query.to && open {
            figures.open_at_end += 1;
            if due.is_some_and(|due| due < query.to) {
                figures.overdue_open += 1;
            }
        }
        // Appeals: against the case they are about (always known here).
        if submitted.payload["service_id"] == "appeal" {
            if period(submitted.at) {
                figures.appealed += 1;
            }
            if let Some((closed, _)) = &close
                && period(*closed)
            {
                let result = log.events.last().unwrap().payload["result"].as_str();
                match result {
                    Some("appeal-upheld") => figures.upheld += 1,
                    Some("appeal-rejected") => figures.appeal_rejected += 1,
                    _ => {}
                }
            }
        }
    }
    figures
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn interleaving_does_not_matter(
        specs in proptest::collection::vec(spec(), 1..25),
        keys in proptest::collection::vec(any::<u64>(), 1..64),
    ) {
        let logs = build(&specs);
        let canonical = number(logs.iter().flat_map(|log| log.events.clone()));
        let shuffled = interleave(&logs, &keys);
        let a = monitor_of(&canonical).report(&query());
        let b = monitor_of(&shuffled).report(&query());
        prop_assert_eq!(a.rows, b.rows);
        prop_assert_eq!(a.steps, b.steps);
        prop_assert_eq!(a.weeks, b.weeks);
        prop_assert_eq!(a.totals, b.totals);
    }

    #[test]
    fn equals_a_recomputation_and_pages_overlap_harmlessly(
        specs in proptest::collection::vec(spec(), 1..25),
        page in 1usize..9,
    ) {
        let logs = build(&specs);
        let events = number(logs.iter().flat_map(|log| log.events.clone()));
        let whole = monitor_of(&events).report(&query());
        prop_assert_eq!(whole.totals, recompute(&logs, &query()));
        // Pages read again from a little before where the last one ended.
        let mut monitor = Monitor::new(Calendar::kazakhstan(), Schedule::standard());
        let mut start = 0usize;
        while start < events.len() {
            let end = (start + page).min(events.len());
            monitor.apply_all(&events[start.saturating_sub(2)..end]);
            start = end;
        }
        prop_assert_eq!(monitor.last_global_seq(), events.len() as u64);
        prop_assert_eq!(monitor.report(&query()), whole);
    }
}
