//! The message loop: synchronous, one thread, on `lsp-server`'s channels.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{Completion, GotoDefinition, HoverRequest, Request as _};
use lsp_types::{
    CompletionOptions, CompletionParams, CompletionResponse, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverContents, HoverParams, HoverProviderCapability,
    InitializeParams, Location, MarkupContent, MarkupKind, OneOf, PositionEncodingKind,
    PublishDiagnosticsParams, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri,
};
use qyzmet_calendar::Calendar;

use crate::analysis::{self, Tree};
use crate::position::LineIndex;

/// How the server is started.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The directory of seed files (`seed.file` is a name in it). Without
    /// it, each file's seeds are looked for in `seeds/` and `shared/seeds/`
    /// of the file's directory and of every directory above it.
    pub seeds: Option<PathBuf>,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Serves the language server protocol on standard input and output until
/// the client says `exit`.
pub fn run_stdio(options: Options) -> Result<(), Error> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection, options)?;
    drop(connection);
    io_threads.join()?;
    Ok(())
}

/// Serves one client on `connection`: the handshake, then every message
/// until `shutdown` and `exit`.
pub fn serve(connection: &Connection, options: Options) -> Result<(), Error> {
    let capabilities = ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![" ".into(), "[".into(), ",".into(), "-".into()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    };
    let (id, params) = connection.initialize_start()?;
    let _params: InitializeParams = serde_json::from_value(params)?;
    connection.initialize_finish(
        id,
        serde_json::json!({
            "capabilities": capabilities,
            "serverInfo": ServerInfo {
                name: "qyzmet".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            },
        }),
    )?;
    let mut server = Server {
        options,
        calendar: Calendar::kazakhstan(),
        documents: HashMap::new(),
        seeds: HashMap::new(),
    };
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                let id = request.id.clone();
                // A bug in one answer must not end the editor's session.
                let response = catch_unwind(AssertUnwindSafe(|| server.request(request)))
                    .unwrap_or_else(|_| {
                        Response::new_err(
                            id,
                            ErrorCode::InternalError as i32,
                            "the server failed on this request (see its standard error)".into(),
                        )
                    });
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(notification) => {
                if notification.method == lsp_types::notification::Exit::METHOD {
                    return Ok(());
                }
                let publish = catch_unwind(AssertUnwindSafe(|| server.notification(notification)));
                if let Ok(Some(publish)) = publish {
                    connection.sender.send(Message::Notification(publish))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

struct Document {
    text: String,
    index: LineIndex,
    /// The tree of `text`, when it parses as YAML.
    tree: Option<Tree>,
    /// The latest tree that parsed, for completion while the text does not.
    last_good: Option<Tree>,
}

struct Server {
    options: Options,
    calendar: Calendar,
    documents: HashMap<Uri, Document>,
    /// Seed files read so far, by path, as lines (`None`: unreadable).
    seeds: HashMap<PathBuf, Option<Arc<Vec<String>>>>,
}

impl Server {
    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            Completion::METHOD => params::<CompletionParams>(&request).map(|params| {
                let position = params.text_document_position;
                to_json(self.completion(&position.text_document.uri, position.position))
            }),
            GotoDefinition::METHOD => params::<GotoDefinitionParams>(&request).map(|params| {
                let position = params.text_document_position_params;
                to_json(self.definition(&position.text_document.uri, position.position))
            }),
            HoverRequest::METHOD => params::<HoverParams>(&request).map(|params| {
                let position = params.text_document_position_params;
                to_json(self.hover(&position.text_document.uri, position.position))
            }),
            _ => {
                return Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("unknown request `{}`", request.method),
                );
            }
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(message) => error(id, message),
        }
    }

    fn notification(&mut self, notification: Notification) -> Option<Notification> {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let params: DidOpenTextDocumentParams =
                    serde_json::from_value(notification.params).ok()?;
                let document = params.text_document;
                Some(self.update(document.uri, document.version, document.text))
            }
            DidChangeTextDocument::METHOD => {
                let params: DidChangeTextDocumentParams =
                    serde_json::from_value(notification.params).ok()?;
                let document = params.text_document;
                let mut text = self
                    .documents
                    .get(&document.uri)
                    .map(|open| open.text.clone());
                for change in params.content_changes {
                    match (change.range, text.as_mut()) {
                        // A change of a range of the text as it is after
                        // the changes before it.
                        (Some(range), Some(current)) => {
                            let index = LineIndex::new(current);
                            let start = index.offset(current, range.start);
                            let end = index.offset(current, range.end).max(start);
                            current.replace_range(start..end, &change.text);
                        }
                        (Some(_), None) => {}
                        (None, _) => text = Some(change.text),
                    }
                }
                Some(self.update(document.uri, document.version, text?))
            }
            DidCloseTextDocument::METHOD => {
                let params: DidCloseTextDocumentParams =
                    serde_json::from_value(notification.params).ok()?;
                self.documents.remove(&params.text_document.uri);
                Some(publish(params.text_document.uri, Vec::new(), None))
            }
            _ => None,
        }
    }

    /// Stores the new text and returns its diagnostics to publish.
    fn update(&mut self, uri: Uri, version: i32, text: String) -> Notification {
        let index = LineIndex::new(&text);
        let diagnostics = analysis::diagnostics(&text, &index, &self.calendar);
        let tree = Tree::parse(&text);
        let previous = self.documents.remove(&uri);
        let last_good = match (&tree, previous) {
            (Some(_), _) => None,
            (None, Some(previous)) => previous.tree.or(previous.last_good),
            (None, None) => None,
        };
        self.documents.insert(
            uri.clone(),
            Document {
                text,
                index,
                tree,
                last_good,
            },
        );
        publish(uri, diagnostics, Some(version))
    }

    fn completion(&self, uri: &Uri, position: lsp_types::Position) -> Option<CompletionResponse> {
        let document = self.documents.get(uri)?;
        let offset = document.index.offset(&document.text, position);
        let tree = document.tree.as_ref().or(document.last_good.as_ref());
        let (candidates, word_start) = analysis::completion(&document.text, offset, tree);
        if candidates.is_empty() {
            return None;
        }
        Some(CompletionResponse::Array(analysis::completion_items(
            &document.text,
            &document.index,
            candidates,
            word_start,
            offset,
        )))
    }

    fn definition(
        &self,
        uri: &Uri,
        position: lsp_types::Position,
    ) -> Option<GotoDefinitionResponse> {
        let document = self.documents.get(uri)?;
        let offset = document.index.offset(&document.text, position);
        let span = analysis::definition(document.tree.as_ref()?, offset)?;
        Some(GotoDefinitionResponse::Scalar(Location {
            uri: uri.clone(),
            range: document.index.range(&document.text, span),
        }))
    }

    fn hover(&mut self, uri: &Uri, position: lsp_types::Position) -> Option<Hover> {
        let document = self.documents.get(uri)?;
        let offset = document.index.offset(&document.text, position);
        let provenance = analysis::provenance(document.tree.as_ref()?, offset)?;
        let range = document.index.range(&document.text, provenance.span);
        let seed_line = match &provenance.seed {
            Some(file) => {
                let file = file.clone();
                self.seed_line(uri, &file, provenance.line)
            }
            None => Err("the file names no `seed.file`".to_owned()),
        };
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: analysis::hover_markdown(&provenance, seed_line),
            }),
            range: Some(range),
        })
    }

    /// Line `line` (1-based) of seed file `file` for the document at `uri`.
    fn seed_line(&mut self, uri: &Uri, file: &str, line: u32) -> Result<String, String> {
        let name = Path::new(file);
        let plain_name = name.components().count() == 1
            && matches!(
                name.components().next(),
                Some(std::path::Component::Normal(_))
            );
        if !plain_name {
            return Err(format!("`{file}` is not a file name"));
        }
        let candidates: Vec<PathBuf> = match &self.options.seeds {
            Some(dir) => vec![dir.join(file)],
            None => {
                let Some(path) = file_path(uri) else {
                    return Err("the seed text is looked up for `file:` documents only".into());
                };
                path.ancestors()
                    .skip(1)
                    .flat_map(|dir| {
                        [
                            dir.join("seeds").join(file),
                            dir.join("shared/seeds").join(file),
                        ]
                    })
                    .collect()
            }
        };
        let Some(found) = candidates.iter().find(|path| path.is_file()) else {
            return Err(match &self.options.seeds {
                Some(dir) => format!("seed file `{file}` is not in {}", dir.display()),
                None => format!(
                    "seed file `{file}` not found in `seeds/` or `shared/seeds/` above the file; start the server with `--seeds DIR`"
                ),
            });
        };
        let lines = self
            .seeds
            .entry(found.clone())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(found).ok()?;
                Some(Arc::new(text.lines().map(str::to_owned).collect()))
            })
            .clone()
            .ok_or_else(|| format!("cannot read {}", found.display()))?;
        let index = usize::try_from(line).unwrap_or(usize::MAX);
        index
            .checked_sub(1)
            .and_then(|i| lines.get(i))
            .cloned()
            .ok_or_else(|| format!("`{file}` has {} lines, not {line}", lines.len()))
    }
}

/// The local path of a `file:` URI.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///path` or `file://localhost/path`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = rest
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            decoded.push(byte);
            i += 3;
            continue;
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    let path = String::from_utf8(decoded).ok()?;
    let path = path.split(['?', '#']).next().unwrap_or_default();
    Some(PathBuf::from(path))
}

fn publish(
    uri: Uri,
    diagnostics: Vec<lsp_types::Diagnostic>,
    version: Option<i32>,
) -> Notification {
    Notification::new(
        PublishDiagnostics::METHOD.to_owned(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    )
}

fn params<P: serde::de::DeserializeOwned>(request: &Request) -> Result<P, String> {
    serde_json::from_value(request.params.clone())
        .map_err(|e| format!("invalid params of `{}`: {e}", request.method))
}

fn to_json<T: serde::Serialize>(value: T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn error(id: RequestId, message: String) -> Response {
    Response::new_err(id, ErrorCode::InvalidParams as i32, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_to_paths() {
        let uri: Uri = "file:///work/main/regulations/%D2%9B%20x.yaml"
            .parse()
            .unwrap();
        assert_eq!(
            file_path(&uri),
            Some(PathBuf::from("/work/main/regulations/қ x.yaml"))
        );
        let uri: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(file_path(&uri), None);
    }
}
