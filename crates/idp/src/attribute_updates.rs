//! Attribute updates shared by AdminUpdateUserAttributes and UpdateUserAttributes: a blank
//! value deletes the attribute; a changed email or phone number is unverified and, when the
//! pool auto-verifies it, gets a code; with AttributesRequireVerificationBeforeUpdate the old
//! value stays in force (and keeps signing in) until the new one is verified.

use crate::attributes::{self, Mode};
use crate::codes::{self, Contact, Purpose};
use crate::notify::Destination;
use crate::pools::Pool;
use crate::user_record::User;
use crate::{Idp, IdpResult};
use cognate_wire::idp::types::AttributeType;

/// Codes to send once the user is saved.
pub(crate) type Sends = Vec<(Destination, String)>;

impl Idp {
    /// Applies `updates` to `user` (not saved) and returns the codes to send afterwards.
    /// `by_admin` may vouch for an address by setting its `_verified` flag in the same call.
    pub(crate) fn stage_attribute_updates(
        &self,
        pool: &Pool,
        user: &mut User,
        updates: Vec<AttributeType>,
        by_admin: bool,
    ) -> IdpResult<Sends> {
        attributes::check_known(&pool.doc, updates.iter().map(|a| a.name.as_deref().unwrap_or_default()))?;
        let (blank, updates): (Vec<_>, Vec<_>) =
            updates.into_iter().partition(|a| a.value.as_deref().unwrap_or_default().is_empty());
        let held = list(
            pool.doc
                .pool
                .user_attribute_update_settings
                .as_ref()
                .and_then(|s| s.attributes_require_verification_before_update.clone()),
        );
        let auto = list(pool.doc.pool.auto_verified_attributes.clone());
        let vouched: Vec<String> = updates
            .iter()
            .filter(|a| by_admin && a.value.as_deref().and_then(attributes::canonical_bool) == Some("true"))
            .filter_map(|a| a.name.as_deref()?.strip_suffix("_verified").map(String::from))
            .collect();
        let mut to_verify = Vec::new();
        let mut applied = Vec::new();
        for a in updates {
            let name = a.name.clone().unwrap_or_default();
            let value = a.value.clone().unwrap_or_default();
            match Contact::of(&name).filter(|_| user.attr(&name) != Some(value.as_str()) && !vouched.contains(&name)) {
                Some(c) if held.contains(&name) && user.attr(&name).is_some() => {
                    attributes::apply(&pool.doc, &mut user.clone(), std::slice::from_ref(&a), Mode::Update)?;
                    user.data.pending.insert(name, value);
                    to_verify.push(c);
                }
                Some(c) => {
                    user.data.pending.remove(&name);
                    if auto.contains(&name) {
                        to_verify.push(c);
                    }
                    applied.push(a);
                }
                None => applied.push(a),
            }
        }
        attributes::apply(&pool.doc, user, &applied, Mode::Update)?;
        let blank: Vec<String> = blank.into_iter().filter_map(|a| a.name).collect();
        attributes::delete(&pool.doc, user, &blank)?;
        attributes::check_required(&pool.doc, user)?;
        let mut sends = Vec::new();
        for c in to_verify {
            if !user.data.pending.contains_key(c.attribute()) {
                user.attributes.insert(format!("{}_verified", c.attribute()), "false".into());
            }
            if let Some(to) = Destination::of(user, c) {
                sends.push((to, codes::issue(user, Purpose::Verify(c), self.now_ms())));
            }
        }
        Ok(sends)
    }

    pub(crate) async fn send_update_codes(
        &self,
        pool: &Pool,
        user: &User,
        sends: Sends,
    ) -> IdpResult<Vec<cognate_wire::idp::types::CodeDeliveryDetailsType>> {
        let mut details = Vec::with_capacity(sends.len());
        for (to, code) in sends {
            self.send_code(pool, user, &to, &code, "update-user-attribute").await?;
            details.push(to.details());
        }
        Ok(details)
    }
}

fn list(v: Option<Vec<String>>) -> Vec<String> {
    v.unwrap_or_default()
}
