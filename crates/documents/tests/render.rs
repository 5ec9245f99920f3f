//! Rendering every document kind and reading the PDFs back.

mod common;

use common::*;
use qyzmet_documents::{
    DocumentError, DocumentKind, Lang, MAX_PAGES, MAX_TEXT_CHARS, ReferralKind, render_pdf,
};

const KAZAKH_LETTERS: [char; 9] = ['ә', 'ғ', 'қ', 'ң', 'ө', 'ұ', 'ү', 'һ', 'і'];

#[test]
fn every_kind_renders_in_kazakh_with_kazakh_letters_case_number_and_heading() {
    for (name, doc) in every_kind() {
        let pdf = render(&doc, Lang::Kk);
        assert!(pdf.starts_with(b"%PDF-"), "{name}");
        let text = extract_text(&pdf);
        for letter in KAZAKH_LETTERS {
            assert!(text.contains(letter), "{name}: no «{letter}» in {text}");
        }
        assert!(has(&text, CASE_NUMBER), "{name}: no case number in {text}");
        assert!(has(&text, DOC_ID), "{name}: no document id");
        let heading = qyzmet_documents::heading(&doc.kind, Lang::Kk).to_uppercase();
        assert!(has(&text, &heading), "{name}: no «{heading}» in {text}");
        assert!(has(&text, "Зуһра Өмірқызы Қалиева"), "{name}: applicant");
        assert!(has(&text, "900101400013"), "{name}: IIN");
        assert!(
            has(&text, "https://qyzmet.example/verify/d-7f3a9c21"),
            "{name}: URL"
        );
    }
}

#[test]
fn every_kind_renders_in_russian_with_russian_labels() {
    for (name, doc) in every_kind() {
        let pdf = render(&doc, Lang::Ru);
        let text = extract_text(&pdf);
        assert!(has(&text, CASE_NUMBER), "{name}: no case number");
        let heading = qyzmet_documents::heading(&doc.kind, Lang::Ru).to_uppercase();
        assert!(has(&text, &heading), "{name}: no «{heading}» in {text}");
        assert!(has(&text, "ИИН"), "{name}: no «ИИН» label");
        assert!(
            has(&text, "Регистрационный номер заявления"),
            "{name}: case number label"
        );
        assert!(!text.contains("ЖСН"), "{name}: a Kazakh label in Russian");
        // The applicant's name is printed as given, Kazakh letters and all.
        assert!(has(&text, "Зуһра Өмірқызы Қалиева"), "{name}: applicant");
    }
}

#[test]
fn every_kind_renders_in_english() {
    for (name, doc) in every_kind() {
        let text = extract_text(&render(&doc, Lang::En));
        assert!(has(&text, "Case number"), "{name}");
        // Regulation texts without English fall back to Kazakh.
        assert!(has(&text, "Жұмыссыз азаматтарды тіркеу"), "{name}");
    }
}

#[test]
fn kind_specific_content_is_printed() {
    let kinds = every_kind();
    let find = |wanted: &str| {
        let (_, doc) = kinds
            .iter()
            .find(|(name, _)| *name == wanted)
            .expect("sample");
        extract_text(&render(doc, Lang::Kk))
    };
    let receipt = find("acceptance_receipt");
    assert!(has(&receipt, "1. өтініш"), "{receipt}");
    assert!(has(&receipt, "3. еңбек кітапшасы"), "{receipt}");
    assert!(has(&receipt, "12.05.2016 10:24"), "accepted at: {receipt}");
    assert!(has(&receipt, "24.05.2016"), "due date: {receipt}");
    assert!(
        has(&receipt, "Айгүл Серікқызы Жақыпова"),
        "operator: {receipt}"
    );

    let refusal_receipt = find("refusal_to_accept_receipt");
    assert!(
        has(&refusal_receipt, "Ұсынылмаған құжаттар"),
        "{refusal_receipt}"
    );
    assert!(
        has(&refusal_receipt, "толық топтамасын ұсынбаған"),
        "{refusal_receipt}"
    );

    let referral = find("referral");
    assert!(
        has(&referral, "Кәсіптік даярлауға, қайта даярлауға"),
        "{referral}"
    );

    let permit = find("permit");
    assert!(has(&permit, "31.05.2017"), "{permit}");

    let duplicate = find("duplicate");
    assert!(
        has(&duplicate, "№ SIP-2014-0193, 03.09.2014"),
        "{duplicate}"
    );

    let certificate = find("certificate");
    assert!(has(&certificate, "2016 жылғы II тоқсан"), "{certificate}");
    assert!(has(&certificate, "Осы анықтама"), "{certificate}");

    let refusal = find("motivated_refusal");
    assert!(
        has(&refusal, "мынадай негіздер бойынша бас тартылады"),
        "{refusal}"
    );
    assert!(has(&refusal, "шынайы емес деректерді"), "{refusal}");
    assert!(
        has(&refusal, "Ғалымжан Сәбитұлы Нұрпейісов"),
        "signer: {refusal}"
    );
    assert!(
        has(&refusal, "Бөлім басшысы"),
        "signer's position: {refusal}"
    );
}

#[test]
fn every_referral_kind_is_named_in_kazakh_and_russian() {
    for kind in ReferralKind::ALL {
        let doc = document(DocumentKind::Referral {
            result: issued(text("жолдама", "направление")),
            referral: kind,
        });
        for lang in [Lang::Kk, Lang::Ru] {
            let name = qyzmet_documents::referral_kind_name(kind, lang);
            let text = extract_text(&render(&doc, lang));
            assert!(has(&text, name), "{kind:?} {lang}: no «{name}» in {text}");
        }
    }
}

#[test]
fn a_receipt_without_a_due_date_names_the_standards_term() {
    let doc = document(DocumentKind::AcceptanceReceipt {
        documents: vec![text("өтініш", "заявление")],
        operator: operator(),
        accepted_at: at("2016-05-12T10:24:05"),
        result_due: None,
    });
    for (lang, wording) in [
        (
            Lang::Kk,
            "мемлекеттік көрсетілетін қызмет стандартында белгіленген мерзімде",
        ),
        (
            Lang::Ru,
            "в сроки, установленные стандартом государственной услуги",
        ),
        (
            Lang::En,
            "within the term set by the public service standard",
        ),
    ] {
        let text = extract_text(&render(&doc, lang));
        assert!(has(&text, wording), "{lang}: no «{wording}» in {text}");
    }
}

#[test]
fn both_fonts_are_embedded_as_subsets() {
    let (_, doc) = &every_kind()[0];
    let pdf = render(doc, Lang::Kk);
    let parsed = parse(&pdf);
    let fonts = embedded_fonts(&parsed);
    assert!(
        fonts.iter().any(|name| name.ends_with("+DejaVuSans")),
        "{fonts:?}"
    );
    assert!(
        fonts.iter().any(|name| name.ends_with("+DejaVuSans-Bold")),
        "{fonts:?}"
    );
    // Subsetting keeps the file small: the two fonts alone are 1.4 MB.
    assert!(pdf.len() < 150_000, "{} bytes", pdf.len());
}

#[test]
fn output_is_deterministic() {
    for (name, doc) in every_kind() {
        for lang in [Lang::Kk, Lang::Ru] {
            let first = render(&doc, lang);
            let second = render(&doc.clone(), lang);
            assert!(first == second, "{name} {lang}: two renders differ");
        }
    }
}

#[test]
fn the_timestamp_and_the_id_change_the_bytes() {
    let (_, doc) = &every_kind()[2];
    let original = render(doc, Lang::Kk);

    let mut later = doc.clone();
    later.issued_at = at("2016-05-12T10:24:06");
    let later_pdf = render(&later, Lang::Kk);
    assert!(
        original != later_pdf,
        "a different timestamp gave the same bytes"
    );
    // The creation date is written from the timestamp.
    let info = String::from_utf8_lossy(&later_pdf).into_owned();
    assert!(
        info.contains("D:20160512102406+06'00"),
        "creation date missing"
    );

    let mut other_id = doc.clone();
    other_id.id = "d-00000001".into();
    assert!(original != render(&other_id, Lang::Kk));

    assert!(
        original != render(doc, Lang::Ru),
        "kk and ru are the same file"
    );
}

#[test]
fn the_pdf_is_a4_with_one_page_for_a_short_document() {
    for (name, doc) in every_kind() {
        let parsed = parse(&render(&doc, Lang::Kk));
        let pages = parsed.get_pages();
        assert_eq!(pages.len(), 1, "{name}");
        let page = parsed
            .get_object(pages[&1])
            .and_then(|page| page.as_dict())
            .expect("page");
        let media_box: Vec<f32> = page
            .get(b"MediaBox")
            .and_then(|b| b.as_array())
            .expect("media box")
            .iter()
            .map(|n| n.as_float().expect("number"))
            .collect();
        assert!(
            (media_box[2] - 595.276).abs() < 0.01,
            "{name}: {media_box:?}"
        );
        assert!(
            (media_box[3] - 841.89).abs() < 0.01,
            "{name}: {media_box:?}"
        );
    }
}

#[test]
fn long_lists_flow_onto_more_pages_with_numbered_footers() {
    let grounds = (1..=40)
        .map(|n| {
            text(
                &format!("{n}-негіз: көрсетілетін қызметті алушының құжаттарында кемшіліктердің болуы, мәліметтердің толық еместігі және олардың шынайы еместігі анықталған жағдайда"),
                &format!("основание {n}: наличие недостатков в документах услугополучателя"),
            )
        })
        .collect();
    let doc = document(DocumentKind::MotivatedRefusal {
        result: issued(text("дәлелді бас тарту", "мотивированный отказ")),
        grounds,
    });
    let pdf = render(&doc, Lang::Kk);
    let pages = parse(&pdf).get_pages().len();
    assert!(pages >= 3, "{pages} pages");
    let per_page = pdf_extract::extract_text_from_mem_by_pages(&pdf).expect("pages");
    for (index, page) in per_page.iter().enumerate() {
        let page = normalize(page);
        let footer = format!("Бет {} / {pages}", index + 1);
        assert!(has(&page, &footer), "page {}: {page}", index + 1);
        assert!(has(&page, CASE_NUMBER), "page {}", index + 1);
    }
    let all = normalize(&per_page.join(" "));
    assert!(has(&all, "40-негіз"), "the last ground is printed");
}

#[test]
fn a_long_kazakh_title_wraps_and_keeps_every_word() {
    let title = "Ауылдық елді мекендерде тұратын және жұмыс істейтін мемлекеттік денсаулық сақтау, әлеуметтік қамсыздандыру, білім беру, мәдениет, спорт және ветеринария ұйымдарының мамандарына отын сатып алу бойынша Қазақстан Республикасының заңнамасына сәйкес әлеуметтік көмек көрсету туралы хабарлама";
    let doc = document(DocumentKind::Notice(issued(text(title, "уведомление"))));
    let pdf = render(&doc, Lang::Kk);
    let raw = pdf_extract::extract_text_from_mem(&pdf).expect("text");
    let extracted = normalize(&raw);
    assert!(has(&extracted, title), "{extracted}");
    // It did wrap: the title is not on one line of the extracted text.
    assert!(!raw.lines().any(|line| line.contains(title)));
}

#[test]
fn inputs_out_of_bounds_are_typed_errors() {
    let (_, doc) = &every_kind()[2];

    let mut empty_case = doc.clone();
    empty_case.case_number = "  ".into();
    assert!(matches!(
        render_pdf(&empty_case, Lang::Kk),
        Err(DocumentError::Invalid { field, .. }) if field == "case_number"
    ));

    let mut bad_url = doc.clone();
    bad_url.verify_url = "javascript:alert(1)".into();
    assert!(matches!(
        render_pdf(&bad_url, Lang::Kk),
        Err(DocumentError::Invalid { field, .. }) if field == "verify_url"
    ));

    let mut chinese = doc.clone();
    chinese.applicant.name = "王小明".into();
    assert_eq!(
        render_pdf(&chinese, Lang::Kk),
        Err(DocumentError::UnsupportedCharacter {
            field: "applicant.name".into(),
            character: '王'
        })
    );

    let mut long = doc.clone();
    long.service_title.kk = "қ".repeat(MAX_TEXT_CHARS + 1);
    assert!(matches!(
        render_pdf(&long, Lang::Kk),
        Err(DocumentError::Invalid { field, .. }) if field == "service_title.kk"
    ));

    let refusal = document(DocumentKind::MotivatedRefusal {
        result: issued(text("дәлелді бас тарту", "мотивированный отказ")),
        grounds: vec![text(&"негіз ".repeat(330), "основание"); 100],
    });
    assert!(matches!(
        render_pdf(&refusal, Lang::Kk),
        Err(DocumentError::TooManyPages { pages }) if pages > MAX_PAGES
    ));

    let no_grounds = document(DocumentKind::MotivatedRefusal {
        result: issued(text("дәлелді бас тарту", "мотивированный отказ")),
        grounds: Vec::new(),
    });
    assert!(matches!(
        render_pdf(&no_grounds, Lang::Kk),
        Err(DocumentError::Invalid { field, .. }) if field == "grounds"
    ));
}

/// With `QYZMET_DOCUMENTS_OUT=<dir>`, writes every sample in kk and ru there,
/// to look at (`pdftoppm -png -r 80 <file> <prefix>`).
#[test]
fn samples_are_written_when_asked() {
    let Some(dir) = std::env::var_os("QYZMET_DOCUMENTS_OUT") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("output directory");
    for (name, doc) in every_kind() {
        for lang in [Lang::Kk, Lang::Ru] {
            std::fs::write(dir.join(format!("{name}-{lang}.pdf")), render(&doc, lang))
                .expect("write sample");
        }
    }
}
