//! A runtime on a SQLite file and the Kyzylorda unemployed registration
//! filed at the provider's office: what the runtime tests start from.

use jiff::Timestamp;
use qyzmet_calendar::Calendar;
use qyzmet_engine::{Action, Actor, Applicant, Case, Command, Provider};
use qyzmet_runtime::{Catalog, Runtime};

pub const REGULATION: &str = "kyzylorda/2015-141/unemployed-registration";
/// The applicant (a valid IIN).
pub const APPLICANT: &str = "900101300037";

/// A runtime over the repository's regulations and a store at `path`.
pub fn runtime(path: &std::path::Path) -> Runtime {
    let calendar = Calendar::kazakhstan();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../regulations");
    let catalog = Catalog::from_dir(&root, &calendar).unwrap();
    let store = qyzmet_store::open(path.to_str().unwrap()).unwrap();
    Runtime::new(store, catalog, calendar)
}

/// Files case `case_id` at provider `p1`'s office at `at`.
pub fn submit(runtime: &Runtime, case_id: &str, at: Timestamp) -> Case {
    let model = &runtime.catalog.by_id(REGULATION).unwrap().model;
    let command = Command {
        case_id: case_id.into(),
        actor: Actor {
            user_id: "applicant".into(),
            grants: vec![],
        },
        idempotency_key: None,
        expected_version: None,
        action: Action::Submit {
            route: "provider_office".into(),
            applicant: Applicant {
                id: APPLICANT.into(),
                region: "kyzylorda".into(),
                ..Applicant::default()
            },
            form: serde_json::json!({}),
            documents: Default::default(),
            provider: Provider {
                id: "p1".into(),
                region: "kyzylorda".into(),
                units: qyzmet_runtime::default_units(model, "p1"),
            },
            checks: Default::default(),
            signature: None,
            representative: None,
        },
    };
    runtime.run(&command, Some(REGULATION), at).unwrap().case
}
