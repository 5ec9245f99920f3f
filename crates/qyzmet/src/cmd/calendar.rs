use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CalendarArgs {
    /// The year, e.g. 2024.
    pub year: i16,
}

pub fn run(_args: CalendarArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
