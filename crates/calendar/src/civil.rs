//! Day numbers: a proleptic Gregorian day count, so that walking the calendar
//! is integer arithmetic instead of date-library calls.

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
/// Valid for every date jiff can represent (years -9999..=9999).
pub(crate) fn days_from_civil(year: i32, month: i32, day: i32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: `(year, month, day)`.
pub(crate) fn civil_from_days(days: i32) -> (i32, i32, i32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// 0 = Monday .. 6 = Sunday.
pub(crate) fn weekday_from_days(days: i32) -> i32 {
    // 1970-01-01 was a Thursday (3).
    (days + 3).rem_euclid(7)
}

pub(crate) fn is_weekend(days: i32) -> bool {
    weekday_from_days(days) >= 5
}

pub(crate) fn days_of(date: jiff::civil::Date) -> i32 {
    days_from_civil(
        i32::from(date.year()),
        i32::from(date.month()),
        i32::from(date.day()),
    )
}

/// The date of a day number, or `None` outside jiff's range.
pub(crate) fn date_of(days: i32) -> Option<jiff::civil::Date> {
    let (year, month, day) = civil_from_days(days);
    let year = i16::try_from(year).ok()?;
    jiff::civil::Date::new(year, month as i8, day as i8).ok()
}

pub(crate) fn days_in_month(year: i32, month: i32) -> i32 {
    let next = if month == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, month + 1, 1)
    };
    next - days_from_civil(year, month, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_weekdays() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(civil_from_days(days_from_civil(-4, 3, 1)), (-4, 3, 1));
        // 2024-03-01 was a Friday.
        assert_eq!(weekday_from_days(days_from_civil(2024, 3, 1)), 4);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
