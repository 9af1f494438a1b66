//! Cognate's HTTP surface for the JSON 1.1 APIs (`POST /` with `X-Amz-Target`: user pools,
//! identity pools, authorization) and the query APIs (STS, IAM): SigV4 for IAM-authenticated
//! operations, Cognito-style errors, CORS and request ids.
//!
//! **Architecture invariant:** this crate (with the server binary) is the only one that knows
//! HTTP; below it, operations receive typed requests and plain values.

mod auth;
mod dispatch;
mod error;
mod identity;
mod query;
mod router;

pub use auth::AdminKeys;
pub use error::ApiError;
pub use router::{AppState, router};
