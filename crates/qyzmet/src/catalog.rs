//! Finding and loading regulation files from disk for the CLI.

use std::path::{Path, PathBuf};

use anyhow::Context;
use qyzmet_calendar::Calendar;
use qyzmet_regulation::{Checked, Diagnostic, MAX_FILE_BYTES};

/// The default directory of regulation files.
pub const DEFAULT_DIR: &str = "regulations";

/// The most files one run reads; a bound, not a limit anyone should reach.
const MAX_FILES: usize = 100_000;

/// One regulation file read from disk and checked.
pub struct Entry {
    pub path: PathBuf,
    pub text: String,
    pub checked: Checked,
}

impl Entry {
    pub fn display_path(&self) -> String {
        self.path.display().to_string()
    }
}

/// All `.yaml`/`.yml` files under `paths` (files are taken as given),
/// sorted for a stable order.
pub fn collect(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let metadata =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?
        {
            let entry = entry?;
            let path = entry.path();
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                stack.push(path);
            } else if file_type.is_file()
                && matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml")
                )
            {
                files.push(path);
                anyhow::ensure!(
                    files.len() <= MAX_FILES,
                    "more than {MAX_FILES} regulation files under {}",
                    dir.display()
                );
            }
        }
    }
    Ok(())
}

/// Reads and checks one file. A file that cannot be read as UTF-8 text is a
/// diagnostic, not a crash.
pub fn load(path: &Path, calendar: &Calendar) -> anyhow::Result<Entry> {
    let metadata =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    anyhow::ensure!(
        metadata.len() <= MAX_FILE_BYTES as u64,
        "{} is larger than {} MiB",
        path.display(),
        MAX_FILE_BYTES / 1024 / 1024
    );
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (text, checked) = match String::from_utf8(bytes) {
        Ok(text) => {
            let checked = qyzmet_regulation::check(&text, calendar);
            (text, checked)
        }
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let diagnostic = Diagnostic::error(
                "not-utf8",
                qyzmet_regulation::Span::new(offset, offset + 1),
                "the file is not UTF-8 text",
            )
            .with_hint("save the file as UTF-8");
            (
                text,
                Checked {
                    model: None,
                    diagnostics: vec![diagnostic],
                },
            )
        }
    };
    Ok(Entry {
        path: path.to_path_buf(),
        text,
        checked,
    })
}

pub fn load_all(paths: &[PathBuf], calendar: &Calendar) -> anyhow::Result<Vec<Entry>> {
    collect(paths)?
        .iter()
        .map(|path| load(path, calendar))
        .collect()
}

/// Finds a regulation by id (or by path) among the files under `dir`.
pub fn find(id_or_path: &str, dir: &Path, calendar: &Calendar) -> anyhow::Result<Entry> {
    let as_path = Path::new(id_or_path);
    if as_path.is_file() {
        return load(as_path, calendar);
    }
    let candidate = dir.join(format!("{id_or_path}.yaml"));
    if candidate.is_file() {
        return load(&candidate, calendar);
    }
    for entry in load_all(&[dir.to_path_buf()], calendar)? {
        if entry
            .checked
            .model
            .as_ref()
            .is_some_and(|model| model.id == id_or_path)
        {
            return Ok(entry);
        }
    }
    anyhow::bail!(
        "no regulation `{id_or_path}` under {}; `qyzmet list` shows the ids",
        dir.display()
    )
}

/// The model of an entry, or an error listing its diagnostics.
pub fn model(entry: &Entry) -> anyhow::Result<&qyzmet_regulation::ProcessModel> {
    entry.checked.model.as_ref().with_context(|| {
        let rendered = qyzmet_regulation::diag::render_human(
            &entry.display_path(),
            &entry.text,
            &entry.checked.diagnostics,
        );
        format!(
            "{} has errors; fix them first:\n{rendered}",
            entry.display_path()
        )
    })
}
