//! A real SMTP server for tests: `aiosmtpd` run by Debian's
//! `/usr/bin/python3` (the package `python3-aiosmtpd`), appending every
//! message it accepts to a JSON-lines file *before* it answers `250`.
//!
//! Used by this crate's tests and by `qyzmet-runtime`'s crash test; not
//! meant for production.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

const SCRIPT: &str = r#"
import asyncio, email, email.header, hashlib, json, os, sys
from aiosmtpd.controller import Controller

port, path, fail_first = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
state = {"refused": 0}

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if state["refused"] < fail_first:
            state["refused"] += 1
            return "451 4.3.0 try again later"
        data = envelope.original_content or envelope.content
        msg = email.message_from_bytes(data)
        subject = str(email.header.make_header(email.header.decode_header(msg.get("Subject", ""))))
        payload = msg.get_payload(decode=True) or b""
        record = {
            "message_id": msg.get("Message-ID"),
            "rcpt": envelope.rcpt_tos,
            "sha256": hashlib.sha256(data).hexdigest(),
            "subject": subject,
            "body": payload.decode("utf-8", "replace"),
        }
        with open(path, "a") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())
        return "250 OK"

controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
try:
    sys.stdin.read()
finally:
    controller.stop()
"#;

/// A message the sink accepted.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SunkMail {
    pub message_id: Option<String>,
    pub rcpt: Vec<String>,
    /// SHA-256 of the message bytes as received.
    pub sha256: String,
    /// Decoded subject.
    pub subject: String,
    /// Decoded body.
    pub body: String,
}

/// A running sink; killed on drop.
pub struct SmtpSink {
    child: Child,
    port: u16,
    file: PathBuf,
    _dir: Option<TempDir>,
}

/// A directory removed on drop (no dependency on `tempfile`).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The Python that has `aiosmtpd`: Debian's, else the one on `PATH`.
pub fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

impl SmtpSink {
    /// Starts a sink on a free port writing to a fresh temporary file.
    pub fn start() -> std::io::Result<SmtpSink> {
        SmtpSink::start_with(0)
    }

    /// As [`Self::start`], answering `451` to the first `fail_first`
    /// messages (a transient refusal). Recipients starting with `reject`
    /// are refused with `550`.
    pub fn start_with(fail_first: u32) -> std::io::Result<SmtpSink> {
        let dir = std::env::temp_dir().join(format!(
            "qyzmet-smtp-sink-{}-{}",
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond()
        ));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("mail.jsonl");
        let mut sink = SmtpSink::start_at(&file, fail_first)?;
        sink._dir = Some(TempDir(dir));
        Ok(sink)
    }

    /// Starts a sink appending to `file` (kept after the sink stops, e.g.
    /// to count across several sinks).
    pub fn start_at(file: &Path, fail_first: u32) -> std::io::Result<SmtpSink> {
        let port = free_port()?;
        let mut child = Command::new(python())
            .arg("-c")
            .arg(SCRIPT)
            .arg(port.to_string())
            .arg(file)
            .arg(fail_first.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        if read.is_err() || line.trim() != "ready" {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other(format!(
                "aiosmtpd did not start (is python3-aiosmtpd installed for {}?)",
                python()
            )));
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(std::io::Error::other("aiosmtpd does not listen"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(SmtpSink {
            child,
            port,
            file: file.to_path_buf(),
            _dir: None,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<SunkMail> {
        read_messages(&self.file)
    }
}

/// The messages a sink wrote to `file`.
pub fn read_messages(file: &Path) -> Vec<SunkMail> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
