//! Adaptive group commit of concurrent single appends, for every backend.
//!
//! A caller that finds no commit running becomes a *leader*: it takes
//! everything queued (its own batch and whatever arrived meanwhile, at most
//! `group_max`) and commits it as one group through the backend's
//! `append_many` (a batch failing alone); the others wait for their
//! outcome. Once its own outcome is in, the leader hands the lead to the
//! oldest waiter not yet handed one, if any, and returns. So the group size
//! follows the load with no timer and no polling: one appender alone
//! commits at once (a group of one, the lowest latency), and under load
//! each group is what queued up during the commits before it (one fsync
//! and one chain-head move for all of them).
//!
//! A backend that commits several groups at once (PostgreSQL's pipeline,
//! two) gets a further leader only under load: when `extra_leader_at`
//! batches whose callers do not lead are queued. Light load keeps one
//! leader: a second group of one or two batches beside the first would
//! cost a transaction, a commit and a flush of its own, and under a mix
//! that keeps both cores busy (`qyzmet bench load`) that CPU is latency
//! for everyone (docs/performance.md).
//!
//! Every decision about who leads is made under the queue's mutex together
//! with the queue itself, so a batch is never left queued with no leader.
//! A waiter handed the lead may find its batch already taken by another
//! leader's group: it then waits for that outcome (the lead message always
//! comes first: both are sent under the mutex, the lead while the batch is
//! still queued) and hands the lead on.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Mutex, MutexGuard};

use qyzmet_storage::record::Batch;

use crate::{Appended, StoreError};

pub(crate) struct CommitQueue {
    state: Mutex<State>,
    /// How many groups commit at once, at most.
    leaders_max: usize,
    /// How many queued batches of callers that do not lead call for one
    /// more leader.
    extra_leader_at: usize,
}

#[derive(Default)]
struct State {
    /// Queued batches, their waiters, and whether the waiter has been
    /// handed the lead.
    waiting: VecDeque<(Batch, Sender<Message>, bool)>,
    /// How many callers lead (or have been told to).
    leading: usize,
}

enum Message {
    Outcome(Result<Appended, StoreError>),
    /// Lead the next groups: a leader is done.
    Lead,
}

fn lock(mutex: &Mutex<State>) -> MutexGuard<'_, State> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Gives up the lead if the leader unwinds (a panic in `append_many`), so
/// that the next caller leads instead of everyone waiting forever.
struct Leading<'a> {
    queue: &'a CommitQueue,
    armed: bool,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        if self.armed {
            let mut state = lock(&self.queue.state);
            state.leading = state.leading.saturating_sub(1);
        }
    }
}

impl CommitQueue {
    /// A queue that commits one group at a time.
    pub(crate) fn one_leader() -> CommitQueue {
        CommitQueue::new(1, usize::MAX)
    }

    /// A queue that commits up to `leaders_max` groups at once, one more
    /// whenever `extra_leader_at` batches wait for a leader.
    pub(crate) fn new(leaders_max: usize, extra_leader_at: usize) -> CommitQueue {
        CommitQueue {
            state: Mutex::default(),
            leaders_max: leaders_max.max(1),
            extra_leader_at: extra_leader_at.max(1),
        }
    }

    /// Whether a further leader is called for, with `state.leading`
    /// leaders now: the first always, another under load only.
    fn wants_leader(&self, state: &State) -> bool {
        state.leading == 0
            || (state.leading < self.leaders_max
                && state
                    .waiting
                    .iter()
                    .filter(|(_, _, handed)| !handed)
                    .count()
                    >= self.extra_leader_at)
    }

    /// Appends `batch` in a group with whatever other callers append at the
    /// same time.
    pub(crate) fn append(
        &self,
        batch: &Batch,
        group_max: usize,
        append_many: impl Fn(&[Batch]) -> Vec<Result<Appended, StoreError>>,
    ) -> Result<Appended, StoreError> {
        let (sender, receiver) = channel();
        let lead = {
            let mut state = lock(&self.state);
            state.waiting.push_back((batch.clone(), sender, false));
            let lead = self.wants_leader(&state);
            if lead {
                state.leading += 1;
                if let Some(last) = state.waiting.back_mut() {
                    last.2 = true;
                }
            }
            lead
        };
        if !lead {
            match receiver.recv() {
                Ok(Message::Outcome(result)) => return result,
                Ok(Message::Lead) => {}
                Err(_) => return Err(lost()),
            }
        }
        self.lead(&receiver, group_max.max(1), append_many)
    }

    fn lead(
        &self,
        receiver: &Receiver<Message>,
        group_max: usize,
        append_many: impl Fn(&[Batch]) -> Vec<Result<Appended, StoreError>>,
    ) -> Result<Appended, StoreError> {
        let mut guard = Leading {
            queue: self,
            armed: true,
        };
        let result = loop {
            let (batches, senders): (Vec<Batch>, Vec<Sender<Message>>) = {
                let mut state = lock(&self.state);
                let take = state.waiting.len().min(group_max);
                state
                    .waiting
                    .drain(..take)
                    .map(|(batch, sender, _)| (batch, sender))
                    .unzip()
            };
            if batches.is_empty() {
                // Another leader's group holds this caller's batch.
                break receiver.recv().map_err(|_| lost());
            }
            let results = append_many(&batches);
            let mut results = results.into_iter();
            for sender in senders {
                let result = results.next().unwrap_or_else(|| Err(lost()));
                // A waiter that is gone has nothing to be told.
                let _ = sender.send(Message::Outcome(result));
            }
            if let Ok(message) = receiver.try_recv() {
                break Ok(message);
            }
        };
        let result = match result {
            Ok(Message::Outcome(result)) => result,
            Ok(Message::Lead) | Err(_) => Err(lost()),
        };
        let mut state = lock(&self.state);
        // Hand the lead to the oldest waiter not yet handed one, if this
        // leader is the last one or the load still calls for it; else (or
        // with nobody left to hand it to) one leader fewer.
        state.leading = state.leading.saturating_sub(1);
        let handed = self.wants_leader(&state)
            && state
                .waiting
                .iter_mut()
                .find(|(_, _, handed)| !*handed)
                .is_some_and(|(_, next, handed)| {
                    *handed = next.send(Message::Lead).is_ok();
                    *handed
                });
        if handed {
            state.leading += 1;
        }
        guard.armed = false;
        result
    }
}

fn lost() -> StoreError {
    StoreError::Backend("the group commit ended without an outcome for the batch".into())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    fn batch(case_id: &str) -> Batch {
        Batch {
            case_id: case_id.into(),
            expected_seq: 0,
            idempotency_key: None,
            events: Vec::new(),
            ops: Vec::new(),
            evidence: Vec::new(),
        }
    }

    /// A backend that answers each batch with its own case id and records
    /// the size of every group; each commit takes a little while.
    fn backend(
        groups: &Mutex<Vec<usize>>,
    ) -> impl Fn(&[Batch]) -> Vec<Result<Appended, StoreError>> {
        move |batches: &[Batch]| {
            groups.lock().unwrap().push(batches.len());
            std::thread::sleep(Duration::from_millis(2));
            batches
                .iter()
                .map(|batch| {
                    Ok(Appended {
                        case_id: batch.case_id.clone(),
                        last_seq: 0,
                        events: 0,
                        last_global_seq: 0,
                        last_hash: String::new(),
                        duplicate: false,
                    })
                })
                .collect()
        }
    }

    #[test]
    fn one_caller_alone_commits_a_group_of_one() {
        let queue = CommitQueue::one_leader();
        let groups = Mutex::new(Vec::new());
        for n in 0..3 {
            let id = format!("c{n}");
            let got = queue.append(&batch(&id), 256, backend(&groups)).unwrap();
            assert_eq!(got.case_id, id);
        }
        assert_eq!(*groups.lock().unwrap(), vec![1, 1, 1]);
    }

    /// `threads` threads append fifty batches each through `queue` (groups
    /// of at most 8). Checks that every batch was
    /// committed once, in a group of 1 to 8, each caller got its own outcome
    /// and the queue ends idle; returns the group sizes and the most groups
    /// that were being committed at once.
    fn callers(threads: usize, queue: CommitQueue) -> (Vec<usize>, usize) {
        let groups = Mutex::new(Vec::new());
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let commit = |batches: &[Batch]| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            let results = backend(&groups)(batches);
            running.fetch_sub(1, Ordering::SeqCst);
            results
        };
        std::thread::scope(|scope| {
            for t in 0..threads {
                let (queue, commit) = (&queue, &commit);
                scope.spawn(move || {
                    for n in 0..50 {
                        let id = format!("t{t}-{n}");
                        let got = queue.append(&batch(&id), 8, commit).unwrap();
                        assert_eq!(got.case_id, id);
                    }
                });
            }
        });
        let groups = groups.into_inner().unwrap();
        assert_eq!(
            groups.iter().sum::<usize>(),
            threads * 50,
            "every batch once"
        );
        assert!(
            groups.iter().all(|&size| (1..=8).contains(&size)),
            "{groups:?}"
        );
        let state = lock(&queue.state);
        assert_eq!(state.leading, 0);
        assert!(state.waiting.is_empty());
        (groups, most.into_inner())
    }

    #[test]
    fn concurrent_callers_share_groups_and_each_gets_its_own_outcome() {
        let (groups, most) = callers(16, CommitQueue::one_leader());
        assert_eq!(most, 1, "one group at a time");
        assert!(
            groups.len() < 16 * 50 / 2,
            "under load the groups grow: {} groups",
            groups.len()
        );
    }

    #[test]
    fn two_leaders_commit_two_groups_at_once_and_never_more() {
        let (groups, most) = callers(16, CommitQueue::new(2, 4));
        assert_eq!(most, 2, "two groups at once, not more");
        assert!(groups.len() < 16 * 50 / 2, "{} groups", groups.len());
    }

    #[test]
    fn light_load_keeps_one_leader() {
        // Three callers never queue the four batches a second leader needs.
        let (_, most) = callers(3, CommitQueue::new(2, 4));
        assert_eq!(most, 1, "one group at a time");
    }

    #[test]
    fn a_leader_that_panics_does_not_stop_the_queue() {
        let queue = CommitQueue::one_leader();
        let calls = AtomicUsize::new(0);
        let panicking = |_: &[Batch]| -> Vec<Result<Appended, StoreError>> {
            calls.fetch_add(1, Ordering::SeqCst);
            panic!("backend bug")
        };
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            queue.append(&batch("a"), 8, panicking)
        }));
        assert!(unwound.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let groups = Mutex::new(Vec::new());
        let got = queue.append(&batch("b"), 8, backend(&groups)).unwrap();
        assert_eq!(got.case_id, "b");
    }
}
