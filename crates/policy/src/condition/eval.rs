//! Evaluating a `Condition` element against the request context, with IAM's rules for missing
//! keys, `...IfExists`, `Null`, negated operators and the `ForAnyValue`/`ForAllValues` sets.

use super::values::{self, parse_base64, parse_date, parse_number};
use super::{Check, Conditions, Family, SetOp, Values};
use crate::context::Context;

/// A policy variable in a condition value had no value and no default: IAM then treats the
/// condition as false whatever the operator, so the statement does not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unresolved;

impl Conditions {
    /// Whether every check holds (operator blocks and keys are AND'ed).
    pub(crate) fn holds(&self, ctx: &Context) -> Result<bool, Unresolved> {
        for check in &self.checks {
            if !check.holds(ctx)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

impl Check {
    fn holds(&self, ctx: &Context) -> Result<bool, Unresolved> {
        // An empty value set counts as a missing key ("resolves to an empty data set").
        let present = ctx.get_lower(&self.key).filter(|v| !v.is_empty());
        if let Values::Null(wanted) = &self.values {
            return Ok(wanted.iter().any(|&null| null == present.is_none()));
        }
        let op = self.operator;
        let Some(request) = present else {
            return Ok(match op.set {
                // Negated operators match a missing key; IfExists makes any operator match it.
                SetOp::Single => op.if_exists || op.negated,
                SetOp::ForAnyValue => op.if_exists,
                SetOp::ForAllValues => true,
            });
        };
        match op.set {
            // Without a set prefix the operator asks whether the key (any of its values) matches
            // one of the policy values; the negated form is the complement of that answer.
            SetOp::Single => Ok(self.any_request_value_matches(request, ctx)? != op.negated),
            SetOp::ForAnyValue => {
                for value in request {
                    if self.value_holds(value, ctx)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            SetOp::ForAllValues => {
                for value in request {
                    if !self.value_holds(value, ctx)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
        }
    }

    fn any_request_value_matches(&self, request: &[String], ctx: &Context) -> Result<bool, Unresolved> {
        for value in request {
            if self.matches_any(value, ctx)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// One request value under the operator, negation included: a negated operator holds for a
    /// value that matches none of the policy values (NOR).
    fn value_holds(&self, value: &str, ctx: &Context) -> Result<bool, Unresolved> {
        Ok(self.matches_any(value, ctx)? != self.operator.negated)
    }

    /// Whether one request value matches any policy value (values are OR'ed). Every value is
    /// resolved, so an unresolvable variable voids the condition whichever value comes first.
    fn matches_any(&self, value: &str, ctx: &Context) -> Result<bool, Unresolved> {
        Ok(match (&self.operator.family, &self.values) {
            (Family::StringEquals { ignore_case }, Values::Text(policy)) => {
                any_resolved(policy, |t| t.equals(value, ctx, *ignore_case))?
            }
            (Family::StringLike, Values::Text(policy)) => any_resolved(policy, |t| t.matches(value, ctx, false))?,
            (Family::Bool, Values::Text(policy)) => any_resolved(policy, |t| t.equals(value, ctx, true))?,
            (Family::Arn, Values::Arns(policy)) => any_resolved(policy, |p| p.matches(value, ctx))?,
            (Family::Numeric(cmp), Values::Numbers(policy)) => {
                parse_number(value).is_some_and(|n| policy.iter().any(|p| cmp.holds(&n, p)))
            }
            (Family::Date(cmp), Values::Dates(policy)) => {
                parse_date(value).is_some_and(|d| policy.iter().any(|p| cmp.holds(&d, p)))
            }
            (Family::Binary, Values::Bytes(policy)) => parse_base64(value).is_some_and(|b| policy.contains(&b)),
            (Family::Ip, Values::Nets(policy)) => policy.iter().any(|net: &values::IpNet| net.contains(value)),
            _ => false,
        })
    }
}

fn any_resolved<T>(policy: &[T], mut matches: impl FnMut(&T) -> Option<bool>) -> Result<bool, Unresolved> {
    let mut any = false;
    for value in policy {
        any |= matches(value).ok_or(Unresolved)?;
    }
    Ok(any)
}
