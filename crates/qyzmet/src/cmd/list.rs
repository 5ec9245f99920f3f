use std::path::PathBuf;
use std::process::ExitCode;

use qyzmet_calendar::Calendar;
use qyzmet_core::Lang;
use serde_json::json;

use crate::catalog;

#[derive(clap::Args)]
pub struct ListArgs {
    /// Directory of regulation files.
    #[arg(long, default_value = catalog::DEFAULT_DIR)]
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Language of titles.
    #[arg(long, default_value = "kk", value_parser = crate::cmd::parse_lang)]
    pub lang: Lang,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(args: ListArgs) -> anyhow::Result<ExitCode> {
    let calendar = Calendar::kazakhstan();
    let entries = catalog::load_all(std::slice::from_ref(&args.dir), &calendar)?;
    let mut rows = Vec::new();
    let mut broken = 0usize;
    for entry in &entries {
        let Some(model) = &entry.checked.model else {
            broken += 1;
            eprintln!(
                "{}: has errors (run `qyzmet check {}`)",
                entry.display_path(),
                entry.display_path()
            );
            continue;
        };
        let channels: Vec<String> = {
            let mut keys: Vec<String> = model
                .routes()
                .iter()
                .map(|route| route.key.clone())
                .collect();
            keys.dedup();
            keys
        };
        let repealed = model
            .act()
            .repealed
            .as_ref()
            .map(|repeal| repeal.on.unwrap_or(repeal.by.date).to_string());
        rows.push(json!({
            "id": model.id,
            "region": model.act().region,
            "act": {"number": model.act().number, "date": model.act().date.to_string()},
            "service": model.service().id,
            "title": model.service().title.get(args.lang),
            "channels": channels,
            "in_force_from": model.act().in_force.from.map(|date| date.to_string()),
            "repealed_on": repealed,
            "status": if repealed.is_some() { "repealed" } else { "in_force" },
            "hash": model.hash,
        }));
    }
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Text => {
            for row in &rows {
                let status = match row["repealed_on"].as_str() {
                    Some(date) => format!("repealed {date}"),
                    None => "in force".into(),
                };
                outln!(
                    "{:<58} {:<20} № {:<6} {} [{}] — {}",
                    row["id"].as_str().unwrap_or_default(),
                    row["region"].as_str().unwrap_or_default(),
                    row["act"]["number"].as_str().unwrap_or_default(),
                    row["act"]["date"].as_str().unwrap_or_default(),
                    row["channels"]
                        .as_array()
                        .map(|c| c
                            .iter()
                            .filter_map(|v| v.as_str())
                            .collect::<Vec<_>>()
                            .join(", "))
                        .unwrap_or_default(),
                    status
                );
                outln!("    {}", row["title"].as_str().unwrap_or_default());
            }
        }
    }
    Ok(if broken > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
