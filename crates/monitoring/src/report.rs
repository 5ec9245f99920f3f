//! The report: what the API returns as JSON and the exports write.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What to report on: the half-open period `[from, to)` and optional
/// filters (`None` = any). `service` is a regulation id, or `appeal` for
/// appeal cases; `channel` is a route (`channel` or `channel/variant`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    pub from: Timestamp,
    pub to: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

impl Query {
    /// The whole period, no filters.
    pub fn period(from: Timestamp, to: Timestamp) -> Query {
        Query {
            from,
            to,
            provider: None,
            service: None,
            channel: None,
        }
    }

    pub fn provider(mut self, provider: impl Into<String>) -> Query {
        self.provider = Some(provider.into());
        self
    }

    pub fn service(mut self, service: impl Into<String>) -> Query {
        self.service = Some(service.into());
        self
    }

    pub fn channel(mut self, channel: impl Into<String>) -> Query {
        self.channel = Some(channel.into());
        self
    }
}

/// The figures of one group of cases over the period (definitions in
/// `docs/monitoring.md`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Cases submitted in the period.
    pub received: u64,
    /// Cases closed in the period (any final status).
    pub closed: u64,
    /// Closed in the period with a positive result (`completed`).
    pub delivered: u64,
    /// Closed in the period with a motivated refusal (`refused`).
    pub refused: u64,
    /// Closed in the period as not accepted (`refused_to_accept`).
    pub refused_to_accept: u64,
    /// Closed in the period as withdrawn by the applicant.
    pub withdrawn: u64,
    /// Delivered or refused in the period, at or before the due instant
    /// (after extensions).
    pub on_time: u64,
    /// Delivered or refused in the period after the due instant.
    pub late: u64,
    /// Delivered or refused in the period with no due instant (no term).
    pub without_term: u64,
    /// Working minutes past the due instant, summed over `late` cases.
    pub late_minutes_total: u64,
    /// The most working minutes one `late` case was past its due instant.
    pub late_minutes_max: u64,
    /// Appeals submitted in the period about cases of this group.
    pub appealed: u64,
    /// Appeals about cases of this group upheld in the period.
    pub upheld: u64,
    /// Appeals about cases of this group rejected in the period.
    pub appeal_rejected: u64,
    /// Submitted before the end of the period and not closed by then.
    pub open_at_end: u64,
    /// Of `open_at_end`, those whose due instant is before the end.
    pub overdue_open: u64,
}

impl Figures {
    /// Adds `other` into `self` (sums; the maximum for `late_minutes_max`).
    pub fn merge(&mut self, other: &Figures) {
        self.received += other.received;
        self.closed += other.closed;
        self.delivered += other.delivered;
        self.refused += other.refused;
        self.refused_to_accept += other.refused_to_accept;
        self.withdrawn += other.withdrawn;
        self.on_time += other.on_time;
        self.late += other.late;
        self.without_term += other.without_term;
        self.late_minutes_total += other.late_minutes_total;
        self.late_minutes_max = self.late_minutes_max.max(other.late_minutes_max);
        self.appealed += other.appealed;
        self.upheld += other.upheld;
        self.appeal_rejected += other.appeal_rejected;
        self.open_at_end += other.open_at_end;
        self.overdue_open += other.overdue_open;
    }

    pub fn is_empty(&self) -> bool {
        *self == Figures::default()
    }

    /// The share of timed closings that were on time, when there were any.
    pub fn on_time_share(&self) -> Option<f64> {
        let timed = self.on_time + self.late;
        (timed > 0).then(|| self.on_time as f64 / timed as f64)
    }

    /// The figures in column order, with their stable field names.
    pub fn columns(&self) -> [(&'static str, u64); 16] {
        [
            ("received", self.received),
            ("closed", self.closed),
            ("delivered", self.delivered),
            ("refused", self.refused),
            ("refused_to_accept", self.refused_to_accept),
            ("withdrawn", self.withdrawn),
            ("on_time", self.on_time),
            ("late", self.late),
            ("without_term", self.without_term),
            ("late_minutes_total", self.late_minutes_total),
            ("late_minutes_max", self.late_minutes_max),
            ("appealed", self.appealed),
            ("upheld", self.upheld),
            ("appeal_rejected", self.appeal_rejected),
            ("open_at_end", self.open_at_end),
            ("overdue_open", self.overdue_open),
        ]
    }
}

/// The figures of one provider × service × channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub provider: String,
    pub service: String,
    pub channel: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The figures rolled up by one dimension.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub key: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Working minutes spent at one step (service × channel × step), over the
/// visits that left it in the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRow {
    pub service: String,
    pub channel: String,
    pub step: String,
    pub visits: u64,
    /// Nearest-rank percentiles of working minutes from `step_entered` to
    /// leaving the step.
    pub median_minutes: u64,
    pub p90_minutes: u64,
    pub max_minutes: u64,
    pub total_minutes: u64,
}

/// One ISO week (in the schedule's time zone) of the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekRow {
    /// `2024-W14`.
    pub week: String,
    pub received: u64,
    pub closed_on_time: u64,
    pub closed_late: u64,
}

/// Everything one query answers. Rows are sorted by provider, service,
/// channel; groups by key; steps slowest first (p90, then max, then
/// median, then key); weeks in time order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub query: Query,
    /// The last event (global sequence number) the figures include.
    pub as_of_global_seq: u64,
    pub totals: Figures,
    pub rows: Vec<Row>,
    pub by_provider: Vec<Group>,
    pub by_service: Vec<Group>,
    pub by_channel: Vec<Group>,
    pub steps: Vec<StepRow>,
    pub weeks: Vec<WeekRow>,
    /// Appeals in the period about a case the monitor has not seen (not
    /// counted in any row's `appealed`/`upheld`).
    pub appeals_about_unknown_cases: u64,
}
