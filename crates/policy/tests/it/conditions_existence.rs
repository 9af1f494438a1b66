//! Missing condition keys: plain and negated operators, `...IfExists`, and `Null`.

use crate::*;

// reference_policies_elements_condition_operators.html (the "Important" note): a key missing
// from the request context makes a condition false, but true for operators that require the key
// *not* to match (StringNotLike, ArnNotLike...).
#[test]
fn missing_keys() {
    let positive = [
        r#"{"StringEquals":{"k":"v"}}"#,
        r#"{"StringEqualsIgnoreCase":{"k":"v"}}"#,
        r#"{"StringLike":{"k":"*"}}"#,
        r#"{"NumericEquals":{"k":"1"}}"#,
        r#"{"NumericLessThan":{"k":"1"}}"#,
        r#"{"NumericGreaterThanEquals":{"k":"1"}}"#,
        r#"{"DateEquals":{"k":"2020-01-01"}}"#,
        r#"{"DateLessThanEquals":{"k":"2020-01-01"}}"#,
        r#"{"Bool":{"k":"true"}}"#,
        r#"{"BinaryEquals":{"k":"AAAA"}}"#,
        r#"{"IpAddress":{"k":"10.0.0.0/8"}}"#,
        r#"{"ArnEquals":{"k":"arn:aws:sns:*:*:*"}}"#,
        r#"{"ArnLike":{"k":"arn:aws:sns:*:*:*"}}"#,
    ];
    let negated = [
        r#"{"StringNotEquals":{"k":"v"}}"#,
        r#"{"StringNotEqualsIgnoreCase":{"k":"v"}}"#,
        r#"{"StringNotLike":{"k":"*"}}"#,
        r#"{"NumericNotEquals":{"k":"1"}}"#,
        r#"{"DateNotEquals":{"k":"2020-01-01"}}"#,
        r#"{"NotIpAddress":{"k":"10.0.0.0/8"}}"#,
        r#"{"ArnNotEquals":{"k":"arn:aws:sns:*:*:*"}}"#,
        r#"{"ArnNotLike":{"k":"arn:aws:sns:*:*:*"}}"#,
    ];
    for condition in positive {
        check_condition(condition, &[("other", &["v"])], false);
        // An empty value set resolves like a missing key.
        check_condition(condition, &[("k", &[])], false);
    }
    for condition in negated {
        check_condition(condition, &[("other", &["v"])], true);
        check_condition(condition, &[("k", &[])], true);
    }
}

// ...#Conditions_IfExists: "If the key is not present, evaluate the condition element as true";
// present keys are checked as without IfExists; all operators but Null take the suffix.
#[test]
fn if_exists() {
    let t: &[CondCase] = &[
        (r#"{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}"#, &[], true),
        (
            r#"{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}"#,
            &[("ec2:InstanceType", &["t2.micro"])],
            true,
        ),
        (
            r#"{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}"#,
            &[("ec2:InstanceType", &["c5.large"])],
            false,
        ),
        (r#"{"StringEqualsIfExists":{"k":"v"}}"#, &[], true),
        (r#"{"StringEqualsIfExists":{"k":"v"}}"#, &[("k", &["w"])], false),
        (r#"{"StringEqualsIgnoreCaseIfExists":{"k":"v"}}"#, &[("k", &["V"])], true),
        (r#"{"StringNotEqualsIfExists":{"k":"v"}}"#, &[], true),
        (r#"{"StringNotEqualsIfExists":{"k":"v"}}"#, &[("k", &["v"])], false),
        (r#"{"StringNotLikeIfExists":{"k":"v*"}}"#, &[("k", &["w"])], true),
        (r#"{"NumericLessThanIfExists":{"k":"5"}}"#, &[], true),
        (r#"{"NumericLessThanIfExists":{"k":"5"}}"#, &[("k", &["7"])], false),
        (r#"{"NumericLessThanIfExists":{"k":"5"}}"#, &[("k", &["3"])], true),
        (r#"{"DateGreaterThanIfExists":{"k":"2020-01-01T00:00:00Z"}}"#, &[], true),
        (r#"{"DateGreaterThanIfExists":{"k":"2020-01-01T00:00:00Z"}}"#, &[("k", &["2019-01-01T00:00:00Z"])], false),
        (r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}"#, &[], true),
        (
            r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}"#,
            &[("aws:MultiFactorAuthPresent", &["false"])],
            false,
        ),
        (r#"{"BinaryEqualsIfExists":{"k":"AAAA"}}"#, &[], true),
        (r#"{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}"#, &[], true),
        (r#"{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}"#, &[("aws:SourceIp", &["11.0.0.1"])], false),
        (r#"{"NotIpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}"#, &[("aws:SourceIp", &["10.0.0.1"])], false),
        (r#"{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#, &[], true),
        (
            r#"{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#,
            &[("aws:SourceArn", &["arn:aws:sqs:r:1:q"])],
            false,
        ),
        (r#"{"stringequalsifexists":{"k":"v"}}"#, &[], true),
        // Other checks in the element can still fail the statement.
        (r#"{"StringEqualsIfExists":{"k":"v"},"StringEquals":{"j":"w"}}"#, &[], false),
        (r#"{"StringEqualsIfExists":{"k":"v"},"StringEquals":{"j":"w"}}"#, &[("j", &["w"])], true),
    ];
    condition_table(t);
    // "If you are using an Effect: Deny element with a negated condition operator like
    // StringNotEqualsIfExists, the request is still denied even if the tag is missing."
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
        {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:ResourceTag/env":"dev"}}}]}"#;
    check(deny, &req("ec2:StopInstances", "*", &[]), DENY);
    check(deny, &req("ec2:StopInstances", "*", &[("aws:ResourceTag/env", &["prod"])]), DENY);
    check(deny, &req("ec2:StopInstances", "*", &[("aws:ResourceTag/env", &["dev"])]), ALLOW);
}

// ...#Conditions_Null: "true" (the key doesn't exist, it is null) or "false" (the key exists
// and its value is not null); IfExists cannot be added to Null.
#[test]
fn null_operator() {
    let t: &[CondCase] = &[
        (r#"{"Null":{"aws:TokenIssueTime":"true"}}"#, &[], true),
        (r#"{"Null":{"aws:TokenIssueTime":"true"}}"#, &[("aws:TokenIssueTime", &["2020-01-01T00:00:00Z"])], false),
        (r#"{"Null":{"aws:TokenIssueTime":"false"}}"#, &[("aws:TokenIssueTime", &["2020-01-01T00:00:00Z"])], true),
        (r#"{"Null":{"aws:TokenIssueTime":"false"}}"#, &[], false),
        (r#"{"Null":{"aws:TokenIssueTime":true}}"#, &[], true),
        (r#"{"Null":{"aws:TokenIssueTime":"TRUE"}}"#, &[], true),
        (r#"{"Null":{"aws:TagKeys":"false"}}"#, &[("aws:TagKeys", &[])], false),
        (r#"{"Null":{"aws:TagKeys":"true"}}"#, &[("aws:TagKeys", &[])], true),
        (r#"{"Null":{"aws:TagKeys":"false"}}"#, &[("aws:TagKeys", &["a", "b"])], true),
        (r#"{"Null":{"k":["true","false"]}}"#, &[], true),
        (r#"{"Null":{"k":["true","false"]}}"#, &[("k", &["v"])], true),
        (r#"{"Null":{"k1":"false","k2":"true"}}"#, &[("k1", &["v"])], true),
        (r#"{"Null":{"k1":"false","k2":"true"}}"#, &[("k1", &["v"]), ("k2", &["v"])], false),
        (r#"{"Null":{"AWS:TOKENISSUETIME":"false"}}"#, &[("aws:TokenIssueTime", &["x"])], true),
    ];
    condition_table(t);
}
