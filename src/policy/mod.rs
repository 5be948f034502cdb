//! Compiled rules and the access decision.
#![forbid(unsafe_code)]

pub mod addr;
pub mod wildmatch;
