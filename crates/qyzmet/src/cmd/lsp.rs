use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct LspArgs {
    /// The directory of seed files that hovers quote; by default `seeds/`
    /// and `shared/seeds/` in each file's directory or any directory above.
    #[arg(long, env = "QYZMET_SEEDS")]
    pub seeds: Option<PathBuf>,
    /// Talk over standard input and output (the only transport; accepted
    /// because editors pass it).
    #[arg(long)]
    pub stdio: bool,
}

/// Runs the language server on standard input and output until the editor
/// says `exit` (docs/authoring.md).
pub fn run(args: LspArgs) -> anyhow::Result<ExitCode> {
    qyzmet_lsp::run_stdio(qyzmet_lsp::Options { seeds: args.seeds })
        .map_err(|error| anyhow::anyhow!("language server: {error}"))?;
    Ok(ExitCode::SUCCESS)
}
