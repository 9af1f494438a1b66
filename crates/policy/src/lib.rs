//! IAM policy documents for Cognate: parsing IAM JSON policies into a compiled form and
//! evaluating requests against them as AWS IAM does (explicit deny, session-policy intersection,
//! wildcards, policy variables and every condition operator). No I/O and no clock: the caller
//! supplies `aws:CurrentTime`/`aws:EpochTime` in the request context.
//!
//! ```
//! use cognate_policy::{evaluate, Outcome, Policy, Request};
//!
//! let policy = Policy::parse(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow",
//!     "Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}}"#).unwrap();
//! let request = Request::new("s3:GetObject", "arn:aws:s3:::b/alice/x").with_context("aws:username", ["alice"]);
//! assert_eq!(evaluate(&[policy], None, &request).outcome(), Outcome::Allow);
//! ```

mod arn;
mod condition;
mod context;
mod error;
mod evaluate;
mod pattern;
mod policy;
mod principal;

pub use condition::Conditions;
pub use context::{Context, PrincipalKind, Request, RequestPrincipal};
pub use error::PolicyError;
pub use evaluate::{Decision, Outcome, PolicySet, StatementRef, evaluate, evaluate_trust, evaluate_web_identity_trust};
pub use policy::{Effect, Policy, Statement, Version};
pub use principal::Principals;
