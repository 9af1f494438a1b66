//! Policy documents that must be refused, each with a message naming what is wrong; and the
//! shapes IAM accepts (one statement or a list, strings or lists).

use cognate_policy::{Effect, PolicyError, Version};

use crate::*;

#[track_caller]
fn refused(document: &str, expected: PolicyError) {
    assert_eq!(Policy::parse(document), Err(expected), "{document}");
}

fn statement(body: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":{{{body}}}}}"#)
}

const OK: &str = r#""Effect":"Allow","Action":"s3:GetObject","Resource":"*""#;

// reference_policies_grammar.html and reference_policies_elements*.html: the elements a policy
// and a statement may hold, Action xor NotAction, Resource xor NotResource, Principal xor
// NotPrincipal, unique Sids, the two Versions, Effect Allow or Deny.
#[test]
fn malformed_documents() {
    use PolicyError as E;
    let cases: Vec<(String, PolicyError)> = vec![
        ("not json".to_owned(), E::Syntax),
        (r#"{"Version":"2012-10-17","Statement":[}"#.to_owned(), E::Syntax),
        ("[]".to_owned(), E::NotAnObject),
        (r#"{"Version":"2012-10-17"}"#.to_owned(), E::MissingStatement),
        (r#"{"Version":"2012-10-17","Statement":[]}"#.to_owned(), E::MissingStatement),
        (r#"{"Version":"2012-10-17","Statement":"x"}"#.to_owned(), E::InvalidStatement),
        (r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*"},1]}"#.to_owned(), E::InvalidStatement),
        (r#"{"Version":"2013-01-01","Statement":[]}"#.to_owned(), E::InvalidVersion("2013-01-01".to_owned())),
        (r#"{"Version":2012,"Statement":[]}"#.to_owned(), E::InvalidVersion("2012".to_owned())),
        (format!(r#"{{"Version":"2012-10-17","Extra":1,"Statement":{{{OK}}}}}"#), E::UnknownField("Extra".to_owned())),
        (format!(r#"{{"version":"2012-10-17","Statement":{{{OK}}}}}"#), E::UnknownField("version".to_owned())),
        (statement(&format!(r#"{OK},"Actions":"s3:*""#)), E::UnknownField("Actions".to_owned())),
        (statement(r#""Action":"s3:*","Resource":"*""#), E::MissingEffect),
        (statement(r#""Effect":"allow","Action":"s3:*","Resource":"*""#), E::InvalidEffect("allow".to_owned())),
        (statement(r#""Effect":"Permit","Action":"s3:*","Resource":"*""#), E::InvalidEffect("Permit".to_owned())),
        (statement(r#""Effect":"Allow","Resource":"*""#), E::MissingAction),
        (statement(r#""Effect":"Allow","Action":[],"Resource":"*""#), E::MissingAction),
        (statement(r#""Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*""#), E::Conflicting("Action", "NotAction")),
        (statement(r#""Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"x""#), E::Conflicting("Resource", "NotResource")),
        (statement(r#""Effect":"Allow","Action":"s3:*","Principal":"*","NotPrincipal":"*""#), E::Conflicting("Principal", "NotPrincipal")),
        (statement(r#""Effect":"Allow","Action":"GetObject","Resource":"*""#), E::ActionWithoutVendor),
        (statement(r#""Effect":"Allow","Action":["s3:GetObject",""],"Resource":"*""#), E::ActionWithoutVendor),
        (statement(r#""Effect":"Allow","Action":["s3:GetObject",1],"Resource":"*""#), E::NotStrings("Action")),
        (statement(r#""Effect":"Allow","Action":"s3:*","Resource":[]"#), E::EmptyList("Resource")),
        (statement(r#""Effect":"Allow","Action":"s3:*","Resource":{"a":1}"#), E::NotStrings("Resource")),
        (statement(r#""Sid":1,"Effect":"Allow","Action":"s3:*","Resource":"*""#), E::NotStrings("Sid")),
        (r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"*"},{"Sid":"A","Effect":"Deny","Action":"*"}]}"#.to_owned(), E::DuplicateSid),
        (statement(r#""Effect":"Allow","Action":"s3:*","Principal":"everyone""#), E::InvalidPrincipal(r#""everyone""#.to_owned())),
        (statement(r#""Effect":"Allow","Action":"s3:*","Principal":{"User":"x"}"#), E::InvalidPrincipal(r#"{"User":"x"}"#.to_owned())),
        (statement(r#""Effect":"Allow","Action":"s3:*","Principal":{}"#), E::InvalidPrincipal("{}".to_owned())),
        (statement(r#""Effect":"Allow","Action":"s3:*","Principal":{"AWS":[]}"#), E::InvalidPrincipal(r#"{"AWS":[]}"#.to_owned())),
        (statement(r#""Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username""#), E::InvalidVariable("${aws:username".to_owned())),
        (statement(r#""Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${}""#), E::InvalidVariable("${}".to_owned())),
    ];
    for (document, expected) in cases {
        refused(&document, expected);
    }
}

// reference_policies_elements_condition_operators.html: operator names, IfExists on all but
// Null, typed values (numbers, dates, base64, CIDR) and condition blocks.
#[test]
fn malformed_conditions() {
    use PolicyError as E;
    let condition = |block: &str| statement(&format!(r#"{OK},"Condition":{block}"#));
    let bad_value = |operator: &str, key: &str, value: &str| E::InvalidConditionValue {
        operator: operator.to_owned(),
        key: key.to_owned(),
        value: value.to_owned(),
    };
    let cases: Vec<(String, PolicyError)> = vec![
        (condition(r#"{"StringEqualz":{"k":"v"}}"#), E::UnknownOperator("StringEqualz".to_owned())),
        (condition(r#"{"NullIfExists":{"k":"true"}}"#), E::UnknownOperator("NullIfExists".to_owned())),
        (condition(r#"{"ForAnyValue:Null":{"k":"true"}}"#), E::UnknownOperator("ForAnyValue:Null".to_owned())),
        (
            condition(r#"{"ForEveryValue:StringEquals":{"k":"v"}}"#),
            E::UnknownOperator("ForEveryValue:StringEquals".to_owned()),
        ),
        (
            condition(r#"{"DateEqualsIfExistsIfExists":{"k":"2020-01-01"}}"#),
            E::UnknownOperator("DateEqualsIfExistsIfExists".to_owned()),
        ),
        (condition(r#""StringEquals""#), E::InvalidConditionBlock("Condition".to_owned())),
        (condition(r#"{"StringEquals":"k"}"#), E::InvalidConditionBlock("StringEquals".to_owned())),
        (condition(r#"{"StringEquals":{"k":[]}}"#), bad_value("StringEquals", "k", "[]")),
        (condition(r#"{"StringEquals":{"k":{"a":"b"}}}"#), bad_value("StringEquals", "k", r#"{"a":"b"}"#)),
        (condition(r#"{"StringEquals":{"k":null}}"#), bad_value("StringEquals", "k", "null")),
        (condition(r#"{"NumericEquals":{"k":"ten"}}"#), bad_value("NumericEquals", "k", "ten")),
        (condition(r#"{"NumericLessThan":{"k":"${aws:x}"}}"#), bad_value("NumericLessThan", "k", "${aws:x}")),
        (
            condition(r#"{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}"#),
            bad_value("DateLessThan", "aws:CurrentTime", "tomorrow"),
        ),
        (condition(r#"{"BinaryEquals":{"k":"***"}}"#), bad_value("BinaryEquals", "k", "***")),
        (
            condition(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/33"}}"#),
            bad_value("IpAddress", "aws:SourceIp", "203.0.113.0/33"),
        ),
        (
            condition(r#"{"IpAddress":{"aws:SourceIp":"example.com"}}"#),
            bad_value("IpAddress", "aws:SourceIp", "example.com"),
        ),
        (condition(r#"{"Null":{"k":"yes"}}"#), bad_value("Null", "k", "yes")),
        (condition(r#"{"StringLike":{"k":"${oops"}}"#), E::InvalidVariable("${oops".to_owned())),
    ];
    for (document, expected) in cases {
        refused(&document, expected);
    }
    // Messages read like IAM's MalformedPolicyDocument texts.
    assert_eq!(E::MissingAction.to_string(), "Policy statement must contain actions.");
    assert_eq!(E::DuplicateSid.to_string(), "Statement IDs (SID) in a single policy must be unique.");
    assert_eq!(E::Syntax.to_string(), "Syntax errors in policy.");
}

// reference_policies_elements_version.html (default 2008-10-17), _statement.html (a single
// statement object or an array), _id.html; trust policies carry no Resource.
#[test]
fn accepted_shapes() {
    let one = Policy::parse(&statement(OK)).unwrap();
    assert_eq!(one.version(), Version::V2012_10_17);
    assert_eq!(one.statements().len(), 1);
    let old = Policy::parse(&format!(r#"{{"Statement":[{{{OK}}},{{{OK}}}]}}"#)).unwrap();
    assert_eq!(old.version(), Version::V2008_10_17);
    assert_eq!(old.statements().len(), 2);
    let with_id = Policy::parse(&format!(
        r#"{{"Version":"2008-10-17","Id":"P1","Statement":{{"Sid":"S","Effect":"Deny",{}}}}}"#,
        &OK[17..]
    ))
    .unwrap();
    assert_eq!(with_id.id(), Some("P1"));
    assert_eq!(with_id.statements()[0].sid(), Some("S"));
    assert_eq!(with_id.statements()[0].effect(), Effect::Deny);
    let trust: Policy = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}"#.parse().unwrap();
    assert!(trust.statements()[0].has_principal());
    assert!(!trust.statements()[0].has_resource());
    assert!(!one.statements()[0].has_principal() && !one.statements()[0].has_conditions());
    // Numbers and booleans are accepted as condition values.
    Policy::parse(&statement(&format!(
        r#"{OK},"Condition":{{"NumericLessThan":{{"k":[1,2.5]}},"Bool":{{"b":false}}}}"#
    )))
    .unwrap();
}
