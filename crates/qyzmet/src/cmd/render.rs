use std::path::PathBuf;
use std::process::ExitCode;

use qyzmet_calendar::Calendar;
use qyzmet_core::Lang;
use qyzmet_regulation::render;

use crate::catalog;

#[derive(clap::Args)]
pub struct RenderArgs {
    /// Regulation id (see `qyzmet list`) or path to a regulation file.
    pub id: String,
    /// What to draw: BPMN 2.0 XML with diagram layout, an SVG swimlane
    /// flowchart with its legend, or a Mermaid flowchart.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Language of the labels: kk (default), ru or en.
    #[arg(long, default_value = "kk", value_parser = crate::cmd::parse_lang)]
    pub lang: Lang,
    /// Directory of regulation files.
    #[arg(long, default_value = catalog::DEFAULT_DIR)]
    pub dir: PathBuf,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Bpmn,
    Svg,
    Mermaid,
}

pub fn run(args: RenderArgs) -> anyhow::Result<ExitCode> {
    let calendar = Calendar::kazakhstan();
    let entry = catalog::find(&args.id, &args.dir, &calendar)?;
    let model = catalog::model(&entry)?;
    let output = match args.format {
        Format::Bpmn => render::bpmn::render(model, args.lang),
        Format::Svg => render::svg::render(model, args.lang),
        Format::Mermaid => render::mermaid::render(model, args.lang),
    };
    match args.output {
        Some(path) => std::fs::write(&path, output)
            .map_err(|error| anyhow::anyhow!("cannot write {}: {error}", path.display()))?,
        None => out!("{output}"),
    }
    Ok(ExitCode::SUCCESS)
}
