use std::process::ExitCode;

use crate::cmd::runtime_args::RuntimeArgs;

/// Rebuild the projections (case views, work lists, registries, timers) from
/// the event log. Run it with no server writing to the database.
#[derive(clap::Args)]
pub struct RebuildArgs {
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

pub fn run(args: RebuildArgs) -> anyhow::Result<ExitCode> {
    let runtime = args.runtime.open()?;
    let failures = std::cell::RefCell::new(Vec::new());
    let report = runtime
        .store
        .rebuild(&|events| match qyzmet_engine::project_all(events) {
            Ok(ops) => ops,
            Err(error) => {
                let case_id = events
                    .first()
                    .map(|event| event.case_id.clone())
                    .unwrap_or_default();
                failures
                    .borrow_mut()
                    .push(format!("case {case_id}: {error}"));
                Vec::new()
            }
        })?;
    outln!("{}", serde_json::to_string_pretty(&report)?);
    let failures = failures.into_inner();
    for failure in &failures {
        eprintln!("rebuild: {failure}");
    }
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
