//! The documentation's NotAction, NotResource and session-policy examples, evaluated as written.

use crate::*;

// reference_policies_elements_notaction.html: "Effect": "Allow", "NotAction": "s3:DeleteBucket",
// "Resource": "arn:aws:s3:::*" allows every S3 action on S3 resources except deleting a bucket,
// not ListAllMyBuckets (resource "*"), and no other service's actions (their resources are not
// S3 resources). "NotAction": "iam:*", "Resource": "*" allows everything but IAM.
#[test]
fn not_action_with_allow() {
    let s3 = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"s3:DeleteBucket","Resource":"arn:aws:s3:::*"}}"#;
    let no_iam = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#;
    let cases: &[(&str, &str, &str, Outcome)] = &[
        (s3, "s3:GetObject", "arn:aws:s3:::b/k", ALLOW),
        (s3, "s3:PutBucketPolicy", "arn:aws:s3:::b", ALLOW),
        (s3, "s3:DeleteObject", "arn:aws:s3:::b/k", ALLOW),
        (s3, "s3:DeleteBucket", "arn:aws:s3:::b", IMPLICIT),
        (s3, "S3:deletebucket", "arn:aws:s3:::b", IMPLICIT),
        (s3, "s3:DeleteBucketPolicy", "arn:aws:s3:::b", ALLOW),
        (s3, "s3:ListAllMyBuckets", "*", IMPLICIT),
        (s3, "ec2:RunInstances", "arn:aws:ec2:us-east-1:1:instance/i-1", IMPLICIT),
        (s3, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q", IMPLICIT),
        (no_iam, "ec2:RunInstances", "arn:aws:ec2:us-east-1:1:instance/i-1", ALLOW),
        (no_iam, "s3:ListAllMyBuckets", "*", ALLOW),
        (no_iam, "sts:AssumeRole", "arn:aws:iam::1:role/r", ALLOW),
        (no_iam, "iam:CreateUser", "arn:aws:iam::1:user/u", IMPLICIT),
        (no_iam, "IAM:PassRole", "arn:aws:iam::1:role/r", IMPLICIT),
        (no_iam, "iamx:Thing", "*", ALLOW),
    ];
    for (policy, action, resource, expected) in cases {
        check(policy, &req(action, resource, &[]), *expected);
    }
}

// reference_policies_elements_notresource.html: the HRPayroll Deny ("explicitly denies access to
// all Amazon S3 resources other than the listed resources ... does not grant the user access to
// any resources"; "If the action also included Amazon EC2 actions, then the policy would not deny
// access to any EC2 resources" - here the action is s3:* only), and the dangerous Allow with
// "Action": "*" and "NotResource": "arn:aws:s3:::HRBucket", which allows everything else.
#[test]
fn not_resource_documented() {
    let payroll = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*",
        "NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]}}"#;
    let all: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
    let cases: &[(&str, &str, Outcome)] = &[
        ("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/2024.csv", ALLOW),
        ("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll", ALLOW),
        ("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/a/b/c", ALLOW),
        ("s3:GetObject", "arn:aws:s3:::HRBucket/PayrollArchive/x", DENY),
        ("s3:GetObject", "arn:aws:s3:::HRBucket/payroll/2024.csv", DENY),
        ("s3:GetObject", "arn:aws:s3:::HRBucket/Other/x", DENY),
        ("s3:ListBucket", "arn:aws:s3:::HRBucket", DENY),
        ("s3:GetObject", "arn:aws:s3:::OtherBucket/x", DENY),
        ("ec2:RunInstances", "arn:aws:ec2:us-east-1:1:instance/i-1", ALLOW),
        ("iam:CreateUser", "arn:aws:iam::1:user/u", ALLOW),
    ];
    for (action, resource, expected) in cases {
        check_all(&[all, payroll], None, &req(action, resource, &[]), *expected);
    }
    check(payroll, &req("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/2024.csv", &[]), IMPLICIT);
    check(payroll, &req("s3:GetObject", "arn:aws:s3:::HRBucket/Other/x", &[]), DENY);
    let dangerous =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::HRBucket"}}"#;
    let cases: &[(&str, &str, Outcome)] = &[
        ("iam:PutUserPolicy", "arn:aws:iam::1:user/me", ALLOW),
        ("ec2:TerminateInstances", "arn:aws:ec2:us-east-1:1:instance/i-1", ALLOW),
        ("s3:GetObject", "arn:aws:s3:::OtherBucket/k", ALLOW),
        ("s3:ListBucket", "arn:aws:s3:::HRBucket", IMPLICIT),
        ("s3:DeleteBucket", "arn:aws:s3:::HRBucket", IMPLICIT),
        // Objects are other resources than the bucket.
        ("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/2024.csv", ALLOW),
    ];
    for (action, resource, expected) in cases {
        check(dangerous, &req(action, resource, &[]), *expected);
    }
}

// reference_policies_evaluation-logic.html#policy-eval-denyallow: an explicit deny in any policy
// wins; otherwise an identity-based allow is needed and, when session policies are present, "If a
// session policy is present and does not allow the requested action, then the request is
// implicitly denied". access_policies.html#policies_session: "Session policies limit permissions
// for a created session, but do not grant permissions."
#[test]
fn session_policy_intersection() {
    let read = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}}"#;
    let write = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}}"#;
    let all = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
    let not_iam = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#;
    let deny_delete = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}}"#;
    let tls_only = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}}"#;
    let get = req("s3:GetObject", "arn:aws:s3:::b/k", &[]);
    let put = req("s3:PutObject", "arn:aws:s3:::b/k", &[]);
    let delete = req("s3:DeleteObject", "arn:aws:s3:::b/k", &[]);
    let iam = req("iam:CreateUser", "arn:aws:iam::1:user/u", &[]);
    let secure_get = req("s3:GetObject", "arn:aws:s3:::b/k", &[("aws:SecureTransport", &["true"])]);
    type Case<'a> = (&'a [&'a str], Option<&'a [&'a str]>, &'a Request, Outcome);
    let cases: &[Case] = &[
        (&[all], None, &put, ALLOW),
        (&[all], Some(&[read]), &get, ALLOW),
        (&[all], Some(&[read]), &put, IMPLICIT),
        (&[all], Some(&[read, write]), &put, ALLOW),
        (&[read], Some(&[all]), &get, ALLOW),
        (&[read], Some(&[all]), &put, IMPLICIT),
        (&[read], Some(&[write]), &get, IMPLICIT),
        (&[read], Some(&[write]), &put, IMPLICIT),
        (&[read, write], Some(&[write]), &put, ALLOW),
        (&[all], Some(&[not_iam]), &iam, IMPLICIT),
        (&[all], Some(&[not_iam]), &delete, ALLOW),
        (&[not_iam], Some(&[all]), &iam, IMPLICIT),
        (&[all], Some(&[all, deny_delete]), &delete, DENY),
        (&[all, deny_delete], Some(&[all]), &delete, DENY),
        (&[deny_delete], Some(&[all]), &delete, DENY),
        (&[all], Some(&[deny_delete]), &delete, DENY),
        (&[all], Some(&[deny_delete]), &get, IMPLICIT),
        (&[all], Some(&[tls_only]), &get, IMPLICIT),
        (&[all], Some(&[tls_only]), &secure_get, ALLOW),
        (&[tls_only], Some(&[all]), &get, IMPLICIT),
        (&[], Some(&[all]), &get, IMPLICIT),
        (&[all], Some(&[]), &get, IMPLICIT),
    ];
    for (identity, session, request, expected) in cases {
        check_all(identity, *session, request, *expected);
    }
}
