//! `federation`: sign-in through identity providers via the hosted UI, end to end, from 1 and
//! several concurrent requesters: OpenID Connect (authorize → the upstream → idpresponse →
//! code exchange) and IdP-initiated SAML (a signed Response posted to saml2/idpresponse →
//! code exchange), each for a returning user and for a first sign-in (a user created each
//! time), beside the crypto floor of one sign-in and the ceilings per core it implies. The
//! providers run inside this process (`federation_upstream`).

use crate::auth::{per_core, rate, server_per_core};
use crate::client::SignedClient;
use crate::federation_upstream::{self as upstream, OidcUpstream, SamlIdp};
use crate::floor::{self, Cost};
use crate::machine::CpuUse;
use crate::oauth::server_cpu_per_call;
use crate::oauth_ops::{form, set_cookie};
use crate::report::{Report, Table, ms, thousands};
use crate::sample::{self, Summary, Timed};
use crate::server::{self, DataDir};
use anyhow::{Context, anyhow, bail, ensure};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64URL};
use cognate_core::{Clock, SystemClock};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use samael::crypto::{Crypto, CryptoProvider};
use serde_json::{Value, json};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

const OIDC_PROVIDER: &str = "BenchOIDC";
const SAML_PROVIDER: &str = "BenchSAML";
/// The app client's callback (never called: the code is read from the redirect).
const CALLBACK: &str = "http://localhost:8123/cb";
const SCOPES: &str = "openid email profile";
/// The PKCE verifier of every authorization request.
const VERIFIER: &str = "cognate-bench-pkce-verifier-0123456789abcdefghijklmnop";
/// The upstream subject of the returning user (one per provider).
const RETURNING: &str = "returning-user";
/// Cognate's cookie binding a provider's answer to the browser that went there.
const FEDERATION_COOKIE: &str = "cognate_federation";

/// The sign-ins measured, in the order of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// OpenID Connect, the same upstream subject every time.
    OidcReturning,
    /// OpenID Connect, a new upstream subject every time (a user is created).
    OidcFirst,
    /// IdP-initiated SAML, the same NameID every time.
    SamlReturning,
    /// IdP-initiated SAML, a new NameID every time (a user is created).
    SamlFirst,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::OidcReturning, Kind::OidcFirst, Kind::SamlReturning, Kind::SamlFirst];

    pub fn label(self) -> &'static str {
        match self {
            Kind::OidcReturning => "OIDC, returning user",
            Kind::OidcFirst => "OIDC, first sign-in",
            Kind::SamlReturning => "SAML IdP-init, returning user",
            Kind::SamlFirst => "SAML IdP-init, first sign-in",
        }
    }

    fn saml(self) -> bool {
        matches!(self, Kind::SamlReturning | Kind::SamlFirst)
    }

    fn first(self) -> bool {
        matches!(self, Kind::OidcFirst | Kind::SamlFirst)
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Concurrent requesters: one run per count, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,4")]
    callers: Vec<usize>,
    /// Length of each run, in seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Sign-ins each requester makes before a run's clock starts.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Time given to each crypto-floor measurement, in seconds.
    #[arg(long, default_value_t = 1.5)]
    floor_seconds: f64,
    /// Sign-ins to measure (default: all), comma-separated.
    #[arg(long, value_delimiter = ',', value_enum)]
    only: Vec<Kind>,
    /// Keep the data directory under target/bench-data/ (its path is printed).
    #[arg(long)]
    keep: bool,
}

pub async fn run(args: Args) -> anyhow::Result<Report> {
    ensure!(!args.callers.is_empty() && !args.callers.contains(&0), "--callers must be positive counts");
    ensure!(args.seconds > 0.0 && args.seconds <= 240.0, "--seconds must be in (0, 240]");
    let dir = DataDir::choose(None, args.keep, "federation")?;
    eprintln!("data directory: {}", dir.path.display());
    let server = server::start(&dir).await?;
    let result = bench(&args, &server).await;
    let server::BenchServer { running, client, .. } = server;
    drop(client);
    running.shutdown().await?;
    result
}

/// Per sign-in, each step's time: Cognate's authorize, the upstream's authorize, Cognate's
/// idpresponse, the code exchange, and (SAML) the IdP signing its Response, which happens
/// before the timed part.
type Steps = [Option<Duration>; 5];
const STEP_LABELS: [&str; 5] = ["authorize", "upstream", "idpresponse", "token", "IdP signs"];

struct Run {
    callers: usize,
    summary: Summary,
    steps: Vec<Steps>,
}

struct Measured {
    kind: Kind,
    runs: Vec<Run>,
}

/// The crypto floor's parts, RS256 measured before and after the load runs.
struct Floors {
    sign: Cost,
    verify: Cost,
    refresh: Cost,
    xml_verify: Option<Cost>,
    drift: String,
}

async fn bench(args: &Args, server: &server::BenchServer) -> anyhow::Result<Report> {
    let kinds: Vec<Kind> = Kind::ALL.into_iter().filter(|k| args.only.is_empty() || args.only.contains(k)).collect();
    let with_saml = kinds.iter().any(|k| k.saml());
    eprintln!("starting the upstream providers; creating the pool, its identity providers and app client");
    let fixture = Fixture::create(&server.client, &server.running.public_url, with_saml).await?;
    eprintln!("measuring the crypto floor");
    let (before, extra) = floors_before(&fixture, args.floor_seconds).await?;
    let cpu = CpuUse::now();
    let mut measured = Vec::new();
    for &kind in &kinds {
        let mut runs = Vec::new();
        for &callers in &args.callers {
            eprintln!("measuring {} with {callers} requester(s)", kind.label());
            fixture.take_steps();
            let summary = calls(&fixture, kind, callers, args.warmup, args.seconds).await?;
            runs.push(Run { callers, summary, steps: fixture.take_steps() });
        }
        measured.push(Measured { kind, runs });
    }
    let cpu = cpu.and_then(|c| c.since());
    let after = rs256(args.floor_seconds).await?;
    let floors = Floors {
        sign: mean(&before.sign, &after[0]),
        verify: mean(&before.verify, &after[1]),
        refresh: before.refresh,
        xml_verify: before.xml_verify,
        drift: format!(
            "RS256 sign {} → {} ms, verify {} → {} ms",
            ms(before.sign.per_op),
            ms(after[0].per_op),
            ms(before.verify.per_op),
            ms(after[1].per_op)
        ),
    };
    let users = fixture.count_users(&server.client).await?;

    let mut report = Report::new("cognate-bench federation: sign-in through OIDC and SAML identity providers");
    facts(&mut report, args, &fixture, cpu, users);
    report
        .fact("floor drift", format!("before → after the load runs: {}; the floor below is their mean", floors.drift));
    report.floor(floors.sign.clone());
    report.floor(floors.verify.clone());
    report.floor(floors.refresh.clone());
    if let Some(x) = &floors.xml_verify {
        report.floor(x.clone());
    }
    for cost in extra {
        report.context(cost);
    }
    report.table(
        "Over HTTP (keep-alive; requesters and upstreams share the machine with the server)",
        results(&measured),
    );
    report.table(
        "Where a sign-in's time goes (p50 of each step, ms; over the run's calls, warm-up included)",
        steps(&measured),
    );
    report.table("Crypto ceilings per core", ceilings(&measured, &floors));
    notes(&mut report);
    Ok(report)
}

fn mean(a: &Cost, b: &Cost) -> Cost {
    Cost { name: a.name.clone(), per_op: (a.per_op + b.per_op) / 2 }
}

async fn rs256(seconds: f64) -> anyhow::Result<[Cost; 2]> {
    tokio::task::spawn_blocking(move || floor::rs256(seconds)).await?
}

/// The floor before the runs, and the context costs (the upstream's share, Cognate's whole
/// SAML verification).
async fn floors_before(fixture: &Arc<Fixture>, seconds: f64) -> anyhow::Result<(Floors, Vec<Cost>)> {
    let [sign, verify] = rs256(seconds).await?;
    let fixture = fixture.clone();
    let (refresh, xml_verify, extra) = tokio::task::spawn_blocking(move || {
        let refresh = floor::measure("refresh token (48 random bytes, base64url, SHA-256 digest)", seconds, || {
            let token = B64URL.encode(cognate_crypto::random::bytes::<48>());
            black_box(cognate_crypto::digest_hex(&[b"refresh-token", token.as_bytes()]));
            Ok(())
        })?;
        let mut extra = Vec::new();
        let xml_verify = match &fixture.saml {
            Some(idp) => Some(saml_floors(&fixture, idp, seconds, &mut extra)?),
            None => None,
        };
        anyhow::Ok((refresh, xml_verify, extra))
    })
    .await??;
    let floors = Floors { sign, verify, refresh, xml_verify, drift: String::new() };
    Ok((floors, extra))
}

/// XML-DSig verification of one of the IdP's responses (the floor), and as context the IdP's
/// signing and `cognate_saml::verify_response` as Cognate runs it (parse, guard, verify and
/// reduce, protocol checks).
fn saml_floors(fixture: &Fixture, idp: &SamlIdp, seconds: f64, extra: &mut Vec<Cost>) -> anyhow::Result<Cost> {
    let email = upstream::email_of("floor-user");
    let xml = idp.signed_response(&fixture.acs, &fixture.sp_entity_id, "floor-user", &email)?;
    let cert = idp.certificate();
    let verify = floor::measure(
        "XML-DSig verify (samael/xmlsec: libxml2 parse, certificate load, exc-c14n, SHA-256, RSA-2048)",
        seconds,
        || Crypto::verify_signed_xml(black_box(xml.as_bytes()), &cert, Some("ID")).map_err(|e| anyhow!("{e}")),
    )?;
    extra.push(floor::measure(
        "IdP: build + sign a Response (xmlsec, RSA-2048; the upstream's work, this process)",
        seconds,
        || {
            black_box(idp.signed_response(&fixture.acs, &fixture.sp_entity_id, "floor-user", &email)?);
            Ok(())
        },
    )?);
    let b64 = STANDARD.encode(&xml);
    let certs = vec![idp.certificate_der().to_vec()];
    let expect = cognate_saml::Expectations {
        idp_entity_id: &idp.entity_id,
        idp_certs: &certs,
        sp_entity_id: &fixture.sp_entity_id,
        acs_url: &fixture.acs,
        in_response_to: None,
        now: SystemClock.now_datetime(),
        skew_seconds: 60,
        decryption_key: None,
    };
    extra.push(floor::measure(
        "cognate_saml::verify_response (guard, verify + reduce, checks; Cognate's whole XML work)",
        seconds,
        || {
            black_box(cognate_saml::verify_response(black_box(&b64), &expect).map_err(|e| anyhow!("{e}"))?);
            Ok(())
        },
    )?);
    Ok(verify)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Fixture {
    /// Follows no redirect, so each is read; keeps connections alive.
    http: reqwest::Client,
    /// `{public URL}/{pool id}`.
    site: String,
    pool_id: String,
    client_id: String,
    client_secret: String,
    /// `GET /oauth2/authorize` naming the OIDC provider.
    oidc_authorize: String,
    /// Where the upstream sends the browser back (`…/oauth2/idpresponse?`).
    idp_response: String,
    /// IdP-initiated SAML's RelayState: the authorization request naming the SAML provider.
    relay_state: String,
    /// The pool's assertion consumer service and SP entity id.
    acs: String,
    sp_entity_id: String,
    upstream: OidcUpstream,
    saml: Option<SamlIdp>,
    /// Numbers the subjects of first sign-ins.
    fresh: AtomicUsize,
    steps: Mutex<Vec<Steps>>,
}

impl Fixture {
    async fn create(admin: &SignedClient, public_url: &str, with_saml: bool) -> anyhow::Result<Arc<Fixture>> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(256)
            .build()?;
        let upstream = OidcUpstream::start().await?;
        let (_, created) = admin.call("CreateUserPool", &json!({"PoolName": "bench-federation"}), |_| 1).await?;
        let pool_id = created["UserPool"]["Id"].as_str().context("CreateUserPool returned no Id")?.to_owned();
        let oidc = json!({
            "UserPoolId": pool_id,
            "ProviderName": OIDC_PROVIDER,
            "ProviderType": "OIDC",
            "ProviderDetails": {
                "client_id": upstream::CLIENT_ID,
                "client_secret": upstream::CLIENT_SECRET,
                "authorize_scopes": "openid email",
                "oidc_issuer": upstream.issuer,
                "attributes_request_method": "GET",
            },
            "AttributeMapping": {"email": "email"},
        });
        admin.call("CreateIdentityProvider", &oidc, |_| 1).await.context("creating the OIDC provider")?;
        let mut providers = vec!["COGNITO", OIDC_PROVIDER];
        let saml = if with_saml {
            let idp = tokio::task::spawn_blocking(SamlIdp::new).await??;
            let details = json!({
                "UserPoolId": pool_id,
                "ProviderName": SAML_PROVIDER,
                "ProviderType": "SAML",
                "ProviderDetails": {"MetadataFile": idp.metadata(), "IDPInit": "true"},
                "AttributeMapping": {"email": upstream::EMAIL_ATTRIBUTE},
            });
            admin.call("CreateIdentityProvider", &details, |_| 1).await.context("creating the SAML provider")?;
            providers.push(SAML_PROVIDER);
            Some(idp)
        } else {
            None
        };
        let client = json!({
            "UserPoolId": pool_id,
            "ClientName": "bench-federated-web",
            "GenerateSecret": true,
            "AllowedOAuthFlowsUserPoolClient": true,
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": SCOPES.split(' ').collect::<Vec<_>>(),
            "CallbackURLs": [CALLBACK],
            "SupportedIdentityProviders": providers,
        });
        let (_, created) = admin.call("CreateUserPoolClient", &client, |_| 1).await?;
        let client_id = created["UserPoolClient"]["ClientId"].as_str().context("no ClientId")?.to_owned();
        let client_secret = created["UserPoolClient"]["ClientSecret"].as_str().context("no ClientSecret")?.to_owned();
        let site = format!("{}/{pool_id}", public_url.trim_end_matches('/'));
        let challenge = B64URL.encode(cognate_crypto::sha256(VERIFIER.as_bytes()));
        let request = |provider: &str| {
            form(&[
                ("identity_provider", provider),
                ("response_type", "code"),
                ("client_id", client_id.as_str()),
                ("redirect_uri", CALLBACK),
                ("scope", SCOPES),
                ("state", "bench-state"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ])
        };
        let fixture = Fixture {
            http,
            oidc_authorize: format!("{site}/oauth2/authorize?{}", request(OIDC_PROVIDER)?),
            idp_response: format!("{site}/oauth2/idpresponse?"),
            relay_state: request(SAML_PROVIDER)?,
            acs: format!("{site}/saml2/idpresponse"),
            sp_entity_id: format!("urn:amazon:cognito:sp:{pool_id}"),
            site,
            pool_id,
            client_id,
            client_secret,
            upstream,
            saml,
            fresh: AtomicUsize::new(0),
            steps: Mutex::new(Vec::new()),
        };
        // The returning users' first sign-ins (which create them), checked once.
        let (_, _, tokens) = fixture.oidc_sign_in(RETURNING).await.context("the first OIDC sign-in")?;
        check_id_token(&tokens, OIDC_PROVIDER, RETURNING)?;
        if fixture.saml.is_some() {
            let (_, _, tokens) = fixture.saml_sign_in(RETURNING).await.context("the first SAML sign-in")?;
            check_id_token(&tokens, SAML_PROVIDER, RETURNING)?;
        }
        Ok(Arc::new(fixture))
    }

    fn take_steps(&self) -> Vec<Steps> {
        std::mem::take(&mut *lock(&self.steps))
    }

    /// One sign-in of `kind`, timed from the first request sent to the tokens read.
    async fn call(&self, kind: Kind) -> anyhow::Result<Timed> {
        let subject = if kind.first() {
            format!("first-{}", self.fresh.fetch_add(1, Ordering::Relaxed))
        } else {
            RETURNING.into()
        };
        let (elapsed, steps, _) =
            if kind.saml() { self.saml_sign_in(&subject).await? } else { self.oidc_sign_in(&subject).await? };
        lock(&self.steps).push(steps);
        Ok(Timed { elapsed, hits: 1 })
    }

    /// As a browser: Cognate's authorize (302 to the upstream, the binding cookie), the
    /// upstream's authorize (signed in there already: 302 back with a code), Cognate's
    /// idpresponse with the cookie (302 to the callback with a code), then the app's code
    /// exchange.
    async fn oidc_sign_in(&self, subject: &str) -> anyhow::Result<(Duration, Steps, Value)> {
        let start = Instant::now();
        let resp = self.http.get(&self.oidc_authorize).send().await?;
        let binding = set_cookie(&resp, FEDERATION_COOKIE).context("authorize set no cognate_federation cookie")?;
        let to_upstream = redirect_to(resp, &self.upstream.authorize_url()).await.context("Cognate's authorize")?;
        let authorize = start.elapsed();

        let t = Instant::now();
        let resp =
            self.http.get(&to_upstream).header(COOKIE, format!("{}={subject}", upstream::USER_COOKIE)).send().await?;
        let back = redirect_to(resp, &self.idp_response).await.context("the upstream's authorize")?;
        let at_upstream = t.elapsed();

        let t = Instant::now();
        let resp = self.http.get(&back).header(COOKIE, format!("{FEDERATION_COOKIE}={binding}")).send().await?;
        let code = code_of(resp).await.context("idpresponse")?;
        let idp_response = t.elapsed();

        let t = Instant::now();
        let tokens = self.exchange(&code).await?;
        let exchange = t.elapsed();
        Ok((start.elapsed(), [Some(authorize), Some(at_upstream), Some(idp_response), Some(exchange), None], tokens))
    }

    /// The IdP signs a Response (not timed: it happens at the IdP, before the browser posts),
    /// the browser posts it with the authorization request as RelayState (302 to the callback
    /// with a code), then the app's code exchange.
    async fn saml_sign_in(&self, subject: &str) -> anyhow::Result<(Duration, Steps, Value)> {
        let idp = self.saml.as_ref().context("no SAML provider in this run")?;
        let t = Instant::now();
        let response = idp.response_b64(&self.acs, &self.sp_entity_id, subject, &upstream::email_of(subject))?;
        let signing = t.elapsed();
        let body = form(&[("SAMLResponse", response.as_str()), ("RelayState", self.relay_state.as_str())])?;
        let req =
            self.http.post(&self.acs).header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(body).build()?;
        let start = Instant::now();
        let resp = self.http.execute(req).await?;
        let code = code_of(resp).await.context("saml2/idpresponse")?;
        let idp_response = start.elapsed();

        let t = Instant::now();
        let tokens = self.exchange(&code).await?;
        let exchange = t.elapsed();
        Ok((start.elapsed(), [None, None, Some(idp_response), Some(exchange), Some(signing)], tokens))
    }

    /// `POST /oauth2/token` `grant_type=authorization_code` with `client_secret_basic`.
    async fn exchange(&self, code: &str) -> anyhow::Result<Value> {
        let pairs = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ];
        let resp = self
            .http
            .post(format!("{}/oauth2/token", self.site))
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form(&pairs)?)
            .send()
            .await?;
        let status = resp.status();
        let bytes = resp.bytes().await?;
        if status != StatusCode::OK {
            bail!("token endpoint: HTTP {status}: {}", String::from_utf8_lossy(&bytes));
        }
        let tokens: Value = serde_json::from_slice(&bytes).context("parsing the token response")?;
        let all = ["access_token", "id_token", "refresh_token"].iter().all(|t| tokens[t].is_string());
        ensure!(all, "the exchange answered {tokens}");
        Ok(tokens)
    }

    /// DescribeUserPool's EstimatedNumberOfUsers.
    async fn count_users(&self, admin: &SignedClient) -> anyhow::Result<u64> {
        let (_, pool) = admin.call("DescribeUserPool", &json!({"UserPoolId": self.pool_id}), |_| 1).await?;
        pool["UserPool"]["EstimatedNumberOfUsers"].as_u64().context("DescribeUserPool gave no EstimatedNumberOfUsers")
    }
}

/// The ID token Cognate issued names the federated user (`{provider}_{subject}`) and carries
/// the e-mail address the provider gave.
fn check_id_token(tokens: &Value, provider: &str, subject: &str) -> anyhow::Result<()> {
    let token = tokens["id_token"].as_str().context("no id_token")?;
    let payload = token.split('.').nth(1).context("the ID token is not a JWS")?;
    let claims: Value = serde_json::from_slice(&B64URL.decode(payload)?)?;
    let username = claims["cognito:username"].as_str().unwrap_or_default();
    ensure!(
        username.eq_ignore_ascii_case(&format!("{provider}_{subject}")),
        "the ID token names {username:?}, not {provider}_{subject}: {claims}"
    );
    ensure!(
        claims["email"] == json!(upstream::email_of(subject)),
        "the ID token's email is not the provider's: {claims}"
    );
    Ok(())
}

async fn calls(
    fixture: &Arc<Fixture>,
    kind: Kind,
    callers: usize,
    warmup: usize,
    seconds: f64,
) -> anyhow::Result<Summary> {
    let fixture = fixture.clone();
    sample::concurrent(callers, warmup, seconds, move || {
        let fixture = fixture.clone();
        async move { fixture.call(kind).await }
    })
    .await
    .with_context(|| format!("{} ({callers} requesters)", kind.label()))
}

/// The target of a 302 that must start with `prefix` (the body read, so the connection is reused).
async fn redirect_to(resp: reqwest::Response, prefix: &str) -> anyhow::Result<String> {
    let status = resp.status();
    let location = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = resp.bytes().await?;
    match location {
        Some(l) if status == StatusCode::FOUND && l.starts_with(prefix) => Ok(l),
        other => bail!(
            "expected a redirect to {prefix}…, got HTTP {status} to {other:?}: {}",
            String::from_utf8_lossy(&body)
        ),
    }
}

/// The code of a 302 to the callback.
async fn code_of(resp: reqwest::Response) -> anyhow::Result<String> {
    let location = redirect_to(resp, CALLBACK).await?;
    let url = reqwest::Url::parse(&location)?;
    let code = url.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned());
    code.with_context(|| format!("no code in {location}"))
}

fn facts(report: &mut Report, args: &Args, fixture: &Fixture, cpu: Option<(f64, f64)>, users: u64) {
    let saml = if fixture.saml.is_some() {
        format!(
            ", and SAML provider {SAML_PROVIDER} (IDPInit true, MetadataFile of the in-process IdP, AttributeMapping email=email)"
        )
    } else {
        String::new()
    };
    report.fact(
        "pool",
        format!(
            "{}: OIDC provider {OIDC_PROVIDER} (oidc_issuer {}, client_secret_post, attributes_request_method GET, \
             AttributeMapping email=email){saml}; an app client with a secret (client_secret_basic, flow code, scopes \
             {SCOPES}, PKCE S256), SupportedIdentityProviders COGNITO and the providers",
            fixture.pool_id, fixture.upstream.issuer
        ),
    );
    report.fact(
        "upstreams",
        format!(
            "in this process, on the benchmark's runtime (not the server's): the OpenID provider signed {} ID tokens \
             (RS256, RSA-2048){}",
            thousands(fixture.upstream.signed()),
            if fixture.saml.is_some() { "; the SAML IdP signs each Response with xmlsec (RSA-SHA256)" } else { "" }
        ),
    );
    let first = fixture.fresh.load(Ordering::Relaxed);
    let returning = 1 + usize::from(fixture.saml.is_some());
    report.fact(
        "users",
        format!(
            "{users} in the pool after the runs (expected {}: {first} first sign-ins, warm-ups included, and \
             {returning} returning user(s))",
            first + returning
        ),
    );
    report.fact("budget", format!("per row: {} warm-up sign-ins per requester, then {} s", args.warmup, args.seconds));
    if let Some((own, others)) = cpu {
        report.fact(
            "cpu use",
            format!("while measuring: this process {own:.0}%, other processes {others:.0}% of all CPUs"),
        );
    }
}

fn results(measured: &[Measured]) -> Table {
    let mut table = Table::new(&[
        "sign-in",
        "callers",
        "n",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "sign-ins/s",
        "cores",
        "/s/core",
        "srv cores",
        "srv/core",
        "srv ms/call",
    ]);
    for m in measured {
        for Run { callers, summary: s, .. } in &m.runs {
            table.row(vec![
                m.kind.label().into(),
                callers.to_string(),
                s.n.to_string(),
                ms(s.p50),
                ms(s.p95),
                ms(s.p99),
                ms(s.max),
                rate(s.per_sec),
                s.cores().map_or("?".into(), |c| format!("{c:.2}")),
                per_core(s).map_or("?".into(), rate),
                s.server_cores().map_or("?".into(), |c| format!("{c:.2}")),
                server_per_core(s).map_or("?".into(), rate),
                server_cpu_per_call(s).map_or("?".into(), ms),
            ]);
        }
    }
    table
}

/// The median of one step over a run's sign-ins.
fn step_p50(steps: &[Steps], i: usize) -> Option<Duration> {
    let mut v: Vec<Duration> = steps.iter().filter_map(|s| s.get(i).copied().flatten()).collect();
    v.sort_unstable();
    v.get(v.len().checked_sub(1)? / 2).copied()
}

fn steps(measured: &[Measured]) -> Table {
    let mut header = vec!["sign-in", "callers"];
    header.extend(STEP_LABELS);
    let mut table = Table::new(&header);
    for m in measured {
        for run in &m.runs {
            let mut row = vec![m.kind.label().to_owned(), run.callers.to_string()];
            row.extend((0..STEP_LABELS.len()).map(|i| step_p50(&run.steps, i).map_or("-".into(), ms)));
            table.row(row);
        }
    }
    table
}

/// The best run by `rate`, with its requester count.
fn best_by(m: &Measured, rate: fn(&Summary) -> Option<f64>) -> Option<(usize, f64)> {
    m.runs.iter().filter_map(|r| rate(&r.summary).map(|v| (r.callers, v))).max_by(|a, b| a.1.total_cmp(&b.1))
}

fn ceilings(measured: &[Measured], f: &Floors) -> Table {
    let mut table = Table::new(&[
        "sign-in",
        "Cognate's floor per sign-in",
        "floor ms",
        "ceiling/core",
        "best srv/core",
        "callers",
        "of ceiling",
        "+ upstream ms",
        "ceiling/core",
        "best /s/core",
    ]);
    let sign = f.sign.per_op.as_secs_f64();
    let refresh = f.refresh.per_op.as_secs_f64();
    for m in measured {
        let (what, check) = if m.kind.saml() {
            match &f.xml_verify {
                Some(x) => ("1 XML-DSig verify + 2 RS256 signs + refresh token", x.per_op.as_secs_f64()),
                None => continue,
            }
        } else {
            ("1 RS256 verify + 2 RS256 signs + refresh token", f.verify.per_op.as_secs_f64())
        };
        let cognate = check + 2.0 * sign + refresh;
        let ceiling = 1.0 / cognate.max(1e-12);
        let mut row = vec![m.kind.label().into(), what.into(), format!("{:.3}", cognate * 1e3), rate(ceiling)];
        match best_by(m, server_per_core) {
            Some((callers, r)) => row.extend([rate(r), callers.to_string(), format!("{:.0}%", 100.0 * r / ceiling)]),
            None => row.extend(["?".into(), "-".into(), "?".into()]),
        }
        // The upstream's own signature runs on this machine too (OIDC: an RS256 ID token; SAML:
        // the Response's XML signature, counted as one RS256 sign: the RSA operation it is).
        let whole = cognate + sign;
        row.extend([format!("{:.3}", whole * 1e3), rate(1.0 / whole.max(1e-12))]);
        row.push(best_by(m, per_core).map_or("?".into(), |(_, r)| rate(r)));
        table.row(row);
    }
    table
}

fn notes(report: &mut Report) {
    report.note("OIDC sign-in, as a browser and app: GET /oauth2/authorize?identity_provider=BenchOIDC (302 to the upstream, cognate_federation cookie) → the upstream's /authorize (signed in there by cookie: 302 back with a code and the state) → GET /oauth2/idpresponse with the cookie (Cognate redeems the code at the upstream's token endpoint with client_secret_post, verifies the RS256 ID token against the upstream's JWKS, cached after the first fetch, calls userInfo, signs the user in or creates them, starts a hosted-UI session and issues a code: 302 to the callback) → POST /oauth2/token (authorization_code, client_secret_basic, PKCE). p50 … max cover all four exchanges.");
    report.note("SAML sign-in, IdP-initiated: the IdP signs a Response (a fresh assertion ID each time, assertion signed) → POST /saml2/idpresponse with RelayState = the authorization request naming BenchSAML (Cognate verifies the XML signature against the metadata's certificate, checks the assertion, records its ID against replay, signs the user in or creates them, issues a code: 302 to the callback) → POST /oauth2/token. p50 … max cover the POST and the exchange; the IdP's signing (its own column in the steps table) is left out of the latency but is in sign-ins/s, as requester-side work.");
    report.note("returning user: the same upstream subject every time (its attributes unchanged, so no user write); first sign-in: a new subject every time, so each sign-in creates a user.");
    report.note("The upstream OpenID provider and the SAML IdP run in this same process, on this same machine: the upstream's RS256 signature of every ID token (and the IdP's XML signature of every Response) competes with Cognate for the same cores. They run on the benchmark's runtime, not the server's, so srv cores, srv/core and srv ms/call exclude them; cores and /s/core include them, and the requesters' HTTP work.");
    report.note("Crypto ceilings: Cognate's floor per sign-in is what Cognate itself must compute (the upstream's signature check, the ID and access tokens' RS256 signatures, the refresh token's randomness and digest); best srv/core is judged against it. `+ upstream ms` adds the upstream's own signature (one RSA-2048 signature either way) for the whole-process figure /s/core.");
    report.note("When cores stays well below the machine's CPUs with several requesters, the sign-ins wait on something other than CPU: every Cognate step of a sign-in writes to the store (the sign-in state taken and spent, the hosted-UI session, the code, the token family; the user on a first sign-in; the assertion ID for SAML), and embedded SQLite has one writer that syncs each commit.");
    report.note("srv figures count the server's threads (its runtime's workers and blocking threads, SQLite's workers; /proc/self/task/*/stat in 10 ms ticks). Cognate's own calls to the upstream (token, userInfo) are on the server's runtime and count as the server's.");
}
