//! The `Condition` element: operators (with `...IfExists` and the `ForAnyValue:`/`ForAllValues:`
//! set prefixes), their keys and values, compiled once into typed form.

mod eval;
mod values;

use serde_json::{Map, Value};

use crate::arn::{ArnPattern, ArnRule};
use crate::error::PolicyError;
use crate::pattern::{Syntax, Template};
use values::{Cmp, IpNet};

/// How an operator treats a key with several values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Single,
    ForAnyValue,
    ForAllValues,
}

/// The operator family, which decides how values are parsed and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    StringEquals { ignore_case: bool },
    StringLike,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    family: Family,
    negated: bool,
    if_exists: bool,
    set: SetOp,
}

/// The policy values of one condition key, in the form its operator compares.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    Text(Vec<Template>),
    Numbers(Vec<f64>),
    Dates(Vec<chrono::DateTime<chrono::Utc>>),
    Bytes(Vec<Vec<u8>>),
    Nets(Vec<IpNet>),
    Arns(Vec<ArnPattern>),
    Null(Vec<bool>),
}

/// One operator applied to one key.
#[derive(Debug, Clone, PartialEq)]
struct Check {
    operator: Operator,
    /// Lowercased: condition key names are case-insensitive.
    key: String,
    values: Values,
}

/// A statement's whole `Condition` element: every check must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conditions {
    checks: Vec<Check>,
}

impl Conditions {
    pub(crate) fn parse(value: &Value, variables: bool) -> Result<Self, PolicyError> {
        let Value::Object(block) = value else {
            return Err(PolicyError::InvalidConditionBlock("Condition".to_owned()));
        };
        let mut checks = Vec::new();
        for (name, keys) in block {
            let operator = parse_operator(name)?;
            let Value::Object(keys) = keys else {
                return Err(PolicyError::InvalidConditionBlock(name.clone()));
            };
            parse_keys(name, operator, keys, variables, &mut checks)?;
        }
        Ok(Self { checks })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }
}

fn parse_keys(
    name: &str,
    operator: Operator,
    keys: &Map<String, Value>,
    variables: bool,
    checks: &mut Vec<Check>,
) -> Result<(), PolicyError> {
    for (key, raw) in keys {
        let texts = value_texts(raw).ok_or_else(|| invalid(name, key, &raw.to_string()))?;
        let values = parse_values(operator.family, &texts, variables).map_err(|bad| match bad {
            Bad::Value(value) => invalid(name, key, &value),
            Bad::Policy(error) => error,
        })?;
        checks.push(Check { operator, key: key.to_ascii_lowercase(), values });
    }
    Ok(())
}

fn invalid(operator: &str, key: &str, value: &str) -> PolicyError {
    PolicyError::InvalidConditionValue { operator: operator.to_owned(), key: key.to_owned(), value: value.to_owned() }
}

/// A condition value as text: IAM accepts strings, numbers and booleans, alone or in a list.
fn value_texts(value: &Value) -> Option<Vec<String>> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) if !items.is_empty() => items.iter().map(one).collect(),
        Value::Array(_) => None,
        other => one(other).map(|s| vec![s]),
    }
}

fn parse_operator(name: &str) -> Result<Operator, PolicyError> {
    let unknown = || PolicyError::UnknownOperator(name.to_owned());
    let lower = name.to_ascii_lowercase();
    let (set, rest) = if let Some(rest) = lower.strip_prefix("foranyvalue:") {
        (SetOp::ForAnyValue, rest)
    } else if let Some(rest) = lower.strip_prefix("forallvalues:") {
        (SetOp::ForAllValues, rest)
    } else {
        (SetOp::Single, lower.as_str())
    };
    let (if_exists, base) = match rest.strip_suffix("ifexists") {
        Some(base) => (true, base),
        None => (false, rest),
    };
    let (family, negated) = parse_family(base).ok_or_else(unknown)?;
    // `Null` tests existence itself, so IAM allows neither IfExists nor a set prefix on it.
    if family == Family::Null && (if_exists || set != SetOp::Single) {
        return Err(unknown());
    }
    Ok(Operator { family, negated, if_exists, set })
}

fn parse_family(base: &str) -> Option<(Family, bool)> {
    let string = |ignore_case| Family::StringEquals { ignore_case };
    Some(match base {
        "stringequals" => (string(false), false),
        "stringnotequals" => (string(false), true),
        "stringequalsignorecase" => (string(true), false),
        "stringnotequalsignorecase" => (string(true), true),
        "stringlike" => (Family::StringLike, false),
        "stringnotlike" => (Family::StringLike, true),
        "bool" => (Family::Bool, false),
        "binaryequals" => (Family::Binary, false),
        "ipaddress" => (Family::Ip, false),
        "notipaddress" => (Family::Ip, true),
        "arnequals" | "arnlike" => (Family::Arn, false),
        "arnnotequals" | "arnnotlike" => (Family::Arn, true),
        "null" => (Family::Null, false),
        _ => return parse_ordered(base),
    })
}

/// `Numeric*` and `Date*`: the same six comparisons.
fn parse_ordered(base: &str) -> Option<(Family, bool)> {
    let (rest, date) = match base.strip_prefix("numeric") {
        Some(rest) => (rest, false),
        None => (base.strip_prefix("date")?, true),
    };
    let (cmp, negated) = match rest {
        "equals" => (Cmp::Equal, false),
        "notequals" => (Cmp::Equal, true),
        "lessthan" => (Cmp::Less, false),
        "lessthanequals" => (Cmp::LessEqual, false),
        "greaterthan" => (Cmp::Greater, false),
        "greaterthanequals" => (Cmp::GreaterEqual, false),
        _ => return None,
    };
    Some((if date { Family::Date(cmp) } else { Family::Numeric(cmp) }, negated))
}

enum Bad {
    Value(String),
    Policy(PolicyError),
}

/// Parses the values for a family. Policy variables apply to the string, Bool and ARN
/// families only, as IAM documents; other families read `${...}` as an invalid value.
fn parse_values(family: Family, texts: &[String], variables: bool) -> Result<Values, Bad> {
    let typed = |parse: &dyn Fn(&str) -> bool| match texts.iter().find(|t| !parse(t)) {
        Some(bad) => Err(Bad::Value(bad.clone())),
        None => Ok(()),
    };
    let templates = |wildcards| {
        texts
            .iter()
            .map(|t| Template::parse(t, Syntax { variables, wildcards }).map_err(Bad::Policy))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(match family {
        Family::StringEquals { .. } | Family::Bool => Values::Text(templates(false)?),
        Family::StringLike => Values::Text(templates(true)?),
        Family::Numeric(_) => {
            typed(&|t| values::parse_number(t).is_some())?;
            Values::Numbers(texts.iter().filter_map(|t| values::parse_number(t)).collect())
        }
        Family::Date(_) => {
            typed(&|t| values::parse_date(t).is_some())?;
            Values::Dates(texts.iter().filter_map(|t| values::parse_date(t)).collect())
        }
        Family::Binary => {
            typed(&|t| values::parse_base64(t).is_some())?;
            Values::Bytes(texts.iter().filter_map(|t| values::parse_base64(t)).collect())
        }
        Family::Ip => {
            typed(&|t| IpNet::parse(t).is_some())?;
            Values::Nets(texts.iter().filter_map(|t| IpNet::parse(t)).collect())
        }
        Family::Arn => Values::Arns(
            texts
                .iter()
                .map(|t| ArnPattern::parse(t, variables, ArnRule::Condition).map_err(Bad::Policy))
                .collect::<Result<_, _>>()?,
        ),
        Family::Null => {
            typed(&|t| t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false"))?;
            Values::Null(texts.iter().map(|t| t.eq_ignore_ascii_case("true")).collect())
        }
    })
}
