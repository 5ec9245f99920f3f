//! Every result and refusal that the seed regulations define renders, in
//! Kazakh and Russian, with its title and the case number.

mod common;

use common::*;
use qyzmet_documents::{DocumentKind, Lang, ReferralKind, Text};
use qyzmet_regulation::model::{RefusalKind, ResultKind};

fn regulation_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../regulations");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("regulations directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The document kinds a regulation result is printed as. A referral is
/// printed once per kind of active measure.
fn result_kinds(kind: ResultKind, title: &Text) -> Vec<DocumentKind> {
    let result = || issued(title.clone());
    match kind {
        ResultKind::Notice => vec![DocumentKind::Notice(result())],
        ResultKind::Certificate => vec![DocumentKind::Certificate(result())],
        ResultKind::StatusCertificate => vec![DocumentKind::StatusCertificate(result())],
        ResultKind::Referral => ReferralKind::ALL
            .into_iter()
            .map(|referral| DocumentKind::Referral {
                result: result(),
                referral,
            })
            .collect(),
        ResultKind::Decision => vec![DocumentKind::Decision(result())],
        ResultKind::Permit => vec![DocumentKind::Permit {
            result: result(),
            valid_from: Some(day("2016-06-01")),
            valid_until: Some(day("2017-05-31")),
        }],
        ResultKind::Duplicate => vec![DocumentKind::Duplicate {
            result: result(),
            original_number: "SIP-2014-0193".into(),
            original_issued_on: day("2014-09-03"),
        }],
        ResultKind::Payment => vec![DocumentKind::Payment(result())],
        ResultKind::Other => vec![DocumentKind::Other(result())],
    }
}

#[test]
fn every_result_and_refusal_of_every_regulation_renders() {
    let files = regulation_files();
    assert!(files.len() >= 17, "only {} regulation files", files.len());
    let mut rendered = 0;
    let mut refusals_rendered = 0;
    for path in files {
        let source = std::fs::read_to_string(&path).expect("read regulation");
        let parsed = qyzmet_regulation::parse(&source);
        let file = parsed
            .file
            .unwrap_or_else(|| panic!("{}: {:?}", path.display(), parsed.diagnostics));
        let service = &file.service;
        let grounds: Vec<Text> = service
            .refusal_grounds
            .iter()
            .map(|ground| ground.text.clone())
            .collect();

        let mut documents: Vec<(String, Text, DocumentKind)> = Vec::new();
        for result in &service.results {
            for kind in result_kinds(result.kind, &result.title) {
                documents.push((result.id.clone(), result.title.clone(), kind));
            }
        }
        for refusal in &service.refusals {
            // A regulation without listed grounds still names the refusal.
            let grounds = if grounds.is_empty() {
                vec![refusal.title.clone()]
            } else {
                grounds.clone()
            };
            let kind = match refusal.kind {
                RefusalKind::MotivatedRefusal => DocumentKind::MotivatedRefusal {
                    result: issued(refusal.title.clone()),
                    grounds,
                },
                RefusalKind::RefusalToAccept => DocumentKind::RefusalToAcceptReceipt {
                    title: Some(refusal.title.clone()),
                    documents: Vec::new(),
                    missing_documents: Vec::new(),
                    grounds,
                    operator: qyzmet_documents::Signer {
                        name: "Айгүл Серікқызы Жақыпова".into(),
                        position: text("қызметкер", "работник"),
                    },
                    refused_at: at("2016-05-12T10:24:05"),
                },
            };
            refusals_rendered += 1;
            documents.push((refusal.id.clone(), refusal.title.clone(), kind));
        }
        assert!(!documents.is_empty(), "{}: nothing to render", file.id);

        for (id, title, kind) in documents {
            let mut doc = document(kind);
            doc.provider.name = service.provider.clone();
            doc.service_title = service.title.clone();
            for lang in [Lang::Kk, Lang::Ru] {
                let pdf = qyzmet_documents::render_pdf(&doc, lang)
                    .unwrap_or_else(|error| panic!("{} {id} {lang}: {error}", file.id));
                let extracted = extract_text(&pdf);
                assert!(has(&extracted, CASE_NUMBER), "{} {id} {lang}", file.id);
                assert!(
                    // The heading stands for a title that only repeats it.
                    has(&extracted.to_lowercase(), &title.get(lang).to_lowercase()),
                    "{} {id} {lang}: title «{}» not in {extracted}",
                    file.id,
                    title.get(lang)
                );
                rendered += 1;
            }
        }
    }
    assert!(rendered > 100, "only {rendered} documents rendered");
    assert!(refusals_rendered >= 17, "only {refusals_rendered} refusals");
}
