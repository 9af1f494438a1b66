//! Table-driven tests of cognate-policy. Each group cites the IAM User Guide page its expected
//! values come from (https://docs.aws.amazon.com/IAM/latest/UserGuide/<page>).

// Test code may panic: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod actions;
mod bench;
mod case_sensitivity;
mod cognito;
mod condition_keys;
mod conditions_existence;
mod conditions_sets;
mod conditions_string;
mod conditions_typed;
mod documented_statements;
mod evaluation;
mod operators_edge;
mod parse;
mod resources;
mod trust;
mod variables;
mod variables_edge;

pub use cognate_policy::{Outcome, Policy, Request, evaluate};

/// Request context keys and their values.
pub type Ctx<'a> = &'a [(&'a str, &'a [&'a str])];

/// A condition-table row: the condition block, the request context, whether it holds.
pub type CondCase<'a> = (&'a str, Ctx<'a>, bool);

pub const ALLOW: Outcome = Outcome::Allow;
pub const DENY: Outcome = Outcome::ExplicitDeny;
pub const IMPLICIT: Outcome = Outcome::ImplicitDeny;

/// A request for `action` on `resource` with the given context keys.
pub fn req(action: &str, resource: &str, context: &[(&str, &[&str])]) -> Request {
    let mut request = Request::new(action, resource);
    for (key, values) in context {
        request.context.insert(key, values.iter().copied());
    }
    request
}

fn parse(json: &str) -> Policy {
    Policy::parse(json).unwrap_or_else(|e| panic!("policy did not parse ({e}): {json}"))
}

/// Evaluates one identity policy.
#[track_caller]
pub fn check(policy_json: &str, request: &Request, expected: Outcome) {
    check_all(&[policy_json], None, request, expected);
}

/// Evaluates identity policies and optional session policies.
#[track_caller]
pub fn check_all(identity: &[&str], session: Option<&[&str]>, request: &Request, expected: Outcome) {
    let identity: Vec<Policy> = identity.iter().map(|p| parse(p)).collect();
    let session: Option<Vec<Policy>> = session.map(|s| s.iter().map(|p| parse(p)).collect());
    let got = evaluate(&identity, session.as_deref(), request).outcome();
    assert_eq!(got, expected, "\nidentity: {identity:?}\nsession: {session:?}\nrequest: {request:?}");
}

/// A 2012-10-17 policy allowing everything under one condition block.
pub fn allow_if(condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{condition}}}}}"#
    )
}

/// Whether a condition block holds for a context: checks an Allow-everything policy under it.
#[track_caller]
pub fn check_condition(condition: &str, context: &[(&str, &[&str])], holds: bool) {
    let expected = if holds { ALLOW } else { IMPLICIT };
    check(&allow_if(condition), &req("s3:GetObject", "arn:aws:s3:::b/k", context), expected);
}

/// Runs a table of `(condition, context, holds)` cases.
#[track_caller]
pub fn condition_table(cases: &[CondCase]) {
    for (condition, context, holds) in cases {
        check_condition(condition, context, *holds);
    }
}

/// Counts table rows so the suite can report how many cases it ran.
pub fn rows<T>(cases: &[T]) -> usize {
    cases.len()
}
