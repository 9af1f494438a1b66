//! Cognate's one integration-test binary: the storage conformance suite on both backends,
//! and the assembled server driven over HTTP in-process.

// Test code may panic: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod conformance;
mod server;
mod tidy;
