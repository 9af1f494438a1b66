//! The pool's password policy: checking a password against it (with Cognito's messages) and
//! generating temporary passwords that satisfy it.

use crate::{IdpError, IdpResult};
use cognate_wire::idp::types::PasswordPolicyType;

/// Cognito's symbol set.
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-";

pub(crate) fn check(policy: &PasswordPolicyType, password: &str) -> IdpResult<()> {
    let fail = |why: &str| Err(IdpError::InvalidPassword(why.to_owned()));
    if password.chars().count() < policy.minimum_length.unwrap_or(8) as usize {
        return fail("Password not long enough");
    }
    if policy.require_uppercase == Some(true) && !password.chars().any(|c| c.is_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if policy.require_lowercase == Some(true) && !password.chars().any(|c| c.is_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if policy.require_numbers == Some(true) && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    if policy.require_symbols == Some(true) && !password.chars().any(|c| SYMBOLS.contains(c) || c == ' ') {
        return fail("Password must have symbol characters");
    }
    Ok(())
}

/// A random password meeting `policy`: at least 12 characters, one from every class.
pub(crate) fn generate(policy: &PasswordPolicyType) -> String {
    use cognate_crypto::random::{below, string_from};
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const DIGITS: &[u8] = b"23456789";
    const SYMS: &[u8] = b"!@#%^&*-_=+?";
    let len = (policy.minimum_length.unwrap_or(8) as usize).max(12);
    let mut chars: Vec<char> =
        [UPPER, LOWER, DIGITS, SYMS].iter().flat_map(|set| string_from(set, 1).chars().collect::<Vec<_>>()).collect();
    let all: Vec<u8> = [UPPER, LOWER, DIGITS, SYMS].concat();
    chars.extend(string_from(&all, len - chars.len()).chars());
    // Fisher-Yates, so the guaranteed characters are not always in front.
    for i in (1..chars.len()).rev() {
        let j = below(i as u32 + 1) as usize;
        chars.swap(i, j);
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool_config::default_password_policy;

    #[test]
    fn messages_follow_cognito() {
        let p = default_password_policy();
        let msg = |pw: &str| check(&p, pw).unwrap_err().to_string();
        assert_eq!(msg("Ab1!"), "Password did not conform with policy: Password not long enough");
        assert_eq!(msg("abcdefg1!"), "Password did not conform with policy: Password must have uppercase characters");
        assert_eq!(msg("ABCDEFG1!"), "Password did not conform with policy: Password must have lowercase characters");
        assert_eq!(msg("Abcdefgh!"), "Password did not conform with policy: Password must have numeric characters");
        assert_eq!(msg("Abcdefgh1"), "Password did not conform with policy: Password must have symbol characters");
        assert!(check(&p, "Abcdefg1!").is_ok());
    }

    #[test]
    fn generated_passwords_satisfy_the_policy() {
        let mut p = default_password_policy();
        p.minimum_length = Some(20);
        for _ in 0..50 {
            let pw = generate(&p);
            assert_eq!(pw.len(), 20);
            check(&p, &pw).unwrap();
        }
    }
}
