use std::process::ExitCode;

#[derive(clap::Args)]
pub struct DeadlineArgs {
    /// Start instant, RFC 3339.
    #[arg(long)]
    pub from: String,
}

pub fn run(_args: DeadlineArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
