//! ARN patterns as IAM matches them: colon-separated segments, each with its own wildcards. In
//! the `Resource` element a `*` that ends a segment may run past the colons that follow; the ARN
//! condition operators check each of the six segments on its own.

use crate::context::Context;
use crate::error::PolicyError;
use crate::pattern::{Syntax, Template};

/// One colon-separated part of an ARN pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    template: Template,
    /// The part may match several value segments (colons included).
    absorbs: bool,
}

/// A compiled ARN pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArnPattern {
    /// `*`: every resource, ARN or not.
    Any,
    Segments(Vec<Segment>),
}

/// Which IAM rule a pattern follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArnRule {
    /// The `Resource`/`NotResource` element.
    Resource,
    /// `ArnEquals`/`ArnLike` and their negations.
    Condition,
}

/// An ARN has six parts: `arn:partition:service:region:account:resource`; the resource part
/// keeps any further colons.
const ARN_PARTS: usize = 6;

impl ArnPattern {
    pub(crate) fn parse(text: &str, variables: bool, rule: ArnRule) -> Result<Self, PolicyError> {
        let template = Template::parse(text, Syntax { variables, wildcards: true })?;
        if template.is_star() {
            return Ok(Self::Any);
        }
        let max = if rule == ArnRule::Resource { usize::MAX } else { ARN_PARTS };
        let parts = template.split_colons(max);
        let count = parts.len();
        let segments = parts
            .into_iter()
            .enumerate()
            .map(|(i, template)| {
                let last = i + 1 == count;
                let absorbs = match rule {
                    ArnRule::Resource => template.ends_with_star(),
                    ArnRule::Condition => last && (count == ARN_PARTS || template.ends_with_star()),
                };
                Segment { template, absorbs }
            })
            .collect();
        Ok(Self::Segments(segments))
    }

    /// Whether `value` matches; `None` when a policy variable cannot be resolved.
    pub(crate) fn matches(&self, value: &str, ctx: &Context) -> Option<bool> {
        match self {
            Self::Any => Some(true),
            Self::Segments(segments) => match_segments(segments, value, ctx),
        }
    }
}

fn match_segments(segments: &[Segment], value: &str, ctx: &Context) -> Option<bool> {
    let Some((segment, rest)) = segments.split_first() else { return Some(value.is_empty()) };
    // Colons in a substituted value (an identity id `us-east-1:...`, an assumed role's
    // `role-id:session`) are the segment's own text, not separators.
    let own = segment.template.literal_colons(ctx)?;
    if rest.is_empty() {
        if !segment.absorbs && value.matches(':').count() != own {
            return Some(false);
        }
        return segment.template.matches(value, ctx, false);
    }
    for (colon, _) in value.match_indices(':').skip(own) {
        if segment.template.matches(&value[..colon], ctx, false)? && match_segments(rest, &value[colon + 1..], ctx)? {
            return Some(true);
        }
        if !segment.absorbs {
            break;
        }
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(rule: ArnRule, pattern: &str, value: &str) -> bool {
        let mut ctx = Context::new();
        ctx.insert("cognito-identity.amazonaws.com:sub", ["us-east-1:abc"]);
        ArnPattern::parse(pattern, true, rule).unwrap().matches(value, &ctx) == Some(true)
    }

    #[test]
    fn resource_segments() {
        use ArnRule::Resource as R;
        assert!(check(R, "*", "anything"));
        assert!(check(R, "arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y:z"));
        assert!(check(R, "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}/*", "arn:aws:s3:::b/us-east-1:abc/k"));
        assert!(!check(R, "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}/*", "arn:aws:s3:::b/us-east-1:x/k"));
        assert!(check(R, "arn:aws:sqs:*", "arn:aws:sqs:us-east-1:123:q"));
        assert!(!check(R, "arn:aws:sqs:us-*-1:123:q", "arn:aws:sqs:us-a:b-1:123:q"));
        assert!(!check(R, "arn:aws:s3:::b", "arn:aws:s3:::b:x"));
        // A substituted value's colons are text, not separators.
        assert!(check(R, "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}", "arn:aws:s3:::b/us-east-1:abc"));
        assert!(!check(R, "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}", "arn:aws:s3:::b/us-east-1:abc:x"));
        assert!(check(
            R,
            "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}:x*",
            "arn:aws:s3:::b/us-east-1:abc:xyz"
        ));
        assert!(!check(R, "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}?", "arn:aws:s3:::b/us-east-1:abc:"));
    }

    #[test]
    fn condition_segments() {
        use ArnRule::Condition as C;
        let pattern = "arn:aws:someservice:*:111122223333:finance/*";
        let value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
        assert!(!check(C, pattern, value));
        assert!(check(C, "arn:aws:sns:*:123:topic", "arn:aws:sns:us-east-1:123:topic"));
        assert!(check(C, "arn:aws:logs:*:123:log-group:*", "arn:aws:logs:r:123:log-group:g:log-stream:s"));
    }
}
