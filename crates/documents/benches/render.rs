//! PDF rendering throughput of `render_pdf`, single-threaded. Prints plain
//! figures (no criterion).
//!
//! ```text
//! cargo bench -p qyzmet-documents --bench render
//! ```
//!
//! Target (issue "Digital signatures and legal documents"): at least 100
//! documents per second.
//!
//! The documents are the tests' samples (`tests/common`): an acceptance
//! receipt, here with 5 accepted documents, and a notice, both rendered in
//! Kazakh. Each case warms up for 0.5 s and then runs for
//! `QYZMET_BENCH_SECONDS` (default 2) seconds; the very first render of the
//! process (font loading and parsing included) is printed apart.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{every_kind, text};
use qyzmet_documents::{Document, DocumentKind, Lang, render_pdf};

const WARM_UP: Duration = Duration::from_millis(500);

fn seconds() -> f64 {
    std::env::var("QYZMET_BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2.0)
}

fn sample(name: &str) -> Document {
    every_kind()
        .into_iter()
        .find(|(kind, _)| *kind == name)
        .unwrap_or_else(|| panic!("no sample {name}"))
        .1
}

/// The tests' acceptance receipt with 5 accepted documents.
fn receipt() -> Document {
    let mut doc = sample("acceptance_receipt");
    let DocumentKind::AcceptanceReceipt { documents, .. } = &mut doc.kind else {
        panic!("the acceptance_receipt sample is an acceptance receipt");
    };
    *documents = vec![
        text("өтініш", "заявление"),
        text(
            "жеке басын куәландыратын құжат",
            "документ, удостоверяющий личность",
        ),
        text("еңбек кітапшасы", "трудовая книжка"),
        text(
            "соңғы жұмыс орнынан табыс туралы анықтама",
            "справка о доходах с последнего места работы",
        ),
        text(
            "білімі туралы құжаттың көшірмесі",
            "копия документа об образовании",
        ),
    ];
    doc
}

fn render(doc: &Document) -> Vec<u8> {
    render_pdf(black_box(doc), Lang::Kk).unwrap_or_else(|error| panic!("{}: {error}", doc.id))
}

fn main() {
    let seconds = seconds();
    let cases = [
        ("acceptance receipt, 5 documents", receipt()),
        ("notice", sample("notice")),
    ];
    println!(
        "render_pdf, Kazakh, single thread: {seconds} s per case after {} ms warm-up",
        WARM_UP.as_millis()
    );
    let started = Instant::now();
    let first = render(&cases[0].1);
    let first_ms = started.elapsed().as_secs_f64() * 1e3;
    let printed = common::extract_text(&first);
    assert!(
        common::has(&printed, "5. білімі туралы құжаттың көшірмесі"),
        "the receipt lists the 5 documents: {printed}"
    );
    println!(
        "first render of the process ({}): {:.1} ms",
        cases[0].0, first_ms
    );
    for (name, doc) in &cases {
        measure(name, doc, seconds);
    }
}

fn measure(name: &str, doc: &Document, seconds: f64) {
    let size = render(doc).len();
    let started = Instant::now();
    while started.elapsed() < WARM_UP {
        black_box(render(doc));
    }
    let run = Duration::from_secs_f64(seconds);
    let mut count = 0u64;
    let started = Instant::now();
    let elapsed = loop {
        let pdf = render(doc);
        assert_eq!(pdf.len(), size, "{name}: rendering is deterministic");
        black_box(pdf);
        count += 1;
        let elapsed = started.elapsed();
        if elapsed >= run {
            break elapsed;
        }
    };
    println!(
        "{name:<32} {:>7.1} docs/s, mean {:>6.2} ms, PDF {:.1} KiB ({count} in {:.2} s)",
        count as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e3 / count as f64,
        size as f64 / 1024.0,
        elapsed.as_secs_f64(),
    );
}
