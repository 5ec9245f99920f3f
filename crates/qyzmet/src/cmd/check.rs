use std::path::PathBuf;
use std::process::ExitCode;

use qyzmet_calendar::Calendar;
use qyzmet_regulation::{LocatedDiagnostic, Severity};

use crate::catalog;

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Regulation files or directories (default: regulations/).
    pub paths: Vec<PathBuf>,
    /// Output format: `human` (with source excerpts) or `json` (one array of
    /// diagnostics with file, line, column, severity, code, message, hint).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Treat warnings as errors for the exit status.
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// Exit status: 0 when no errors, 1 when a file has errors (or warnings
/// with `--deny-warnings`), 2 when the command itself failed.
pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(catalog::DEFAULT_DIR)]
    } else {
        args.paths
    };
    let calendar = Calendar::kazakhstan();
    let entries = catalog::load_all(&paths, &calendar)?;
    let mut errors = 0usize;
    let mut warnings = 0usize;
    let mut located = Vec::new();
    for entry in &entries {
        for diagnostic in &entry.checked.diagnostics {
            match diagnostic.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
            }
        }
        match args.format {
            Format::Human => {
                let rendered = qyzmet_regulation::diag::render_human(
                    &entry.display_path(),
                    &entry.text,
                    &entry.checked.diagnostics,
                );
                out!("{rendered}");
            }
            Format::Json => located.extend(entry.checked.diagnostics.iter().map(|diagnostic| {
                LocatedDiagnostic::new(&entry.display_path(), &entry.text, diagnostic)
            })),
        }
    }
    match args.format {
        Format::Human => eprintln!(
            "checked {} file(s): {errors} error(s), {warnings} warning(s)",
            entries.len()
        ),
        Format::Json => outln!("{}", serde_json::to_string_pretty(&located)?),
    }
    let failed = errors > 0 || (args.deny_warnings && warnings > 0);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
