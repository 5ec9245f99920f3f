//! The appeal follow-up: when an appeal case closes with a result that
//! upholds it (`reopens_case: true` in its regulation), the case the appeal is
//! about (`form.about_case`) is reopened with the engine's `Reopen` command.
//!
//! The engine decides one case at a time, so the link between two cases is
//! the runtime's: this module tails the event log from a cursor kept in the
//! directory (`settings/appeal-follow-up`), and issues each `Reopen` with the
//! idempotency key `reopen:{appeal}`. A crash between the command and the
//! cursor's advance re-reads the same events and the store returns the first
//! outcome, so a case is reopened once per upheld appeal however often the
//! loop restarts. See docs/appeals.md.

use jiff::Timestamp;
use qyzmet_engine::{Action, Actor, Command, EngineError};
use qyzmet_storage::record::StoredEvent;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{Runtime, RuntimeError};

/// The directory document that holds the follow-up's position in the log.
pub const CURSOR_COLLECTION: &str = "settings";
pub const CURSOR_KEY: &str = "appeal-follow-up";

/// The user id the follow-up issues its commands as.
pub const ACTOR: &str = "system:appeals";

/// The service id of appeal regulations.
pub const APPEAL_SERVICE: &str = "appeal";

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealRound {
    /// Events read from the log.
    pub events: u64,
    /// Cases reopened (first outcomes, not retries).
    pub reopened: u64,
    /// Upheld appeals whose case could not be reopened, with why (the case
    /// is not refused, or not known): the appeal's officer handles these.
    pub not_reopened: Vec<NotReopened>,
    /// The cursor after the round.
    pub cursor: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotReopened {
    pub appeal: String,
    pub about_case: String,
    pub code: String,
}

/// The appeal a closing event upholds, and the case it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upheld {
    pub appeal: String,
    pub about_case: String,
}

impl Runtime {
    /// The follow-up's cursor: the global sequence number read up to.
    pub fn appeal_cursor(&self) -> Result<u64, RuntimeError> {
        Ok(self
            .store
            .doc(CURSOR_COLLECTION, CURSOR_KEY)?
            .and_then(|doc| doc.get("global_seq").and_then(|seq| seq.as_u64()))
            .unwrap_or(0))
    }

    /// Reads up to `limit` events after the cursor and reopens the cases of
    /// the upheld appeals among them; advances the cursor past what it read.
    /// A store error stops the round before the cursor moves.
    pub fn follow_appeals(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<AppealRound, RuntimeError> {
        let cursor = self.appeal_cursor()?;
        let events = self.store.events_since(cursor, limit.max(1))?;
        let mut round = AppealRound {
            events: events.len() as u64,
            cursor,
            ..AppealRound::default()
        };
        for event in &events {
            if let Some(upheld) = self.upheld_appeal(event)? {
                match self.reopen(&upheld, now) {
                    Ok(true) => round.reopened += 1,
                    Ok(false) => {}
                    Err(RuntimeError::Engine(error)) => round.not_reopened.push(NotReopened {
                        appeal: upheld.appeal.clone(),
                        about_case: upheld.about_case.clone(),
                        code: error.code().to_owned(),
                    }),
                    Err(error) => return Err(error),
                }
            }
            round.cursor = event.global_seq;
        }
        if round.cursor != cursor {
            self.store.put_doc(
                CURSOR_COLLECTION,
                CURSOR_KEY,
                &json!({"global_seq": round.cursor}),
            )?;
        }
        Ok(round)
    }

    /// `Some` when `event` closes an appeal with a result that reopens the
    /// case it is about.
    pub fn upheld_appeal(&self, event: &StoredEvent) -> Result<Option<Upheld>, RuntimeError> {
        if event.kind != "case_closed" {
            return Ok(None);
        }
        let Some(result) = event.payload.get("result").and_then(|r| r.as_str()) else {
            return Ok(None);
        };
        let Some(row) = self.store.case(&event.case_id)? else {
            return Ok(None);
        };
        if row.service_id != APPEAL_SERVICE {
            return Ok(None);
        }
        let model = self.pinned_model(&row.regulation_hash)?;
        let reopens = model
            .results()
            .iter()
            .any(|def| def.id == result && def.reopens_case);
        if !reopens {
            return Ok(None);
        }
        let events = self.store.case_events(&event.case_id)?;
        let about_case = events
            .first()
            .and_then(|first| first.payload.get("form"))
            .and_then(|form| form.get("about_case"))
            .and_then(|about| about.as_str())
            .map(str::to_owned);
        Ok(about_case.map(|about_case| Upheld {
            appeal: event.case_id.clone(),
            about_case,
        }))
    }

    /// Reopens the case an upheld appeal is about; `Ok(false)` when it was
    /// reopened before (the idempotency key's first outcome).
    fn reopen(&self, upheld: &Upheld, now: Timestamp) -> Result<bool, RuntimeError> {
        if self.store.case(&upheld.about_case)?.is_none() {
            return Err(RuntimeError::Engine(EngineError::UnknownCase {
                case_id: upheld.about_case.clone(),
            }));
        }
        let command = Command {
            case_id: upheld.about_case.clone(),
            actor: Actor {
                user_id: ACTOR.to_owned(),
                grants: Vec::new(),
            },
            idempotency_key: Some(format!("reopen:{}", upheld.appeal)),
            expected_version: None,
            action: Action::Reopen {
                appeal: upheld.appeal.clone(),
            },
        };
        let outcome = self.run(&command, None, now)?;
        Ok(!outcome.duplicate)
    }
}
