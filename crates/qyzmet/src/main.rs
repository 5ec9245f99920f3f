//! The `qyzmet` command: thin glue over the library crates.

/// `print!` that ends the program quietly when standard output is a closed
/// pipe (`qyzmet list | head`) instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => { $crate::write_stdout(&format!($($arg)*)) };
}

/// `println!` with the behaviour of [`out!`].
macro_rules! outln {
    ($($arg:tt)*) => { $crate::write_stdout(&format!("{}\n", format_args!($($arg)*))) };
}

mod catalog;
mod cmd;

/// Writes to standard output; a closed pipe exits with status 0, any other
/// write error with status 2.
pub fn write_stdout(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {error}");
        std::process::exit(2);
    }
}

use clap::{Parser, Subcommand};

/// mimalloc instead of glibc's malloc: under `serve`, dozens of blocking-pool
/// threads allocate JSON at once and glibc's arena locks dominated the
/// profile (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Run the web application and the JSON API: portal, State Corporation desk, officers' work lists, supervisor dashboard (see docs/web.md).
    Serve(Box<cmd::serve::ServeArgs>),
    /// Check regulation files like source code: every problem with its
    /// file:line:col, a message and a hint.
    Check(cmd::check::CheckArgs),
    /// List every regulation: id, region, act, service, channels, status.
    List(cmd::list::ListArgs),
    /// Show a regulation's general provisions and step tables.
    Show(cmd::show::ShowArgs),
    /// Render a regulation as BPMN 2.0, an SVG swimlane diagram or Mermaid.
    Render(cmd::render::RenderArgs),
    /// Import a process drawn elsewhere (`import bpmn FILE`) as a regulation
    /// file skeleton (see docs/interop.md).
    Import(cmd::import::ImportArgs),
    /// Print the JSON Schema of regulation files.
    Schema(cmd::schema::SchemaArgs),
    /// Drive cases from the shell: submit, show, tasks, claim, complete, …
    Case(Box<cmd::case::CaseArgs>),
    /// Check the event log's hash chains.
    Audit(cmd::audit::AuditArgs),
    /// Rebuild the projections from the event log.
    Rebuild(cmd::rebuild::RebuildArgs),
    /// Capacity planning: run a regulation's cases in virtual time.
    Simulate(cmd::simulate::SimulateArgs),
    /// A local stand-in for NCALayer: signs through its WebSocket protocol
    /// with a PKCS#12 key (for development and tests).
    Signer(cmd::signer::SignerArgs),
    /// The e-government gateway simulator: SyncChannel v10 for the person
    /// database, notary, labour market, payment centre and regional gateway,
    /// with fault injection (see docs/gateway.md).
    GatewaySim(cmd::gateway_sim::GatewaySimArgs),
    /// Benchmarks that print figures.
    Bench(cmd::bench::BenchArgs),
    /// Test PKI and signature verification (`pki demo`, `pki verify`).
    Pki(cmd::pki::PkiArgs),
    /// List the days off and transferred working days of a year.
    Calendar(cmd::calendar::CalendarArgs),
    /// Compute a legal deadline on the working calendar.
    Deadline(cmd::deadline::DeadlineArgs),
    /// The language server for regulation files: diagnostics as you type,
    /// completion, go-to-definition, hover with the seed line (docs/authoring.md).
    Lsp(cmd::lsp::LspArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => cmd::serve::run(*args),
        Command::Check(args) => cmd::check::run(args),
        Command::List(args) => cmd::list::run(args),
        Command::Show(args) => cmd::show::run(args),
        Command::Render(args) => cmd::render::run(args),
        Command::Import(args) => cmd::import::run(args),
        Command::Schema(args) => cmd::schema::run(args),
        Command::Case(args) => cmd::case::run(*args),
        Command::Audit(args) => cmd::audit::run(args),
        Command::Rebuild(args) => cmd::rebuild::run(args),
        Command::Simulate(args) => cmd::simulate::run(args),
        Command::Signer(args) => cmd::signer::run(args),
        Command::Bench(args) => cmd::bench::run(args),
        Command::GatewaySim(args) => cmd::gateway_sim::run(args),
        Command::Pki(args) => cmd::pki::run(args),
        Command::Calendar(args) => cmd::calendar::run(args),
        Command::Deadline(args) => cmd::deadline::run(args),
        Command::Lsp(args) => cmd::lsp::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::from(2)
        }
    }
}
