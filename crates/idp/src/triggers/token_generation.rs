//! PreTokenGeneration: the function sees the claims' inputs (attributes, groups, scopes) and
//! may add, override or suppress claims and replace the groups. Version 1 changes the ID
//! token; versions 2 and 3 change both tokens and the access token's scopes. Claims that
//! identify the token itself (issuer, subject, audience, times, ids) are never changed.

use super::{Event, Trigger, client_metadata, text_list, unrecognizable, user_attributes};
use crate::client_auth::AppClient;
use crate::pools::Pool;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult};
use cognate_wire::idp::types::PreTokenGenerationVersionConfigType;
use serde_json::{Map, Value, json};

/// Why tokens are being issued, as the event's `triggerSource` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenSource {
    Authentication,
    /// A sign-in through the hosted UI (tokens from an authorization grant).
    HostedAuth,
    NewPasswordChallenge,
    AuthenticateDevice,
    RefreshTokens,
}

impl TokenSource {
    fn trigger_source(self) -> &'static str {
        match self {
            TokenSource::Authentication => "TokenGeneration_Authentication",
            TokenSource::HostedAuth => "TokenGeneration_HostedAuth",
            TokenSource::NewPasswordChallenge => "TokenGeneration_NewPasswordChallenge",
            TokenSource::AuthenticateDevice => "TokenGeneration_AuthenticateDevice",
            TokenSource::RefreshTokens => "TokenGeneration_RefreshTokens",
        }
    }
}

/// The event `version` for a configured LambdaVersion.
pub(crate) fn event_version(config: &PreTokenGenerationVersionConfigType) -> &'static str {
    match config.lambda_version.as_deref() {
        Some("V2_0") => "2",
        Some("V3_0") => "3",
        _ => "1",
    }
}

/// Claims no function may add, override or suppress (Cognito's list), and those Cognate
/// also keeps: the groups claims change only through `groupOverrideDetails`.
const PROTECTED: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "cognito:username",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "sub",
    "token_use",
    "client_id",
    "scope",
    "username",
    "device_key",
    "event_id",
    "cognito:groups",
    "cognito:roles",
    "cognito:preferred_role",
];

/// The two token bodies being built.
pub(crate) struct Claims<'a> {
    pub id: &'a mut Value,
    pub access: &'a mut Value,
}

fn object<'a>(parent: &'a Map<String, Value>, name: &str) -> IdpResult<Option<&'a Map<String, Value>>> {
    match parent.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(unrecognizable()),
    }
}

fn claims_map(claims: &mut Value) -> IdpResult<&mut Map<String, Value>> {
    claims.as_object_mut().ok_or_else(|| IdpError::Internal("token claims are not an object".into()))
}

/// `claimsToAddOrOverride` then `claimsToSuppress` (suppression wins) on one token.
fn override_claims(claims: &mut Value, details: &Map<String, Value>) -> IdpResult<()> {
    let map = claims_map(claims)?;
    if let Some(add) = object(details, "claimsToAddOrOverride")? {
        for (name, value) in add.iter().filter(|(name, _)| !PROTECTED.contains(&name.as_str())) {
            map.insert(name.clone(), value.clone());
        }
    }
    for name in text_list(details, "claimsToSuppress")?.unwrap_or_default() {
        if !PROTECTED.contains(&name.as_str()) {
            map.remove(&name);
        }
    }
    Ok(())
}

/// `groupOverrideDetails`: the groups of both tokens, and the ID token's roles.
fn override_groups(claims: &mut Claims<'_>, details: &Map<String, Value>) -> IdpResult<()> {
    let set = |map: &mut Map<String, Value>, name: &str, value: Option<Value>| match value {
        Some(v) => map.insert(name.into(), v),
        None => map.remove(name),
    };
    let groups = text_list(details, "groupsToOverride")?.filter(|g| !g.is_empty()).map(|g| json!(g));
    set(claims_map(claims.id)?, "cognito:groups", groups.clone());
    set(claims_map(claims.access)?, "cognito:groups", groups);
    let roles = text_list(details, "iamRolesToOverride")?.filter(|r| !r.is_empty()).map(|r| json!(r));
    let preferred = super::text(details, "preferredRole")?.map(Value::String);
    let id = claims_map(claims.id)?;
    set(id, "cognito:roles", roles);
    set(id, "cognito:preferred_role", preferred);
    Ok(())
}

/// `scopesToAdd` and `scopesToSuppress` on the access token's `scope`.
fn override_scopes(access: &mut Value, details: &Map<String, Value>) -> IdpResult<()> {
    let map = claims_map(access)?;
    let mut scopes: Vec<String> = map
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    for scope in text_list(details, "scopesToAdd")?.unwrap_or_default() {
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    let suppress = text_list(details, "scopesToSuppress")?.unwrap_or_default();
    scopes.retain(|s| !suppress.contains(s));
    map.insert("scope".into(), json!(scopes.join(" ")));
    Ok(())
}

fn apply_v1(response: &Map<String, Value>, mut claims: Claims<'_>) -> IdpResult<()> {
    let Some(details) = object(response, "claimsOverrideDetails")? else { return Ok(()) };
    override_claims(claims.id, details)?;
    if let Some(groups) = object(details, "groupOverrideDetails")? {
        override_groups(&mut claims, groups)?;
    }
    Ok(())
}

fn apply_v2(response: &Map<String, Value>, mut claims: Claims<'_>) -> IdpResult<()> {
    let Some(details) = object(response, "claimsAndScopeOverrideDetails")? else { return Ok(()) };
    if let Some(id) = object(details, "idTokenGeneration")? {
        override_claims(claims.id, id)?;
    }
    if let Some(access) = object(details, "accessTokenGeneration")? {
        override_claims(claims.access, access)?;
        override_scopes(claims.access, access)?;
    }
    if let Some(groups) = object(details, "groupOverrideDetails")? {
        override_groups(&mut claims, groups)?;
    }
    Ok(())
}

impl Idp {
    pub(crate) async fn pre_token_generation(
        &self,
        pool: &Pool,
        client: &AppClient,
        user: &User,
        source: TokenSource,
        claims: Claims<'_>,
    ) -> IdpResult<()> {
        let Some((_, version)) = Trigger::PreTokenGeneration.target(pool) else { return Ok(()) };
        let id_claim = |name: &str, absent: Value| claims.id.get(name).cloned().unwrap_or(absent);
        let mut request = json!({
            "userAttributes": user_attributes(user, true),
            "groupConfiguration": {
                "groupsToOverride": id_claim("cognito:groups", json!([])),
                "iamRolesToOverride": id_claim("cognito:roles", json!([])),
                "preferredRole": id_claim("cognito:preferred_role", Value::Null),
            },
            "clientMetadata": client_metadata(),
        });
        let v1 = version == "1";
        if !v1 {
            let scope = claims.access.get("scope").and_then(Value::as_str).unwrap_or_default();
            request["scopes"] = json!(scope.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>());
        }
        let response = if v1 {
            json!({ "claimsOverrideDetails": null })
        } else {
            json!({ "claimsAndScopeOverrideDetails": null })
        };
        let event = Event {
            trigger: Trigger::PreTokenGeneration,
            source: source.trigger_source(),
            user_name: &user.record.username,
            client_id: Some(client.id()),
            request,
            response,
        };
        let Some(response) = self.run_trigger(pool, event).await? else { return Ok(()) };
        if v1 { apply_v1(&response, claims) } else { apply_v2(&response, claims) }
    }
}

/// A machine token's changes (version 3 only): the access token's claims and scopes.
fn apply_m2m(response: &Map<String, Value>, access: &mut Value) -> IdpResult<()> {
    let Some(details) = object(response, "claimsAndScopeOverrideDetails")? else { return Ok(()) };
    if let Some(details) = object(details, "accessTokenGeneration")? {
        override_claims(access, details)?;
        override_scopes(access, details)?;
    }
    Ok(())
}

impl Idp {
    /// PreTokenGeneration for a client_credentials token (`TokenGeneration_ClientCredentials`).
    /// Only a version 3 function sees machine tokens, as in Cognito; the event has no user
    /// (`userName` is `ClientCredentials`, no attributes, no groups), and the function may
    /// change the access token's claims and scopes.
    pub(crate) async fn pre_token_generation_m2m(
        &self,
        pool: &Pool,
        client_id: &str,
        access: &mut Value,
    ) -> IdpResult<()> {
        match Trigger::PreTokenGeneration.target(pool) {
            Some((_, "3")) => {}
            _ => return Ok(()),
        }
        let scope = access.get("scope").and_then(Value::as_str).unwrap_or_default();
        let event = Event {
            trigger: Trigger::PreTokenGeneration,
            source: "TokenGeneration_ClientCredentials",
            user_name: "ClientCredentials",
            client_id: Some(client_id),
            request: json!({
                "userAttributes": {},
                "groupConfiguration": null,
                "scopes": scope.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
                "clientMetadata": client_metadata(),
            }),
            response: json!({ "claimsAndScopeOverrideDetails": null }),
        };
        let Some(response) = self.run_trigger(pool, event).await? else { return Ok(()) };
        apply_m2m(&response, access)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> (Value, Value) {
        (
            json!({"sub": "s", "email": "a@b.c", "cognito:groups": ["g"], "iss": "x"}),
            json!({"sub": "s", "scope": "aws.cognito.signin.user.admin", "cognito:groups": ["g"]}),
        )
    }

    #[test]
    fn v1_adds_suppresses_and_keeps_protected_claims() {
        let (mut id, mut access) = tokens();
        let response = json!({"claimsOverrideDetails": {
            "claimsToAddOrOverride": {"team": "blue", "sub": "forged", "iss": "evil"},
            "claimsToSuppress": ["email", "sub", "team"],
            "groupOverrideDetails": {"groupsToOverride": ["admins"]},
        }});
        apply_v1(response.as_object().unwrap(), Claims { id: &mut id, access: &mut access }).unwrap();
        assert_eq!(id, json!({"sub": "s", "iss": "x", "cognito:groups": ["admins"]}));
        assert_eq!(access["cognito:groups"], json!(["admins"]));
    }

    #[test]
    fn v2_changes_access_tokens_and_scopes() {
        let (mut id, mut access) = tokens();
        let response = json!({"claimsAndScopeOverrideDetails": {
            "idTokenGeneration": {"claimsToAddOrOverride": {"tier": ["gold", 1]}},
            "accessTokenGeneration": {
                "claimsToAddOrOverride": {"tenant": "t1"},
                "scopesToAdd": ["orders/read"],
                "scopesToSuppress": ["aws.cognito.signin.user.admin"],
            },
            "groupOverrideDetails": {"groupsToOverride": []},
        }});
        apply_v2(response.as_object().unwrap(), Claims { id: &mut id, access: &mut access }).unwrap();
        assert_eq!(id["tier"], json!(["gold", 1]));
        assert_eq!(access["tenant"], json!("t1"));
        assert_eq!(access["scope"], json!("orders/read"));
        assert!(id.get("cognito:groups").is_none() && access.get("cognito:groups").is_none());
    }

    #[test]
    fn machine_tokens_change_access_claims_and_scopes_only() {
        let mut access = json!({"sub": "c", "client_id": "c", "scope": "api/read api/write"});
        let response = json!({"claimsAndScopeOverrideDetails": {
            "idTokenGeneration": {"claimsToAddOrOverride": {"ignored": true}},
            "accessTokenGeneration": {
                "claimsToAddOrOverride": {"tenant": "t1", "client_id": "forged"},
                "scopesToAdd": ["api/audit"],
                "scopesToSuppress": ["api/write"],
            },
        }});
        apply_m2m(response.as_object().unwrap(), &mut access).unwrap();
        assert_eq!(access, json!({"sub": "c", "client_id": "c", "tenant": "t1", "scope": "api/read api/audit"}));
    }

    #[test]
    fn malformed_details_are_refused() {
        let (mut id, mut access) = tokens();
        let response = json!({"claimsOverrideDetails": {"claimsToSuppress": "email"}});
        let err = apply_v1(response.as_object().unwrap(), Claims { id: &mut id, access: &mut access });
        assert!(matches!(err, Err(IdpError::InvalidLambdaResponse(_))));
    }
}
