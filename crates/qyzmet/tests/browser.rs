//! The web application in a real browser: starts `qyzmet serve --demo` on a
//! free port with a fresh data directory and runs `tests/browser/walk.mjs`
//! (Playwright driving headless Debian Chromium) against it. The walk's
//! screenshots land in `target/browser-artifacts/`; see docs/browser-tests.md.
//!
//! Needs `node`, `tests/browser/node_modules` and Chromium; fails (never
//! skips) with the commands that install them when one is missing.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long the server may take to print its "serving" line.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// The demo citizen and head who walk and sign (tests/browser/walk.mjs).
const CITIZEN: &str = "900101300037";
const HEAD: &str = "kyzylorda-city.head";
/// The West Kazakhstan citizen who appeals in the walk (section f).
const WK_CITIZEN: &str = "850315400124";
/// How long the whole walk may take (it needs about 20 s).
const WALK_TIMEOUT: Duration = Duration::from_secs(300);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

/// A child process in its own process group, killed with its whole group
/// when dropped: on success, on failure and when the test panics.
struct Guard {
    child: Child,
    name: &'static str,
}

impl Guard {
    fn spawn(name: &'static str, command: &mut Command) -> Guard {
        let child = command
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
        Guard { child, name }
    }

    /// Waits until the process exits or `timeout` passes (then kills it).
    fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(100)),
                _ => {
                    self.kill();
                    return None;
                }
            }
        }
    }

    fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // The group: Chromium and its helpers under node, too.
            let group = format!("-{}", self.child.id());
            let _ = Command::new("kill")
                .args(["-KILL", "--", &group])
                .stderr(Stdio::null())
                .status();
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            eprintln!("stopping {} (pid {})", self.name, self.child.id());
        }
        self.kill();
    }
}

/// Collects what a pipe prints, line by line, on a thread of its own (so the
/// child never blocks on a full pipe); `tx` also receives every line.
fn drain(
    pipe: impl Read + Send + 'static,
    tx: Option<mpsc::Sender<String>>,
) -> (Arc<Mutex<String>>, thread::JoinHandle<()>) {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    let handle = thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if let Some(tx) = &tx {
                let _ = tx.send(line.clone());
            }
            let mut text = sink.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
    (text, handle)
}

/// Everything the walk needs that is not built by cargo; the install hint of
/// each one that is missing.
fn missing_prerequisites(root: &Path, chromium: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|status| status.success()) {
        missing.push(
            "`node` is not on PATH: `apt-get install nodejs npm` (Node.js 20 or later)".to_owned(),
        );
    }
    if !root
        .join("tests/browser/node_modules/playwright-core/package.json")
        .is_file()
    {
        missing.push(
            "tests/browser/node_modules (playwright-core) is not installed: \
             `npm ci --prefix tests/browser` in the repository root"
                .to_owned(),
        );
    }
    if !chromium.is_file() {
        missing.push(format!(
            "Chromium is not at {}: `apt-get install chromium` (or set CHROMIUM to its path)",
            chromium.display()
        ));
    }
    missing
}

#[test]
fn walk_the_web_application_in_headless_chromium() {
    let root = repo_root();
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let missing = missing_prerequisites(&root, &chromium);
    assert!(
        missing.is_empty(),
        "the browser test cannot run; install what is missing (.ci/run does all of it):\n  - {}",
        missing.join("\n  - ")
    );

    let data = tempfile::tempdir().expect("a temporary data directory");
    let artifacts = root.join("target/browser-artifacts");
    if artifacts.exists() {
        std::fs::remove_dir_all(&artifacts).expect("old artifacts removed");
    }
    std::fs::create_dir_all(&artifacts).expect("the artifacts directory");

    // The server, on any free port.
    // The NCALayer stand-in's port, chosen now so that the server can tell
    // its pages where to ask for signatures.
    let signer_addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port for the signer");
    let started = Instant::now();
    let mut server = Guard::spawn(
        "qyzmet serve",
        Command::new(env!("CARGO_BIN_EXE_qyzmet"))
            .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--data"])
            .arg(data.path())
            .arg("--ncalayer-url")
            .arg(format!("ws://{signer_addr}"))
            .arg("--regulations")
            .arg(root.join("regulations"))
            .current_dir(&root)
            .env_remove("QYZMET_DB")
            .env_remove("QYZMET_LOG_JSON")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    let (lines_tx, lines) = mpsc::channel();
    let (server_log, _server_reader) = drain(server.child.stderr.take().unwrap(), Some(lines_tx));
    let url = loop {
        let left = START_TIMEOUT.saturating_sub(started.elapsed());
        match lines.recv_timeout(left) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix("qyzmet: serving ")
                    && let Some((_, url)) = rest.split_once(" on ")
                {
                    break url.trim().to_owned();
                }
            }
            Err(_) => {
                let status = server.child.try_wait().ok().flatten();
                panic!(
                    "`qyzmet serve` printed no \"serving\" line within {START_TIMEOUT:?} \
                     (exit status: {status:?}); its output:\n{}",
                    server_log.lock().unwrap()
                );
            }
        }
    };
    eprintln!(
        "server ready at {url} after {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The walk.
    // `qyzmet signer` with the walking citizen's demo signing key (made by
    // `serve --demo` in <data>/demo-pki), as NCALayer on their computer.
    let keys = [CITIZEN, HEAD, WK_CITIZEN].map(|login| {
        data.path()
            .join(format!("demo-pki/people/{login}-sign.p12"))
    });
    for key in &keys {
        assert!(key.is_file(), "serve --demo made no key {}", key.display());
    }
    let mut signer = Guard::spawn(
        "qyzmet signer",
        Command::new(env!("CARGO_BIN_EXE_qyzmet"))
            .args(["signer", "--plain", "--addr"])
            .arg(signer_addr.to_string())
            .arg("--p12")
            .arg(&keys[0])
            .arg("--p12")
            .arg(&keys[1])
            .arg("--p12")
            .arg(&keys[2])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    let (signer_tx, signer_lines) = mpsc::channel();
    let (signer_log, _signer_reader) = drain(signer.child.stderr.take().unwrap(), Some(signer_tx));
    loop {
        match signer_lines.recv_timeout(START_TIMEOUT) {
            Ok(line) if line.contains("NCALayer stand-in on") => break,
            Ok(_) => {}
            Err(_) => panic!(
                "`qyzmet signer` did not start; its output:\n{}",
                signer_log.lock().unwrap()
            ),
        }
    }

    let walk_started = Instant::now();
    let mut walk = Guard::spawn(
        "node walk.mjs",
        Command::new("node")
            .arg(root.join("tests/browser/walk.mjs"))
            .arg(&url)
            .arg(&artifacts)
            .current_dir(&root)
            .env("CHROMIUM", &chromium)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let (stdout, stdout_reader) = drain(walk.child.stdout.take().unwrap(), None);
    let (stderr, stderr_reader) = drain(walk.child.stderr.take().unwrap(), None);
    let status = walk.wait(WALK_TIMEOUT);
    let _ = stdout_reader.join();
    let _ = stderr_reader.join();
    let walk_seconds = walk_started.elapsed().as_secs_f64();
    drop(server);

    let stdout = stdout.lock().unwrap().clone();
    let stderr = stderr.lock().unwrap().clone();
    println!("{stdout}");
    if !stderr.is_empty() {
        println!("--- walk stderr ---\n{stderr}");
    }
    println!(
        "walk: {status:?} after {walk_seconds:.1} s; screenshots in {}",
        artifacts.display()
    );
    let server_log = server_log.lock().unwrap().clone();
    match status {
        Some(status) if status.success() => {}
        Some(status) => panic!(
            "the browser walk failed ({status}): {}\nscreenshots: {}\n--- server log ---\n{server_log}",
            stderr.trim(),
            artifacts.display()
        ),
        None => panic!(
            "the browser walk did not finish within {WALK_TIMEOUT:?} and was killed\n\
             screenshots: {}\n--- server log ---\n{server_log}",
            artifacts.display()
        ),
    }
    assert!(
        stdout.contains("walk passed"),
        "the walk exited 0 without saying it passed:\n{stdout}"
    );
    let screenshots = std::fs::read_dir(&artifacts)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "png"))
        .count();
    assert!(
        screenshots >= 40,
        "only {screenshots} screenshots in {}",
        artifacts.display()
    );
}
