//! SMS through an HTTP webhook: each message is one JSON POST, and the operator's endpoint
//! forwards it to whatever SMS provider they use.

use std::error::Error as _;
use std::fmt;
use std::time::Duration;

use anyhow::{Context, bail};
use cognate_idp::Message;
use serde::Serialize;

/// A webhook that has not answered by then is treated as down; the user is waiting.
pub(crate) const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);

/// How much of an error response's body goes into the failure reason.
const ERROR_BODY_LIMIT: usize = 200;

/// The JSON the webhook receives.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SmsPayload<'a> {
    phone_number: &'a str,
    message: &'a str,
    user_pool_id: &'a str,
    username: &'a str,
    purpose: &'a str,
}

pub(crate) struct SmsWebhook {
    client: reqwest::Client,
    url: url::Url,
    pub(crate) timeout: Duration,
}

impl fmt::Debug for SmsWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Scheme, host and port only: the path or query may carry the endpoint's secret.
        let origin = self.url.origin().ascii_serialization();
        f.debug_struct("SmsWebhook").field("origin", &origin).field("timeout", &self.timeout).finish()
    }
}

impl SmsWebhook {
    pub(crate) fn new(raw: &str) -> anyhow::Result<SmsWebhook> {
        // Errors never quote the URL, which may hold a token.
        let url = url::Url::parse(raw).map_err(|e| anyhow::anyhow!("the SMS webhook URL is not a valid URL ({e})"))?;
        match url.scheme() {
            "http" | "https" => {}
            other => bail!("the SMS webhook URL scheme must be http or https, not `{other}`"),
        }
        if url.host_str().is_none_or(str::is_empty) {
            bail!("the SMS webhook URL has no host");
        }
        let client = reqwest::Client::builder()
            // A redirect would turn the POST into a GET and lose the message; a 3xx is
            // reported as a failure instead, so the operator fixes the URL.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("cannot create the HTTP client for the SMS webhook")?;
        Ok(SmsWebhook { client, url, timeout: WEBHOOK_TIMEOUT })
    }

    /// One attempt: any transport error or non-2xx answer is a failure.
    pub(crate) async fn send(&self, m: &Message) -> Result<(), String> {
        let payload = SmsPayload {
            phone_number: &m.destination,
            message: &m.body,
            user_pool_id: &m.pool_id,
            username: &m.username,
            purpose: m.purpose,
        };
        let mut response = self
            .client
            .post(self.url.clone())
            // Covers connecting, sending and reading the answer, body included.
            .timeout(self.timeout)
            .json(&payload)
            .send()
            .await
            .map_err(|e| self.describe(e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let mut reason = format!("the SMS webhook answered HTTP {status}");
        // The first chunk of the body usually holds the endpoint's explanation; best effort.
        if let Ok(Some(chunk)) = response.chunk().await {
            let text = String::from_utf8_lossy(&chunk);
            let text: String = text.trim().chars().take(ERROR_BODY_LIMIT).collect();
            if !text.is_empty() {
                reason.push_str(": ");
                reason.push_str(&text);
            }
        }
        Err(reason)
    }

    /// The error and its causes ("error sending request" alone says nothing), without the URL.
    fn describe(&self, e: reqwest::Error) -> String {
        if e.is_timeout() {
            return format!("the SMS webhook did not answer: timed out after {:?}", self.timeout);
        }
        let e = e.without_url();
        let mut reason = format!("the SMS webhook could not be reached: {e}");
        let mut source = e.source();
        while let Some(cause) = source {
            reason.push_str(": ");
            reason.push_str(&cause.to_string());
            source = cause.source();
        }
        reason
    }
}
