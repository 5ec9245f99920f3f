//! The demo server's certification authority (`serve --demo` without
//! `--trust-root`): a root and an issuing CA from `qyzmet_pki::demo_pki`,
//! their CRLs, the broken certificates the demo PKI always has (expired,
//! revoked, wrong key usage, foreign), and for every demo citizen a signing
//! and an authentication key as PKCS #12 files (password `demo`) that
//! `qyzmet signer --p12-dir <dir>/people` serves the way NCALayer would.
//!
//! The files live in `<data>/demo-pki/`. They are made again when they are
//! older than [`REISSUE_AFTER_HOURS`]: the demo CRLs are valid for a day
//! (the delta CRL) to a week, and revocation is required.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use qyzmet_core::Iin;
use qyzmet_pki::{DemoPki, Holder, Purpose};

use crate::auth::Pki;

/// The password of every demo PKCS #12 file.
pub const P12_PASSWORD: &str = "demo";
/// Files older than this are made again.
pub const REISSUE_AFTER_HOURS: u64 = 20;

/// What [`install`] made or found.
pub struct DemoCa {
    pub pki: Pki,
    pub dir: PathBuf,
    /// `true` when the files were made now.
    pub issued: bool,
}

/// The key file of a person in `dir`: `people/<login>-sign.p12` or
/// `-auth.p12` (a citizen's login is their IIN).
pub fn p12_path(dir: &Path, login: &str, purpose: Purpose) -> PathBuf {
    let suffix = match purpose {
        Purpose::Signing => "sign",
        Purpose::Authentication => "auth",
    };
    dir.join("people").join(format!("{login}-{suffix}.p12"))
}

/// Someone the demo CA gives keys: a login, the IIN the certificates carry,
/// and the name.
pub struct Person {
    pub login: String,
    pub iin: String,
    pub name: String,
}

/// The demo's people: every account with an IIN (citizens, and staff given
/// one by `demo::staff_iin`).
pub fn people(runtime: &qyzmet_runtime::Runtime) -> anyhow::Result<Vec<Person>> {
    let mut people = Vec::new();
    for (login, value) in runtime.store.docs(crate::auth::ACCOUNTS, 100_000)? {
        let account: crate::auth::Account = serde_json::from_value(value)?;
        let iin = match account.kind {
            crate::auth::AccountKind::Citizen => Some(account.login.clone()),
            crate::auth::AccountKind::Staff => account.iin.clone(),
        };
        if let Some(iin) = iin {
            people.push(Person {
                login,
                iin,
                name: account.name,
            });
        }
    }
    Ok(people)
}

fn fresh(dir: &Path) -> bool {
    let Ok(modified) = std::fs::metadata(dir.join("root-ca.pem")).and_then(|m| m.modified()) else {
        return false;
    };
    modified
        .elapsed()
        .is_ok_and(|age| age.as_secs() < REISSUE_AFTER_HOURS * 3600)
}

/// Splits «Айгүл Серікқызы Нұрланова» into (surname, given name,
/// patronymic), upper-cased as NCA writes them.
pub(crate) fn name_parts(name: &str) -> (String, String, String) {
    let words: Vec<&str> = name.split_whitespace().collect();
    let upper = |text: &str| text.to_uppercase();
    match words.as_slice() {
        [given, patronymic, surname] => (upper(surname), upper(given), upper(patronymic)),
        [given, surname] => (upper(surname), upper(given), String::new()),
        _ => (upper(name), String::new(), String::new()),
    }
}

/// Makes (or reuses) the demo CA in `dir` and returns the trust it gives.
pub fn install(dir: &Path, people: &[Person], now: Timestamp) -> anyhow::Result<DemoCa> {
    let issued = !fresh(dir);
    if issued {
        let pki = qyzmet_pki::demo_pki(now)?;
        pki.write_to(dir)?;
        std::fs::create_dir_all(dir.join("people"))?;
        for person in people {
            let iin = &person.iin;
            // Staff names are role titles: certify them as "ДЕМО <login>".
            let (surname, given_name, patronymic) = if person.login == person.iin {
                name_parts(&person.name)
            } else {
                (
                    "ДЕМО".to_owned(),
                    person.login.to_uppercase(),
                    String::new(),
                )
            };
            let holder = Holder {
                surname: &surname,
                given_name: &given_name,
                patronymic: &patronymic,
                iin: Iin::parse(iin).map_err(|error| anyhow::anyhow!("{iin}: {error}"))?,
                organisation: None,
            };
            for purpose in [Purpose::Signing, Purpose::Authentication] {
                let cert = pki.issue_to(&holder, purpose)?;
                std::fs::write(
                    p12_path(dir, &person.login, purpose),
                    cert.pkcs12(P12_PASSWORD)?,
                )?;
            }
        }
        return Ok(DemoCa {
            pki: trust_of(&pki),
            dir: dir.to_owned(),
            issued,
        });
    }
    let read = |name: &str| {
        std::fs::read(dir.join(name))
            .map_err(|error| anyhow::anyhow!("{}: {error}", dir.join(name).display()))
    };
    let mut trust = qyzmet_pki::TrustStore::new();
    trust
        .add_roots(&read("root-ca.pem")?)
        .map_err(anyhow::Error::msg)?;
    trust
        .add_intermediates(&read("issuing-ca.pem")?)
        .map_err(anyhow::Error::msg)?;
    let mut crls = qyzmet_pki::CrlCache::default();
    for name in ["root-ca.crl", "issuing-ca.crl", "issuing-ca-delta.crl"] {
        crls.insert(&read(name)?)?;
    }
    Ok(DemoCa {
        pki: Pki {
            verifier: qyzmet_pki::Verifier::new(trust),
            crls,
        },
        dir: dir.to_owned(),
        issued,
    })
}

/// The trust a demo PKI gives: its root, its issuing CA, its CRLs, with
/// revocation required.
pub fn trust_of(pki: &DemoPki) -> Pki {
    Pki {
        verifier: qyzmet_pki::Verifier::new(pki.trust_store()),
        crls: pki.crl_cache(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_as_nca_writes_them() {
        assert_eq!(
            name_parts("Айгүл Серікқызы Нұрланова"),
            ("НҰРЛАНОВА".into(), "АЙГҮЛ".into(), "СЕРІКҚЫЗЫ".into())
        );
        assert_eq!(
            name_parts("Sergey Petrenko"),
            ("PETRENKO".into(), "SERGEY".into(), String::new())
        );
    }
}
