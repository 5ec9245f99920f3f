//! The application layer of Qyzmet: typed operations — file an
//! application ([`submit`]), act on a case ([`tasks::act`]), sign a result
//! ([`tasks::sign_result`]), attach a file ([`evidence::attach`]), read a
//! case as an account may ([`cases`]) — each rule stated once and used by
//! the web server, the CLI and the tests alike.
//!
//! Below it, `qyzmet-runtime` runs commands through the pure engine and the
//! store; above it, `qyzmet-web` only routes, extracts and renders. What an
//! operation keeps beside the case's events (the intake record, the signed
//! request, the signed result, the files, a draft's removal) goes into the
//! same batch as typed [`qyzmet_storage::record::Evidence`], so it commits
//! in the same transaction as the events: a crash never leaves a case
//! without its evidence.
//!
//! Signatures are verified by the caller (the server holds the trusted
//! roots and CRLs); what is handed in here is the verification's result.

pub mod account;
pub mod cases;
pub mod drafts;
pub mod error;
pub mod evidence;
pub mod submit;
pub mod tasks;

pub use account::{Account, AccountKind};
pub use error::{Error, Kind};
pub use submit::{Directory, ProviderInfo, SignedRequest, SubmitRequest, submission, submit};
