//! Every regulation file of the repository, compiled: what the render and
//! BPMN import tests run over.

use std::path::{Path, PathBuf};

use qyzmet_regulation::ProcessModel;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            out.push(path);
        }
    }
}

/// Every regulation that parses, compiled. Files other engineers are still
/// writing may not parse yet; `qyzmet check`'s own tests cover those.
pub fn models() -> Vec<(String, ProcessModel)> {
    let mut paths = Vec::new();
    yaml_files(&workspace_root().join("regulations"), &mut paths);
    let mut models = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("readable regulation file");
        let parsed = qyzmet_regulation::parse(&text);
        if let Some(file) = parsed.file {
            let name = path
                .strip_prefix(workspace_root())
                .unwrap_or(&path)
                .display()
                .to_string();
            models.push((name, qyzmet_regulation::compile(file, &text)));
        }
    }
    assert!(!models.is_empty(), "no regulation in regulations/ parsed");
    models
}
