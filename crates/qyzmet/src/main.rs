//! The `qyzmet` command: thin glue over the library crates.

mod catalog;
mod cmd;

use clap::{Parser, Subcommand};

/// Qyzmet runs Kazakhstan's regulated public services straight from their
/// regulations.
#[derive(Parser)]
#[command(name = "qyzmet", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the regulation catalogue (HTML pages and a JSON API).
    Serve(cmd::serve::ServeArgs),
    /// Check regulation files like source code: every problem with its
    /// file:line:col, a message and a hint.
    Check(cmd::check::CheckArgs),
    /// List every regulation: id, region, act, service, channels, status.
    List(cmd::list::ListArgs),
    /// Show a regulation's general provisions and step tables.
    Show(cmd::show::ShowArgs),
    /// Render a regulation as BPMN 2.0, an SVG swimlane diagram or Mermaid.
    Render(cmd::render::RenderArgs),
    /// Print the JSON Schema of regulation files.
    Schema(cmd::schema::SchemaArgs),
    /// List the days off and transferred working days of a year.
    Calendar(cmd::calendar::CalendarArgs),
    /// Compute a legal deadline on the working calendar.
    Deadline(cmd::deadline::DeadlineArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => cmd::serve::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::List(args) => cmd::list::run(args),
        Command::Show(args) => cmd::show::run(args),
        Command::Render(args) => cmd::render::run(args),
        Command::Schema(args) => cmd::schema::run(args),
        Command::Calendar(args) => cmd::calendar::run(args),
        Command::Deadline(args) => cmd::deadline::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::from(2)
        }
    }
}
