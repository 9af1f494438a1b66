//! Numeric, Date, Bool, Binary, IP address and ARN condition operators.

use crate::*;

// reference_policies_elements_condition_operators.html#Conditions_Numeric: integer or decimal.
#[test]
fn numeric_operators() {
    let t: &[CondCase] = &[
        (r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["10"])], true),
        (r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["9"])], true),
        (r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["11"])], false),
        (r#"{"NumericLessThan":{"k":"10"}}"#, &[("k", &["10"])], false),
        (r#"{"NumericLessThan":{"k":"10"}}"#, &[("k", &["9.99"])], true),
        (r#"{"NumericGreaterThan":{"k":"10"}}"#, &[("k", &["10"])], false),
        (r#"{"NumericGreaterThan":{"k":"10"}}"#, &[("k", &["10.5"])], true),
        (r#"{"NumericGreaterThanEquals":{"k":"10"}}"#, &[("k", &["10"])], true),
        (r#"{"NumericGreaterThanEquals":{"k":"10"}}"#, &[("k", &["-3"])], false),
        (r#"{"NumericEquals":{"k":"10"}}"#, &[("k", &["10.0"])], true),
        (r#"{"NumericEquals":{"k":"10"}}"#, &[("k", &["010"])], true),
        (r#"{"NumericEquals":{"k":"10"}}"#, &[("k", &["11"])], false),
        (r#"{"NumericEquals":{"k":10}}"#, &[("k", &["10"])], true),
        (r#"{"NumericEquals":{"k":["1","2"]}}"#, &[("k", &["2"])], true),
        (r#"{"NumericNotEquals":{"k":"10"}}"#, &[("k", &["11"])], true),
        (r#"{"NumericNotEquals":{"k":"10"}}"#, &[("k", &["10"])], false),
        (r#"{"NumericNotEquals":{"k":["1","2"]}}"#, &[("k", &["2"])], false),
        (r#"{"NumericEquals":{"k":"10"}}"#, &[("k", &["ten"])], false),
        (r#"{"NumericLessThan":{"k":"0.5"}}"#, &[("k", &["0.25"])], true),
    ];
    condition_table(t);
}

const TIME: &str = "aws:CurrentTime";
const EPOCH: &str = "aws:EpochTime";

// ...#Conditions_Date: W3C ISO 8601 dates or epoch seconds; time comes from aws:CurrentTime or
// aws:EpochTime in the request context.
#[test]
fn date_operators() {
    let t: &[CondCase] = &[
        (
            r#"{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#,
            &[("aws:TokenIssueTime", &["2020-06-01T00:00:00Z"])],
            true,
        ),
        (
            r#"{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#,
            &[("aws:TokenIssueTime", &["2019-06-01T00:00:00Z"])],
            false,
        ),
        (r#"{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#, &[], false),
        (r#"{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#, &[(TIME, &["2029-12-31T23:59:59Z"])], true),
        (r#"{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#, &[(TIME, &["2030-01-01T00:00:00Z"])], false),
        (
            r#"{"DateLessThanEquals":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#,
            &[(TIME, &["2030-01-01T00:00:00Z"])],
            true,
        ),
        (r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2030-01-01"}}"#, &[(TIME, &["2030-01-01T00:00:00Z"])], true),
        (r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2030-01-01"}}"#, &[(TIME, &["2029-12-31T23:59:59Z"])], false),
        (
            r#"{"DateEquals":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#,
            &[(TIME, &["2030-01-01T01:00:00+01:00"])],
            true,
        ),
        (
            r#"{"DateNotEquals":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#,
            &[(TIME, &["2030-01-01T01:00:00+01:00"])],
            false,
        ),
        (r#"{"DateNotEquals":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#, &[(TIME, &["2030-01-02T00:00:00Z"])], true),
        // Epoch seconds on either side compare with ISO 8601 on the other.
        (r#"{"DateLessThan":{"aws:EpochTime":"1893456000"}}"#, &[(EPOCH, &["1893455999"])], true),
        (r#"{"DateLessThan":{"aws:EpochTime":"1893456000"}}"#, &[(EPOCH, &["1893456000"])], false),
        (r#"{"DateLessThan":{"aws:EpochTime":1893456000}}"#, &[(EPOCH, &["1893455999"])], true),
        (r#"{"DateEquals":{"aws:CurrentTime":"1893456000"}}"#, &[(TIME, &["2030-01-01T00:00:00Z"])], true),
        (r#"{"DateLessThan":{"aws:EpochTime":"2030-01-01T00:00:00Z"}}"#, &[(EPOCH, &["1893455999"])], true),
        (
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00Z"}}"#,
            &[(TIME, &["2030-01-01T00:00:00.001Z"])],
            true,
        ),
        (r#"{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00Z"}}"#, &[(TIME, &["not a date"])], false),
    ];
    condition_table(t);
}

// ...#Conditions_Boolean, #Conditions_BinaryEquals (base64, byte for byte), #Conditions_IPAddress
// (CIDR, IPv4 and IPv6, a bare address is /32).
#[test]
fn bool_binary_and_ip_operators() {
    let t: &[CondCase] = &[
        (r#"{"Bool":{"aws:SecureTransport":"false"}}"#, &[("aws:SecureTransport", &["false"])], true),
        (r#"{"Bool":{"aws:SecureTransport":"false"}}"#, &[("aws:SecureTransport", &["true"])], false),
        (r#"{"Bool":{"aws:SecureTransport":"true"}}"#, &[("aws:SecureTransport", &["TRUE"])], true),
        (r#"{"Bool":{"aws:SecureTransport":true}}"#, &[("aws:SecureTransport", &["true"])], true),
        (r#"{"Bool":{"aws:SecureTransport":"false"}}"#, &[], false),
        (r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#, &[("aws:MultiFactorAuthPresent", &["true"])], true),
        (r#"{"BinaryEquals":{"k":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#, &[("k", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="])], true),
        (r#"{"BinaryEquals":{"k":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#, &[("k", &["QmluYXJ5"])], false),
        (r#"{"BinaryEquals":{"k":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#, &[], false),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[("aws:SourceIp", &["203.0.113.7"])], true),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[("aws:SourceIp", &["203.0.113.255"])], true),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[("aws:SourceIp", &["203.0.112.255"])], false),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.9"}}"#, &[("aws:SourceIp", &["203.0.113.9"])], true),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.9"}}"#, &[("aws:SourceIp", &["203.0.113.10"])], false),
        (
            r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}"#,
            &[("aws:SourceIp", &["2001:db8:1234:5678::1"])],
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}"#,
            &[("aws:SourceIp", &["2001:db8:1234:5679::1"])],
            false,
        ),
        (r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#, &[("aws:SourceIp", &["198.51.100.1"])], true),
        (r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#, &[("aws:SourceIp", &["::1"])], false),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[], false),
        (r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[("aws:SourceIp", &["198.51.100.1"])], true),
        (r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[("aws:SourceIp", &["203.0.113.1"])], false),
        (r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[], true),
    ];
    condition_table(t);
}

const SNS: &str = "arn:aws:sns:us-east-2:123456789012:topic";

// ...#Conditions_ARN: each of the six colon-delimited parts is matched separately and may hold
// `*` and `?`; ArnEquals and ArnLike behave identically; the documented StringLike/ArnLike
// counter-example.
#[test]
fn arn_operators() {
    let long = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
    let t: &[CondCase] = &[
        (
            r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-2:123456789012:topic"}}"#,
            &[("aws:SourceArn", &[SNS])],
            true,
        ),
        (
            r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-2:123456789012:Topic"}}"#,
            &[("aws:SourceArn", &[SNS])],
            false,
        ),
        (r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:123456789012:topic"}}"#, &[("aws:SourceArn", &[SNS])], true),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:topic"}}"#, &[("aws:SourceArn", &[SNS])], true),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:t?pic"}}"#, &[("aws:SourceArn", &[SNS])], true),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:999999999999:*"}}"#, &[("aws:SourceArn", &[SNS])], false),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sqs:*:*:*"}}"#, &[("aws:SourceArn", &[SNS])], false),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#,
            &[("aws:SourceArn", &[long])],
            false,
        ),
        (
            r#"{"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#,
            &[("aws:SourceArn", &[long])],
            true,
        ),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:999999999999:store/*"}}"#,
            &[("aws:SourceArn", &[long])],
            true,
        ),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-2:123456789012:topic"}}"#,
            &[("aws:SourceArn", &["not-an-arn"])],
            false,
        ),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#, &[], false),
        (
            r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:*:123456789012:topic"}}"#,
            &[("aws:SourceArn", &[SNS])],
            false,
        ),
        (r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:999999999999:*"}}"#, &[("aws:SourceArn", &[SNS])], true),
        (r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:999999999999:*"}}"#, &[], true),
    ];
    condition_table(t);
}
