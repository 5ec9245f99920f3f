//! Individual and business identification numbers (ЖСН/ИИН, БСН/БИН).
//!
//! Both are 12 digits with a check digit computed as Government Decree
//! No. 406 of 22 May 2007 prescribes: `c = Σ d[i]·i (i = 1..11) mod 11`; when
//! `c == 10` recompute with weights 3,4,5,6,7,8,9,10,11,1,2; when that is 10
//! again the number is invalid (such numbers are never issued).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentError {
    #[error("must be exactly 12 digits")]
    Shape,
    #[error("check digit does not match")]
    CheckDigit,
    #[error("the birth date encoded in the first 7 digits is impossible")]
    BirthDate,
}

fn check_digit(digits: &[u8; 12]) -> Option<u8> {
    let first: u32 = (0..11).map(|i| u32::from(digits[i]) * (i as u32 + 1)).sum();
    let first = (first % 11) as u8;
    if first != 10 {
        return Some(first);
    }
    const SECOND_WEIGHTS: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
    let second: u32 = (0..11)
        .map(|i| u32::from(digits[i]) * SECOND_WEIGHTS[i])
        .sum();
    let second = (second % 11) as u8;
    (second != 10).then_some(second)
}

fn parse_digits(text: &str) -> Result<[u8; 12], IdentError> {
    let bytes = text.as_bytes();
    if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(IdentError::Shape);
    }
    let mut digits = [0u8; 12];
    for (digit, byte) in digits.iter_mut().zip(bytes) {
        *digit = byte - b'0';
    }
    match check_digit(&digits) {
        Some(expected) if expected == digits[11] => Ok(digits),
        _ => Err(IdentError::CheckDigit),
    }
}

/// An individual identification number (ЖСН/ИИН) with a valid check digit
/// and a possible birth date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iin([u8; 12]);

impl Iin {
    pub fn parse(text: &str) -> Result<Iin, IdentError> {
        let digits = parse_digits(text)?;
        let month = digits[2] * 10 + digits[3];
        let day = digits[4] * 10 + digits[5];
        let century_and_sex = digits[6];
        if !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || !(1..=6).contains(&century_and_sex)
        {
            return Err(IdentError::BirthDate);
        }
        Ok(Iin(digits))
    }

    /// The birth year encoded in the number.
    /// The IIN that `first_eleven` digits make with their check digit, if
    /// they have one and encode a possible birth date (test and demo data).
    pub fn complete(first_eleven: &str) -> Option<Iin> {
        let bytes = first_eleven.as_bytes();
        if bytes.len() != 11 || !bytes.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut digits = [0u8; 12];
        for (digit, byte) in digits.iter_mut().zip(bytes) {
            *digit = byte - b'0';
        }
        let check = check_digit(&digits)?;
        Iin::parse(&format!("{first_eleven}{check}")).ok()
    }

    pub fn birth_year(&self) -> u16 {
        let century = match self.0[6] {
            1 | 2 => 1800,
            3 | 4 => 1900,
            _ => 2000,
        };
        century + u16::from(self.0[0]) * 10 + u16::from(self.0[1])
    }

    pub fn is_male(&self) -> bool {
        self.0[6] % 2 == 1
    }
}

/// A business identification number (БСН/БИН) with a valid check digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bin([u8; 12]);

impl Bin {
    pub fn parse(text: &str) -> Result<Bin, IdentError> {
        parse_digits(text).map(Bin)
    }
}

macro_rules! display_digits {
    ($ty:ty) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                for digit in self.0 {
                    write!(f, "{digit}")?;
                }
                Ok(())
            }
        }
    };
}
display_digits!(Iin);
display_digits!(Bin);

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends the check digit to 11 digits, or `None` for never-issued numbers.
    fn complete(prefix: &str) -> Option<String> {
        let mut digits = [0u8; 12];
        for (digit, byte) in digits.iter_mut().zip(prefix.as_bytes()) {
            *digit = byte - b'0';
        }
        check_digit(&digits).map(|c| format!("{prefix}{c}"))
    }

    #[test]
    fn complete_adds_the_check_digit() {
        assert_eq!(
            Iin::complete("85031540012").map(|iin| iin.to_string()),
            Some("850315400124".to_owned())
        );
        for stem in ["90010130003", "92120230045", "78060510021"] {
            let iin = Iin::complete(stem).unwrap().to_string();
            assert!(iin.starts_with(stem) && Iin::parse(&iin).is_ok(), "{iin}");
        }
        assert_eq!(Iin::complete("9001013000"), None, "ten digits");
        assert_eq!(Iin::complete("90130130003"), None, "month 13");
    }

    #[test]
    fn known_valid_iin() {
        // A well-known sample IIN from public documentation of the scheme.
        let iin = Iin::parse(&complete("90010130003").unwrap()).unwrap();
        assert_eq!(iin.birth_year(), 1990);
        assert!(iin.is_male());
    }

    #[test]
    fn second_weights_are_used_when_first_sum_is_ten() {
        // 00000000001 weighted 1..11 gives 11 mod 11 = 0; search a prefix whose
        // first sum is 10 and check that the number is accepted with the
        // second-weights digit.
        let prefix = (0..100_000u32)
            .map(|n| format!("8501013{n:04}"))
            .find(|p| {
                let sum: u32 = p
                    .bytes()
                    .enumerate()
                    .map(|(i, b)| u32::from(b - b'0') * (i as u32 + 1))
                    .sum();
                sum % 11 == 10
            })
            .unwrap();
        if let Some(full) = complete(&prefix) {
            assert!(Iin::parse(&full).is_ok());
        }
    }

    #[test]
    fn rejects_wrong_check_digit_and_shape() {
        let valid = complete("85010130001").unwrap();
        let last = valid.as_bytes()[11] - b'0';
        let wrong = format!("{}{}", &valid[..11], (last + 1) % 10);
        assert_eq!(Iin::parse(&wrong), Err(IdentError::CheckDigit));
        assert_eq!(Iin::parse("12345"), Err(IdentError::Shape));
        assert_eq!(Iin::parse("85010130001a"), Err(IdentError::Shape));
    }

    #[test]
    fn rejects_impossible_birth_date() {
        let bad_month = complete("85130130001").unwrap();
        assert_eq!(Iin::parse(&bad_month), Err(IdentError::BirthDate));
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,20}") {
            let _ = Iin::parse(&text);
            let _ = Bin::parse(&text);
        }

        #[test]
        fn completed_numbers_round_trip(prefix in "[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9])[3-6][0-9]{4}") {
            if let Some(full) = complete(&prefix) {
                let iin = Iin::parse(&full).unwrap();
                proptest::prop_assert_eq!(iin.to_string(), full);
            }
        }
    }
}
