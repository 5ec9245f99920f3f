//! Sample documents and PDF inspection helpers shared by the tests.

#![allow(dead_code)]

use qyzmet_documents::{
    Applicant, ApplicantId, Document, DocumentKind, Field, Iin, Issued, Lang, Provider,
    ReferralKind, Signer, Text,
};

pub const CASE_NUMBER: &str = "KZ-2016-0042-7781";
pub const DOC_ID: &str = "d-7f3a9c21";

pub fn text(kk: &str, ru: &str) -> Text {
    Text {
        kk: kk.into(),
        ru: Some(ru.into()),
        en: None,
    }
}

pub fn at(text: &str) -> jiff::civil::DateTime {
    text.parse().expect("test date-time")
}

pub fn day(text: &str) -> jiff::civil::Date {
    text.parse().expect("test date")
}

fn head() -> Signer {
    Signer {
        name: "Ғалымжан Сәбитұлы Нұрпейісов".into(),
        position: text("Бөлім басшысы", "Руководитель отдела"),
    }
}

pub fn operator() -> Signer {
    Signer {
        name: "Айгүл Серікқызы Жақыпова".into(),
        position: text(
            "«Азаматтарға арналған үкімет» Мемлекеттік корпорациясының қызметкері",
            "работник Государственной корпорации «Правительство для граждан»",
        ),
    }
}

pub fn issued(title: Text) -> Issued {
    Issued {
        title,
        statement: None,
        fields: Vec::new(),
        signer: head(),
    }
}

/// The document with everything but its kind.
pub fn document(kind: DocumentKind) -> Document {
    Document {
        id: DOC_ID.into(),
        issued_at: at("2016-05-12T10:24:05"),
        utc_offset: jiff::tz::Offset::constant(6),
        provider: Provider {
            name: text(
                "Орал қаласының жұмыспен қамту және әлеуметтік бағдарламалар бөлімі",
                "Отдел занятости и социальных программ города Уральска",
            ),
            address: text(
                "Орал қ., Достық даңғылы, 184",
                "г. Уральск, проспект Достык, 184",
            ),
            bin: None,
        },
        case_number: CASE_NUMBER.into(),
        service_title: text(
            "Жұмыссыз азаматтарды тіркеу және есепке қою",
            "Регистрация и постановка на учет безработных граждан",
        ),
        applicant: Applicant {
            name: "Зуһра Өмірқызы Қалиева".into(),
            id: Some(ApplicantId::Iin(
                Iin::parse("900101400013").expect("test IIN"),
            )),
        },
        verify_url: format!("https://qyzmet.example/verify/{DOC_ID}"),
        kind,
    }
}

/// One sample of every document kind, named.
pub fn every_kind() -> Vec<(&'static str, Document)> {
    let title = text(
        "жұмыссыз ретінде тіркеу және есепке қою туралы хабарлама",
        "уведомление о регистрации и постановке на учет в качестве безработного",
    );
    let mut certificate = issued(text(
        "ағымдағы тоқсанда атаулы әлеуметтік көмек алушыларға мемлекеттік қызмет алушының (отбасының) тиесілігін растайтын анықтама",
        "справка, подтверждающая принадлежность получателя государственной услуги (семьи) к получателям адресной социальной помощи в текущем квартале",
    ));
    certificate.statement = Some(text(
        "Осы анықтама өтініш берушінің отбасы ағымдағы тоқсанда атаулы әлеуметтік көмек алатынын растайды.",
        "Настоящая справка подтверждает, что семья заявителя получает адресную социальную помощь в текущем квартале.",
    ));
    certificate.fields.push(Field {
        label: text("Кезең", "Период"),
        value: text("2016 жылғы II тоқсан", "II квартал 2016 года"),
    });
    vec![
        (
            "acceptance_receipt",
            document(DocumentKind::AcceptanceReceipt {
                documents: vec![
                    text("өтініш", "заявление"),
                    text(
                        "жеке басын куәландыратын құжат",
                        "документ, удостоверяющий личность",
                    ),
                    text("еңбек кітапшасы", "трудовая книжка"),
                ],
                operator: operator(),
                accepted_at: at("2016-05-12T10:24:05"),
                result_due: Some(day("2016-05-24")),
            }),
        ),
        (
            "refusal_to_accept_receipt",
            document(DocumentKind::RefusalToAcceptReceipt {
                title: Some(text(
                    "Стандарттың 5-қосымшасына сәйкес нысан бойынша құжаттарды қабылдаудан бас тарту туралы қолхат",
                    "расписка об отказе в приеме документов по форме согласно приложению 5 к Стандарту",
                )),
                documents: vec![text("өтініш", "заявление")],
                missing_documents: vec![text("еңбек кітапшасы", "трудовая книжка")],
                grounds: vec![text(
                    "көрсетілетін қызметті алушы Стандарттың 9-тармағында көзделген тізбеге сәйкес құжаттардың толық топтамасын ұсынбаған жағдайда",
                    "непредставление услугополучателем полного пакета документов согласно перечню, предусмотренному пунктом 9 Стандарта",
                )],
                operator: operator(),
                refused_at: at("2016-05-12T10:24:05"),
            }),
        ),
        ("notice", document(DocumentKind::Notice(issued(title)))),
        (
            "certificate",
            document(DocumentKind::Certificate(certificate)),
        ),
        (
            "status_certificate",
            document(DocumentKind::StatusCertificate(issued(text(
                "оралман куәлігі",
                "удостоверение оралмана",
            )))),
        ),
        (
            "referral",
            document(DocumentKind::Referral {
                result: issued(text(
                    "жұмыспен қамтуға жәрдемдесудің белсенді нысандарына қатысуға жолдама",
                    "направление на участие в активных формах содействия занятости",
                )),
                referral: ReferralKind::VocationalTraining,
            }),
        ),
        (
            "decision",
            document(DocumentKind::Decision(issued(text(
                "Қазақстан Республикасының азаматтарын Семей ядролық сынақ полигонындағы ядролық сынақтардың салдарынан зардап шеккендер деп тану туралы шешім",
                "решение о признании граждан Республики Казахстан пострадавшими вследствие ядерных испытаний на Семипалатинском испытательном ядерном полигоне",
            )))),
        ),
        (
            "permit",
            document(DocumentKind::Permit {
                result: issued(text(
                    "көрсетілетін қызметті алушыға (жұмыс берушіге) шетелдік жұмыс күшін тартуға рұқсат беру",
                    "выдача услугополучателю (работодателю) разрешения на привлечение иностранной рабочей силы",
                )),
                valid_from: Some(day("2016-06-01")),
                valid_until: Some(day("2017-05-31")),
            }),
        ),
        (
            "duplicate",
            document(DocumentKind::Duplicate {
                result: issued(text("куәліктің телнұсқасы", "дубликат удостоверения")),
                original_number: "SIP-2014-0193".into(),
                original_issued_on: day("2014-09-03"),
            }),
        ),
        (
            "payment",
            document(DocumentKind::Payment(issued(text(
                "көрсетілетін қызметті алушының дербес шотына аудару арқылы өтемақы төлеу",
                "выплата компенсации путем перечисления на лицевой счет услугополучателя",
            )))),
        ),
        (
            "other",
            document(DocumentKind::Other(issued(text(
                "ауызша ақпарат беру (консультация беру)",
                "предоставление устной информации (консультация)",
            )))),
        ),
        (
            "motivated_refusal",
            document(DocumentKind::MotivatedRefusal {
                result: issued(text("дәлелді бас тарту", "мотивированный отказ")),
                grounds: vec![text(
                    "көрсетілетін қызметті алушы толық немесе шынайы емес деректерді жолдаған жағдайда",
                    "представление неполных или недостоверных данных",
                )],
            }),
        ),
    ]
}

/// The text of the PDF with every run of whitespace made one space.
pub fn extract_text(pdf: &[u8]) -> String {
    let raw = pdf_extract::extract_text_from_mem(pdf).expect("pdf-extract reads the PDF");
    normalize(&raw)
}

pub fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn parse(pdf: &[u8]) -> lopdf::Document {
    lopdf::Document::load_mem(pdf).expect("lopdf parses the PDF")
}

/// The base names of the fonts that have an embedded font program.
pub fn embedded_fonts(pdf: &lopdf::Document) -> Vec<String> {
    let mut names = Vec::new();
    for object in pdf.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        let is_descriptor = dict
            .get(b"Type")
            .and_then(|t| t.as_name())
            .is_ok_and(|name| name == b"FontDescriptor");
        if !is_descriptor {
            continue;
        }
        let has_program = [&b"FontFile"[..], b"FontFile2", b"FontFile3"]
            .iter()
            .any(|key| {
                dict.get(key)
                    .and_then(|reference| reference.as_reference())
                    .and_then(|id| pdf.get_object(id))
                    .and_then(|program| program.as_stream())
                    .is_ok_and(|stream| !stream.content.is_empty())
            });
        if has_program && let Ok(name) = dict.get(b"FontName").and_then(|n| n.as_name()) {
            names.push(String::from_utf8_lossy(name).into_owned());
        }
    }
    names.sort();
    names
}

pub fn render(doc: &Document, lang: Lang) -> Vec<u8> {
    qyzmet_documents::render_pdf(doc, lang)
        .unwrap_or_else(|error| panic!("rendering {}: {error}", doc.id))
}

/// Whether `text` holds `phrase`, ignoring whitespace: text extraction joins
/// wrapped lines without a space, so a phrase that wraps loses one.
pub fn has(text: &str, phrase: &str) -> bool {
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    squash(text).contains(&squash(phrase))
}
