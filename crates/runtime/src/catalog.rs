//! The regulations a process knows: compiled from a directory, or from the
//! copy bundled into the binary.

use std::path::Path;

use qyzmet_calendar::Calendar;
use qyzmet_regulation::ProcessModel;

/// The regulations compiled into the binary, used when no `regulations/`
/// directory is at hand (so `qyzmet serve` works from anywhere).
static BUNDLED: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../../regulations");

#[derive(Clone, Debug)]
pub struct CatalogEntry {
    pub model: ProcessModel,
    /// The file's text, pinned in the store at the first submission.
    pub text: String,
}

/// Every regulation that compiled, sorted by id.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub entries: Vec<CatalogEntry>,
    /// Files that did not compile: (name, first error).
    pub skipped: Vec<(String, String)>,
}

impl Catalog {
    /// Compiles the given (name, text) pairs; files with errors are listed in
    /// `skipped`.
    pub fn from_texts(
        texts: impl IntoIterator<Item = (String, String)>,
        calendar: &Calendar,
    ) -> Catalog {
        let mut catalog = Catalog::default();
        for (name, text) in texts {
            let checked = qyzmet_regulation::check(&text, calendar);
            match checked.model {
                Some(model) => catalog.entries.push(CatalogEntry { model, text }),
                None => {
                    let first = checked
                        .diagnostics
                        .iter()
                        .find(|diagnostic| diagnostic.is_error())
                        .map(|diagnostic| format!("{}: {}", diagnostic.code, diagnostic.message))
                        .unwrap_or_default();
                    catalog.skipped.push((name, first));
                }
            }
        }
        catalog.entries.sort_by(|a, b| a.model.id.cmp(&b.model.id));
        catalog
    }

    pub fn bundled(calendar: &Calendar) -> Catalog {
        let mut texts = Vec::new();
        let mut stack = vec![&BUNDLED];
        while let Some(dir) = stack.pop() {
            stack.extend(dir.dirs());
            for file in dir.files() {
                if file.path().extension().is_some_and(|e| e == "yaml")
                    && let Some(text) = file.contents_utf8()
                {
                    texts.push((file.path().display().to_string(), text.to_owned()));
                }
            }
        }
        Catalog::from_texts(texts, calendar)
    }

    /// Reads every `.yaml` file under `dir` (bounded by the compiler's file
    /// size limit per file).
    pub fn from_dir(dir: &Path, calendar: &Calendar) -> std::io::Result<Catalog> {
        let mut texts = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let mut entries: Vec<_> = std::fs::read_dir(&dir)?.collect::<Result<_, _>>()?;
            entries.sort_by_key(|entry| entry.path());
            for entry in entries {
                let path = entry.path();
                if entry.file_type()?.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    if entry.metadata()?.len() > qyzmet_regulation::MAX_FILE_BYTES as u64 {
                        continue;
                    }
                    texts.push((path.display().to_string(), std::fs::read_to_string(&path)?));
                }
            }
        }
        Ok(Catalog::from_texts(texts, calendar))
    }

    /// `./regulations` when it exists, else the bundled copy.
    pub fn default_for_cwd(calendar: &Calendar) -> std::io::Result<Catalog> {
        let dir = Path::new("regulations");
        if dir.is_dir() {
            Catalog::from_dir(dir, calendar)
        } else {
            Ok(Catalog::bundled(calendar))
        }
    }

    pub fn by_id(&self, id: &str) -> Option<&CatalogEntry> {
        self.entries.iter().find(|entry| entry.model.id == id)
    }

    pub fn by_hash(&self, hash: &str) -> Option<&CatalogEntry> {
        self.entries.iter().find(|entry| entry.model.hash == hash)
    }

    pub fn models(&self) -> impl Iterator<Item = &ProcessModel> {
        self.entries.iter().map(|entry| &entry.model)
    }
}
