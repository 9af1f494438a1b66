//! Authorization decisions for requests made with temporary credentials: the role's
//! identity policies (inline and attached) ∩ the session's policies (the guest scope-down,
//! or a policy passed to AssumeRole), with the session's condition keys
//! (`cognito-identity.amazonaws.com:*`, `aws:PrincipalTag/*`, `aws:userid`, …) set by Cognate
//! and never by the caller.

use crate::credentials::Session;
use crate::error::internal;
use crate::iam::RoleDoc;
use crate::{Identity, IdentityResult};
use cognate_policy::{Decision, Policy, PolicySet, Request, evaluate};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// How long a role's parsed policies are reused before they are read again (another node
/// may have changed them; this node's own IAM writes clear the cache at once).
const POLICY_TTL_MS: i64 = 1000;

/// A role as decisions need it: its document, its trust policy and its identity policies
/// parsed, with a label for each (`inline:{name}` or the managed policy's ARN). `None` in the
/// cache: no such role.
pub(crate) struct RolePolicies {
    pub role: RoleDoc,
    pub trust: Policy,
    labels: Vec<String>,
    policies: Vec<Policy>,
}

/// When a role was read, and what was found.
type Cached = (i64, Option<Arc<RolePolicies>>);

#[derive(Default)]
pub(crate) struct PolicyCache {
    roles: Mutex<HashMap<String, Cached>>,
}

impl PolicyCache {
    pub fn clear(&self) {
        if let Ok(mut roles) = self.roles.lock() {
            roles.clear();
        }
    }

    fn get(&self, role_arn: &str, now_ms: i64) -> Option<Option<Arc<RolePolicies>>> {
        let roles = self.roles.lock().ok()?;
        roles.get(role_arn).filter(|(at, _)| now_ms - at < POLICY_TTL_MS).map(|(_, p)| p.clone())
    }

    fn put(&self, role_arn: &str, now_ms: i64, policies: Option<Arc<RolePolicies>>) {
        if let Ok(mut roles) = self.roles.lock() {
            if roles.len() > 10_000 {
                roles.clear();
            }
            roles.insert(role_arn.to_owned(), (now_ms, policies));
        }
    }
}

/// A question a service asks about a request made with temporary credentials.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeRequest {
    pub action: String,
    pub resource: String,
    /// Condition keys the service knows (`s3:prefix`, `aws:SourceIp`, …).
    pub context: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatchedStatement {
    /// `inline:{name}`, a managed policy's ARN, `session` (AssumeRole's policy) or
    /// `guest-session-policy`.
    pub policy: String,
    pub sid: Option<String>,
    pub effect: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizeResponse {
    pub allowed: bool,
    /// The assumed-role ARN of the session.
    pub principal: String,
    pub matched: Vec<MatchedStatement>,
}

/// Condition keys that describe the principal or its session.
const RESERVED_PREFIXES: &[&str] = &[
    "aws:principal",
    "aws:userid",
    "aws:username",
    "aws:tokenissuetime",
    "aws:federatedprovider",
    "aws:sourceidentity",
    "aws:multifactorauth",
    "aws:viaawsservice",
    "aws:calledvia",
    "aws:currenttime",
    "aws:epochtime",
    "aws:requestedregion",
    "cognito-identity.amazonaws.com:",
    "sts:",
];

fn reserved_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    RESERVED_PREFIXES.iter().any(|p| key.starts_with(p))
}

impl Identity {
    /// The role an ARN names, parsed, from the cache or the store.
    pub(crate) async fn role_parsed(&self, role_arn: &str) -> IdentityResult<Option<Arc<RolePolicies>>> {
        let now = self.now_ms();
        if let Some(p) = self.policies.get(role_arn, now) {
            return Ok(p);
        }
        let parsed = match self.role_by_arn(role_arn).await? {
            Some(role) => {
                let mut labels = Vec::new();
                let mut policies = Vec::new();
                for (label, text) in self.role_policies(&role).await? {
                    policies.push(Policy::parse(&text).map_err(internal)?);
                    labels.push(label);
                }
                let trust = Policy::parse(&role.trust).map_err(internal)?;
                Some(Arc::new(RolePolicies { role, trust, labels, policies }))
            }
            None => None,
        };
        self.policies.put(role_arn, now, parsed.clone());
        Ok(parsed)
    }

    /// The condition keys a session brings to every decision.
    fn session_context(&self, session: &Session, request: &mut Request) {
        let now = self.clock.now();
        let c = &mut request.context;
        c.insert("aws:CurrentTime", [crate::query::iso(now.millis())]);
        c.insert("aws:EpochTime", [now.millis().div_euclid(1000).to_string()]);
        c.insert("aws:TokenIssueTime", [crate::query::iso(session.issued * 1000)]);
        c.insert("aws:PrincipalArn", [session.role_arn.as_str()]);
        c.insert("aws:PrincipalAccount", [self.settings.account_id.as_str()]);
        c.insert("aws:PrincipalType", ["AssumedRole"]);
        c.insert("aws:userid", [session.user_id()]);
        c.insert("aws:RequestedRegion", [self.settings.region.as_str()]);
        c.insert("aws:PrincipalTagKeys", session.principal_tags.keys().cloned());
        for (key, value) in &session.principal_tags {
            c.insert(&format!("aws:PrincipalTag/{key}"), [value.as_str()]);
        }
        if let Some(web) = &session.web_identity {
            c.insert("cognito-identity.amazonaws.com:aud", [web.aud.as_str()]);
            c.insert("cognito-identity.amazonaws.com:sub", [web.sub.as_str()]);
            c.insert("cognito-identity.amazonaws.com:amr", web.amr.iter().cloned());
            c.insert("aws:FederatedProvider", [web.provider.as_str()]);
        }
    }

    /// Decides `request` for `session`, its context completed with the session's keys.
    pub(crate) async fn decide(&self, session: &Session, request: &Request) -> IdentityResult<AuthorizeResponse> {
        let mut request = request.clone();
        self.session_context(session, &mut request);
        // The role is gone, or is another role made since under the same name: nothing is
        // allowed (a session belongs to the role's unique id, as on AWS).
        let role = match self.role_parsed(&session.role_arn).await? {
            Some(role) if role.role.id == session.role_id => role,
            _ => {
                let principal = session.assumed_role_arn();
                return Ok(AuthorizeResponse { allowed: false, principal, matched: Vec::new() });
            }
        };
        let own: Vec<Policy>;
        let (session_policies, session_label): (Option<&[Policy]>, &str) = if session.guest {
            (Some(&self.guest_policy[..]), "guest-session-policy")
        } else if let Some(text) = &session.policy {
            own = vec![Policy::parse(text).map_err(internal)?];
            (Some(&own[..]), "session")
        } else {
            (None, "")
        };
        let decision = evaluate(&role.policies, session_policies, &request);
        let label = |set: PolicySet, index: usize| match set {
            PolicySet::Identity => role.labels.get(index).cloned().unwrap_or_default(),
            PolicySet::Session => session_label.to_owned(),
        };
        let matched = decision
            .matched()
            .into_iter()
            .map(|s| MatchedStatement {
                policy: label(s.set, s.policy),
                sid: s.sid.map(String::from),
                effect: if matches!(decision, Decision::ExplicitDeny(_)) { "Deny" } else { "Allow" },
            })
            .collect();
        Ok(AuthorizeResponse { allowed: decision.is_allowed(), principal: session.assumed_role_arn(), matched })
    }

    /// May the holder of `session` perform `req.action` on `req.resource`?
    pub async fn authorize(&self, session: &Session, req: &AuthorizeRequest) -> IdentityResult<AuthorizeResponse> {
        let mut request = Request::new(req.action.clone(), req.resource.clone());
        // Keys about the principal are the session's to say: the caller's are dropped, even
        // those the session lacks (a missing principal tag must stay missing).
        for (key, values) in req.context.iter().filter(|(key, _)| !reserved_key(key)) {
            request.context.insert(key, values.iter().cloned());
        }
        self.decide(session, &request).await
    }
}
