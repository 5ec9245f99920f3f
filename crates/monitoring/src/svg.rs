//! Charts as plain, self-contained SVG (no scripts, fonts or links; every
//! text escaped).

use std::fmt::Write as _;

use crate::report::Report;

/// Texts of the weekly trend chart (the caller translates them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrendLabels {
    pub title: String,
    pub received: String,
    pub closed_on_time: String,
    pub closed_late: String,
}

/// Texts of the slowest-steps chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepLabels {
    pub title: String,
    pub median: String,
    pub p90: String,
    /// The unit after numbers, e.g. `min`.
    pub minutes: String,
}

const RECEIVED: &str = "#4c78a8";
const ON_TIME: &str = "#54a24b";
const LATE: &str = "#e45756";
const FONT: &str = "font-family=\"sans-serif\"";

/// Escapes text for SVG character data and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn open(out: &mut String, width: u32, height: u32, title: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{t}\">\
         <title>{t}</title><rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\
         <text x=\"{x}\" y=\"20\" {FONT} font-size=\"14\" font-weight=\"bold\">{t}</text>",
        t = escape(title),
        x = 10,
    );
}

fn legend(out: &mut String, x: u32, y: u32, items: &[(&str, &str)]) {
    let mut x = x;
    for (color, label) in items {
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{ry}\" width=\"10\" height=\"10\" fill=\"{color}\"/>\
             <text x=\"{tx}\" y=\"{y}\" {FONT} font-size=\"12\">{label}</text>",
            ry = y - 9,
            tx = x + 14,
            label = escape(label),
        );
        x += 24 + 7 * label.chars().count() as u32;
    }
}

/// A chart's maximum rounded up to a nice step for the axis.
fn nice_max(max: u64) -> u64 {
    if max == 0 {
        return 1;
    }
    let mut step = 1u64;
    while step.saturating_mul(10) <= max {
        step = step.saturating_mul(10);
    }
    for factor in [1, 2, 5, 10] {
        let candidate = step.saturating_mul(factor);
        if candidate >= max {
            return candidate;
        }
    }
    max
}

/// Grouped bars per ISO week: received, closed on time, closed late.
pub fn weekly_trend_svg(report: &Report, labels: &TrendLabels) -> String {
    let weeks = &report.weeks;
    let group = 36u32;
    let left = 50u32;
    let top = 50u32;
    let plot_height = 200u32;
    let width = (left + 20 + group * weeks.len().max(1) as u32).max(420);
    let height = top + plot_height + 60;
    let max = weeks
        .iter()
        .map(|w| w.received.max(w.closed_on_time).max(w.closed_late))
        .max()
        .unwrap_or(0);
    let axis_max = nice_max(max);
    let scale = |value: u64| -> u32 {
        ((value as f64 / axis_max as f64) * f64::from(plot_height)).round() as u32
    };
    let mut out = String::new();
    open(&mut out, width, height, &labels.title);
    legend(
        &mut out,
        10,
        38,
        &[
            (RECEIVED, &labels.received),
            (ON_TIME, &labels.closed_on_time),
            (LATE, &labels.closed_late),
        ],
    );
    let base = top + plot_height;
    // Axis and grid.
    for tick in 0..=4u64 {
        let value = axis_max * tick / 4;
        let y = base - scale(value);
        let _ = write!(
            out,
            "<line x1=\"{left}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#dddddd\"/>\
             <text x=\"{tx}\" y=\"{ty}\" {FONT} font-size=\"12\" text-anchor=\"end\">{value}</text>",
            x2 = width - 10,
            tx = left - 4,
            ty = y + 4,
        );
    }
    for (index, week) in weeks.iter().enumerate() {
        let x0 = left + 4 + group * index as u32;
        for (offset, (value, color)) in [
            (week.received, RECEIVED),
            (week.closed_on_time, ON_TIME),
            (week.closed_late, LATE),
        ]
        .into_iter()
        .enumerate()
        {
            let h = scale(value);
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"9\" height=\"{h}\" fill=\"{color}\">\
                 <title>{week}: {value}</title></rect>",
                x = x0 + offset as u32 * 10,
                y = base - h,
                week = escape(&week.week),
            );
        }
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{y}\" {FONT} font-size=\"9\" text-anchor=\"end\" \
             transform=\"rotate(-45 {x} {y})\">{label}</text>",
            x = x0 + 15,
            y = base + 14,
            label = escape(&week.week),
        );
    }
    let _ = write!(
        out,
        "<line x1=\"{left}\" y1=\"{base}\" x2=\"{x2}\" y2=\"{base}\" stroke=\"#333333\"/></svg>",
        x2 = width - 10
    );
    out
}

/// Horizontal bars of the `top` slowest steps (by p90): the median as a
/// dark bar inside the p90 bar, in working minutes.
pub fn slowest_steps_svg(report: &Report, labels: &StepLabels, top: usize) -> String {
    let steps: Vec<_> = report.steps.iter().take(top).collect();
    let label_width = 260u32;
    let bar_width = 360u32;
    let row = 22u32;
    let head = 50u32;
    let width = label_width + bar_width + 90;
    let height = head + row * steps.len().max(1) as u32 + 20;
    let max = steps
        .iter()
        .map(|s| s.p90_minutes)
        .max()
        .unwrap_or(0)
        .max(1);
    let scale =
        |value: u64| -> u32 { ((value as f64 / max as f64) * f64::from(bar_width)).round() as u32 };
    let mut out = String::new();
    open(&mut out, width, height, &labels.title);
    legend(
        &mut out,
        10,
        38,
        &[("#1f4e79", &labels.median), ("#9ecae9", &labels.p90)],
    );
    for (index, step) in steps.iter().enumerate() {
        let y = head + row * index as u32;
        let name = format!("{} · {} · {}", step.service, step.channel, step.step);
        let short: String = if name.chars().count() > 40 {
            let mut cut: String = name.chars().take(39).collect();
            cut.push('…');
            cut
        } else {
            name.clone()
        };
        let _ = write!(
            out,
            "<text x=\"{tx}\" y=\"{ty}\" {FONT} font-size=\"12\" text-anchor=\"end\"><title>{full}</title>{short}</text>\
             <rect x=\"{x}\" y=\"{y}\" width=\"{p90}\" height=\"16\" fill=\"#9ecae9\"/>\
             <rect x=\"{x}\" y=\"{my}\" width=\"{median}\" height=\"8\" fill=\"#1f4e79\"/>\
             <text x=\"{vx}\" y=\"{ty}\" {FONT} font-size=\"12\">{m} / {p} {unit}</text>",
            tx = label_width - 6,
            ty = y + 12,
            full = escape(&name),
            short = escape(&short),
            x = label_width,
            p90 = scale(step.p90_minutes),
            my = y + 4,
            median = scale(step.median_minutes),
            vx = label_width + scale(step.p90_minutes) + 4,
            m = step.median_minutes,
            p = step.p90_minutes,
            unit = escape(&labels.minutes),
        );
    }
    out.push_str("</svg>");
    out
}
