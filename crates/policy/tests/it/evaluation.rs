//! Combining statements and policies: explicit deny, implicit deny, session policies, and the
//! statements a decision reports.

use cognate_policy::{Decision, PolicySet, StatementRef};

use crate::*;

const READ_B: &str = r#"{"Version":"2012-10-17","Statement":{"Sid":"Read","Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}}"#;
const ALL_S3: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
const DENY_SECRET: &str = r#"{"Version":"2012-10-17","Statement":{"Sid":"NoSecret","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b/secret/*"}}"#;
const DENY_PUT: &str =
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}}"#;

// reference_policies_evaluation-logic.html#policy-eval-denyallow: requests are implicitly denied
// by default, an allow overrides that, and an explicit deny in any policy overrides any allow.
#[test]
fn deny_overrides_allow() {
    let get = |key: &str| req("s3:GetObject", &format!("arn:aws:s3:::b/{key}"), &[]);
    let cases: &[(&[&str], Request, Outcome)] = &[
        (&[], get("k"), IMPLICIT),
        (&[READ_B], get("k"), ALLOW),
        (&[READ_B], req("s3:PutObject", "arn:aws:s3:::b/k", &[]), IMPLICIT),
        (&[READ_B, DENY_SECRET], get("secret/k"), DENY),
        (&[DENY_SECRET, READ_B], get("secret/k"), DENY),
        (&[READ_B, DENY_SECRET], get("public/k"), ALLOW),
        (&[DENY_SECRET], get("public/k"), IMPLICIT),
        (&[DENY_SECRET], get("secret/k"), DENY),
        (&[ALL_S3, DENY_PUT], req("s3:PutObject", "arn:aws:s3:::x/y", &[]), DENY),
        (&[ALL_S3, DENY_PUT], req("s3:putobject", "arn:aws:s3:::x/y", &[]), DENY),
        (&[ALL_S3, DENY_PUT], req("s3:DeleteObject", "arn:aws:s3:::x/y", &[]), ALLOW),
        (&[ALL_S3, READ_B, DENY_SECRET, DENY_PUT], get("secret/x"), DENY),
    ];
    for (identity, request, expected) in cases {
        check_all(identity, None, request, *expected);
    }
    // Within one policy too: a Deny statement beats an Allow statement in any order.
    let mixed = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"},
        {"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    check(mixed, &req("s3:DeleteObject", "arn:aws:s3:::b/k", &[]), DENY);
    check(mixed, &req("s3:GetObject", "arn:aws:s3:::b/k", &[]), ALLOW);
    // A Deny whose condition fails does not deny.
    let conditional = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
        {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
    check(conditional, &req("s3:GetObject", "*", &[("aws:SecureTransport", &["true"])]), ALLOW);
    check(conditional, &req("s3:GetObject", "*", &[("aws:SecureTransport", &["false"])]), DENY);
    check(conditional, &req("s3:GetObject", "*", &[]), ALLOW);
}

// access_policies.html#policies_session: a session's permissions are the intersection of the
// identity policies and the session policies; an explicit deny in either wins.
#[test]
fn session_policies_intersect() {
    let put_b = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}}"#;
    let cases: &[(&[&str], &[&str], Request, Outcome)] = &[
        (&[ALL_S3], &[READ_B], req("s3:GetObject", "arn:aws:s3:::b/k", &[]), ALLOW),
        (&[ALL_S3], &[READ_B], req("s3:PutObject", "arn:aws:s3:::b/k", &[]), IMPLICIT),
        (&[ALL_S3], &[READ_B], req("s3:GetObject", "arn:aws:s3:::c/k", &[]), IMPLICIT),
        (&[READ_B], &[ALL_S3], req("s3:PutObject", "arn:aws:s3:::b/k", &[]), IMPLICIT),
        (&[READ_B], &[put_b], req("s3:GetObject", "arn:aws:s3:::b/k", &[]), IMPLICIT),
        (&[READ_B], &[put_b], req("s3:PutObject", "arn:aws:s3:::b/k", &[]), IMPLICIT),
        (&[ALL_S3], &[READ_B, put_b], req("s3:PutObject", "arn:aws:s3:::b/k", &[]), ALLOW),
        (&[ALL_S3], &[ALL_S3, DENY_SECRET], req("s3:GetObject", "arn:aws:s3:::b/secret/k", &[]), DENY),
        (&[ALL_S3, DENY_SECRET], &[ALL_S3], req("s3:GetObject", "arn:aws:s3:::b/secret/k", &[]), DENY),
        (&[], &[ALL_S3], req("s3:GetObject", "arn:aws:s3:::b/k", &[]), IMPLICIT),
        (&[ALL_S3], &[], req("s3:GetObject", "arn:aws:s3:::b/k", &[]), IMPLICIT),
        (&[READ_B], &[DENY_SECRET], req("s3:GetObject", "arn:aws:s3:::b/k", &[]), IMPLICIT),
    ];
    for (identity, session, request, expected) in cases {
        check_all(identity, Some(session), request, *expected);
    }
}

// The decision names its statements (policy and statement indexes, Sid).
#[test]
fn decisions_report_their_statements() {
    let identity =
        [Policy::parse(ALL_S3).unwrap(), Policy::parse(READ_B).unwrap(), Policy::parse(DENY_SECRET).unwrap()];
    let session = [Policy::parse(READ_B).unwrap()];
    let get = req("s3:GetObject", "arn:aws:s3:::b/k", &[]);
    let at = |set, policy, sid| StatementRef { set, policy, statement: 0, sid };
    assert_eq!(
        evaluate(&identity, Some(&session), &get),
        Decision::Allow {
            identity: at(PolicySet::Identity, 0, None),
            session: Some(at(PolicySet::Session, 0, Some("Read")))
        }
    );
    let secret = req("s3:GetObject", "arn:aws:s3:::b/secret/k", &[]);
    let denied = evaluate(&identity, None, &secret);
    assert_eq!(denied, Decision::ExplicitDeny(at(PolicySet::Identity, 2, Some("NoSecret"))));
    assert_eq!(denied.matched(), vec![at(PolicySet::Identity, 2, Some("NoSecret"))]);
    assert!(evaluate(&identity[1..2], None, &req("s3:PutObject", "arn:aws:s3:::b/k", &[])).matched().is_empty());
    let two = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"sqs:*","Resource":"*"},
        {"Sid":"B","Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
    )
    .unwrap();
    let decision = evaluate(std::slice::from_ref(&two), None, &get);
    assert_eq!(decision.matched()[0].statement, 1);
    assert_eq!(decision.matched()[0].sid, Some("B"));
}
