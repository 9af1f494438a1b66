//! Policy variables: where they apply, the Version that enables them, defaults, escapes and
//! variables that cannot be resolved.

use crate::*;

const SUB: &str = "cognito-identity.amazonaws.com:sub";
const ID: &str = "us-east-1:0f2a-7c1e";

fn home(version: &str) -> String {
    let version = if version.is_empty() { String::new() } else { format!(r#""Version":"{version}","#) };
    format!(
        r#"{{{version}"Statement":[{{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],
        "Resource":["arn:aws:s3:::b/${{cognito-identity.amazonaws.com:sub}}/*"]}},
        {{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b",
        "Condition":{{"StringLike":{{"s3:prefix":["${{cognito-identity.amazonaws.com:sub}}/*"]}}}}}}]}}"#
    )
}

// reference_policies_variables.html: variables are replaced with request-context values in
// Resource and in string/ARN condition values, only with Version 2012-10-17; without Version (or
// with 2008-10-17) `${aws:username}` is a literal string.
#[test]
fn variables_need_version_2012() {
    let object = |key: &str| req("s3:GetObject", &format!("arn:aws:s3:::b/{key}"), &[(SUB, &[ID])]);
    let list = |prefix: &str| req("s3:ListBucket", "arn:aws:s3:::b", &[(SUB, &[ID]), ("s3:prefix", &[prefix])]);
    let v2012 = home("2012-10-17");
    check(&v2012, &object(&format!("{ID}/photo.jpg")), ALLOW);
    check(&v2012, &object("us-east-1:other/photo.jpg"), IMPLICIT);
    check(&v2012, &object(ID), IMPLICIT);
    check(&v2012, &list(&format!("{ID}/")), ALLOW);
    check(&v2012, &list(&format!("{ID}/a/b")), ALLOW);
    check(&v2012, &list("us-east-1:other/"), IMPLICIT);
    check(&v2012, &list(""), IMPLICIT);
    for literal in [home(""), home("2008-10-17")] {
        check(&literal, &object(&format!("{ID}/photo.jpg")), IMPLICIT);
        check(&literal, &list(&format!("{ID}/")), IMPLICIT);
        // The variable text itself is what matches in an old-version policy.
        check(&literal, &object("${cognito-identity.amazonaws.com:sub}/photo.jpg"), ALLOW);
        check(&literal, &list("${cognito-identity.amazonaws.com:sub}/x"), ALLOW);
    }
}

fn allow_resource(version: &str, resource: &str) -> String {
    format!(r#"{{"Version":"{version}","Statement":{{"Effect":"Allow","Action":"*","Resource":"{resource}"}}}}"#)
}

// ...#policy-vars-infotouse (aws:username, tags as variables, key names case-insensitive),
// #policy-vars-specialchars (${*}, ${?}, ${$}) and #policy-vars-default-values.
#[test]
fn variables_in_resources() {
    let user = [("aws:username", &["David"][..])];
    let cases: &[(&str, &str, Ctx, Outcome)] = &[
        ("arn:aws:iam::1:user/${aws:username}", "arn:aws:iam::1:user/David", &user, ALLOW),
        ("arn:aws:iam::1:user/${aws:username}", "arn:aws:iam::1:user/david", &user, IMPLICIT),
        ("arn:aws:iam::1:user/${AWS:UserName}", "arn:aws:iam::1:user/David", &user, ALLOW),
        ("arn:aws:iam::1:user/${aws:username}", "arn:aws:iam::1:user/David", &[], IMPLICIT),
        ("arn:aws:iam::1:user/${aws:username}", "arn:aws:iam::1:user/", &[], IMPLICIT),
        ("arn:aws:sqs:us-east-2:*:${aws:username}-queue", "arn:aws:sqs:us-east-2:1:David-queue", &user, ALLOW),
        (
            "arn:aws:s3:::bucket/${aws:PrincipalTag/department}",
            "arn:aws:s3:::bucket/hr",
            &[("aws:PrincipalTag/department", &["hr"])],
            ALLOW,
        ),
        (
            "arn:aws:s3:::bucket/${aws:PrincipalTag/department}",
            "arn:aws:s3:::bucket/hr",
            &[("aws:PrincipalTag/team", &["hr"])],
            IMPLICIT,
        ),
        ("arn:aws:s3:::b/${aws:userid, 'anonymous'}/*", "arn:aws:s3:::b/anonymous/k", &[], ALLOW),
        ("arn:aws:s3:::b/${aws:userid, 'anonymous'}/*", "arn:aws:s3:::b/AIDA1/k", &[("aws:userid", &["AIDA1"])], ALLOW),
        (
            "arn:aws:s3:::b/${aws:userid, 'anonymous'}/*",
            "arn:aws:s3:::b/anonymous/k",
            &[("aws:userid", &["AIDA1"])],
            IMPLICIT,
        ),
        ("arn:aws:s3:::b/${aws:userid,'anonymous'}/*", "arn:aws:s3:::b/anonymous/k", &[], ALLOW),
        ("arn:aws:s3:::b/${aws:userid, 'it''s'}", "arn:aws:s3:::b/it's", &[], ALLOW),
        ("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", &[], ALLOW),
        ("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/anything", &[], IMPLICIT),
        ("arn:aws:s3:::b/${?}", "arn:aws:s3:::b/?", &[], ALLOW),
        ("arn:aws:s3:::b/${?}", "arn:aws:s3:::b/x", &[], IMPLICIT),
        ("arn:aws:s3:::b/${$}{x}", "arn:aws:s3:::b/${x}", &[], ALLOW),
        // A substituted value is literal text: a user named `*` gets only the object named `*`.
        ("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/anything", &[("aws:username", &["*"])], IMPLICIT),
        ("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/*", &[("aws:username", &["*"])], ALLOW),
        // Multi-valued keys cannot be variables (single-vs-multi-valued page): no match...
        ("arn:aws:s3:::b/${aws:TagKeys}", "arn:aws:s3:::b/a", &[("aws:TagKeys", &["a", "b"])], IMPLICIT),
        // ...unless a default stands in.
        ("arn:aws:s3:::b/${aws:TagKeys, 'none'}", "arn:aws:s3:::b/none", &[("aws:TagKeys", &["a", "b"])], ALLOW),
    ];
    for (resource, target, context, expected) in cases {
        check(&allow_resource("2012-10-17", resource), &req("s3:GetObject", target, context), *expected);
    }
    // In a 2008-10-17 policy `${*}` is not an escape: `$`, `{`, a wildcard and `}`.
    check(
        &allow_resource("2008-10-17", "arn:aws:s3:::b/${*}"),
        &req("s3:GetObject", "arn:aws:s3:::b/${zz}", &[]),
        ALLOW,
    );
}

// ...#policy-vars-conditionelement: variables in string and ARN condition values. #policy-vars-no-value:
// a variable with no value is "effectively null": StringEquals or StringLike do not match it,
// "inverted condition operators like StringNotEquals or StringNotLike do match against a null value".
#[test]
fn variables_in_conditions() {
    let user = ("aws:username", &["ann"][..]);
    let t: &[CondCase] = &[
        (
            r#"{"StringLike":{"sns:endpoint":"https://example.com/${aws:username}/"}}"#,
            &[user, ("sns:endpoint", &["https://example.com/ann/"])],
            true,
        ),
        (
            r#"{"StringLike":{"sns:endpoint":"https://example.com/${aws:username}/"}}"#,
            &[user, ("sns:endpoint", &["https://example.com/bob/"])],
            false,
        ),
        (r#"{"StringEquals":{"s3:prefix":"home/${aws:username}/"}}"#, &[user, ("s3:prefix", &["home/ann/"])], true),
        (r#"{"StringEquals":{"s3:prefix":"home/${aws:username}/*"}}"#, &[user, ("s3:prefix", &["home/ann/x"])], false),
        (r#"{"StringEquals":{"s3:prefix":"home/${aws:username}/*"}}"#, &[user, ("s3:prefix", &["home/ann/*"])], true),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}"#,
            &[("aws:PrincipalTag/team", &["red"]), ("aws:ResourceTag/team", &["red"])],
            true,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}"#,
            &[("aws:PrincipalTag/team", &["red"]), ("aws:ResourceTag/team", &["blue"])],
            false,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}"#,
            &[("aws:PrincipalTag/team", &["red"])],
            false,
        ),
        (
            r#"{"StringNotEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}"#,
            &[("aws:PrincipalTag/team", &["red"])],
            true,
        ),
        (r#"{"StringNotLike":{"s3:prefix":"${aws:username}/*"}}"#, &[("s3:prefix", &["x/"])], true),
        (r#"{"StringNotLike":{"s3:prefix":"${aws:username}/*"}}"#, &[user, ("s3:prefix", &["x/"])], true),
        (r#"{"StringEqualsIgnoreCase":{"k":"${aws:username}"}}"#, &[user, ("k", &["ANN"])], true),
        (
            r#"{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}}"#,
            &[user, ("s3:prefix", &["home/"])],
            true,
        ),
        (r#"{"StringLike":{"s3:prefix":"${aws:username, 'guest'}/*"}}"#, &[("s3:prefix", &["guest/a"])], true),
        (r#"{"StringLike":{"s3:prefix":"${*}"}}"#, &[("s3:prefix", &["*"])], true),
        (r#"{"StringLike":{"s3:prefix":"${*}"}}"#, &[("s3:prefix", &["a"])], false),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*:role/${aws:username}"}}"#,
            &[user, ("aws:SourceArn", &["arn:aws:iam::1:role/ann"])],
            true,
        ),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*:role/${aws:username}"}}"#,
            &[user, ("aws:SourceArn", &["arn:aws:iam::1:role/bob"])],
            false,
        ),
        (r#"{"Bool":{"aws:SecureTransport":"${k}"}}"#, &[("k", &["true"]), ("aws:SecureTransport", &["true"])], true),
        // A missing key with IfExists never reaches the variable.
        (r#"{"StringEqualsIfExists":{"s3:prefix":"${aws:username}"}}"#, &[], true),
    ];
    condition_table(t);
}
