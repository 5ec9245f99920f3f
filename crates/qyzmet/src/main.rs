//! The `qyzmet` command: thin glue over the library crates.

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
    /// List the days off and transferred working days of a year.
    Calendar(cmd::calendar::CalendarArgs),
    /// Compute a legal deadline on the working calendar.
    Deadline(cmd::deadline::DeadlineArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
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
