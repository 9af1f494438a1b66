//! Typed condition operators at their edges: numbers that are not numbers, BinaryEquals, ARN
//! segments, and what the policy language refuses outright.

use cognate_policy::PolicyError;

use crate::*;

// reference_policies_elements_condition_operators.html#Conditions_Numeric: keys compared with an
// "integer or decimal value". A request value that is no number matches no positive operator;
// "You can not use a policy variable with the Numeric condition operator".
#[test]
fn numeric_edges() {
    let t: &[CondCase] = &[
        (r#"{"NumericEquals":{"k":"10"}}"#, &[("k", &["ten"])], false),
        (r#"{"NumericLessThan":{"k":"10"}}"#, &[("k", &["ten"])], false),
        (r#"{"NumericLessThanEquals":{"k":"10"}}"#, &[("k", &["ten"])], false),
        (r#"{"NumericGreaterThan":{"k":"10"}}"#, &[("k", &["ten"])], false),
        (r#"{"NumericGreaterThanEquals":{"k":"10"}}"#, &[("k", &["ten"])], false),
        (r#"{"NumericEquals":{"k":"10"}}"#, &[("k", &[""])], false),
        (r#"{"NumericLessThan":{"k":"10"}}"#, &[("k", &["1O"])], false),
        (r#"{"NumericGreaterThan":{"k":"10"}}"#, &[("k", &["11 apples"])], false),
        (r#"{"NumericEquals":{"k":"10"}}"#, &[("k", &["0x0A"])], false),
        (r#"{"NumericLessThan":{"k":"10"}}"#, &[("k", &["${aws:username}"]), ("aws:username", &["5"])], false),
        (r#"{"NumericLessThan":{"k":"0"}}"#, &[("k", &["-1.5"])], true),
        (r#"{"NumericGreaterThan":{"k":"-2"}}"#, &[("k", &["-1"])], true),
        (r#"{"NumericGreaterThan":{"k":"-2"}}"#, &[("k", &["-3"])], false),
        (r#"{"NumericEquals":{"k":"1.50"}}"#, &[("k", &["1.5"])], true),
        (r#"{"NumericEquals":{"k":"0.1"}}"#, &[("k", &["0.10"])], true),
        (r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["10.0"])], true),
        (r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["10.01"])], false),
        (r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#, &[], false),
        (r#"{"NumericLessThanEqualsIfExists":{"s3:max-keys":"10"}}"#, &[], true),
        (r#"{"NumericGreaterThan":{"k":["100","5"]}}"#, &[("k", &["6"])], true),
        (r#"{"NumericGreaterThan":{"k":["100","5"]}}"#, &[("k", &["4"])], false),
        (r#"{"NumericNotEquals":{"k":["1","2","3"]}}"#, &[("k", &["3"])], false),
        (r#"{"NumericNotEquals":{"k":["1","2","3"]}}"#, &[("k", &["4"])], true),
        (r#"{"NumericNotEquals":{"k":"1"}}"#, &[], true),
        (r#"{"ForAnyValue:NumericGreaterThanEquals":{"k":"100"}}"#, &[("k", &["1", "100"])], true),
        (r#"{"ForAllValues:NumericGreaterThanEquals":{"k":"100"}}"#, &[("k", &["1", "100"])], false),
        (r#"{"ForAllValues:NumericGreaterThanEquals":{"k":"100"}}"#, &[("k", &["100", "250.5"])], true),
        (r#"{"NumericEquals":{"k":100}}"#, &[("k", &["100"])], true),
        (r#"{"NumericEquals":{"k":[1,2.5]}}"#, &[("k", &["2.5"])], true),
    ];
    assert!(rows(t) >= 25);
    condition_table(t);
}

// ...#Conditions_BinaryEquals: "compares the value of the specified key byte for byte against a
// base-64 encoded representation of the binary value in the policy" (request values arrive
// base-64 encoded too).
#[test]
fn binary_equals() {
    let doc = r#"{"BinaryEquals":{"key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#;
    let t: &[CondCase] = &[
        (doc, &[("key", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="])], true),
        (doc, &[("KEY", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="])], true),
        (doc, &[("key", &["QmluYXJ5VmFsdWVJbkJhc2U2NQ=="])], false),
        (doc, &[("key", &["cWluYXJ5VmFsdWVJbkJhc2U2NA=="])], false),
        (doc, &[("key", &["QmluYXJ5VmFsdWVJbkJhc2U2"])], false),
        (doc, &[("key", &["BinaryValueInBase64"])], false),
        (doc, &[("key", &["not base64!"])], false),
        (doc, &[("key", &[""])], false),
        (doc, &[], false),
        (r#"{"BinaryEqualsIfExists":{"key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#, &[], true),
        (r#"{"BinaryEqualsIfExists":{"key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#, &[("key", &["AAAA"])], false),
        (r#"{"BinaryEquals":{"key":["AAAA","QUJD"]}}"#, &[("key", &["QUJD"])], true),
        (r#"{"BinaryEquals":{"key":["AAAA","QUJD"]}}"#, &[("key", &["QUJE"])], false),
        (r#"{"ForAnyValue:BinaryEquals":{"key":"QUJD"}}"#, &[("key", &["AAAA", "QUJD"])], true),
        (r#"{"ForAllValues:BinaryEquals":{"key":"QUJD"}}"#, &[("key", &["AAAA", "QUJD"])], false),
    ];
    condition_table(t);
}

// ...#Conditions_ARN: "Each of the six colon-delimited components of the ARN is checked separately
// and each can include multi-character match wildcards (*) or single-character match wildcards
// (?)"; case-sensitive; ArnEquals and ArnLike (ArnNotEquals and ArnNotLike) behave identically;
// values of a negated operator are NOR'ed (reference_policies_multi-value-conditions.html).
#[test]
fn arn_segments() {
    let src = "aws:SourceArn";
    let topic = "arn:aws:sns:us-east-2:123456789012:topic";
    let t: &[CondCase] = &[
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-?:123456789012:topic"}}"#, &[(src, &[topic])], true),
        (r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-?:123456789012:topic"}}"#, &[(src, &[topic])], true),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-??:123456789012:topic"}}"#, &[(src, &[topic])], false),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:*:sns:*:*:topic"}}"#, &[(src, &[topic])], true),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:*:sns:*:*:topic"}}"#,
            &[(src, &["arn:aws-cn:sns:cn-north-1:1:topic"])],
            true,
        ),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:topic"}}"#,
            &[(src, &["arn:aws-cn:sns:cn-north-1:1:topic"])],
            false,
        ),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:SNS:*:*:topic"}}"#, &[(src, &[topic])], false),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:TOPIC"}}"#, &[(src, &[topic])], false),
        (r#"{"ArnLike":{"AWS:SOURCEARN":"arn:aws:sns:*:*:topic"}}"#, &[(src, &[topic])], true),
        // A `*` stays inside its segment, but the sixth (resource) part keeps its colons.
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:*:123456789012:topic"}}"#, &[(src, &[topic])], false),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}"#,
            &[(src, &["arn:aws:sns:us-east-2:123456789012:topic:sub-id"])],
            true,
        ),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:*:*:function:*"}}"#,
            &[(src, &["arn:aws:lambda:us-east-1:1:function:f:PROD"])],
            true,
        ),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:*:*:function:f"}}"#,
            &[(src, &["arn:aws:lambda:us-east-1:1:function:f:PROD"])],
            false,
        ),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::*"}}"#, &[(src, &["arn:aws:s3:::bucket"])], true),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:s3:*:*:bucket"}}"#, &[(src, &["arn:aws:s3:::bucket"])], true),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::bucket"}}"#, &[(src, &["arn:aws:s3:us-east-1::bucket"])], false),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#, &[(src, &["arn:aws:sns:us-east-2"])], false),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#, &[(src, &["topic"])], false),
        (r#"{"ArnLike":{"aws:SourceArn":["arn:aws:sqs:*:*:*","arn:aws:sns:*:*:*"]}}"#, &[(src, &[topic])], true),
        (r#"{"ArnNotLike":{"aws:SourceArn":["arn:aws:sqs:*:*:*","arn:aws:sns:*:*:*"]}}"#, &[(src, &[topic])], false),
        (r#"{"ArnNotLike":{"aws:SourceArn":["arn:aws:sqs:*:*:*","arn:aws:s3:::*"]}}"#, &[(src, &[topic])], true),
        (
            r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-2:123456789012:topic"}}"#,
            &[(src, &["arn:aws:sns:us-east-2:123456789012:other"])],
            true,
        ),
        (r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-2:123456789012:topic"}}"#, &[(src, &[topic])], false),
        (r#"{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#, &[], true),
        (r#"{"ArnNotLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#, &[(src, &[topic])], false),
        (
            r#"{"ForAnyValue:ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#,
            &[(src, &["arn:aws:sqs:r:1:q", topic])],
            true,
        ),
        (
            r#"{"ForAllValues:ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#,
            &[(src, &["arn:aws:sqs:r:1:q", topic])],
            false,
        ),
        // The StringLike/ArnLike counter-example, the other way round: StringLike sees one string.
        (
            r#"{"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#,
            &[(src, &["arn:aws:someservice:us-east-2:111122223333:finance/document.txt"])],
            true,
        ),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#,
            &[(src, &["arn:aws:someservice:us-east-2:111122223333:finance/document.txt"])],
            true,
        ),
    ];
    assert!(rows(t) >= 25);
    condition_table(t);
}

fn with_condition(condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{condition}}}}}"#
    )
}

// ...#Conditions_Numeric, #Conditions_Date, #Conditions_IPAddress, #Conditions_BinaryEquals: no
// policy variables with these operators, and values must be numbers, W3C ISO 8601 dates or epoch
// time, CIDR ranges, base-64; #Conditions_IfExists: IfExists on every operator but Null.
#[test]
fn refused_condition_values() {
    let bad = |operator: &str, key: &str, value: &str| PolicyError::InvalidConditionValue {
        operator: operator.to_owned(),
        key: key.to_owned(),
        value: value.to_owned(),
    };
    let cases: &[(&str, PolicyError)] = &[
        (r#"{"NumericEquals":{"k":"${aws:username}"}}"#, bad("NumericEquals", "k", "${aws:username}")),
        (r#"{"NumericEquals":{"k":"1,000"}}"#, bad("NumericEquals", "k", "1,000")),
        (r#"{"NumericEquals":{"k":""}}"#, bad("NumericEquals", "k", "")),
        (r#"{"NumericGreaterThan":{"k":["1","two"]}}"#, bad("NumericGreaterThan", "k", "two")),
        (r#"{"NumericLessThan":{"k":true}}"#, bad("NumericLessThan", "k", "true")),
        (
            r#"{"DateGreaterThan":{"aws:CurrentTime":"${aws:TokenIssueTime}"}}"#,
            bad("DateGreaterThan", "aws:CurrentTime", "${aws:TokenIssueTime}"),
        ),
        (
            r#"{"DateLessThan":{"aws:CurrentTime":"2020-13-01T00:00:00Z"}}"#,
            bad("DateLessThan", "aws:CurrentTime", "2020-13-01T00:00:00Z"),
        ),
        (
            r#"{"DateLessThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z*"}}"#,
            bad("DateLessThan", "aws:CurrentTime", "2020-04-01T00:00:00Z*"),
        ),
        (r#"{"IpAddress":{"aws:SourceIp":"${aws:username}"}}"#, bad("IpAddress", "aws:SourceIp", "${aws:username}")),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.*"}}"#, bad("IpAddress", "aws:SourceIp", "203.0.113.*")),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/"}}"#, bad("IpAddress", "aws:SourceIp", "203.0.113.0/")),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":"2001:DB8::/129"}}"#,
            bad("NotIpAddress", "aws:SourceIp", "2001:DB8::/129"),
        ),
        (r#"{"BinaryEquals":{"k":"${aws:username}"}}"#, bad("BinaryEquals", "k", "${aws:username}")),
        (r#"{"Null":{"k":"${aws:username}"}}"#, bad("Null", "k", "${aws:username}")),
        (r#"{"NullIfExists":{"k":"true"}}"#, PolicyError::UnknownOperator("NullIfExists".to_owned())),
        (r#"{"ForAllValues:Null":{"k":"true"}}"#, PolicyError::UnknownOperator("ForAllValues:Null".to_owned())),
        (r#"{"StringLikeIfExist":{"k":"v"}}"#, PolicyError::UnknownOperator("StringLikeIfExist".to_owned())),
        (r#"{"IfExistsStringLike":{"k":"v"}}"#, PolicyError::UnknownOperator("IfExistsStringLike".to_owned())),
        (
            r#"{"ForAnyValue:ForAllValues:StringLike":{"k":"v"}}"#,
            PolicyError::UnknownOperator("ForAnyValue:ForAllValues:StringLike".to_owned()),
        ),
    ];
    for (condition, expected) in cases {
        assert_eq!(Policy::parse(&with_condition(condition)).as_ref().err(), Some(expected), "{condition}");
    }
    // Variables are fine where the operator takes them; IfExists and set prefixes combine.
    for condition in [
        r#"{"StringEquals":{"k":"${aws:username}"}}"#,
        r#"{"ArnLike":{"k":"arn:aws:iam::*:user/${aws:username}"}}"#,
        r#"{"Bool":{"k":"${aws:username}"}}"#,
        r#"{"DateLessThanIfExists":{"aws:CurrentTime":"2020-04-01T00:00:00Z"}}"#,
        r#"{"ForAnyValue:NumericLessThanIfExists":{"k":"1"}}"#,
    ] {
        assert!(Policy::parse(&with_condition(condition)).is_ok(), "{condition}");
    }
}
