//! The outer loop around the pure engine.
//!
//! `Runtime::run` is one command end to end: load the case's events from the
//! store, replay them, find the regulation edition the case is pinned to (by
//! content hash), decide with the engine, and append the batch — retrying
//! when another writer moved the case on in between. `fire_due_timers` turns
//! due timers into `FireTimer` commands, each appended with the timer id as
//! its idempotency key so that a timer fires once however many workers race.
//!
//! The CLI and the server both drive cases through this crate.

pub mod appeals;
pub mod bench;
mod catalog;
pub mod notify;
pub mod outbox;
pub mod reconcile;
pub mod schedules;
pub mod simulate;

use std::borrow::Cow;
use std::collections::BTreeMap;

pub use catalog::{Catalog, CatalogEntry};
use jiff::{SignedDuration, Timestamp};
pub use outbox::{OutboxRound, RecordedPayment, RetryPolicy};
use qyzmet_calendar::{Calendar, Schedule};
use qyzmet_engine::{Action, Actor, Case, Command, Context, EngineError, Executed, Registries};
use qyzmet_regulation::ProcessModel;
use qyzmet_storage::record::{Batch, Evidence, RegistryRow};
use qyzmet_store::{Store, StoreError};

/// How often a command is retried when the case moved on between reading it
/// and appending (optimistic concurrency).
pub const CONFLICT_RETRIES_MAX: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("unknown regulation `{0}`")]
    UnknownRegulation(String),
    #[error(
        "the case runs under edition {hash}, which is neither in the catalogue nor in the store"
    )]
    MissingEdition { hash: String },
    #[error("the pinned edition {hash} no longer compiles: {message}")]
    BrokenEdition { hash: String, message: String },
    #[error("case {case_id} kept changing under {attempts} attempts")]
    TooManyConflicts { case_id: String, attempts: usize },
    /// The gateway could not answer a query the runtime needed (the
    /// payment centre's statement).
    #[error("gateway: {0}")]
    Gateway(String),
    /// A provider's configured office hours are not a schedule.
    #[error("office hours of provider `{provider}`: {message}")]
    OfficeHours { provider: String, message: String },
}

impl RuntimeError {
    /// A stable code for people and API clients.
    pub fn code(&self) -> &'static str {
        match self {
            RuntimeError::Engine(error) => error.code(),
            RuntimeError::Store(StoreError::Conflict { .. }) => "conflict",
            RuntimeError::Store(_) => "store",
            RuntimeError::UnknownRegulation(_) => "unknown-regulation",
            RuntimeError::MissingEdition { .. } => "missing-edition",
            RuntimeError::BrokenEdition { .. } => "broken-edition",
            RuntimeError::TooManyConflicts { .. } => "too-many-conflicts",
            RuntimeError::Gateway(_) => "gateway",
            RuntimeError::OfficeHours { .. } => "office-hours",
        }
    }
}

/// What one command did.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub case: Case,
    /// Events appended by this command (empty for a retried duplicate).
    pub events: usize,
    /// The idempotency key was seen before: nothing new was written.
    pub duplicate: bool,
}

/// Reads registries from the store's projection.
struct StoreRegistries<'a> {
    store: &'a dyn Store,
}

impl Registries for StoreRegistries<'_> {
    fn get(&self, registry: &str, key: &str) -> Option<RegistryRow> {
        // A failed read is treated as "no record"; the command's own append
        // will surface a broken store.
        self.store.registry(registry, key).ok().flatten()
    }
}

/// Everything a command needs besides the command.
pub struct Runtime {
    pub store: Box<dyn Store>,
    pub catalog: Catalog,
    pub calendar: Calendar,
    /// Office hours by provider id; providers not listed use
    /// `Schedule::standard()`. Filled from the providers' directory by
    /// [`Runtime::load_schedules`] (see [`schedules`]).
    pub schedules: BTreeMap<String, Schedule>,
    /// Editions already pinned in the store by this process: pinning is
    /// idempotent, but reading a whole regulation text back on every
    /// submission is not free.
    pinned: std::sync::Mutex<std::collections::HashSet<String>>,
    /// The state of recently run cases, so that a command does not replay
    /// its case's whole log. A stale entry (another process moved the case
    /// on) is harmless: the command is decided on it with its version as
    /// `expected_seq`, the store refuses it with a conflict, and the case is
    /// replayed from the log. Per process; restart after restoring the
    /// database to an earlier point.
    cases: std::sync::Mutex<lru::LruCache<String, qyzmet_engine::Case>>,
}

/// How long a worker holds the timers it claimed. Firing is idempotent (the
/// key `timer:{id}`), so the lease only keeps two workers from doing the
/// same work; it is short so that timers claimed by a worker that died (or
/// lost its database in a failover) fire soon after. Firing a claim of 100
/// takes well under a second.
const TIMER_LEASE: SignedDuration = SignedDuration::from_secs(10);

/// Cases whose state [`Runtime`] keeps between commands.
const CASES_CACHED: usize = 10_000;

impl Runtime {
    pub fn new(store: Box<dyn Store>, catalog: Catalog, calendar: Calendar) -> Runtime {
        Runtime {
            store,
            catalog,
            calendar,
            schedules: BTreeMap::new(),
            pinned: Default::default(),
            cases: std::sync::Mutex::new(lru::LruCache::new(
                std::num::NonZeroUsize::new(CASES_CACHED).unwrap_or(std::num::NonZeroUsize::MIN),
            )),
        }
    }

    fn cached_case(&self, case_id: &str) -> Option<qyzmet_engine::Case> {
        self.cases.lock().ok()?.get(case_id).cloned()
    }

    fn cache_case(&self, case: &qyzmet_engine::Case) {
        if let Ok(mut cases) = self.cases.lock() {
            cases.put(case.case_id.clone(), case.clone());
        }
    }

    fn forget_case(&self, case_id: &str) {
        if let Ok(mut cases) = self.cases.lock() {
            cases.pop(case_id);
        }
    }

    /// The case as the store holds it, replayed from its log.
    fn replayed(&self, case_id: &str) -> Result<Option<qyzmet_engine::Case>, RuntimeError> {
        let case = qyzmet_engine::replay(&self.store.case_events(case_id)?)?;
        match &case {
            Some(case) => self.cache_case(case),
            None => self.forget_case(case_id),
        }
        Ok(case)
    }

    /// The model a case runs under: from the catalogue by hash, else from
    /// the text the store pinned at submission.
    fn pinned_model(&self, hash: &str) -> Result<Cow<'_, ProcessModel>, RuntimeError> {
        if let Some(entry) = self.catalog.by_hash(hash) {
            return Ok(Cow::Borrowed(&entry.model));
        }
        let (_, text) =
            self.store
                .regulation(hash)?
                .ok_or_else(|| RuntimeError::MissingEdition {
                    hash: hash.to_owned(),
                })?;
        let checked = qyzmet_regulation::check(&text, &self.calendar);
        checked
            .model
            .map(Cow::Owned)
            .ok_or_else(|| RuntimeError::BrokenEdition {
                hash: hash.to_owned(),
                message: checked
                    .diagnostics
                    .first()
                    .map(|diagnostic| diagnostic.message.clone())
                    .unwrap_or_default(),
            })
    }

    /// Runs one command at `now`. A submission names its regulation by id
    /// (`regulation_id`) and runs under the edition in the catalogue; every
    /// later command runs under the edition the case pinned.
    pub fn run(
        &self,
        command: &Command,
        regulation_id: Option<&str>,
        now: Timestamp,
    ) -> Result<Outcome, RuntimeError> {
        self.run_with_evidence(command, regulation_id, now, &[])
    }

    /// [`Runtime::run`], committing `evidence` (signatures, files, the
    /// intake record) in the same transaction as the command's events: both
    /// are written, or neither. A retried duplicate writes no evidence
    /// again.
    pub fn run_with_evidence(
        &self,
        command: &Command,
        regulation_id: Option<&str>,
        now: Timestamp,
        evidence: &[Evidence],
    ) -> Result<Outcome, RuntimeError> {
        // A retried command returns its first outcome, decided nothing anew.
        if let Some(key) = &command.idempotency_key
            && let Some(first) = self.store.idempotency(key)?
        {
            let case = qyzmet_engine::replay(&self.store.case_events(&first.case_id)?)?
                .ok_or_else(|| EngineError::UnknownCase {
                    case_id: first.case_id.clone(),
                })?;
            return Ok(Outcome {
                case,
                events: 0,
                duplicate: true,
            });
        }
        for attempt in 0..CONFLICT_RETRIES_MAX {
            let cached = if attempt == 0 {
                self.cached_case(&command.case_id)
            } else {
                None
            };
            let from_cache = cached.is_some();
            let state = match cached {
                Some(case) => Some(case),
                None => self.replayed(&command.case_id)?,
            };
            let model = match (&state, &command.action, regulation_id) {
                (None, Action::Submit { .. }, Some(id)) => {
                    let entry = self
                        .catalog
                        .by_id(id)
                        .ok_or_else(|| RuntimeError::UnknownRegulation(id.to_owned()))?;
                    let known = self
                        .pinned
                        .lock()
                        .map(|pinned| pinned.contains(&entry.model.hash))
                        .unwrap_or(false);
                    if !known {
                        self.store.put_regulation(
                            &entry.model.hash,
                            &entry.model.id,
                            &entry.text,
                        )?;
                        if let Ok(mut pinned) = self.pinned.lock() {
                            pinned.insert(entry.model.hash.clone());
                        }
                    }
                    Cow::Borrowed(&entry.model)
                }
                (Some(case), _, _) => self.pinned_model(&case.regulation_hash)?,
                (None, _, _) => {
                    return Err(EngineError::UnknownCase {
                        case_id: command.case_id.clone(),
                    }
                    .into());
                }
            };
            let provider_id = match (&state, &command.action) {
                (Some(case), _) => case.provider.id.clone(),
                (None, Action::Submit { provider, .. }) => provider.id.clone(),
                (None, _) => String::new(),
            };
            let schedule = self.schedule(&provider_id);
            let registries = StoreRegistries {
                store: self.store.as_ref(),
            };
            let context = Context {
                now,
                model: &model,
                calendar: &self.calendar,
                schedule: &schedule,
                registries: &registries,
            };
            let Executed {
                case, mut batch, ..
            } = match qyzmet_engine::execute(state.as_ref(), command, &context) {
                Ok(executed) => executed,
                // Refused on a remembered state that may be stale: decide
                // again on the log before saying no.
                Err(_) if from_cache => {
                    self.forget_case(&command.case_id);
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            batch.evidence = evidence.to_vec();
            match self.store.append(&batch) {
                Ok(appended) => {
                    let case = if appended.duplicate {
                        self.replayed(&command.case_id)?.unwrap_or(case)
                    } else {
                        self.cache_case(&case);
                        case
                    };
                    return Ok(Outcome {
                        case,
                        events: if appended.duplicate {
                            0
                        } else {
                            batch.events.len()
                        },
                        duplicate: appended.duplicate,
                    });
                }
                Err(StoreError::Conflict { .. }) => {
                    self.forget_case(&command.case_id);
                    continue;
                }
                Err(error) => {
                    self.forget_case(&command.case_id);
                    return Err(error.into());
                }
            }
        }
        Err(RuntimeError::TooManyConflicts {
            case_id: command.case_id.clone(),
            attempts: CONFLICT_RETRIES_MAX,
        })
    }

    /// Claims the timers due at `now` and fires each once. Returns how many
    /// fired (a timer another worker fired first counts as not fired).
    pub fn fire_due_timers(
        &self,
        now: Timestamp,
        worker_id: &str,
        limit: usize,
    ) -> Result<usize, RuntimeError> {
        let timers = self
            .store
            .claim_due_timers(now, limit, worker_id, TIMER_LEASE)?;
        let mut fired = 0;
        for timer in timers {
            let command = Command {
                case_id: timer.case_id.clone(),
                actor: Actor {
                    user_id: "system:timer".into(),
                    grants: Vec::new(),
                },
                idempotency_key: Some(format!("timer:{}", timer.timer_id)),
                expected_version: None,
                action: Action::FireTimer {
                    timer_id: timer.timer_id.clone(),
                },
            };
            match self.run(&command, None, now) {
                Ok(outcome) if !outcome.duplicate => fired += 1,
                Ok(_) => {}
                // A timer whose case has moved past it (the task was done in
                // time) is stale: the engine refuses it and the timer is
                // already cancelled by the command that finished the step.
                Err(RuntimeError::Engine(_)) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(fired)
    }

    /// Appends a batch built elsewhere (the benchmark's group commit).
    pub fn append_many(
        &self,
        batches: &[Batch],
    ) -> Vec<Result<qyzmet_store::Appended, StoreError>> {
        self.store.append_many(batches)
    }
}

/// A unit for every organisation kind the regulation's roles belong to:
/// the provider's own id for `provider`, `<provider>/<org>` for the others
/// (the service centre, the rural akimat …). Callers override the ones they
/// know.
pub fn default_units(
    model: &ProcessModel,
    provider_id: &str,
) -> std::collections::BTreeMap<String, String> {
    model
        .org_kinds()
        .iter()
        .map(|&org| {
            let key = org.as_str();
            let unit = if org == qyzmet_regulation::model::OrgKind::Provider {
                provider_id.to_owned()
            } else {
                format!("{provider_id}/{key}")
            };
            (key.to_owned(), unit)
        })
        .collect()
}
