//! The days off of the Law No. 267-II of 13 December 2001 «On holidays in the
//! Republic of Kazakhstan», Art. 5, with the years each rule applied.
//!
//! Facts and sources: `shared/docs/DOMAIN.md`, section "Working calendar".
//! The rules that change every year (first day of Kurban Ait, Government
//! transfers) are data: `crates/calendar/data/kazakhstan.txt`.

/// Where the holiday rules come from, quoted in every reason.
pub const LAW: &str = "Law No. 267-II of 13 Dec 2001 «On holidays», Art. 5";

/// A holiday that moves to the next working day when it falls on a
/// Saturday or Sunday.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Holiday {
    pub month: i32,
    pub day: i32,
    pub name: &'static str,
}

/// One rule of the law: a date, its name and the years it was a day off.
struct Rule {
    month: i32,
    day: i32,
    name: &'static str,
    first_year: i32,
    last_year: i32,
}

const ALWAYS: i32 = i32::MAX;

#[rustfmt::skip]
const RULES: &[Rule] = &[
    Rule { month: 1, day: 1, name: "New Year", first_year: 2002, last_year: ALWAYS },
    Rule { month: 1, day: 2, name: "New Year", first_year: 2002, last_year: ALWAYS },
    Rule { month: 3, day: 8, name: "International Women's Day", first_year: 2002, last_year: ALWAYS },
    // The 2026 constitution moves Constitution Day to 15 March from 2027
    // (DOMAIN.md rates this medium-high).
    Rule { month: 3, day: 15, name: "Constitution Day", first_year: 2027, last_year: ALWAYS },
    Rule { month: 3, day: 21, name: "Nauryz meiramy", first_year: 2010, last_year: ALWAYS },
    Rule { month: 3, day: 22, name: "Nauryz meiramy", first_year: 2002, last_year: ALWAYS },
    Rule { month: 3, day: 23, name: "Nauryz meiramy", first_year: 2010, last_year: ALWAYS },
    Rule { month: 5, day: 1, name: "Kazakhstan People's Unity Day", first_year: 2002, last_year: ALWAYS },
    Rule { month: 5, day: 7, name: "Defender of the Fatherland Day", first_year: 2013, last_year: ALWAYS },
    Rule { month: 5, day: 9, name: "Victory Day", first_year: 2002, last_year: ALWAYS },
    Rule { month: 7, day: 6, name: "Capital Day", first_year: 2009, last_year: ALWAYS },
    Rule { month: 8, day: 30, name: "Constitution Day", first_year: 2002, last_year: 2025 },
    Rule { month: 10, day: 25, name: "Republic Day", first_year: 2002, last_year: 2008 },
    Rule { month: 10, day: 25, name: "Republic Day", first_year: 2022, last_year: ALWAYS },
    Rule { month: 12, day: 1, name: "First President Day", first_year: 2012, last_year: 2021 },
    Rule { month: 12, day: 16, name: "Independence Day", first_year: 2002, last_year: ALWAYS },
    Rule { month: 12, day: 17, name: "Independence Day", first_year: 2002, last_year: 2021 },
];

/// The holidays of `year` that move when they fall on a weekend, in date order.
pub(crate) fn movable_holidays(year: i32) -> Vec<Holiday> {
    RULES
        .iter()
        .filter(|rule| rule.first_year <= year && year <= rule.last_year)
        .map(|rule| Holiday {
            month: rule.month,
            day: rule.day,
            name: rule.name,
        })
        .collect()
}

/// Orthodox Christmas: a day off from 2006, never moved.
pub(crate) fn orthodox_christmas(year: i32) -> Option<Holiday> {
    (year >= 2006).then_some(Holiday {
        month: 1,
        day: 7,
        name: "Orthodox Christmas",
    })
}

/// The first day of Kurban Ait is a day off from 2006 (its date is data).
pub(crate) const KURBAN_AIT_FIRST_YEAR: i32 = 2006;
