//! The `identity` benchmark's fixture (a user pool and app client, users signed in for their
//! ID tokens, an identity pool trusting the user pool, the role `Auth` with the per-user-folder
//! policy, each user's identity and one set of credentials, and a stock of fresh ID tokens
//! made by refreshing before a timed run) and its operations: over HTTP
//! (GetCredentialsForIdentity, `CognateAuthz.Authorize`) or in process on one thread (the
//! `Identity` service's `authorize` and `open_session`, no HTTP).

use crate::client::{AUTHZ, IDENTITY_POOLS, SignedClient};
use crate::sample::Timed;
use anyhow::{Context, bail, ensure};
use cognate_identity::{AuthorizeRequest, Identity, Session};
use cognate_idp::Idp;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Every user's password (it satisfies the default password policy).
const PASSWORD: &str = "Bench-Passw0rd!";
/// Users prepared at once during setup.
const SETUP_WORKERS: usize = 4;
/// Refreshes run at once while stocking fresh ID tokens.
const PRODUCERS: usize = 4;
/// The role the identity pool gives authenticated identities.
pub const ROLE_NAME: &str = "Auth";
pub const POLICY_NAME: &str = "per-user-folder";
pub const BUCKET: &str = "my-bucket";
const IAM_VERSION: &str = "2010-05-08";
/// The session token's purpose (associated data) under the master key, as the server seals it.
pub const SESSION_PURPOSE: &str = "cognate sts session v1";
/// A folder no benchmark user owns (the denied decision when there is one user only).
pub const STRANGER: &str = "us-east-1:00000000-0000-4000-8000-000000000000";

/// The seed's per-user-folder policy (the identity pool guide's example).
pub const PER_USER_FOLDER: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::my-bucket/${cognito-identity.amazonaws.com:sub}/*"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::my-bucket","Condition":{"StringLike":{"s3:prefix":"${cognito-identity.amazonaws.com:sub}/*"}}}]}"#;

/// The trust policy Cognito's console writes for an identity pool's authenticated role.
fn trust_policy(identity_pool_id: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool_id},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
            },
        }],
    })
    .to_string()
}

/// The operations measured, in the order of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// GetCredentialsForIdentity over HTTP (public), each call with an ID token never presented
    /// before (stocked by refreshing before the run).
    Credentials,
    /// GetCredentialsForIdentity over HTTP with the users' sign-in ID tokens again and again
    /// (the server knows their signatures already).
    CredentialsRepeat,
    /// CognateAuthz.Authorize over HTTP (signed by the administrator), allowed and denied in turn.
    Authorize,
    /// Identity::authorize in process on one thread, allowed and denied in turn.
    Decisions,
    /// Identity::open_session in process on one thread (AES-GCM open + JSON).
    OpenSession,
}

impl Kind {
    pub const ALL: [Kind; 5] =
        [Kind::Credentials, Kind::CredentialsRepeat, Kind::Authorize, Kind::Decisions, Kind::OpenSession];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Credentials => "GetCredentialsForIdentity, fresh token",
            Kind::CredentialsRepeat => "GetCredentialsForIdentity, token seen before",
            Kind::Authorize => "Authorize",
            Kind::Decisions => "decisions (Identity::authorize)",
            Kind::OpenSession => "open_session",
        }
    }

    /// Measured over HTTP from concurrent requesters (the others in process on one thread).
    pub fn http(self) -> bool {
        matches!(self, Kind::Credentials | Kind::CredentialsRepeat | Kind::Authorize)
    }
}

/// One prepared user: its identity, ID token and one set of temporary credentials.
pub struct BenchUser {
    pub identity_id: String,
    id_token: String,
    refresh_token: String,
    access_key_id: String,
    session_token: String,
    /// The credentials' session, opened once in process.
    pub session: Session,
}

pub struct Fixture {
    http: SignedClient,
    pub identity: Identity,
    /// The user-pool service, for the refreshes that stock fresh ID tokens.
    idp: Idp,
    pub user_pool_id: String,
    pub client_id: String,
    pub identity_pool_id: String,
    /// `cognito-idp.{region}.amazonaws.com/{user pool id}`: the identity pool's provider name
    /// and the key of every `Logins` map.
    pub provider: String,
    pub role_arn: String,
    pub users: Vec<BenchUser>,
    next: AtomicUsize,
    /// Fresh ID tokens, each with its user's index, each presented once.
    tokens: Mutex<Vec<(usize, String)>>,
}

/// One authorization question and the decision it must get.
pub struct Question {
    pub request: AuthorizeRequest,
    pub allowed: bool,
    /// The user whose credentials ask.
    pub user: usize,
}

impl Fixture {
    /// Creates the user pool, its app client and `users` users (each signed in for an ID
    /// token), the identity pool, the role and its policy, the pool's roles, then each user's
    /// identity (GetId) and credentials (GetCredentialsForIdentity).
    pub async fn create(
        admin: &SignedClient,
        idp: &Idp,
        identity: &Identity,
        users: usize,
    ) -> anyhow::Result<Arc<Fixture>> {
        let settings = identity.settings();
        let (user_pool_id, client_id) = create_user_pool(admin).await?;
        let provider = format!("cognito-idp.{}.amazonaws.com/{user_pool_id}", settings.region);
        let identity_pool_id = create_identity_pool(admin, &provider, &client_id).await?;
        let role_arn = create_role(admin, &identity_pool_id).await?;
        let expected = format!("arn:aws:iam::{}:role/{ROLE_NAME}", settings.account_id);
        ensure!(role_arn == expected, "CreateRole answered the ARN {role_arn}, not {expected}");
        let roles = json!({"IdentityPoolId": identity_pool_id, "Roles": {"authenticated": role_arn}});
        admin.call_to(IDENTITY_POOLS, "SetIdentityPoolRoles", &roles, |_| 1).await?;
        let setup = Arc::new(Setup {
            admin: admin.clone(),
            identity: identity.clone(),
            user_pool_id: user_pool_id.clone(),
            client_id: client_id.clone(),
            identity_pool_id: identity_pool_id.clone(),
            provider: provider.clone(),
        });
        let users = prepare_users(&setup, users).await?;
        Ok(Arc::new(Fixture {
            http: admin.clone(),
            identity: identity.clone(),
            idp: idp.clone(),
            user_pool_id,
            client_id,
            identity_pool_id,
            provider,
            role_arn,
            users,
            next: AtomicUsize::new(0),
            tokens: Mutex::new(Vec::new()),
        }))
    }

    /// Users are taken in turn, so consecutive calls never share a user.
    fn next(&self) -> usize {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// The `n`th question of the allowed/denied mix: even, user `u` puts an object in its own
    /// folder (allowed); odd, in the next user's folder (denied: no statement matches).
    pub fn question(&self, n: usize) -> Question {
        let count = self.users.len().max(1);
        let user = (n / 2) % count;
        let allowed = n.is_multiple_of(2);
        let folder = if allowed {
            self.users.get(user).map_or(STRANGER, |u| u.identity_id.as_str())
        } else {
            let other = (user + 1) % count;
            if other == user { STRANGER } else { self.users.get(other).map_or(STRANGER, |u| u.identity_id.as_str()) }
        };
        let request = AuthorizeRequest {
            action: "s3:PutObject".into(),
            resource: format!("arn:aws:s3:::{BUCKET}/{folder}/photos/cat.jpg"),
            context: BTreeMap::new(),
        };
        Question { request, allowed, user }
    }

    fn bank(&self) -> MutexGuard<'_, Vec<(usize, String)>> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Fresh ID tokens left in the stock.
    pub fn tokens_left(&self) -> usize {
        self.bank().len()
    }

    /// Replaces the stock with `n` fresh ID tokens, by REFRESH_TOKEN_AUTH through the `Idp`
    /// (in process, `PRODUCERS` at a time, the users in turn). Returns how long it took.
    pub async fn stock_tokens(self: &Arc<Self>, n: usize) -> anyhow::Result<Duration> {
        self.bank().clear();
        let start = Instant::now();
        let left = Arc::new(AtomicUsize::new(n));
        let mut tasks = Vec::with_capacity(PRODUCERS);
        for p in 0..PRODUCERS {
            let (fixture, left) = (self.clone(), left.clone());
            tasks.push(tokio::spawn(async move { fixture.produce(p, &left).await }));
        }
        for task in tasks {
            task.await??;
        }
        let took = start.elapsed();
        let bank = self.bank();
        let distinct: HashSet<&str> = bank.iter().map(|(_, t)| t.as_str()).collect();
        ensure!(
            distinct.len() == bank.len(),
            "refreshing gave {} distinct ID tokens of {}",
            distinct.len(),
            bank.len()
        );
        Ok(took)
    }

    async fn produce(&self, producer: usize, left: &AtomicUsize) -> anyhow::Result<()> {
        let mut user = producer;
        while left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok() {
            let index = user % self.users.len().max(1);
            user += PRODUCERS;
            let refresh_token = &self.users.get(index).context("no users")?.refresh_token;
            let body = json!({
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "ClientId": self.client_id,
                "AuthParameters": {"REFRESH_TOKEN": refresh_token},
            });
            let resp = serde_json::to_value(self.idp.initiate_auth(serde_json::from_value(body)?).await?)?;
            let token = id_token(&resp)?;
            self.bank().push((index, token));
        }
        Ok(())
    }

    /// One HTTP call of `kind`, timed from sending to the last body byte; `None` when `kind`
    /// needs a fresh ID token and the stock is empty.
    pub async fn call(&self, kind: Kind) -> anyhow::Result<Option<Timed>> {
        let elapsed = match kind {
            Kind::Credentials => {
                let Some((user, token)) = self.bank().pop() else { return Ok(None) };
                self.credentials(user, &token).await?
            }
            Kind::CredentialsRepeat => {
                let user = self.next() % self.users.len().max(1);
                let token = &self.users.get(user).context("no users")?.id_token;
                self.credentials(user, token).await?
            }
            Kind::Authorize => self.authorize().await?,
            Kind::Decisions | Kind::OpenSession => bail!("{} runs in process, not over HTTP", kind.label()),
        };
        Ok(Some(Timed { elapsed, hits: 1 }))
    }

    /// GetCredentialsForIdentity for `user`'s identity with `token` as its login.
    async fn credentials(&self, user: usize, token: &str) -> anyhow::Result<Duration> {
        let user = self.users.get(user).context("no such user")?;
        let body = json!({"IdentityId": user.identity_id, "Logins": {&self.provider: token}});
        let (timed, resp) = self.http.call_public_to(IDENTITY_POOLS, "GetCredentialsForIdentity", &body, |_| 1).await?;
        ensure!(
            resp["IdentityId"] == user.identity_id.as_str() && resp["Credentials"]["SessionToken"].is_string(),
            "GetCredentialsForIdentity answered {resp}"
        );
        Ok(timed.elapsed)
    }

    /// `CognateAuthz.Authorize`, signed now by the administrator (outside the timed part).
    async fn authorize(&self) -> anyhow::Result<Duration> {
        let q = self.question(self.next());
        let user = self.users.get(q.user).context("no users")?;
        let body = json!({
            "AccessKeyId": user.access_key_id,
            "SessionToken": user.session_token,
            "Action": q.request.action,
            "Resource": q.request.resource,
            "Context": {},
        });
        let req = self.http.request_to(AUTHZ, "Authorize", &body)?;
        let start = Instant::now();
        let raw = self.http.send(req).await.with_context(|| format!("Authorize {body}"))?;
        let elapsed = start.elapsed();
        let resp: Value = serde_json::from_slice(raw.as_ref()).context("parsing the Authorize response")?;
        let expected = if q.allowed { "Allow" } else { "Deny" };
        ensure!(resp["Decision"] == expected, "Authorize of {} answered {resp}, not {expected}", q.request.resource);
        Ok(elapsed)
    }

    /// The first user's session, serialized as its token seals it (for the sealing floor).
    pub fn session_plaintext(&self) -> anyhow::Result<Vec<u8>> {
        let user = self.users.first().context("no users")?;
        Ok(serde_json::to_vec(&user.session)?)
    }

    /// The `n`th user's credentials: access key id and session token.
    pub fn credentials_of(&self, n: usize) -> anyhow::Result<(&str, &str)> {
        let user = self.users.get(n % self.users.len().max(1)).context("no users")?;
        Ok((&user.access_key_id, &user.session_token))
    }
}

/// The user pool and identity pool, before any user exists.
struct Setup {
    admin: SignedClient,
    identity: Identity,
    user_pool_id: String,
    client_id: String,
    identity_pool_id: String,
    provider: String,
}

async fn create_user_pool(admin: &SignedClient) -> anyhow::Result<(String, String)> {
    let (_, created) = admin.call("CreateUserPool", &json!({"PoolName": "bench-identity"}), |_| 1).await?;
    let pool_id = created["UserPool"]["Id"].as_str().context("CreateUserPool returned no Id")?.to_owned();
    let body = json!({
        "UserPoolId": pool_id,
        "ClientName": "bench-identity",
        "GenerateSecret": false,
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    });
    let (_, client) = admin.call("CreateUserPoolClient", &body, |_| 1).await?;
    let client_id = client["UserPoolClient"]["ClientId"].as_str().context("no ClientId")?.to_owned();
    Ok((pool_id, client_id))
}

async fn create_identity_pool(admin: &SignedClient, provider: &str, client_id: &str) -> anyhow::Result<String> {
    let body = json!({
        "IdentityPoolName": "bench_identity",
        "AllowUnauthenticatedIdentities": false,
        "CognitoIdentityProviders": [{"ProviderName": provider, "ClientId": client_id}],
    });
    let (_, pool) = admin.call_to(IDENTITY_POOLS, "CreateIdentityPool", &body, |_| 1).await?;
    Ok(pool["IdentityPoolId"].as_str().context("CreateIdentityPool returned no IdentityPoolId")?.to_owned())
}

/// IAM CreateRole (the identity pool's trust policy) and PutRolePolicy (the per-user-folder
/// policy): the role's ARN.
async fn create_role(admin: &SignedClient, identity_pool_id: &str) -> anyhow::Result<String> {
    let trust = trust_policy(identity_pool_id);
    let params = [("RoleName", ROLE_NAME), ("AssumeRolePolicyDocument", trust.as_str())];
    let created = admin.query("iam", "CreateRole", IAM_VERSION, &params).await?;
    let arn =
        between(&created, "<Arn>", "</Arn>").with_context(|| format!("no Arn in CreateRole's answer {created}"))?;
    let params = [("RoleName", ROLE_NAME), ("PolicyName", POLICY_NAME), ("PolicyDocument", PER_USER_FOLDER)];
    admin.query("iam", "PutRolePolicy", IAM_VERSION, &params).await?;
    Ok(arn.to_owned())
}

/// The ID token of a sign-in's or refresh's answer.
fn id_token(resp: &Value) -> anyhow::Result<String> {
    let token = resp["AuthenticationResult"]["IdToken"].as_str().with_context(|| format!("no IdToken in {resp}"))?;
    Ok(token.to_owned())
}

/// The text of `haystack` between `start` and the next `end`.
fn between<'a>(haystack: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = haystack.find(start)? + start.len();
    let len = haystack.get(from..)?.find(end)?;
    haystack.get(from..from + len)
}

/// Prepares `users` users, `SETUP_WORKERS` at a time, in index order.
async fn prepare_users(setup: &Arc<Setup>, users: usize) -> anyhow::Result<Vec<BenchUser>> {
    let permits = Arc::new(Semaphore::new(SETUP_WORKERS));
    let mut tasks = Vec::with_capacity(users);
    for i in 0..users {
        let (setup, permits) = (setup.clone(), permits.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire().await?;
            prepare_user(&setup, i).await.with_context(|| format!("preparing user {i}"))
        }));
    }
    let mut out = Vec::with_capacity(users);
    for task in tasks {
        out.push(task.await??);
        if out.len() % 50 == 0 || out.len() == users {
            eprintln!("prepared {} / {users} users", out.len());
        }
    }
    Ok(out)
}

/// A confirmed user signed in (USER_PASSWORD_AUTH) for its ID token, its identity (GetId) and
/// one set of credentials (GetCredentialsForIdentity), all over HTTP.
async fn prepare_user(setup: &Setup, i: usize) -> anyhow::Result<BenchUser> {
    let admin = &setup.admin;
    let username = format!("bench-user-{i}");
    let create = json!({
        "UserPoolId": setup.user_pool_id,
        "Username": username,
        "MessageAction": "SUPPRESS",
        "UserAttributes": [
            {"Name": "email", "Value": format!("{username}@example.com")},
            {"Name": "email_verified", "Value": "true"},
        ],
    });
    admin.call("AdminCreateUser", &create, |_| 1).await?;
    let set = json!({"UserPoolId": setup.user_pool_id, "Username": username, "Password": PASSWORD, "Permanent": true});
    admin.call("AdminSetUserPassword", &set, |_| 1).await?;
    let sign_in = json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": setup.client_id,
        "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD},
    });
    let (_, signed_in) = admin.call_public("InitiateAuth", &sign_in, |_| 1).await?;
    let id_token = id_token(&signed_in)?;
    let refresh_token = signed_in["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .with_context(|| format!("no RefreshToken in {signed_in}"))?
        .to_owned();
    let logins = json!({&setup.provider: id_token});
    let get_id = json!({"IdentityPoolId": setup.identity_pool_id, "Logins": logins});
    let (_, id) = admin.call_public_to(IDENTITY_POOLS, "GetId", &get_id, |_| 1).await?;
    let identity_id = id["IdentityId"].as_str().with_context(|| format!("GetId answered {id}"))?.to_owned();
    let get = json!({"IdentityId": identity_id, "Logins": logins});
    let (_, got) = admin.call_public_to(IDENTITY_POOLS, "GetCredentialsForIdentity", &get, |_| 1).await?;
    let credentials = &got["Credentials"];
    let field = |name: &str| {
        credentials[name].as_str().map(str::to_owned).with_context(|| format!("no Credentials.{name} in {got}"))
    };
    let (access_key_id, session_token) = (field("AccessKeyId")?, field("SessionToken")?);
    let session = setup.identity.open_session(&access_key_id, &session_token).context("opening the session")?;
    let web = session.web_identity.as_ref().context("the session carries no web identity")?;
    ensure!(
        web.sub == identity_id && web.aud == setup.identity_pool_id,
        "the session is for {} in {}, not {identity_id} in {}",
        web.sub,
        web.aud,
        setup.identity_pool_id
    );
    Ok(BenchUser { identity_id, id_token, refresh_token, access_key_id, session_token, session })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_and_quote() {
        assert!(cognate_policy::Policy::parse(PER_USER_FOLDER).is_ok());
        let trust = trust_policy("us-east-1:abc");
        assert!(cognate_policy::Policy::parse(&trust).is_ok());
        assert!(trust.contains(r#""cognito-identity.amazonaws.com:aud":"us-east-1:abc""#));
        assert_eq!(between("<Role><Arn>arn:x</Arn></Role>", "<Arn>", "</Arn>"), Some("arn:x"));
    }
}
