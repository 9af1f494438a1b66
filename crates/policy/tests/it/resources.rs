//! Resource and NotResource matching: case-sensitive ARNs with per-segment wildcards.

use crate::*;

fn allow_on(element: &str, resources: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:*","{element}":{resources}}}}}"#)
}

// reference_policies_elements_resource.html: wildcards `*` (any run, `/` included) and `?` (one
// character) inside segments; the user-name part of an ARN is case sensitive; a `*` that ends a
// segment may match beyond the colons that follow.
#[test]
fn resource_element() {
    let cases: &[(&str, &str, Outcome)] = &[
        (r#""*""#, "arn:aws:s3:::b/k", ALLOW),
        (r#""*""#, "anything-at-all", ALLOW),
        (r#""arn:aws:s3:::b/k""#, "arn:aws:s3:::b/k", ALLOW),
        (r#""arn:aws:s3:::b/k""#, "arn:aws:s3:::b/K", IMPLICIT),
        (r#""arn:aws:s3:::b/k""#, "ARN:AWS:S3:::b/k", IMPLICIT),
        (r#""arn:aws:s3:::B/k""#, "arn:aws:s3:::b/k", IMPLICIT),
        (r#""arn:aws:iam::123456789012:user/Bob""#, "arn:aws:iam::123456789012:user/bob", IMPLICIT),
        (r#""arn:aws:iam::123456789012:user/Bob""#, "arn:aws:iam::123456789012:user/Bob", ALLOW),
        (r#""arn:aws:s3:::b/*""#, "arn:aws:s3:::b/k", ALLOW),
        (r#""arn:aws:s3:::b/*""#, "arn:aws:s3:::b/a/b/c.jpg", ALLOW),
        (r#""arn:aws:s3:::b/*""#, "arn:aws:s3:::b/", ALLOW),
        (r#""arn:aws:s3:::b/*""#, "arn:aws:s3:::b", IMPLICIT),
        (r#""arn:aws:s3:::b/*""#, "arn:aws:s3:::bb/k", IMPLICIT),
        (r#""arn:aws:s3:::b*""#, "arn:aws:s3:::bucket/k", ALLOW),
        (r#""arn:aws:s3:::b?/k""#, "arn:aws:s3:::bx/k", ALLOW),
        (r#""arn:aws:s3:::b?/k""#, "arn:aws:s3:::b/k", IMPLICIT),
        (r#""arn:aws:s3:::b?/k""#, "arn:aws:s3:::bxy/k", IMPLICIT),
        // The documented amzn-s3-demo-bucket/*/test/* examples.
        (r#""arn:aws:s3:::b/*/test/*""#, "arn:aws:s3:::b/1/test/object.jpg", ALLOW),
        (r#""arn:aws:s3:::b/*/test/*""#, "arn:aws:s3:::b/1/2/test/3/object.jpg", ALLOW),
        (r#""arn:aws:s3:::b/*/test/*""#, "arn:aws:s3:::b/1///test///object.jpg", ALLOW),
        (r#""arn:aws:s3:::b/*/test/*""#, "arn:aws:s3:::b//test/object.jpg", ALLOW),
        (r#""arn:aws:s3:::b/*/test/*""#, "arn:aws:s3:::b/1/test/", ALLOW),
        (r#""arn:aws:s3:::b/*/test/*""#, "arn:aws:s3:::b/1-test/object.jpg", IMPLICIT),
        (r#""arn:aws:s3:::b/*/test/*""#, "arn:aws:s3:::b/test/object.jpg", IMPLICIT),
        (r#""arn:aws:iam::123456789012:user/accounting/*""#, "arn:aws:iam::123456789012:user/accounting/ann", ALLOW),
        (r#""arn:aws:iam::123456789012:user/accounting/*""#, "arn:aws:iam::123456789012:user/sales/ann", IMPLICIT),
        (r#""arn:aws:s3:*:*:b/k""#, "arn:aws:s3:::b/k", ALLOW),
        (r#""arn:aws:dynamodb:us-east-2:*:table/books""#, "arn:aws:dynamodb:us-east-2:123:table/books", ALLOW),
        (r#""arn:aws:dynamodb:us-east-2:*:table/books""#, "arn:aws:dynamodb:us-west-2:123:table/books", IMPLICIT),
        (r#""arn:aws:dynamodb:*:123:table/*""#, "arn:aws:dynamodb:eu-west-1:123:table/t", ALLOW),
        (r#""arn:aws:dynamodb:*:123:table/*""#, "arn:aws:dynamodb:eu-west-1:456:table/t", IMPLICIT),
        // A trailing `*` in a segment runs on past colons; a `*` inside a segment does not.
        (r#""arn:aws:sqs:*""#, "arn:aws:sqs:us-east-2:123:queue1", ALLOW),
        (r#""arn:aws:logs:us-east-1:123:log-group:*""#, "arn:aws:logs:us-east-1:123:log-group:g:log-stream:s", ALLOW),
        (r#""arn:aws:sqs:us-*-2:123:q""#, "arn:aws:sqs:us-x:y-2:123:q", IMPLICIT),
        (r#""arn:aws:lambda:r:1:function:f*x""#, "arn:aws:lambda:r:1:function:fo:ox", IMPLICIT),
        (r#""arn:aws:lambda:r:1:function:f*""#, "arn:aws:lambda:r:1:function:fo:alias", ALLOW),
        (r#""arn:aws:lambda:r:1:function:fn""#, "arn:aws:lambda:r:1:function:fn:alias", IMPLICIT),
        (r#"["arn:aws:s3:::a/*","arn:aws:s3:::b/*"]"#, "arn:aws:s3:::b/k", ALLOW),
        (r#"["arn:aws:s3:::a/*","arn:aws:s3:::b/*"]"#, "arn:aws:s3:::c/k", IMPLICIT),
        (r#""arn:aws:s3:::b/2008/*.jpg""#, "arn:aws:s3:::b/2008/x/y.jpg", ALLOW),
        (r#""arn:aws:s3:::b/2008/*.jpg""#, "arn:aws:s3:::b/2008/x/y.png", IMPLICIT),
    ];
    assert!(rows(cases) > 35);
    for (resources, resource, expected) in cases {
        check(&allow_on("Resource", resources), &req("s3:GetObject", resource, &[]), *expected);
    }
}

// reference_policies_elements_notresource.html: NotResource with Allow grants the actions on
// every resource except those listed.
#[test]
fn not_resource_element() {
    let cases: &[(&str, &str, Outcome)] = &[
        (r#""arn:aws:s3:::secret/*""#, "arn:aws:s3:::public/k", ALLOW),
        (r#""arn:aws:s3:::secret/*""#, "arn:aws:s3:::secret/k", IMPLICIT),
        (r#""arn:aws:s3:::secret/*""#, "arn:aws:s3:::Secret/k", ALLOW),
        (r#"["arn:aws:s3:::a/*","arn:aws:s3:::b/*"]"#, "arn:aws:s3:::b/k", IMPLICIT),
        (r#"["arn:aws:s3:::a/*","arn:aws:s3:::b/*"]"#, "arn:aws:s3:::c/k", ALLOW),
        (r#""*""#, "arn:aws:s3:::c/k", IMPLICIT),
    ];
    for (resources, resource, expected) in cases {
        check(&allow_on("NotResource", resources), &req("s3:GetObject", resource, &[]), *expected);
    }
    // Deny with NotResource: denied everywhere except the listed resources.
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::home","arn:aws:s3:::home/*"]}]}"#;
    check(deny, &req("s3:GetObject", "arn:aws:s3:::home/k", &[]), ALLOW);
    check(deny, &req("s3:ListBucket", "arn:aws:s3:::home", &[]), ALLOW);
    check(deny, &req("s3:GetObject", "arn:aws:s3:::elsewhere/k", &[]), DENY);
}
