//! Filing an application: every rule of intake stated once — who may file
//! through which channel, the provider and its region, the applicant's IIN,
//! consent, required form fields, documents, the representative, appeals —
//! and the case committed together with its evidence (the intake record,
//! the signed request, the uploaded files, the draft's removal).

use std::collections::BTreeMap;

use qyzmet_core::Iin;
use qyzmet_engine::{
    Action, Applicant, ApplicantKind, Case, Command, Provider, Representative, RequestSignature,
};
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::model::Channel;
use qyzmet_runtime::Runtime;
use qyzmet_runtime::appeals::APPEAL_SERVICE;
use qyzmet_storage::record::{CaseStatus, Evidence};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::{Account, AccountKind, Error};

/// The variant of an appeal considered by the authorized body.
pub const AUTHORIZED_BODY: &str = "authorized-body";

#[derive(Serialize, Deserialize, ToSchema, Default, Clone, Debug)]
pub struct SubmitRequest {
    /// Regulation id.
    pub regulation: String,
    /// `channel` or `channel/variant`; default: the portal for citizens, the
    /// service centre for its operators, the provider's office for its staff.
    #[serde(default)]
    pub route: Option<String>,
    /// Provider id (`GET /api/providers`).
    pub provider: String,
    /// The applicant's IIN, when staff take the application.
    #[serde(default)]
    pub applicant: Option<String>,
    /// The form: field id → value (`GET /api/regulations/{id}` lists them).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub form: serde_json::Map<String, Value>,
    /// Ids of the documents handed in.
    #[serde(default)]
    pub documents: Vec<String>,
    /// Consent to the use of secret information protected by law.
    #[serde(default)]
    pub consent: bool,
    /// A representative acting under a power of attorney (name, number).
    #[serde(default)]
    pub representative: Option<String>,
    #[serde(default)]
    pub power_of_attorney: Option<String>,
    /// The representative's IIN: the notary system is asked about the
    /// power of attorney where the regulation's steps call it.
    #[serde(default)]
    pub representative_iin: Option<String>,
    /// Retrying with the same key changes nothing.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// A provider as intake needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderInfo {
    pub id: String,
    /// Region slug (`act.region` of the regulations it applies).
    pub region: String,
    /// The region's authorized body for quality control: it considers
    /// appeals and gives no services itself.
    pub authorized_body: bool,
}

/// What intake looks up outside the case log: the provider directory and
/// the registered address of an applicant (the server keeps both in its
/// directory; tests may answer from memory).
pub trait Directory {
    fn provider(&self, id: &str) -> Result<Option<ProviderInfo>, Error>;
    /// The region an applicant is registered in, if known.
    fn applicant_region(&self, iin: &str) -> Result<Option<String>, Error>;
}

/// A portal request's signature, verified by the caller (the verification
/// needs the trusted roots and CRLs the server holds), and the signed
/// draft it came from.
#[derive(Clone, Debug)]
pub struct SignedRequest {
    pub verified: RequestSignature,
    /// The bytes signed, base64.
    pub content: String,
    /// The CMS, base64.
    pub cms: String,
    /// Attachment entries of the files uploaded with the draft (their blobs
    /// are kept already).
    pub attachments: Vec<Value>,
    /// The draft that becomes the case (removed with the case's commit).
    pub draft_id: String,
}

fn new_case_id(now: jiff::Timestamp) -> String {
    let mut random = [0u8; 4];
    if getrandom::getrandom(&mut random).is_err() {
        random = (now.as_nanosecond() as u32).to_le_bytes();
    }
    format!(
        "Q{}-{}",
        now.strftime("%Y%m%d"),
        hex::encode(random).to_uppercase()
    )
}

/// The channel an account files through when the request names no route.
pub fn default_channel(account: &Account) -> Channel {
    match account.kind {
        AccountKind::Citizen => Channel::Portal,
        AccountKind::Staff if account.is_operator() => Channel::ServiceCentre,
        AccountKind::Staff
            if account
                .grants
                .iter()
                .any(|grant| grant.unit.ends_with("/rural_akimat")) =>
        {
            Channel::RuralAkim
        }
        AccountKind::Staff => Channel::ProviderOffice,
    }
}

/// Files an application. Citizens apply on the portal for themselves, and
/// only signed ([`SignedRequest`]); staff of a provider take applications
/// at its office, service-centre operators at the centre, rural akimat
/// staff at the akimat. The case and its evidence commit together.
pub fn submit(
    runtime: &Runtime,
    directory: &dyn Directory,
    account: &Account,
    request: &SubmitRequest,
    signed: Option<SignedRequest>,
    now: jiff::Timestamp,
) -> Result<Case, Error> {
    let mut command = submission(runtime, directory, account, request, now)?;
    if account.kind == AccountKind::Citizen && signed.is_none() {
        return Err(Error::invalid(
            "signature_required",
            "portal requests are signed: POST /api/drafts, sign its `data` with NCALayer, then POST /api/drafts/{draft}/submit",
        ));
    }
    let case_id = command.case_id.clone();
    let mut evidence = Vec::new();
    if request.representative.is_some()
        || request.power_of_attorney.is_some()
        || request.representative_iin.is_some()
    {
        evidence.push(Evidence::Intake {
            case_id: case_id.clone(),
            record: json!({
                "representative": request.representative,
                "representative_iin": request.representative_iin,
                "power_of_attorney": request.power_of_attorney,
                "taken_by": account.login,
            }),
        });
    }
    if let Some(signed) = signed {
        evidence.push(Evidence::RequestSignature {
            case_id: case_id.clone(),
            record: json!({
                "content": signed.content,
                "cms": signed.cms,
                "signature": signed.verified,
            }),
        });
        let mut entries: Vec<Value> = Vec::new();
        for entry in signed.attachments {
            if !entries.contains(&entry) {
                entries.push(entry);
            }
        }
        if !entries.is_empty() {
            evidence.push(Evidence::Attachments {
                case_id: case_id.clone(),
                entries,
            });
        }
        evidence.push(Evidence::DraftRemoved {
            draft_id: signed.draft_id,
        });
        if let Action::Submit { signature, .. } = &mut command.action {
            *signature = Some(Box::new(signed.verified));
        }
    }
    let outcome = runtime.run_with_evidence(&command, Some(&request.regulation), now, &evidence)?;
    tracing::info!(case = %outcome.case.case_id, regulation = %request.regulation, route = %outcome.case.route, "application filed");
    Ok(outcome.case)
}

/// Checks an application and builds the engine's `Submit` command for it
/// (unsigned), without running it.
pub fn submission(
    runtime: &Runtime,
    directory: &dyn Directory,
    account: &Account,
    request: &SubmitRequest,
    now: jiff::Timestamp,
) -> Result<Command, Error> {
    let model = regulation(runtime, &request.regulation)?;
    let provider = directory.provider(&request.provider)?.ok_or_else(|| {
        Error::invalid(
            "unknown_provider",
            format!("no provider `{}`", request.provider),
        )
    })?;
    if provider.region != model.region() {
        return Err(Error::invalid(
            "unknown_provider",
            format!(
                "provider `{}` does not apply regulations of {}",
                provider.id,
                model.region()
            ),
        ));
    }
    let route_key = match &request.route {
        Some(route) => route.clone(),
        None => {
            let channel = default_channel(account);
            model
                .routes()
                .iter()
                .find(|route| route.channel == channel)
                .map(|route| route.key.clone())
                .ok_or_else(|| {
                    Error::invalid(
                        "channel_unavailable",
                        format!(
                            "`{}` cannot be applied for through {}",
                            model.id,
                            channel.as_str()
                        ),
                    )
                })?
        }
    };
    let route = model
        .route(&route_key)
        .ok_or_else(|| Error::invalid("unknown_route", format!("no route `{route_key}`")))?;
    // Who may file through which channel.
    let (applicant_id, region) = match account.kind {
        AccountKind::Citizen => {
            if route.channel != Channel::Portal {
                return Err(Error::forbidden(
                    "citizens apply online through the portal; other channels are taken by staff",
                ));
            }
            (account.login.clone(), account.region.clone())
        }
        AccountKind::Staff => {
            let unit = match route.channel {
                Channel::ProviderOffice => provider.id.clone(),
                Channel::ServiceCentre => format!("{}/service_centre", provider.id),
                Channel::RuralAkim => format!("{}/rural_akimat", provider.id),
                Channel::Portal => {
                    return Err(Error::forbidden(
                        "portal applications are filed by the applicant",
                    ));
                }
            };
            if !account.grants.iter().any(|grant| grant.unit == unit) {
                return Err(Error::forbidden(format!(
                    "taking applications for {unit} needs a role there"
                )));
            }
            let iin = request.applicant.clone().unwrap_or_default();
            let region = directory
                .applicant_region(&iin)?
                .unwrap_or_else(|| provider.region.clone());
            (iin, region)
        }
    };
    if let Err(error) = Iin::parse(&applicant_id) {
        return Err(Error::invalid("invalid_iin", error.to_string()));
    }
    if !request.consent {
        return Err(Error::invalid(
            "consent_required",
            "consent to the use of information protected by law is required",
        ));
    }
    let mut form = request.form.clone();
    for field in model.form() {
        if field.required && !form.contains_key(&field.id) {
            return Err(Error::invalid(
                "missing_field",
                format!("the form field `{}` is required", field.id),
            ));
        }
    }
    // Only the regulation's fields are recorded.
    form.retain(|key, _| model.form_field(key).is_some());
    if model.service_id() == APPEAL_SERVICE {
        check_appeal(
            runtime,
            route.variant.as_deref(),
            &provider,
            &applicant_id,
            &form,
        )?;
    } else if provider.authorized_body {
        return Err(Error::invalid(
            "unknown_provider",
            format!("`{}` gives no services; it considers appeals", provider.id),
        ));
    }
    let documents: BTreeMap<String, bool> = request
        .documents
        .iter()
        .map(|id| (id.clone(), true))
        .collect();
    for id in documents.keys() {
        if model.document(id).is_none() {
            return Err(Error::invalid(
                "unknown_document",
                format!("the regulation has no document `{id}`"),
            ));
        }
    }
    let representative = match request
        .representative_iin
        .as_deref()
        .map(str::trim)
        .filter(|iin| !iin.is_empty())
    {
        Some(iin) => {
            Iin::parse(iin).map_err(|_| {
                Error::invalid(
                    "invalid_representative_iin",
                    "the representative's IIN is not a valid IIN",
                )
            })?;
            Some(Representative {
                iin: iin.to_owned(),
                power_of_attorney: request.power_of_attorney.clone(),
            })
        }
        None => None,
    };
    let mut units = qyzmet_runtime::default_units(model, &provider.id);
    units.insert("provider".into(), provider.id.clone());
    Ok(Command {
        case_id: new_case_id(now),
        actor: account.actor(),
        idempotency_key: request.idempotency_key.clone(),
        expected_version: None,
        action: Action::Submit {
            route: route_key,
            applicant: Applicant {
                id: applicant_id,
                kind: ApplicantKind::Individual,
                region,
                birth_date: None,
                citizen: None,
                resident: None,
            },
            form: Value::Object(form),
            documents,
            provider: Provider {
                id: provider.id.clone(),
                region: provider.region.clone(),
                units,
            },
            checks: BTreeMap::new(),
            signature: None,
            representative,
        },
    })
}

/// A regulation of the catalogue by id.
pub fn regulation<'a>(runtime: &'a Runtime, id: &str) -> Result<&'a ProcessModel, Error> {
    runtime
        .catalog
        .by_id(id)
        .map(|entry| &entry.model)
        .ok_or_else(|| Error::not_found("unknown_regulation", format!("no regulation `{id}`")))
}

/// Checks an appeal before it is filed: the case it is about exists and is
/// the applicant's, it is not itself an appeal, and the appeal goes to the
/// body the variant names — the provider of the case, or an authorized body
/// of the region.
fn check_appeal(
    runtime: &Runtime,
    variant: Option<&str>,
    provider: &ProviderInfo,
    applicant_id: &str,
    form: &serde_json::Map<String, Value>,
) -> Result<(), Error> {
    let about = form
        .get("about_case")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default();
    let unknown = || {
        Error::invalid(
            "unknown_case",
            format!("no application `{about}` of this applicant to appeal against"),
        )
    };
    let row = runtime.store.case(about)?.ok_or_else(unknown)?;
    if row.applicant_id != applicant_id {
        return Err(unknown());
    }
    if row.service_id == APPEAL_SERVICE {
        return Err(Error::invalid(
            "appeal_about_appeal",
            "a further appeal names the application, not the earlier appeal",
        ));
    }
    if row.status == CaseStatus::Withdrawn {
        return Err(Error::invalid(
            "case_withdrawn",
            "the application was withdrawn",
        ));
    }
    match variant {
        Some(AUTHORIZED_BODY) if !provider.authorized_body => Err(Error::invalid(
            "appeal_wrong_body",
            format!(
                "`{}` is not an authorized body for quality control",
                provider.id
            ),
        )),
        Some(AUTHORIZED_BODY) => Ok(()),
        _ if provider.id != row.provider_id => Err(Error::invalid(
            "appeal_wrong_body",
            format!(
                "an appeal to the provider goes to `{}`, which gave the service",
                row.provider_id
            ),
        )),
        _ => Ok(()),
    }
}
