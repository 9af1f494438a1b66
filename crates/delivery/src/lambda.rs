//! Trigger invocation, behind `cognate_idp::Invoker`. A LambdaConfig value that is an
//! http(s) URL receives the event as a JSON POST; anything else names a Lambda function
//! (ARN or name) invoked through the Lambda Invoke API at the configured endpoint, which
//! AWS Lambda itself, the runtime interface emulator or a local Lambda service can serve.
//! Invoke requests are SigV4-signed when credentials are configured.
//!
//! URL-style contract: a 2xx answer's body is the returned event; a non-2xx answer whose
//! JSON body has `errorMessage` is the function raising; anything else is a failed call.
//!
//! With an operator allow-list (`--trigger-allow`), a URL is called only when the list admits
//! its host, checked here before any request because a pool may have been stored before the
//! list was set. A host name no pattern names is admitted only through the list's IP ranges,
//! by a client whose resolver looks the name up once and hands the connection exactly the
//! addresses it checked: a DNS answer that changes between check and connect (rebinding)
//! cannot steer the call elsewhere, since there is no second lookup.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use async_trait::async_trait;
use cognate_core::Clock;
use cognate_idp::trigger_targets::{self, TargetHost, TriggerAllowList};
use cognate_idp::{InvokeError, InvokeMode, Invoker};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// Cognito gives a trigger five seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Invoke calls the Lambda service throttled or failed on its side are made again, as
/// Cognito retries them, within the same time budget: at most this many calls in all.
const ATTEMPTS: u32 = 3;

/// Everything but RFC 3986's unreserved characters is escaped in the function-name segment,
/// as the AWS SDKs escape an ARN's colons.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

#[derive(Clone)]
pub struct InvokerConfig {
    /// Base URL of the Lambda Invoke API, for ARN- and name-style triggers.
    pub lambda_endpoint: Option<String>,
    /// SigV4 credentials for the Invoke API: (access key id, secret access key).
    pub lambda_credentials: Option<(String, String)>,
    pub region: String,
    pub timeout: Duration,
}

impl fmt::Debug for InvokerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvokerConfig")
            .field("lambda_endpoint", &self.lambda_endpoint.as_deref().map(crate::redact_url))
            .field("lambda_access_key_id", &self.lambda_credentials.as_ref().map(|c| &c.0))
            .field("region", &self.region)
            .field("timeout", &self.timeout)
            .finish()
    }
}

pub struct TriggerInvoker {
    client: reqwest::Client,
    allow: TriggerAllowList,
    /// For URLs whose host name the allow-list admits only by its IP ranges: resolves through
    /// [`RangeResolver`]. `None` when the list has no such ranges.
    checked: Option<reqwest::Client>,
    endpoint: Option<url::Url>,
    credentials: Option<(String, String)>,
    region: String,
    timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl TriggerInvoker {
    pub fn new(config: InvokerConfig, clock: Arc<dyn Clock>) -> anyhow::Result<TriggerInvoker> {
        let endpoint = match config.lambda_endpoint.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => {
                let url =
                    url::Url::parse(raw).map_err(|e| anyhow::anyhow!("the Lambda endpoint is not a URL ({e})"))?;
                if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
                    bail!("the Lambda endpoint must be an http(s) URL with a host");
                }
                Some(url)
            }
        };
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("cannot create the HTTP client for triggers")?;
        Ok(TriggerInvoker {
            client,
            allow: TriggerAllowList::default(),
            checked: None,
            endpoint,
            credentials: config.lambda_credentials,
            region: config.region,
            timeout: config.timeout,
            clock,
        })
    }

    /// Restricts URL triggers to the hosts `allow` admits (the Lambda endpoint is the
    /// operator's own and stays reachable). An empty list restricts nothing.
    pub fn allowing(mut self, allow: TriggerAllowList) -> anyhow::Result<TriggerInvoker> {
        if allow.admits_resolved_names() {
            let resolver = RangeResolver { allow: allow.clone() };
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // Through a proxy the proxy would resolve the name, unchecked.
                .no_proxy()
                .dns_resolver(resolver)
                .build()
                .context("cannot create the HTTP client for allow-listed triggers")?;
            self.checked = Some(client);
        }
        self.allow = allow;
        Ok(self)
    }

    /// The client that may call `url`, or the failure of a trigger the allow-list refuses.
    fn client_for(&self, url: &str) -> Result<&reqwest::Client, InvokeError> {
        if self.allow.is_empty() {
            return Ok(&self.client);
        }
        let (host, port) = trigger_targets::url_target(url).map_err(|_| refused(url))?;
        // The HTTP client connects where the URL parser reads it: the check must judge that host.
        let parsed = url::Url::parse(url).map_err(|_| refused(url))?;
        if !same_host(&parsed, &host) || parsed.port_or_known_default() != Some(port) {
            return Err(refused(url));
        }
        if self.allow.allows(&host, port) {
            return Ok(&self.client);
        }
        match (&host, &self.checked) {
            (TargetHost::Name(_), Some(checked)) => Ok(checked),
            _ => Err(refused(url)),
        }
    }

    fn failure(e: &reqwest::Error) -> InvokeError {
        if refused_by_resolver(e) {
            InvokeError::Failed(REFUSED.into())
        } else if e.is_timeout() {
            InvokeError::Failed("Socket timeout while invoking Lambda function".into())
        } else if e.is_connect() {
            InvokeError::Failed("Unable to connect to the Lambda function".into())
        } else {
            InvokeError::Failed("Error while invoking Lambda function".into())
        }
    }

    async fn post_url(&self, url: &str, body: Vec<u8>) -> Result<Value, InvokeError> {
        let response = self
            .client_for(url)?
            .post(url)
            .timeout(self.timeout)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| Self::failure(&e))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| Self::failure(&e))?;
        if status.is_success() {
            return parse_event(&bytes);
        }
        match function_error(&bytes) {
            Some(message) => Err(InvokeError::Function(message)),
            None => Err(InvokeError::Failed(format!("the function endpoint answered HTTP {}", status.as_u16()))),
        }
    }

    async fn invoke_lambda(&self, function: &str, body: Vec<u8>, mode: InvokeMode) -> Result<Value, InvokeError> {
        let Some(endpoint) = &self.endpoint else {
            return Err(InvokeError::Failed("no Lambda endpoint is configured".into()));
        };
        let base = endpoint.path().trim_end_matches('/');
        let path = format!("{base}/2015-03-31/functions/{}/invocations", utf8_percent_encode(function, PATH_SEGMENT));
        let mut url = endpoint.clone();
        url.set_path(&path);
        let host = &endpoint[url::Position::BeforeHost..url::Position::AfterPort];
        let invocation = match mode {
            InvokeMode::RequestResponse => "RequestResponse",
            InvokeMode::Event => "Event",
        };
        let mut headers =
            vec![("host", host), ("content-type", "application/json"), ("x-amz-invocation-type", invocation)];
        let signed = self.credentials.as_ref().map(|(id, secret)| {
            let now = self.clock.now().to_datetime();
            cognate_crypto::sigv4::sign_headers(
                "POST",
                &path,
                "",
                &headers,
                &body,
                id,
                secret,
                &self.region,
                "lambda",
                now,
            )
        });
        for (name, value) in signed.iter().flatten() {
            headers.push((name, value));
        }
        let response = self.send_with_retries(&url, &headers, &body).await?;
        let status = response.status();
        let raised = response.headers().contains_key("x-amz-function-error");
        let error_type = response.headers().get("x-amzn-errortype").and_then(|v| v.to_str().ok()).map(String::from);
        let bytes = response.bytes().await.map_err(|e| Self::failure(&e))?;
        match (status.as_u16(), raised) {
            (200, true) => Err(InvokeError::Function(function_error(&bytes).unwrap_or_else(|| "Unhandled".into()))),
            (200, false) => parse_event(&bytes),
            (202, _) if mode == InvokeMode::Event => Ok(Value::Null),
            (code, _) => Err(InvokeError::Failed(match error_type {
                Some(kind) => format!("the Lambda service answered HTTP {code} ({})", kind.trim_end_matches(':')),
                None => format!("the Lambda service answered HTTP {code}"),
            })),
        }
    }
    /// Sends the Invoke request, again (after a short pause) while the Lambda service answers
    /// that it throttled the call or failed on its side, within the trigger's time budget.
    async fn send_with_retries(
        &self,
        url: &url::Url,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<reqwest::Response, InvokeError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut attempt = 1;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let mut request = self.client.post(url.clone()).timeout(left).body(body.to_vec());
            for (name, value) in headers.iter().filter(|(name, _)| *name != "host") {
                request = request.header(*name, *value);
            }
            let response = request.send().await.map_err(|e| Self::failure(&e))?;
            // Throttled, or the service's own fault: the function did not run; call again.
            let retry = matches!(response.status().as_u16(), 429 | 500 | 502 | 503 | 504) && attempt < ATTEMPTS;
            let pause = Duration::from_millis(50 << attempt);
            if !retry || left <= pause {
                return Ok(response);
            }
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }
}

/// The reason a refused trigger fails with (the caller sees it; the log names the host).
const REFUSED: &str = "Trigger host is not in the server's trigger allow-list";

fn refused(url: &str) -> InvokeError {
    let host = url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    tracing::warn!(%host, "a trigger URL's host is not in --trigger-allow; not called");
    InvokeError::Failed(REFUSED.into())
}

fn same_host(parsed: &url::Url, host: &TargetHost) -> bool {
    match (parsed.host(), host) {
        (Some(url::Host::Domain(d)), TargetHost::Name(n)) => d == n,
        (Some(url::Host::Ipv4(a)), TargetHost::Ip(ip)) => std::net::IpAddr::V4(a) == *ip,
        (Some(url::Host::Ipv6(a)), TargetHost::Ip(ip)) => std::net::IpAddr::V6(a) == *ip,
        _ => false,
    }
}

/// A name resolved to an address outside the allow-list's ranges.
#[derive(Debug)]
struct AddressRefused(String);

impl fmt::Display for AddressRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} resolves to an address outside the trigger allow-list", self.0)
    }
}

impl std::error::Error for AddressRefused {}

fn refused_by_resolver(e: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if cause.is::<AddressRefused>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// Resolves a trigger's host name once and admits it only if every address lies in one of the
/// allow-list's ranges; the connection then uses exactly these addresses.
struct RangeResolver {
    allow: TriggerAllowList,
}

impl reqwest::dns::Resolve for RangeResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            // One address outside refuses the name: a client may try any of them.
            if addrs.is_empty() || addrs.iter().any(|a| !allow.admits_resolved(a.ip())) {
                tracing::warn!(%host, ?addrs, "a trigger host resolves outside --trigger-allow; not called");
                return Err(Box::new(AddressRefused(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn parse_event(bytes: &[u8]) -> Result<Value, InvokeError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes).map_err(|_| InvokeError::Malformed)
}

/// The `errorMessage` of a function's error answer (`{"errorMessage": …, "errorType": …}`).
fn function_error(bytes: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    value.get("errorMessage").and_then(Value::as_str).map(String::from)
}

#[async_trait]
impl Invoker for TriggerInvoker {
    async fn invoke(&self, function: &str, event: &Value, mode: InvokeMode) -> Result<Value, InvokeError> {
        let body = serde_json::to_vec(event).map_err(|_| InvokeError::Failed("the event did not serialize".into()))?;
        if trigger_targets::is_url(function) {
            self.post_url(function, body).await
        } else {
            self.invoke_lambda(function, body, mode).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve;

    fn invoker(patterns: &[&str]) -> TriggerInvoker {
        let config = InvokerConfig {
            lambda_endpoint: None,
            lambda_credentials: None,
            region: "us-east-1".into(),
            timeout: DEFAULT_TIMEOUT,
        };
        let allow = TriggerAllowList::parse(patterns).unwrap();
        TriggerInvoker::new(config, Arc::new(cognate_core::SystemClock)).unwrap().allowing(allow).unwrap()
    }

    #[tokio::test]
    async fn refused_urls_fail_without_a_request() {
        let ranges = invoker(&["127.0.0.1/32"]);
        for url in ["http://169.254.169.254/latest", "http://127.0.0.2/", "http://2130706433/", "http://[::1]/"] {
            let got = ranges.invoke(url, &serde_json::json!({}), InvokeMode::RequestResponse).await;
            assert_eq!(got, Err(InvokeError::Failed(REFUSED.into())), "{url}");
        }
        assert!(ranges.client_for("http://127.0.0.1:1/hook").is_ok());
        // A name goes to the checking resolver when the list has ranges, and is refused outright
        // when it has none.
        assert!(ranges.client_for("http://internal.example/").is_ok());
        let names = invoker(&["*.example.com"]);
        assert!(names.client_for("http://internal.example/").is_err());
        assert!(names.client_for("https://hooks.example.com/x").is_ok());
        assert!(invoker(&[]).client_for("http://169.254.169.254/").is_ok());
    }

    #[tokio::test]
    async fn the_resolver_admits_a_name_only_inside_the_ranges() {
        let loopback = RangeResolver { allow: TriggerAllowList::parse(["127.0.0.0/8", "::1/128"]).unwrap() };
        let addrs: Vec<_> = loopback.resolve("localhost".parse().unwrap()).await.unwrap().collect();
        assert!(!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
        let elsewhere = RangeResolver { allow: TriggerAllowList::parse(["10.0.0.0/8"]).unwrap() };
        let Err(e) = elsewhere.resolve("localhost".parse().unwrap()).await else { panic!("localhost was admitted") };
        assert!(e.is::<AddressRefused>(), "{e}");
    }

    #[test]
    fn answers() {
        assert_eq!(parse_event(b"{\"response\":{}}"), Ok(serde_json::json!({"response": {}})));
        assert_eq!(parse_event(b"{not json"), Err(InvokeError::Malformed));
        assert_eq!(function_error(br#"{"errorMessage":"no","errorType":"Error"}"#).as_deref(), Some("no"));
        assert_eq!(function_error(b"<html>"), None);
        let arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
        assert_eq!(
            utf8_percent_encode(arn, PATH_SEGMENT).to_string(),
            "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af"
        );
    }
}
