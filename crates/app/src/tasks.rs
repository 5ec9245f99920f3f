//! Acting on a case: claiming, completing, assigning, extending,
//! withdrawing — as an account, under an idempotency key — and the rule
//! that a step which signs the result completes only by signing it
//! ([`sign_result`]), wherever the command comes from.

use qyzmet_engine::{Action, Case, Command};
use qyzmet_regulation::ProcessModel;
use qyzmet_regulation::model::ResultRef;
use qyzmet_regulation::model::{OrgKind, RefusalKind, StepKind};
use qyzmet_runtime::Runtime;
use qyzmet_storage::record::Evidence;
use serde_json::{Value, json};

use crate::cases::{case_of_task, load_case};
use crate::{Account, Error, Kind};

/// Whether this installation verifies signatures. Without trusted roots
/// (a server run without `--trust-root`) results are issued unsigned, and
/// a step that signs the result completes like any other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signatures {
    Verified,
    Off,
}

/// A command on a case, as the account asks for it.
#[derive(Clone, Debug)]
pub struct Act<'a> {
    pub case_id: &'a str,
    pub action: Action,
    /// The case version the account saw (another is `stale_version`).
    pub expected_version: Option<u64>,
    /// The client's key: a retry with it changes nothing. Keys are per case
    /// (stored as `api:<case>:<key>`).
    pub idempotency_key: Option<&'a str>,
}

/// Runs a command on a case the account may see, as the account. A
/// `Complete` of a step that signs the result is refused while signatures
/// are verified: such a step completes through [`sign_result`].
pub fn act(
    runtime: &Runtime,
    account: &Account,
    act: Act<'_>,
    signatures: Signatures,
    now: jiff::Timestamp,
) -> Result<Case, Error> {
    if signatures == Signatures::Verified
        && let Action::Complete { task_id, .. } = &act.action
    {
        refuse_unsigned(runtime, task_id)?;
    }
    run(runtime, account, act, &[], now)
}

/// The case a command on task `task_id` acts on.
pub fn task_case(runtime: &Runtime, task_id: &str) -> Result<String, Error> {
    case_of_task(runtime, task_id)
}

fn run(
    runtime: &Runtime,
    account: &Account,
    act: Act<'_>,
    evidence: &[Evidence],
    now: jiff::Timestamp,
) -> Result<Case, Error> {
    let Act {
        case_id,
        action,
        expected_version,
        idempotency_key,
    } = act;
    load_case(runtime, account, case_id)?;
    let command = Command {
        case_id: case_id.to_owned(),
        actor: account.actor(),
        idempotency_key: idempotency_key.map(|key| format!("api:{case_id}:{key}")),
        expected_version,
        action,
    };
    let outcome = runtime.run_with_evidence(&command, None, now, evidence)?;
    if outcome.case.case_id != case_id {
        return Err(Error::new(
            Kind::Conflict,
            "idempotency_key_reused",
            "the idempotency key was used for another case",
        ));
    }
    tracing::info!(case = %case_id, action = command.action.name(), version = outcome.case.version, "command done");
    Ok(outcome.case)
}

/// Does completing this step mean signing the result? A staff step marked
/// `signs: true` (of the provider or the service centre) that leads to a
/// written result: a positive one or a motivated refusal. `Some(result)`.
pub fn signs_result(model: &ProcessModel, route: &str, step_id: &str) -> Option<String> {
    let step = model.signing_step(route, step_id)?;
    if step.kind != StepKind::Task
        || !matches!(step.org, Some(OrgKind::Provider | OrgKind::ServiceCentre))
    {
        return None;
    }
    let result = step.result.clone()?;
    let written = match model.outcome(&result)? {
        ResultRef::Result(_) => true,
        ResultRef::Refusal(def) => def.kind == RefusalKind::MotivatedRefusal,
    };
    written.then_some(result)
}

/// Refuses to complete a task that signs a result without its signature
/// (the web server's `act` and the CLI's `case complete` both ask this).
pub fn refuse_unsigned(runtime: &Runtime, task_id: &str) -> Result<(), Error> {
    let Some(row) = runtime.store.task(task_id)? else {
        return Ok(()); // the engine answers for unknown tasks
    };
    let Some(case) = runtime.store.case(&row.case_id)? else {
        return Ok(());
    };
    let model = crate::cases::pinned_model(runtime, &case.regulation_hash)?;
    if signs_result(&model, &case.route, &row.step_id).is_some() {
        return Err(Error::invalid(
            "signature_required",
            format!(
                "this step signs the result with a digital signature: GET /api/tasks/{task_id}/result-to-sign, sign each file (CMS, detached), POST /api/tasks/{task_id}/sign-result"
            ),
        ));
    }
    Ok(())
}

/// One signed result file: its language, bytes and the verified CMS.
#[derive(Clone, Debug)]
pub struct SignedFile {
    /// The language code (`kk`, `ru`).
    pub lang: String,
    pub pdf: Vec<u8>,
    /// The CMS (detached), base64 as posted.
    pub cms: String,
}

/// The provider's signatures over a result, verified by the caller.
#[derive(Clone, Debug)]
pub struct SignedResult<'a> {
    pub task_id: &'a str,
    pub case_id: &'a str,
    pub result: &'a str,
    pub issued_at: jiff::Timestamp,
    pub base_url: &'a str,
    /// Who signed, as the verification found it.
    pub signer: Value,
    pub files: Vec<SignedFile>,
    pub expected_version: Option<u64>,
}

/// Completes a task that signs the result, with the signed files: the
/// PDFs, the signatures and the completion commit in one transaction, so a
/// completed step never lacks its signed result (nor the other way round).
pub fn sign_result(
    runtime: &Runtime,
    account: &Account,
    signed: SignedResult<'_>,
    now: jiff::Timestamp,
) -> Result<Case, Error> {
    use base64::Engine as _;
    let mut evidence = Vec::with_capacity(signed.files.len() + 1);
    let mut files = serde_json::Map::new();
    let mut digests = serde_json::Map::new();
    for file in &signed.files {
        let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&file.pdf));
        evidence.push(Evidence::Blob {
            sha256: sha256.clone(),
            content_type: "application/pdf".into(),
            data: base64::engine::general_purpose::STANDARD.encode(&file.pdf),
        });
        files.insert(
            file.lang.clone(),
            json!({"sha256": sha256, "cms": file.cms}),
        );
        digests.insert(file.lang.clone(), json!(sha256));
    }
    evidence.push(Evidence::ResultSignature {
        case_id: signed.case_id.to_owned(),
        record: json!({
            "result": signed.result,
            "issued_at": signed.issued_at,
            "base_url": signed.base_url,
            "signer": signed.signer,
            "files": files,
        }),
    });
    run(
        runtime,
        account,
        Act {
            case_id: signed.case_id,
            action: Action::Complete {
                task_id: signed.task_id.to_owned(),
                outcome: None,
                data: json!({ "signed_result": digests }),
            },
            expected_version: signed.expected_version,
            idempotency_key: None,
        },
        &evidence,
        now,
    )
}
