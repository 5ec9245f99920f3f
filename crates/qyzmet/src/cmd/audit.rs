use std::process::ExitCode;

use crate::cmd::runtime_args::RuntimeArgs;

#[derive(clap::Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub runtime: RuntimeArgs,
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Recompute both hash chains (per case and global) over the whole event
    /// log; exit 1 and name each edited, deleted or reordered event.
    Verify,
}

pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let runtime = args.runtime.open()?;
    match args.command {
        AuditCommand::Verify => {
            let report = runtime.store.verify()?;
            outln!("{}", serde_json::to_string_pretty(&report)?);
            if report.is_clean() {
                eprintln!(
                    "audit: {} event(s), both chains intact",
                    report.events_checked
                );
                Ok(ExitCode::SUCCESS)
            } else {
                for problem in &report.problems {
                    eprintln!(
                        "audit: case {} seq {} (global {}): {:?}",
                        problem.case_id, problem.seq, problem.global_seq, problem.kind
                    );
                }
                Ok(ExitCode::from(1))
            }
        }
    }
}
