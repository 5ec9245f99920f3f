//! All integration tests of the store in one test binary (ripgrep habit).

mod common;
mod conformance;
mod crash;
mod evidence;
mod layout;
mod notifications;
mod pipeline;
mod two_processes;
