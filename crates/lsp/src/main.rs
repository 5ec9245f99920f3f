//! `qyzmet-lsp [--seeds DIR]`: the language server alone (the same as
//! `qyzmet lsp`), for editors and for this crate's tests.

fn main() -> std::process::ExitCode {
    let mut options = qyzmet_lsp::Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // What vscode-languageclient passes for the stdio transport.
            "--stdio" => {}
            "--seeds" => options.seeds = args.next().map(Into::into),
            _ => {
                eprintln!("usage: qyzmet-lsp [--seeds DIR] [--stdio]");
                return std::process::ExitCode::from(2);
            }
        }
    }
    match qyzmet_lsp::run_stdio(options) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::from(2)
        }
    }
}
