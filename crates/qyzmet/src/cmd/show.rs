use std::path::PathBuf;
use std::process::ExitCode;

use qyzmet_calendar::Calendar;
use qyzmet_core::Lang;
use qyzmet_regulation::render;

use crate::catalog;

#[derive(clap::Args)]
pub struct ShowArgs {
    /// Regulation id (see `qyzmet list`) or path to a regulation file.
    pub id: String,
    /// Language: kk (default), ru or en.
    #[arg(long, default_value = "kk", value_parser = crate::cmd::parse_lang)]
    pub lang: Lang,
    /// Output format: Markdown, a standalone HTML page, or the stable JSON
    /// described in docs/regulation-format.md.
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    /// Directory of regulation files.
    #[arg(long, default_value = catalog::DEFAULT_DIR)]
    pub dir: PathBuf,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Md,
    Html,
    Json,
}

pub fn run(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let calendar = Calendar::kazakhstan();
    let entry = catalog::find(&args.id, &args.dir, &calendar)?;
    let model = catalog::model(&entry)?;
    match args.format {
        Format::Md => out!("{}", render::markdown(model, args.lang)),
        Format::Html => out!("{}", render::html(model, args.lang)),
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&render::json(model, args.lang))?
        ),
    }
    Ok(ExitCode::SUCCESS)
}
