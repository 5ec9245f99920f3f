pub mod calendar;
pub mod check;
pub mod deadline;
pub mod list;
pub mod render;
pub mod schema;
pub mod serve;
pub mod show;

/// Parses `--lang`.
pub fn parse_lang(text: &str) -> Result<qyzmet_core::Lang, String> {
    qyzmet_core::Lang::parse(text)
        .ok_or_else(|| format!("unknown language `{text}`; use kk, ru or en"))
}
