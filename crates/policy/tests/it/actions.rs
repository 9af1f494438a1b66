//! Action and NotAction matching: case-insensitive, with `*` and `?` wildcards.

use crate::*;

fn allow_actions(actions: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":{actions},"Resource":"*"}}}}"#)
}

// reference_policies_elements_action.html: actions are service:name, matched case-insensitively
// ("iam:*AccessKey*" style wildcards anywhere; "*" for all actions).
#[test]
fn action_element() {
    let cases: &[(&str, &str, Outcome)] = &[
        (r#""s3:GetObject""#, "s3:GetObject", ALLOW),
        (r#""s3:GetObject""#, "s3:getobject", ALLOW),
        (r#""s3:GetObject""#, "S3:GETOBJECT", ALLOW),
        (r#""S3:GETOBJECT""#, "s3:GetObject", ALLOW),
        (r#""s3:GetObject""#, "s3:GetObjectAcl", IMPLICIT),
        (r#""s3:GetObject""#, "s3:PutObject", IMPLICIT),
        (r#""s3:GetObject""#, "s3x:GetObject", IMPLICIT),
        (r#""s3:*""#, "s3:DeleteBucket", ALLOW),
        (r#""s3:*""#, "S3:anything", ALLOW),
        (r#""s3:*""#, "sqs:SendMessage", IMPLICIT),
        (r#""*""#, "sqs:SendMessage", ALLOW),
        (r#""*""#, "iam:CreateUser", ALLOW),
        (r#""s3:Get*""#, "s3:GetObject", ALLOW),
        (r#""s3:Get*""#, "s3:GetBucketPolicy", ALLOW),
        (r#""s3:Get*""#, "s3:PutObject", IMPLICIT),
        (r#""iam:*AccessKey*""#, "iam:CreateAccessKey", ALLOW),
        (r#""iam:*AccessKey*""#, "iam:ListAccessKeys", ALLOW),
        (r#""iam:*AccessKey*""#, "iam:UpdateAccessKey", ALLOW),
        (r#""iam:*AccessKey*""#, "iam:CreateUser", IMPLICIT),
        (r#""s3:?etObject""#, "s3:GetObject", ALLOW),
        (r#""s3:?etObject""#, "s3:SetObject", ALLOW),
        (r#""s3:?etObject""#, "s3:GGetObject", IMPLICIT),
        (r#""s3:Get?""#, "s3:Get", IMPLICIT),
        (r#""s3:*Object""#, "s3:PutObject", ALLOW),
        (r#""s3:*Object""#, "s3:PutObjectAcl", IMPLICIT),
        (r#"["s3:GetObject","s3:PutObject"]"#, "s3:PutObject", ALLOW),
        (r#"["s3:GetObject","s3:PutObject"]"#, "s3:DeleteObject", IMPLICIT),
        (r#"["sqs:*","s3:List*"]"#, "s3:ListBucket", ALLOW),
        (r#"["sqs:*","s3:List*"]"#, "sqs:ReceiveMessage", ALLOW),
        (r#"["sqs:*","s3:List*"]"#, "sns:Publish", IMPLICIT),
        (r#""cognito-identity:Get*""#, "cognito-identity:GetCredentialsForIdentity", ALLOW),
        (r#""cognito-identity:Get*""#, "cognito-idp:GetUser", IMPLICIT),
        (r#""s3:*Bucket""#, "s3:ListBucket", ALLOW),
        (r#""s3:*Bucket""#, "s3:ListBucketVersions", IMPLICIT),
    ];
    assert!(rows(cases) > 30);
    for (actions, action, expected) in cases {
        check(&allow_actions(actions), &req(action, "arn:aws:s3:::b", &[]), *expected);
    }
}

fn not_action(effect: &str, actions: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","NotAction":{actions},"Resource":"{resource}"}}]}}"#
    )
}

const ALLOW_ALL: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;

// reference_policies_elements_notaction.html: NotAction with Allow grants every action except
// those listed (still limited by Resource); with Deny it denies every action except those listed.
#[test]
fn not_action_element() {
    let allow = |actions, action, resource, expected| {
        check(&not_action("Allow", actions, "*"), &req(action, resource, &[]), expected);
    };
    allow(r#""iam:*""#, "s3:GetObject", "arn:aws:s3:::b/k", ALLOW);
    allow(r#""iam:*""#, "iam:CreateUser", "arn:aws:iam::1:user/x", IMPLICIT);
    allow(r#""iam:*""#, "IAM:CreateUser", "arn:aws:iam::1:user/x", IMPLICIT);
    allow(r#"["iam:*","sts:*"]"#, "sts:AssumeRole", "*", IMPLICIT);
    allow(r#"["iam:*","sts:*"]"#, "ec2:RunInstances", "*", ALLOW);
    allow(r#""s3:DeleteBucket""#, "s3:DeleteObject", "*", ALLOW);
    allow(r#""s3:DeleteBucket""#, "s3:deletebucket", "*", IMPLICIT);
    // NotAction with a Resource: the action may be anything but the resource still must match.
    let scoped = not_action("Allow", r#""s3:DeleteObject""#, "arn:aws:s3:::b/*");
    check(&scoped, &req("s3:GetObject", "arn:aws:s3:::b/k", &[]), ALLOW);
    check(&scoped, &req("s3:GetObject", "arn:aws:s3:::other/k", &[]), IMPLICIT);
    check(&scoped, &req("s3:DeleteObject", "arn:aws:s3:::b/k", &[]), IMPLICIT);
    // Deny with NotAction: everything except the listed actions is denied.
    let deny = not_action("Deny", r#""iam:*""#, "*");
    check_all(&[ALLOW_ALL, &deny], None, &req("s3:GetObject", "*", &[]), DENY);
    check_all(&[ALLOW_ALL, &deny], None, &req("iam:GetUser", "*", &[]), ALLOW);
    check_all(&[ALLOW_ALL, &deny], None, &req("iam:getuser", "*", &[]), ALLOW);
    check(&deny, &req("iam:GetUser", "*", &[]), IMPLICIT);
}
