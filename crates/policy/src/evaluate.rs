//! IAM's decision: an explicit `Deny` in any policy wins; otherwise a request is allowed only if an
//! identity policy allows it and, when session policies were passed, a session policy allows it
//! too; anything else is an implicit deny.

use std::slice;

use crate::arn::ArnPattern;
use crate::context::{Context, Request, RequestPrincipal};
use crate::pattern::Template;
use crate::policy::{ActionElement, Effect, Policy, PrincipalElement, ResourceElement, Statement};

/// Which group of policies a statement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicySet {
    Identity,
    Session,
}

/// The statement behind a decision: its policy group, indexes and Sid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementRef<'p> {
    pub set: PolicySet,
    pub policy: usize,
    pub statement: usize,
    pub sid: Option<&'p str>,
}

/// The three outcomes IAM distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

/// An authorization decision with the statements that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision<'p> {
    /// The first identity statement that allows, and the first session statement that allows
    /// when session policies were passed.
    Allow {
        identity: StatementRef<'p>,
        session: Option<StatementRef<'p>>,
    },
    /// The first `Deny` statement that applies.
    ExplicitDeny(StatementRef<'p>),
    ImplicitDeny,
}

impl<'p> Decision<'p> {
    pub fn outcome(&self) -> Outcome {
        match self {
            Decision::Allow { .. } => Outcome::Allow,
            Decision::ExplicitDeny(_) => Outcome::ExplicitDeny,
            Decision::ImplicitDeny => Outcome::ImplicitDeny,
        }
    }

    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }

    /// The statements the decision rests on (none for an implicit deny).
    pub fn matched(&self) -> Vec<StatementRef<'p>> {
        match *self {
            Decision::Allow { identity, session } => std::iter::once(identity).chain(session).collect(),
            Decision::ExplicitDeny(deny) => vec![deny],
            Decision::ImplicitDeny => Vec::new(),
        }
    }
}

/// Evaluates a request against identity policies and, optionally, session policies (whose
/// permissions intersect with the identity policies': `Some(&[])` allows nothing).
pub fn evaluate<'p>(identity: &'p [Policy], session: Option<&'p [Policy]>, request: &Request) -> Decision<'p> {
    let identity_allow = match scan(PolicySet::Identity, identity, request) {
        Err(deny) => return Decision::ExplicitDeny(deny),
        Ok(allow) => allow,
    };
    let session_allow = match session.map(|policies| scan(PolicySet::Session, policies, request)) {
        Some(Err(deny)) => return Decision::ExplicitDeny(deny),
        Some(Ok(None)) => return Decision::ImplicitDeny,
        Some(Ok(Some(allow))) => Some(allow),
        None => None,
    };
    match identity_allow {
        Some(identity) => Decision::Allow { identity, session: session_allow },
        None => Decision::ImplicitDeny,
    }
}

/// Evaluates a role trust policy (or any resource policy) on its own.
pub fn evaluate_trust<'p>(trust: &'p Policy, request: &Request) -> Decision<'p> {
    evaluate(slice::from_ref(trust), None, request)
}

/// Whether a role trust policy lets an identity-pool identity assume the role: principal
/// `{"Federated": "cognito-identity.amazonaws.com"}`, action `sts:AssumeRoleWithWebIdentity`,
/// with the identity pool id as `cognito-identity.amazonaws.com:aud`, the identity id as `:sub`
/// and the token's `amr` values (multi-valued) as `:amr`.
pub fn evaluate_web_identity_trust<'p>(
    trust: &'p Policy,
    identity_pool_id: &str,
    identity_id: &str,
    amr: &[String],
) -> Decision<'p> {
    let mut context = Context::new();
    context
        .insert("cognito-identity.amazonaws.com:aud", [identity_pool_id])
        .insert("cognito-identity.amazonaws.com:sub", [identity_id])
        .insert("cognito-identity.amazonaws.com:amr", amr.iter().cloned());
    let request = Request {
        principal: Some(RequestPrincipal::cognito_identity()),
        action: "sts:AssumeRoleWithWebIdentity".to_owned(),
        resource: String::new(),
        context,
    };
    evaluate_trust(trust, &request)
}

/// The first allowing statement, or the first applicable `Deny`.
fn scan<'p>(
    set: PolicySet,
    policies: &'p [Policy],
    request: &Request,
) -> Result<Option<StatementRef<'p>>, StatementRef<'p>> {
    let mut allow = None;
    for (policy, document) in policies.iter().enumerate() {
        for (index, statement) in document.statements().iter().enumerate() {
            if !statement.applies(request) {
                continue;
            }
            let found = StatementRef { set, policy, statement: index, sid: statement.sid() };
            match statement.effect() {
                Effect::Deny => return Err(found),
                Effect::Allow => {
                    allow.get_or_insert(found);
                }
            }
        }
    }
    Ok(allow)
}

impl Statement {
    /// Whether the statement applies to the request: action, resource, principal and every
    /// condition match. Cheapest checks first.
    pub fn applies(&self, request: &Request) -> bool {
        self.action_matches(&request.action, &request.context)
            && self.resource_matches(&request.resource, &request.context)
            && self.principal_matches(request.principal.as_ref())
            && self.conditions.holds(&request.context)
    }

    /// Action patterns hold no variables, so the context is never consulted.
    fn action_matches(&self, action: &str, ctx: &Context) -> bool {
        let any = |patterns: &[Template]| patterns.iter().any(|p| p.matches(action, ctx, true) == Some(true));
        match &self.action {
            ActionElement::Action(patterns) => any(patterns),
            ActionElement::NotAction(patterns) => !any(patterns),
        }
    }

    /// A pattern whose variable has no value "will not match any resource", in `Resource` and in
    /// `NotResource` alike (reference_policies_variables.html#policy-vars-no-value): it excludes
    /// nothing from a `NotResource` statement.
    fn resource_matches(&self, resource: &str, ctx: &Context) -> bool {
        let any = |patterns: &[ArnPattern]| patterns.iter().any(|p| p.matches(resource, ctx) == Some(true));
        match &self.resource {
            None => true,
            Some(ResourceElement::Resource(patterns)) => any(patterns),
            Some(ResourceElement::NotResource(patterns)) => !any(patterns),
        }
    }

    fn principal_matches(&self, requester: Option<&RequestPrincipal>) -> bool {
        match &self.principal {
            None => true,
            Some(PrincipalElement::Principal(p)) => p.contains(requester),
            Some(PrincipalElement::NotPrincipal(p)) => !p.contains(requester),
        }
    }
}
