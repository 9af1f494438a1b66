//! Outbound messages (invitations, codes) and where they go. Delivery over SMTP and the SMS
//! webhook plugs in behind [`Messenger`]; without either, messages are written to the log so
//! a developer can read them.

use async_trait::async_trait;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Medium {
    Email,
    Sms,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub pool_id: String,
    pub username: String,
    pub medium: Medium,
    pub destination: String,
    pub subject: Option<String>,
    pub body: String,
    /// The pool's sender address (EmailConfiguration.From); the server default when absent.
    pub from: Option<String>,
    /// The pool's EmailConfiguration.ReplyToEmailAddress.
    pub reply_to: Option<String>,
    /// Why it is sent: `invitation`, `sign-up`, `forgot-password`, ...
    pub purpose: &'static str,
}

/// Delivers messages. An `Err` carries a reason for the log; the caller answers
/// CodeDeliveryFailureException and keeps its state unchanged.
#[async_trait]
pub trait Messenger: Send + Sync {
    async fn send(&self, message: Message) -> Result<(), String>;
}

/// Development delivery: the message, code included, goes to the log.
pub struct LogMessenger;

#[async_trait]
impl Messenger for LogMessenger {
    async fn send(&self, m: Message) -> Result<(), String> {
        tracing::info!(
            pool = %m.pool_id, user = %m.username, medium = ?m.medium, to = %m.destination,
            purpose = m.purpose, subject = ?m.subject, body = %m.body,
            "message (no SMTP or SMS delivery configured)"
        );
        Ok(())
    }
}
