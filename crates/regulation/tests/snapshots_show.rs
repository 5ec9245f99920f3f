//! Pins, for regulations covering every channel kind, each route's roles,
//! limits and seed lines, as `qyzmet show --format json` prints them. A
//! change to an encoded regulation or to the compiler shows up here as a
//! snapshot diff to review (`cargo insta review`, or `INSTA_UPDATE=always`).

use std::path::Path;

use qyzmet_calendar::Calendar;
use qyzmet_core::Lang;
use serde_json::{Value, json};

const PINNED: [&str; 6] = [
    // provider_office + service_centre + portal
    "kyzylorda/2015-141/unemployed-registration",
    // fully automated portal route
    "kyzylorda/2015-141/unemployed-certificate",
    // rural_akim
    "karaganda-balkhash/2012-43-01/targeted-assistance-certificate",
    // portal with numbered processes and conditions
    "aktobe/2015-278/employment-referral",
    // five process variants, a 20-working-day wait
    "kostanay/2014-268/foreign-labour-permit",
    // terms, waits at the counter, a registry rule
    "west-kazakhstan/2016-122/oralman-status",
];

/// The part of `show --format json` that the seed fixes: per route, the
/// term and every step's role, deadline and seed line.
fn pinned_view(show: &Value) -> Value {
    let routes: Vec<Value> = show["routes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|route| {
            let steps: Vec<Value> = route["steps"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|step| {
                    json!({
                        "id": step["id"],
                        "kind": step["kind"],
                        "role": step["role"],
                        "deadline": step["deadline"],
                        "line": step["source"]["line"],
                    })
                })
                .collect();
            json!({"key": route["key"], "term": route["term"], "steps": steps})
        })
        .collect();
    json!({"id": show["id"], "routes": routes})
}

#[test]
fn pinned_routes_match_the_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../regulations");
    let calendar = Calendar::kazakhstan();
    for id in PINNED {
        let text = std::fs::read_to_string(root.join(format!("{id}.yaml"))).unwrap();
        let checked = qyzmet_regulation::check(&text, &calendar);
        let model = checked
            .model
            .unwrap_or_else(|| panic!("{id} does not compile"));
        let show = qyzmet_regulation::render::json(&model, Lang::Kk);
        insta::assert_json_snapshot!(id.replace('/', "__"), pinned_view(&show));
    }
}
