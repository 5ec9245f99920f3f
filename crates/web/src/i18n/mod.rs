//! Messages of the web application in Kazakh (default), Russian and English.
//!
//! Every key has all three texts (the table's type makes a missing one a
//! compile error); a key a template asks for that is not here fails the
//! render, which the page tests catch in every language. The tables live
//! in the submodules, one per part of the application.

use axum::extract::Request;
use axum::http::header;
use qyzmet_core::Lang;

mod authoring;
mod cases;
mod errors;
mod monitoring;
mod portal;
mod signing;

pub const LANG_COOKIE: &str = "qz_lang";

/// Every table of messages, (key, [kk, ru, en]), by the part of the
/// application that shows them.
const TABLES: [&[(&str, [&str; 3])]; 6] = [
    portal::MESSAGES,
    cases::MESSAGES,
    errors::MESSAGES,
    monitoring::MESSAGES,
    signing::MESSAGES,
    authoring::MESSAGES,
];

fn messages() -> impl Iterator<Item = &'static (&'static str, [&'static str; 3])> {
    TABLES.into_iter().flatten()
}

static INDEX: std::sync::LazyLock<
    std::collections::HashMap<&'static str, &'static [&'static str; 3]>,
> = std::sync::LazyLock::new(|| messages().map(|(key, texts)| (*key, texts)).collect());

fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    INDEX.get(key).map(|texts| match lang {
        Lang::Kk => texts[0],
        Lang::Ru => texts[1],
        Lang::En => texts[2],
    })
}

/// The message `key` in `lang`, if the key exists.
pub fn text(lang: Lang, key: &str) -> Option<String> {
    lookup(lang, key).map(str::to_owned)
}

/// The message `key` in `lang`, or an empty text (for code paths where a
/// missing message must not fail; templates use the strict lookup).
pub fn t(lang: Lang, key: &str) -> &'static str {
    lookup(lang, key).unwrap_or("")
}

pub fn keys() -> impl Iterator<Item = &'static str> {
    messages().map(|(key, _)| *key)
}

/// The i18n key of a signature verification failure's explanation
/// (`signature.failure.<code>`, else `signature.failure.other`).
pub fn failure_key(code: &str) -> String {
    let key = format!("signature.failure.{code}");
    if INDEX.contains_key(key.as_str()) {
        key
    } else {
        "signature.failure.other".to_owned()
    }
}

/// The request's language: `?lang=`, else the `qz_lang` cookie, else Kazakh.
pub fn request_lang(request: &Request) -> Lang {
    lang_from(request.uri().query(), request.headers())
}

pub fn lang_from(query: Option<&str>, headers: &axum::http::HeaderMap) -> Lang {
    let from_query = query.and_then(|query| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == "lang")
            .and_then(|(_, value)| Lang::parse(value))
    });
    let from_cookie = || {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(key, _)| *key == LANG_COOKIE)
            .and_then(|(_, value)| Lang::parse(value))
    };
    from_query.or_else(from_cookie).unwrap_or_default()
}

/// The `?lang=` (and `?format=`) query of API calls.
#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
pub struct LangParam {
    /// `kk` (default), `ru` or `en`.
    pub lang: Option<String>,
    /// Regulation rendering: `json` (default), `bpmn`, `svg`, `mermaid`, `md`.
    pub format: Option<String>,
}

impl LangParam {
    pub fn lang(&self) -> Lang {
        self.lang
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_texts_non_empty() {
        let mut seen = std::collections::BTreeSet::new();
        for (key, texts) in messages() {
            assert!(seen.insert(*key), "duplicate key {key}");
            for text in texts {
                assert!(!text.trim().is_empty(), "{key} has an empty text");
            }
        }
    }

    #[test]
    fn every_engine_error_code_the_api_maps_has_a_message() {
        for code in [
            "unknown_case",
            "stale_version",
            "forbidden",
            "invalid_iin",
            "csrf",
            "too_many_attempts",
            "attachment_type",
            "attachment_too_large",
        ] {
            for lang in Lang::ALL {
                assert!(
                    text(lang, &format!("error.{code}")).is_some(),
                    "{code} {lang:?}"
                );
            }
        }
    }

    #[test]
    fn lang_from_query_then_cookie_then_kazakh() {
        let mut headers = axum::http::HeaderMap::new();
        assert_eq!(lang_from(None, &headers), Lang::Kk);
        headers.insert(header::COOKIE, "a=b; qz_lang=ru".parse().unwrap());
        assert_eq!(lang_from(None, &headers), Lang::Ru);
        assert_eq!(lang_from(Some("x=1&lang=en"), &headers), Lang::En);
        assert_eq!(lang_from(Some("lang=xx"), &headers), Lang::Ru);
    }
}
