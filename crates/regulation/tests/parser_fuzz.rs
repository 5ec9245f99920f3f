//! The compiler never panics, whatever the input.

use proptest::prelude::*;
use qyzmet_calendar::Calendar;

const SAMPLE: &str = include_str!("malformed/recorded-conflict.yaml");

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let calendar = Calendar::kazakhstan();
        let _ = qyzmet_regulation::check(&text, &calendar);
    }

    #[test]
    fn yaml_like_text_never_panics(text in "([a-z_]{1,8}: ?(\\[|\\{|\"|'|-|&a|\\*a|[0-9]{1,3}|[a-zа-я ]{0,8})\n {0,4}){0,30}") {
        let calendar = Calendar::kazakhstan();
        let _ = qyzmet_regulation::check(&text, &calendar);
    }

    /// Cutting a valid file anywhere, or deleting a slice of it, gives
    /// diagnostics, not a panic.
    #[test]
    fn mutilated_valid_file_never_panics(cut in 0usize..SAMPLE.len(), len in 0usize..200) {
        let calendar = Calendar::kazakhstan();
        let mut start = cut;
        while !SAMPLE.is_char_boundary(start) { start -= 1; }
        let mut end = (start + len).min(SAMPLE.len());
        while !SAMPLE.is_char_boundary(end) { end -= 1; }
        let text = format!("{}{}", &SAMPLE[..start], &SAMPLE[end..]);
        let checked = qyzmet_regulation::check(&text, &calendar);
        if checked.model.is_none() {
            prop_assert!(checked.diagnostics.iter().any(|d| d.is_error()));
        }
    }
}
