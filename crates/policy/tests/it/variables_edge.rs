//! Policy variables at their edges: variables with no value, escapes, defaults, old policy
//! versions, multivalued keys, and substituted values that hold wildcards or colons.

use crate::*;

const SUB: &str = "cognito-identity.amazonaws.com:sub";

fn policy(version: Option<&str>, statements: &str) -> String {
    match version {
        Some(v) => format!(r#"{{"Version":"{v}","Statement":[{statements}]}}"#),
        None => format!(r#"{{"Statement":[{statements}]}}"#),
    }
}

fn allow_on(version: Option<&str>, element: &str, resource: &str) -> String {
    policy(version, &format!(r#"{{"Effect":"Allow","Action":"s3:*","{element}":"{resource}"}}"#))
}

fn allow_when(version: Option<&str>, condition: &str) -> String {
    policy(version, &format!(r#"{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{condition}}}"#))
}

// reference_policies_variables.html#policy-vars-no-value: a variable whose key is not in the
// request context is "effectively null. There is no equal or like value": StringEquals and
// StringLike do not match it, "inverted condition operators like StringNotEquals or StringNotLike
// do match against a null value". The same holds for the ARN operators, the other operators
// that take variables (#policy-vars-conditionelement).
#[test]
fn variables_with_no_value_in_conditions() {
    let team = ("aws:PrincipalTag/team", &["red"][..]);
    let prefix = ("s3:prefix", &["ann/x"][..]);
    let arn = ("aws:SourceArn", &["arn:aws:iam::1:role/ann"][..]);
    let t: &[CondCase] = &[
        (r#"{"StringEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}"#, &[team], false),
        (r#"{"StringNotEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}"#, &[team], true),
        (r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}"#, &[team], false),
        (r#"{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}"#, &[team], true),
        (r#"{"StringLike":{"s3:prefix":"${aws:username}/*"}}"#, &[prefix], false),
        (r#"{"StringNotLike":{"s3:prefix":"${aws:username}/*"}}"#, &[prefix], true),
        // A null value is not even like `*`-only patterns built around it.
        (r#"{"StringLike":{"s3:prefix":"*${aws:username}*"}}"#, &[prefix], false),
        (r#"{"StringNotLike":{"s3:prefix":"*${aws:username}*"}}"#, &[prefix], true),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*:role/${aws:username}"}}"#, &[arn], false),
        (r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:iam::*:role/${aws:username}"}}"#, &[arn], false),
        (r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:iam::*:role/${aws:username}"}}"#, &[arn], true),
        (r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:iam::*:role/${aws:username}"}}"#, &[arn], true),
        // The same conditions once the variable has a value.
        (r#"{"StringLike":{"s3:prefix":"${aws:username}/*"}}"#, &[prefix, ("aws:username", &["ann"])], true),
        (r#"{"StringNotLike":{"s3:prefix":"${aws:username}/*"}}"#, &[prefix, ("aws:username", &["ann"])], false),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*:role/${aws:username}"}}"#,
            &[arn, ("aws:username", &["ann"])],
            true,
        ),
        (
            r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:iam::*:role/${aws:username}"}}"#,
            &[arn, ("aws:username", &["ann"])],
            false,
        ),
        // Values of one key are OR'ed (reference_policies_multi-value-conditions.html): a null
        // value adds no match, the other values still do; for a negated operator they are NOR'ed.
        (r#"{"StringEquals":{"k":["${aws:username}","a"]}}"#, &[("k", &["a"])], true),
        (r#"{"StringEquals":{"k":["${aws:username}","a"]}}"#, &[("k", &["b"])], false),
        (r#"{"StringEquals":{"k":["a","${aws:username}"]}}"#, &[("k", &["a"])], true),
        (r#"{"StringNotEquals":{"k":["${aws:username}","a"]}}"#, &[("k", &["a"])], false),
        (r#"{"StringNotEquals":{"k":["${aws:username}","a"]}}"#, &[("k", &["b"])], true),
        (r#"{"StringLike":{"k":["${aws:username}/*","public/*"]}}"#, &[("k", &["public/x"])], true),
        // Set operators compare each request value with the (null) policy value.
        (
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"${aws:PrincipalTag/team}"}}"#,
            &[("aws:TagKeys", &["a", "b"])],
            false,
        ),
        (
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":"${aws:PrincipalTag/team}"}}"#,
            &[("aws:TagKeys", &["a", "b"])],
            false,
        ),
        (
            r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":"${aws:PrincipalTag/team}"}}"#,
            &[("aws:TagKeys", &["a"])],
            true,
        ),
        (
            r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"${aws:PrincipalTag/team}"}}"#,
            &[("aws:TagKeys", &["a"])],
            true,
        ),
        // The condition key itself missing: the missing-key rules decide, variable or not
        // (reference_policies_elements_condition_operators.html, "Important").
        (r#"{"StringEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}"#, &[], false),
        (r#"{"StringNotEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}"#, &[], true),
        (r#"{"StringEqualsIfExists":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}"#, &[], true),
        (r#"{"StringEqualsIfExists":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}"#, &[team], false),
        (r#"{"ForAllValues:StringEquals":{"aws:TagKeys":"${aws:PrincipalTag/team}"}}"#, &[], true),
        (r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"${aws:PrincipalTag/team}"}}"#, &[], false),
    ];
    assert!(rows(t) >= 30);
    condition_table(t);
}

// ...#policy-vars-no-value, the documented statement: a Deny with StringNotEquals
// {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}: "Access is specifically denied when
// aws:principaltag/Team is not set."
#[test]
fn documented_deny_when_principal_tag_is_not_set() {
    let doc = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"},
        {"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*",
         "Condition":{"StringNotEquals":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}}]}"#;
    let get = |context: Ctx| req("s3:GetObject", "arn:aws:s3:::example-bucket/report.csv", context);
    let object = ("s3:ExistingObjectTag/Team", &["blue"][..]);
    let cases: &[(Request, Outcome)] = &[
        (get(&[object, ("aws:PrincipalTag/Team", &["blue"])]), ALLOW),
        (get(&[object, ("aws:PrincipalTag/team", &["blue"])]), ALLOW),
        (get(&[object, ("aws:PrincipalTag/Team", &["red"])]), DENY),
        (get(&[object, ("aws:PrincipalTag/Team", &["Blue"])]), DENY),
        (get(&[object]), DENY),
        (get(&[("aws:PrincipalTag/Team", &["blue"])]), DENY),
        (get(&[]), DENY),
        (req("s3:PutObject", "arn:aws:s3:::example-bucket/report.csv", &[object]), IMPLICIT),
    ];
    for (request, expected) in cases {
        check(doc, request, *expected);
    }
}

// ...#policy-vars-no-value: "If a variable that has no value in the authorization context is
// used as part of the Resource or NotResource element of a policy, the resource that includes a
// policy variable with no value will not match any resource." reference_policies_elements_notresource.html:
// NotResource "explicitly matches every resource except those specified", so such an entry
// excludes nothing.
#[test]
fn variables_with_no_value_in_resources() {
    let v = Some("2012-10-17");
    let user = [("aws:username", &["ann"][..])];
    let cases: &[(String, &str, Ctx, Outcome)] = &[
        (allow_on(v, "Resource", "arn:aws:s3:::b/${aws:username}/*"), "arn:aws:s3:::b/ann/k", &user, ALLOW),
        (allow_on(v, "Resource", "arn:aws:s3:::b/${aws:username}/*"), "arn:aws:s3:::b/ann/k", &[], IMPLICIT),
        (allow_on(v, "Resource", "arn:aws:s3:::b/${aws:username}/*"), "arn:aws:s3:::b//k", &[], IMPLICIT),
        (allow_on(v, "Resource", "arn:aws:s3:::b/*${aws:username}*"), "arn:aws:s3:::b/k", &[], IMPLICIT),
        (allow_on(v, "NotResource", "arn:aws:s3:::b/${aws:username}/*"), "arn:aws:s3:::b/ann/k", &user, IMPLICIT),
        (allow_on(v, "NotResource", "arn:aws:s3:::b/${aws:username}/*"), "arn:aws:s3:::b/bob/k", &user, ALLOW),
        (allow_on(v, "NotResource", "arn:aws:s3:::b/${aws:username}/*"), "arn:aws:s3:::b/ann/k", &[], ALLOW),
        (allow_on(v, "NotResource", "arn:aws:s3:::b/${aws:username}/*"), "arn:aws:s3:::c/k", &[], ALLOW),
    ];
    for (document, resource, context, expected) in cases {
        check(document, &req("s3:GetObject", resource, context), *expected);
    }
    // Deny everything outside the home folder: without a user name there is no home folder, so
    // everything is denied.
    let fenced = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::b/home/${aws:username}","arn:aws:s3:::b/home/${aws:username}/*"]}]}"#;
    check(fenced, &req("s3:GetObject", "arn:aws:s3:::b/home/ann/k", &user), ALLOW);
    check(fenced, &req("s3:ListBucket", "arn:aws:s3:::b/home/ann", &user), ALLOW);
    check(fenced, &req("s3:GetObject", "arn:aws:s3:::b/home/bob/k", &user), DENY);
    check(fenced, &req("s3:GetObject", "arn:aws:s3:::b/home/ann/k", &[]), DENY);
    check(fenced, &req("s3:GetObject", "arn:aws:s3:::b/home//k", &[]), DENY);
}

// ...#policy-vars-specialchars: ${*}, ${?} and ${$} stand for a literal `*`, `?` and `$` "in any
// string where you can use regular policy variables"; a wildcard next to them still is one.
#[test]
fn special_character_escapes() {
    let v = Some("2012-10-17");
    let cases: &[(&str, &str, Outcome)] = &[
        ("arn:aws:s3:::b/${*}*", "arn:aws:s3:::b/*", ALLOW),
        ("arn:aws:s3:::b/${*}*", "arn:aws:s3:::b/*tail", ALLOW),
        ("arn:aws:s3:::b/${*}*", "arn:aws:s3:::b/tail", IMPLICIT),
        ("arn:aws:s3:::b/${?}?", "arn:aws:s3:::b/?x", ALLOW),
        ("arn:aws:s3:::b/${?}?", "arn:aws:s3:::b/xx", IMPLICIT),
        ("arn:aws:s3:::b/${?}?", "arn:aws:s3:::b/?", IMPLICIT),
        ("arn:aws:s3:::b/${$}", "arn:aws:s3:::b/$", ALLOW),
        ("arn:aws:s3:::b/${$}", "arn:aws:s3:::b/x", IMPLICIT),
        ("arn:aws:s3:::b/${$}{aws:username}", "arn:aws:s3:::b/${aws:username}", ALLOW),
        ("arn:aws:s3:::b/${$}{aws:username}", "arn:aws:s3:::b/ann", IMPLICIT),
        ("arn:aws:s3:::b/a${*}b${?}c${$}d", "arn:aws:s3:::b/a*b?c$d", ALLOW),
        ("arn:aws:s3:::b/a${*}b${?}c${$}d", "arn:aws:s3:::b/axbyc$d", IMPLICIT),
        ("arn:aws:s3:::b/price$", "arn:aws:s3:::b/price$", ALLOW),
    ];
    for (resource, target, expected) in cases {
        let request = req("s3:GetObject", target, &[("aws:username", &["ann"])]);
        check(&allow_on(v, "Resource", resource), &request, *expected);
    }
    let t: &[CondCase] = &[
        (r#"{"StringLike":{"k":"${*}"}}"#, &[("k", &["*"])], true),
        (r#"{"StringLike":{"k":"${*}"}}"#, &[("k", &[""])], false),
        (r#"{"StringLike":{"k":"a${?}"}}"#, &[("k", &["a?"])], true),
        (r#"{"StringLike":{"k":"a${?}"}}"#, &[("k", &["ab"])], false),
        (r#"{"StringLike":{"k":"${*}*"}}"#, &[("k", &["*anything"])], true),
        (r#"{"StringLike":{"k":"${*}*"}}"#, &[("k", &["anything"])], false),
        (r#"{"StringEquals":{"k":"${$}"}}"#, &[("k", &["$"])], true),
        (r#"{"StringEquals":{"k":"${*}"}}"#, &[("k", &["*"])], true),
        (
            r#"{"StringEquals":{"k":"${$}{aws:username}"}}"#,
            &[("k", &["${aws:username}"]), ("aws:username", &["x"])],
            true,
        ),
        (r#"{"StringNotLike":{"k":"${*}"}}"#, &[("k", &["abc"])], true),
        (r#"{"StringNotLike":{"k":"${*}"}}"#, &[("k", &["*"])], false),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::b/${*}"}}"#, &[("aws:SourceArn", &["arn:aws:s3:::b/*"])], true),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::b/${*}"}}"#, &[("aws:SourceArn", &["arn:aws:s3:::b/x"])], false),
    ];
    condition_table(t);
}

// ...#policy-vars-default-values: a default in single quotes after a comma and space. The
// documented example: principals tagged team=yellow reach DOC-EXAMPLE-BUCKET-yellow, principals
// without the tag DOC-EXAMPLE-BUCKET-company-wide.
#[test]
fn default_values() {
    let v = Some("2012-10-17");
    let team_bucket =
        allow_on(v, "Resource", "arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}");
    let yellow = [("aws:PrincipalTag/team", &["yellow"][..])];
    let cases: &[(&str, Ctx, Outcome)] = &[
        ("arn:aws:s3:::DOC-EXAMPLE-BUCKET-yellow", &yellow, ALLOW),
        ("arn:aws:s3:::DOC-EXAMPLE-BUCKET-company-wide", &yellow, IMPLICIT),
        ("arn:aws:s3:::DOC-EXAMPLE-BUCKET-blue", &yellow, IMPLICIT),
        ("arn:aws:s3:::DOC-EXAMPLE-BUCKET-company-wide", &[], ALLOW),
        ("arn:aws:s3:::DOC-EXAMPLE-BUCKET-yellow", &[], IMPLICIT),
        ("arn:aws:s3:::DOC-EXAMPLE-BUCKET-", &[], IMPLICIT),
        ("arn:aws:s3:::DOC-EXAMPLE-BUCKET-company-wide", &[("aws:PrincipalTag/Team", &["yellow"])], IMPLICIT),
        ("arn:aws:s3:::DOC-EXAMPLE-BUCKET-yellow", &[("AWS:PRINCIPALTAG/TEAM", &["yellow"])], ALLOW),
        ("arn:aws:s3:::DOC-EXAMPLE-BUCKET-company-wide", &[("aws:PrincipalTag/department", &["hr"])], ALLOW),
    ];
    for (bucket, context, expected) in cases {
        check(&team_bucket, &req("s3:ListBucket", bucket, context), *expected);
    }
    let t: &[CondCase] = &[
        (r#"{"StringEquals":{"s3:prefix":"${aws:username, 'guest'}/"}}"#, &[("s3:prefix", &["guest/"])], true),
        (
            r#"{"StringEquals":{"s3:prefix":"${aws:username, 'guest'}/"}}"#,
            &[("s3:prefix", &["guest/"]), ("aws:username", &["ann"])],
            false,
        ),
        (
            r#"{"StringEquals":{"s3:prefix":"${aws:username, 'guest'}/"}}"#,
            &[("s3:prefix", &["ann/"]), ("aws:username", &["ann"])],
            true,
        ),
        // With a default the variable always has a value, so negated operators compare it.
        (r#"{"StringNotEquals":{"s3:prefix":"${aws:username, 'guest'}/"}}"#, &[("s3:prefix", &["guest/"])], false),
        (r#"{"StringNotEquals":{"s3:prefix":"${aws:username, 'guest'}/"}}"#, &[("s3:prefix", &["ann/"])], true),
        (
            r#"{"StringLike":{"s3:prefix":"home/${aws:username, 'guest'}/*"}}"#,
            &[("s3:prefix", &["home/guest/x"])],
            true,
        ),
        (r#"{"StringEqualsIgnoreCase":{"k":"${aws:username, 'Guest'}"}}"#, &[("k", &["GUEST"])], true),
        (r#"{"StringEquals":{"k":"${aws:username, 'Guest'}"}}"#, &[("k", &["guest"])], false),
        (
            r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:*:${aws:username, 'default'}"}}"#,
            &[("aws:SourceArn", &["arn:aws:sns:us-east-1:1:default"])],
            true,
        ),
        (r#"{"StringEquals":{"k":"${AWS:UserName, 'x'}"}}"#, &[("k", &["ann"]), ("aws:username", &["ann"])], true),
    ];
    condition_table(t);
}

// reference_policies_elements_version.html and reference_policies_variables.html: without a
// Version element, or with 2008-10-17, "variables like ${aws:username} are treated as literal
// strings in the policy" - in conditions as in resources, escapes and defaults included.
#[test]
fn old_versions_read_variables_as_text() {
    let user = ("aws:username", &["ann"][..]);
    for version in [None, Some("2008-10-17")] {
        let t: &[(&str, Ctx, Outcome)] = &[
            (r#"{"StringEquals":{"k":"${aws:username}"}}"#, &[user, ("k", &["ann"])], IMPLICIT),
            (r#"{"StringEquals":{"k":"${aws:username}"}}"#, &[user, ("k", &["${aws:username}"])], ALLOW),
            (r#"{"StringNotEquals":{"k":"${aws:username}"}}"#, &[user, ("k", &["ann"])], ALLOW),
            (r#"{"StringLike":{"s3:prefix":"${aws:username}/*"}}"#, &[user, ("s3:prefix", &["ann/x"])], IMPLICIT),
            (
                r#"{"StringLike":{"s3:prefix":"${aws:username}/*"}}"#,
                &[user, ("s3:prefix", &["${aws:username}/x"])],
                ALLOW,
            ),
            (r#"{"StringEquals":{"k":"${aws:username, 'guest'}"}}"#, &[("k", &["guest"])], IMPLICIT),
            (r#"{"StringEquals":{"k":"${aws:username, 'guest'}"}}"#, &[("k", &["${aws:username, 'guest'}"])], ALLOW),
            (r#"{"StringEquals":{"k":"${$}"}}"#, &[("k", &["$"])], IMPLICIT),
            (r#"{"StringEquals":{"k":"${$}"}}"#, &[("k", &["${$}"])], ALLOW),
            (r#"{"StringEquals":{"k":"${unclosed"}}"#, &[("k", &["${unclosed"])], ALLOW),
            (
                r#"{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*:role/${aws:username}"}}"#,
                &[user, ("aws:SourceArn", &["arn:aws:iam::1:role/ann"])],
                IMPLICIT,
            ),
            // A variable that would have no value is no variable here: negated operators compare text.
            (r#"{"StringNotEquals":{"k":"${aws:userid}"}}"#, &[("k", &["${aws:userid}"])], IMPLICIT),
        ];
        for (condition, context, expected) in t {
            check(&allow_when(version, condition), &req("s3:GetObject", "*", context), *expected);
        }
        let resources: &[(&str, &str, Outcome)] = &[
            ("arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/ann/k", IMPLICIT),
            ("arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/${aws:username}/k", ALLOW),
            ("arn:aws:s3:::b/${aws:userid, 'anon'}", "arn:aws:s3:::b/anon", IMPLICIT),
            ("arn:aws:s3:::b/${$}", "arn:aws:s3:::b/$", IMPLICIT),
            ("arn:aws:s3:::b/${?}", "arn:aws:s3:::b/${x}", ALLOW),
            ("arn:aws:s3:::b/${?}", "arn:aws:s3:::b/?", IMPLICIT),
            ("arn:aws:s3:::b/${unclosed", "arn:aws:s3:::b/${unclosed", ALLOW),
        ];
        for (resource, target, expected) in resources {
            check(&allow_on(version, "Resource", resource), &req("s3:GetObject", target, &[user]), *expected);
        }
        // NotResource: the literal text excludes only itself.
        let not = allow_on(version, "NotResource", "arn:aws:s3:::b/${aws:username}/*");
        check(&not, &req("s3:GetObject", "arn:aws:s3:::b/ann/k", &[user]), ALLOW);
        check(&not, &req("s3:GetObject", "arn:aws:s3:::b/${aws:username}/k", &[user]), IMPLICIT);
    }
}

// reference_policies_variables.html ("You can use any single-valued condition key as a variable.
// You can't use a multivalued condition key as a variable") and
// reference_policies_condition-single-vs-multi-valued-context-keys.html: a key with several values
// in the request context gives the variable no value.
#[test]
fn multivalued_keys_are_not_variables() {
    let amr = (
        "cognito-identity.amazonaws.com:amr",
        &["authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_X"][..],
    );
    let tags = ("aws:TagKeys", &["a", "b"][..]);
    let t: &[CondCase] = &[
        (r#"{"StringEquals":{"k":"${aws:TagKeys}"}}"#, &[tags, ("k", &["a"])], false),
        (r#"{"StringEquals":{"k":"${aws:TagKeys}"}}"#, &[tags, ("k", &["b"])], false),
        (r#"{"StringNotEquals":{"k":"${aws:TagKeys}"}}"#, &[tags, ("k", &["a"])], true),
        (r#"{"StringLike":{"k":"*${cognito-identity.amazonaws.com:amr}*"}}"#, &[amr, ("k", &["authenticated"])], false),
        (r#"{"StringEquals":{"k":"${aws:TagKeys, 'none'}"}}"#, &[tags, ("k", &["none"])], true),
    ];
    condition_table(t);
    let folder = allow_on(Some("2012-10-17"), "Resource", "arn:aws:s3:::b/${cognito-identity.amazonaws.com:amr}/*");
    check(&folder, &req("s3:GetObject", "arn:aws:s3:::b/authenticated/k", &[amr]), IMPLICIT);
}

// ...#policy-vars-infotouse: the variable is replaced by the value from the request context, and
// the result is compared as the operator or element compares text. A substituted value is text:
// its `*` and `?` are no wildcards, and its colons do not split ARN segments. Assumed-role
// sessions have aws:userid "role-id:caller-specified-role-name" (#principaltable); identity ids
// are "region:uuid".
#[test]
fn substituted_values_are_literal_text() {
    let v = Some("2012-10-17");
    let id = "us-east-1:0f2a-7c1e";
    let cases: &[(&str, &str, Ctx, Outcome)] = &[
        (
            "arn:aws:s3:::b/${aws:userid}",
            "arn:aws:s3:::b/AROAEXAMPLE:ann",
            &[("aws:userid", &["AROAEXAMPLE:ann"])],
            ALLOW,
        ),
        (
            "arn:aws:s3:::b/${aws:userid}/*",
            "arn:aws:s3:::b/AROAEXAMPLE:ann/k",
            &[("aws:userid", &["AROAEXAMPLE:ann"])],
            ALLOW,
        ),
        (
            "arn:aws:s3:::b/${aws:userid}",
            "arn:aws:s3:::b/AROAEXAMPLE:bob",
            &[("aws:userid", &["AROAEXAMPLE:ann"])],
            IMPLICIT,
        ),
        (
            "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}",
            "arn:aws:s3:::b/us-east-1:0f2a-7c1e",
            &[(SUB, &[id])],
            ALLOW,
        ),
        (
            "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}",
            "arn:aws:s3:::b/us-east-1:0f2a-7c1f",
            &[(SUB, &[id])],
            IMPLICIT,
        ),
        (
            "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}.json",
            "arn:aws:s3:::b/us-east-1:0f2a-7c1e.json",
            &[(SUB, &[id])],
            ALLOW,
        ),
        ("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/a?c", &[("aws:username", &["a?c"])], ALLOW),
        ("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/abc", &[("aws:username", &["a?c"])], IMPLICIT),
        ("arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/x/k", &[("aws:username", &["*"])], IMPLICIT),
        ("arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/*/k", &[("aws:username", &["*"])], ALLOW),
        (
            "arn:aws:s3:::b/${aws:username}",
            "arn:aws:s3:::b/${aws:username}",
            &[("aws:username", &["${aws:username}"])],
            ALLOW,
        ),
    ];
    for (resource, target, context, expected) in cases {
        check(&allow_on(v, "Resource", resource), &req("s3:GetObject", target, context), *expected);
    }
    let t: &[CondCase] = &[
        (r#"{"StringLike":{"k":"${aws:username}"}}"#, &[("aws:username", &["a*"]), ("k", &["abc"])], false),
        (r#"{"StringLike":{"k":"${aws:username}"}}"#, &[("aws:username", &["a*"]), ("k", &["a*"])], true),
        (r#"{"StringLike":{"k":"${aws:username}*"}}"#, &[("aws:username", &["a?"]), ("k", &["a?bc"])], true),
        (r#"{"StringLike":{"k":"${aws:username}*"}}"#, &[("aws:username", &["a?"]), ("k", &["abc"])], false),
        (
            r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}"}}"#,
            &[(SUB, &[id]), ("aws:SourceArn", &["arn:aws:s3:::b/us-east-1:0f2a-7c1e"])],
            true,
        ),
        (
            r#"{"StringEquals":{"s3:prefix":"${cognito-identity.amazonaws.com:sub}/"}}"#,
            &[(SUB, &[id]), ("s3:prefix", &["us-east-1:0f2a-7c1e/"])],
            true,
        ),
        // Variable and key names are case-insensitive; the substituted value keeps its case.
        (r#"{"StringEquals":{"k":"${COGNITO-IDENTITY.AMAZONAWS.COM:SUB}"}}"#, &[(SUB, &[id]), ("k", &[id])], true),
        (r#"{"StringEquals":{"k":"${aws:username}"}}"#, &[("AWS:UserName", &["Ann"]), ("k", &["ann"])], false),
        (r#"{"StringEqualsIgnoreCase":{"k":"${aws:username}"}}"#, &[("AWS:UserName", &["Ann"]), ("k", &["ann"])], true),
        // Several variables in one value.
        (
            r#"{"StringEquals":{"k":"${aws:PrincipalTag/dept}/${aws:username}"}}"#,
            &[("aws:PrincipalTag/dept", &["hr"]), ("aws:username", &["ann"]), ("k", &["hr/ann"])],
            true,
        ),
        (
            r#"{"StringEquals":{"k":"${aws:PrincipalTag/dept}/${aws:username}"}}"#,
            &[("aws:username", &["ann"]), ("k", &["/ann"])],
            false,
        ),
    ];
    condition_table(t);
}
