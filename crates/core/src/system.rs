//! The state information systems a regulation's steps ask through the
//! e-government gateway (ЭҮШ / ШЭП), and the answers each can give.
//!
//! Shared by the regulation format (`calls:`, `answers:`), the engine (which
//! branches on recorded answers), the gateway adapters (which produce them)
//! and the web application (which shows them). One list, so a system the
//! linter accepts is a system the gateway can call.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Text;

/// A state information system, or one service of it, reached through the
/// e-government gateway.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum System {
    /// The state database of individuals (ЖТ МДҚ / ГБД ФЛ): the applicant's
    /// identity, address and status by IIN.
    PersonDatabase,
    /// The unified notary information system (БНАЖ / ЕНИС): the
    /// representative's notarised power of attorney. Asked only when the
    /// submission names a representative.
    Notary,
    /// The «Еңбек нарығы» labour market system: delivery of a registration,
    /// referral or certificate request.
    LabourMarket,
    /// The labour market system's unemployment record of a person.
    UnemploymentRecord,
    /// The state pension payment centre (ЗТМО / ГЦВП): a payment order to a
    /// personal or control account.
    Payment,
    /// The regional gateway's workstation (ЭҮАШ АЖО / АРМ РШЭП): delivery of
    /// a signed package to the provider (asynchronous delivery states).
    RegionalGateway,
}

/// What a system answered (or, after the retry budget, what the person who
/// checked by hand found).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Person database: the record exists.
    Found,
    /// Person database or notary: no record.
    NotFound,
    /// Notary: the power of attorney is valid for this representative.
    Valid,
    /// Notary: the power of attorney was revoked.
    Revoked,
    /// Notary: the power of attorney's validity has ended.
    Expired,
    /// Unemployment record: registered as unemployed.
    Registered,
    /// Unemployment record: not registered as unemployed.
    NotRegistered,
    /// Labour market or regional gateway: the package was delivered.
    Delivered,
    /// Regional gateway: the package could not be delivered.
    NotDelivered,
    /// Payment centre: the payment order was accepted.
    Accepted,
    /// The system refused the request (a business fault of the gateway or
    /// the system: access denied, invalid request).
    Refused,
}

impl System {
    pub const ALL: [System; 6] = [
        System::PersonDatabase,
        System::Notary,
        System::LabourMarket,
        System::UnemploymentRecord,
        System::Payment,
        System::RegionalGateway,
    ];

    /// The snake_case name used in regulation files, events and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            System::PersonDatabase => "person_database",
            System::Notary => "notary",
            System::LabourMarket => "labour_market",
            System::UnemploymentRecord => "unemployment_record",
            System::Payment => "payment",
            System::RegionalGateway => "regional_gateway",
        }
    }

    pub fn parse(name: &str) -> Option<System> {
        System::ALL
            .into_iter()
            .find(|system| system.as_str() == name)
    }

    /// Every answer the system can give, the positive one first.
    pub fn answers(self) -> &'static [Answer] {
        match self {
            System::PersonDatabase => &[Answer::Found, Answer::NotFound, Answer::Refused],
            System::Notary => &[
                Answer::Valid,
                Answer::NotFound,
                Answer::Revoked,
                Answer::Expired,
                Answer::Refused,
            ],
            System::LabourMarket => &[Answer::Delivered, Answer::Refused],
            System::UnemploymentRecord => {
                &[Answer::Registered, Answer::NotRegistered, Answer::Refused]
            }
            System::Payment => &[Answer::Accepted, Answer::Refused],
            System::RegionalGateway => &[Answer::Delivered, Answer::NotDelivered],
        }
    }

    /// The answer that lets the case go on as the regulation's positive
    /// branch ("condition 1: the data exist").
    pub fn positive(self) -> Answer {
        self.answers()[0]
    }

    pub fn can_answer(self, answer: Answer) -> bool {
        self.answers().contains(&answer)
    }

    /// The system's name for people.
    pub fn title(self) -> Text {
        match self {
            System::PersonDatabase => Text::new(
                "«Жеке тұлғалар» мемлекеттік деректер қоры (ЖТ МДҚ)",
                "государственная база данных «Физические лица» (ГБД ФЛ)",
                "state database of individuals",
            ),
            System::Notary => Text::new(
                "Бірыңғай нотариаттық ақпараттық жүйе (БНАЖ)",
                "единая нотариальная информационная система (ЕНИС)",
                "unified notary information system",
            ),
            System::LabourMarket => Text::new(
                "«Еңбек нарығы» ақпараттық жүйесі",
                "информационная система «Рынок труда»",
                "labour market information system",
            ),
            System::UnemploymentRecord => Text::new(
                "«Еңбек нарығы» жүйесіндегі жұмыссыздар есебі",
                "учет безработных в системе «Рынок труда»",
                "unemployment record of the labour market system",
            ),
            System::Payment => Text::new(
                "Зейнетақы төлеу жөніндегі мемлекеттік орталық (ЗТМО)",
                "Государственный центр по выплате пенсий (ГЦВП)",
                "state pension payment centre",
            ),
            System::RegionalGateway => Text::new(
                "Электрондық үкіметтің аймақтық шлюзі (ЭҮАШ АЖО)",
                "региональный шлюз «электронного правительства» (АРМ РШЭП)",
                "regional e-government gateway",
            ),
        }
    }
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Found => "found",
            Answer::NotFound => "not_found",
            Answer::Valid => "valid",
            Answer::Revoked => "revoked",
            Answer::Expired => "expired",
            Answer::Registered => "registered",
            Answer::NotRegistered => "not_registered",
            Answer::Delivered => "delivered",
            Answer::NotDelivered => "not_delivered",
            Answer::Accepted => "accepted",
            Answer::Refused => "refused",
        }
    }

    pub fn parse(name: &str) -> Option<Answer> {
        const ALL: [Answer; 11] = [
            Answer::Found,
            Answer::NotFound,
            Answer::Valid,
            Answer::Revoked,
            Answer::Expired,
            Answer::Registered,
            Answer::NotRegistered,
            Answer::Delivered,
            Answer::NotDelivered,
            Answer::Accepted,
            Answer::Refused,
        ];
        ALL.into_iter().find(|answer| answer.as_str() == name)
    }

    /// The answer for people.
    pub fn title(self) -> Text {
        match self {
            Answer::Found => Text::new("мәліметтер бар", "данные имеются", "data found"),
            Answer::NotFound => Text::new("мәліметтер жоқ", "данные отсутствуют", "not found"),
            Answer::Valid => Text::new("сенімхат жарамды", "доверенность действительна", "valid"),
            Answer::Revoked => Text::new(
                "сенімхат кері қайтарылған",
                "доверенность отозвана",
                "revoked",
            ),
            Answer::Expired => Text::new(
                "сенімхаттың қолданылу мерзімі өткен",
                "срок действия доверенности истек",
                "expired",
            ),
            Answer::Registered => Text::new(
                "жұмыссыз ретінде тіркелген",
                "зарегистрирован в качестве безработного",
                "registered as unemployed",
            ),
            Answer::NotRegistered => Text::new(
                "жұмыссыз ретінде тіркелмеген",
                "не зарегистрирован в качестве безработного",
                "not registered as unemployed",
            ),
            Answer::Delivered => Text::new("жеткізілді", "доставлено", "delivered"),
            Answer::NotDelivered => Text::new("жеткізілмеді", "не доставлено", "not delivered"),
            Answer::Accepted => Text::new(
                "төлем тапсырмасы қабылданды",
                "платежное поручение принято",
                "payment order accepted",
            ),
            Answer::Refused => Text::new(
                "жүйе сұраудан бас тартты",
                "система отказала в запросе",
                "refused by the system",
            ),
        }
    }
}

impl std::fmt::Display for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for system in System::ALL {
            assert_eq!(System::parse(system.as_str()), Some(system));
            let json = serde_json::to_string(&system).unwrap();
            assert_eq!(json, format!("\"{}\"", system.as_str()));
            for &answer in system.answers() {
                assert_eq!(Answer::parse(answer.as_str()), Some(answer));
                let json = serde_json::to_string(&answer).unwrap();
                assert_eq!(json, format!("\"{}\"", answer.as_str()));
            }
        }
        assert_eq!(System::parse("gbd"), None);
        assert_eq!(Answer::parse("maybe"), None);
    }

    #[test]
    fn positive_answer_is_listed_first() {
        assert_eq!(System::PersonDatabase.positive(), Answer::Found);
        assert_eq!(System::Notary.positive(), Answer::Valid);
        assert!(!System::Payment.can_answer(Answer::Found));
        assert!(System::RegionalGateway.can_answer(Answer::NotDelivered));
    }
}
