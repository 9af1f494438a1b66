//! Which parts of a policy IAM compares without regard to case: action names and condition key
//! names (variables included) do; resource ARNs and, unless the operator says IgnoreCase,
//! condition values do not.

use crate::*;

fn one(action: &str, resource: &str, condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"{action}","Resource":"{resource}","Condition":{condition}}}}}"#
    )
}

// reference_policies_elements_action.html ("The prefix and the action name are case insensitive.
// For example, iam:ListAccessKeys is the same as IAM:listaccesskeys"),
// reference_policies_elements_resource.html ("In the Resource element, the IAM user name is case
// sensitive"), reference_policies_elements_condition.html ("Condition key names are not
// case-sensitive ... Case-sensitivity of condition key values depends on the condition operator":
// StringEquals johndoe does not match JohnDoe, StringEqualsIgnoreCase does),
// reference_policies_variables.html ("Key names are case-insensitive. For example,
// aws:CurrentTime is equivalent to AWS:currenttime").
#[test]
fn case_by_element() {
    let none = "{}";
    let john = r#"{"StringEquals":{"aws:username":"johndoe"}}"#;
    let john_any_case = r#"{"StringEqualsIgnoreCase":{"aws:username":"johndoe"}}"#;
    let user = "arn:aws:iam::123456789012:user/Bob";
    let cases: &[(String, Request, Outcome)] = &[
        // Actions.
        (one("iam:ListAccessKeys", "*", none), req("IAM:listaccesskeys", user, &[]), ALLOW),
        (one("IAM:listaccesskeys", "*", none), req("iam:ListAccessKeys", user, &[]), ALLOW),
        (one("iam:list*", "*", none), req("IAM:LISTUSERS", user, &[]), ALLOW),
        (one("iam:*accesskey*", "*", none), req("iam:CreateAccessKey", user, &[]), ALLOW),
        (one("IAM:LIST?SERS", "*", none), req("iam:listusers", user, &[]), ALLOW),
        (one("iam:ListAccessKeys", "*", none), req("iam:ListAccessKey", user, &[]), IMPLICIT),
        // Resources.
        (one("iam:*", user, none), req("iam:GetUser", user, &[]), ALLOW),
        (one("iam:*", user, none), req("iam:GetUser", "arn:aws:iam::123456789012:user/bob", &[]), IMPLICIT),
        (one("iam:*", user, none), req("iam:GetUser", "arn:aws:iam::123456789012:user/BOB", &[]), IMPLICIT),
        (one("iam:*", user, none), req("iam:GetUser", "ARN:AWS:IAM::123456789012:user/Bob", &[]), IMPLICIT),
        (one("iam:*", "arn:aws:iam::123456789012:user/b*", none), req("iam:GetUser", user, &[]), IMPLICIT),
        (one("iam:*", "arn:aws:iam::123456789012:user/?ob", none), req("iam:GetUser", user, &[]), ALLOW),
        (one("s3:*", "arn:aws:s3:::Bucket/*", none), req("s3:GetObject", "arn:aws:s3:::bucket/k", &[]), IMPLICIT),
        (one("s3:*", "arn:aws:s3:::bucket/Key", none), req("s3:GetObject", "arn:aws:s3:::bucket/key", &[]), IMPLICIT),
        // Condition key names.
        (one("*", "*", john), req("s3:GetObject", "*", &[("aws:username", &["johndoe"])]), ALLOW),
        (one("*", "*", john), req("s3:GetObject", "*", &[("AWS:UserName", &["johndoe"])]), ALLOW),
        (
            one("*", "*", r#"{"StringEquals":{"AWS:USERNAME":"johndoe"}}"#),
            req("s3:GetObject", "*", &[("aws:username", &["johndoe"])]),
            ALLOW,
        ),
        (
            one("*", "*", r#"{"IpAddress":{"aws:SourceIP":"203.0.113.0/24"}}"#),
            req("s3:GetObject", "*", &[("AWS:SourceIp", &["203.0.113.9"])]),
            ALLOW,
        ),
        (
            one("*", "*", r#"{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#),
            req("s3:GetObject", "*", &[("AWS:currenttime", &["2029-01-01T00:00:00Z"])]),
            ALLOW,
        ),
        (
            one("*", "*", r#"{"Null":{"AWS:TokenIssueTime":"false"}}"#),
            req("s3:GetObject", "*", &[("aws:tokenissuetime", &["2029-01-01T00:00:00Z"])]),
            ALLOW,
        ),
        // Condition values.
        (one("*", "*", john), req("s3:GetObject", "*", &[("aws:username", &["JohnDoe"])]), IMPLICIT),
        (one("*", "*", john_any_case), req("s3:GetObject", "*", &[("aws:username", &["JohnDoe"])]), ALLOW),
        (one("*", "*", john_any_case), req("s3:GetObject", "*", &[("aws:username", &["JOHNDOE"])]), ALLOW),
        (one("*", "*", john_any_case), req("s3:GetObject", "*", &[("aws:username", &["johndoe2"])]), IMPLICIT),
        (
            one("*", "*", r#"{"StringNotEquals":{"aws:username":"johndoe"}}"#),
            req("s3:GetObject", "*", &[("aws:username", &["JohnDoe"])]),
            ALLOW,
        ),
        (
            one("*", "*", r#"{"StringNotEqualsIgnoreCase":{"aws:username":"johndoe"}}"#),
            req("s3:GetObject", "*", &[("aws:username", &["JohnDoe"])]),
            IMPLICIT,
        ),
        (
            one("*", "*", r#"{"StringLike":{"aws:username":"john*"}}"#),
            req("s3:GetObject", "*", &[("aws:username", &["JohnDoe"])]),
            IMPLICIT,
        ),
        (
            one("*", "*", r#"{"StringLike":{"aws:username":"john*"}}"#),
            req("s3:GetObject", "*", &[("aws:username", &["johnDoe"])]),
            ALLOW,
        ),
        (
            one("*", "*", r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:iam::123456789012:user/Bob"}}"#),
            req("s3:GetObject", "*", &[("aws:SourceArn", &["arn:aws:iam::123456789012:user/bob"])]),
            IMPLICIT,
        ),
        // Variable names; the substituted value keeps its case.
        (
            one("iam:*", "arn:aws:iam::123456789012:user/${AWS:UserName}", none),
            req("iam:GetUser", user, &[("aws:username", &["Bob"])]),
            ALLOW,
        ),
        (
            one("iam:*", "arn:aws:iam::123456789012:user/${aws:username}", none),
            req("iam:GetUser", user, &[("AWS:USERNAME", &["Bob"])]),
            ALLOW,
        ),
        (
            one("iam:*", "arn:aws:iam::123456789012:user/${aws:username}", none),
            req("iam:GetUser", user, &[("aws:username", &["bob"])]),
            IMPLICIT,
        ),
    ];
    assert!(rows(cases) >= 30);
    for (policy, request, expected) in cases {
        check(policy, request, *expected);
    }
}

// reference_policies_elements_condition.html: tag key names in condition keys are not
// case-sensitive: "aws:ResourceTag/TagKey1": "Value1" matches a tag key named TagKey1 or tagkey1.
#[test]
fn tag_key_names() {
    let t: &[CondCase] = &[
        (r#"{"StringEquals":{"aws:ResourceTag/TagKey1":"Value1"}}"#, &[("aws:ResourceTag/TagKey1", &["Value1"])], true),
        (r#"{"StringEquals":{"aws:ResourceTag/TagKey1":"Value1"}}"#, &[("aws:ResourceTag/tagkey1", &["Value1"])], true),
        (r#"{"StringEquals":{"aws:ResourceTag/TagKey1":"Value1"}}"#, &[("AWS:RESOURCETAG/TAGKEY1", &["Value1"])], true),
        (
            r#"{"StringEquals":{"aws:ResourceTag/TagKey1":"Value1"}}"#,
            &[("aws:ResourceTag/TagKey2", &["Value1"])],
            false,
        ),
        (r#"{"StringEquals":{"aws:RequestTag/TagKey1":"Value1"}}"#, &[("aws:requesttag/tagkey1", &["Value1"])], true),
        (r#"{"StringEquals":{"aws:PrincipalTag/Team":"blue"}}"#, &[("aws:principaltag/team", &["blue"])], true),
        (r#"{"StringEquals":{"aws:PrincipalTag/Team":"blue"}}"#, &[("aws:PrincipalTag/Team", &["Blue"])], false),
        (
            r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/Team":"blue"}}"#,
            &[("aws:PrincipalTag/Team", &["Blue"])],
            true,
        ),
        (r#"{"Null":{"aws:ResourceTag/TagKey1":"false"}}"#, &[("aws:resourcetag/TAGKEY1", &["x"])], true),
        (r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["TagKey1"]}}"#, &[("AWS:TAGKEYS", &["TagKey1"])], true),
        // The tag key *values* of aws:TagKeys are values: case-sensitive under StringEquals.
        (r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["TagKey1"]}}"#, &[("aws:TagKeys", &["tagkey1"])], false),
    ];
    condition_table(t);
}
