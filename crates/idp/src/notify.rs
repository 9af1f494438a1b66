//! Sending codes to users: choosing the destination, rendering the pool's templates (with
//! Cognito's defaults), masking the destination for CodeDeliveryDetails.

use crate::codes::Contact;
use crate::messages::{Medium, Message};
use crate::pools::Pool;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult};
use cognate_wire::idp::types::CodeDeliveryDetailsType;

const DEFAULT_EMAIL: &str = "Your verification code is {####}. ";
const DEFAULT_SUBJECT: &str = "Your verification code";
const DEFAULT_SMS: &str = "Your verification code is {####}. ";
const DEFAULT_LINK_EMAIL: &str = "Please click the link below to verify your email address. {##Verify Email##} ";
const DEFAULT_LINK_SUBJECT: &str = "Your verification link";

/// Where a code goes: an attribute and its value.
#[derive(Debug, Clone)]
pub(crate) struct Destination {
    pub contact: Contact,
    pub address: String,
}

impl Destination {
    pub fn of(user: &User, contact: Contact) -> Option<Destination> {
        let address =
            user.data.pending.get(contact.attribute()).map(String::as_str).or(user.attr(contact.attribute()))?;
        Some(Destination { contact, address: address.to_owned() })
    }

    pub fn details(&self) -> CodeDeliveryDetailsType {
        CodeDeliveryDetailsType {
            destination: Some(mask(self.contact, &self.address)),
            delivery_medium: Some(
                match self.contact {
                    Contact::Email => "EMAIL",
                    Contact::Phone => "SMS",
                }
                .into(),
            ),
            attribute_name: Some(self.contact.attribute().into()),
        }
    }
}

/// `j***@e***` for email, `+*******1234` for phone numbers.
pub(crate) fn mask(contact: Contact, address: &str) -> String {
    match contact {
        Contact::Email => {
            let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
            let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
            format!("{}***@{}***", first(local), first(domain))
        }
        Contact::Phone => {
            let keep = address.len().saturating_sub(4);
            let stars = address.get(1..keep).map(|s| "*".repeat(s.chars().count())).unwrap_or_default();
            format!("+{stars}{}", address.get(keep..).unwrap_or_default())
        }
    }
}

impl Idp {
    /// Sends a verification-style code (sign-up, attribute verification, password reset)
    /// with the pool's VerificationMessageTemplate.
    pub(crate) async fn send_code(
        &self,
        pool: &Pool,
        user: &User,
        to: &Destination,
        code: &str,
        purpose: &'static str,
    ) -> IdpResult<()> {
        let t = pool.doc.pool.verification_message_template.clone().unwrap_or_default();
        let (medium, body, subject) = match to.contact {
            Contact::Email => (
                Medium::Email,
                t.email_message
                    .or_else(|| pool.doc.pool.email_verification_message.clone())
                    .unwrap_or_else(|| DEFAULT_EMAIL.into()),
                Some(
                    t.email_subject
                        .or_else(|| pool.doc.pool.email_verification_subject.clone())
                        .unwrap_or_else(|| DEFAULT_SUBJECT.into()),
                ),
            ),
            Contact::Phone => (
                Medium::Sms,
                t.sms_message
                    .or_else(|| pool.doc.pool.sms_verification_message.clone())
                    .unwrap_or_else(|| DEFAULT_SMS.into()),
                None,
            ),
        };
        let (body, subject) = match self.link_message(pool, user, to, code, purpose) {
            Some(link) => link,
            None => (body.replace("{####}", code).replace("{username}", &user.record.username), subject),
        };
        let email = pool.doc.pool.email_configuration.as_ref();
        let message = Message {
            pool_id: pool.record.id.clone(),
            username: user.record.username.clone(),
            medium,
            destination: to.address.clone(),
            subject,
            body,
            from: email.and_then(|c| c.from.clone()),
            reply_to: email.and_then(|c| c.reply_to_email_address.clone()),
            purpose,
        };
        self.deliver(pool, user, message, code).await?.map_err(|reason| {
            tracing::warn!(%reason, "code delivery failed");
            IdpError::CodeDeliveryFailure("Unable to deliver the code; try again later.".into())
        })
    }
}

impl Idp {
    /// CONFIRM_WITH_LINK: a sign-up email carries the hosted UI's `/confirmUser` link (for
    /// the client that asked) where the template's `{##text##}` stands. Other messages, and
    /// calls with no client, keep the code template.
    fn link_message(
        &self,
        pool: &Pool,
        user: &User,
        to: &Destination,
        code: &str,
        purpose: &str,
    ) -> Option<(String, Option<String>)> {
        let url = self.confirmation_link(pool, user, to.contact == Contact::Email, code, purpose)?;
        let t = pool.doc.pool.verification_message_template.as_ref()?;
        let body = t.email_message_by_link.clone().unwrap_or_else(|| DEFAULT_LINK_EMAIL.into());
        let subject = t.email_subject_by_link.clone().unwrap_or_else(|| DEFAULT_LINK_SUBJECT.into());
        Some((with_link(&body, &url), Some(subject)))
    }

    /// The `/confirmUser` link a CONFIRM_WITH_LINK pool's sign-up email carries, if this
    /// message is one.
    pub(crate) fn confirmation_link(
        &self,
        pool: &Pool,
        user: &User,
        email: bool,
        code: &str,
        purpose: &str,
    ) -> Option<String> {
        let t = pool.doc.pool.verification_message_template.as_ref()?;
        let linked = t.default_email_option.as_deref() == Some("CONFIRM_WITH_LINK")
            && email
            && matches!(purpose, "sign-up" | "resend-code");
        let client_id = crate::triggers::caller::current().client_id.filter(|_| linked)?;
        Some(format!(
            "{}/{}/confirmUser?client_id={}&user_name={}&confirmation_code={}",
            self.settings.public_url.trim_end_matches('/'),
            pool.record.id,
            query_value(&client_id),
            query_value(&user.record.username),
            code
        ))
    }
}

/// The template with its `{##text##}` placeholder turned into a link saying `text`.
pub(crate) fn with_link(template: &str, url: &str) -> String {
    let Some((before, rest)) = template.split_once("{##") else { return template.to_owned() };
    let Some((text, after)) = rest.split_once("##}") else { return template.to_owned() };
    let href = url.replace('&', "&amp;");
    format!("{before}<a href=\"{href}\">{text}</a>{after}")
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask(Contact::Email, "jane@example.com"), "j***@e***");
        assert_eq!(mask(Contact::Phone, "+14155551212"), "+*******1212");
    }

    #[test]
    fn links() {
        assert_eq!(
            with_link("Go {##Verify##} now", "https://x/c?a=1&b=2"),
            "Go <a href=\"https://x/c?a=1&amp;b=2\">Verify</a> now"
        );
        assert_eq!(with_link("no link", "u"), "no link");
        assert_eq!(query_value("a b@c"), "a%20b%40c");
    }
}
