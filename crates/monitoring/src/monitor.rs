//! The fold: events → one compact summary per case; summaries → reports.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use qyzmet_calendar::{Calendar, LegalClock, Schedule};
use qyzmet_storage::record::StoredEvent;
use serde::Serialize;
use serde_json::Value;

use crate::report::{Figures, Group, Query, Report, Row, StepRow, WeekRow};
use crate::{APPEAL_REJECTED, APPEAL_SERVICE, APPEAL_UPHELD};

/// The most weeks a report lists (ten years).
const WEEKS_MAX: usize = 530;

/// Interned strings: providers, services, channels and steps are `u32`s in
/// the summaries.
#[derive(Default, Clone, Debug)]
struct Interner {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |name| name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Open,
    Completed,
    Refused,
    RefusedToAccept,
    Withdrawn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AppealResult {
    None,
    Upheld,
    Rejected,
}

/// One finished step visit.
#[derive(Clone, Copy, Debug)]
struct Visit {
    /// Index into `Monitor::step_keys` (service × channel × step).
    key: u32,
    minutes: u32,
    left_at: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timing {
    /// Not closed, or closed otherwise than delivered or refused.
    Untimed,
    WithoutTerm,
    OnTime,
    Late,
}

/// What a case contributes to reports.
#[derive(Clone, Debug)]
struct CaseSummary {
    /// Index into `Monitor::groups` (provider × service × channel).
    group: u32,
    provider: u32,
    service: u32,
    channel: u32,
    submitted_at: Timestamp,
    submitted_week: i32,
    due: Option<Timestamp>,
    closed_at: Option<Timestamp>,
    closed_week: i32,
    outcome: Outcome,
    timing: Timing,
    /// Working minutes past `due` at closing (0 when on time).
    late_minutes: u32,
    /// For an appeal: the case it is about, and how it ended.
    about: Option<Box<str>>,
    appeal_result: AppealResult,
    last_seq: u64,
    visits: Vec<Visit>,
}

/// State needed only while a case is open: step visits under way, the
/// steps of its tasks, and the visit entered last (the engine's
/// `trail.last()`).
#[derive(Clone, Debug, Default)]
struct Live {
    /// (step, entered at, ordinal of the visit).
    open: Vec<(u32, Timestamp, u32)>,
    tasks: HashMap<Box<str>, u32>,
    entered: u32,
    last: Option<(u32, Timestamp, u32)>,
    /// The index in `CaseSummary::visits` of the last entered visit, once
    /// it has ended.
    last_finished: Option<usize>,
}

/// Sizes of what the monitor holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MonitorStats {
    pub cases: u64,
    pub open_cases: u64,
    pub appeals: u64,
    pub step_visits: u64,
    pub events_applied: u64,
    /// Events skipped: already applied, out of order within their case, or
    /// of a case whose `case_submitted` was not seen.
    pub events_skipped: u64,
    pub last_global_seq: u64,
    /// A rough estimate of the heap the summaries use, in bytes.
    pub approx_bytes: u64,
}

/// Folds the event log into per-case summaries and answers reports.
#[derive(Clone, Debug)]
pub struct Monitor {
    calendar: Calendar,
    schedule: Schedule,
    last_global_seq: u64,
    names: Interner,
    cases: Vec<CaseSummary>,
    index: HashMap<Box<str>, u32>,
    live: HashMap<u32, Live>,
    appeals: Vec<u32>,
    groups: Vec<(u32, u32, u32)>,
    group_ids: HashMap<(u32, u32, u32), u32>,
    step_keys: Vec<(u32, u32, u32)>,
    step_ids: HashMap<(u32, u32, u32), u32>,
    applied: u64,
    skipped: u64,
}

fn parse_ts(value: Option<&Value>) -> Option<Timestamp> {
    value?.as_str()?.parse().ok()
}

fn str_of<'a>(payload: &'a Value, key: &str) -> Option<&'a str> {
    payload.get(key)?.as_str()
}

fn saturating_u32(value: i64) -> u32 {
    value.clamp(0, i64::from(u32::MAX)) as u32
}

impl Monitor {
    /// A monitor counting working time on `calendar` in `schedule`'s office
    /// hours (the engine's; `qyzmet_runtime` uses `Schedule::standard()`).
    pub fn new(calendar: Calendar, schedule: Schedule) -> Monitor {
        Monitor {
            calendar,
            schedule,
            last_global_seq: 0,
            names: Interner::default(),
            cases: Vec::new(),
            index: HashMap::new(),
            live: HashMap::new(),
            appeals: Vec::new(),
            groups: Vec::new(),
            group_ids: HashMap::new(),
            step_keys: Vec::new(),
            step_ids: HashMap::new(),
            applied: 0,
            skipped: 0,
        }
    }

    /// The last `global_seq` applied: tail the log from here.
    pub fn last_global_seq(&self) -> u64 {
        self.last_global_seq
    }

    pub fn cases(&self) -> usize {
        self.cases.len()
    }

    pub fn stats(&self) -> MonitorStats {
        let visits: usize = self.cases.iter().map(|case| case.visits.len()).sum();
        let names: usize = self
            .names
            .names
            .iter()
            .map(|name| name.len() * 2 + 40)
            .sum();
        let index: usize = self.index.keys().map(|key| key.len() + 40).sum();
        let approx = self.cases.capacity() * std::mem::size_of::<CaseSummary>()
            + self
                .cases
                .iter()
                .map(|case| case.visits.capacity() * std::mem::size_of::<Visit>())
                .sum::<usize>()
            + names
            + index
            + self.live.len() * 128;
        MonitorStats {
            cases: self.cases.len() as u64,
            open_cases: self
                .cases
                .iter()
                .filter(|case| case.outcome == Outcome::Open)
                .count() as u64,
            appeals: self.appeals.len() as u64,
            step_visits: visits as u64,
            events_applied: self.applied,
            events_skipped: self.skipped,
            last_global_seq: self.last_global_seq,
            approx_bytes: approx as u64,
        }
    }

    fn week_of(&self, at: Timestamp) -> i32 {
        let date = self.schedule.time_zone().to_datetime(at).date();
        let week = date.iso_week_date();
        i32::from(week.year()) * 100 + i32::from(week.week())
    }

    fn minutes(&self, from: Timestamp, to: Timestamp) -> u32 {
        saturating_u32(
            LegalClock::new(&self.calendar, &self.schedule).working_minutes_between(from, to),
        )
    }

    /// Applies every event in order; returns how many were applied.
    pub fn apply_all<'a>(&mut self, events: impl IntoIterator<Item = &'a StoredEvent>) -> u64 {
        let mut applied = 0;
        for event in events {
            if self.apply(event) {
                applied += 1;
            }
        }
        applied
    }

    /// Folds one event. Events at or below the last applied `global_seq`,
    /// at or below their case's last applied `seq`, or of a case whose
    /// `case_submitted` was not seen are skipped (returns `false`), so
    /// re-reading a page of the log changes nothing.
    pub fn apply(&mut self, event: &StoredEvent) -> bool {
        if event.global_seq <= self.last_global_seq && self.last_global_seq > 0 {
            self.skipped += 1;
            return false;
        }
        let applied = self.fold(event);
        self.last_global_seq = self.last_global_seq.max(event.global_seq);
        if applied {
            self.applied += 1;
        } else {
            self.skipped += 1;
        }
        applied
    }

    fn fold(&mut self, event: &StoredEvent) -> bool {
        let payload = &event.payload;
        let at = event.at;
        if event.kind == "case_submitted" {
            if self.index.contains_key(event.case_id.as_str()) {
                return false;
            }
            let service_id = str_of(payload, "service_id").unwrap_or("");
            let is_appeal = service_id == APPEAL_SERVICE;
            let service = if is_appeal {
                APPEAL_SERVICE
            } else {
                str_of(payload, "regulation_id").unwrap_or("")
            };
            let provider = payload
                .get("provider")
                .and_then(|provider| str_of(provider, "id"))
                .unwrap_or("");
            let channel = str_of(payload, "route").unwrap_or("");
            let about = if is_appeal {
                payload
                    .get("form")
                    .and_then(|form| str_of(form, "about_case"))
                    .map(Box::from)
            } else {
                None
            };
            let provider = self.names.intern(provider);
            let service = self.names.intern(service);
            let channel = self.names.intern(channel);
            let triple = (provider, service, channel);
            let group = match self.group_ids.get(&triple) {
                Some(&group) => group,
                None => {
                    let group = self.groups.len() as u32;
                    self.groups.push(triple);
                    self.group_ids.insert(triple, group);
                    group
                }
            };
            let summary = CaseSummary {
                group,
                provider,
                service,
                channel,
                submitted_at: at,
                submitted_week: self.week_of(at),
                due: parse_ts(payload.get("due")),
                closed_at: None,
                closed_week: 0,
                outcome: Outcome::Open,
                timing: Timing::Untimed,
                late_minutes: 0,
                about,
                appeal_result: AppealResult::None,
                last_seq: event.seq,
                visits: Vec::new(),
            };
            let id = self.cases.len() as u32;
            if summary.about.is_some() {
                self.appeals.push(id);
            }
            self.cases.push(summary);
            self.index.insert(event.case_id.as_str().into(), id);
            self.live.insert(id, Live::default());
            return true;
        }
        let Some(&id) = self.index.get(event.case_id.as_str()) else {
            return false;
        };
        if event.seq <= self.cases[id as usize].last_seq {
            return false;
        }
        self.cases[id as usize].last_seq = event.seq;
        match event.kind.as_str() {
            "step_entered" => {
                let Some(step) = str_of(payload, "step") else {
                    return true;
                };
                let step = self.names.intern(step);
                let live = self.live.entry(id).or_default();
                live.entered += 1;
                let visit = (step, at, live.entered);
                live.open.push(visit);
                live.last = Some(visit);
                live.last_finished = None;
            }
            "step_passed" => {
                let with_outcome = payload.get("outcome").is_some_and(|v| !v.is_null());
                if let Some(step) = str_of(payload, "step").and_then(|s| self.names.get(s)) {
                    self.leave(id, step, at, with_outcome);
                }
            }
            "task_created" => {
                let escalation = payload
                    .get("escalation")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let stands_in_for_request = payload.get("check").is_some_and(|v| !v.is_null())
                    && payload.get("about").is_some_and(|v| !v.is_null());
                if escalation || stands_in_for_request {
                    return true;
                }
                if let (Some(task), Some(step)) =
                    (str_of(payload, "task_id"), str_of(payload, "step"))
                {
                    let step = self.names.intern(step);
                    self.live
                        .entry(id)
                        .or_default()
                        .tasks
                        .insert(task.into(), step);
                }
            }
            "task_completed" => {
                let step = str_of(payload, "task_id").and_then(|task| {
                    self.live
                        .get_mut(&id)
                        .and_then(|live| live.tasks.remove(task))
                });
                let with_outcome = payload.get("outcome").is_some_and(|v| !v.is_null());
                if let Some(step) = step {
                    self.leave(id, step, at, with_outcome);
                }
            }
            "term_extended" => {
                if let Some(due) = parse_ts(payload.get("due")) {
                    self.cases[id as usize].due = Some(due);
                }
            }
            "case_closed" => {
                let outcome = match str_of(payload, "status") {
                    Some("completed") => Outcome::Completed,
                    Some("refused") => Outcome::Refused,
                    Some("refused_to_accept") => Outcome::RefusedToAccept,
                    Some("withdrawn") => Outcome::Withdrawn,
                    _ => return true,
                };
                let result = str_of(payload, "result");
                // Closing ends the visit entered last, if it is still open
                // (as the engine's trail does).
                if let Some(live) = self.live.remove(&id)
                    && let Some((step, entered, ordinal)) = live.last
                    && live.open.iter().any(|&(_, _, open)| open == ordinal)
                {
                    self.finish_visit(id, step, entered, at);
                }
                let week = self.week_of(at);
                let late = self.cases[id as usize]
                    .due
                    .filter(|&due| at > due)
                    .map_or(0, |due| self.minutes(due, at));
                let case = &mut self.cases[id as usize];
                case.timing = match (outcome, case.due) {
                    (Outcome::Completed | Outcome::Refused, None) => Timing::WithoutTerm,
                    (Outcome::Completed | Outcome::Refused, Some(due)) if at <= due => {
                        Timing::OnTime
                    }
                    (Outcome::Completed | Outcome::Refused, Some(_)) => Timing::Late,
                    _ => Timing::Untimed,
                };
                case.outcome = outcome;
                case.closed_at = Some(at);
                case.closed_week = week;
                case.late_minutes = late;
                if case.about.is_some() {
                    case.appeal_result = match result {
                        Some(APPEAL_UPHELD) => AppealResult::Upheld,
                        Some(APPEAL_REJECTED) => AppealResult::Rejected,
                        _ => AppealResult::None,
                    };
                }
            }
            "case_reopened" => {
                // An upheld appeal reopened the case: it is open again and
                // will be judged on its next closing.
                let case = &mut self.cases[id as usize];
                case.outcome = Outcome::Open;
                case.timing = Timing::Untimed;
                case.closed_at = None;
                case.closed_week = 0;
                case.late_minutes = 0;
                self.live.entry(id).or_default();
            }
            _ => {}
        }
        true
    }

    /// Ends the latest open visit of `step`. With an outcome and no open
    /// visit of `step`, the visit entered last, if it is of `step` and has
    /// ended, ends here instead: a task that asks state systems is left
    /// when the answer comes (the engine's `leave_step`).
    fn leave(&mut self, id: u32, step: u32, at: Timestamp, with_outcome: bool) {
        let Some(live) = self.live.get_mut(&id) else {
            return;
        };
        if let Some(index) = live.open.iter().rposition(|&(open, _, _)| open == step) {
            let (step, entered, ordinal) = live.open.remove(index);
            let is_last = live.last.is_some_and(|(_, _, last)| last == ordinal);
            let finished = self.finish_visit(id, step, entered, at);
            if is_last && let Some(live) = self.live.get_mut(&id) {
                live.last_finished = Some(finished);
            }
            return;
        }
        if !with_outcome {
            return;
        }
        if let (Some((last_step, entered, _)), Some(finished)) = (live.last, live.last_finished)
            && last_step == step
        {
            let minutes = self.minutes(entered, at);
            if let Some(visit) = self.cases[id as usize].visits.get_mut(finished) {
                visit.minutes = minutes;
                visit.left_at = at;
            }
        }
    }

    /// Records a finished visit; returns its index in the case's visits.
    fn finish_visit(&mut self, id: u32, step: u32, entered: Timestamp, left: Timestamp) -> usize {
        let minutes = self.minutes(entered, left);
        let case = &self.cases[id as usize];
        let triple = (case.service, case.channel, step);
        let key = match self.step_ids.get(&triple) {
            Some(&key) => key,
            None => {
                let key = self.step_keys.len() as u32;
                self.step_keys.push(triple);
                self.step_ids.insert(triple, key);
                key
            }
        };
        let visits = &mut self.cases[id as usize].visits;
        visits.push(Visit {
            key,
            minutes,
            left_at: left,
        });
        visits.len() - 1
    }

    /// The figures for `query`, from the summaries alone.
    pub fn report(&self, query: &Query) -> Report {
        let (from, to) = (query.from, query.to);
        // A filter naming something never seen matches nothing.
        let resolve = |name: &Option<String>| -> Result<Option<u32>, ()> {
            match name {
                None => Ok(None),
                Some(name) => self.names.get(name).map(Some).ok_or(()),
            }
        };
        let filters = (
            resolve(&query.provider),
            resolve(&query.service),
            resolve(&query.channel),
        );
        let mut rows: Vec<Figures> = vec![Figures::default(); self.groups.len()];
        let mut steps: Vec<Vec<u32>> = vec![Vec::new(); self.step_keys.len()];
        let mut weeks: BTreeMap<i32, (u64, u64, u64)> = BTreeMap::new();
        let mut unknown = 0u64;
        if let (Ok(provider), Ok(service), Ok(channel)) = filters {
            let matches = |case: &CaseSummary| {
                provider.is_none_or(|p| p == case.provider)
                    && service.is_none_or(|s| s == case.service)
                    && channel.is_none_or(|c| c == case.channel)
            };
            let in_period = |at: Timestamp| from <= at && at < to;
            for case in &self.cases {
                if !matches(case) {
                    continue;
                }
                let mut figures = Figures::default();
                if in_period(case.submitted_at) {
                    figures.received = 1;
                    weeks.entry(case.submitted_week).or_default().0 += 1;
                }
                if case.closed_at.is_some_and(in_period) {
                    figures.closed = 1;
                    match case.outcome {
                        Outcome::Completed => figures.delivered = 1,
                        Outcome::Refused => figures.refused = 1,
                        Outcome::RefusedToAccept => figures.refused_to_accept = 1,
                        Outcome::Withdrawn => figures.withdrawn = 1,
                        Outcome::Open => {}
                    }
                    match case.timing {
                        Timing::Untimed => {}
                        Timing::WithoutTerm => figures.without_term = 1,
                        Timing::OnTime => {
                            figures.on_time = 1;
                            weeks.entry(case.closed_week).or_default().1 += 1;
                        }
                        Timing::Late => {
                            figures.late = 1;
                            figures.late_minutes_total = u64::from(case.late_minutes);
                            figures.late_minutes_max = u64::from(case.late_minutes);
                            weeks.entry(case.closed_week).or_default().2 += 1;
                        }
                    }
                }
                if case.submitted_at < to && case.closed_at.is_none_or(|at| at >= to) {
                    figures.open_at_end = 1;
                    if case.due.is_some_and(|due| due < to) {
                        figures.overdue_open = 1;
                    }
                }
                if !figures.is_empty() {
                    rows[case.group as usize].merge(&figures);
                }
                for visit in &case.visits {
                    if in_period(visit.left_at) {
                        steps[visit.key as usize].push(visit.minutes);
                    }
                }
            }
            // Appeals count against the case complained about.
            for &appeal in &self.appeals {
                let appeal = &self.cases[appeal as usize];
                let submitted = in_period(appeal.submitted_at);
                let decided = appeal.closed_at.is_some_and(in_period)
                    && appeal.appeal_result != AppealResult::None;
                if !submitted && !decided {
                    continue;
                }
                let Some(original) = appeal
                    .about
                    .as_deref()
                    .and_then(|about| self.index.get(about))
                    .map(|&id| &self.cases[id as usize])
                else {
                    if submitted {
                        unknown += 1;
                    }
                    continue;
                };
                if !matches(original) {
                    continue;
                }
                let mut figures = Figures::default();
                if submitted {
                    figures.appealed = 1;
                }
                if decided {
                    match appeal.appeal_result {
                        AppealResult::Upheld => figures.upheld = 1,
                        AppealResult::Rejected => figures.appeal_rejected = 1,
                        AppealResult::None => {}
                    }
                }
                rows[original.group as usize].merge(&figures);
            }
        }
        self.assemble(query, rows, steps, weeks, unknown)
    }

    fn assemble(
        &self,
        query: &Query,
        rows: Vec<Figures>,
        steps: Vec<Vec<u32>>,
        weeks: BTreeMap<i32, (u64, u64, u64)>,
        unknown: u64,
    ) -> Report {
        let name = |id: u32| self.names.name(id).to_owned();
        let mut totals = Figures::default();
        let mut by_provider: BTreeMap<String, Figures> = BTreeMap::new();
        let mut by_service: BTreeMap<String, Figures> = BTreeMap::new();
        let mut by_channel: BTreeMap<String, Figures> = BTreeMap::new();
        let mut out_rows: Vec<Row> = rows
            .into_iter()
            .zip(&self.groups)
            .filter(|(figures, _)| !figures.is_empty())
            .map(|(figures, &(provider, service, channel))| Row {
                provider: name(provider),
                service: name(service),
                channel: name(channel),
                figures,
            })
            .collect();
        out_rows.sort_by(|a, b| {
            (&a.provider, &a.service, &a.channel).cmp(&(&b.provider, &b.service, &b.channel))
        });
        for row in &out_rows {
            totals.merge(&row.figures);
            by_provider
                .entry(row.provider.clone())
                .or_default()
                .merge(&row.figures);
            by_service
                .entry(row.service.clone())
                .or_default()
                .merge(&row.figures);
            by_channel
                .entry(row.channel.clone())
                .or_default()
                .merge(&row.figures);
        }
        let groups = |map: BTreeMap<String, Figures>| -> Vec<Group> {
            map.into_iter()
                .map(|(key, figures)| Group { key, figures })
                .collect()
        };
        let mut out_steps: Vec<StepRow> = steps
            .into_iter()
            .zip(&self.step_keys)
            .filter(|(minutes, _)| !minutes.is_empty())
            .map(|(mut minutes, &(service, channel, step))| {
                minutes.sort_unstable();
                let rank = |q: f64| -> u64 {
                    let n = minutes.len();
                    let index = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
                    u64::from(minutes[index])
                };
                StepRow {
                    service: name(service),
                    channel: name(channel),
                    step: name(step),
                    visits: minutes.len() as u64,
                    median_minutes: rank(0.5),
                    p90_minutes: rank(0.9),
                    max_minutes: minutes.last().map_or(0, |&m| u64::from(m)),
                    total_minutes: minutes.iter().map(|&m| u64::from(m)).sum(),
                }
            })
            .collect();
        out_steps.sort_by(|a, b| {
            (b.p90_minutes, b.max_minutes, b.median_minutes)
                .cmp(&(a.p90_minutes, a.max_minutes, a.median_minutes))
                .then_with(|| {
                    (&a.service, &a.channel, &a.step).cmp(&(&b.service, &b.channel, &b.step))
                })
        });
        Report {
            query: query.clone(),
            as_of_global_seq: self.last_global_seq,
            totals,
            rows: out_rows,
            by_provider: groups(by_provider),
            by_service: groups(by_service),
            by_channel: groups(by_channel),
            steps: out_steps,
            weeks: self.week_rows(query, &weeks),
            appeals_about_unknown_cases: unknown,
        }
    }

    /// Every ISO week the period touches (at most [`WEEKS_MAX`]), with the
    /// counts of the weeks that have any.
    fn week_rows(&self, query: &Query, counts: &BTreeMap<i32, (u64, u64, u64)>) -> Vec<WeekRow> {
        let mut out = Vec::new();
        if query.to <= query.from {
            return out;
        }
        let zone = self.schedule.time_zone();
        let last = query
            .to
            .checked_sub(jiff::SignedDuration::from_nanos(1))
            .unwrap_or(query.to);
        let mut last_date = zone.to_datetime(last).date();
        let mut date = zone.to_datetime(query.from).date();
        // A period longer than WEEKS_MAX weeks lists the weeks from the
        // first to the last that has any figure.
        let span_weeks = query.to.duration_since(query.from).as_secs() / (7 * 86_400);
        if span_weeks + 2 > WEEKS_MAX as i64 {
            let monday = |key: i32| {
                jiff::civil::ISOWeekDate::new(
                    (key / 100) as i16,
                    (key % 100) as i8,
                    jiff::civil::Weekday::Monday,
                )
                .ok()
                .map(|week| week.date())
            };
            if let (Some(first), Some(end)) = (
                counts.keys().next().copied().and_then(monday),
                counts.keys().next_back().copied().and_then(monday),
            ) {
                date = date.max(first);
                last_date = last_date.min(end);
            }
        }
        let mut seen = std::collections::HashSet::new();
        while out.len() < WEEKS_MAX {
            let week = date.iso_week_date();
            let key = i32::from(week.year()) * 100 + i32::from(week.week());
            if seen.insert(key) {
                let (received, on_time, late) = counts.get(&key).copied().unwrap_or_default();
                out.push(WeekRow {
                    week: format!("{:04}-W{:02}", week.year(), week.week()),
                    received,
                    closed_on_time: on_time,
                    closed_late: late,
                });
            }
            if date >= last_date {
                break;
            }
            let next = date
                .checked_add(jiff::Span::new().days(7))
                .ok()
                .map(|next| next.min(last_date));
            match next {
                Some(next) if next > date => date = next,
                _ => break,
            }
        }
        out
    }

    /// Reads the store's log from [`Monitor::last_global_seq`] on in pages
    /// of `page` events until it is exhausted; returns the events read.
    pub fn catch_up(
        &mut self,
        store: &dyn qyzmet_store::Store,
        page: usize,
    ) -> Result<u64, qyzmet_store::StoreError> {
        let page = page.clamp(1, 10_000);
        let mut read = 0u64;
        loop {
            let events = store.events_since(self.last_global_seq, page)?;
            if events.is_empty() {
                return Ok(read);
            }
            read += events.len() as u64;
            let full = events.len() == page;
            for event in &events {
                self.apply(event);
            }
            if !full {
                return Ok(read);
            }
        }
    }
}
