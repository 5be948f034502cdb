//! sydbox: a ptrace and seccomp sandbox that keeps sydbox-1's command line
//! and profile language.
//!
//! The pipeline: `profile` parses magic commands, `policy` compiles them
//! into rules and decides each access, `seccomp` builds the kernel filters,
//! `trace` is the supervisor that enforces the policy on every traced
//! process, `report` turns denials into records, and `launch` ties them
//! together.

pub mod policy;
pub mod profile;
pub mod report;
pub mod seccomp;
pub mod sys;
pub mod trace;
pub mod launch;
pub mod cli;
pub mod landlock;
pub mod ns;
pub mod view;
