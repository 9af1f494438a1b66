//! Cognate's outbound calls: e-mail over SMTP and SMS through an HTTP webhook, behind
//! `cognate_idp::Messenger`, and trigger invocation (`lambda`), behind `cognate_idp::Invoker`.
//!
//! Each medium is optional. Without SMTP, e-mails are written to the log (code included),
//! and without a webhook SMS messages are; that is how a developer reads codes locally. The
//! configuration is checked once, in [`Delivery::new`], so a typo in a URL stops the server
//! at start-up instead of failing the first sign-up.

mod lambda;
mod smtp;
mod upstream;
mod webhook;

#[cfg(test)]
mod test_support;

use std::fmt;

use async_trait::async_trait;
use cognate_idp::{Medium, Message, Messenger};
use lettre::message::Mailbox;

pub use crate::lambda::{DEFAULT_TIMEOUT as DEFAULT_TRIGGER_TIMEOUT, InvokerConfig, TriggerInvoker};
use crate::smtp::{SmtpSender, SmtpSettings};
pub use crate::upstream::HttpUpstream;
use crate::webhook::SmsWebhook;

/// Where messages go. Every field comes from the operator's configuration.
#[derive(Clone)]
pub struct DeliveryConfig {
    /// `smtp://[user:pass@]host[:port]` (plain, port 25; `?starttls=required` upgrades with
    /// STARTTLS and defaults to port 587) or `smtps://[user:pass@]host[:port]` (implicit TLS,
    /// port 465). User name and password are percent-decoded. `None`: e-mails are logged.
    pub smtp_url: Option<String>,
    /// Sender used when the pool has no `EmailConfiguration.From`, e.g.
    /// `Cognate <no-reply@example.com>`.
    pub email_from: String,
    /// `http(s)://` URL that receives each SMS as a JSON POST. `None`: SMS messages are logged.
    pub sms_webhook: Option<String>,
}

// Written by hand so that logging the configuration never prints the SMTP password or a
// token carried in the webhook's query string.
impl fmt::Debug for DeliveryConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliveryConfig")
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("email_from", &self.email_from)
            .field("sms_webhook", &self.sms_webhook.as_deref().map(redact_url))
            .finish()
    }
}

/// The production [`Messenger`]: SMTP and the SMS webhook when configured, the log otherwise.
pub struct Delivery {
    email_from: Mailbox,
    smtp: Option<SmtpSender>,
    sms: Option<SmsWebhook>,
}

impl Delivery {
    /// Validates the configuration (URL schemes, hosts, ports, credentials, the default sender)
    /// and prepares the transports. No connection is opened here: the SMTP pool is created on
    /// the first e-mail, so this works outside a Tokio runtime and a mail server that is down
    /// at start-up does not keep Cognate from starting.
    pub fn new(config: DeliveryConfig) -> anyhow::Result<Delivery> {
        let email_from: Mailbox = config.email_from.trim().parse().map_err(|e| {
            anyhow::anyhow!("the default e-mail sender `{}` is not a valid address: {e}", config.email_from)
        })?;
        let smtp = match config.smtp_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => Some(SmtpSender::new(SmtpSettings::parse(url)?)?),
        };
        let sms = match config.sms_webhook.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => Some(SmsWebhook::new(url)?),
        };
        Ok(Delivery { email_from, smtp, sms })
    }

    async fn send_email(&self, message: Message) -> Result<(), String> {
        let Some(smtp) = &self.smtp else {
            log_undelivered(&message, "e-mail (no SMTP server configured)");
            return Ok(());
        };
        let email = smtp::build_email(&message, &self.email_from)?;
        smtp.send(email).await?;
        // The body is left out: outside development it carries live codes and passwords.
        tracing::info!(
            pool = %message.pool_id, user = %message.username, purpose = message.purpose,
            "e-mail handed to the SMTP server"
        );
        Ok(())
    }

    async fn send_sms(&self, message: Message) -> Result<(), String> {
        let Some(sms) = &self.sms else {
            log_undelivered(&message, "SMS (no SMS webhook configured)");
            return Ok(());
        };
        sms.send(&message).await?;
        tracing::info!(
            pool = %message.pool_id, user = %message.username, purpose = message.purpose,
            "SMS accepted by the webhook"
        );
        Ok(())
    }
}

#[async_trait]
impl Messenger for Delivery {
    async fn send(&self, message: Message) -> Result<(), String> {
        match message.medium {
            Medium::Email => self.send_email(message).await,
            Medium::Sms => self.send_sms(message).await,
        }
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("email_from", &self.email_from.to_string())
            .field("smtp", &self.smtp)
            .field("sms", &self.sms)
            .finish()
    }
}

/// The development fallback: the whole message, body included, goes to the log, because
/// that is where a developer without a mail server reads the code.
fn log_undelivered(m: &Message, what: &str) {
    let medium = match m.medium {
        Medium::Email => "email",
        Medium::Sms => "sms",
    };
    tracing::info!(
        pool = %m.pool_id, user = %m.username, medium = %medium, to = %m.destination, purpose = %m.purpose,
        from = %m.from.as_deref().unwrap_or("-"), subject = %m.subject.as_deref().unwrap_or("-"), body = %m.body,
        "{what}"
    );
}

/// A URL with its password and query removed, for logs and `Debug` output.
fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw.trim()) {
        Ok(mut url) => {
            if url.password().is_some() {
                // Only fails for URLs that cannot carry credentials, which then have none.
                let _ = url.set_password(Some("***"));
            }
            if url.query().is_some() {
                url.set_query(Some("***"));
            }
            url.to_string()
        }
        Err(_) => "<not a valid URL>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{FakeSmtp, HttpSink, SmtpBehaviour, header, message};
    use std::time::Duration;

    fn config(smtp: Option<String>, sms: Option<String>) -> DeliveryConfig {
        DeliveryConfig { smtp_url: smtp, email_from: "Cognate <no-reply@cognate.test>".to_owned(), sms_webhook: sms }
    }

    fn new_err(config: DeliveryConfig) -> String {
        match Delivery::new(config) {
            Ok(d) => panic!("expected a configuration error, got {d:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn new_works_outside_a_runtime_and_without_transports() {
        let d = Delivery::new(config(None, None)).unwrap();
        assert!(d.smtp.is_none() && d.sms.is_none());
        // Blank values count as unset: env-based configuration often yields "".
        let d = Delivery::new(config(Some(" ".into()), Some(String::new()))).unwrap();
        assert!(d.smtp.is_none() && d.sms.is_none());
        Delivery::new(config(
            Some("smtps://u:p@smtp.example.com".into()),
            Some("https://hooks.example.com/sms".into()),
        ))
        .unwrap();
    }

    #[test]
    fn bad_configuration_is_rejected_with_a_clear_error() {
        let e = new_err(config(Some("http://mail.example.com".into()), None));
        assert!(e.contains("smtp") && e.contains("`http`"), "{e}");
        let e = new_err(config(Some("mail.example.com:25".into()), None));
        assert!(e.contains("SMTP URL"), "{e}");
        let e = new_err(config(None, Some("ftp://hooks.example.com/sms".into())));
        assert!(e.contains("http or https") && e.contains("`ftp`"), "{e}");
        let e = new_err(config(None, Some("not a url".into())));
        assert!(e.contains("SMS webhook URL"), "{e}");
        let mut c = config(None, None);
        c.email_from = "not an address".into();
        let e = new_err(c);
        assert!(e.contains("default e-mail sender"), "{e}");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let c = config(
            Some("smtp://user:hunter2@mail.example.com?starttls=required".into()),
            Some("https://hooks.example.com/sms?token=s3cret".into()),
        );
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("s3cret"), "{shown}");
        let shown = format!("{:?}", Delivery::new(c).unwrap());
        assert!(!shown.contains("hunter2") && !shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("mail.example.com"), "{shown}");
    }

    #[tokio::test]
    async fn without_transports_messages_are_logged_and_succeed() {
        let d = Delivery::new(config(None, None)).unwrap();
        d.send(message(Medium::Email, "someone@example.com", "Your code is 123456")).await.unwrap();
        d.send(message(Medium::Sms, "+15550100", "Your code is 123456")).await.unwrap();
    }

    #[tokio::test]
    async fn email_goes_through_smtp_with_all_headers() {
        let server = FakeSmtp::start(SmtpBehaviour::default()).await;
        let d = Delivery::new(config(Some(server.url()), None)).unwrap();
        let mut m = message(Medium::Email, "alice@example.com", "Your code is 123456");
        m.subject = Some("Welcome aboard".into());
        m.reply_to = Some("help@pool.test".into());
        d.send(m).await.unwrap();

        let got = server.received();
        assert_eq!(got.len(), 1);
        let mail = &got[0];
        assert_eq!(mail.mail_from, "no-reply@cognate.test");
        assert_eq!(mail.rcpt_to, ["alice@example.com"]);
        assert_eq!(header(&mail.data, "From").as_deref(), Some("Cognate <no-reply@cognate.test>"));
        assert_eq!(header(&mail.data, "To").as_deref(), Some("alice@example.com"));
        assert_eq!(header(&mail.data, "Subject").as_deref(), Some("Welcome aboard"));
        assert_eq!(header(&mail.data, "Reply-To").as_deref(), Some("help@pool.test"));
        assert_eq!(header(&mail.data, "Content-Type").as_deref(), Some("text/plain; charset=utf-8"));
        assert!(header(&mail.data, "Message-ID").is_some());
        assert_eq!(mail.body().trim_end(), "Your code is 123456");
        assert_eq!(mail.auth, None);
    }

    #[tokio::test]
    async fn pool_sender_overrides_the_default_and_subject_has_a_default() {
        let server = FakeSmtp::start(SmtpBehaviour::default()).await;
        let d = Delivery::new(config(Some(server.url()), None)).unwrap();
        let mut m = message(Medium::Email, "bob@example.com", "Code: 42");
        m.from = Some("My Pool <pool@pool.test>".into());
        d.send(m).await.unwrap();

        let got = server.received();
        let mail = &got[0];
        assert_eq!(mail.mail_from, "pool@pool.test");
        assert_eq!(header(&mail.data, "From").as_deref(), Some("\"My Pool\" <pool@pool.test>"));
        assert_eq!(header(&mail.data, "Subject").as_deref(), Some("Your verification code"));
        assert_eq!(header(&mail.data, "Reply-To"), None);
    }

    #[tokio::test]
    async fn html_bodies_are_sent_as_html() {
        let server = FakeSmtp::start(SmtpBehaviour::default()).await;
        let d = Delivery::new(config(Some(server.url()), None)).unwrap();
        let body = "<p>Your code is <b>123456</b></p>";
        d.send(message(Medium::Email, "carol@example.com", body)).await.unwrap();
        let got = server.received();
        assert_eq!(header(&got[0].data, "Content-Type").as_deref(), Some("text/html; charset=utf-8"));
        assert_eq!(got[0].body().trim_end(), body);
    }

    #[tokio::test]
    async fn pooled_connection_is_reused_across_messages() {
        let server = FakeSmtp::start(SmtpBehaviour::default()).await;
        let d = Delivery::new(config(Some(server.url()), None)).unwrap();
        for i in 0..3 {
            d.send(message(Medium::Email, "dave@example.com", &format!("code {i}"))).await.unwrap();
            // lettre parks a connection from a task spawned when the send finishes; give
            // it a moment, as the gaps between real requests would.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(server.received().len(), 3);
        assert_eq!(server.connections(), 1);
    }

    #[tokio::test]
    async fn url_credentials_are_percent_decoded_and_used() {
        let server = FakeSmtp::start(SmtpBehaviour { advertise_auth: true, ..SmtpBehaviour::default() }).await;
        let url = format!("smtp://me%40corp.test:p%40ss%3Aword@127.0.0.1:{}", server.port());
        let d = Delivery::new(config(Some(url), None)).unwrap();
        d.send(message(Medium::Email, "erin@example.com", "hi")).await.unwrap();
        let got = server.received();
        assert_eq!(got[0].auth.as_ref(), Some(&("me@corp.test".to_owned(), "p@ss:word".to_owned())));
    }

    #[tokio::test]
    async fn invalid_addresses_fail_with_a_reason() {
        let server = FakeSmtp::start(SmtpBehaviour::default()).await;
        let d = Delivery::new(config(Some(server.url()), None)).unwrap();
        let e = d.send(message(Medium::Email, "not-an-address", "hi")).await.unwrap_err();
        assert!(e.contains("recipient") && e.contains("not-an-address"), "{e}");
        let mut m = message(Medium::Email, "frank@example.com", "hi");
        m.from = Some("broken sender".into());
        let e = d.send(m).await.unwrap_err();
        assert!(e.contains("sender") && e.contains("broken sender"), "{e}");
        let mut m = message(Medium::Email, "frank@example.com", "hi");
        m.reply_to = Some("@nowhere".into());
        let e = d.send(m).await.unwrap_err();
        assert!(e.contains("reply-to"), "{e}");
        assert!(server.received().is_empty());
    }

    #[tokio::test]
    async fn smtp_rejection_is_a_failure() {
        let server = FakeSmtp::start(SmtpBehaviour { reject_rcpt: true, ..SmtpBehaviour::default() }).await;
        let d = Delivery::new(config(Some(server.url()), None)).unwrap();
        let e = d.send(message(Medium::Email, "ghost@example.com", "hi")).await.unwrap_err();
        assert!(e.contains("550"), "{e}");
        assert!(server.received().is_empty());
    }

    #[tokio::test]
    async fn unreachable_smtp_server_is_a_failure() {
        let port = crate::test_support::unused_port().await;
        let d = Delivery::new(config(Some(format!("smtp://127.0.0.1:{port}")), None)).unwrap();
        let e = d.send(message(Medium::Email, "hank@example.com", "hi")).await.unwrap_err();
        assert!(e.contains("SMTP"), "{e}");
    }

    #[tokio::test]
    async fn hung_smtp_server_times_out_and_the_pool_starts_afresh() {
        let server = FakeSmtp::start(SmtpBehaviour { hang_first_data: true, ..SmtpBehaviour::default() }).await;
        let mut d = Delivery::new(config(Some(server.url()), None)).unwrap();
        if let Some(smtp) = d.smtp.as_mut() {
            smtp.timeout = Duration::from_millis(300);
        }
        let e = d.send(message(Medium::Email, "ivy@example.com", "first")).await.unwrap_err();
        assert!(e.contains("timed out"), "{e}");
        // Reusing the abandoned connection would read stale replies or hang again; the
        // next message must go over a fresh one.
        d.send(message(Medium::Email, "ivy@example.com", "second")).await.unwrap();
        let got = server.received();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].body().trim_end(), "second");
        assert_eq!(server.connections(), 2);
    }

    #[tokio::test]
    async fn sms_goes_to_the_webhook_as_json() {
        let sink = HttpSink::start(200).await;
        let d = Delivery::new(config(None, Some(sink.url("/sms?key=abc")))).unwrap();
        let mut m = message(Medium::Sms, "+15550100", "Your code is 654321");
        m.purpose = "forgot-password";
        d.send(m).await.unwrap();

        let got = sink.received();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].method, "POST");
        assert_eq!(got[0].target, "/sms?key=abc");
        assert_eq!(got[0].content_type.as_deref(), Some("application/json"));
        let json: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "phoneNumber": "+15550100",
                "message": "Your code is 654321",
                "userPoolId": "us-east-1_Test",
                "username": "user-1",
                "purpose": "forgot-password",
            })
        );
    }

    #[tokio::test]
    async fn webhook_error_status_is_a_failure() {
        let sink = HttpSink::start(500).await;
        let d = Delivery::new(config(None, Some(sink.url("/sms")))).unwrap();
        let e = d.send(message(Medium::Sms, "+15550100", "hi")).await.unwrap_err();
        assert!(e.contains("500"), "{e}");
        assert!(e.contains("sink says no"), "{e}");
        assert_eq!(sink.received().len(), 1, "exactly one attempt");
    }

    #[tokio::test]
    async fn webhook_redirect_is_a_failure() {
        let sink = HttpSink::start(302).await;
        let d = Delivery::new(config(None, Some(sink.url("/sms")))).unwrap();
        let e = d.send(message(Medium::Sms, "+15550100", "hi")).await.unwrap_err();
        assert!(e.contains("302"), "{e}");
    }

    #[tokio::test]
    async fn unreachable_webhook_is_a_failure() {
        let port = crate::test_support::unused_port().await;
        let d = Delivery::new(config(None, Some(format!("http://127.0.0.1:{port}/sms?token=s3cret")))).unwrap();
        let e = d.send(message(Medium::Sms, "+15550100", "hi")).await.unwrap_err();
        assert!(e.contains("SMS webhook"), "{e}");
        assert!(!e.contains("s3cret"), "the reason must not leak the URL's token: {e}");
    }

    #[tokio::test]
    async fn hung_webhook_times_out() {
        let sink = HttpSink::start_silent().await;
        let mut d = Delivery::new(config(None, Some(sink.url("/sms")))).unwrap();
        if let Some(sms) = d.sms.as_mut() {
            sms.timeout = Duration::from_millis(300);
        }
        let e = d.send(message(Medium::Sms, "+15550100", "hi")).await.unwrap_err();
        assert!(e.contains("timed out"), "{e}");
    }
}
