//! A minimal Cognito JSON 1.1 client: one keep-alive HTTP client, SigV4-signed requests (admin
//! operations) or unsigned ones (public operations: sign-in, SignUp, GetUser...), and any
//! non-200 answer turned into an error carrying the response body. User-pool operations by
//! default; [`Api`] names another JSON API (identity pools, `CognateAuthz`), and
//! [`SignedClient::query`] sends an IAM or STS query-protocol call.

use crate::sample::Timed;
use anyhow::{Context, bail};
use cognate_core::{Clock, SystemClock};
use cognate_crypto::sigv4;
use std::time::Instant;

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
const FORM: &str = "application/x-www-form-urlencoded";
pub const SERVICE: &str = "cognito-idp";

/// A JSON 1.1 API on `POST /`: the service its calls are signed for and the prefix of its
/// `X-Amz-Target`.
#[derive(Debug, Clone, Copy)]
pub struct Api {
    pub service: &'static str,
    pub target_prefix: &'static str,
}

/// User pools (`cognito-idp`): what [`SignedClient::request`] and friends call.
pub const USER_POOLS: Api = Api { service: SERVICE, target_prefix: TARGET_PREFIX };
/// Identity pools (`cognito-identity`).
pub const IDENTITY_POOLS: Api = Api { service: "cognito-identity", target_prefix: "AWSCognitoIdentityService." };
/// Cognate's authorization API (`CognateAuthz.Authorize`), signed for `cognito-identity`.
pub const AUTHZ: Api = Api { service: "cognito-identity", target_prefix: "CognateAuthz." };

#[derive(Clone)]
pub struct SignedClient {
    http: reqwest::Client,
    url: String,
    host: String,
    access_key_id: String,
    secret: String,
    region: String,
}

impl SignedClient {
    pub fn new(base_url: &str, (access_key_id, secret): (String, String), region: &str) -> anyhow::Result<Self> {
        let parsed = reqwest::Url::parse(base_url).with_context(|| format!("parsing {base_url}"))?;
        let host = match (parsed.host_str(), parsed.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => bail!("{base_url} has no host"),
        };
        let http = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
        Ok(SignedClient { http, url: parsed.to_string(), host, access_key_id, secret, region: region.to_owned() })
    }

    /// A `POST /` for `operation` of `api`, signed now for its service (as an SDK signs every
    /// call).
    pub fn request_to(&self, api: Api, operation: &str, body: &serde_json::Value) -> anyhow::Result<reqwest::Request> {
        let target = format!("{}{operation}", api.target_prefix);
        self.signed(
            api.service,
            &[("content-type", CONTENT_TYPE), ("x-amz-target", &target)],
            serde_json::to_vec(body)?,
        )
    }

    /// A query-protocol `POST /` (IAM, STS): the form `Action={action}&Version={version}&…`,
    /// signed now for `service`.
    pub fn query_request(
        &self,
        service: &str,
        action: &str,
        version: &str,
        params: &[(&str, &str)],
    ) -> anyhow::Result<reqwest::Request> {
        let mut form = reqwest::Url::parse("http://form.invalid/")?;
        form.query_pairs_mut().append_pair("Action", action).append_pair("Version", version).extend_pairs(params);
        let body = form.query().unwrap_or_default().as_bytes().to_vec();
        self.signed(service, &[("content-type", FORM)], body)
    }

    /// `body` posted to `/` with `headers` (and `host`), signed now for `service`.
    fn signed(&self, service: &str, headers: &[(&str, &str)], body: Vec<u8>) -> anyhow::Result<reqwest::Request> {
        let mut all = vec![("host", self.host.as_str())];
        all.extend_from_slice(headers);
        let auth = sigv4::sign_headers(
            "POST",
            "/",
            "",
            &all,
            &body,
            &self.access_key_id,
            &self.secret,
            &self.region,
            service,
            SystemClock.now_datetime(),
        );
        let mut req = self.http.post(&self.url);
        for (name, value) in all.iter().copied().chain(auth.iter().map(|(n, v)| (n.as_str(), v.as_str()))) {
            req = req.header(name, value);
        }
        Ok(req.body(body).build()?)
    }

    /// An unsigned `POST /` for a public `operation` of `api`, as a browser or mobile SDK sends it.
    pub fn public_request_to(
        &self,
        api: Api,
        operation: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<reqwest::Request> {
        let req = self
            .http
            .post(&self.url)
            .header("content-type", CONTENT_TYPE)
            .header("x-amz-target", format!("{}{operation}", api.target_prefix))
            .body(serde_json::to_vec(body)?);
        Ok(req.build()?)
    }

    /// A timed `GET` of `path` (e.g. `/health`): the bare HTTP round trip, no operation.
    pub async fn get(&self, path: &str) -> anyhow::Result<std::time::Duration> {
        let req = self.http.get(format!("{}{path}", self.url.trim_end_matches('/'))).build()?;
        let start = Instant::now();
        self.send(req).await.with_context(|| format!("GET {path}"))?;
        Ok(start.elapsed())
    }

    /// Sends a prepared request and reads the whole body; only this part is timed.
    pub async fn send(&self, req: reqwest::Request) -> anyhow::Result<impl AsRef<[u8]> + use<>> {
        let resp = self.http.execute(req).await.context("sending the request")?;
        let status = resp.status();
        let body = resp.bytes().await.context("reading the response")?;
        if status != reqwest::StatusCode::OK {
            bail!("HTTP {status}: {}", String::from_utf8_lossy(&body));
        }
        Ok(body)
    }

    /// Signs, sends (timed) and parses one user-pool call; `hits` counts the items in the answer.
    pub async fn call(
        &self,
        operation: &str,
        body: &serde_json::Value,
        hits: impl FnOnce(&serde_json::Value) -> usize,
    ) -> anyhow::Result<(Timed, serde_json::Value)> {
        self.call_to(USER_POOLS, operation, body, hits).await
    }

    /// Signs, sends (timed) and parses one call of `api`.
    pub async fn call_to(
        &self,
        api: Api,
        operation: &str,
        body: &serde_json::Value,
        hits: impl FnOnce(&serde_json::Value) -> usize,
    ) -> anyhow::Result<(Timed, serde_json::Value)> {
        let req = self.request_to(api, operation, body)?;
        self.timed(req, operation, body, hits).await
    }

    /// Sends (timed) and parses one unsigned call to a public user-pool operation.
    pub async fn call_public(
        &self,
        operation: &str,
        body: &serde_json::Value,
        hits: impl FnOnce(&serde_json::Value) -> usize,
    ) -> anyhow::Result<(Timed, serde_json::Value)> {
        self.call_public_to(USER_POOLS, operation, body, hits).await
    }

    /// Sends (timed) and parses one unsigned call to a public operation of `api`.
    pub async fn call_public_to(
        &self,
        api: Api,
        operation: &str,
        body: &serde_json::Value,
        hits: impl FnOnce(&serde_json::Value) -> usize,
    ) -> anyhow::Result<(Timed, serde_json::Value)> {
        let req = self.public_request_to(api, operation, body)?;
        self.timed(req, operation, body, hits).await
    }

    /// Signs and sends one query-protocol call (IAM, STS) for `service`: the XML answer.
    pub async fn query(
        &self,
        service: &str,
        action: &str,
        version: &str,
        params: &[(&str, &str)],
    ) -> anyhow::Result<String> {
        let req = self.query_request(service, action, version, params)?;
        let body = self.send(req).await.with_context(|| format!("{service} {action}"))?;
        Ok(String::from_utf8_lossy(body.as_ref()).into_owned())
    }

    async fn timed(
        &self,
        req: reqwest::Request,
        operation: &str,
        body: &serde_json::Value,
        hits: impl FnOnce(&serde_json::Value) -> usize,
    ) -> anyhow::Result<(Timed, serde_json::Value)> {
        let start = Instant::now();
        let raw = self.send(req).await.with_context(|| format!("{operation} {body}"))?;
        let elapsed = start.elapsed();
        let value: serde_json::Value = serde_json::from_slice(raw.as_ref()).context("parsing the response")?;
        Ok((Timed { elapsed, hits: hits(&value) }, value))
    }
}
