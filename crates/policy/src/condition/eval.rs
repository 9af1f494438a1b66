//! Evaluating a `Condition` element against the request context, with IAM's rules for missing
//! keys, `...IfExists`, `Null`, negated operators and the `ForAnyValue`/`ForAllValues` sets.

use super::values::{self, parse_base64, parse_date, parse_number};
use super::{Check, Conditions, Family, SetOp, Values};
use crate::context::Context;

impl Conditions {
    /// Whether every check holds (operator blocks and keys are AND'ed).
    pub(crate) fn holds(&self, ctx: &Context) -> bool {
        self.checks.iter().all(|check| check.holds(ctx))
    }
}

impl Check {
    fn holds(&self, ctx: &Context) -> bool {
        // An empty value set counts as a missing key ("resolves to an empty data set").
        let present = ctx.get_lower(&self.key).filter(|v| !v.is_empty());
        if let Values::Null(wanted) = &self.values {
            return wanted.iter().any(|&null| null == present.is_none());
        }
        let op = self.operator;
        let Some(request) = present else {
            return match op.set {
                // Negated operators match a missing key; IfExists makes any operator match it.
                SetOp::Single => op.if_exists || op.negated,
                SetOp::ForAnyValue => op.if_exists,
                SetOp::ForAllValues => true,
            };
        };
        match op.set {
            // Without a set prefix the operator asks whether the key (any of its values) matches
            // one of the policy values; the negated form is the complement of that answer.
            SetOp::Single => request.iter().any(|value| self.matches_any(value, ctx)) != op.negated,
            SetOp::ForAnyValue => request.iter().any(|value| self.value_holds(value, ctx)),
            SetOp::ForAllValues => request.iter().all(|value| self.value_holds(value, ctx)),
        }
    }

    /// One request value under the operator, negation included: a negated operator holds for a
    /// value that matches none of the policy values (NOR).
    fn value_holds(&self, value: &str, ctx: &Context) -> bool {
        self.matches_any(value, ctx) != self.operator.negated
    }

    /// Whether one request value matches any policy value (values are OR'ed). A policy value
    /// whose variable has no value (and no default) is "effectively null": it equals and is like
    /// nothing, so positive operators do not match it and negated ones do
    /// (reference_policies_variables.html#policy-vars-no-value).
    fn matches_any(&self, value: &str, ctx: &Context) -> bool {
        match (&self.operator.family, &self.values) {
            (Family::StringEquals { ignore_case }, Values::Text(policy)) => {
                any_resolved(policy, |t| t.equals(value, ctx, *ignore_case))
            }
            (Family::StringLike, Values::Text(policy)) => any_resolved(policy, |t| t.matches(value, ctx, false)),
            (Family::Bool, Values::Text(policy)) => any_resolved(policy, |t| t.equals(value, ctx, true)),
            (Family::Arn, Values::Arns(policy)) => any_resolved(policy, |p| p.matches(value, ctx)),
            (Family::Numeric(cmp), Values::Numbers(policy)) => {
                parse_number(value).is_some_and(|n| policy.iter().any(|p| cmp.holds(&n, p)))
            }
            (Family::Date(cmp), Values::Dates(policy)) => {
                parse_date(value).is_some_and(|d| policy.iter().any(|p| cmp.holds(&d, p)))
            }
            (Family::Binary, Values::Bytes(policy)) => parse_base64(value).is_some_and(|b| policy.contains(&b)),
            (Family::Ip, Values::Nets(policy)) => policy.iter().any(|net: &values::IpNet| net.contains(value)),
            _ => false,
        }
    }
}

/// Whether any policy value matches; an unresolved one (`None`) matches nothing.
fn any_resolved<T>(policy: &[T], matches: impl Fn(&T) -> Option<bool>) -> bool {
    policy.iter().any(|value| matches(value) == Some(true))
}
