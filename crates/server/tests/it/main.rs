//! Cognate's one integration-test binary: the storage conformance suite on both backends,
//! and the assembled server driven over HTTP in-process.

mod common;
mod conformance;
mod server;
mod tidy;
