//! What a case looks like to people: titles from the regulation, local
//! times, time left in working time. Shared by the API and the pages.
//!
//! The views are typed (`Serialize + ToSchema`): the JSON API returns them
//! and the OpenAPI document describes them from the same structs; the
//! templates read the same fields.

use jiff::Timestamp;
use qyzmet_calendar::{LegalClock, Schedule};
use qyzmet_core::Lang;
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::model::Step;
use qyzmet_runtime::Runtime;
use qyzmet_storage::record::CaseStatus;

use crate::i18n::{t, text};

mod case;
mod gateway;
mod replies;
mod task;

pub use case::{
    AttachmentView, CaseDetail, CaseTask, CaseView, DocumentView, FormEntry, HistoryEntry,
    OutcomeView, SignatureView, TimelineEntry, case_view,
};
pub use gateway::{
    ExchangeView, GatewayDown, GatewayError, GatewayHealth, PersonReply, PersonView, PowerReply,
    PowerView, ReconciliationView, RequestView, SystemHealth, answer_text, request_status_text,
    unobtainable,
};
pub use replies::*;
pub use task::{TaskView, task_view};

/// A task id as one URL path segment (task ids hold a `/`).
pub fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Office hours of providers without their own (built once: looking a time
/// zone up costs more than the rest of a work-list row).
static STANDARD: std::sync::LazyLock<Schedule> = std::sync::LazyLock::new(Schedule::standard);

pub fn schedule_for<'a>(runtime: &'a Runtime, provider_id: &str) -> &'a Schedule {
    runtime.schedules.get(provider_id).unwrap_or(&STANDARD)
}

/// `2026-11-30 14:05` in the provider's time zone.
pub fn local_time(at: Timestamp, schedule: &Schedule) -> String {
    at.to_zoned_datetime(schedule.time_zone().clone())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

pub fn step<'a>(model: &'a ProcessModel, route: &str, step_id: &str) -> Option<&'a Step> {
    model.step(route, step_id)
}

pub fn step_action(model: &ProcessModel, route: &str, step_id: &str, lang: Lang) -> String {
    step(model, route, step_id)
        .and_then(|step| step.action.as_ref())
        .map(|action| action.get(lang).to_owned())
        .unwrap_or_else(|| step_id.to_owned())
}

/// Working time left until `due` (negative: overdue), in words.
pub fn time_left(
    runtime: &Runtime,
    schedule: &Schedule,
    now: Timestamp,
    due: Timestamp,
    lang: Lang,
) -> (String, bool) {
    let clock = LegalClock::new(&runtime.calendar, schedule);
    let overdue = clock.is_overdue(due, now);
    let minutes = if overdue {
        clock.working_minutes_between(due, now)
    } else {
        clock.working_minutes_between(now, due)
    };
    let amount = duration_words(minutes, schedule, lang);
    let words = if overdue {
        format!("{} {amount}", t(lang, "time.overdue_by"))
    } else {
        format!("{amount} {}", t(lang, "time.left"))
    };
    (words, overdue)
}

/// Working minutes in words: `2 working days 3 h`, `45 min`.
pub fn duration_words(minutes: i64, schedule: &Schedule, lang: Lang) -> String {
    let per_day = i64::from((schedule.day_seconds() / 60).max(1));
    let (days, rest) = (minutes / per_day, minutes % per_day);
    let (hours, minutes) = (rest / 60, rest % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} {}", t(lang, "time.working_days")));
    }
    if hours > 0 {
        parts.push(format!("{hours} {}", t(lang, "time.hours")));
    }
    if days == 0 && (minutes > 0 || hours == 0) {
        parts.push(format!("{minutes} {}", t(lang, "time.minutes")));
    }
    parts.join(" ")
}

pub fn status_text(status: CaseStatus, lang: Lang) -> String {
    let key = serde_json::to_value(status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default();
    text(lang, &format!("status.{key}")).unwrap_or(key)
}

pub(crate) fn status_key(status: CaseStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The explanation of a signature check's result for people, in `lang`.
pub fn signature_text(signature: &qyzmet_engine::RequestSignature, lang: Lang) -> String {
    match &signature.failure {
        None => crate::i18n::t(lang, "signature.confirmed").to_owned(),
        Some(code) => format!(
            "{} {}",
            crate::i18n::t(lang, "signature.not_confirmed"),
            crate::i18n::t(lang, &crate::i18n::failure_key(code))
        ),
    }
}
