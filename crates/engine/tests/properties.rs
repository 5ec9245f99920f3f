//! Random command sequences never panic, errors change nothing, and after
//! every command replaying the log gives the state and rebuilding gives the
//! projections.

mod common;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use common::{MemoryStore, actor, load_model};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_engine::{Action, Applicant, ApplicantKind, Case, Command, Context, Provider, execute};
use qyzmet_regulation::ProcessModel;
use serde_json::json;

const REGULATIONS: [&str; 5] = [
    "kyzylorda/2015-141/unemployed-certificate",
    "kyzylorda/2015-141/unemployed-registration",
    "west-kazakhstan/2016-122/targeted-social-assistance",
    "kostanay/2014-268/foreign-labour-permit",
    "karaganda-balkhash/2012-43-01/employment-referral",
];

fn world() -> &'static (Calendar, Vec<ProcessModel>) {
    static WORLD: OnceLock<(Calendar, Vec<ProcessModel>)> = OnceLock::new();
    WORLD.get_or_init(|| {
        let calendar = Calendar::kazakhstan();
        let models = REGULATIONS
            .iter()
            .map(|id| load_model(&calendar, id, &[]))
            .collect();
        (calendar, models)
    })
}

const UNITS: [(&str, &str); 3] = [
    ("provider", "prov"),
    ("service_centre", "sc"),
    ("rural_akimat", "ra"),
];

fn run(model_pick: usize, route_pick: usize, documents: bool, ops: &[(u8, u8, u16, u8)]) {
    let (calendar, models) = world();
    let model = &models[model_pick % models.len()];
    let route = &model.routes[route_pick % model.routes.len()];
    let schedule = Schedule::standard();
    let mut store = MemoryStore::default();
    let mut cases: BTreeMap<String, Case> = BTreeMap::new();
    let mut now: Timestamp = "2025-06-02T09:30:00+05:00".parse().unwrap();
    let legal_entity = model
        .service()
        .recipients
        .iter()
        .all(|r| matches!(r, qyzmet_regulation::model::Recipient::LegalEntities))
        || model.id.contains("foreign-labour");
    let applicant_id = if legal_entity {
        "123450500805"
    } else {
        "850305300103"
    };
    let submit = Command {
        case_id: "p1".into(),
        actor: actor("clerk", &[]),
        idempotency_key: None,
        expected_version: None,
        action: Action::Submit {
            route: route.key.clone(),
            applicant: Applicant {
                id: applicant_id.into(),
                kind: if legal_entity {
                    ApplicantKind::LegalEntity
                } else {
                    ApplicantKind::Individual
                },
                region: "r".into(),
                ..Applicant::default()
            },
            form: if model.form().is_empty() {
                json!({})
            } else {
                json!({"measure": "job_placement"})
            },
            documents: model
                .documents()
                .iter()
                .map(|d| (d.id.clone(), documents))
                .collect(),
            provider: Provider {
                id: "prov".into(),
                region: "r".into(),
                units: UNITS
                    .iter()
                    .map(|(k, v)| ((*k).into(), (*v).into()))
                    .collect(),
            },
            checks: BTreeMap::new(),
            signature: None,
            representative: None,
        },
    };
    let mut commands = vec![submit];
    for &(op, pick, minutes, outcome_pick) in ops {
        now += SignedDuration::from_mins(i64::from(minutes));
        let state = cases.get("p1");
        let tasks: Vec<_> = state
            .map(|case| case.tasks.values().cloned().collect())
            .unwrap_or_default();
        let task = tasks.get(pick as usize % tasks.len().max(1)).cloned();
        let task_id = task
            .as_ref()
            .map(|t| t.task_id.clone())
            .unwrap_or("p1/t1".into());
        let good = task
            .as_ref()
            .map(|t| {
                actor(
                    &format!("u{}", pick % 3),
                    &[(&t.role, &t.unit), ("head", "prov")],
                )
            })
            .unwrap_or_else(|| actor("x", &[]));
        let who = if outcome_pick % 5 == 0 {
            actor("stranger", &[])
        } else {
            good
        };
        let outcome = task.as_ref().and_then(|t| {
            let node = route.node(&t.step)?;
            let outcomes: Vec<_> = route.nodes[node]
                .edges
                .iter()
                .filter_map(|e| e.outcome.clone())
                .collect();
            if outcomes.is_empty() || outcome_pick % 7 == 0 {
                None
            } else {
                Some(outcomes[outcome_pick as usize % outcomes.len()].clone())
            }
        });
        let timer = state
            .and_then(|case| {
                case.timers
                    .keys()
                    .nth(pick as usize % case.timers.len().max(1))
                    .cloned()
            })
            .unwrap_or("p1/timer/1".into());
        let action = match op % 9 {
            0 => Action::Claim { task_id },
            1 => Action::AssignExecutor {
                executor: format!("u{}", pick % 3),
                role: None,
            },
            2..=4 => Action::Complete {
                task_id,
                outcome,
                data: json!({"n": pick}),
            },
            5 => Action::Reassign {
                task_id,
                to: (pick % 2 == 0).then(|| "u1".into()),
            },
            6 => Action::Extend {
                reason: "checks".into(),
            },
            7 => Action::Withdraw { reason: None },
            _ => Action::FireTimer { timer_id: timer },
        };
        commands.push(Command {
            case_id: "p1".into(),
            actor: who,
            idempotency_key: None,
            expected_version: (outcome_pick % 11 == 0).then_some(u64::from(pick)),
            action,
        });
    }
    for (index, command) in commands.iter().enumerate() {
        if index > 0 {
            now += SignedDuration::from_mins(1);
        }
        let ctx = Context {
            now,
            model,
            calendar,
            schedule: &schedule,
            registries: &store.registries,
        };
        let before = cases.get("p1").cloned();
        match execute(before.as_ref(), command, &ctx) {
            Ok(executed) => {
                store.commit(&executed);
                cases.insert("p1".into(), executed.case);
                store.check_rebuild(&cases);
            }
            Err(error) => {
                assert!(!error.code().is_empty());
                assert_eq!(cases.get("p1"), before.as_ref());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_commands_never_panic_and_replay_equals_state(
        model_pick in 0usize..5,
        route_pick in 0usize..16,
        documents in any::<bool>(),
        ops in proptest::collection::vec((any::<u8>(), any::<u8>(), 0u16..3000, any::<u8>()), 0..40),
    ) {
        run(model_pick, route_pick, documents, &ops);
    }
}
