use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A language people read Qyzmet in. Kazakh is the default everywhere.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Kk,
    Ru,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Kk, Lang::Ru, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "kk" => Some(Lang::Kk),
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A text shown to people, in Kazakh (required) and optionally Russian and
/// English.
///
/// Kazakh is required by the type's users, not by serde: a missing `kk` is
/// deserialized as an empty string so that the regulation linter can report it
/// with its location instead of failing the whole file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Kazakh (required).
    #[serde(default)]
    pub kk: String,
    /// Russian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ru: Option<String>,
    /// English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl Text {
    pub fn kk(text: impl Into<String>) -> Text {
        Text {
            kk: text.into(),
            ru: None,
            en: None,
        }
    }

    /// A text in all three languages.
    pub fn new(kk: impl Into<String>, ru: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            kk: kk.into(),
            ru: Some(ru.into()),
            en: Some(en.into()),
        }
    }

    /// The text in `lang`, falling back to Kazakh when that translation is
    /// missing.
    pub fn get(&self, lang: Lang) -> &str {
        let translated = match lang {
            Lang::Kk => None,
            Lang::Ru => self.ru.as_deref(),
            Lang::En => self.en.as_deref(),
        };
        translated
            .filter(|text| !text.trim().is_empty())
            .unwrap_or(&self.kk)
    }

    pub fn has_kazakh(&self) -> bool {
        !self.kk.trim().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_kazakh() {
        let text = Text {
            kk: "анықтама".into(),
            ru: Some("справка".into()),
            en: None,
        };
        assert_eq!(text.get(Lang::Ru), "справка");
        assert_eq!(text.get(Lang::En), "анықтама");
        assert_eq!(text.get(Lang::Kk), "анықтама");
    }

    #[test]
    fn blank_kazakh_is_missing() {
        assert!(!Text::kk("  ").has_kazakh());
        assert!(Text::kk("хабарлама").has_kazakh());
    }
}
