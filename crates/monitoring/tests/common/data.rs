//! The hand-written dataset of `tests/dataset.rs` (figures computed by
//! hand there).

use super::CaseLog;
use super::number;

pub const A: &str = "reg/a";
pub const B: &str = "reg/b";
pub const PO: &str = "provider_office";
pub const PORTAL: &str = "portal";

pub fn dataset() -> Vec<CaseLog> {
    let mut logs = Vec::new();
    let case = |id: &str| CaseLog::new(id);

    // C01: on time; s1 09:00 → 11:00 = 120 working minutes, s2 0.
    let mut c = case("C01");
    c.submitted(
        "2025-06-02T04:00:00Z",
        "P1",
        A,
        "svc",
        PO,
        Some("2025-06-05T13:00:00Z"),
        None,
    )
    .entered("2025-06-02T04:00:00Z", "s1")
    .task("2025-06-02T04:00:00Z", "C01/t1", "s1", false)
    .task("2025-06-02T04:00:00Z", "C01/esc", "s1", true)
    .completed("2025-06-02T06:00:00Z", "C01/esc")
    .completed("2025-06-02T06:00:00Z", "C01/t1")
    .entered("2025-06-02T06:00:00Z", "s2")
    .passed("2025-06-02T06:00:00Z", "s2")
    .closed("2025-06-02T06:00:00Z", "completed", Some("issued"));
    logs.push(c);

    // C02: due Thu 5 June 18:00, closed Mon 9 June 10:30: Fri is Kurban
    // Ait, then the weekend: 90 working minutes late. s1 from Tue 10:00:
    // 420 + 480 + 480 + 90 = 1470.
    let mut c = case("C02");
    c.submitted(
        "2025-06-03T05:00:00Z",
        "P1",
        A,
        "svc",
        PO,
        Some("2025-06-05T13:00:00Z"),
        None,
    )
    .entered("2025-06-03T05:00:00Z", "s1")
    .task("2025-06-03T05:00:00Z", "C02/t1", "s1", false)
    .push(
        "2025-06-05T13:00:00Z",
        "case_overdue",
        serde_json::json!({"due": "2025-06-05T13:00:00Z"}),
    )
    .completed("2025-06-09T05:30:00Z", "C02/t1")
    .closed("2025-06-09T05:30:00Z", "completed", Some("issued"));
    logs.push(c);

    // C03: portal; due Mon 12:00, closed Mon 15:00: 60 + 60 = 120 late;
    // s1 09:00 → 15:00 = 240 + 60 = 300.
    let mut c = case("C03");
    c.submitted(
        "2025-06-02T04:00:00Z",
        "P1",
        A,
        "svc",
        PORTAL,
        Some("2025-06-02T07:00:00Z"),
        None,
    )
    .entered("2025-06-02T04:00:00Z", "s1")
    .passed("2025-06-02T10:00:00Z", "s1")
    .closed("2025-06-02T10:00:00Z", "completed", Some("issued"));
    logs.push(c);

    // C04: extended from 3 June to 10 June, closed 9 June: on time.
    let mut c = case("C04");
    c.submitted(
        "2025-06-02T04:00:00Z",
        "P1",
        A,
        "svc",
        PO,
        Some("2025-06-03T13:00:00Z"),
        None,
    )
    .extended("2025-06-03T04:00:00Z", "2025-06-10T13:00:00Z")
    .closed("2025-06-09T05:30:00Z", "completed", Some("issued"));
    logs.push(c);

    // C05: refused in time.
    let mut c = case("C05");
    c.submitted(
        "2025-06-04T04:00:00Z",
        "P2",
        A,
        "svc",
        PO,
        Some("2025-06-10T13:00:00Z"),
        None,
    )
    .push(
        "2025-06-04T06:00:00Z",
        "rule_failed",
        serde_json::json!({"rule": "r1", "step": null, "refusal": "x", "ground": null}),
    )
    .closed("2025-06-04T06:00:00Z", "refused", Some("refusal-x"));
    logs.push(c);

    // C06: not accepted (no term).
    let mut c = case("C06");
    c.submitted("2025-06-04T04:00:00Z", "P2", A, "svc", PO, None, None)
        .closed(
            "2025-06-04T04:30:00Z",
            "refused_to_accept",
            Some("not-accepted"),
        );
    logs.push(c);

    // C07: withdrawn.
    let mut c = case("C07");
    c.submitted(
        "2025-06-05T04:00:00Z",
        "P2",
        B,
        "svc",
        PORTAL,
        Some("2025-06-20T13:00:00Z"),
        None,
    )
    .push(
        "2025-06-05T05:00:00Z",
        "case_withdrawn",
        serde_json::json!({"by": "applicant", "reason": null}),
    )
    .closed("2025-06-05T05:00:00Z", "withdrawn", None);
    logs.push(c);

    // C08: refused, appeal A1 upheld, reopened, delivered on time
    // (s1 after reopening 09:00 → 11:00 = 120).
    let mut c = case("C08");
    c.submitted(
        "2025-06-02T04:00:00Z",
        "P2",
        B,
        "svc",
        PORTAL,
        Some("2025-06-12T13:00:00Z"),
        None,
    )
    .closed("2025-06-03T04:00:00Z", "refused", Some("refusal-y"))
    .reopened("2025-06-11T04:00:00Z", "A1", "s1")
    .entered("2025-06-11T04:00:00Z", "s1")
    .passed("2025-06-11T06:00:00Z", "s1")
    .closed("2025-06-11T06:00:00Z", "completed", Some("issued"));
    logs.push(c);
    let mut a = case("A1");
    a.submitted(
        "2025-06-10T04:00:00Z",
        "AUTH",
        "appeals",
        "appeal",
        PORTAL,
        Some("2025-06-20T13:00:00Z"),
        Some("C08"),
    )
    .closed("2025-06-11T04:00:00Z", "completed", Some("appeal-upheld"));
    logs.push(a);

    // C09: refused on time, appeal A2 rejected.
    let mut c = case("C09");
    c.submitted(
        "2025-06-02T04:00:00Z",
        "P1",
        A,
        "svc",
        PO,
        Some("2025-06-10T13:00:00Z"),
        None,
    )
    .closed("2025-06-03T04:00:00Z", "refused", Some("refusal-x"));
    logs.push(c);
    let mut a = case("A2");
    a.submitted(
        "2025-06-05T04:00:00Z",
        "AUTH",
        "appeals",
        "appeal",
        PORTAL,
        Some("2025-06-20T13:00:00Z"),
        Some("C09"),
    )
    .closed("2025-06-09T04:00:00Z", "refused", Some("appeal-rejected"));
    logs.push(a);

    // C10: open at the end and overdue.
    let mut c = case("C10");
    c.submitted(
        "2025-06-20T04:00:00Z",
        "P1",
        A,
        "svc",
        PO,
        Some("2025-06-25T13:00:00Z"),
        None,
    )
    .entered("2025-06-20T04:00:00Z", "s1");
    logs.push(c);

    // C11: received in May, delivered on time in June.
    let mut c = case("C11");
    c.submitted(
        "2025-05-30T04:00:00Z",
        "P1",
        A,
        "svc",
        PO,
        Some("2025-06-03T13:00:00Z"),
        None,
    )
    .closed("2025-06-02T04:00:00Z", "completed", Some("issued"));
    logs.push(c);

    // C12: after the period: nowhere.
    let mut c = case("C12");
    c.submitted(
        "2025-07-01T04:00:00Z",
        "P2",
        B,
        "svc",
        PO,
        Some("2025-07-03T13:00:00Z"),
        None,
    );
    logs.push(c);

    // A3: an appeal about a case never seen, still open.
    let mut a = case("A3");
    a.submitted(
        "2025-06-15T04:00:00Z",
        "AUTH",
        "appeals",
        "appeal",
        PORTAL,
        Some("2025-07-10T13:00:00Z"),
        Some("C99"),
    );
    logs.push(a);
    logs
}

/// Case by case, in the order written.
pub fn in_order(logs: &[CaseLog]) -> Vec<qyzmet_monitoring::StoredEvent> {
    number(logs.iter().flat_map(|log| log.events.clone()))
}
