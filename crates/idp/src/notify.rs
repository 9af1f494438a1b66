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
        let email = pool.doc.pool.email_configuration.as_ref();
        let message = Message {
            pool_id: pool.record.id.clone(),
            username: user.record.username.clone(),
            medium,
            destination: to.address.clone(),
            subject,
            body: body.replace("{####}", code).replace("{username}", &user.record.username),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask(Contact::Email, "jane@example.com"), "j***@e***");
        assert_eq!(mask(Contact::Phone, "+14155551212"), "+*******1212");
    }
}
