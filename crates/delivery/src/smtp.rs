//! E-mail over SMTP: the connection URL, building the e-mail, and a pooled lettre transport
//! with a bound on how long one delivery may take.

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail};
use cognate_idp::Message;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{AsyncSmtpTransport, AsyncSmtpTransportBuilder};
use lettre::{AsyncTransport, Tokio1Executor};
use percent_encoding::percent_decode_str;

/// Bound on one whole delivery (connect, greeting, TLS, AUTH, envelope, data). lettre only
/// times out the TCP connect on its async transport, so a server that stops answering
/// mid-conversation would otherwise hold the caller's request forever.
pub(crate) const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Cognito's subject for verification messages, used when the pool sets none.
const DEFAULT_SUBJECT: &str = "Your verification code";

const SMTP_PORT: u16 = 25;
const SUBMISSION_PORT: u16 = 587;
const SUBMISSIONS_PORT: u16 = 465;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Security {
    /// `smtp://`: no encryption at all (local relays, development catchers).
    Plain,
    /// `smtp://…?starttls=required`: refuse to continue unless the server upgrades.
    StartTlsRequired,
    /// `smtp://…?starttls=opportunistic`: upgrade when offered, plain otherwise.
    StartTlsOpportunistic,
    /// `smtps://`: TLS from the first byte.
    Implicit,
}

/// A parsed and checked SMTP connection URL.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SmtpSettings {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) security: Security,
    /// User name and password, percent-decoded.
    pub(crate) credentials: Option<(String, String)>,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            // The password never reaches a log line.
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish()
    }
}

impl SmtpSettings {
    /// Parses `smtp://[user:pass@]host[:port][?starttls=required|opportunistic]` or
    /// `smtps://[user:pass@]host[:port]`. Errors never quote the URL, since it may hold a
    /// password.
    pub(crate) fn parse(raw: &str) -> anyhow::Result<SmtpSettings> {
        let url = url::Url::parse(raw).map_err(|e| {
            anyhow::anyhow!(
                "the SMTP URL is not a valid URL ({e}); expected smtp://[user:pass@]host[:port] \
                 or smtps://[user:pass@]host[:port]"
            )
        })?;

        let implicit_tls = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => bail!("the SMTP URL scheme must be smtp or smtps, not `{other}`"),
        };

        let host = match url.host() {
            // lettre resolves `(host, port)`, which wants a bare IPv6 address, not `[::1]`.
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_owned(),
            _ => bail!("the SMTP URL has no host"),
        };

        // `tls` is lettre's own spelling of the same option; accept both so URLs written
        // for other lettre-based tools work unchanged.
        let mut starttls: Option<String> = None;
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "starttls" | "tls" if starttls.is_none() => starttls = Some(value.into_owned()),
                "starttls" | "tls" => bail!("the SMTP URL sets starttls more than once"),
                other => bail!(
                    "the SMTP URL has an unknown parameter `{other}` (supported: \
                     starttls=required or starttls=opportunistic)"
                ),
            }
        }
        let security = match (implicit_tls, starttls.as_deref()) {
            (true, None) => Security::Implicit,
            (true, Some(_)) => bail!("smtps:// is already TLS from the first byte; starttls only applies to smtp://"),
            (false, None) => Security::Plain,
            (false, Some("required")) => Security::StartTlsRequired,
            (false, Some("opportunistic")) => Security::StartTlsOpportunistic,
            (false, Some(other)) => {
                bail!("the SMTP URL's starttls must be `required` or `opportunistic`, not `{other}`")
            }
        };

        // lettre would take the path as the EHLO name; nothing here needs that, and a stray
        // path is more likely a mistake than a wish.
        if !matches!(url.path(), "" | "/") {
            bail!("the SMTP URL must not have a path (got `{}`)", url.path());
        }
        if url.fragment().is_some() {
            bail!("the SMTP URL must not have a #fragment");
        }

        let port = url.port().unwrap_or(match security {
            Security::Plain => SMTP_PORT,
            Security::StartTlsRequired | Security::StartTlsOpportunistic => SUBMISSION_PORT,
            Security::Implicit => SUBMISSIONS_PORT,
        });

        let decode = |part: &str, what: &str| {
            percent_decode_str(part)
                .decode_utf8()
                .map(|s| s.into_owned())
                .with_context(|| format!("the SMTP URL's {what} is not valid percent-encoded UTF-8"))
        };
        let user = decode(url.username(), "user name")?;
        let credentials = match url.password() {
            None if user.is_empty() => None,
            None => bail!("the SMTP URL has a user name but no password (smtp://user:password@host)"),
            Some(_) if user.is_empty() => bail!("the SMTP URL has a password but no user name"),
            Some(pass) => Some((user, decode(pass, "password")?)),
        };

        Ok(SmtpSettings { host, port, security, credentials })
    }

    fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost") || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    fn builder(&self) -> anyhow::Result<AsyncSmtpTransportBuilder> {
        let tls_params = || {
            // Certificates are checked against the bundled webpki roots for the URL's host.
            TlsParameters::new(self.host.clone())
                .with_context(|| format!("cannot set up TLS for SMTP host {}", self.host))
        };
        let tls = match self.security {
            Security::Plain => Tls::None,
            Security::StartTlsRequired => Tls::Required(tls_params()?),
            Security::StartTlsOpportunistic => Tls::Opportunistic(tls_params()?),
            Security::Implicit => Tls::Wrapper(tls_params()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.host.clone())
            .port(self.port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some((user, pass)) = &self.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        Ok(builder)
    }
}

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Sends e-mails through one pooled lettre transport.
pub(crate) struct SmtpSender {
    settings: SmtpSettings,
    builder: AsyncSmtpTransportBuilder,
    /// Built on first use: lettre's pool spawns its housekeeping task when it is created,
    /// which needs a Tokio runtime that `Delivery::new` may not run in. Replaced after a
    /// timeout (see `discard`).
    transport: Mutex<Option<Arc<Transport>>>,
    pub(crate) timeout: Duration,
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSender").field("settings", &self.settings).field("timeout", &self.timeout).finish()
    }
}

impl SmtpSender {
    pub(crate) fn new(settings: SmtpSettings) -> anyhow::Result<SmtpSender> {
        if settings.credentials.is_some() && settings.security == Security::Plain && !settings.is_loopback() {
            tracing::warn!(
                host = %settings.host,
                "SMTP credentials will be sent unencrypted; use ?starttls=required or smtps://"
            );
        }
        Ok(SmtpSender { builder: settings.builder()?, settings, transport: Mutex::new(None), timeout: SMTP_TIMEOUT })
    }

    fn transport(&self) -> Arc<Transport> {
        // Never held across an await; a poisoned lock only means another thread panicked
        // while swapping an Arc, which leaves nothing half-written.
        let mut slot = self.transport.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slot.get_or_insert_with(|| Arc::new(self.builder.clone().build())))
    }

    /// Throws away the pool `failed` after a timeout. The abandoned connection is returned to
    /// the pool by lettre even though it stopped mid-command, and reusing it would read stale
    /// replies; shutting the pool down closes it instead, and the next e-mail starts afresh.
    fn discard(&self, failed: &Arc<Transport>) {
        let old = {
            let mut slot = self.transport.lock().unwrap_or_else(PoisonError::into_inner);
            match slot.as_ref() {
                Some(current) if Arc::ptr_eq(current, failed) => slot.take(),
                // Another caller already replaced it.
                _ => None,
            }
        };
        if let Some(old) = old {
            let timeout = self.timeout;
            // Closing sends QUIT, which a hung server may never answer: bounded, and off the
            // caller's path.
            tokio::spawn(async move {
                let _ = tokio::time::timeout(timeout, old.shutdown()).await;
            });
        }
    }

    /// One attempt, no retry: the caller reports the failure to the client, which may retry.
    pub(crate) async fn send(&self, email: lettre::Message) -> Result<(), String> {
        let transport = self.transport();
        let endpoint = format!("{}:{}", self.settings.host, self.settings.port);
        match tokio::time::timeout(self.timeout, transport.send(email)).await {
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(e)) => Err(format!("SMTP delivery via {endpoint} failed: {e}")),
            Err(_) => {
                self.discard(&transport);
                Err(format!("SMTP delivery via {endpoint} timed out after {:?}", self.timeout))
            }
        }
    }
}

/// Builds the e-mail for `m`; an address lettre cannot parse is a failure with its reason.
pub(crate) fn build_email(m: &Message, default_from: &Mailbox) -> Result<lettre::Message, String> {
    let from = match non_blank(m.from.as_deref()) {
        Some(from) => parse_mailbox(from, "sender")?,
        None => default_from.clone(),
    };
    let to = parse_mailbox(&m.destination, "recipient")?;
    let subject = non_blank(m.subject.as_deref()).unwrap_or(DEFAULT_SUBJECT);
    let mut builder = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        // Mail without a Message-ID scores worse with spam filters.
        .message_id(None);
    if let Some(reply_to) = non_blank(m.reply_to.as_deref()) {
        builder = builder.reply_to(parse_mailbox(reply_to, "reply-to")?);
    }
    // Cognito message templates may be HTML; sent as text/plain they would show raw tags.
    let content_type = if looks_like_html(&m.body) { ContentType::TEXT_HTML } else { ContentType::TEXT_PLAIN };
    builder.header(content_type).body(m.body.clone()).map_err(|e| format!("cannot build the e-mail: {e}"))
}

fn non_blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn parse_mailbox(raw: &str, role: &str) -> Result<Mailbox, String> {
    raw.trim().parse().map_err(|e| format!("invalid {role} e-mail address `{raw}`: {e}"))
}

/// True when the body contains something tag-shaped: `<` followed by a letter, `/` or `!`
/// (`<p>`, `</b>`, `<!DOCTYPE`) with a `>` later on. A plain-text code message practically
/// never does, while `a < b` or `<= 5` do not count.
pub(crate) fn looks_like_html(body: &str) -> bool {
    body.match_indices('<').any(|(i, _)| {
        let rest = &body[i + 1..];
        rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!') && rest.contains('>')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(raw: &str) -> String {
        match SmtpSettings::parse(raw) {
            Ok(s) => panic!("expected an error for {raw}, got {s:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn schemes_ports_and_security() {
        let s = SmtpSettings::parse("smtp://mail.example.com").unwrap();
        assert_eq!((s.host.as_str(), s.port, s.security), ("mail.example.com", 25, Security::Plain));
        assert_eq!(s.credentials, None);

        let s = SmtpSettings::parse("smtp://mail.example.com?starttls=required").unwrap();
        assert_eq!((s.port, s.security), (587, Security::StartTlsRequired));
        let s = SmtpSettings::parse("smtp://mail.example.com:2525/?tls=opportunistic").unwrap();
        assert_eq!((s.port, s.security), (2525, Security::StartTlsOpportunistic));

        let s = SmtpSettings::parse("smtps://mail.example.com").unwrap();
        assert_eq!((s.port, s.security), (465, Security::Implicit));
        let s = SmtpSettings::parse("smtps://[::1]:1465").unwrap();
        assert_eq!((s.host.as_str(), s.port), ("::1", 1465));
        assert!(s.is_loopback());
    }

    #[test]
    fn credentials_are_percent_decoded() {
        let s = SmtpSettings::parse("smtps://apikey%40corp:p%2Fss%20word@mail.example.com").unwrap();
        assert_eq!(s.credentials, Some(("apikey@corp".to_owned(), "p/ss word".to_owned())));
        // The password stays out of Debug output.
        assert!(!format!("{s:?}").contains("p/ss"));
    }

    #[test]
    fn bad_urls_are_explained() {
        assert!(parse_err("http://mail.example.com").contains("`http`"));
        assert!(parse_err("mail.example.com").contains("not a valid URL"));
        assert!(parse_err("smtp://").contains("no host"));
        assert!(parse_err("smtp://h?starttls=always").contains("`always`"));
        assert!(parse_err("smtp://h?ssl=1").contains("unknown parameter `ssl`"));
        assert!(parse_err("smtps://h?starttls=required").contains("starttls only applies"));
        assert!(parse_err("smtp://h/relay").contains("path"));
        assert!(parse_err("smtp://user@h").contains("no password"));
        assert!(parse_err("smtp://:pw@h").contains("no user name"));
        // Errors never echo the password.
        let e = parse_err("smtp://u:hunter2@h?starttls=nope");
        assert!(!e.contains("hunter2"), "{e}");
        let e = parse_err("ftp://u:hunter2@h");
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn html_detection() {
        assert!(looks_like_html("<p>Your code is {####}</p>"));
        assert!(looks_like_html("<!DOCTYPE html><html>...</html>"));
        assert!(looks_like_html("Code: <b>123</b>"));
        assert!(!looks_like_html("Your code is 123456"));
        assert!(!looks_like_html("a < b and c > d"));
        assert!(!looks_like_html("less than <= 5 >"));
        assert!(!looks_like_html("dangling <b"));
    }

    #[test]
    fn non_ascii_content_is_encoded() {
        let default_from: Mailbox = "no-reply@cognate.test".parse().unwrap();
        let mut m = crate::test_support::message(
            cognate_idp::Medium::Email,
            "zoe@example.com",
            "Votre code est 123456 — merci",
        );
        m.subject = Some("Vérification".into());
        let email = build_email(&m, &default_from).unwrap();
        let raw = String::from_utf8(email.formatted()).unwrap();
        // Headers and body stay 7-bit so servers without 8BITMIME accept them.
        assert!(raw.is_ascii(), "{raw}");
    }
}
