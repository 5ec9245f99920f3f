//! `calls`, `manual_check` and `answers` that the engine can run give no
//! diagnostics (the malformed cases in `malformed/` give one each).

use qyzmet_calendar::Calendar;

const VALID: &str = r#"format: qyzmet.regulation/1
id: test/2020-1/sample
seed:
  file: 000_test.txt
  lines: [10, 90]
act:
  region: test
  issuer: {kk: Әкімдік}
  title: {kk: Регламентті бекіту туралы}
  number: "1"
  date: 2020-01-10
  in_force: {days_after_publication: 10, source: {line: 5}}
  source: {line: 10}
service:
  id: sample
  title: {kk: Анықтама беру}
  provider: {kk: Бөлім}
  recipients: [individuals]
  fee: {free: true}
  forms: [paper]
  results:
    - {id: certificate, kind: certificate, title: {kk: анықтама}, delivery: [paper], source: {line: 12}}
  refusals:
    - {id: refusal, kind: motivated_refusal, title: {kk: дәлелді бас тарту}, source: {line: 13}}
  source: {line: 11}
roles:
  - {id: clerk, org: provider, title: {kk: маман}}
  - {id: gateway, org: information_system, title: {kk: ЭҮШ}}
routes:
  - channel: provider_office
    start: s1
    steps:
      - id: s1
        kind: auto
        role: gateway
        action: {kk: ЖТ МДҚ-ға сұрау жібереді}
        calls: [person_database, notary]
        manual_check: clerk
        next: s2
        source: {line: 31}
      - id: s2
        kind: decision
        role: gateway
        action: {kk: мәліметтердің бар болуын тексереді}
        outcomes:
          - {id: found, label: {kk: бар}, next: done, answers: [found]}
          - {id: missing, label: {kk: жоқ}, next: refused, answers: [not_found, revoked, expired, refused]}
        source: {line: 32}
      - {id: done, kind: end, result: certificate, source: {line: 33}}
      - {id: refused, kind: end, result: refusal, source: {line: 33}}
"#;

fn codes(text: &str) -> Vec<&'static str> {
    qyzmet_regulation::check(text, &Calendar::kazakhstan())
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic.code)
        .collect()
}

#[test]
fn a_call_and_a_decision_covering_every_answer_are_clean() {
    let checked = qyzmet_regulation::check(VALID, &Calendar::kazakhstan());
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    assert!(checked.model.is_some());
}

#[test]
fn a_call_without_a_decision_after_it_is_clean() {
    // Only the positive answer goes on; any other opens the manual check.
    let text = VALID.replace("next: s2\n", "next: done\n");
    let text = text.split("      - id: s2").next().unwrap().to_owned()
        + "      - {id: done, kind: end, result: certificate, source: {line: 33}}\n";
    assert_eq!(codes(&text), Vec::<&str>::new());
}

#[test]
fn a_task_may_call_and_a_staff_role_of_any_org_may_check() {
    let text = VALID
        .replace("kind: auto\n        role: gateway", "role: clerk")
        .replace("org: provider", "org: service_centre");
    assert_eq!(codes(&text), Vec::<&str>::new());
}

#[test]
fn a_decision_entered_from_a_second_step_that_calls_nothing_is_an_error() {
    let text = VALID.replace(
        "      - id: s2\n",
        "      - {id: s1b, role: clerk, action: {kk: қайта тексереді}, next: s2, source: {line: 31}}\n      - id: s2\n",
    ).replace("next: refused, answers: [not_found", "next: s1b, answers: [not_found");
    assert!(
        codes(&text).contains(&"answers-without-calls"),
        "{:?}",
        codes(&text)
    );
}
