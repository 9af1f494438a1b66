//! Cognito's Lambda triggers: the events a pool's `LambdaConfig` functions receive, how they
//! are invoked (behind [`Invoker`], implemented outside the domain), and how their failures
//! become Cognito's errors. The trigger-specific semantics live beside the operations that
//! run them, and in this module's children: token claims (`token_generation`), custom
//! authentication (`custom_auth`), user migration (`migration`) and the operator's allow-list
//! of trigger URLs (`targets`).

pub(crate) mod caller;
pub(crate) mod custom_auth;
pub(crate) mod lifecycle;
mod messages;
pub(crate) mod migration;
pub mod targets;
pub(crate) mod token_generation;

pub use caller::{Caller, iam_authenticated, with_caller};

use crate::pools::Pool;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult};
use async_trait::async_trait;
use serde_json::{Map, Value, json};

/// How a trigger is called: awaiting its answer, or (custom senders) fire and forget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvokeMode {
    RequestResponse,
    Event,
}

/// Why an invocation produced no event.
#[derive(Debug, Clone, PartialEq)]
pub enum InvokeError {
    /// The function ran and raised; its `errorMessage`.
    Function(String),
    /// The function could not be reached or did not answer in time; a reason for the caller.
    Failed(String),
    /// The answer was not JSON.
    Malformed,
}

/// Calls trigger functions. `function` is the pool's LambdaConfig value as configured: an
/// http(s) URL or a Lambda function ARN or name.
#[async_trait]
pub trait Invoker: Send + Sync {
    async fn invoke(&self, function: &str, event: &Value, mode: InvokeMode) -> Result<Value, InvokeError>;
}

/// For a server that invokes nothing (tests of the domain, tools): every call fails.
pub struct NoInvoker;

#[async_trait]
impl Invoker for NoInvoker {
    async fn invoke(&self, _: &str, _: &Value, _: InvokeMode) -> Result<Value, InvokeError> {
        Err(InvokeError::Failed("no trigger invoker is configured".into()))
    }
}

/// The pool settings a trigger is configured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    PreSignUp,
    PostConfirmation,
    PreAuthentication,
    PostAuthentication,
    DefineAuthChallenge,
    CreateAuthChallenge,
    VerifyAuthChallengeResponse,
    PreTokenGeneration,
    UserMigration,
    CustomMessage,
    CustomEmailSender,
    CustomSmsSender,
}

impl Trigger {
    /// The name Cognito's error messages use.
    pub fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::UserMigration => "UserMigration",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::CustomEmailSender => "CustomEmailSender",
            Trigger::CustomSmsSender => "CustomSMSSender",
        }
    }

    /// The configured function and the event `version` it receives.
    pub fn target(self, pool: &Pool) -> Option<(&str, &'static str)> {
        let c = pool.doc.pool.lambda_config.as_ref()?;
        fn v1(f: &Option<String>) -> Option<(&str, &'static str)> {
            f.as_deref().map(|f| (f, "1"))
        }
        let found = match self {
            Trigger::PreSignUp => v1(&c.pre_sign_up),
            Trigger::PostConfirmation => v1(&c.post_confirmation),
            Trigger::PreAuthentication => v1(&c.pre_authentication),
            Trigger::PostAuthentication => v1(&c.post_authentication),
            Trigger::DefineAuthChallenge => v1(&c.define_auth_challenge),
            Trigger::CreateAuthChallenge => v1(&c.create_auth_challenge),
            Trigger::VerifyAuthChallengeResponse => v1(&c.verify_auth_challenge_response),
            Trigger::UserMigration => v1(&c.user_migration),
            Trigger::CustomMessage => v1(&c.custom_message),
            Trigger::PreTokenGeneration => match &c.pre_token_generation_config {
                Some(v) => v.lambda_arn.as_deref().map(|f| (f, token_generation::event_version(v))),
                None => v1(&c.pre_token_generation),
            },
            Trigger::CustomEmailSender => c.custom_email_sender.as_ref().and_then(|s| v1(&s.lambda_arn)),
            Trigger::CustomSmsSender => c.custom_sms_sender.as_ref().and_then(|s| v1(&s.lambda_arn)),
        };
        found.filter(|(f, _)| !f.is_empty())
    }

    fn mode(self) -> InvokeMode {
        match self {
            Trigger::CustomEmailSender | Trigger::CustomSmsSender => InvokeMode::Event,
            _ => InvokeMode::RequestResponse,
        }
    }
}

/// One invocation: which trigger, its `triggerSource`, who it is about, and its request and
/// (default) response objects.
pub(crate) struct Event<'a> {
    pub trigger: Trigger,
    pub source: &'a str,
    pub user_name: &'a str,
    pub client_id: Option<&'a str>,
    pub request: Value,
    pub response: Value,
}

/// A user's attributes as triggers see them: a string map, internal attributes left out.
pub(crate) fn user_attributes(user: &User, with_status: bool) -> Value {
    let mut map: Map<String, Value> = user
        .attributes
        .iter()
        .filter(|(name, _)| !name.starts_with("dev:"))
        .map(|(name, value)| (name.clone(), json!(value)))
        .collect();
    if with_status {
        map.insert("cognito:user_status".into(), json!(user.record.status));
    }
    Value::Object(map)
}

/// A string map for an event, or `null` when the caller sent none (as Cognito sends it).
pub(crate) fn string_map<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    let map: Map<String, Value> = pairs.into_iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    if map.is_empty() { Value::Null } else { Value::Object(map) }
}

/// The caller's ClientMetadata, or `null`.
pub(crate) fn client_metadata() -> Value {
    string_map(&caller::current().client_metadata)
}

/// A trigger's answer that is not the event Cognito expects.
pub(crate) fn unrecognizable() -> IdpError {
    IdpError::InvalidLambdaResponse("Unrecognizable lambda output".into())
}

impl Idp {
    /// Refuses a LambdaConfig URL whose host the operator's `--trigger-allow` list does not
    /// name, when the pool is written (the invoker checks again at each call).
    pub(crate) fn check_trigger_targets(&self, pool: &cognate_wire::idp::types::UserPoolType) -> IdpResult<()> {
        match targets::refused_target(&self.settings.trigger_allow, pool.lambda_config.as_ref()) {
            None => Ok(()),
            Some((setting, host)) => Err(crate::error::invalid(format!(
                "The trigger host {host} (LambdaConfig.{setting}) is not in this server's trigger allow-list."
            ))),
        }
    }

    pub(crate) fn has_trigger(&self, pool: &Pool, trigger: Trigger) -> bool {
        trigger.target(pool).is_some()
    }

    /// Invokes `event.trigger` if the pool configures it and returns the `response` object the
    /// function filled in; `None` when the pool has no such trigger.
    pub(crate) async fn run_trigger(&self, pool: &Pool, event: Event<'_>) -> IdpResult<Option<Map<String, Value>>> {
        let Some((function, version)) = event.trigger.target(pool) else { return Ok(None) };
        // Boxed: this runs deep inside sign-in futures, which stay small this way.
        Box::pin(self.invoke_trigger(pool, function, version, event)).await.map(Some)
    }

    async fn invoke_trigger(
        &self,
        pool: &Pool,
        function: &str,
        version: &str,
        event: Event<'_>,
    ) -> IdpResult<Map<String, Value>> {
        let caller = caller::current();
        let client_id = event.client_id.map(str::to_owned).or(caller.client_id).unwrap_or_else(|| {
            // Administrative calls are made by no app client.
            "CLIENT_ID_NOT_APPLICABLE".into()
        });
        let body = json!({
            "version": version,
            "triggerSource": event.source,
            "region": self.settings.region,
            "userPoolId": pool.record.id,
            "userName": event.user_name,
            "callerContext": { "awsSdkVersion": caller.sdk_version, "clientId": client_id },
            "request": event.request,
            "response": event.response,
        });
        let name = event.trigger.name();
        let answer = self.invoker.invoke(function, &body, event.trigger.mode()).await.map_err(|e| match e {
            InvokeError::Function(message) => {
                IdpError::LambdaValidation(format!("{name} failed with error {message}."))
            }
            InvokeError::Failed(reason) => {
                tracing::warn!(trigger = name, %reason, "trigger invocation failed");
                IdpError::UnexpectedLambda(format!("{name} invocation failed due to error {reason}."))
            }
            InvokeError::Malformed => unrecognizable(),
        })?;
        if event.trigger.mode() == InvokeMode::Event {
            return Ok(Map::new());
        }
        match answer {
            Value::Object(mut out) => match out.remove("response") {
                Some(Value::Object(response)) => Ok(response),
                None | Some(Value::Null) => Ok(Map::new()),
                Some(_) => Err(unrecognizable()),
            },
            _ => Err(unrecognizable()),
        }
    }
}

/// A boolean response field; Cognito also takes the strings "true" and "false".
pub(crate) fn flag(response: &Map<String, Value>, name: &str) -> IdpResult<bool> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
        Some(_) => Err(unrecognizable()),
    }
}

/// A string response field (`null` and absent are both `None`).
pub(crate) fn text(response: &Map<String, Value>, name: &str) -> IdpResult<Option<String>> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(unrecognizable()),
    }
}

/// A string-map response field; scalar values are taken as their text.
pub(crate) fn text_map(response: &Map<String, Value>, name: &str) -> IdpResult<Vec<(String, String)>> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Bool(_) | Value::Number(_) => Ok((k.clone(), v.to_string())),
                _ => Err(unrecognizable()),
            })
            .collect(),
        Some(_) => Err(unrecognizable()),
    }
}

/// A list-of-strings response field.
pub(crate) fn text_list(response: &Map<String, Value>, name: &str) -> IdpResult<Option<Vec<String>>> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(unrecognizable))
            .collect::<IdpResult<Vec<_>>>()
            .map(Some),
        Some(_) => Err(unrecognizable()),
    }
}
