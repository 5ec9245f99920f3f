//! Adaptive group commit of concurrent single appends, for every backend.
//!
//! A caller that finds no commit running becomes the *leader*: it takes
//! everything queued (its own batch and whatever arrived meanwhile, at most
//! `group_max`) and commits it as one group through the backend's
//! `append_many` (a batch failing alone); the others wait for their outcome.
//! Once its own outcome is in, the leader hands the lead to the oldest
//! waiter, if any, and returns. So the group size follows the load with no
//! timer and no polling: one appender alone commits at once (a group of
//! one, the lowest latency), and under load each group is what queued up
//! during the previous commit (one fsync and one chain-head lock for all of
//! them).
//!
//! Every decision about who leads is made under the queue's mutex together
//! with the queue itself, so a batch is never left queued with no leader.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Mutex, MutexGuard};

use qyzmet_storage::record::Batch;

use crate::{Appended, StoreError};

#[derive(Default)]
pub(crate) struct CommitQueue {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    waiting: VecDeque<(Batch, Sender<Message>)>,
    /// Whether some caller leads (or has been told to).
    leading: bool,
}

enum Message {
    Outcome(Result<Appended, StoreError>),
    /// Lead the next groups: the previous leader is done.
    Lead,
}

fn lock(mutex: &Mutex<State>) -> MutexGuard<'_, State> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Clears `leading` if the leader unwinds (a panic in `append_many`), so
/// that the next caller leads instead of everyone waiting forever.
struct Leading<'a> {
    queue: &'a CommitQueue,
    armed: bool,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        if self.armed {
            lock(&self.queue.state).leading = false;
        }
    }
}

impl CommitQueue {
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
            state.waiting.push_back((batch.clone(), sender));
            !std::mem::replace(&mut state.leading, true)
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
        loop {
            let (batches, senders): (Vec<Batch>, Vec<Sender<Message>>) = {
                let mut state = lock(&self.state);
                let take = state.waiting.len().min(group_max);
                state.waiting.drain(..take).unzip()
            };
            let results = append_many(&batches);
            let mut results = results.into_iter();
            for sender in senders {
                let result = results.next().unwrap_or_else(|| Err(lost()));
                // A waiter that is gone has nothing to be told.
                let _ = sender.send(Message::Outcome(result));
            }
            if let Ok(message) = receiver.try_recv() {
                let result = match message {
                    Message::Outcome(result) => result,
                    Message::Lead => Err(lost()),
                };
                let mut state = lock(&self.state);
                // Hand the lead to the oldest waiter; with nobody waiting,
                // the next caller leads.
                let handed = state
                    .waiting
                    .front()
                    .is_some_and(|(_, next)| next.send(Message::Lead).is_ok());
                if !handed {
                    state.leading = false;
                }
                guard.armed = false;
                return result;
            }
        }
    }
}

fn lost() -> StoreError {
    StoreError::Backend("the group commit ended without an outcome for the batch".into())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
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
        let queue = CommitQueue::default();
        let groups = Mutex::new(Vec::new());
        for n in 0..3 {
            let id = format!("c{n}");
            let got = queue.append(&batch(&id), 256, backend(&groups)).unwrap();
            assert_eq!(got.case_id, id);
        }
        assert_eq!(*groups.lock().unwrap(), vec![1, 1, 1]);
    }

    #[test]
    fn concurrent_callers_share_groups_and_each_gets_its_own_outcome() {
        let queue = Arc::new(CommitQueue::default());
        let groups = Arc::new(Mutex::new(Vec::new()));
        let threads: Vec<_> = (0..16)
            .map(|t| {
                let queue = queue.clone();
                let groups = groups.clone();
                std::thread::spawn(move || {
                    for n in 0..50 {
                        let id = format!("t{t}-{n}");
                        let got = queue.append(&batch(&id), 8, backend(&groups)).unwrap();
                        assert_eq!(got.case_id, id);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let groups = groups.lock().unwrap();
        assert_eq!(groups.iter().sum::<usize>(), 16 * 50, "every batch once");
        assert!(
            groups.iter().all(|&size| (1..=8).contains(&size)),
            "{groups:?}"
        );
        assert!(
            groups.len() < 16 * 50 / 2,
            "under load the groups grow: {} groups",
            groups.len()
        );
        assert!(!lock(&queue.state).leading);
        assert!(lock(&queue.state).waiting.is_empty());
    }

    #[test]
    fn a_leader_that_panics_does_not_stop_the_queue() {
        let queue = CommitQueue::default();
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
