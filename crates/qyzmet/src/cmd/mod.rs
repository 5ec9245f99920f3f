pub mod audit;
pub mod bench;
pub mod bench_gateway;
pub mod calendar;
pub mod case;
pub mod check;
pub mod deadline;
pub mod gateway_sim;
pub mod import;
pub mod list;
pub mod lsp;
pub mod pki;
pub mod rebuild;
pub mod render;
pub mod runtime_args;
pub mod schema;
pub mod serve;
pub mod show;
pub mod signer;
pub mod simulate;

/// Parses `--lang`.
pub fn parse_lang(text: &str) -> Result<qyzmet_core::Lang, String> {
    qyzmet_core::Lang::parse(text)
        .ok_or_else(|| format!("unknown language `{text}`; use kk, ru or en"))
}
