//! Demo data for `qyzmet serve --demo`: providers in the seed regions, a
//! staff account for every role of every regulation they serve, a
//! supervisor, and applicants with valid IINs. Every demo account has the
//! password [`PASSWORD`]. Installing twice changes nothing but the hashes.

use std::collections::BTreeMap;

use qyzmet_core::Iin;
use qyzmet_engine::Grant;
use qyzmet_regulation::model::OrgKind;
use qyzmet_runtime::Runtime;
use qyzmet_runtime::schedules::OfficeHours;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::AppError;
use crate::auth::{Account, AccountKind, hash_password, save_account};

pub const PASSWORD: &str = "demo";
pub use crate::directory::PROVIDERS;
/// The demo analyst's login (the authoring page).
pub const ANALYST: &str = "analyst";

/// A provider of services: a district or city department.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProviderRecord {
    pub id: String,
    /// Region slug (`act.region` of the regulations it applies).
    pub region: String,
    pub title: qyzmet_core::Text,
    /// The region's authorized body for the quality control of public
    /// services: it considers further appeals (docs/appeals.md) and gives
    /// no services itself.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub authorized_body: bool,
    /// The office hours deadlines are counted in (a built-in schedule of
    /// qyzmet-calendar or explicit hours); the standard schedule when
    /// absent. Read into the runtime when the server starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_hours: Option<OfficeHours>,
}

/// The built-in schedule of a demo region: its time zone and the hours its
/// regulations state (docs/legal-time.md).
fn demo_schedule(region: &str) -> Option<&'static str> {
    Some(match region {
        "karaganda-balkhash" => "balkhash-2012",
        "kyzylorda" => "kyzylorda",
        "west-kazakhstan" => "west-kazakhstan",
        "aktobe" => "aktobe",
        "kostanay" => "kostanay",
        _ => return None,
    })
}

/// (id, region, Kazakh, Russian, English)
const DEMO_PROVIDERS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "balkhash",
        "karaganda-balkhash",
        "Балқаш қаласының жұмыспен қамту және әлеуметтік бағдарламалар бөлімі",
        "Отдел занятости и социальных программ города Балхаш",
        "Balkhash city employment and social programmes department",
    ),
    (
        "kyzylorda-city",
        "kyzylorda",
        "Қызылорда қаласының жұмыспен қамту және әлеуметтік бағдарламалар бөлімі",
        "Отдел занятости и социальных программ города Кызылорды",
        "Kyzylorda city employment and social programmes department",
    ),
    (
        "kyzylorda-aral",
        "kyzylorda",
        "Арал ауданының жұмыспен қамту, әлеуметтік бағдарламалар және азаматтық хал актілерін тіркеу бөлімі",
        "Отдел занятости, социальных программ и регистрации актов гражданского состояния Аральского района",
        "Aral district employment, social programmes and civil registration department",
    ),
    (
        "wko-uralsk",
        "west-kazakhstan",
        "Орал қаласының жұмыспен қамту және әлеуметтік бағдарламалар бөлімі",
        "Отдел занятости и социальных программ города Уральска",
        "Uralsk city employment and social programmes department",
    ),
    (
        "wko-burlin",
        "west-kazakhstan",
        "Бөрлі ауданының жұмыспен қамту және әлеуметтік бағдарламалар бөлімі",
        "Отдел занятости и социальных программ Бурлинского района",
        "Burlin district employment and social programmes department",
    ),
    (
        "aktobe-city",
        "aktobe",
        "Ақтөбе қаласының жұмыспен қамту және әлеуметтік бағдарламалар бөлімі",
        "Отдел занятости и социальных программ города Актобе",
        "Aktobe city employment and social programmes department",
    ),
    (
        "kostanay-region",
        "kostanay",
        "Қостанай облысы әкімдігінің жұмыспен қамтуды үйлестіру және әлеуметтік бағдарламалар басқармасы",
        "Управление координации занятости и социальных программ акимата Костанайской области",
        "Kostanay region employment coordination and social programmes directorate",
    ),
];

/// The authorized bodies for quality control: (id, region, Kazakh,
/// Russian, English).
const DEMO_AUTHORIZED_BODIES: &[(&str, &str, &str, &str, &str)] = &[(
    "wko-quality",
    "west-kazakhstan",
    "Мемлекеттік қызмет істері агенттігінің Батыс Қазақстан облысы бойынша департаменті",
    "Департамент Агентства по делам государственной службы по Западно-Казахстанской области",
    "West Kazakhstan department of the Agency for Civil Service Affairs",
)];

/// (IIN without check digit, region, name)
const DEMO_APPLICANTS: &[(&str, &str, &str)] = &[
    ("90010130003", "kyzylorda", "Айгүл Серікқызы Нұрланова"),
    (
        "85031540012",
        "west-kazakhstan",
        "Ерлан Бақытұлы Жақсылықов",
    ),
    ("92120230045", "aktobe", "Динара Маратқызы Оспанова"),
    ("78060510021", "kostanay", "Сергей Иванович Петренко"),
];

/// A valid IIN: the given 11 digits and the first check digit that passes.
pub fn complete_iin(first_eleven: &str) -> Option<String> {
    Iin::complete(first_eleven).map(|iin| iin.to_string())
}

/// The demo applicants' IINs.
pub fn applicant_iins() -> Vec<String> {
    DEMO_APPLICANTS
        .iter()
        .filter_map(|(stem, _, _)| complete_iin(stem))
        .collect()
}

/// A demo staff member's IIN, made from the login (born 1 January 1980,
/// then four digits of the login's SHA-256, then the check digit): the IIN
/// their demo signing certificate carries.
pub fn staff_iin(login: &str) -> Option<String> {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(login.as_bytes());
    let number = u16::from_be_bytes([digest[0], digest[1]]) % 10_000;
    complete_iin(&format!("8001013{number:04}"))
}

#[derive(Debug, Default)]
pub struct Created {
    pub providers: usize,
    pub accounts: usize,
}

pub fn providers(runtime: &Runtime) -> Result<Vec<ProviderRecord>, AppError> {
    runtime
        .store
        .docs(PROVIDERS, 1000)?
        .into_iter()
        .map(|(_, value)| {
            serde_json::from_value(value)
                .map_err(|error| AppError::internal(format!("provider record: {error}")))
        })
        .collect()
}

/// One provider by id (a single directory read).
pub fn provider(runtime: &Runtime, id: &str) -> Result<Option<ProviderRecord>, AppError> {
    if id.is_empty() || id.len() > 64 {
        return Ok(None);
    }
    runtime
        .store
        .doc(PROVIDERS, id)?
        .map(|value| {
            serde_json::from_value(value)
                .map_err(|error| AppError::internal(format!("provider record: {error}")))
        })
        .transpose()
}

fn org_suffix(org: OrgKind) -> Option<&'static str> {
    match org {
        OrgKind::Provider => Some(""),
        OrgKind::ServiceCentre => Some("service_centre"),
        OrgKind::RuralAkimat => Some("rural_akimat"),
        OrgKind::Other => Some("other"),
        OrgKind::Applicant | OrgKind::Portal | OrgKind::InformationSystem => None,
    }
}

/// The staff accounts a provider needs: one per provider role id, one for
/// the service centre, the rural akimat and other organisations holding all
/// their roles. (login, grants)
pub fn staff_for(runtime: &Runtime, provider: &ProviderRecord) -> BTreeMap<String, Vec<Grant>> {
    let mut accounts: BTreeMap<String, Vec<Grant>> = BTreeMap::new();
    for model in runtime.catalog.models() {
        if model.region() != provider.region {
            continue;
        }
        // An authorized body only considers appeals.
        let appeal = model.service_id() == qyzmet_runtime::appeals::APPEAL_SERVICE;
        if provider.authorized_body && !appeal {
            continue;
        }
        for role in model.roles() {
            let Some(suffix) = org_suffix(role.org) else {
                continue;
            };
            let (login, unit) = if suffix.is_empty() {
                (format!("{}.{}", provider.id, role.id), provider.id.clone())
            } else {
                let short = match role.org {
                    OrgKind::ServiceCentre => "sc",
                    OrgKind::RuralAkimat => "akim",
                    _ => "other",
                };
                (
                    format!("{}.{short}", provider.id),
                    format!("{}/{suffix}", provider.id),
                )
            };
            let grants = accounts.entry(login).or_default();
            let grant = Grant {
                role: role.id.clone(),
                unit,
            };
            if !grants.contains(&grant) {
                grants.push(grant);
            }
        }
    }
    for grants in accounts.values_mut() {
        grants.sort();
    }
    accounts
}

/// Creates (or refreshes) the demo directory.
pub fn install(runtime: &Runtime) -> Result<Created, AppError> {
    let store = runtime.store.as_ref();
    // One hash for every demo account: the demo password is public anyway.
    let hash = hash_password(PASSWORD)?;
    let mut created = Created::default();
    let all = DEMO_PROVIDERS
        .iter()
        .map(|provider| (provider, false))
        .chain(DEMO_AUTHORIZED_BODIES.iter().map(|body| (body, true)));
    for ((id, region, kk, ru, en), authorized_body) in all {
        let provider = ProviderRecord {
            id: (*id).to_owned(),
            region: (*region).to_owned(),
            title: qyzmet_core::Text {
                kk: (*kk).to_owned(),
                ru: Some((*ru).to_owned()),
                en: Some((*en).to_owned()),
            },
            authorized_body,
            office_hours: demo_schedule(region).map(|name| OfficeHours::Named {
                schedule: name.to_owned(),
            }),
        };
        store.put_doc(PROVIDERS, id, &json!(provider))?;
        created.providers += 1;
        for (login, grants) in staff_for(runtime, &provider) {
            // A readable name: the roles' titles in the regulations (Kazakh),
            // then the provider.
            let mut titles: Vec<String> = grants
                .iter()
                .filter_map(|grant| {
                    runtime
                        .catalog
                        .models()
                        .filter(|model| model.region() == provider.region)
                        .find_map(|model| model.role(&grant.role))
                        .map(|role| role.title.kk.clone())
                })
                .collect();
            titles.dedup();
            let name = titles.join("; ");
            save_account(
                store,
                &Account {
                    login: login.clone(),
                    kind: AccountKind::Staff,
                    name: format!("{name} — {kk}"),
                    password: hash.clone(),
                    grants,
                    supervisor: false,
                    analyst: false,
                    region: (*region).to_owned(),
                    iin: staff_iin(&login),
                },
            )?;
            created.accounts += 1;
        }
    }
    save_account(
        store,
        &Account {
            login: "supervisor".into(),
            kind: AccountKind::Staff,
            name: "Supervisor".into(),
            password: hash.clone(),
            grants: Vec::new(),
            supervisor: true,
            analyst: false,
            region: String::new(),
            iin: None,
        },
    )?;
    created.accounts += 1;
    // The analyst who writes regulations (the authoring page): no grants,
    // no cases, every regulation of the catalogue.
    save_account(
        store,
        &Account {
            login: ANALYST.into(),
            kind: AccountKind::Staff,
            name: "Аналитик — регламенттер".into(),
            password: hash.clone(),
            grants: Vec::new(),
            supervisor: false,
            analyst: true,
            region: String::new(),
            iin: None,
        },
    )?;
    created.accounts += 1;
    for (index, (stem, region, name)) in DEMO_APPLICANTS.iter().enumerate() {
        let Some(iin) = complete_iin(stem) else {
            continue;
        };
        // Where notifications go (docs/notifications.md): a demo address
        // and phone, and the language — Kazakh, Russian for every other one.
        let lang = if index % 2 == 0 { "kk" } else { "ru" };
        store.put_doc(
            qyzmet_runtime::notify::CONTACTS,
            &iin,
            &json!({
                "email": format!("{iin}@demo.qyzmet.kz"),
                "phone": format!("+770000000{index:02}"),
                "lang": lang,
            }),
        )?;
        save_account(
            store,
            &Account {
                login: iin,
                kind: AccountKind::Citizen,
                name: (*name).to_owned(),
                password: hash.clone(),
                grants: Vec::new(),
                supervisor: false,
                analyst: false,
                region: (*region).to_owned(),
                iin: None,
            },
        )?;
        created.accounts += 1;
    }
    // What the sign-in page shows a newcomer.
    let example = |login: &str| {
        runtime
            .store
            .doc(crate::auth::ACCOUNTS, login)
            .ok()
            .flatten()
            .is_some()
    };
    let staff: Vec<&str> = [
        "kyzylorda-city.sc",
        "kyzylorda-city.executor",
        "kyzylorda-city.head",
        "wko-uralsk.office-clerk",
        "supervisor",
        ANALYST,
    ]
    .into_iter()
    .filter(|login| example(login))
    .collect();
    store.put_doc(
        crate::directory::SETTINGS,
        "demo",
        &json!({"password": PASSWORD, "citizens": applicant_iins(), "staff": staff}),
    )?;
    Ok(created)
}

/// The demo sign-ins shown on the sign-in page, when the demo is installed.
pub fn sign_in_hint(runtime: &Runtime) -> Result<Option<serde_json::Value>, AppError> {
    Ok(runtime.store.doc(crate::directory::SETTINGS, "demo")?)
}
