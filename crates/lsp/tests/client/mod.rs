//! A small language-server client for tests: spawns a server, speaks
//! JSON-RPC with `Content-Length` framing on its standard input and output,
//! and fails (instead of hanging) when an answer takes more than 30 s.
//!
//! Shared by crates/lsp/tests/stdio.rs (the `qyzmet-lsp` binary) and
//! crates/qyzmet/tests/cli_lsp.rs (`qyzmet lsp`).

#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use qyzmet_lsp::lsp_types;
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    /// Notifications read while waiting for a response.
    notifications: VecDeque<Value>,
    next_id: i64,
}

impl Client {
    pub fn spawn(command: &mut Command) -> Client {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            messages,
            notifications: VecDeque::new(),
            next_id: 1,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_string(message).expect("JSON");
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write to server");
        stdin.flush().expect("flush");
    }

    fn receive(&mut self) -> Value {
        match self.messages.recv_timeout(TIMEOUT) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("no message from the server in {TIMEOUT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    /// Sends request `R` and returns its result (panics on an error
    /// response).
    pub fn request<R: lsp_types::request::Request>(&mut self, params: R::Params) -> R::Result {
        let value = self.request_raw(R::METHOD, serde_json::to_value(params).expect("params"));
        serde_json::from_value(value).expect("a result of the request's type")
    }

    /// Sends a request by name and returns its `result` (panics on an
    /// error response).
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        self.call(method, params)
            .unwrap_or_else(|error| panic!("{method} failed: {error}"))
    }

    /// Sends a request by name: its `result`, or its `error`.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.receive();
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                if let Some(error) = message.get("error") {
                    return Err(error.clone());
                }
                return Ok(message.get("result").cloned().unwrap_or(Value::Null));
            }
            assert!(
                message.get("id").is_none() || message.get("method").is_some(),
                "a response to another request: {message}"
            );
            self.notifications.push_back(message);
        }
    }

    pub fn notify<N: lsp_types::notification::Notification>(&mut self, params: N::Params) {
        let params = serde_json::to_value(params).expect("params");
        self.send(&json!({"jsonrpc": "2.0", "method": N::METHOD, "params": params}));
    }

    /// The next notification `N` from the server (others are dropped).
    pub fn notification<N: lsp_types::notification::Notification>(&mut self) -> N::Params {
        loop {
            let message = match self.notifications.pop_front() {
                Some(message) => message,
                None => self.receive(),
            };
            if message.get("method").and_then(Value::as_str) == Some(N::METHOD) {
                let params = message.get("params").cloned().unwrap_or(Value::Null);
                return serde_json::from_value(params).expect("notification params");
            }
        }
    }

    /// `initialize` and `initialized`.
    pub fn initialize(&mut self) -> lsp_types::InitializeResult {
        let result =
            self.request::<lsp_types::request::Initialize>(lsp_types::InitializeParams::default());
        self.notify::<lsp_types::notification::Initialized>(lsp_types::InitializedParams {});
        result
    }

    /// `shutdown`, `exit`, and the server's exit status.
    pub fn shutdown(mut self) -> ExitStatus {
        let result = self.request_raw("shutdown", Value::Null);
        assert_eq!(result, Value::Null);
        self.send(&json!({"jsonrpc": "2.0", "method": "exit"}));
        drop(self.stdin.take());
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the server") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not exit after `exit`");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A failed test must not leave the server running.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One framed message, or `None` at the end of the stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length.expect("a Content-Length header")];
    reader.read_exact(&mut body).ok()?;
    Some(serde_json::from_slice(&body).expect("a JSON message"))
}

/// A `file://` URI for `path` (percent-encoding what a path may hold that a
/// URI may not).
pub fn file_uri(path: &std::path::Path) -> lsp_types::Uri {
    let mut uri = String::from("file://");
    for byte in path.to_str().expect("a UTF-8 path").bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.parse().expect("a URI")
}
