//! Global condition keys as the documentation's example policies use them: aws:SecureTransport,
//! aws:MultiFactorAuthPresent, aws:SourceIp (IPv4 and IPv6), aws:CurrentTime/aws:EpochTime,
//! aws:TokenIssueTime and aws:PrincipalAccount.

use cognate_policy::{PrincipalKind, RequestPrincipal};

use crate::*;

const ALLOW_S3: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
const ALLOW_ALL: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;

// reference_policies_elements_condition_operators.html#Conditions_Boolean: the BooleanExample
// statement denies every S3 action on the bucket and its contents when aws:SecureTransport is
// false; "This policy does not allow any actions". A missing key does not match.
#[test]
fn secure_transport() {
    let deny_insecure = r#"{"Version":"2012-10-17","Statement":[{"Sid":"BooleanExample","Action":"s3:*","Effect":"Deny",
        "Resource":["arn:aws:s3:::DOC-EXAMPLE-BUCKET","arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
        "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
    let on: Ctx = &[("aws:SecureTransport", &["true"])];
    let off: Ctx = &[("aws:SecureTransport", &["false"])];
    let bucket = "arn:aws:s3:::DOC-EXAMPLE-BUCKET";
    let cases: &[(&[&str], &str, &str, Ctx, Outcome)] = &[
        (&[ALLOW_S3, deny_insecure], "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k", on, ALLOW),
        (&[ALLOW_S3, deny_insecure], "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k", off, DENY),
        (&[ALLOW_S3, deny_insecure], "s3:ListBucket", bucket, off, DENY),
        (&[ALLOW_S3, deny_insecure], "s3:ListBucket", bucket, on, ALLOW),
        (&[ALLOW_S3, deny_insecure], "s3:GetObject", "arn:aws:s3:::other-bucket/k", off, ALLOW),
        (&[ALLOW_S3, deny_insecure], "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k", &[], ALLOW),
        (&[ALLOW_S3, deny_insecure], "sqs:SendMessage", bucket, off, IMPLICIT),
        (&[deny_insecure], "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k", on, IMPLICIT),
        (&[deny_insecure], "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k", off, DENY),
    ];
    for (policies, action, resource, context, expected) in cases {
        check_all(policies, None, &req(action, resource, context), *expected);
    }
    // Allowing only secure requests: the key must be present and true.
    let t: &[CondCase] = &[
        (r#"{"Bool":{"aws:SecureTransport":"true"}}"#, &[("aws:SecureTransport", &["true"])], true),
        (r#"{"Bool":{"aws:SecureTransport":"true"}}"#, &[("aws:SecureTransport", &["false"])], false),
        (r#"{"Bool":{"aws:SecureTransport":"true"}}"#, &[], false),
        (r#"{"Bool":{"aws:SecureTransport":true}}"#, &[("aws:SecureTransport", &["true"])], true),
        (r#"{"Bool":{"aws:SecureTransport":false}}"#, &[("aws:SecureTransport", &["false"])], true),
        (r#"{"Bool":{"AWS:SECURETRANSPORT":"true"}}"#, &[("aws:SecureTransport", &["true"])], true),
        (r#"{"BoolIfExists":{"aws:SecureTransport":"true"}}"#, &[], true),
        (r#"{"BoolIfExists":{"aws:SecureTransport":"true"}}"#, &[("aws:SecureTransport", &["false"])], false),
        (r#"{"Null":{"aws:SecureTransport":"false"}}"#, &[("aws:SecureTransport", &["false"])], true),
    ];
    condition_table(t);
}

// reference_policies_condition-keys.html#condition-keys-multifactorauthpresent: the key is
// present (true or false) only with temporary credentials. Deny + Bool + false does not deny
// long-term credentials; Deny + BoolIfExists + false does; Allow + BoolIfExists + true allows MFA
// and long-term credentials but not temporary credentials without MFA; Allow + Bool + true allows
// only MFA; Allow + Null false allows every temporary credential. reference_policies_elements_notaction.html:
// the DenyAllUsersNotUsingMFA statement (Deny, NotAction iam:*, BoolIfExists false).
#[test]
fn multi_factor_auth_present() {
    let mfa = |value: Option<&'static str>| -> Vec<(&'static str, &'static [&'static str])> {
        match value {
            Some("true") => vec![("aws:MultiFactorAuthPresent", &["true"])],
            Some(_) => vec![("aws:MultiFactorAuthPresent", &["false"])],
            None => vec![],
        }
    };
    let statement = |effect: &str, condition: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"{effect}","Action":"*","Resource":"*","Condition":{condition}}}}}"#
        )
    };
    let deny_bool = statement("Deny", r#"{"Bool":{"aws:MultiFactorAuthPresent":"false"}}"#);
    let deny_if_exists = statement("Deny", r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#);
    let deny_null = statement("Deny", r#"{"Null":{"aws:MultiFactorAuthPresent":"true"}}"#);
    let allow_if_exists = statement("Allow", r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}"#);
    let allow_bool = statement("Allow", r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#);
    let allow_null = statement("Allow", r#"{"Null":{"aws:MultiFactorAuthPresent":"false"}}"#);
    let cases: &[(&[&str], Option<&'static str>, Outcome)] = &[
        (&[ALLOW_ALL, &deny_bool], Some("true"), ALLOW),
        (&[ALLOW_ALL, &deny_bool], Some("false"), DENY),
        (&[ALLOW_ALL, &deny_bool], None, ALLOW),
        (&[ALLOW_ALL, &deny_if_exists], Some("true"), ALLOW),
        (&[ALLOW_ALL, &deny_if_exists], Some("false"), DENY),
        (&[ALLOW_ALL, &deny_if_exists], None, DENY),
        (&[ALLOW_ALL, &deny_null], None, DENY),
        (&[ALLOW_ALL, &deny_null], Some("false"), ALLOW),
        (&[&allow_if_exists], Some("true"), ALLOW),
        (&[&allow_if_exists], Some("false"), IMPLICIT),
        (&[&allow_if_exists], None, ALLOW),
        (&[&allow_bool], Some("true"), ALLOW),
        (&[&allow_bool], Some("false"), IMPLICIT),
        (&[&allow_bool], None, IMPLICIT),
        (&[&allow_null], Some("true"), ALLOW),
        (&[&allow_null], Some("false"), ALLOW),
        (&[&allow_null], None, IMPLICIT),
    ];
    for (policies, value, expected) in cases {
        check_all(policies, None, &req("ec2:StopInstances", "*", &mfa(*value)), *expected);
    }
    let not_iam = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyAllUsersNotUsingMFA","Effect":"Deny",
        "NotAction":"iam:*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#;
    let cases: &[(&str, Option<&'static str>, Outcome)] = &[
        ("s3:GetObject", None, DENY),
        ("s3:GetObject", Some("false"), DENY),
        ("s3:GetObject", Some("true"), ALLOW),
        ("iam:ChangePassword", None, ALLOW),
        ("iam:CreateVirtualMFADevice", Some("false"), ALLOW),
        ("IAM:ListMFADevices", None, ALLOW),
        ("sts:GetSessionToken", None, DENY),
    ];
    for (action, value, expected) in cases {
        check_all(&[ALLOW_ALL, not_iam], None, &req(action, "*", &mfa(*value)), *expected);
    }
    // "this would not grant the user access to any actions".
    check(not_iam, &req("iam:ChangePassword", "*", &[]), IMPLICIT);
}

const SOURCE_IP: &str = "aws:SourceIp";

// reference_policies_elements_condition_operators.html#Conditions_IPAddress: standard CIDR,
// IPv4 or IPv6; an address without a prefix is /32; IPv4 and IPv6 ranges mixed in one list.
// reference_policies_condition-keys.html#condition-keys-sourceip: missing behind a VPC endpoint.
#[test]
fn source_ip_ranges() {
    let mixed = r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}"#;
    let t: &[CondCase] = &[
        (mixed, &[(SOURCE_IP, &["203.0.113.0"])], true),
        (mixed, &[(SOURCE_IP, &["203.0.113.128"])], true),
        (mixed, &[(SOURCE_IP, &["203.0.114.0"])], false),
        (mixed, &[(SOURCE_IP, &["2001:db8:1234:5678::"])], true),
        (mixed, &[(SOURCE_IP, &["2001:DB8:1234:5678:FFFF:FFFF:FFFF:FFFF"])], true),
        (mixed, &[(SOURCE_IP, &["2001:0db8:1234:5678:0000:0000:0000:0001"])], true),
        (mixed, &[(SOURCE_IP, &["2001:db8:1234:5677:ffff:ffff:ffff:ffff"])], false),
        (mixed, &[(SOURCE_IP, &["2001:db8::1"])], false),
        (mixed, &[(SOURCE_IP, &["192.0.2.1"])], false),
        (mixed, &[], false),
        (mixed, &[(SOURCE_IP, &["not-an-address"])], false),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0"}}"#, &[(SOURCE_IP, &["203.0.113.0"])], true),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0"}}"#, &[(SOURCE_IP, &["203.0.113.1"])], false),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/32"}}"#, &[(SOURCE_IP, &["203.0.113.0"])], true),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/31"}}"#, &[(SOURCE_IP, &["203.0.113.1"])], true),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/31"}}"#, &[(SOURCE_IP, &["203.0.113.2"])], false),
        (r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#, &[(SOURCE_IP, &["10.255.255.255"])], true),
        (r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#, &[(SOURCE_IP, &["11.0.0.0"])], false),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.77/24"}}"#, &[(SOURCE_IP, &["203.0.113.1"])], true),
        (r#"{"IpAddress":{"aws:SourceIp":"2001:DB8::/32"}}"#, &[(SOURCE_IP, &["2001:db8:ffff::1"])], true),
        (r#"{"IpAddress":{"aws:SourceIp":"2001:DB8::/32"}}"#, &[(SOURCE_IP, &["2001:db9::1"])], false),
        (r#"{"IpAddress":{"aws:SourceIp":"2001:DB8::1"}}"#, &[(SOURCE_IP, &["2001:db8::1"])], true),
        (r#"{"IpAddress":{"aws:SourceIp":"2001:DB8::1"}}"#, &[(SOURCE_IP, &["2001:db8::2"])], false),
        (r#"{"IpAddress":{"aws:SourceIp":"::/0"}}"#, &[(SOURCE_IP, &["2001:db8::1"])], true),
        (r#"{"IpAddress":{"aws:SourceIp":"::/0"}}"#, &[(SOURCE_IP, &["203.0.113.1"])], false),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}"#,
            &[(SOURCE_IP, &["198.51.100.1"])],
            true,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}"#,
            &[(SOURCE_IP, &["192.0.2.9"])],
            false,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}"#,
            &[(SOURCE_IP, &["203.0.113.9"])],
            false,
        ),
        (r#"{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}"#, &[], true),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#,
            &[(SOURCE_IP, &["2001:db8:1234:5678::9"])],
            false,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#,
            &[(SOURCE_IP, &["2001:db8:1234:9999::9"])],
            true,
        ),
        (r#"{"IpAddressIfExists":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[], true),
        (r#"{"ipaddress":{"AWS:SOURCEIP":"203.0.113.0/24"}}"#, &[(SOURCE_IP, &["203.0.113.5"])], true),
    ];
    assert!(rows(t) >= 30);
    condition_table(t);
}

// reference_policies_examples_aws_deny-ip.html: deny everything from outside two ranges unless an
// AWS service makes the call (NotIpAddress AND Bool aws:ViaAWSService false); and the
// PrincipalPutObjectIfIpAddress/ServicePutObject pair of #condition-keys-sourceip.
#[test]
fn documented_source_ip_policies() {
    let deny = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*",
        "Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]},"Bool":{"aws:ViaAWSService":"false"}}}}"#;
    let from = |ip: &'static str, via: &'static str| {
        req("ec2:RunInstances", "*", &[(SOURCE_IP, &[ip]), ("aws:ViaAWSService", &[via])])
    };
    let cases: &[(Request, Outcome)] = &[
        (from("192.0.2.10", "false"), ALLOW),
        (from("203.0.113.200", "false"), ALLOW),
        (from("198.51.100.7", "false"), DENY),
        (from("198.51.100.7", "true"), ALLOW),
        (from("2001:db8::7", "false"), DENY),
        (req("ec2:RunInstances", "*", &[("aws:ViaAWSService", &["false"])]), DENY),
    ];
    for (request, expected) in cases {
        check_all(&[ALLOW_ALL, deny], None, request, *expected);
    }
    check(deny, &from("192.0.2.10", "false"), IMPLICIT);
    let put = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"PrincipalPutObjectIfIpAddress","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET3/*",
         "Condition":{"Bool":{"aws:ViaAWSService":"false"},"IpAddress":{"aws:SourceIp":"203.0.113.0"}}},
        {"Sid":"ServicePutObject","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET/*",
         "Condition":{"Bool":{"aws:ViaAWSService":"true"}}}]}"#;
    let put_at = |bucket: &str, context: Ctx| req("s3:PutObject", &format!("arn:aws:s3:::{bucket}/k"), context);
    let cases: &[(Request, Outcome)] = &[
        (put_at("DOC-EXAMPLE-BUCKET3", &[(SOURCE_IP, &["203.0.113.0"]), ("aws:ViaAWSService", &["false"])]), ALLOW),
        (put_at("DOC-EXAMPLE-BUCKET3", &[(SOURCE_IP, &["203.0.113.1"]), ("aws:ViaAWSService", &["false"])]), IMPLICIT),
        (put_at("DOC-EXAMPLE-BUCKET3", &[(SOURCE_IP, &["203.0.113.0"]), ("aws:ViaAWSService", &["true"])]), IMPLICIT),
        (put_at("DOC-EXAMPLE-BUCKET3", &[("aws:ViaAWSService", &["false"])]), IMPLICIT),
        (put_at("DOC-EXAMPLE-BUCKET", &[("aws:ViaAWSService", &["true"])]), ALLOW),
        (put_at("DOC-EXAMPLE-BUCKET", &[(SOURCE_IP, &["203.0.113.0"]), ("aws:ViaAWSService", &["false"])]), IMPLICIT),
    ];
    for (request, expected) in cases {
        check(put, request, *expected);
    }
}

const NOW: &str = "aws:CurrentTime";

// reference_policies_examples_aws-dates.html: allowed after 2020-04-01T00:00:00Z and before
// 2020-06-30T23:59:59Z (DateGreaterThan AND DateLessThan on aws:CurrentTime). #Conditions_Date:
// W3C ISO 8601 dates or epoch time; aws:CurrentTime is always in the request context.
#[test]
fn current_time_window() {
    let window = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"service-prefix:action-name","Resource":"*",
        "Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}}]}"#;
    let at = |time: &'static str| req("service-prefix:action-name", "*", &[(NOW, &[time])]);
    let cases: &[(Request, Outcome)] = &[
        (at("2020-04-01T00:00:01Z"), ALLOW),
        (at("2020-05-15T12:00:00Z"), ALLOW),
        (at("2020-06-30T23:59:58Z"), ALLOW),
        (at("2020-04-01T00:00:00Z"), IMPLICIT),
        (at("2020-06-30T23:59:59Z"), IMPLICIT),
        (at("2020-03-31T23:59:59Z"), IMPLICIT),
        (at("2020-07-01T00:00:00Z"), IMPLICIT),
        (at("2021-05-15T12:00:00Z"), IMPLICIT),
        // The same instants written with offsets, fractions or without seconds.
        (at("2020-04-01T02:00:01+02:00"), ALLOW),
        (at("2020-03-31T20:00:01-04:00"), ALLOW),
        (at("2020-04-01T01:30:00+02:00"), IMPLICIT),
        (at("2020-06-30T23:59:58.999Z"), ALLOW),
        (at("2020-06-30T23:59:59.001Z"), IMPLICIT),
        (at("2020-05-15T12:00Z"), ALLOW),
        (at("next tuesday"), IMPLICIT),
        (req("service-prefix:action-name", "*", &[]), IMPLICIT),
        (req("service-prefix:other-action", "*", &[(NOW, &["2020-05-15T12:00:00Z"])]), IMPLICIT),
    ];
    for (request, expected) in cases {
        check(window, request, *expected);
    }
    let t: &[CondCase] = &[
        (
            r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-04-01T00:00:00Z"}}"#,
            &[(NOW, &["2020-04-01T00:00:00Z"])],
            true,
        ),
        (
            r#"{"DateLessThanEquals":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}"#,
            &[(NOW, &["2020-06-30T23:59:59Z"])],
            true,
        ),
        (r#"{"DateEquals":{"aws:CurrentTime":"1585699200"}}"#, &[(NOW, &["2020-04-01T00:00:00Z"])], true),
        (
            r#"{"DateGreaterThan":{"aws:EpochTime":"2020-04-01T00:00:00Z"}}"#,
            &[("aws:EpochTime", &["1585699201"])],
            true,
        ),
        (
            r#"{"DateGreaterThan":{"aws:EpochTime":"2020-04-01T00:00:00Z"}}"#,
            &[("aws:EpochTime", &["1585699200"])],
            false,
        ),
        (r#"{"DateEquals":{"aws:EpochTime":"1585699200"}}"#, &[("aws:EpochTime", &["2020-04-01T00:00:00Z"])], true),
        (
            r#"{"DateNotEquals":{"aws:CurrentTime":"2020-04-01T00:00:00Z"}}"#,
            &[(NOW, &["2020-04-01T00:00:00.001Z"])],
            true,
        ),
        (
            r#"{"DateNotEquals":{"aws:CurrentTime":["2020-04-01T00:00:00Z","2020-05-01T00:00:00Z"]}}"#,
            &[(NOW, &["2020-05-01T00:00:00Z"])],
            false,
        ),
        (
            r#"{"DateLessThan":{"aws:CurrentTime":["2020-01-01T00:00:00Z","2021-01-01T00:00:00Z"]}}"#,
            &[(NOW, &["2020-06-01T00:00:00Z"])],
            true,
        ),
        (r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"}}"#, &[(NOW, &["garbage"])], false),
        (r#"{"DateGreaterThanIfExists":{"aws:CurrentTime":"2020-04-01T00:00:00Z"}}"#, &[], true),
        (
            r#"{"DateLessThan":{"AWS:CURRENTTIME":"2020-04-01T00:00:00Z"}}"#,
            &[("aws:currenttime", &["2020-03-01T00:00:00Z"])],
            true,
        ),
    ];
    condition_table(t);
}

// ...#Conditions_Null: aws:TokenIssueTime exists only with temporary credentials; the documented
// statement allows the EC2 API only when it is absent. ...#Conditions_Date: the DateGreaterThan
// aws:TokenIssueTime example denies users without temporary credentials (key missing).
#[test]
fn token_issue_time() {
    let no_temp = r#"{"Version":"2012-10-17","Statement":{"Action":"ec2:*","Effect":"Allow","Resource":"*","Condition":{"Null":{"aws:TokenIssueTime":"true"}}}}"#;
    let fresh = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::account-id:user/*",
        "Condition":{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}}}"#;
    let issued = ("aws:TokenIssueTime", &["2020-06-01T08:00:00Z"][..]);
    let old = ("aws:TokenIssueTime", &["2019-12-31T23:00:00Z"][..]);
    let user = "arn:aws:iam::account-id:user/ann";
    let cases: &[(&str, Request, Outcome)] = &[
        (no_temp, req("ec2:DescribeInstances", "*", &[]), ALLOW),
        (no_temp, req("ec2:DescribeInstances", "*", &[issued]), IMPLICIT),
        (no_temp, req("s3:GetObject", "*", &[]), IMPLICIT),
        (fresh, req("iam:CreateAccessKey", user, &[issued]), ALLOW),
        (fresh, req("iam:UpdateAccessKey", user, &[old]), IMPLICIT),
        (fresh, req("iam:ListAccessKeys", user, &[]), IMPLICIT),
        (fresh, req("iam:CreateAccessKey", "arn:aws:iam::account-id:role/r", &[issued]), IMPLICIT),
    ];
    for (policy, request, expected) in cases {
        check(policy, request, *expected);
    }
}

// reference_policies_elements_condition_operators.html#Conditions_ARN: the SQS queue policy that
// lets SNS send messages only on behalf of one topic (Principal AWS 123456789012, ArnEquals
// aws:SourceArn); a direct call has no aws:SourceArn and the condition returns false.
// reference_policies_condition-keys.html#condition-keys-principalaccount: StringEquals on the
// caller's account.
#[test]
fn source_arn_and_principal_account() {
    let queue = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},
        "Action":"SQS:SendMessage","Resource":"arn:aws:sqs:us-east-2:123456789012:QUEUE-ID",
        "Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-2:123456789012:TOPIC-ID"}}}}"#;
    let send = |resource: &str, source: Option<&'static str>, who: &str| {
        let mut request = req("sqs:SendMessage", resource, &[]);
        if let Some(arn) = source {
            request.context.insert("aws:SourceArn", [arn]);
        }
        request.with_principal(RequestPrincipal::new(PrincipalKind::Aws, who))
    };
    let q = "arn:aws:sqs:us-east-2:123456789012:QUEUE-ID";
    let me = "arn:aws:iam::123456789012:role/sns-delivery";
    let cases: &[(Request, Outcome)] = &[
        (send(q, Some("arn:aws:sns:us-east-2:123456789012:TOPIC-ID"), me), ALLOW),
        (send(q, Some("arn:aws:sns:us-east-2:123456789012:OTHER-TOPIC"), me), IMPLICIT),
        (send(q, Some("arn:aws:sns:us-east-2:123456789012:topic-id"), me), IMPLICIT),
        (send(q, Some("arn:aws:sns:us-west-2:123456789012:TOPIC-ID"), me), IMPLICIT),
        (send(q, None, me), IMPLICIT),
        (send(q, Some("arn:aws:sns:us-east-2:123456789012:TOPIC-ID"), "arn:aws:iam::999999999999:role/r"), IMPLICIT),
        (
            send("arn:aws:sqs:us-east-2:123456789012:OTHER", Some("arn:aws:sns:us-east-2:123456789012:TOPIC-ID"), me),
            IMPLICIT,
        ),
    ];
    for (request, expected) in cases {
        check(queue, request, *expected);
    }
    let t: &[CondCase] = &[
        (
            r#"{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}"#,
            &[("aws:PrincipalAccount", &["123456789012"])],
            true,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}"#,
            &[("aws:PrincipalAccount", &["anonymous"])],
            false,
        ),
        (
            r#"{"StringNotEquals":{"aws:PrincipalAccount":["111111111111","222222222222"]}}"#,
            &[("aws:PrincipalAccount", &["222222222222"])],
            false,
        ),
        (
            r#"{"StringNotEquals":{"aws:PrincipalAccount":["111111111111","222222222222"]}}"#,
            &[("aws:PrincipalAccount", &["333333333333"])],
            true,
        ),
        (
            r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/department":["finance","hr","legal"],"aws:PrincipalTag/role":["audit","security"]},"StringEquals":{"aws:PrincipalAccount":"123456789012"}}"#,
            &[
                ("aws:PrincipalTag/department", &["HR"]),
                ("aws:PrincipalTag/role", &["Audit"]),
                ("aws:PrincipalAccount", &["123456789012"]),
            ],
            true,
        ),
        (
            r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/department":["finance","hr","legal"],"aws:PrincipalTag/role":["audit","security"]},"StringEquals":{"aws:PrincipalAccount":"123456789012"}}"#,
            &[("aws:PrincipalTag/department", &["HR"]), ("aws:PrincipalAccount", &["123456789012"])],
            false,
        ),
        (
            r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/department":["finance","hr","legal"],"aws:PrincipalTag/role":["audit","security"]},"StringEquals":{"aws:PrincipalAccount":"123456789012"}}"#,
            &[
                ("aws:PrincipalTag/department", &["it"]),
                ("aws:PrincipalTag/role", &["audit"]),
                ("aws:PrincipalAccount", &["123456789012"]),
            ],
            false,
        ),
        (
            r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/department":["finance","hr","legal"],"aws:PrincipalTag/role":["audit","security"]},"StringEquals":{"aws:PrincipalAccount":"123456789012"}}"#,
            &[
                ("aws:PrincipalTag/department", &["hr"]),
                ("aws:PrincipalTag/role", &["audit"]),
                ("aws:PrincipalAccount", &["999999999999"]),
            ],
            false,
        ),
    ];
    condition_table(t);
}
