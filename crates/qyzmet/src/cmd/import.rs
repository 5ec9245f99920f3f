use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use qyzmet_calendar::Calendar;
use qyzmet_regulation::import::bpmn::{self, Options};
use qyzmet_regulation::{LocatedDiagnostic, Severity};

#[derive(clap::Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub what: What,
}

#[derive(clap::Subcommand)]
pub enum What {
    /// Turn a BPMN 2.0 process (Camunda Modeler, bpmn.io, or `qyzmet render
    /// --format bpmn`) into a regulation file skeleton that `qyzmet check`
    /// accepts.
    ///
    /// Lanes become roles, tasks steps (user/manual tasks `task`, service and
    /// script tasks `auto`), exclusive gateways decisions whose outcomes are
    /// the outgoing flows (ids from `outcome == "ID"` conditions, else from
    /// the flows' names), timer boundary events limits (ISO 8601: PT30M,
    /// PT2H, P3D, P1M; days are read as calendar days unless the timer's
    /// documentation says working days), an interrupting timer with a flow
    /// a wait's timeout, end events results or refusals. What BPMN cannot
    /// give (the act, the seed, the legal texts) is a valid placeholder
    /// marked `TODO(import)`.
    ///
    /// Diagnostics go to standard error as file:line:col with a code and a
    /// hint (docs/interop.md, section "Import", lists them). Errors (parallel
    /// gateways, sub-processes, several unnamed pools, loops with no way
    /// out, …) give no skeleton and exit with status 1; warnings (message
    /// flows, missing names, days read as calendar days, …) do not.
    Bpmn(BpmnArgs),
}

#[derive(clap::Args)]
pub struct BpmnArgs {
    /// The BPMN 2.0 XML file.
    pub file: PathBuf,
    /// Write the skeleton to this file instead of standard output.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// The regulation id to give the skeleton (`region/year-act/service`);
    /// by default the id the BPMN names, else a placeholder.
    #[arg(long)]
    pub id: Option<String>,
    /// Diagnostics as `human` (with source excerpts) or `json` (an array of
    /// file, line, column, severity, code, message, hint).
    #[arg(long, value_enum, default_value_t = crate::cmd::check::Format::Human)]
    pub format: crate::cmd::check::Format,
}

/// Exit status: 0 when the skeleton was written (perhaps with warnings), 1
/// when the BPMN has errors, 2 when the command itself failed.
pub fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let What::Bpmn(args) = args.what;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", args.file.display()))?;
    let display = args.file.display().to_string();
    let options = Options {
        id: args.id,
        source_name: Some(
            args.file
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_else(|| display.clone()),
        ),
    };
    let imported = bpmn::import(&text, &options, &Calendar::kazakhstan());
    match args.format {
        crate::cmd::check::Format::Human => {
            eprint!(
                "{}",
                qyzmet_regulation::diag::render_human(&display, &text, &imported.diagnostics)
            );
        }
        crate::cmd::check::Format::Json => {
            let located: Vec<LocatedDiagnostic> = imported
                .diagnostics
                .iter()
                .map(|diagnostic| LocatedDiagnostic::new(&display, &text, diagnostic))
                .collect();
            eprintln!("{}", serde_json::to_string_pretty(&located)?);
        }
    }
    let errors = imported
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = imported.diagnostics.len() - errors;
    let Some(yaml) = imported.yaml else {
        eprintln!("{display}: {errors} error(s), {warnings} warning(s); no skeleton written");
        return Ok(ExitCode::from(1));
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &yaml)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "{display}: {warnings} warning(s); skeleton written to {}",
                path.display()
            );
        }
        None => {
            out!("{yaml}");
            eprintln!("{display}: {warnings} warning(s)");
        }
    }
    Ok(ExitCode::SUCCESS)
}
