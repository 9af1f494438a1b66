//! The `auth` benchmark's fixture (a pool, an app client without a secret, confirmed users
//! with a password, tokens and SRP secrets) and its five operations, each runnable over HTTP
//! (unsigned public calls, as an SDK sends them) or in process through the domain service.

use crate::client::SignedClient;
use crate::sample::Timed;
use crate::srp_client::{self, Challenge, Ephemeral, Secret};
use anyhow::{Context, ensure};
use cognate_core::{Clock, SystemClock};
use cognate_idp::{Idp, IdpResult};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Every user's password (it satisfies the default password policy).
pub const PASSWORD: &str = "Bench-Passw0rd!";
/// Users prepared at once during setup.
const SETUP_WORKERS: usize = 4;

/// The operations measured, in the order of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// InitiateAuth USER_PASSWORD_AUTH.
    Password,
    /// InitiateAuth REFRESH_TOKEN_AUTH.
    Refresh,
    /// GetUser with an access token.
    GetUser,
    /// SignUp of a new username.
    SignUp,
    /// InitiateAuth USER_SRP_AUTH, then RespondToAuthChallenge PASSWORD_VERIFIER.
    Srp,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Password, Kind::Refresh, Kind::GetUser, Kind::SignUp, Kind::Srp];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Password => "password sign-in",
            Kind::Refresh => "refresh",
            Kind::GetUser => "GetUser",
            Kind::SignUp => "SignUp",
            Kind::Srp => "SRP sign-in (2 calls)",
        }
    }
}

/// How a call reaches the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A JSON 1.1 POST on a keep-alive connection.
    Http,
    /// The `Idp` method the HTTP layer dispatches to: no HTTP, no JSON.
    InProcess,
}

/// One prepared user.
struct BenchUser {
    username: String,
    refresh_token: String,
    access_token: String,
    srp: Secret,
}

pub struct Fixture {
    http: SignedClient,
    idp: Idp,
    pub pool_id: String,
    client_id: String,
    /// The SRP "pool name": the pool id after its `_`.
    srp_pool: String,
    users: Vec<BenchUser>,
    next_user: AtomicUsize,
    next_signup: AtomicUsize,
    /// Makes this run's SignUp usernames unique.
    run_tag: String,
}

/// The pool and app client, before any user exists.
struct Setup {
    admin: SignedClient,
    idp: Idp,
    pool_id: String,
    client_id: String,
}

impl Fixture {
    /// Creates the pool, the app client and `users` users (AdminCreateUser, then
    /// AdminSetUserPassword Permanent), signs each in once for its tokens and asks for its
    /// SRP salt.
    pub async fn create(admin: &SignedClient, idp: &Idp, users: usize) -> anyhow::Result<Arc<Fixture>> {
        let setup = Arc::new(create_pool(admin, idp).await?);
        let prepared = prepare_users(&setup, users).await?;
        let pool_id = setup.pool_id.clone();
        let srp_pool = pool_id.split_once('_').map_or(pool_id.as_str(), |(_, name)| name).to_owned();
        Ok(Arc::new(Fixture {
            http: setup.admin.clone(),
            idp: idp.clone(),
            client_id: setup.client_id.clone(),
            pool_id,
            srp_pool,
            users: prepared,
            next_user: AtomicUsize::new(0),
            next_signup: AtomicUsize::new(0),
            run_tag: format!("{:x}", SystemClock.now().millis()),
        }))
    }

    pub fn users(&self) -> usize {
        self.users.len()
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The first user's access token and the claims GetUser looks up (`sub`, `origin_jti`).
    pub fn token_claims(&self) -> anyhow::Result<(String, String, String)> {
        let user = self.users.first().context("no users")?;
        let parsed = cognate_crypto::jws::parse(&user.access_token)?;
        let claims: Value = serde_json::from_slice(&parsed.payload)?;
        let field = |name: &str| claims[name].as_str().map(str::to_owned).with_context(|| format!("no {name}"));
        Ok((user.access_token.clone(), field("sub")?, field("origin_jti")?))
    }

    /// Users sign in in turn, so consecutive calls never share a user.
    fn user(&self) -> anyhow::Result<&BenchUser> {
        let i = self.next_user.fetch_add(1, Ordering::Relaxed) % self.users.len().max(1);
        self.users.get(i).context("no users")
    }

    /// One call of `kind`; the timed part is the request (or requests) only.
    pub async fn call(&self, kind: Kind, via: Via) -> anyhow::Result<Timed> {
        let elapsed = match kind {
            Kind::Password => self.password(via).await?,
            Kind::Refresh => self.refresh(via).await?,
            Kind::GetUser => self.get_user(via).await?,
            Kind::SignUp => self.sign_up(via).await?,
            Kind::Srp => self.srp(via).await?,
        };
        Ok(Timed { elapsed, hits: 1 })
    }

    async fn password(&self, via: Via) -> anyhow::Result<Duration> {
        let user = self.user()?;
        let (elapsed, resp) = self.invoke(via, "InitiateAuth", password_body(&self.client_id, &user.username)).await?;
        tokens(&resp)?;
        Ok(elapsed)
    }

    async fn refresh(&self, via: Via) -> anyhow::Result<Duration> {
        let user = self.user()?;
        let body = json!({
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": self.client_id,
            "AuthParameters": {"REFRESH_TOKEN": user.refresh_token},
        });
        let (elapsed, resp) = self.invoke(via, "InitiateAuth", body).await?;
        tokens(&resp)?;
        Ok(elapsed)
    }

    async fn get_user(&self, via: Via) -> anyhow::Result<Duration> {
        let user = self.user()?;
        let (elapsed, resp) = self.invoke(via, "GetUser", json!({"AccessToken": user.access_token})).await?;
        ensure!(resp["Username"] == user.username.as_str(), "GetUser answered {resp}");
        Ok(elapsed)
    }

    async fn sign_up(&self, via: Via) -> anyhow::Result<Duration> {
        let n = self.next_signup.fetch_add(1, Ordering::Relaxed);
        let body = json!({
            "ClientId": self.client_id,
            "Username": format!("signup-{}-{n}", self.run_tag),
            "Password": PASSWORD,
        });
        let (elapsed, resp) = self.invoke(via, "SignUp", body).await?;
        ensure!(resp["UserSub"].is_string() && resp["CodeDeliveryDetails"].is_null(), "SignUp answered {resp}");
        Ok(elapsed)
    }

    /// Both SRP steps; the client math between them is outside the timer (see `srp_client`).
    async fn srp(&self, via: Via) -> anyhow::Result<Duration> {
        let user = self.user()?;
        let eph = Ephemeral::fresh();
        let (first, challenge) =
            self.invoke(via, "InitiateAuth", srp_body(&self.client_id, &user.username, &eph)).await?;
        let params = &challenge["ChallengeParameters"];
        let parsed = Challenge::parse(params)?;
        let key = eph.session_key(&user.srp, parsed.srp_b)?;
        let responses = srp_client::responses(&key, &self.srp_pool, &parsed, SystemClock.now_datetime())?;
        let body = json!({
            "ChallengeName": "PASSWORD_VERIFIER",
            "ClientId": self.client_id,
            "ChallengeResponses": responses,
        });
        let (second, resp) = self.invoke(via, "RespondToAuthChallenge", body).await?;
        tokens(&resp)?;
        Ok(first + second)
    }

    async fn invoke(&self, via: Via, operation: &str, body: Value) -> anyhow::Result<(Duration, Value)> {
        match via {
            Via::Http => {
                let (timed, value) = self.http.call_public(operation, &body, |_| 1).await?;
                Ok((timed.elapsed, value))
            }
            Via::InProcess => in_process(&self.idp, operation, body).await.with_context(|| operation.to_owned()),
        }
    }
}

/// Runs `operation` through the domain service; only the `Idp` call is timed.
async fn in_process(idp: &Idp, operation: &str, body: Value) -> anyhow::Result<(Duration, Value)> {
    match operation {
        "InitiateAuth" => timed(body, |r| idp.initiate_auth(r)).await,
        "RespondToAuthChallenge" => timed(body, |r| idp.respond_to_auth_challenge(r)).await,
        "GetUser" => timed(body, |r| idp.get_user(r)).await,
        "SignUp" => timed(body, |r| idp.sign_up(r)).await,
        other => anyhow::bail!("{other} is not run in process"),
    }
}

async fn timed<Req, Resp, Fut>(body: Value, f: impl FnOnce(Req) -> Fut) -> anyhow::Result<(Duration, Value)>
where
    Req: DeserializeOwned,
    Resp: Serialize,
    Fut: Future<Output = IdpResult<Resp>>,
{
    let req = serde_json::from_value(body)?;
    let start = Instant::now();
    let resp = f(req).await?;
    let elapsed = start.elapsed();
    Ok((elapsed, serde_json::to_value(resp)?))
}

fn password_body(client_id: &str, username: &str) -> Value {
    json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": client_id,
        "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD},
    })
}

fn srp_body(client_id: &str, username: &str, eph: &Ephemeral) -> Value {
    json!({
        "AuthFlow": "USER_SRP_AUTH",
        "ClientId": client_id,
        "AuthParameters": {"USERNAME": username, "SRP_A": eph.srp_a()},
    })
}

/// The access and refresh tokens of a sign-in (refreshes carry no refresh token).
fn tokens(resp: &Value) -> anyhow::Result<(String, Option<String>)> {
    let result = &resp["AuthenticationResult"];
    let access = result["AccessToken"].as_str().with_context(|| format!("no tokens in {resp}"))?;
    ensure!(result["IdToken"].is_string(), "no ID token in {resp}");
    Ok((access.to_owned(), result["RefreshToken"].as_str().map(str::to_owned)))
}

async fn create_pool(admin: &SignedClient, idp: &Idp) -> anyhow::Result<Setup> {
    // No AutoVerifiedAttributes: SignUp sends no message.
    let (_, created) = admin.call("CreateUserPool", &json!({"PoolName": "bench-auth"}), |_| 1).await?;
    let pool_id = created["UserPool"]["Id"].as_str().context("CreateUserPool returned no Id")?.to_owned();
    let body = json!({
        "UserPoolId": pool_id,
        "ClientName": "bench-auth",
        "GenerateSecret": false,
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    });
    let (_, client) = admin.call("CreateUserPoolClient", &body, |_| 1).await?;
    let client_id = client["UserPoolClient"]["ClientId"].as_str().context("no ClientId")?.to_owned();
    Ok(Setup { admin: admin.clone(), idp: idp.clone(), pool_id, client_id })
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

async fn prepare_user(setup: &Setup, i: usize) -> anyhow::Result<BenchUser> {
    let username = format!("bench-user-{i}");
    let create = json!({
        "UserPoolId": setup.pool_id,
        "Username": username,
        "MessageAction": "SUPPRESS",
        "UserAttributes": [
            {"Name": "email", "Value": format!("{username}@example.com")},
            {"Name": "email_verified", "Value": "true"},
        ],
    });
    setup.admin.call("AdminCreateUser", &create, |_| 1).await?;
    let set = json!({"UserPoolId": setup.pool_id, "Username": username, "Password": PASSWORD, "Permanent": true});
    setup.admin.call("AdminSetUserPassword", &set, |_| 1).await?;
    let (_, signed_in) = in_process(&setup.idp, "InitiateAuth", password_body(&setup.client_id, &username)).await?;
    let (access_token, refresh) = tokens(&signed_in)?;
    let refresh_token = refresh.context("the sign-in returned no refresh token")?;
    let (_, challenge) =
        in_process(&setup.idp, "InitiateAuth", srp_body(&setup.client_id, &username, &Ephemeral::fresh())).await?;
    let salt = challenge["ChallengeParameters"]["SALT"].as_str().context("no SALT")?;
    let srp_pool = setup.pool_id.split_once('_').map_or(setup.pool_id.as_str(), |(_, name)| name);
    let srp = Secret::new(srp_pool, &username, PASSWORD, salt)?;
    Ok(BenchUser { username, refresh_token, access_token, srp })
}
