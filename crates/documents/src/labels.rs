//! Every fixed text printed on a document, in Kazakh, Russian and English.
//!
//! The wording follows the service standards' receipt forms and the seed
//! regulations (көрсетілетін қызметті беруші / услугодатель, ЖСН / ИИН …).

use crate::{DocumentKind, Lang, ReferralKind};

/// A fixed label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Label {
    DocumentNumber,
    IssuedOn,
    CaseNumber,
    Service,
    Applicant,
    Iin,
    Bin,
    AcceptedAt,
    RefusedAt,
    Operator,
    ResultDue,
    ResultDueByStandard,
    DocumentsHandedIn,
    DocumentsMissing,
    AcceptanceStatement,
    RefusalToAcceptStatement,
    RefusalStatement,
    ReferralKind,
    ValidFrom,
    ValidUntil,
    DuplicateOf,
    SignedDigitally,
    Signature,
    ApplicantSignature,
    Verify,
    Page,
    Of,
    Footer,
}

pub(crate) fn label(label: Label, lang: Lang) -> &'static str {
    let (kk, ru, en) = match label {
        Label::DocumentNumber => ("Құжат нөмірі", "Номер документа", "Document number"),
        Label::IssuedOn => ("Берілген күні", "Дата выдачи", "Date of issue"),
        Label::CaseNumber => (
            "Өтініштің тіркеу нөмірі",
            "Регистрационный номер заявления",
            "Case number",
        ),
        Label::Service => (
            "Мемлекеттік көрсетілетін қызмет",
            "Государственная услуга",
            "Public service",
        ),
        Label::Applicant => (
            "Көрсетілетін қызметті алушы",
            "Услугополучатель",
            "Applicant",
        ),
        Label::Iin => ("ЖСН", "ИИН", "IIN"),
        Label::Bin => ("БСН", "БИН", "BIN"),
        Label::AcceptedAt => (
            "Құжаттардың қабылданған күні мен уақыты",
            "Дата и время приема документов",
            "Documents accepted on",
        ),
        Label::RefusedAt => (
            "Бас тартылған күні мен уақыты",
            "Дата и время отказа",
            "Refused on",
        ),
        Label::Operator => (
            "Құжаттарды қабылдаған қызметкер",
            "Работник, принявший документы",
            "Operator",
        ),
        Label::ResultDue => (
            "Нәтижені беру күні",
            "Дата выдачи результата",
            "Result due on",
        ),
        Label::ResultDueByStandard => (
            "мемлекеттік көрсетілетін қызмет стандартында белгіленген мерзімде",
            "в сроки, установленные стандартом государственной услуги",
            "within the term set by the public service standard",
        ),
        Label::DocumentsHandedIn => (
            "Ұсынылған құжаттар",
            "Представленные документы",
            "Documents handed in",
        ),
        Label::DocumentsMissing => (
            "Ұсынылмаған құжаттар",
            "Непредставленные документы",
            "Documents missing",
        ),
        Label::AcceptanceStatement => (
            "Мемлекеттік көрсетілетін қызметті алу үшін мынадай құжаттар қабылданды:",
            "Для получения государственной услуги приняты следующие документы:",
            "The following documents were accepted for the public service:",
        ),
        Label::RefusalToAcceptStatement => (
            "Құжаттарды қабылдаудан мынадай негіздер бойынша бас тартылады:",
            "В приеме документов отказано по следующим основаниям:",
            "The documents are not accepted, on these grounds:",
        ),
        Label::RefusalStatement => (
            "Мемлекеттік қызмет көрсетуден мынадай негіздер бойынша бас тартылады:",
            "В оказании государственной услуги отказано по следующим основаниям:",
            "The public service is refused, on these grounds:",
        ),
        Label::ReferralKind => ("Жолдаманың түрі", "Вид направления", "Kind of referral"),
        Label::ValidFrom => ("Қолданылу басы", "Действует с", "Valid from"),
        Label::ValidUntil => ("Қолданылу мерзімі", "Действует до", "Valid until"),
        Label::DuplicateOf => ("Түпнұсқа құжат", "Оригинал документа", "Original document"),
        Label::SignedDigitally => (
            "Құжат электрондық цифрлық қолтаңбамен қол қойылған",
            "Документ подписан электронной цифровой подписью",
            "Signed with an electronic digital signature",
        ),
        Label::Signature => ("қолы", "подпись", "signature"),
        Label::ApplicantSignature => (
            "Көрсетілетін қызметті алушының қолы",
            "Подпись услугополучателя",
            "Applicant's signature",
        ),
        Label::Verify => (
            "Құжаттың түпнұсқалығын тексеру үшін QR-кодты сканерлеңіз немесе сілтемені ашыңыз:",
            "Для проверки подлинности документа отсканируйте QR-код или откройте ссылку:",
            "To verify this document, scan the QR code or open:",
        ),
        Label::Page => ("Бет", "Стр.", "Page"),
        Label::Of => ("/", "из", "of"),
        Label::Footer => (
            "Qyzmet — мемлекеттік қызметтердің электрондық құжаты",
            "Qyzmet — электронный документ государственных услуг",
            "Qyzmet — electronic public-service document",
        ),
    };
    pick(lang, kk, ru, en)
}

pub(crate) fn heading(kind: &DocumentKind, lang: Lang) -> &'static str {
    let (kk, ru, en) = match kind {
        DocumentKind::AcceptanceReceipt { .. } => (
            "Құжаттарды қабылдау туралы қолхат",
            "Расписка о приеме документов",
            "Receipt of acceptance of documents",
        ),
        DocumentKind::RefusalToAcceptReceipt { .. } => (
            "Құжаттарды қабылдаудан бас тарту туралы қолхат",
            "Расписка об отказе в приеме документов",
            "Receipt of refusal to accept documents",
        ),
        DocumentKind::Notice(_) => ("Хабарлама", "Уведомление", "Notice"),
        DocumentKind::Certificate(_) => ("Анықтама", "Справка", "Certificate"),
        DocumentKind::StatusCertificate(_) => ("Куәлік", "Удостоверение", "Certificate"),
        DocumentKind::Referral { .. } => ("Жолдама", "Направление", "Referral"),
        DocumentKind::Decision(_) => ("Шешім", "Решение", "Decision"),
        DocumentKind::Permit { .. } => ("Рұқсат", "Разрешение", "Permit"),
        DocumentKind::Duplicate { .. } => ("Телнұсқа", "Дубликат", "Duplicate"),
        DocumentKind::Payment(_) => (
            "Төлем туралы хабарлама",
            "Уведомление о выплате",
            "Payment notice",
        ),
        DocumentKind::Other(_) => (
            "Мемлекеттік қызмет көрсету нәтижесі",
            "Результат оказания государственной услуги",
            "Result of the public service",
        ),
        DocumentKind::MotivatedRefusal { .. } => (
            "Мемлекеттік қызмет көрсетуден дәлелді бас тарту",
            "Мотивированный отказ в оказании государственной услуги",
            "Motivated refusal of the public service",
        ),
    };
    pick(lang, kk, ru, en)
}

pub(crate) fn referral_kind(kind: ReferralKind, lang: Lang) -> &'static str {
    let (kk, ru, en) = match kind {
        ReferralKind::JobPlacement => (
            "Жұмысқа орналасуға жолдама",
            "Направление на трудоустройство",
            "Job placement",
        ),
        ReferralKind::PublicWorks => (
            "Қоғамдық жұмыстарға жолдама",
            "Направление на общественные работы",
            "Public works",
        ),
        ReferralKind::VocationalTraining => (
            "Кәсіптік даярлауға, қайта даярлауға және біліктілігін арттыруға жолдама",
            "Направление на профессиональную подготовку, переподготовку и повышение квалификации",
            "Vocational training, retraining and upskilling",
        ),
        ReferralKind::SocialJobs => (
            "Әлеуметтік жұмыс орындарына жұмысқа орналасуға жолдама",
            "Направление на трудоустройство на социальные рабочие места",
            "Social jobs",
        ),
        ReferralKind::YouthPractice => (
            "Жастар практикасына жолдама",
            "Направление на молодежную практику",
            "Youth practice",
        ),
        ReferralKind::VocationalGuidance => (
            "Кәсіптік бағдарлау бойынша тегін қызметтер көрсету",
            "Оказание бесплатных услуг по профессиональной ориентации",
            "Vocational guidance",
        ),
    };
    pick(lang, kk, ru, en)
}

fn pick(lang: Lang, kk: &'static str, ru: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Kk => kk,
        Lang::Ru => ru,
        Lang::En => en,
    }
}
