//! The regulation file format: the types a regulation file deserializes into.
//!
//! These are *syntax* types: they mirror the file one to one, are the source
//! of the JSON Schema (`qyzmet schema`), and carry every `source` the file
//! gives. Semantic checks live in `lint`, and the engine-facing model is built
//! by `compile`. Every collection is a list with `id`s (not a map) so that the
//! order in the file is the order in the regulation.
//!
//! `docs/regulation-format.md` documents the format with an annotated example.

pub use qyzmet_core::{Answer, System};
use qyzmet_core::{Text, Unit};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The value of `format:` this compiler reads.
pub const FORMAT_VERSION: &str = "qyzmet.regulation/1";

/// One regulation edition, as approved by one act (with its amendments).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegulationFile {
    /// Always `qyzmet.regulation/1` for this version of the format.
    pub format: String,
    /// Stable id of this regulation: `REGION/YEAR-ACT/SERVICE`, the same as the
    /// file's path under `regulations/` without `.yaml`.
    pub id: String,
    /// Where the regulation's text comes from.
    pub seed: Seed,
    /// The legal act and the regulation's legal life.
    pub act: Act,
    /// What the service is and what it gives.
    pub service: Service,
    /// Documents the applicant hands in, per channel.
    #[serde(default)]
    pub documents: Vec<Document>,
    /// Participants: the structural-functional units (ҚФБ) and systems.
    pub roles: Vec<Role>,
    /// Fields of the application form that rules refer to as `form.<id>`.
    #[serde(default)]
    pub form: Vec<FormField>,
    /// Preconditions and refusal rules, as CEL expressions.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// One route per channel (and per process variant where the regulation
    /// has several).
    pub routes: Vec<Route>,
    /// Places where the seed contradicts itself, and which paragraph was
    /// encoded.
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
}

/// Where in the seed text a fact was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// 1-based line in the seed file named by `seed.file`.
    pub line: u32,
    /// The paragraph as the regulation numbers it: `"6.2"` is paragraph 6,
    /// sub-paragraph 2); `"app1"` is appendix 1; `"res.3"` a paragraph of the
    /// approving resolution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub para: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// File name in `shared/seeds/`, e.g. `001_c36ee2ad13272890.txt`.
    pub file: String,
    /// First and last line of this regulation in the seed (inclusive).
    pub lines: [u32; 2],
}

/// A calendar date written `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LegalDate(pub jiff::civil::Date);

impl Serialize for LegalDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for LegalDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bad =
            || serde::de::Error::custom(format!("`{text}` is not a date; write it as YYYY-MM-DD"));
        if text.len() != 10 {
            return Err(bad());
        }
        text.parse::<jiff::civil::Date>()
            .map(LegalDate)
            .map_err(|_| bad())
    }
}

impl JsonSchema for LegalDate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "LegalDate".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "A calendar date, YYYY-MM-DD."
        })
    }
}

impl std::fmt::Display for LegalDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A reference to a legal act.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActRef {
    /// Who issued it (omit when it is the same body as the regulation's act).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<Text>,
    /// The act's number as printed, e.g. `"43/01"`, `"141"`.
    pub number: String,
    pub date: LegalDate,
    /// Number of the act in the Justice register, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justice_registration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    pub source: Source,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub number: String,
    pub date: LegalDate,
    pub source: Source,
}

/// The act that approved the regulation and the regulation's legal life.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Act {
    /// Region slug, e.g. `karaganda/balkhash`, `kyzylorda`, `west-kazakhstan`.
    pub region: String,
    /// The issuing body (akimat).
    pub issuer: Text,
    /// The act's own title.
    pub title: Text,
    /// The act's number as printed.
    pub number: String,
    /// The date of the act.
    pub date: LegalDate,
    /// Registration with the Justice department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justice_registration: Option<Registration>,
    /// When the act (and so the regulation) entered into force.
    pub in_force: InForce,
    /// Amendments and new editions, oldest first.
    #[serde(default)]
    pub editions: Vec<Edition>,
    /// The repeal, if the regulation is repealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repealed: Option<Repeal>,
    /// The national service standard the regulation implements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<Standard>,
    /// Where the regulation's title and approval are.
    pub source: Source,
}

/// Entry into force: a date when the seed states one, else the rule the act
/// states (typically "ten calendar days after its first official
/// publication"; the publication date is not in the seed).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InForce {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<LegalDate>,
    /// Calendar days after the first official publication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_after_publication: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Text>,
    pub source: Source,
}

/// An amending act or a new edition of the regulation.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Edition {
    pub act: ActRef,
    /// `new_edition` (the whole text replaced) or `amendment`.
    pub kind: EditionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_force: Option<InForce>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EditionKind {
    NewEdition,
    Amendment,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Repeal {
    /// The day the repeal took effect, when known; else the repealing act's
    /// date is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<LegalDate>,
    /// The repealing act.
    pub by: ActRef,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    pub title: Text,
    /// The act that approved the standard.
    pub approved_by: ActRef,
}

/// What the service is and what it gives.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Stable service id shared by every region's regulation of the same
    /// service, e.g. `unemployed-registration`.
    pub id: String,
    pub title: Text,
    /// The provider (көрсетілетін қызметті беруші) as the regulation names it.
    pub provider: Text,
    pub recipients: Vec<Recipient>,
    pub fee: Fee,
    /// Form of the service (қызмет көрсету нысаны); several when the
    /// regulation says "electronic and (or) paper".
    pub forms: Vec<ServiceForm>,
    /// The provider's office hours, when the regulation states them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_hours: Option<OfficeHours>,
    /// Positive results.
    pub results: Vec<ResultDef>,
    /// Negative results: motivated refusal, refusal-to-accept receipt.
    #[serde(default)]
    pub refusals: Vec<RefusalDef>,
    /// Grounds on which a refusal may be given.
    #[serde(default)]
    pub refusal_grounds: Vec<Ground>,
    pub source: Source,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    Individuals,
    LegalEntities,
}

/// The fee: the seeds' services are free of charge; a paid service names the
/// amount as text (monthly calculation indices, tenge …).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub free: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Text>,
    /// Omit when the regulation is silent (the standard fixes the fee).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceForm {
    Paper,
    ElectronicPartiallyAutomated,
    ElectronicFullyAutomated,
    NonAutomated,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficeHours {
    /// Opening time `HH:MM`.
    pub open: String,
    /// Closing time `HH:MM`.
    pub close: String,
    /// Lunch break `[HH:MM, HH:MM]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lunch: Option<[String; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
    pub source: Source,
}

/// A positive result of the service.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultDef {
    pub id: String,
    pub kind: ResultKind,
    pub title: Text,
    /// How the result is handed over.
    pub delivery: Vec<Delivery>,
    /// For an appeal regulation: this result upholds the appeal, so the
    /// case it is about is reopened (docs/appeals.md).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reopens_case: bool,
    pub source: Source,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    Notice,
    Certificate,
    Referral,
    Decision,
    StatusCertificate,
    Permit,
    Payment,
    Duplicate,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Paper,
    Electronic,
}

/// A negative result.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefusalDef {
    pub id: String,
    pub kind: RefusalKind,
    pub title: Text,
    pub source: Source,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    /// Дәлелді бас тарту: a reasoned refusal to render the service.
    MotivatedRefusal,
    /// Құжаттарды қабылдаудан бас тарту туралы қолхат: the package is
    /// incomplete and is not accepted.
    RefusalToAccept,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ground {
    pub id: String,
    pub text: Text,
    pub source: Source,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The provider's own office.
    ProviderOffice,
    /// The State Corporation "Government for Citizens" and the older public
    /// service centres (ХҚО).
    ServiceCentre,
    /// The e-government portal.
    Portal,
    /// The akim of a settlement, village or rural district.
    RuralAkim,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::ProviderOffice,
        Channel::ServiceCentre,
        Channel::Portal,
        Channel::RuralAkim,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::ProviderOffice => "provider_office",
            Channel::ServiceCentre => "service_centre",
            Channel::Portal => "portal",
            Channel::RuralAkim => "rural_akim",
        }
    }
}

/// A document the applicant hands in.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub id: String,
    pub title: Text,
    /// The channels that require it.
    pub channels: Vec<Channel>,
    /// Process variants that require it (all when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    /// Original shown for identification only, or needed in some cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
    pub source: Source,
}

/// A participant: a unit or officer, a system, or the applicant.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub id: String,
    pub title: Text,
    /// The organisation the role belongs to.
    pub org: OrgKind,
    /// The role heads its organisation (басшы, әкім): it assigns the
    /// executor, extends the term and receives escalations. Without a role
    /// marked so, a role with id `head` heads its organisation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub head: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// The service recipient.
    Applicant,
    /// The service provider (department, centre, directorate).
    Provider,
    /// The State Corporation / public service centre.
    ServiceCentre,
    /// The rural (settlement, village) akim's office.
    RuralAkimat,
    /// The e-government portal.
    Portal,
    /// An information system (gateway, state database, "Labour market").
    InformationSystem,
    /// Another organisation (pension payment centre, bank, commission …).
    Other,
}

impl OrgKind {
    /// The kind as the file writes it (`provider`, `service_centre`, …):
    /// the key of a provider's unit for it (`provider.units`).
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Applicant => "applicant",
            OrgKind::Provider => "provider",
            OrgKind::ServiceCentre => "service_centre",
            OrgKind::RuralAkimat => "rural_akimat",
            OrgKind::Portal => "portal",
            OrgKind::InformationSystem => "information_system",
            OrgKind::Other => "other",
        }
    }
}

/// A field of the application form.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    pub id: String,
    pub title: Text,
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Allowed values of an `enum` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    String,
    Int,
    Bool,
    Date,
    Enum,
}

/// A precondition: `require` must hold, otherwise the application is refused
/// (or not accepted) with `ground`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    /// A CEL expression of type `bool` over `applicant`, `form`, `registries`,
    /// `provider`, `channel`, `variant` and `now` (see docs/regulation-format.md).
    pub require: String,
    /// The refusal given when the rule fails (an id in `service.refusals`).
    pub refusal: String,
    /// The ground (an id in `service.refusal_grounds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground: Option<String>,
    /// Steps (by id, in any route) where the rule is evaluated; everywhere
    /// the case enters a route when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub at: Vec<String>,
    pub message: Text,
    pub source: Source,
}

/// The way an application takes through one channel (and variant).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub channel: Channel,
    /// A process variant (e.g. `issue`, `reissue`, `extend`); omit when the
    /// regulation has one process per channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    /// The overall term of the service through this channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<Term>,
    /// Longest wait in the queue at the counter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_wait: Option<Limit>,
    /// Longest service time at the counter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_service: Option<Limit>,
    /// The first step.
    pub start: String,
    pub steps: Vec<Step>,
}

/// A time limit and where its number comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub amount: u32,
    pub unit: Unit,
    pub source: Source,
}

impl Limit {
    pub fn duration(&self) -> qyzmet_core::Duration {
        qyzmet_core::Duration::new(self.amount, self.unit)
    }
}

/// The overall term of a route.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub amount: u32,
    pub unit: Unit,
    /// "The day of acceptance is not counted in the term".
    #[serde(default)]
    pub acceptance_day_not_counted: bool,
    /// The allowed extension (e.g. one month for additional checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
    pub source: Source,
}

impl Term {
    pub fn duration(&self) -> qyzmet_core::Duration {
        qyzmet_core::Duration::new(self.amount, self.unit)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    pub amount: u32,
    pub unit: Unit,
    pub reason: Text,
    pub source: Source,
}

/// One step of a route.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    /// What kind of step; `task` when omitted.
    #[serde(default)]
    pub kind: StepKind,
    /// The number the regulation gives the step (`"1"`, `"process 3"`,
    /// `"condition 2"`), shown in step tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Who acts (a role id). Required except for `end` steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// What is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Text>,
    /// The result handed on that starts the next step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hands_on: Option<Text>,
    /// The step's time limit; omit when the regulation gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
    /// The next step (tasks, automatic steps, waits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Named outcomes of a decision.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<Outcome>,
    /// For a `wait`: the step taken when the limit passes without the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_timeout: Option<String>,
    /// For an `end`: the result (id in `service.results`) or refusal (id in
    /// `service.refusals`) the route ends with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The step is signed with a digital signature (ЭЦҚ).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub signs: bool,
    /// For a system's `auto` step or `decision`: the check Qyzmet makes
    /// itself at this step. A decision takes its first outcome when the
    /// check passes and its second when it fails; an `auto` step has no
    /// branch, so a failed check stops the submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifies: Option<Verification>,
    /// The state information systems this step asks through the
    /// e-government gateway, in the regulation's order. The case stays at
    /// the step until every system has answered (or, after the gateway's
    /// retry budget, until a person has checked by hand); a `decision`
    /// right after it takes its outcome from the answers (`answers:` on
    /// its outcomes). `notary` is asked only when the submission names a
    /// representative.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<System>,
    /// For a step with `calls`: the staff role that checks by hand (and
    /// records the answer) when a system cannot be reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_check: Option<String>,
    pub source: Source,
}

/// A check an information system makes at a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// The applicant's digital signature on the portal request: the
    /// certificate's validity and revocation, and that the IIN in the
    /// certificate is the IIN of the request ("condition 2" of the portal
    /// routes).
    RequestSignature,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A person in a role does something.
    #[default]
    Task,
    /// A choice with named outcomes.
    Decision,
    /// Done by an information system without a person (signature check,
    /// person lookup, registry check).
    Auto,
    /// Waiting for something outside the provider (the applicant, the
    /// employer, another body) for at most `limit`.
    Wait,
    /// The route ends here, with `result`.
    End,
}

/// An outcome of a decision.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub id: String,
    pub label: Text,
    pub next: String,
    /// A CEL condition an automatic decision evaluates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// For a decision right after a step with `calls`: the systems'
    /// answers that take this outcome (the step's answer is the first
    /// answer that is not its system's positive one, else the first
    /// system's positive answer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<Answer>,
}

/// A place where the seed contradicts itself.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Conflict {
    pub id: String,
    /// What the conflict is about: `route/step` (e.g. `service_centre/5`),
    /// `route` or a free path.
    pub about: String,
    /// What the two places say and why the encoded one was chosen.
    pub text: Text,
    /// The paragraph that was encoded.
    pub encoded: Source,
    /// The paragraph(s) that say otherwise.
    pub other: Vec<Source>,
}

impl Route {
    /// `channel` or `channel/variant`: the route's id in paths and messages.
    pub fn key(&self) -> String {
        match &self.variant {
            Some(variant) => format!("{}/{variant}", self.channel.as_str()),
            None => self.channel.as_str().to_owned(),
        }
    }
}
