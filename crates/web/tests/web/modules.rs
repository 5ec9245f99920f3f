//! The shape of the crate's source (issue 15): no file over 600 lines, and
//! no import cycle between its top-level modules, so that each module can be
//! read (and changed) from its leaves up. A module's imports are the
//! `crate::name` paths in its code (comments left out); names re-exported
//! at the crate root (`crate::AppError`) count as the module they come from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level module a source file belongs to (`api/cases.rs` → `api`).
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix(src()).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_owned()
}

/// Identifiers that follow `crate::`, including those of a `crate::{a, b}` group.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (index, _) in code.match_indices("crate::") {
        let rest = &code[index + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names of the group only (`{a, b::{c, d}}` → a, b).
            let mut depth = 0;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && (c.is_alphanumeric() || c == '_') => {
                        out.insert(ident(&group[i..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out
}

fn code_without_comments(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `pub use module::{A, B};` at the crate root: A → module.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, names)) = rest.trim_end_matches(';').split_once("::") else {
            continue;
        };
        for name in names.trim_matches(|c| c == '{' || c == '}').split(',') {
            out.insert(name.trim().to_owned(), module.to_owned());
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let files = crate::common::source_files();
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let reexports = root_reexports(&lib);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(file);
        if module == "lib" {
            continue;
        }
        let code = code_without_comments(&std::fs::read_to_string(file).unwrap());
        let deps = crate_paths(&code)
            .into_iter()
            .map(|name| reexports.get(&name).cloned().unwrap_or(name));
        graph.entry(module).or_default().extend(deps);
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for (module, deps) in graph.iter_mut() {
        deps.retain(|d| modules.contains(d) && d != module);
    }
    graph
}

/// A cycle through `start`, if there is one (depth-first search).
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let last = path.last().unwrap().clone();
        for next in &graph[&last] {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_owned()];
    walk(graph, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_import_cycle_between_modules() {
    let graph = graph();
    assert!(graph.len() > 15, "modules found: {:?}", graph.keys());
    // The reader itself can see a cycle: `api` uses `authoring`.
    assert!(graph["api"].contains("authoring"), "{:?}", graph["api"]);
    let cycles: Vec<Vec<String>> = graph
        .keys()
        .filter_map(|module| cycle_from(&graph, module))
        .collect();
    assert!(cycles.is_empty(), "import cycles: {cycles:?}");
}

#[test]
fn a_cycle_is_found_when_there_is_one() {
    let mut graph = graph();
    graph.get_mut("error").unwrap().insert("page".to_owned());
    assert!(graph["page"].contains("error"));
    assert!(cycle_from(&graph, "error").is_some());
}

#[test]
fn no_source_file_over_600_lines() {
    let files = crate::common::source_files();
    let long: Vec<(String, usize)> = files
        .iter()
        .map(|f| {
            let lines = std::fs::read_to_string(f).unwrap().lines().count();
            (f.strip_prefix(src()).unwrap().display().to_string(), lines)
        })
        .filter(|(_, lines)| *lines > 600)
        .collect();
    assert!(long.is_empty(), "{long:?}");
}
