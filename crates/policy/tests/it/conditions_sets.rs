//! The ForAnyValue and ForAllValues set operators on multi-valued context keys.

use crate::*;

const TAGS: &str = "aws:TagKeys";
const ATTRS: &str = "dynamodb:Attributes";
const ALLOW_ATTRS: &str = r#"{"ForAllValues:StringLike":{"dynamodb:Attributes":["PostDateTime","Message","Tags"]}}"#;
const ANY_ATTRS: &str = r#"{"ForAnyValue:StringLike":{"dynamodb:Attributes":["ID","PostDateTime"]}}"#;

// reference_policies_multi-value-conditions.html and
// reference_policies_condition-single-vs-multi-valued-context-keys.html: ForAllValues holds when
// every request value matches some policy value, and also when the key is missing or empty;
// ForAnyValue holds when at least one request value matches, and is false when the key is
// missing or empty.
#[test]
fn for_all_and_for_any() {
    let t: &[CondCase] = &[
        (ALLOW_ATTRS, &[(ATTRS, &["PostDateTime", "Message"])], true),
        (ALLOW_ATTRS, &[(ATTRS, &["PostDateTime", "UserName"])], false),
        (ALLOW_ATTRS, &[(ATTRS, &["Tags"])], true),
        (ALLOW_ATTRS, &[(ATTRS, &["ID"])], false),
        (ALLOW_ATTRS, &[], true),
        (ALLOW_ATTRS, &[(ATTRS, &[])], true),
        (ANY_ATTRS, &[(ATTRS, &["UserName", "Message", "PostDateTime"])], true),
        (ANY_ATTRS, &[(ATTRS, &["UserName"])], false),
        (ANY_ATTRS, &[], false),
        (ANY_ATTRS, &[(ATTRS, &[])], false),
        (r#"{"ForAllValues:StringLike":{"aws:TagKeys":"Created*"}}"#, &[(TAGS, &["CreatedBy", "CreatedAt"])], true),
        (r#"{"ForAllValues:StringLike":{"aws:TagKeys":"Created*"}}"#, &[(TAGS, &["CreatedBy", "Owner"])], false),
        (r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}"#, &[(TAGS, &["a"])], true),
        (r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}"#, &[(TAGS, &["a", "b"])], true),
        (r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}"#, &[(TAGS, &["a", "b", "c"])], false),
        (r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}"#, &[(TAGS, &["A"])], false),
        (r#"{"ForAllValues:StringEqualsIgnoreCase":{"aws:TagKeys":["a","b"]}}"#, &[(TAGS, &["A", "B"])], true),
        (r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}"#, &[(TAGS, &["c", "b"])], true),
        (r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}"#, &[(TAGS, &["c", "d"])], false),
        (r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}"#, &[(TAGS, &["a"])], true),
        (r#"{"ForAnyValue:NumericLessThan":{"k":"5"}}"#, &[("k", &["9", "4"])], true),
        (r#"{"ForAllValues:NumericLessThan":{"k":"5"}}"#, &[("k", &["9", "4"])], false),
        (r#"{"ForAnyValue:IpAddress":{"k":"10.0.0.0/8"}}"#, &[("k", &["192.0.2.1", "10.1.1.1"])], true),
        (
            r#"{"ForAllValues:ArnLike":{"k":"arn:aws:iam::*:role/*"}}"#,
            &[("k", &["arn:aws:iam::1:role/a", "arn:aws:iam::2:role/b"])],
            true,
        ),
        (
            r#"{"ForAllValues:ArnLike":{"k":"arn:aws:iam::*:role/*"}}"#,
            &[("k", &["arn:aws:iam::1:role/a", "arn:aws:iam::2:user/b"])],
            false,
        ),
        (r#"{"forallvalues:stringequals":{"k":"a"}}"#, &[("k", &["a"])], true),
        (r#"{"FORANYVALUE:STRINGEQUALS":{"k":"a"}}"#, &[("k", &["a"])], true),
    ];
    assert!(rows(t) >= 25);
    condition_table(t);
}

// reference_policies_condition_examples-multi-valued-context-keys.html: negated operators under a
// set prefix negate per request value ("ForAllValues:StringNotLike" {"aws:TagKeys": "key1*"}
// matches key2:audit and a missing key, not key1:legal), and ForAnyValue with a negated operator
// needs one request value matching none of the policy values.
#[test]
fn negated_operators_under_set_prefixes() {
    let not_key1 = r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#;
    let any_not = r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["DataClass","Owner"]}}"#;
    let t: &[CondCase] = &[
        (not_key1, &[(TAGS, &["key1:legal"])], false),
        (not_key1, &[(TAGS, &["key1:hr", "key1:personnel"])], false),
        (not_key1, &[(TAGS, &["key2:audit"])], true),
        (not_key1, &[(TAGS, &["key2:audit", "key1:hr"])], false),
        (not_key1, &[], true),
        (any_not, &[], false),
        (any_not, &[(TAGS, &["DataClass", "Owner"])], false),
        (any_not, &[(TAGS, &["Dept", "DataClass"])], true),
        (any_not, &[(TAGS, &["Dept", "SIC"])], true),
        (r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["a","b"]}}"#, &[(TAGS, &["c", "d"])], true),
        (r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["a","b"]}}"#, &[(TAGS, &["c", "a"])], false),
        (r#"{"ForAnyValue:StringNotLike":{"aws:TagKeys":"key1*"}}"#, &[(TAGS, &["key1:a", "key2:b"])], true),
        (r#"{"ForAnyValue:StringNotLike":{"aws:TagKeys":"key1*"}}"#, &[(TAGS, &["key1:a"])], false),
    ];
    condition_table(t);
}

// ...IfExists on a set operator, Null together with set operators in one element, and the
// Cognito identity-pool `amr` key (multi-valued, used with ForAnyValue:StringLike).
#[test]
fn set_operators_with_existence_checks() {
    let amr = "cognito-identity.amazonaws.com:amr";
    let t: &[CondCase] = &[
        (r#"{"ForAnyValue:StringEqualsIfExists":{"k":"a"}}"#, &[], true),
        (r#"{"ForAnyValue:StringEqualsIfExists":{"k":"a"}}"#, &[("k", &["b"])], false),
        (r#"{"ForAllValues:StringEqualsIfExists":{"k":"a"}}"#, &[], true),
        // "Use Null false to keep a missing key from making ForAllValues true."
        (r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]},"Null":{"aws:TagKeys":"false"}}"#, &[], false),
        (
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]},"Null":{"aws:TagKeys":"false"}}"#,
            &[(TAGS, &["a"])],
            true,
        ),
        (
            r#"{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}"#,
            &[(
                amr,
                &[
                    "authenticated",
                    "cognito-idp.us-east-1.amazonaws.com/us-east-1_X",
                    "cognito-idp.us-east-1.amazonaws.com/us-east-1_X:CognitoSignIn:s",
                ],
            )],
            true,
        ),
        (
            r#"{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}"#,
            &[(amr, &["unauthenticated"])],
            false,
        ),
        (
            r#"{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"cognito-idp.*"}}"#,
            &[(amr, &["authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_X"])],
            true,
        ),
    ];
    condition_table(t);
}

// Without a set prefix the key is asked whether it matches as a whole: any of its values
// matching counts, and the negated operator is the complement. IAM's pages warn against this
// use (multivalued keys "require a condition set operator") and do not tabulate it.
#[test]
fn plain_operators_on_multi_valued_keys() {
    let t: &[CondCase] = &[
        (r#"{"StringEquals":{"k":"a"}}"#, &[("k", &["b", "a"])], true),
        (r#"{"StringEquals":{"k":"a"}}"#, &[("k", &["b", "c"])], false),
        (r#"{"StringNotEquals":{"k":"a"}}"#, &[("k", &["b", "a"])], false),
        (r#"{"StringNotEquals":{"k":"a"}}"#, &[("k", &["b", "c"])], true),
    ];
    condition_table(t);
}
