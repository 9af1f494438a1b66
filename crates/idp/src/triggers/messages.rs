//! Messages through triggers: CustomMessage rewrites a code message (Cognito substitutes
//! the code and username into what it returns), and CustomEmailSender / CustomSMSSender
//! take delivery over entirely, receiving the code encrypted under the sender key.

use super::{Event, Trigger, client_metadata, text, user_attributes};
use crate::messages::{Medium, Message};
use crate::pools::Pool;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult};
use serde_json::json;

const CODE: &str = "{####}";
const USERNAME: &str = "{username}";
const LINK: &str = "{##Click Here##}";

/// Why a message is sent, as the triggers' `triggerSource` suffix says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageSource {
    SignUp,
    AdminCreateUser,
    ResendCode,
    ForgotPassword,
    UpdateUserAttribute,
    VerifyUserAttribute,
    Authentication,
}

impl MessageSource {
    fn suffix(self) -> &'static str {
        match self {
            MessageSource::SignUp => "SignUp",
            MessageSource::AdminCreateUser => "AdminCreateUser",
            MessageSource::ResendCode => "ResendCode",
            MessageSource::ForgotPassword => "ForgotPassword",
            MessageSource::UpdateUserAttribute => "UpdateUserAttribute",
            MessageSource::VerifyUserAttribute => "VerifyUserAttribute",
            MessageSource::Authentication => "Authentication",
        }
    }

    /// The source for a [`Message::purpose`]; an administrator's reset is a forgot-password
    /// message to the user.
    pub fn of_purpose(purpose: &str) -> MessageSource {
        match purpose {
            "sign-up" => MessageSource::SignUp,
            "invitation" => MessageSource::AdminCreateUser,
            "resend-code" => MessageSource::ResendCode,
            "update-user-attribute" => MessageSource::UpdateUserAttribute,
            "verify-user-attribute" => MessageSource::VerifyUserAttribute,
            "mfa" => MessageSource::Authentication,
            _ => MessageSource::ForgotPassword,
        }
    }
}

fn render(template: &str, code: &str, username: &str) -> String {
    template.replace(CODE, code).replace(USERNAME, username)
}

impl Idp {
    /// Delivers `message` (rendered from the pool's templates around `code`) through the
    /// pool's triggers and the messenger. The outer error is a trigger's failure; the inner
    /// one a delivery failure's reason, for the caller's CodeDeliveryFailureException.
    pub(crate) async fn deliver(
        &self,
        pool: &Pool,
        user: &User,
        mut message: Message,
        code: &str,
    ) -> IdpResult<Result<(), String>> {
        let source = MessageSource::of_purpose(message.purpose);
        let sender = match message.medium {
            Medium::Email => Trigger::CustomEmailSender,
            Medium::Sms => Trigger::CustomSmsSender,
        };
        if self.has_trigger(pool, sender) {
            return Ok(self.custom_send(pool, user, sender, code, source).await);
        }
        self.custom_message(pool, user, &mut message, code, source).await?;
        Ok(self.messenger.send(message).await)
    }

    async fn custom_message(
        &self,
        pool: &Pool,
        user: &User,
        message: &mut Message,
        code: &str,
        source: MessageSource,
    ) -> IdpResult<()> {
        let event = Event {
            trigger: Trigger::CustomMessage,
            source: &format!("CustomMessage_{}", source.suffix()),
            user_name: &user.record.username,
            client_id: None,
            request: json!({
                "userAttributes": user_attributes(user, true),
                "codeParameter": CODE,
                "linkParameter": LINK,
                "usernameParameter": (source == MessageSource::AdminCreateUser).then_some(USERNAME),
                "clientMetadata": client_metadata(),
            }),
            response: json!({ "smsMessage": null, "emailMessage": null, "emailSubject": null }),
        };
        let Some(response) = self.run_trigger(pool, event).await? else { return Ok(()) };
        let body = match message.medium {
            Medium::Email => text(&response, "emailMessage")?,
            Medium::Sms => text(&response, "smsMessage")?,
        };
        // A message without the code placeholder (or, for a confirmation link, the link's)
        // would lose the code: the pool's own template is sent instead, as Cognito does.
        let link = self.confirmation_link(pool, user, message.medium == Medium::Email, code, message.purpose);
        match (body, link) {
            (Some(body), Some(url)) if body.contains(LINK) => {
                message.body = crate::notify::with_link(&render(&body, code, &user.record.username), &url);
            }
            (Some(body), _) if body.contains(CODE) => message.body = render(&body, code, &user.record.username),
            _ => {}
        }
        if message.medium == Medium::Email
            && let Some(subject) = text(&response, "emailSubject")?.filter(|s| !s.is_empty())
        {
            message.subject = Some(render(&subject, code, &user.record.username));
        }
        Ok(())
    }

    async fn custom_send(
        &self,
        pool: &Pool,
        user: &User,
        sender: Trigger,
        code: &str,
        source: MessageSource,
    ) -> Result<(), String> {
        let Some(key) = &self.settings.sender_key else {
            return Err(format!("{} is configured but the server has no custom sender key", sender.name()));
        };
        let kind = match sender {
            Trigger::CustomSmsSender => "customSMSSenderRequestV1",
            _ => "customEmailSenderRequestV1",
        };
        let event = Event {
            trigger: sender,
            source: &format!("{}_{}", sender.name(), source.suffix()),
            user_name: &user.record.username,
            client_id: None,
            request: json!({
                "type": kind,
                "code": key.encrypt(code),
                "clientMetadata": client_metadata(),
                "userAttributes": user_attributes(user, true),
            }),
            response: json!({}),
        };
        self.run_trigger(pool, event).await.map(drop).map_err(|e: IdpError| e.to_string())
    }
}
