//! String condition operators, and how keys and values combine inside a Condition element.

use crate::*;

// reference_policies_elements_condition_operators.html#Conditions_String: StringEquals is exact
// and case sensitive, IgnoreCase ignores case, StringLike takes `*` and `?`; the Not forms negate.
#[test]
fn string_operators() {
    let t: &[CondCase] = &[
        (r#"{"StringEquals":{"aws:PrincipalTag/job":"admin"}}"#, &[("aws:PrincipalTag/job", &["admin"])], true),
        (r#"{"StringEquals":{"aws:PrincipalTag/job":"admin"}}"#, &[("aws:PrincipalTag/job", &["Admin"])], false),
        (r#"{"StringEquals":{"aws:PrincipalTag/job":"admin"}}"#, &[("aws:PrincipalTag/job", &["admins"])], false),
        (r#"{"StringEquals":{"aws:PrincipalTag/job":"adm*"}}"#, &[("aws:PrincipalTag/job", &["admin"])], false),
        (r#"{"StringEquals":{"aws:PrincipalTag/job":"adm*"}}"#, &[("aws:PrincipalTag/job", &["adm*"])], true),
        (r#"{"StringEquals":{"k":""}}"#, &[("k", &[""])], true),
        (r#"{"StringNotEquals":{"k":"a"}}"#, &[("k", &["b"])], true),
        (r#"{"StringNotEquals":{"k":"a"}}"#, &[("k", &["a"])], false),
        (r#"{"StringNotEquals":{"k":"a"}}"#, &[("k", &["A"])], true),
        (r#"{"StringEqualsIgnoreCase":{"k":"Admin"}}"#, &[("k", &["aDMIN"])], true),
        (r#"{"StringEqualsIgnoreCase":{"k":"Admin"}}"#, &[("k", &["admins"])], false),
        (r#"{"StringEqualsIgnoreCase":{"k":"ÉTÉ"}}"#, &[("k", &["été"])], true),
        (r#"{"StringNotEqualsIgnoreCase":{"k":"Admin"}}"#, &[("k", &["ADMIN"])], false),
        (r#"{"StringNotEqualsIgnoreCase":{"k":"Admin"}}"#, &[("k", &["user"])], true),
        (r#"{"StringLike":{"s3:prefix":"home/*"}}"#, &[("s3:prefix", &["home/ann/"])], true),
        (r#"{"StringLike":{"s3:prefix":"home/*"}}"#, &[("s3:prefix", &["Home/ann/"])], false),
        (r#"{"StringLike":{"s3:prefix":"home/*"}}"#, &[("s3:prefix", &["home"])], false),
        (r#"{"StringLike":{"s3:prefix":"home/?"}}"#, &[("s3:prefix", &["home/a"])], true),
        (r#"{"StringLike":{"s3:prefix":"home/?"}}"#, &[("s3:prefix", &["home/ab"])], false),
        (r#"{"StringLike":{"s3:prefix":"*"}}"#, &[("s3:prefix", &[""])], true),
        (r#"{"StringLike":{"s3:prefix":""}}"#, &[("s3:prefix", &[""])], true),
        (r#"{"StringLike":{"s3:prefix":""}}"#, &[("s3:prefix", &["x"])], false),
        (r#"{"StringLike":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}"#, &[("ec2:InstanceType", &["t2.micro"])], true),
        (
            r#"{"StringLike":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}"#,
            &[("ec2:InstanceType", &["c5.large"])],
            false,
        ),
        (r#"{"StringNotLike":{"k":"key1*"}}"#, &[("k", &["key2"])], true),
        (r#"{"StringNotLike":{"k":"key1*"}}"#, &[("k", &["key1:x"])], false),
        (r#"{"StringNotLike":{"k":["a*","b*"]}}"#, &[("k", &["c"])], true),
        (r#"{"StringNotLike":{"k":["a*","b*"]}}"#, &[("k", &["bz"])], false),
        // Operator names are matched without regard to case.
        (r#"{"stringequals":{"k":"v"}}"#, &[("k", &["v"])], true),
        (r#"{"STRINGLIKE":{"k":"v*"}}"#, &[("k", &["vv"])], true),
    ];
    assert!(rows(t) >= 30);
    condition_table(t);
}

// reference_policies_multi-value-conditions.html "Evaluation logic for multiple context keys or
// values": operators AND'ed, keys in one operator AND'ed, values of one key OR'ed, values of a
// negated operator NOR'ed. reference_policies_variables.html: key names are case-insensitive.
#[test]
fn keys_values_and_operators_combine() {
    let t: &[CondCase] = &[
        (r#"{"StringEquals":{"k":["a","b"]}}"#, &[("k", &["b"])], true),
        (r#"{"StringEquals":{"k":["a","b"]}}"#, &[("k", &["c"])], false),
        (r#"{"StringEquals":{"k1":"a","k2":"b"}}"#, &[("k1", &["a"]), ("k2", &["b"])], true),
        (r#"{"StringEquals":{"k1":"a","k2":"b"}}"#, &[("k1", &["a"]), ("k2", &["x"])], false),
        (r#"{"StringEquals":{"k1":"a","k2":"b"}}"#, &[("k1", &["a"])], false),
        (r#"{"StringEquals":{"k1":"a"},"StringLike":{"k2":"b*"}}"#, &[("k1", &["a"]), ("k2", &["bb"])], true),
        (r#"{"StringEquals":{"k1":"a"},"StringLike":{"k2":"b*"}}"#, &[("k1", &["a"]), ("k2", &["cb"])], false),
        (r#"{"StringEquals":{"k1":"a"},"StringLike":{"k2":"b*"}}"#, &[("k1", &["x"]), ("k2", &["bb"])], false),
        (r#"{"StringNotEquals":{"k":["a","b"]}}"#, &[("k", &["a"])], false),
        (r#"{"StringNotEquals":{"k":["a","b"]}}"#, &[("k", &["b"])], false),
        (r#"{"StringNotEquals":{"k":["a","b"]}}"#, &[("k", &["c"])], true),
        (r#"{"StringEquals":{"AWS:PrincipalTag/Dept":"x"}}"#, &[("aws:principaltag/dept", &["x"])], true),
        (r#"{"StringEquals":{"aws:principaltag/dept":"x"}}"#, &[("AWS:PrincipalTag/DEPT", &["x"])], true),
        (r#"{"StringEquals":{"aws:CurrentTime":"x"}}"#, &[("AWS:currenttime", &["x"])], true),
        (r#"{"StringEquals":{"k":"v"}}"#, &[("k", &["V"])], false),
        (
            r#"{"StringEquals":{"sns:Protocol":"https"},"StringLike":{"sns:endpoint":"https://example.com/*"}}"#,
            &[("sns:Protocol", &["https"]), ("sns:Endpoint", &["https://example.com/a"])],
            true,
        ),
        (
            r#"{"StringEquals":{"sns:Protocol":"https"},"StringLike":{"sns:endpoint":"https://example.com/*"}}"#,
            &[("sns:Protocol", &["http"]), ("sns:Endpoint", &["https://example.com/a"])],
            false,
        ),
    ];
    condition_table(t);
}
