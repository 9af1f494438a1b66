//! Outbound messages (invitations, codes) and where they go. Delivery over SMTP and the SMS
//! webhook plugs in behind [`Messenger`]; without either, messages are written to the log so
//! a developer can read them.

use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq)]
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
    /// Why it is sent: `invitation`, `sign-up`, `forgot-password`, ...
    pub purpose: &'static str,
}

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
