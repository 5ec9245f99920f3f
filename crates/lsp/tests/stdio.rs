//! The language server with a real client over standard input and output:
//! the `qyzmet-lsp` binary is spawned and spoken to in framed JSON-RPC.

mod client;

use std::path::{Path, PathBuf};
use std::process::Command;

use client::{Client, file_uri};
use qyzmet_calendar::Calendar;
use qyzmet_lsp::lsp_types::notification::{
    DidChangeTextDocument, DidOpenTextDocument, PublishDiagnostics,
};
use qyzmet_lsp::lsp_types::request::{Completion, GotoDefinition, HoverRequest};
use qyzmet_lsp::lsp_types::{
    CompletionParams, CompletionResponse, CompletionTextEdit, DidChangeTextDocumentParams,
    DidOpenTextDocumentParams, GotoDefinitionParams, GotoDefinitionResponse, HoverContents,
    HoverParams, NumberOrString, Position, PositionEncodingKind, Range,
    TextDocumentContentChangeEvent, TextDocumentIdentifier, TextDocumentItem,
    TextDocumentPositionParams, Uri, VersionedTextDocumentIdentifier,
};

const REGULATION: &str =
    "regulations/karaganda-balkhash/2012-43-01/targeted-assistance-certificate.yaml";
const SEED: &str = "000_4f9150dda01ab563.txt";
/// The seed line the first decision's limit (`amount: 7`) cites.
const SEED_LINE_245: &str = "Орындау мерзімі 7 минут";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A seed file of 400 lines, line 245 being `text`.
fn write_seed(dir: &Path, text: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let lines: Vec<String> = (1..=400)
        .map(|n| {
            if n == 245 {
                text.to_owned()
            } else {
                format!("seed line {n}")
            }
        })
        .collect();
    std::fs::write(dir.join(SEED), lines.join("\n")).unwrap();
}

/// The LSP position of byte `offset`, computed independently of the
/// server: 0-based line, UTF-16 units from the line's start.
fn position(text: &str, offset: usize) -> Position {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = text[start..offset].encode_utf16().count();
    Position::new(line as u32, character as u32)
}

/// The offset of the `nth` (0-based) occurrence of `needle`, plus `skip`.
fn find(text: &str, needle: &str, nth: usize, skip: usize) -> usize {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {nth}th `{needle}`"))
        .0;
    offset + skip
}

fn spawn(seeds: Option<&Path>) -> Client {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qyzmet-lsp"));
    command.arg("--stdio");
    if let Some(seeds) = seeds {
        command.arg("--seeds").arg(seeds);
    }
    Client::spawn(&mut command)
}

fn at(uri: &Uri, position: Position) -> TextDocumentPositionParams {
    TextDocumentPositionParams {
        text_document: TextDocumentIdentifier { uri: uri.clone() },
        position,
    }
}

fn complete(client: &mut Client, uri: &Uri, position: Position) -> Vec<(String, Range)> {
    let response = client.request::<Completion>(CompletionParams {
        text_document_position: at(uri, position),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
        context: None,
    });
    let items = match response {
        Some(CompletionResponse::Array(items)) => items,
        Some(CompletionResponse::List(list)) => list.items,
        None => Vec::new(),
    };
    items
        .into_iter()
        .map(|item| {
            let Some(CompletionTextEdit::Edit(edit)) = item.text_edit else {
                panic!("an item without a text edit: {item:?}");
            };
            assert_eq!(edit.new_text, item.label);
            (item.label, edit.range)
        })
        .collect()
}

fn labels(items: &[(String, Range)]) -> Vec<&str> {
    items.iter().map(|(label, _)| label.as_str()).collect()
}

fn definition(client: &mut Client, uri: &Uri, position: Position) -> Option<Range> {
    let response = client.request::<GotoDefinition>(GotoDefinitionParams {
        text_document_position_params: at(uri, position),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    })?;
    let GotoDefinitionResponse::Scalar(location) = response else {
        panic!("one location expected: {response:?}");
    };
    assert_eq!(&location.uri, uri);
    Some(location.range)
}

fn hover(client: &mut Client, uri: &Uri, position: Position) -> Option<(String, Range)> {
    let hover = client.request::<HoverRequest>(HoverParams {
        text_document_position_params: at(uri, position),
        work_done_progress_params: Default::default(),
    })?;
    let HoverContents::Markup(markup) = hover.contents else {
        panic!("markup expected: {:?}", hover.contents);
    };
    Some((markup.value, hover.range.expect("a hover range")))
}

fn open(client: &mut Client, uri: &Uri, text: &str) {
    client.notify::<DidOpenTextDocument>(DidOpenTextDocumentParams {
        text_document: TextDocumentItem {
            uri: uri.clone(),
            language_id: "yaml".into(),
            version: 1,
            text: text.to_owned(),
        },
    });
}

fn change(client: &mut Client, uri: &Uri, version: i32, text: &str) {
    client.notify::<DidChangeTextDocument>(DidChangeTextDocumentParams {
        text_document: VersionedTextDocumentIdentifier {
            uri: uri.clone(),
            version,
        },
        content_changes: vec![TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: text.to_owned(),
        }],
    });
}

/// (code, range, first line of the message) of each diagnostic.
type Brief = (String, Range, String);

fn brief(diagnostics: &[qyzmet_lsp::lsp_types::Diagnostic]) -> Vec<Brief> {
    diagnostics
        .iter()
        .map(|d| {
            let Some(NumberOrString::String(code)) = &d.code else {
                panic!("a diagnostic without a code: {d:?}");
            };
            assert_eq!(d.source.as_deref(), Some("qyzmet"));
            let message = d.message.lines().next().unwrap_or_default().to_owned();
            (code.clone(), d.range, message)
        })
        .collect()
}

/// What `qyzmet check` reports for `text`, positioned by the test itself.
fn checked(text: &str) -> Vec<Brief> {
    qyzmet_regulation::check(text, &Calendar::kazakhstan())
        .diagnostics
        .iter()
        .map(|d| {
            let range = Range::new(position(text, d.span.start), position(text, d.span.end));
            (d.code.to_owned(), range, d.message.clone())
        })
        .collect()
}

#[test]
fn a_client_over_stdio_gets_diagnostics_completion_definitions_and_hovers() {
    let dir = tempfile::tempdir().unwrap();
    // The layout of a checkout: the repository beside `shared/seeds/`.
    write_seed(&dir.path().join("shared/seeds"), SEED_LINE_245);
    let path = dir.path().join("repo").join(REGULATION);
    let good = std::fs::read_to_string(repo().join(REGULATION)).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &good).unwrap();
    let uri = file_uri(&path);

    let mut client = spawn(None);
    let init = client.initialize();
    let capabilities = init.capabilities;
    assert_eq!(
        capabilities.position_encoding,
        Some(PositionEncodingKind::UTF16)
    );
    assert!(capabilities.completion_provider.is_some());
    assert!(capabilities.definition_provider.is_some());
    assert!(capabilities.hover_provider.is_some());
    assert_eq!(
        init.server_info.map(|info| info.name).as_deref(),
        Some("qyzmet")
    );

    // An outcome that hands to a misspelt step, after Kazakh and Russian
    // text on the same line.
    let bad = good.replacen("next: po-2-certificate}", "next: po-2-certificat}", 1);
    assert_ne!(bad, good);
    open(&mut client, &uri, &bad);
    let published = client.notification::<PublishDiagnostics>();
    assert_eq!(published.uri, uri);
    assert_eq!(published.version, Some(1));
    let diagnostics = brief(&published.diagnostics);
    assert_eq!(diagnostics, checked(&bad), "the same as `qyzmet check`");
    let target = find(&bad, "po-2-certificat}", 0, 0);
    let unknown: Vec<&Brief> = diagnostics
        .iter()
        .filter(|(code, _, _)| code == "unknown-step")
        .collect();
    assert_eq!(unknown.len(), 1, "{diagnostics:#?}");
    let start = position(&bad, target);
    assert_eq!(
        unknown[0].1,
        Range::new(start, Position::new(start.line, start.character + 15))
    );
    assert_eq!(
        unknown[0].2,
        "step `po-1` hands to unknown step `po-2-certificat`"
    );
    // UTF-16 units, not bytes: the line has Cyrillic before the target.
    let line_start = bad[..target].rfind('\n').unwrap() + 1;
    assert!((start.character as usize) < target - line_start);
    // And the column `qyzmet check` prints (1-based, in characters).
    let (line, column) = qyzmet_regulation::diag::line_col(&bad, target);
    assert_eq!(
        (start.line as usize + 1, start.character as usize + 1),
        (line, column)
    );
    let published_error = published
        .diagnostics
        .iter()
        .find(|d| d.range.start == start)
        .unwrap();
    assert!(
        published_error.message.contains("\nhint: steps of route"),
        "{}",
        published_error.message
    );

    // Fixed by an incremental change after the Cyrillic text (the `e` the
    // step id lacks): the diagnostics clear.
    let end = position(&bad, target + "po-2-certificat".len());
    client.notify::<DidChangeTextDocument>(DidChangeTextDocumentParams {
        text_document: VersionedTextDocumentIdentifier {
            uri: uri.clone(),
            version: 2,
        },
        content_changes: vec![TextDocumentContentChangeEvent {
            range: Some(Range::new(end, end)),
            range_length: None,
            text: "e".into(),
        }],
    });
    let published = client.notification::<PublishDiagnostics>();
    assert_eq!(published.version, Some(2));
    assert_eq!(brief(&published.diagnostics), Vec::<Brief>::new());
    // Two changes in one notification, the second on the text the first
    // made: `unit: minutes` → `unit: hours` → `unit: minutes`.
    let unit = find(&good, "unit: minutes", 0, "unit: ".len());
    let at_unit = |units: u32| {
        let start = position(&good, unit);
        Range::new(start, Position::new(start.line, start.character + units))
    };
    client.notify::<DidChangeTextDocument>(DidChangeTextDocumentParams {
        text_document: VersionedTextDocumentIdentifier {
            uri: uri.clone(),
            version: 3,
        },
        content_changes: vec![
            TextDocumentContentChangeEvent {
                range: Some(at_unit("minutes".len() as u32)),
                range_length: None,
                text: "hours".into(),
            },
            TextDocumentContentChangeEvent {
                range: Some(at_unit("hours".len() as u32)),
                range_length: None,
                text: "minutes".into(),
            },
        ],
    });
    let published = client.notification::<PublishDiagnostics>();
    assert_eq!(published.version, Some(3));
    assert_eq!(brief(&published.diagnostics), Vec::<Brief>::new());

    // Completion of a `next:` target: the provider office route's steps,
    // replacing the word typed so far.
    let file = qyzmet_regulation::parse(&good).file.unwrap();
    let office: Vec<&str> = file.routes[0].steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(file.routes[0].channel.as_str(), "provider_office");
    let next = find(&good, "next: po-3-certificate", 0, "next: ".len());
    let cursor = position(&good, next + "po-".len());
    let items = complete(&mut client, &uri, cursor);
    assert_eq!(labels(&items), office);
    assert!(
        items
            .iter()
            .all(|(_, range)| *range == Range::new(position(&good, next), cursor))
    );
    // The rural akim's route offers its own steps.
    let rural: Vec<&str> = file.routes[1].steps.iter().map(|s| s.id.as_str()).collect();
    let cursor = position(&good, find(&good, "next: ra-1", 0, "next: ".len()));
    assert_eq!(labels(&complete(&mut client, &uri, cursor)), rural);
    // An outcome's target, after Cyrillic text on the line.
    let outcome = find(&good, "next: po-2-certificate}", 0, "next: ".len());
    let cursor = position(&good, outcome + 2);
    let items = complete(&mut client, &uri, cursor);
    assert_eq!(labels(&items), office);
    assert_eq!(items[0].1, Range::new(position(&good, outcome), cursor));
    // Roles and units.
    let roles: Vec<&str> = file.roles.iter().map(|r| r.id.as_str()).collect();
    let cursor = position(&good, find(&good, "role: specialist", 0, "role: ".len()));
    assert_eq!(labels(&complete(&mut client, &uri, cursor)), roles);
    let cursor = position(&good, find(&good, "unit: minutes", 0, "unit: ".len()));
    assert_eq!(
        labels(&complete(&mut client, &uri, cursor)),
        [
            "minutes",
            "hours",
            "working_days",
            "calendar_days",
            "months"
        ]
    );
    // Nothing to offer inside a Kazakh text.
    let cursor = position(&good, find(&good, "kk: мемлекеттік қызмет алушы", 0, 6));
    assert_eq!(complete(&mut client, &uri, cursor), Vec::new());

    // Go to definition: a `next:` target and an outcome's id go to the
    // step's `id:`.
    let cursor = position(&good, next + 3);
    let step = find(&good, "- id: po-3-certificate", 0, "- id: ".len());
    let expected = Range::new(
        position(&good, step),
        position(&good, step + "po-3-certificate".len()),
    );
    assert_eq!(definition(&mut client, &uri, cursor), Some(expected));
    let cursor = position(&good, find(&good, "{id: assisted", 0, "{id: ".len() + 1));
    let step = find(&good, "- id: po-2-certificate", 0, "- id: ".len());
    assert_eq!(
        definition(&mut client, &uri, cursor).map(|range| range.start),
        Some(position(&good, step))
    );
    let cursor = position(&good, find(&good, "role: specialist", 0, "role: ".len()));
    let role = find(&good, "id: specialist", 0, "id: ".len());
    assert_eq!(
        definition(&mut client, &uri, cursor).map(|range| range.start),
        Some(position(&good, role))
    );
    assert_eq!(
        definition(
            &mut client,
            &uri,
            position(&good, find(&good, "unit: minutes", 0, 7))
        ),
        None
    );

    // Hover on a limit: the seed line it was read from, found in
    // `shared/seeds/` beside the repository.
    let seven = find(&good, "limit: {amount: 7,", 0, "limit: {amount: ".len());
    let (markdown, range) = hover(&mut client, &uri, position(&good, seven)).unwrap();
    assert_eq!(
        range,
        Range::new(position(&good, seven), position(&good, seven + 1))
    );
    assert!(
        markdown.starts_with(&format!(
            "**amount: 7 minutes** — seed line 245, para app1 of `{SEED}`"
        )),
        "{markdown}"
    );
    assert!(
        markdown.contains(&format!("> {SEED_LINE_245}")),
        "{markdown}"
    );
    // On a text: nothing.
    let text = find(&good, "role: specialist", 0, 8);
    assert_eq!(hover(&mut client, &uri, position(&good, text)), None);

    // While the text does not parse, the diagnostics say so and completion
    // still offers the steps of the last text that parsed.
    let broken = good.replacen(
        "        next: po-1\n",
        "        calls: [\n        next: po-\n",
        1,
    );
    change(&mut client, &uri, 4, &broken);
    let published = client.notification::<PublishDiagnostics>();
    assert_eq!(
        brief(&published.diagnostics)
            .iter()
            .map(|d| d.0.as_str())
            .collect::<Vec<_>>(),
        ["yaml-syntax"]
    );
    let cursor = position(&broken, find(&broken, "next: po-\n", 0, "next: po-".len()));
    assert_eq!(labels(&complete(&mut client, &uri, cursor)), office);
    let cursor = position(&broken, find(&broken, "calls: [\n", 0, "calls: [".len()));
    let systems: Vec<&str> = qyzmet_core::System::ALL
        .iter()
        .map(|system| system.as_str())
        .collect();
    assert_eq!(labels(&complete(&mut client, &uri, cursor)), systems);

    // A document that is not a file: no seed to look in, and the hover
    // says why.
    let untitled: Uri = "untitled:Untitled-1".parse().unwrap();
    open(&mut client, &untitled, &good);
    let published = client.notification::<PublishDiagnostics>();
    assert_eq!(published.uri, untitled);
    let (markdown, _) = hover(&mut client, &untitled, position(&good, seven)).unwrap();
    assert!(markdown.contains("`file:` documents only"), "{markdown}");

    let status = client.shutdown();
    assert!(status.success(), "{status:?}");
}

#[test]
fn the_seeds_option_names_the_seed_directory() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("elsewhere");
    write_seed(&seeds, "жеті минут");
    let text = std::fs::read_to_string(repo().join(REGULATION)).unwrap();
    let uri = file_uri(&dir.path().join("x.yaml"));
    let mut client = spawn(Some(&seeds));
    client.initialize();
    open(&mut client, &uri, &text);
    assert_eq!(client.notification::<PublishDiagnostics>().diagnostics, []);
    let seven = find(&text, "limit: {amount: 7,", 0, "limit: {amount: ".len());
    let (markdown, _) = hover(&mut client, &uri, position(&text, seven)).unwrap();
    assert!(markdown.contains("> жеті минут\n"), "{markdown}");
    // A `source.line` itself, and a line the seed does not have.
    let line = find(&text, "line: 245", 0, "line: ".len());
    let (markdown, _) = hover(&mut client, &uri, position(&text, line)).unwrap();
    assert!(markdown.contains("> жеті минут\n"), "{markdown}");
    let far = text.replacen("line: 245", "line: 4500", 1);
    change(&mut client, &uri, 2, &far);
    client.notification::<PublishDiagnostics>();
    let (markdown, _) = hover(&mut client, &uri, position(&far, line)).unwrap();
    assert!(markdown.contains("has 400 lines, not 4500"), "{markdown}");
    assert!(client.shutdown().success());
}

#[test]
fn unknown_requests_get_an_error_and_the_server_goes_on() {
    let mut client = spawn(None);
    client.initialize();
    let error = client
        .call("textDocument/formatting", serde_json::json!({}))
        .unwrap_err();
    assert_eq!(error["code"], -32601, "MethodNotFound: {error}");
    let error = client
        .call("textDocument/hover", serde_json::json!({"nonsense": 1}))
        .unwrap_err();
    assert_eq!(error["code"], -32602, "InvalidParams: {error}");
    // A document never opened: no answer, no error.
    let uri: Uri = "file:///nowhere.yaml".parse().unwrap();
    assert_eq!(hover(&mut client, &uri, Position::new(0, 0)), None);
    assert!(client.shutdown().success());
}
