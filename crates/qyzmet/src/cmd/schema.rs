use std::process::ExitCode;

#[derive(clap::Args)]
pub struct SchemaArgs {}

/// Prints the JSON Schema of regulation files (generated from the Rust
/// types), for editors: `qyzmet schema > schema/regulation.schema.json`.
pub fn run(_args: SchemaArgs) -> anyhow::Result<ExitCode> {
    outln!(
        "{}",
        serde_json::to_string_pretty(&qyzmet_regulation::json_schema())?
    );
    Ok(ExitCode::SUCCESS)
}
