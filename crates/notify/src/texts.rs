//! The notification texts, kk (default) / ru / en.
//!
//! A text contains only the case number, the service's name when the
//! caller knows it, and the path of the case in the personal cabinet
//! (`/cabinet/cases/{case_id}`, prefixed by the portal's address when one
//! is configured). Nothing else about the person or the case: the IIN, the
//! name, the address, the reasons of a refusal are read in the cabinet
//! after logging in.

use qyzmet_core::Lang;
use serde::{Deserialize, Serialize};

/// What happened, as the citizen sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `case_accepted`.
    Accepted,
    /// `case_closed` with status `refused_to_accept`.
    RefusedToAccept,
    /// `case_closed` with status `completed`: the result is ready.
    Completed,
    /// `case_closed` with status `refused`: a motivated refusal.
    Refused,
    /// `term_extended`.
    TermExtended,
    /// An appeal case closed with result `appeal-upheld`.
    AppealUpheld,
    /// An appeal case closed with result `appeal-rejected`.
    AppealRejected,
    /// An appeal case closed with another (or no) result.
    AppealDecided,
    /// `case_reopened`: the original case goes on after an upheld appeal.
    Reopened,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Accepted,
        Kind::RefusedToAccept,
        Kind::Completed,
        Kind::Refused,
        Kind::TermExtended,
        Kind::AppealUpheld,
        Kind::AppealRejected,
        Kind::AppealDecided,
        Kind::Reopened,
    ];

    /// The stable name stored with the notification.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Accepted => "accepted",
            Kind::RefusedToAccept => "refused_to_accept",
            Kind::Completed => "completed",
            Kind::Refused => "refused",
            Kind::TermExtended => "term_extended",
            Kind::AppealUpheld => "appeal_upheld",
            Kind::AppealRejected => "appeal_rejected",
            Kind::AppealDecided => "appeal_decided",
            Kind::Reopened => "reopened",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

/// One notification in one language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The e-mail subject and the cabinet's headline.
    pub subject: String,
    /// The e-mail body and the cabinet's text (plain text).
    pub body: String,
    /// The SMS text (short; the link included).
    pub sms: String,
    /// `/cabinet/cases/{case_id}`, or the full address when a base is given.
    pub link: String,
}

/// The case's place in the personal cabinet.
pub fn cabinet_path(case_id: &str) -> String {
    format!("/cabinet/cases/{case_id}")
}

/// Renders a notification. `service` is the service's name in `lang`
/// (`None`: not named); `base_url` (e.g. `https://qyzmet.example.kz`)
/// makes the link absolute for e-mail and SMS.
pub fn render(
    kind: Kind,
    lang: Lang,
    case_id: &str,
    service: Option<&str>,
    base_url: Option<&str>,
) -> Message {
    let link = match base_url {
        Some(base) => format!("{}{}", base.trim_end_matches('/'), cabinet_path(case_id)),
        None => cabinet_path(case_id),
    };
    let svc = service
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| format!(" ({name})"))
        .unwrap_or_default();
    let c = case_id;
    let (subject, sentence) = match lang {
        Lang::Kk => kk(kind, c, &svc),
        Lang::Ru => ru(kind, c, &svc),
        Lang::En => en(kind, c, &svc),
    };
    let (details, footer) = match lang {
        Lang::Kk => (
            "Толығырақ жеке кабинетте",
            "Бұл хат автоматты түрде жіберілді, оған жауап берудің қажеті жоқ.",
        ),
        Lang::Ru => (
            "Подробнее в личном кабинете",
            "Это письмо отправлено автоматически, отвечать на него не нужно.",
        ),
        Lang::En => (
            "Details in your personal cabinet",
            "This message was sent automatically; please do not reply.",
        ),
    };
    let body = format!("{sentence}\n\n{details}: {link}\n\n{footer}\n");
    let sms = format!("{subject}: № {c}. {link}");
    Message {
        subject: subject.to_owned(),
        body,
        sms,
        link,
    }
}

fn kk(kind: Kind, c: &str, svc: &str) -> (&'static str, String) {
    match kind {
        Kind::Accepted => (
            "Өтінім қабылданды",
            format!("№ {c} өтініміңіз{svc} қарауға қабылданды."),
        ),
        Kind::RefusedToAccept => (
            "Өтінімді қабылдаудан бас тартылды",
            format!("№ {c} өтініміңізді{svc} қабылдаудан бас тартылды."),
        ),
        Kind::Completed => (
            "Нәтиже дайын",
            format!("№ {c} өтініміңіз{svc} бойынша нәтиже дайын."),
        ),
        Kind::Refused => (
            "Қызмет көрсетуден бас тартылды",
            format!(
                "№ {c} өтініміңіз{svc} бойынша қызмет көрсетуден бас тарту туралы шешім қабылданды."
            ),
        ),
        Kind::TermExtended => (
            "Қарау мерзімі ұзартылды",
            format!("№ {c} өтініміңізді{svc} қарау мерзімі ұзартылды."),
        ),
        Kind::AppealUpheld => (
            "Шағым қаралды",
            format!("№ {c} шағымыңыз{svc} қаралды: шағым қанағаттандырылды."),
        ),
        Kind::AppealRejected => (
            "Шағым қаралды",
            format!("№ {c} шағымыңыз{svc} қаралды: шағым қанағаттандырусыз қалдырылды."),
        ),
        Kind::AppealDecided => (
            "Шағым қаралды",
            format!("№ {c} шағымыңыз{svc} бойынша шешім қабылданды."),
        ),
        Kind::Reopened => (
            "Өтінім қайта қаралады",
            format!("Шағым бойынша шешімнен кейін № {c} өтініміңіз{svc} қайта қаралады."),
        ),
    }
}

fn ru(kind: Kind, c: &str, svc: &str) -> (&'static str, String) {
    match kind {
        Kind::Accepted => (
            "Заявка принята",
            format!("Ваша заявка № {c}{svc} принята к рассмотрению."),
        ),
        Kind::RefusedToAccept => (
            "Отказ в приёме заявки",
            format!("В приёме вашей заявки № {c}{svc} отказано."),
        ),
        Kind::Completed => (
            "Результат готов",
            format!("Результат по вашей заявке № {c}{svc} готов."),
        ),
        Kind::Refused => (
            "Отказ в оказании услуги",
            format!("По вашей заявке № {c}{svc} принято решение об отказе в оказании услуги."),
        ),
        Kind::TermExtended => (
            "Срок рассмотрения продлён",
            format!("Срок рассмотрения вашей заявки № {c}{svc} продлён."),
        ),
        Kind::AppealUpheld => (
            "Жалоба рассмотрена",
            format!("Ваша жалоба № {c}{svc} рассмотрена: жалоба удовлетворена."),
        ),
        Kind::AppealRejected => (
            "Жалоба рассмотрена",
            format!("Ваша жалоба № {c}{svc} рассмотрена: в удовлетворении жалобы отказано."),
        ),
        Kind::AppealDecided => (
            "Жалоба рассмотрена",
            format!("По вашей жалобе № {c}{svc} принято решение."),
        ),
        Kind::Reopened => (
            "Заявка возобновлена",
            format!("По решению по жалобе рассмотрение вашей заявки № {c}{svc} возобновлено."),
        ),
    }
}

fn en(kind: Kind, c: &str, svc: &str) -> (&'static str, String) {
    match kind {
        Kind::Accepted => (
            "Application accepted",
            format!("Your application No. {c}{svc} has been accepted for consideration."),
        ),
        Kind::RefusedToAccept => (
            "Application not accepted",
            format!("Your application No. {c}{svc} was not accepted."),
        ),
        Kind::Completed => (
            "Result ready",
            format!("The result of your application No. {c}{svc} is ready."),
        ),
        Kind::Refused => (
            "Service refused",
            format!("The service under your application No. {c}{svc} was refused."),
        ),
        Kind::TermExtended => (
            "Deadline extended",
            format!("The deadline for your application No. {c}{svc} has been extended."),
        ),
        Kind::AppealUpheld => (
            "Appeal decided",
            format!("Your appeal No. {c}{svc} has been decided: the appeal was upheld."),
        ),
        Kind::AppealRejected => (
            "Appeal decided",
            format!("Your appeal No. {c}{svc} has been decided: the appeal was rejected."),
        ),
        Kind::AppealDecided => (
            "Appeal decided",
            format!("A decision has been made on your appeal No. {c}{svc}."),
        ),
        Kind::Reopened => (
            "Case reopened",
            format!(
                "Following the appeal decision, your application No. {c}{svc} has been reopened."
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_language_names_the_case_and_the_link_only() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.code()), Some(kind));
            let mut subjects = std::collections::HashSet::new();
            for lang in Lang::ALL {
                let m = render(kind, lang, "K-2025-000123", Some("Тіркеу"), None);
                assert!(m.body.contains("№ K-2025-000123") || m.body.contains("No. K-2025-000123"));
                assert!(m.body.contains("(Тіркеу)"), "{kind:?} {lang}");
                assert!(m.body.contains("/cabinet/cases/K-2025-000123"));
                assert!(m.sms.contains("/cabinet/cases/K-2025-000123"));
                assert!(m.sms.chars().count() <= 160, "{kind:?} {lang}: {}", m.sms);
                assert!(
                    subjects.insert(m.subject.clone()),
                    "{kind:?}: same subject in two languages"
                );
            }
        }
        let plain = render(Kind::Completed, Lang::Ru, "c1", None, Some("https://e.kz/"));
        assert_eq!(plain.link, "https://e.kz/cabinet/cases/c1");
        assert!(!plain.body.contains("()"));
    }
}
