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

    /// The birth year encoded in the number.
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
        // Every stem 8501013nnnn whose first weighted sum is 10 mod 11 takes
        // its check digit from the second weights (written out here, not
        // taken from `check_digit`), or has none when that is 10 as well.
        const SECOND: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
        let weighted = |p: &str, weights: &dyn Fn(usize) -> u32| -> u32 {
            p.bytes()
                .enumerate()
                .map(|(i, b)| u32::from(b - b'0') * weights(i))
                .sum::<u32>()
                % 11
        };
        let mut accepted = 0;
        for n in 0..10_000u32 {
            let prefix = format!("8501013{n:04}");
            if weighted(&prefix, &|i| i as u32 + 1) != 10 {
                continue;
            }
            let second = weighted(&prefix, &|i| SECOND[i]);
            let completed = Iin::complete(&prefix).map(|iin| iin.to_string());
            if second == 10 {
                assert_eq!(completed, None, "{prefix}");
            } else {
                assert_eq!(completed, Some(format!("{prefix}{second}")), "{prefix}");
                accepted += 1;
            }
        }
        assert!(accepted > 0, "the search met a second-weights number");
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

    // Numbers published outside this code base, each with its source. They
    // are checked against `parse`, never built with `complete`, so a wrong
    // algorithm (for example the two weight sequences swapped) fails here.
    // The column "weights" says which sequence yields the check digit, as
    // recomputed by hand below for a few and by an independent script
    // (Python, written for this review) for all.

    /// Valid IINs: (number, birth year, male, which weights decide).
    const PUBLISHED_VALID_IINS: &[(&str, u16, bool, &str)] = &[
        // tlgtaa/py-kz-validators, tests/test_iin_validator.py
        // (`test_validate_iin_success`) and README.md.
        ("791028302728", 1979, true, "first"),
        // ZhymabekRoman/kz-iin-validator, README.md (usage example).
        ("061211600012", 2006, false, "second"),
        // valery1707/kaz-person-id,
        // src/test/java/name/valery1707/kazPersonId/PrivatePersonIdTest.java
        // (`testPublicIds`, numbers from https://serj.ws/salyk).
        ("871008401427", 1987, false, "first"),
        ("760212350620", 1976, true, "first"),
        ("800416300257", 1980, true, "first"),
        ("680503450037", 1968, false, "first"),
        // Same file, `testCenturyBit` (19th century, digit 7 is 1 or 2).
        ("800416100254", 1880, true, "first"),
        ("680503250034", 1868, false, "first"),
    ];

    /// Valid BINs: (number, which weights decide).
    const PUBLISHED_VALID_BINS: &[(&str, &str)] = &[
        // valery1707/kaz-person-id,
        // src/test/java/name/valery1707/kazPersonId/JuridicalPersonIdTest.java
        // (`testPublicIds`, Halyk Bank branches from
        // http://www.halykbank.kz/ru/requisites/affiliates).
        ("940140000385", "first"),
        ("950341000052", "first"),
        ("961141000023", "second"),
        ("070941024691", "first"),
    ];

    /// Numbers published as invalid, with the reason.
    const PUBLISHED_INVALID: &[(&str, &str)] = &[
        // tlgtaa/py-kz-validators, tests/test_iin_validator.py
        // (`test_validate_iin_failure`: "invalid control digit"; 5 is right).
        ("010101600586", "wrong check digit"),
        // valery1707/kaz-person-id, BasePersonIdTest.java (`testIsValid`:
        // pattern valid, CRC invalid; 940140000385 is the real one).
        ("940140000380", "wrong check digit"),
        // ZhymabekRoman/kz-iin-validator, tests/test_basic.py
        // (`test_non_valid_iin`): both sums are 10 mod 11, so no check digit
        // exists and the number is never issued (derivation below).
        ("821214240092", "check value 10"),
    ];

    #[test]
    fn published_valid_iins_are_accepted() {
        for &(text, year, male, _) in PUBLISHED_VALID_IINS {
            let iin = Iin::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(iin.to_string(), text);
            assert_eq!(iin.birth_year(), year, "{text}");
            assert_eq!(iin.is_male(), male, "{text}");
            // A BIN has the same check digit, so it parses as one too.
            assert!(Bin::parse(text).is_ok(), "{text} as a BIN");
        }
    }

    #[test]
    fn published_valid_bins_are_accepted() {
        for &(text, _) in PUBLISHED_VALID_BINS {
            let bin = Bin::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(bin.to_string(), text);
        }
    }

    #[test]
    fn published_vectors_cover_both_weight_sequences() {
        // The vectors marked "second" must really need the second sequence:
        // their first weighted sum is 10 mod 11. Computed here with weights
        // written out, not with `check_digit`.
        const FIRST: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        let first_sum = |text: &str| -> u32 {
            text.bytes()
                .zip(FIRST)
                .map(|(b, w)| u32::from(b - b'0') * w)
                .sum::<u32>()
                % 11
        };
        let vectors = PUBLISHED_VALID_IINS
            .iter()
            .map(|&(t, _, _, w)| (t, w))
            .chain(PUBLISHED_VALID_BINS.iter().copied());
        let mut seen = [false; 2];
        for (text, weights) in vectors {
            let needs_second = first_sum(text) == 10;
            assert_eq!(needs_second, weights == "second", "{text}");
            seen[usize::from(needs_second)] = true;
        }
        assert_eq!(seen, [true, true], "both sequences are exercised");
    }

    #[test]
    fn published_invalid_numbers_are_rejected() {
        for &(text, reason) in PUBLISHED_INVALID {
            assert_eq!(
                Iin::parse(text),
                Err(IdentError::CheckDigit),
                "{text}: {reason}"
            );
            assert_eq!(
                Bin::parse(text),
                Err(IdentError::CheckDigit),
                "{text}: {reason}"
            );
        }
        // A never-issued stem has no completion at all.
        assert_eq!(Iin::complete("82121424009"), None);
        // Every other last digit of a valid published number is rejected,
        // for a first-sequence and a second-sequence number alike.
        for valid in ["791028302728", "061211600012", "961141000023"] {
            for digit in (b'0'..=b'9').filter(|&d| d != valid.as_bytes()[11]) {
                let wrong = format!("{}{}", &valid[..11], char::from(digit));
                assert_eq!(Bin::parse(&wrong), Err(IdentError::CheckDigit), "{wrong}");
            }
        }
    }

    /// Independent derivations by hand (Decree No 406: weights 1..11, then
    /// 3,4,5,6,7,8,9,10,11,1,2 when the first remainder is 10).
    ///
    /// 791028302728, digits 7 9 1 0 2 8 3 0 2 7 2:
    ///   7·1 + 9·2 + 1·3 + 0·4 + 2·5 + 8·6 + 3·7 + 0·8 + 2·9 + 7·10 + 2·11
    ///   = 7 + 18 + 3 + 0 + 10 + 48 + 21 + 0 + 18 + 70 + 22 = 217;
    ///   217 mod 11 = 8 (217 = 19·11 + 8) → check digit 8.
    ///
    /// 061211600012, digits 0 6 1 2 1 1 6 0 0 0 1:
    ///   first: 0 + 12 + 3 + 8 + 5 + 6 + 42 + 0 + 0 + 0 + 11 = 87;
    ///   87 mod 11 = 10 → second weights:
    ///   0·3 + 6·4 + 1·5 + 2·6 + 1·7 + 1·8 + 6·9 + 0·10 + 0·11 + 0·1 + 1·2
    ///   = 0 + 24 + 5 + 12 + 7 + 8 + 54 + 0 + 0 + 0 + 2 = 112;
    ///   112 mod 11 = 2 → check digit 2.
    ///
    /// 821214240092, digits 8 2 1 2 1 4 2 4 0 0 9:
    ///   first: 8 + 4 + 3 + 8 + 5 + 24 + 14 + 32 + 0 + 0 + 99 = 197;
    ///   197 mod 11 = 10 → second:
    ///   24 + 8 + 5 + 12 + 7 + 32 + 18 + 40 + 0 + 0 + 18 = 164;
    ///   164 mod 11 = 10 → no check digit; never issued.
    #[test]
    fn hand_derived_check_digits() {
        let digits = |text: &str| -> [u8; 12] {
            let mut out = [0u8; 12];
            for (d, b) in out.iter_mut().zip(text.bytes()) {
                *d = b - b'0';
            }
            out
        };
        assert_eq!(check_digit(&digits("791028302728")), Some(8));
        assert_eq!(check_digit(&digits("061211600012")), Some(2));
        assert_eq!(check_digit(&digits("821214240092")), None);
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
