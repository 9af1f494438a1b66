//! Temporary credentials: an `ASIA…` access key id, a secret, and a session token that is
//! the whole session sealed under the master key, so any node checks a request signed with
//! them without reading the database. GetCredentialsForIdentity mints them for an
//! identity's role (or asks the external STS, `external.rs`).

use crate::error::internal;
use crate::iam::RoleDoc;
use crate::openid::Subject;
use crate::{Identity, IdentityError, IdentityResult};
use cognate_crypto::sigv4::{self, ParsedSignature, SignedRequest};
use cognate_wire::identity::types::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const PURPOSE: &str = "cognate sts session v1";
const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// GetCredentialsForIdentity's credentials last an hour.
pub(crate) const IDENTITY_CREDENTIALS_S: i64 = 3600;

/// A role session, as its session token carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub access_key_id: String,
    pub secret: String,
    pub role_arn: String,
    pub role_id: String,
    pub session_name: String,
    /// Epoch seconds.
    pub issued: i64,
    pub expires: i64,
    /// The web identity: identity pool (`aud`), identity (`sub`), `amr`.
    #[serde(default)]
    pub web_identity: Option<WebIdentity>,
    #[serde(default)]
    pub principal_tags: BTreeMap<String, String>,
    /// Guests' credentials carry the deployment's scope-down session policy.
    #[serde(default)]
    pub guest: bool,
    /// A session policy passed to AssumeRole or AssumeRoleWithWebIdentity.
    #[serde(default)]
    pub policy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebIdentity {
    pub aud: String,
    pub sub: String,
    pub amr: Vec<String>,
    /// The token's issuer.
    pub provider: String,
}

impl Session {
    /// `arn:aws:sts::{account}:assumed-role/{role}/{session}`.
    pub fn assumed_role_arn(&self) -> String {
        let (account, name) = role_parts(&self.role_arn);
        format!("arn:aws:sts::{account}:assumed-role/{name}/{}", self.session_name)
    }

    /// `aws:userid`: `{roleId}:{session}`.
    pub fn user_id(&self) -> String {
        format!("{}:{}", self.role_id, self.session_name)
    }
}

/// The account and role name of a role ARN (`arn:aws:iam::{account}:role/{path}{name}`).
fn role_parts(arn: &str) -> (&str, &str) {
    let mut parts = arn.splitn(6, ':');
    let account = parts.nth(4).unwrap_or_default();
    let name = arn.rsplit('/').next().unwrap_or_default();
    (account, name)
}

/// What a client receives.
#[derive(Debug, Clone, PartialEq)]
pub struct TemporaryCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Epoch seconds.
    pub expiration: i64,
}

/// What a new session is granted besides its role.
#[derive(Debug, Default)]
pub(crate) struct Grant<'a> {
    pub session_name: &'a str,
    pub duration_s: i64,
    pub web_identity: Option<WebIdentity>,
    pub principal_tags: BTreeMap<String, String>,
    pub guest: bool,
    pub policy: Option<String>,
}

/// Who signed a request: an administrator's long-term key, or a role session.
#[derive(Debug, Clone, PartialEq)]
pub enum CallerCredentials {
    Admin { access_key_id: String },
    Session(Box<Session>),
}

impl Identity {
    /// Mints credentials for `role` (already allowed by its trust policy).
    pub(crate) fn mint(&self, role: &RoleDoc, grant: Grant) -> IdentityResult<(TemporaryCredentials, Session)> {
        let now = self.now_s();
        let session = Session {
            access_key_id: format!("ASIA{}", cognate_crypto::random::string_from(KEY_ALPHABET, 16)),
            secret: cognate_crypto::random::string_from(SECRET_ALPHABET, 40),
            role_arn: role.arn.clone(),
            role_id: role.id.clone(),
            session_name: grant.session_name.to_owned(),
            issued: now,
            expires: now + grant.duration_s,
            web_identity: grant.web_identity,
            principal_tags: grant.principal_tags,
            guest: grant.guest,
            policy: grant.policy,
        };
        let token = self.master_key.seal(PURPOSE, &serde_json::to_vec(&session).map_err(internal)?);
        let credentials = TemporaryCredentials {
            access_key_id: session.access_key_id.clone(),
            secret_access_key: session.secret.clone(),
            session_token: token,
            expiration: session.expires,
        };
        Ok((credentials, session))
    }

    /// The session a session token carries, if it opens under the master key, was issued
    /// with `access_key_id`, and has not expired. No database read.
    pub fn open_session(&self, access_key_id: &str, session_token: &str) -> IdentityResult<Session> {
        let plain = self.master_key.open(PURPOSE, session_token).map_err(|_| IdentityError::InvalidClientTokenId)?;
        let session: Session = serde_json::from_slice(&plain).map_err(|_| IdentityError::InvalidClientTokenId)?;
        if !cognate_crypto::ct_eq(session.access_key_id.as_bytes(), access_key_id.as_bytes()) {
            return Err(IdentityError::InvalidClientTokenId);
        }
        if session.expires <= self.now_s() {
            return Err(IdentityError::ExpiredToken);
        }
        Ok(session)
    }

    /// Verifies a request signed with temporary credentials (`X-Amz-Security-Token` in a
    /// header or the presigned query): the token, its expiry, then the signature for
    /// `service` in this deployment's region. `payload_hash` stands in for the body when the
    /// verifier does not have it (a request a service forwards for authorization).
    /// `signed_now` judges the signature's time (the wall clock, as the signer's); the
    /// credentials' expiry is judged by the service's clock.
    pub fn verify_session_request(
        &self,
        req: &SignedRequest,
        parsed: &ParsedSignature,
        service: &str,
        payload_hash: Option<&str>,
        signed_now: chrono::DateTime<chrono::Utc>,
    ) -> IdentityResult<Session> {
        let token = parsed.security_token().ok_or(IdentityError::InvalidClientTokenId)?;
        let session = self.open_session(&parsed.credential().access_key_id, token)?;
        let (region, now) = (&self.settings.region, signed_now);
        let verified = match payload_hash {
            None => sigv4::verify_in_region(req, parsed, &session.secret, region, service, now),
            Some(hash) => {
                sigv4::verify_declared_payload_in_region(req, parsed, &session.secret, region, service, now, hash)
            }
        };
        verified.map_err(|e| match e {
            sigv4::SigV4Error::SignatureMismatch => IdentityError::SignatureDoesNotMatch(
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.".into(),
            ),
            other => IdentityError::SignatureDoesNotMatch(other.message()),
        })?;
        Ok(session)
    }

    /// The role `arn` if it exists and its trust policy lets `subject` assume it with a web
    /// identity; the identity pool's configuration error otherwise, as Cognito reports it.
    async fn trusted_role(&self, arn: &str, subject: &Subject) -> IdentityResult<RoleDoc> {
        let invalid = || {
            IdentityError::InvalidPoolConfiguration(
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.".into(),
            )
        };
        let role = self.role_parsed(arn).await?.ok_or_else(invalid)?;
        if !crate::sts::web_identity_trusts(&role.trust, subject, !subject.principal_tags.is_empty()) {
            return Err(invalid());
        }
        Ok(role.role.clone())
    }

    pub async fn get_credentials_for_identity(
        &self,
        req: GetCredentialsForIdentityInput,
    ) -> IdentityResult<GetCredentialsForIdentityResponse> {
        let id = req.identity_id.unwrap_or_default();
        let (subject, pool) = self.subject_for(&id, &req.logins.unwrap_or_default()).await?;
        let role_arn = crate::roles::resolve(&pool, &subject, req.custom_role_arn.as_deref())?;
        let guest = !subject.authenticated();
        let credentials = match &self.settings.external_sts {
            Some(endpoint) => self.external_credentials(endpoint, &subject, &role_arn, guest).await?,
            None => {
                let role = self.trusted_role(&role_arn, &subject).await?;
                let web_identity = WebIdentity {
                    aud: subject.pool_id.clone(),
                    sub: subject.identity_id.clone(),
                    amr: subject.amr.clone(),
                    provider: "cognito-identity.amazonaws.com".into(),
                };
                let grant = Grant {
                    session_name: "CognitoIdentityCredentials",
                    duration_s: IDENTITY_CREDENTIALS_S,
                    web_identity: Some(web_identity),
                    principal_tags: subject.principal_tags.clone(),
                    guest,
                    policy: None,
                };
                self.mint(&role, grant)?.0
            }
        };
        Ok(GetCredentialsForIdentityResponse {
            identity_id: Some(subject.identity_id),
            credentials: Some(Credentials {
                access_key_id: Some(credentials.access_key_id),
                secret_key: Some(credentials.secret_access_key),
                session_token: Some(credentials.session_token),
                expiration: Some(credentials.expiration as f64),
            }),
        })
    }
}
