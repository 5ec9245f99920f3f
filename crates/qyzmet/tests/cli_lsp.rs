//! `qyzmet lsp`, spoken to as an editor would: framed JSON-RPC on the
//! command's standard input and output (the client is the lsp crate's).

#[path = "../../lsp/tests/client/mod.rs"]
mod client;

use std::path::Path;
use std::process::Command;

use client::{Client, file_uri};
use qyzmet_lsp::lsp_types::notification::{DidOpenTextDocument, PublishDiagnostics};
use qyzmet_lsp::lsp_types::request::HoverRequest;
use qyzmet_lsp::lsp_types::{
    DidOpenTextDocumentParams, HoverContents, HoverParams, NumberOrString, Position,
    TextDocumentIdentifier, TextDocumentItem, TextDocumentPositionParams,
};

#[test]
fn qyzmet_lsp_publishes_check_diagnostics_and_quotes_the_seed() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(
        repo.join("regulations/kyzylorda/2015-141/unemployed-certificate.yaml"),
    )
    .unwrap()
    .replacen("role: head", "role: boss", 1);
    let seeds = tempfile::tempdir().unwrap();
    let seed: Vec<String> = (1..=600)
        .map(|n| match n {
            412 => "2) орындаушы өтінішті тіркейді — 5 (бес) минут".to_owned(),
            _ => format!("line {n}"),
        })
        .collect();
    std::fs::write(
        seeds.path().join("001_c36ee2ad13272890.txt"),
        seed.join("\n"),
    )
    .unwrap();

    let mut client = Client::spawn(
        Command::new(env!("CARGO_BIN_EXE_qyzmet"))
            .args(["lsp", "--seeds"])
            .arg(seeds.path()),
    );
    client.initialize();
    let uri = file_uri(&seeds.path().join("unemployed-certificate.yaml"));
    client.notify::<DidOpenTextDocument>(DidOpenTextDocumentParams {
        text_document: TextDocumentItem {
            uri: uri.clone(),
            language_id: "yaml".into(),
            version: 1,
            text: text.clone(),
        },
    });
    let published = client.notification::<PublishDiagnostics>();
    let codes: Vec<String> = published
        .diagnostics
        .iter()
        .filter_map(|d| match &d.code {
            Some(NumberOrString::String(code)) => Some(code.clone()),
            _ => None,
        })
        .collect();
    // The role, and the file's two recorded seed conflicts.
    assert_eq!(codes, ["unknown-role", "seed-conflict", "seed-conflict"]);
    let offset = text.find("role: boss").unwrap() + "role: ".len();
    let line = text[..offset].matches('\n').count() as u32;
    let column = (offset - text[..offset].rfind('\n').unwrap() - 1) as u32;
    assert_eq!(
        published.diagnostics[0].range.start,
        Position::new(line, column)
    );

    let five = text.find("limit: {amount: 5,").unwrap() + "limit: {amount: ".len();
    let line = text[..five].matches('\n').count() as u32;
    let column = (five - text[..five].rfind('\n').unwrap() - 1) as u32;
    let hover = client
        .request::<HoverRequest>(HoverParams {
            text_document_position_params: TextDocumentPositionParams {
                text_document: TextDocumentIdentifier { uri },
                position: Position::new(line, column),
            },
            work_done_progress_params: Default::default(),
        })
        .expect("a hover on the limit");
    let HoverContents::Markup(markup) = hover.contents else {
        panic!("markup expected");
    };
    assert!(
        markup.value.contains("seed line 412, para 6.2")
            && markup
                .value
                .contains("> 2) орындаушы өтінішті тіркейді — 5 (бес) минут"),
        "{}",
        markup.value
    );
    assert!(client.shutdown().success());
}
