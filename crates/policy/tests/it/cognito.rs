//! The identity-pool policies Cognate evaluates most: the per-user folder keyed by the identity
//! id, the item-level DynamoDB policy, the role trust policies on `aud` and the multivalued `amr`,
//! and principal tags mapped from token claims.

use cognate_policy::evaluate_web_identity_trust;

use crate::*;

const SUB: &str = "cognito-identity.amazonaws.com:sub";
const AMR: &str = "cognito-identity.amazonaws.com:amr";
const ME: &str = "us-east-1:5f1c2b9e-0d4a-4c1e-9f7a-2b6d8e3c1a90";
const OTHER: &str = "us-east-1:0a0a0a0a-1111-2222-3333-444444444444";

fn per_user_folder(version: &str) -> String {
    format!(
        r#"{{{version}"Statement":[
        {{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],
          "Resource":["arn:aws:s3:::my-bucket/${{cognito-identity.amazonaws.com:sub}}/*"]}},
        {{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::my-bucket",
          "Condition":{{"StringLike":{{"s3:prefix":["${{cognito-identity.amazonaws.com:sub}}/*"]}}}}}}]}}"#
    )
}

fn object(action: &str, key: &str, sub: Option<&str>) -> Request {
    let mut request = req(action, &format!("arn:aws:s3:::my-bucket/{key}"), &[]);
    if let Some(sub) = sub {
        request.context.insert(SUB, [sub]);
    }
    request
}

fn list(bucket: &str, prefix: Option<&str>, sub: Option<&str>) -> Request {
    let mut request = req("s3:ListBucket", &format!("arn:aws:s3:::{bucket}"), &[]);
    if let Some(prefix) = prefix {
        request.context.insert("s3:prefix", [prefix]);
    }
    if let Some(sub) = sub {
        request.context.insert(SUB, [sub]);
    }
    request
}

// reference_policies_variables.html#policy-vars-resourceelement (a variable in the resource part
// of the ARN, "their own home directory") and reference_policies_examples_s3_cognito-bucket.html
// (the identity id, "represented by the ${cognito-identity.amazonaws.com:sub} variable", in the
// object key and in the s3:prefix of ListBucket). Actions are case-insensitive
// (reference_policies_elements_action.html), the resource ARN and StringLike are case-sensitive.
#[test]
fn per_user_folder_policy() {
    let policy = per_user_folder(r#""Version":"2012-10-17","#);
    let me = Some(ME);
    let mine = |rest: &str| format!("{ME}/{rest}");
    let cases: Vec<(Request, Outcome)> = vec![
        (object("s3:GetObject", &mine("photo.jpg"), me), ALLOW),
        (object("s3:PutObject", &mine("a/b/c.txt"), me), ALLOW),
        (object("s3:GetObject", &mine(""), me), ALLOW),
        (object("s3:getobject", &mine("photo.jpg"), me), ALLOW),
        (object("S3:PUTOBJECT", &mine("photo.jpg"), me), ALLOW),
        (object("s3:DeleteObject", &mine("photo.jpg"), me), IMPLICIT),
        (object("s3:GetObjectAcl", &mine("photo.jpg"), me), IMPLICIT),
        (object("s3:GetObject", &format!("{OTHER}/photo.jpg"), me), IMPLICIT),
        (object("s3:GetObject", ME, me), IMPLICIT),
        (object("s3:GetObject", &format!("{ME}x/photo.jpg"), me), IMPLICIT),
        (object("s3:GetObject", &format!("{}/photo.jpg", &ME[..ME.len() - 1]), me), IMPLICIT),
        (object("s3:GetObject", &format!("{}/photo.jpg", ME.to_uppercase()), me), IMPLICIT),
        (object("s3:GetObject", &format!("public/{ME}/photo.jpg"), me), IMPLICIT),
        (object("s3:GetObject", "photo.jpg", me), IMPLICIT),
        (object("s3:GetObject", &mine("photo.jpg"), Some(OTHER)), IMPLICIT),
        (object("s3:GetObject", &mine("photo.jpg"), None), IMPLICIT),
        (object("s3:GetObject", "/photo.jpg", None), IMPLICIT),
        (req("s3:GetObject", &format!("arn:aws:s3:::other-bucket/{ME}/photo.jpg"), &[(SUB, &[ME])]), IMPLICIT),
        (req("s3:GetObject", &format!("arn:aws:s3:::My-Bucket/{ME}/photo.jpg"), &[(SUB, &[ME])]), IMPLICIT),
        (list("my-bucket", Some(&mine("")), me), ALLOW),
        (list("my-bucket", Some(&mine("photos/")), me), ALLOW),
        (list("my-bucket", Some(&mine("photos/2024/")), me), ALLOW),
        (list("my-bucket", Some(ME), me), IMPLICIT),
        (list("my-bucket", Some(""), me), IMPLICIT),
        (list("my-bucket", None, me), IMPLICIT),
        (list("my-bucket", Some(&format!("{OTHER}/")), me), IMPLICIT),
        (list("my-bucket", Some(&format!("{}/", ME.to_uppercase())), me), IMPLICIT),
        (list("my-bucket", Some(&mine("")), None), IMPLICIT),
        (list("my-bucket", Some(&mine("")), Some(OTHER)), IMPLICIT),
        (list("other-bucket", Some(&mine("")), me), IMPLICIT),
        (list("my-bucket/x", Some(&mine("")), me), IMPLICIT),
        (
            req("s3:ListBucketVersions", "arn:aws:s3:::my-bucket", &[(SUB, &[ME]), ("s3:prefix", &[&mine("")])]),
            IMPLICIT,
        ),
        (
            req(
                "s3:listbucket",
                "arn:aws:s3:::my-bucket",
                &[("COGNITO-IDENTITY.amazonaws.com:SUB", &[ME]), ("S3:Prefix", &[&mine("")])],
            ),
            ALLOW,
        ),
        (req("s3:ListAllMyBuckets", "*", &[(SUB, &[ME])]), IMPLICIT),
    ];
    assert!(rows(&cases) >= 30);
    for (request, expected) in &cases {
        check(&policy, request, *expected);
    }
    // Without Version (and with 2008-10-17) the variable is literal text
    // (reference_policies_elements_version.html): nobody's folder matches.
    for version in ["", r#""Version":"2008-10-17","#] {
        let literal = per_user_folder(version);
        check(&literal, &object("s3:GetObject", &mine("photo.jpg"), me), IMPLICIT);
        check(&literal, &list("my-bucket", Some(&mine("")), me), IMPLICIT);
        check(&literal, &object("s3:GetObject", "${cognito-identity.amazonaws.com:sub}/photo.jpg", me), ALLOW);
    }
}

// reference_policies_examples_s3_cognito-bucket.html, verbatim: objects under
// cognito/application-name/<identity id>/, and DeleteObject too.
#[test]
fn documented_cognito_bucket_example() {
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"ListYourObjects","Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::bucket-name"],
         "Condition":{"StringLike":{"s3:prefix":["cognito/application-name/${cognito-identity.amazonaws.com:sub}/*"]}}},
        {"Sid":"ReadWriteDeleteYourObjects","Effect":"Allow","Action":["s3:DeleteObject","s3:GetObject","s3:PutObject"],
         "Resource":["arn:aws:s3:::bucket-name/cognito/application-name/${cognito-identity.amazonaws.com:sub}/*"]}]}"#;
    let home = format!("cognito/application-name/{ME}/");
    let at = |key: &str| format!("arn:aws:s3:::bucket-name/{key}");
    let me: Ctx = &[(SUB, &[ME])];
    let cases: Vec<(Request, Outcome)> = vec![
        (req("s3:DeleteObject", &at(&format!("{home}x")), me), ALLOW),
        (req("s3:GetObject", &at(&format!("{home}a/b")), me), ALLOW),
        (req("s3:PutObject", &at(&format!("{home}x")), me), ALLOW),
        (req("s3:PutObject", &at(&format!("cognito/other-app/{ME}/x")), me), IMPLICIT),
        (req("s3:PutObject", &at(&format!("cognito/application-name/{OTHER}/x")), me), IMPLICIT),
        (req("s3:ListBucket", "arn:aws:s3:::bucket-name", &[me[0], ("s3:prefix", &[&home])]), ALLOW),
        (
            req("s3:ListBucket", "arn:aws:s3:::bucket-name", &[me[0], ("s3:prefix", &["cognito/application-name/"])]),
            IMPLICIT,
        ),
        (req("s3:ListBucket", "arn:aws:s3:::bucket-name", &[me[0], ("s3:prefix", &["cognito/"])]), IMPLICIT),
    ];
    for (request, expected) in &cases {
        check(policy, request, *expected);
    }
}

// reference_policies_examples_dynamodb_items.html: item-level access with
// "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]}.
// reference_policies_multi-value-conditions.html: ForAllValues is true when every request value
// matches, and also when the key is missing.
#[test]
fn documented_dynamodb_item_level_example() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Action":["dynamodb:DeleteItem","dynamodb:GetItem","dynamodb:PutItem","dynamodb:Query","dynamodb:UpdateItem"],
        "Resource":["arn:aws:dynamodb:*:*:table/MyTable"],
        "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${cognito-identity.amazonaws.com:sub}"]}}}]}"#;
    let table = "arn:aws:dynamodb:us-east-1:123456789012:table/MyTable";
    let keys = "dynamodb:LeadingKeys";
    let cases: &[(&str, &str, Ctx, Outcome)] = &[
        ("dynamodb:GetItem", table, &[(SUB, &[ME]), (keys, &[ME])], ALLOW),
        ("dynamodb:Query", table, &[(SUB, &[ME]), (keys, &[ME, ME])], ALLOW),
        ("dynamodb:GetItem", table, &[(SUB, &[ME]), (keys, &[OTHER])], IMPLICIT),
        ("dynamodb:GetItem", table, &[(SUB, &[ME]), (keys, &[ME, OTHER])], IMPLICIT),
        ("dynamodb:PutItem", table, &[(SUB, &[ME]), (keys, &[ME])], ALLOW),
        ("dynamodb:Scan", table, &[(SUB, &[ME]), (keys, &[ME])], IMPLICIT),
        (
            "dynamodb:GetItem",
            "arn:aws:dynamodb:us-east-1:123456789012:table/Other",
            &[(SUB, &[ME]), (keys, &[ME])],
            IMPLICIT,
        ),
        (
            "dynamodb:GetItem",
            "arn:aws:dynamodb:us-east-1:123456789012:table/MyTable/index/i",
            &[(SUB, &[ME]), (keys, &[ME])],
            IMPLICIT,
        ),
        // ForAllValues with the key missing is true: "overly permissive" (the pages' warning).
        ("dynamodb:GetItem", table, &[(SUB, &[ME])], ALLOW),
        // The sub missing: the policy value is null, no leading key equals it.
        ("dynamodb:GetItem", table, &[(keys, &[ME])], IMPLICIT),
    ];
    for (action, resource, context, expected) in cases {
        check(policy, &req(action, resource, context), *expected);
    }
}

const POOL: &str = "us-east-1:12345678-corner-cafe-123456790ab";

fn trust(amr: &str) -> Policy {
    Policy::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"","Effect":"Allow",
        "Principal":{{"Federated":"cognito-identity.amazonaws.com"}},"Action":"sts:AssumeRoleWithWebIdentity",
        "Condition":{{"StringEquals":{{"cognito-identity.amazonaws.com:aud":"{POOL}"}},
        "ForAnyValue:StringLike":{{"cognito-identity.amazonaws.com:amr":{amr}}}}}}}]}}"#
    ))
    .unwrap()
}

// Cognito developer guide, role-trust-and-permissions.html: amr holds "unauthenticated" or
// "authenticated" and, when authenticated, every provider used; a role can trust only the users
// of one provider with "ForAnyValue:StringLike": {"...:amr": "graph.facebook.com"}.
// reference_policies_condition-single-vs-multi-valued-context-keys.html: ForAnyValue is true when
// one request value matches one policy value, false for an empty set.
#[test]
fn identity_pool_trust_on_amr() {
    let user_pool = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab129faBb";
    let signed_in =
        ["authenticated", user_pool, "cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab129faBb:CognitoSignIn:3f7e"];
    let facebook = ["authenticated", "graph.facebook.com", "graph.facebook.com:10208"];
    let guest = ["unauthenticated"];
    let cases: &[(&str, &str, &[&str], Outcome)] = &[
        (r#""authenticated""#, POOL, &signed_in, ALLOW),
        (r#""authenticated""#, POOL, &facebook, ALLOW),
        (r#""authenticated""#, POOL, &guest, IMPLICIT),
        (r#""authenticated""#, POOL, &[], IMPLICIT),
        (r#""authenticated""#, "us-east-1:00000000-0000-0000-0000-000000000000", &signed_in, IMPLICIT),
        (r#""authenticated""#, "US-EAST-1:12345678-CORNER-CAFE-123456790AB", &signed_in, IMPLICIT),
        (r#""unauthenticated""#, POOL, &guest, ALLOW),
        (r#""unauthenticated""#, POOL, &signed_in, IMPLICIT),
        (r#""Authenticated""#, POOL, &signed_in, IMPLICIT),
        (r#""*authenticated""#, POOL, &guest, ALLOW),
        (r#""*authenticated""#, POOL, &signed_in, ALLOW),
        (r#"["authenticated","unauthenticated"]"#, POOL, &guest, ALLOW),
        (r#"["authenticated","unauthenticated"]"#, POOL, &signed_in, ALLOW),
        (r#""graph.facebook.com""#, POOL, &facebook, ALLOW),
        (r#""graph.facebook.com""#, POOL, &signed_in, IMPLICIT),
        (r#""graph.facebook.com""#, POOL, &guest, IMPLICIT),
        (r#""cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab129faBb""#, POOL, &signed_in, ALLOW),
        (r#""cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab129faBb""#, POOL, &facebook, IMPLICIT),
        (r#""cognito-idp.*.amazonaws.com/*:CognitoSignIn:*""#, POOL, &signed_in, ALLOW),
        (r#""cognito-idp.*.amazonaws.com/*:CognitoSignIn:*""#, POOL, &facebook, IMPLICIT),
        (r#""cognito-idp.us-east-1.amazonaws.com/us-east-1_??????????""#, POOL, &signed_in, IMPLICIT),
        (r#""cognito-idp.us-east-1.amazonaws.com/us-east-1_?????????""#, POOL, &signed_in, ALLOW),
    ];
    for (amr, pool, values, expected) in cases {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        let got = evaluate_web_identity_trust(&trust(amr), pool, ME, &values).outcome();
        assert_eq!(got, *expected, "amr {amr} pool {pool} values {values:?}");
    }
}

// The same amr key in permission policies: StringLike without a set operator on a multivalued key
// is what the single-vs-multi-valued page warns against; ForAllValues on it is true when every
// value matches (and for an empty set), ForAnyValue when one does.
#[test]
fn amr_in_permission_policies() {
    let authed: &[&str] = &["authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_X"];
    let t: &[CondCase] = &[
        (
            r#"{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}"#,
            &[(AMR, authed)],
            true,
        ),
        (
            r#"{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}"#,
            &[(AMR, &["unauthenticated"])],
            false,
        ),
        (r#"{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}"#, &[], false),
        (r#"{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}"#, &[(AMR, &[])], false),
        (
            r#"{"ForAllValues:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}"#,
            &[(AMR, authed)],
            false,
        ),
        (
            r#"{"ForAllValues:StringLike":{"cognito-identity.amazonaws.com:amr":["authenticated","cognito-idp.*"]}}"#,
            &[(AMR, authed)],
            true,
        ),
        (r#"{"ForAllValues:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}"#, &[], true),
        (r#"{"ForAllValues:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}"#, &[(AMR, &[])], true),
        (
            r#"{"ForAnyValue:StringNotLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}"#,
            &[(AMR, authed)],
            true,
        ),
        (
            r#"{"ForAnyValue:StringNotLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}"#,
            &[(AMR, &["authenticated"])],
            false,
        ),
        (
            r#"{"ForAllValues:StringNotLike":{"cognito-identity.amazonaws.com:amr":"unauthenticated"}}"#,
            &[(AMR, authed)],
            true,
        ),
        (
            r#"{"ForAllValues:StringNotLike":{"cognito-identity.amazonaws.com:amr":"unauthenticated"}}"#,
            &[(AMR, &["unauthenticated"])],
            false,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"COGNITO-IDENTITY.AMAZONAWS.COM:AMR":"authenticated"}}"#,
            &[(AMR, authed)],
            true,
        ),
        (
            r#"{"ForAnyValue:StringEqualsIgnoreCase":{"cognito-identity.amazonaws.com:amr":"AUTHENTICATED"}}"#,
            &[(AMR, authed)],
            true,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"cognito-identity.amazonaws.com:amr":"AUTHENTICATED"}}"#,
            &[(AMR, authed)],
            false,
        ),
    ];
    condition_table(t);
}

// Identity pools pass token claims as session tags (attributes for access control), which
// policies read as aws:PrincipalTag/<key> (reference_policies_condition-keys.html#condition-keys-principaltag:
// single-valued, string operators, present only when the principal has the tag), in conditions
// and as variables (reference_policies_variables.html#policy-vars-tags).
#[test]
fn principal_tags_from_claims() {
    let abac = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/department}/*"},
        {"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*",
         "Condition":{"StringEquals":{"s3:ExistingObjectTag/department":"${aws:PrincipalTag/department}"}}}]}"#;
    let hr: Ctx = &[("aws:PrincipalTag/department", &["hr"])];
    let cases: &[(&str, &str, Ctx, Outcome)] = &[
        ("s3:GetObject", "arn:aws:s3:::b/hr/payroll.csv", hr, ALLOW),
        ("s3:GetObject", "arn:aws:s3:::b/HR/payroll.csv", hr, IMPLICIT),
        ("s3:GetObject", "arn:aws:s3:::b/it/payroll.csv", hr, IMPLICIT),
        ("s3:GetObject", "arn:aws:s3:::b/hr/payroll.csv", &[("aws:PrincipalTag/Department", &["hr"])], ALLOW),
        ("s3:GetObject", "arn:aws:s3:::b/hr/payroll.csv", &[], IMPLICIT),
        ("s3:GetObject", "arn:aws:s3:::b//payroll.csv", &[], IMPLICIT),
        ("s3:PutObject", "arn:aws:s3:::b/x", &[hr[0], ("s3:ExistingObjectTag/department", &["hr"])], ALLOW),
        ("s3:PutObject", "arn:aws:s3:::b/x", &[hr[0], ("s3:ExistingObjectTag/department", &["it"])], IMPLICIT),
        ("s3:PutObject", "arn:aws:s3:::b/x", &[hr[0]], IMPLICIT),
        ("s3:PutObject", "arn:aws:s3:::b/x", &[("s3:ExistingObjectTag/department", &["hr"])], IMPLICIT),
    ];
    for (action, resource, context, expected) in cases {
        check(abac, &req(action, resource, context), *expected);
    }
    // The documented aws:PrincipalTag/job-category example
    // (reference_policies_elements_condition_operators.html#Conditions_String).
    let job = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*AccessKey*",
        "Resource":"arn:aws:iam::account-id:user/*","Condition":{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}}}"#;
    let key = |context: Ctx| req("iam:CreateAccessKey", "arn:aws:iam::account-id:user/ann", context);
    check(job, &key(&[("aws:PrincipalTag/job-category", &["iamuser-admin"])]), ALLOW);
    check(job, &key(&[("aws:PrincipalTag/job-category", &["IAMUser-Admin"])]), IMPLICIT);
    check(job, &key(&[("aws:PrincipalTag/job-category", &["developer"])]), IMPLICIT);
    check(job, &key(&[]), IMPLICIT);
    check(
        job,
        &req(
            "iam:CreateUser",
            "arn:aws:iam::account-id:user/ann",
            &[("aws:PrincipalTag/job-category", &["iamuser-admin"])],
        ),
        IMPLICIT,
    );
}

// access_policies.html#policies_session: a session policy passed to AssumeRoleWithWebIdentity
// (the identity pool's basic flow) limits the role's permissions to the intersection; an explicit
// deny in either wins.
#[test]
fn session_policy_narrows_the_folder() {
    let role = per_user_folder(r#""Version":"2012-10-17","#);
    let read_only = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::my-bucket/*"}}"#;
    let no_private = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::my-bucket/*/private/*"}]}"#;
    let mine = |rest: &str| format!("{ME}/{rest}");
    let me = Some(ME);
    let cases: Vec<(&str, Request, Outcome)> = vec![
        (read_only, object("s3:GetObject", &mine("a"), me), ALLOW),
        (read_only, object("s3:PutObject", &mine("a"), me), IMPLICIT),
        (read_only, object("s3:GetObject", &format!("{OTHER}/a"), me), IMPLICIT),
        (read_only, list("my-bucket", Some(&mine("")), me), IMPLICIT),
        (no_private, object("s3:PutObject", &mine("a"), me), ALLOW),
        (no_private, object("s3:GetObject", &mine("private/a"), me), DENY),
        (no_private, object("s3:GetObject", &format!("{OTHER}/private/a"), me), DENY),
        (no_private, object("s3:GetObject", &format!("{OTHER}/a"), me), IMPLICIT),
        (no_private, list("my-bucket", Some(&mine("")), me), ALLOW),
    ];
    for (session, request, expected) in &cases {
        check_all(&[&role], Some(&[session]), request, *expected);
    }
}
