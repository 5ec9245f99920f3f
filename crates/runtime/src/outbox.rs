//! The outbox worker: requests to state systems, sent from the store's
//! durable outbox, their answers recorded as case events.
//!
//! The engine never calls a system. Entering a step with `calls:` emits
//! `gateway_requested`, and the store writes the outbox row in the same
//! transaction as the event. This worker claims due rows with a lease,
//! sends each through the [`Gateway`] with a message id derived from the
//! request id (the same on every attempt, so the other side deduplicates),
//! logs the exchange, and turns the answer into a `RecordAnswer` command,
//! whose events delete the row in their own transaction. Transient faults
//! are retried with exponential backoff and jitter; after the retry budget
//! the request is recorded as failed (`RecordFailure`) and the engine opens
//! a manual-check task for a person. A crash anywhere leaves the row in the
//! outbox, so the request is sent again after the lease — never lost, and
//! never answered twice (the answer's event is appended once).
//!
//! Payment orders are sent at most once per request: before a payment is
//! sent, the attempt is written down; a later attempt asks the payment
//! centre for the order under the same message id before sending again.

use jiff::{SignedDuration, Timestamp};
use qyzmet_engine::{Action, Actor, Command, EngineError};
use qyzmet_gateway::{Call, CallError, Exchange, FaultKind, Gateway, System};
use qyzmet_storage::record::{ExchangeRow, OutboxClaim};
use serde_json::Value;

use crate::{Runtime, RuntimeError};

/// How hard the worker tries before a person has to check by hand.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included, for transient faults.
    pub max_attempts: u32,
    /// The delay after the first failed attempt; doubled after each.
    pub base_delay: SignedDuration,
    pub max_delay: SignedDuration,
    /// How often an asynchronous delivery still `ON_DELIVERY` is asked
    /// again, and how many times, before it counts as failed.
    pub poll_interval: SignedDuration,
    pub max_polls: u32,
    /// How long a claimed request is the worker's alone; a worker that
    /// dies holding it frees it after this.
    pub lease: SignedDuration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: SignedDuration::from_secs(2),
            max_delay: SignedDuration::from_secs(300),
            poll_interval: SignedDuration::from_secs(5),
            max_polls: 120,
            lease: SignedDuration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The delay before attempt `attempts + 1`, after `attempts` failed
    /// ones: `base · 2^(attempts-1)`, capped, with up to 25 % jitter drawn
    /// from the request id so that a burst of failures does not retry in
    /// lockstep (and the schedule of one request is reproducible).
    pub fn backoff(&self, attempts: u32, request_id: &str) -> SignedDuration {
        let exponent = attempts.saturating_sub(1).min(20);
        let base = self.base_delay.as_millis().max(1);
        let delay = base
            .saturating_mul(1i128 << exponent)
            .min(self.max_delay.as_millis().max(1));
        let hash = request_id.bytes().fold(attempts as u64, |h, b| {
            h.wrapping_mul(31).wrapping_add(u64::from(b))
        });
        let jitter = delay * i128::from(hash % 250) / 1000;
        SignedDuration::from_millis((delay + jitter).min(i128::from(i64::MAX)) as i64)
    }
}

/// What one round of the worker did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboxRound {
    pub claimed: usize,
    /// Answers recorded (the case went on).
    pub answered: usize,
    /// Transient faults, to be tried again.
    pub retried: usize,
    /// Asynchronous deliveries still under way.
    pub pending: usize,
    /// Requests given up after the retry budget (manual checks opened).
    pub failed: usize,
    /// Rows whose case had moved on (closed, or answered by someone else).
    pub stale: usize,
}

const WORKER_ACTOR: &str = "system:gateway";
/// A far instant for rows that can never be settled (they stay visible in
/// the backlog instead of being retried for ever): 2200-01-01, inside the
/// range the stores keep instants in (nanoseconds in an i64, up to 2262).
pub const NEVER: Timestamp = Timestamp::constant(7_258_118_400, 0);

impl Runtime {
    /// Claims up to `limit` due outbox requests and sends each once.
    pub fn run_outbox(
        &self,
        gateway: &dyn Gateway,
        now: Timestamp,
        worker_id: &str,
        limit: usize,
        policy: &RetryPolicy,
    ) -> Result<OutboxRound, RuntimeError> {
        let claims = self
            .store
            .claim_outbox(now, limit, worker_id, policy.lease)?;
        let mut round = OutboxRound {
            claimed: claims.len(),
            ..OutboxRound::default()
        };
        for claim in claims {
            self.send_one(gateway, &claim, now, policy, &mut round)?;
        }
        Ok(round)
    }

    fn send_one(
        &self,
        gateway: &dyn Gateway,
        claim: &OutboxClaim,
        now: Timestamp,
        policy: &RetryPolicy,
        round: &mut OutboxRound,
    ) -> Result<(), RuntimeError> {
        let row = &claim.row;
        let Some(system) = System::parse(&row.system) else {
            // Written by a newer program: leave it for that one.
            self.store
                .retry_outbox(&row.request_id, claim.attempts, NEVER, "unknown system")?;
            round.stale += 1;
            return Ok(());
        };
        let message_id = qyzmet_gateway::message_id(&row.request_id);
        if system == System::Payment {
            // Written down before the order leaves: after a crash in the
            // call, the next attempt knows an order may exist and asks for
            // it under the same message id before sending again.
            self.store.retry_outbox(
                &row.request_id,
                claim.attempts + 1,
                now + policy.lease,
                "in flight",
            )?;
        }
        let call = Call {
            request_id: &row.request_id,
            message_id: &message_id,
            system,
            payload: &row.payload,
            attempt: claim.attempts,
        };
        let result = gateway.call(&call);
        let attempts = claim.attempts + 1;
        match result {
            Ok(reply) => {
                self.log_exchange(claim, &reply.exchange, Some(reply.answer.as_str()))?;
                let command = self.system_command(
                    &row.case_id,
                    format!("answer:{}", row.request_id),
                    Action::RecordAnswer {
                        request_id: row.request_id.clone(),
                        answer: reply.answer,
                        data: reply.data,
                    },
                );
                match self.run(&command, None, now) {
                    Ok(_) => round.answered += 1,
                    Err(error) if settled(&error) => round.stale += 1,
                    Err(RuntimeError::Engine(error)) => {
                        // The answer does not fit the case (a model that
                        // changed under it): park it where people see it.
                        self.store.retry_outbox(
                            &row.request_id,
                            attempts,
                            NEVER,
                            &format!("not recorded: {}", error.code()),
                        )?;
                        round.stale += 1;
                    }
                    Err(error) => return Err(error),
                }
            }
            Err(CallError {
                kind: FaultKind::Pending,
                exchange,
                ..
            }) => {
                self.log_exchange(claim, &exchange, None)?;
                if attempts >= policy.max_polls {
                    self.give_up(claim, "delivery not confirmed", now, round)?;
                } else {
                    self.store.retry_outbox(
                        &row.request_id,
                        attempts,
                        now + policy.poll_interval,
                        "on_delivery",
                    )?;
                    round.pending += 1;
                }
            }
            Err(error) => {
                self.log_exchange(claim, &error.exchange, None)?;
                let reason = error.kind.as_str();
                if attempts >= policy.max_attempts {
                    self.give_up(claim, &reason, now, round)?;
                } else {
                    let next = now + policy.backoff(attempts, &row.request_id);
                    self.store
                        .retry_outbox(&row.request_id, attempts, next, &reason)?;
                    round.retried += 1;
                }
            }
        }
        Ok(())
    }

    fn give_up(
        &self,
        claim: &OutboxClaim,
        reason: &str,
        now: Timestamp,
        round: &mut OutboxRound,
    ) -> Result<(), RuntimeError> {
        let row = &claim.row;
        let command = self.system_command(
            &row.case_id,
            format!("failure:{}", row.request_id),
            Action::RecordFailure {
                request_id: row.request_id.clone(),
                reason: reason.to_owned(),
            },
        );
        match self.run(&command, None, now) {
            Ok(_) => round.failed += 1,
            Err(error) if settled(&error) => round.stale += 1,
            Err(RuntimeError::Engine(error)) => {
                self.store.retry_outbox(
                    &row.request_id,
                    claim.attempts + 1,
                    NEVER,
                    &format!("not recorded: {}", error.code()),
                )?;
                round.stale += 1;
            }
            Err(error) => return Err(error),
        }
        Ok(())
    }

    fn system_command(&self, case_id: &str, key: String, action: Action) -> Command {
        Command {
            case_id: case_id.to_owned(),
            actor: Actor {
                user_id: WORKER_ACTOR.into(),
                grants: Vec::new(),
            },
            idempotency_key: Some(key),
            expected_version: None,
            action,
        }
    }

    fn log_exchange(
        &self,
        claim: &OutboxClaim,
        exchange: &Exchange,
        answer: Option<&str>,
    ) -> Result<(), RuntimeError> {
        self.store.record_exchange(&ExchangeRow {
            request_id: claim.row.request_id.clone(),
            case_id: claim.row.case_id.clone(),
            system: claim.row.system.clone(),
            attempt: claim.attempts,
            message_id: exchange.message_id.clone(),
            sent_at: exchange.sent_at,
            duration_ms: exchange.duration_ms,
            status: exchange.status.clone(),
            answer: answer.map(str::to_owned),
            request: exchange.request.clone(),
            response: exchange.response.clone(),
        })?;
        Ok(())
    }
}

/// The request was settled some other way: the case closed, or another
/// worker (or a person) recorded it first.
fn settled(error: &RuntimeError) -> bool {
    matches!(
        error,
        RuntimeError::Engine(
            EngineError::AnswerNotExpected { .. }
                | EngineError::WrongState { .. }
                | EngineError::UnknownRequest { .. }
        )
    )
}

/// A payment the case log says was ordered (for the reconciliation).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RecordedPayment {
    pub request_id: String,
    pub case_id: String,
    pub message_id: String,
    pub amount_tiyn: i64,
    pub order_id: Option<String>,
    pub at: Timestamp,
}

impl Runtime {
    /// Every payment order the event log records as accepted, with the
    /// instant of its answer, in `[from, to)`.
    pub fn recorded_payments(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RecordedPayment>, RuntimeError> {
        let mut requested = std::collections::HashMap::new();
        let mut recorded = Vec::new();
        let mut after = 0;
        loop {
            let page = self.store.events_since(after, 1000)?;
            let Some(last) = page.last() else { break };
            after = last.global_seq;
            for event in &page {
                match event.kind.as_str() {
                    "gateway_requested"
                        if event.payload.get("system").and_then(Value::as_str)
                            == Some(System::Payment.as_str()) =>
                    {
                        let request_id = text(&event.payload, "request_id");
                        let amount = event
                            .payload
                            .pointer("/payload/amount_tiyn")
                            .and_then(Value::as_i64)
                            .unwrap_or(0);
                        requested.insert(request_id, amount);
                    }
                    "gateway_answered"
                        if event.payload.get("answer").and_then(Value::as_str)
                            == Some("accepted") =>
                    {
                        let request_id = text(&event.payload, "request_id");
                        let Some(amount) = requested.get(&request_id) else {
                            continue;
                        };
                        if event.at < from || event.at >= to {
                            continue;
                        }
                        recorded.push(RecordedPayment {
                            message_id: qyzmet_gateway::message_id(&request_id),
                            amount_tiyn: *amount,
                            order_id: event
                                .payload
                                .pointer("/data/order_id")
                                .and_then(Value::as_str)
                                .map(str::to_owned),
                            case_id: event.case_id.clone(),
                            request_id,
                            at: event.at,
                        });
                    }
                    _ => {}
                }
            }
        }
        Ok(recorded)
    }
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_fits_the_stores_instants() {
        // Both stores keep instants as i64 nanoseconds; a parked row whose
        // next attempt does not fit cannot be written at all.
        assert!(i64::try_from(NEVER.as_nanosecond()).is_ok());
        assert!(NEVER > Timestamp::constant(4_102_444_800, 0), "after 2100");
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let policy = RetryPolicy::default();
        let mut previous = SignedDuration::ZERO;
        for attempts in 1..=12 {
            let delay = policy.backoff(attempts, "K1/q7");
            let plain = (2_000i64 << (attempts - 1).min(20)).min(300_000);
            assert!(
                delay.as_millis() >= i128::from(plain),
                "{attempts}: {delay:?}"
            );
            assert!(
                delay.as_millis() <= i128::from(plain) * 125 / 100,
                "{attempts}: {delay:?}"
            );
            assert!(delay >= previous || plain == 300_000);
            previous = delay;
        }
        assert_eq!(policy.backoff(3, "K1/q7"), policy.backoff(3, "K1/q7"));
    }
}
