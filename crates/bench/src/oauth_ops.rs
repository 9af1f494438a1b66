//! The `oauth` benchmark's fixture and operations: a pool with a resource server, a
//! machine-to-machine client (client_credentials) and a web client (authorization code with
//! PKCE and `openid`), users signed in once through the hosted UI's form, and a stock of
//! authorization codes produced by silent sign-in before a timed run.

use crate::client::SignedClient;
use crate::sample::Timed;
use anyhow::{Context, bail, ensure};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Every user's password (it satisfies the default password policy).
const PASSWORD: &str = "Bench-Passw0rd!";
/// The web client's callback URL (never called: the code is read from the redirect).
const CALLBACK: &str = "http://localhost:8123/cb";
/// The resource server's identifier and its one scope.
const RESOURCE_SERVER: &str = "bench-api";
const CUSTOM_SCOPE: &str = "bench-api/read";
/// The web client's scopes: `openid` makes the token endpoint sign an ID token too.
const WEB_SCOPES: &str = "openid email profile";
/// The PKCE verifier of every authorization request (RFC 7636: 43 to 128 characters).
const VERIFIER: &str = "cognate-bench-pkce-verifier-0123456789abcdefghijklmnop";
/// Silent sign-ins run at once while stocking codes.
const PRODUCERS: usize = 8;

/// The operations measured, in the order of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// POST /oauth2/token grant_type=client_credentials.
    ClientCredentials,
    /// POST /oauth2/token grant_type=authorization_code (codes produced beforehand).
    Code,
    /// GET /login: the hosted UI's sign-in page, as a first visit (no cookie).
    LoginPage,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::ClientCredentials, Kind::Code, Kind::LoginPage];

    pub fn label(self) -> &'static str {
        match self {
            Kind::ClientCredentials => "client_credentials",
            Kind::Code => "authorization_code",
            Kind::LoginPage => "login page",
        }
    }
}

/// An app client's id and secret.
struct Credentials {
    id: String,
    secret: String,
}

pub struct Fixture {
    /// Follows no redirect, so each is read; keeps connections alive.
    http: reqwest::Client,
    /// `{public URL}/{pool id}`: where the pool's hosted UI and OAuth endpoints live.
    site: String,
    pub pool_id: String,
    m2m: Credentials,
    web: Credentials,
    /// The authorization request's query (code flow, PKCE S256, nonce).
    query: String,
    /// One hosted-UI session cookie per user, for silent sign-in.
    sessions: Vec<String>,
    codes: std::sync::Mutex<Vec<String>>,
}

impl Fixture {
    /// Creates the pool, resource server, both clients and `users` users, and signs each user
    /// in once through the sign-in form for a session cookie.
    pub async fn create(admin: &SignedClient, public_url: &str, users: usize) -> anyhow::Result<Arc<Fixture>> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(256)
            .build()?;
        let pool_id = create_pool(admin).await?;
        let (m2m, web) = create_clients(admin, &pool_id).await?;
        let challenge = B64URL.encode(cognate_crypto::sha256(VERIFIER.as_bytes()));
        let pairs = [
            ("response_type", "code"),
            ("client_id", web.id.as_str()),
            ("redirect_uri", CALLBACK),
            ("scope", WEB_SCOPES),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("nonce", "bench-nonce"),
        ];
        let query = form(&pairs)?;
        let mut fixture = Fixture {
            http,
            site: format!("{}/{pool_id}", public_url.trim_end_matches('/')),
            pool_id,
            m2m,
            web,
            query,
            sessions: Vec::with_capacity(users),
            codes: std::sync::Mutex::new(Vec::new()),
        };
        for i in 0..users {
            let username = create_user(admin, &fixture.pool_id, i).await?;
            let (cookie, code) = fixture.sign_in(&username).await.with_context(|| format!("signing {username} in"))?;
            fixture.sessions.push(cookie);
            fixture.bank()?.push(code);
        }
        Ok(Arc::new(fixture))
    }

    pub fn users(&self) -> usize {
        self.sessions.len()
    }

    fn bank(&self) -> anyhow::Result<std::sync::MutexGuard<'_, Vec<String>>> {
        self.codes.lock().map_err(|_| anyhow::anyhow!("the code stock's lock is poisoned"))
    }

    /// The sign-in page, then its form with the page's CSRF cookie and token: the session
    /// cookie and the first code.
    async fn sign_in(&self, username: &str) -> anyhow::Result<(String, String)> {
        let url = format!("{}/login?{}", self.site, self.query);
        let page = self.http.get(&url).send().await?;
        let csrf_cookie = set_cookie(&page, "cognate_csrf").context("the sign-in page set no CSRF cookie")?;
        let text = page.text().await?;
        let token = between(&text, r#"name="_csrf" value=""#, "\"").context("no _csrf field in the sign-in page")?;
        let body = form(&[("username", username), ("password", PASSWORD), ("_csrf", token)])?;
        let resp = self
            .http
            .post(&url)
            .header(COOKIE, format!("cognate_csrf={csrf_cookie}"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await?;
        let session = set_cookie(&resp, "cognate_session").context("the sign-in set no session cookie")?;
        Ok((session, code_of(resp).await?))
    }

    /// Replaces the stock with `n` fresh codes, by silent sign-in (`GET /oauth2/authorize`
    /// with a session cookie: a 302 to the callback with a new code). Returns how long it took.
    pub async fn stock_codes(self: &Arc<Self>, n: usize) -> anyhow::Result<Duration> {
        self.bank()?.clear();
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
        Ok(start.elapsed())
    }

    async fn produce(&self, producer: usize, left: &AtomicUsize) -> anyhow::Result<()> {
        let session = self.sessions.get(producer % self.sessions.len().max(1)).context("no sessions")?;
        let url = format!("{}/oauth2/authorize?{}", self.site, self.query);
        while left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok() {
            let resp = self.http.get(&url).header(COOKIE, format!("cognate_session={session}")).send().await?;
            let code = code_of(resp).await.context("silent sign-in")?;
            self.bank()?.push(code);
        }
        Ok(())
    }

    /// Codes left in the stock.
    pub fn codes_left(&self) -> usize {
        self.bank().map_or(0, |b| b.len())
    }

    /// One call of `kind`, timed from sending to the last body byte; `None` when `kind`
    /// needs a code and the stock is empty.
    pub async fn call(&self, kind: Kind) -> anyhow::Result<Option<Timed>> {
        let elapsed = match kind {
            Kind::ClientCredentials => self.client_credentials().await?,
            Kind::Code => {
                let Some(code) = self.bank()?.pop() else { return Ok(None) };
                self.exchange(&code).await?
            }
            Kind::LoginPage => self.login_page().await?,
        };
        Ok(Some(Timed { elapsed, hits: 1 }))
    }

    async fn client_credentials(&self) -> anyhow::Result<Duration> {
        let body = form(&[("grant_type", "client_credentials"), ("scope", CUSTOM_SCOPE)])?;
        let (elapsed, tokens) = self.token(&self.m2m, body).await?;
        ensure!(tokens["access_token"].is_string() && tokens["id_token"].is_null(), "the grant answered {tokens}");
        Ok(elapsed)
    }

    async fn exchange(&self, code: &str) -> anyhow::Result<Duration> {
        let pairs = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ];
        let (elapsed, tokens) = self.token(&self.web, form(&pairs)?).await?;
        let all = ["access_token", "id_token", "refresh_token"].iter().all(|t| tokens[t].is_string());
        ensure!(all, "the exchange answered {tokens}");
        Ok(elapsed)
    }

    /// `POST /oauth2/token` with `client_secret_basic`.
    async fn token(&self, client: &Credentials, body: String) -> anyhow::Result<(Duration, Value)> {
        let req = self
            .http
            .post(format!("{}/oauth2/token", self.site))
            .basic_auth(&client.id, Some(&client.secret))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .build()?;
        let start = Instant::now();
        let resp = self.http.execute(req).await?;
        let status = resp.status();
        let bytes = resp.bytes().await?;
        let elapsed = start.elapsed();
        if status != StatusCode::OK {
            bail!("token endpoint: HTTP {status}: {}", String::from_utf8_lossy(&bytes));
        }
        Ok((elapsed, serde_json::from_slice(&bytes).context("parsing the token response")?))
    }

    async fn login_page(&self) -> anyhow::Result<Duration> {
        let req = self.http.get(format!("{}/login?{}", self.site, self.query)).build()?;
        let start = Instant::now();
        let resp = self.http.execute(req).await?;
        let status = resp.status();
        let bytes = resp.bytes().await?;
        let elapsed = start.elapsed();
        let page = String::from_utf8_lossy(&bytes);
        ensure!(status == StatusCode::OK && page.contains("name=\"_csrf\""), "login page: HTTP {status}: {page}");
        Ok(elapsed)
    }
}

/// `application/x-www-form-urlencoded` pairs (for a body or a query).
pub(crate) fn form(pairs: &[(&str, &str)]) -> anyhow::Result<String> {
    let mut url = reqwest::Url::parse("http://form.invalid/")?;
    url.query_pairs_mut().extend_pairs(pairs);
    Ok(url.query().unwrap_or_default().to_owned())
}

/// The value of the cookie `name` a response sets.
pub(crate) fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers().get_all(SET_COOKIE).iter().find_map(|v| {
        let pair = v.to_str().ok()?.split(';').next()?;
        let (n, value) = pair.split_once('=')?;
        (n.trim() == name).then(|| value.trim().to_owned())
    })
}

/// The text of `haystack` between `start` and the next `end`.
fn between<'a>(haystack: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = haystack.find(start)? + start.len();
    let len = haystack.get(from..)?.find(end)?;
    haystack.get(from..from + len)
}

/// The code of a 302 to the callback.
async fn code_of(resp: reqwest::Response) -> anyhow::Result<String> {
    let status = resp.status();
    let location = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let Some(location) = location.filter(|l| status == StatusCode::FOUND && l.starts_with(CALLBACK)) else {
        bail!("expected a redirect to the callback, got HTTP {status}: {}", resp.text().await.unwrap_or_default());
    };
    let url = reqwest::Url::parse(&location)?;
    let code = url.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned());
    code.with_context(|| format!("no code in {location}"))
}

async fn create_pool(admin: &SignedClient) -> anyhow::Result<String> {
    let (_, created) = admin.call("CreateUserPool", &json!({"PoolName": "bench-oauth"}), |_| 1).await?;
    let pool_id = created["UserPool"]["Id"].as_str().context("CreateUserPool returned no Id")?.to_owned();
    let server = json!({
        "UserPoolId": pool_id,
        "Identifier": RESOURCE_SERVER,
        "Name": RESOURCE_SERVER,
        "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"}],
    });
    admin.call("CreateResourceServer", &server, |_| 1).await?;
    Ok(pool_id)
}

/// The machine-to-machine client and the web client, both with a secret.
async fn create_clients(admin: &SignedClient, pool_id: &str) -> anyhow::Result<(Credentials, Credentials)> {
    let m2m = json!({
        "UserPoolId": pool_id,
        "ClientName": "bench-m2m",
        "GenerateSecret": true,
        "AllowedOAuthFlowsUserPoolClient": true,
        "AllowedOAuthFlows": ["client_credentials"],
        "AllowedOAuthScopes": [CUSTOM_SCOPE],
    });
    let web = json!({
        "UserPoolId": pool_id,
        "ClientName": "bench-web",
        "GenerateSecret": true,
        "AllowedOAuthFlowsUserPoolClient": true,
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": WEB_SCOPES.split(' ').collect::<Vec<_>>(),
        "CallbackURLs": [CALLBACK],
        "SupportedIdentityProviders": ["COGNITO"],
    });
    Ok((create_client(admin, &m2m).await?, create_client(admin, &web).await?))
}

async fn create_client(admin: &SignedClient, body: &Value) -> anyhow::Result<Credentials> {
    let (_, created) = admin.call("CreateUserPoolClient", body, |_| 1).await?;
    let client = &created["UserPoolClient"];
    let id = client["ClientId"].as_str().context("no ClientId")?.to_owned();
    let secret = client["ClientSecret"].as_str().context("no ClientSecret")?.to_owned();
    Ok(Credentials { id, secret })
}

async fn create_user(admin: &SignedClient, pool_id: &str, i: usize) -> anyhow::Result<String> {
    let username = format!("bench-user-{i}");
    let create = json!({
        "UserPoolId": pool_id,
        "Username": username,
        "MessageAction": "SUPPRESS",
        "UserAttributes": [
            {"Name": "email", "Value": format!("{username}@example.com")},
            {"Name": "email_verified", "Value": "true"},
        ],
    });
    admin.call("AdminCreateUser", &create, |_| 1).await?;
    let set = json!({"UserPoolId": pool_id, "Username": username, "Password": PASSWORD, "Permanent": true});
    admin.call("AdminSetUserPassword", &set, |_| 1).await?;
    Ok(username)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_fields() {
        let encoded = form(&[("scope", "openid email"), ("redirect_uri", "http://a/cb?x=1")]);
        assert_eq!(encoded.ok().as_deref(), Some("scope=openid+email&redirect_uri=http%3A%2F%2Fa%2Fcb%3Fx%3D1"));
        let page = r#"<input type="hidden" name="_csrf" value="abc123"><input>"#;
        assert_eq!(between(page, r#"name="_csrf" value=""#, "\""), Some("abc123"));
    }
}
