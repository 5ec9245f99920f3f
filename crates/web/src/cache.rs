//! Small in-memory caches in front of the store, for the hot read paths.
//!
//! - Accounts by login, for 30 seconds: every signed-in request needs one.
//!   A changed password or role applies within that time on every server.
//! - A case's regulation edition and route, forever (bounded): both are
//!   fixed when the case is filed, and every work-list row needs them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::auth::Account;

pub const ACCOUNT_TTL: Duration = Duration::from_secs(30);
const ENTRIES_MAX: usize = 100_000;

#[derive(Default)]
pub struct Caches {
    accounts: Mutex<HashMap<String, (Account, Instant)>>,
    case_routes: Mutex<HashMap<String, (String, String)>>,
}

fn bounded<K, V>(map: &mut HashMap<K, V>) {
    // Crude but bounded: start over when full.
    if map.len() >= ENTRIES_MAX {
        map.clear();
    }
}

impl Caches {
    pub fn account(&self, login: &str) -> Option<Account> {
        let accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        accounts
            .get(login)
            .filter(|(_, at)| at.elapsed() < ACCOUNT_TTL)
            .map(|(account, _)| account.clone())
    }

    pub fn put_account(&self, account: &Account) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        bounded(&mut accounts);
        accounts.insert(account.login.clone(), (account.clone(), Instant::now()));
    }

    /// (regulation hash, route) of a case.
    pub fn case_route(&self, case_id: &str) -> Option<(String, String)> {
        let routes = self.case_routes.lock().unwrap_or_else(|p| p.into_inner());
        routes.get(case_id).cloned()
    }

    pub fn put_case_route(&self, case_id: &str, hash: &str, route: &str) {
        let mut routes = self.case_routes.lock().unwrap_or_else(|p| p.into_inner());
        bounded(&mut routes);
        routes.insert(case_id.to_owned(), (hash.to_owned(), route.to_owned()));
    }
}
