//! RS256 JSON Web Signatures for Cognito's tokens: key generation, a signer over an already
//! parsed key (re-parsing the RSA key per token would cost more than the signature itself),
//! signature verification, JWK export, and the self-signed certificate GetSigningCertificate
//! returns.

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{
    KeyPair as _, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_2048_8192_SHA512, RSA_PKCS1_SHA256, RSA_PKCS1_SHA512,
    RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum JwsError {
    #[error("malformed token")]
    Malformed,
    #[error("key rejected")]
    Key,
}

/// The RSA PKCS#1 v1.5 JWS algorithms Cognate signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaAlg {
    /// User-pool tokens.
    Rs256,
    /// Identity-pool OpenID tokens.
    Rs512,
}

impl RsaAlg {
    pub fn name(self) -> &'static str {
        match self {
            RsaAlg::Rs256 => "RS256",
            RsaAlg::Rs512 => "RS512",
        }
    }

    fn padding(self) -> &'static dyn aws_lc_rs::signature::RsaEncoding {
        match self {
            RsaAlg::Rs256 => &RSA_PKCS1_SHA256,
            RsaAlg::Rs512 => &RSA_PKCS1_SHA512,
        }
    }

    fn verification(self) -> &'static aws_lc_rs::signature::RsaParameters {
        match self {
            RsaAlg::Rs256 => &RSA_PKCS1_2048_8192_SHA256,
            RsaAlg::Rs512 => &RSA_PKCS1_2048_8192_SHA512,
        }
    }
}

/// A private RSA key ready to sign, with its key id.
pub struct SigningKey {
    kid: String,
    pair: KeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.kid)
    }
}

/// The public half of a signing key, in JWKS form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jwk {
    pub alg: String,
    pub e: String,
    pub kid: String,
    pub kty: String,
    pub n: String,
    #[serde(rename = "use")]
    pub use_: String,
}

/// A new RSA-2048 private key as PKCS#8 DER (to be sealed before it is stored).
pub fn generate_rsa_pkcs8() -> Result<Vec<u8>, JwsError> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| JwsError::Key)?;
    Ok(pair.as_der().map_err(|_| JwsError::Key)?.as_ref().to_vec())
}

impl SigningKey {
    pub fn from_pkcs8(kid: &str, der: &[u8]) -> Result<Self, JwsError> {
        Ok(SigningKey { kid: kid.to_owned(), pair: KeyPair::from_pkcs8(der).map_err(|_| JwsError::Key)? })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn jwk(&self) -> Jwk {
        self.jwk_for(RsaAlg::Rs256)
    }

    /// The public key as a JWK advertising `alg`.
    pub fn jwk_for(&self, alg: RsaAlg) -> Jwk {
        let public = self.pair.public_key();
        Jwk {
            alg: alg.name().into(),
            e: B64URL.encode(public.exponent().big_endian_without_leading_zero()),
            kid: self.kid.clone(),
            kty: "RSA".into(),
            n: B64URL.encode(public.modulus().big_endian_without_leading_zero()),
            use_: "sig".into(),
        }
    }

    /// `header.payload.signature` with header `{"kid":…,"alg":"RS256"}` over the given
    /// claims (already serialized JSON).
    pub fn sign_jwt(&self, claims_json: &[u8]) -> Result<String, JwsError> {
        self.sign_jwt_with(RsaAlg::Rs256, claims_json)
    }

    /// [`Self::sign_jwt`] with another RSA algorithm (identity-pool tokens are RS512).
    pub fn sign_jwt_with(&self, alg: RsaAlg, claims_json: &[u8]) -> Result<String, JwsError> {
        let header = serde_json::json!({ "kid": self.kid, "alg": alg.name() }).to_string();
        let mut token = String::with_capacity(claims_json.len() * 4 / 3 + 400);
        B64URL.encode_string(header.as_bytes(), &mut token);
        token.push('.');
        B64URL.encode_string(claims_json, &mut token);
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair.sign(alg.padding(), &SystemRandom::new(), token.as_bytes(), &mut sig).map_err(|_| JwsError::Key)?;
        token.push('.');
        B64URL.encode_string(&sig, &mut token);
        Ok(token)
    }

    /// A self-signed X.509 certificate for this key, PEM-encoded, valid ten years.
    pub fn certificate_pem(&self, common_name: &str) -> Result<String, JwsError> {
        let der = self.pair.as_der().map_err(|_| JwsError::Key)?;
        let key = rcgen::KeyPair::try_from(der.as_ref()).map_err(|_| JwsError::Key)?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|_| JwsError::Key)?;
        params.distinguished_name.push(rcgen::DnType::CommonName, common_name);
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2049, 12, 31);
        Ok(params.self_signed(&key).map_err(|_| JwsError::Key)?.pem())
    }
}

/// The parts of a compact JWS, before any check.
#[derive(Debug)]
pub struct Parsed<'a> {
    pub alg: String,
    pub kid: Option<String>,
    pub payload: Vec<u8>,
    signing_input: &'a str,
    signature: Vec<u8>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// Splits and decodes a compact JWS; verifies nothing.
pub fn parse(token: &str) -> Result<Parsed<'_>, JwsError> {
    let (signing_input, sig) = token.rsplit_once('.').ok_or(JwsError::Malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or(JwsError::Malformed)?;
    let header: Header = serde_json::from_slice(&B64URL.decode(header).map_err(|_| JwsError::Malformed)?)
        .map_err(|_| JwsError::Malformed)?;
    Ok(Parsed {
        alg: header.alg,
        kid: header.kid,
        payload: B64URL.decode(payload).map_err(|_| JwsError::Malformed)?,
        signing_input,
        signature: B64URL.decode(sig).map_err(|_| JwsError::Malformed)?,
    })
}

/// A compact JWS signed ES256 by a P-256 private key given as PKCS#8 DER, with the header
/// `{"alg":"ES256","kid":…}` (Sign in with Apple's client secret is one).
pub fn sign_es256_jwt(pkcs8_der: &[u8], kid: &str, claims_json: &[u8]) -> Result<String, JwsError> {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8_der).map_err(|_| JwsError::Key)?;
    let header = serde_json::json!({ "alg": "ES256", "kid": kid }).to_string();
    let mut token = B64URL.encode(header.as_bytes());
    token.push('.');
    B64URL.encode_string(claims_json, &mut token);
    let sig = pair.sign(&SystemRandom::new(), token.as_bytes()).map_err(|_| JwsError::Key)?;
    token.push('.');
    B64URL.encode_string(sig.as_ref(), &mut token);
    Ok(token)
}

impl Parsed<'_> {
    /// True only for an RS256 signature by the RSA public key (`n`, `e`: big-endian bytes).
    pub fn verify_rs256_key(&self, n: &[u8], e: &[u8]) -> bool {
        if self.alg != "RS256" {
            return false;
        }
        let key = RsaPublicKeyComponents { n, e };
        key.verify(&RSA_PKCS1_2048_8192_SHA256, self.signing_input.as_bytes(), &self.signature).is_ok()
    }

    /// True only for an ES256 signature (JWS's fixed `r||s` form) by the P-256 public key
    /// with coordinates `x`, `y` (32 bytes each).
    pub fn verify_es256_key(&self, x: &[u8], y: &[u8]) -> bool {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
        if self.alg != "ES256" || x.len() != 32 || y.len() != 32 {
            return false;
        }
        let point = [&[4u8][..], x, y].concat();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
            .verify(self.signing_input.as_bytes(), &self.signature)
            .is_ok()
    }

    /// True only for an RS256 signature by `jwk`'s key. The algorithm is fixed here, never
    /// taken from the token, so `alg: none` or HS256-with-the-public-key forgeries fail.
    pub fn verify_rs256(&self, jwk: &Jwk) -> bool {
        self.verify_rsa(RsaAlg::Rs256, jwk)
    }

    /// True only for a signature by `jwk`'s key with exactly the algorithm `alg`.
    pub fn verify_rsa(&self, alg: RsaAlg, jwk: &Jwk) -> bool {
        if self.alg != alg.name() {
            return false;
        }
        let (Ok(n), Ok(e)) = (B64URL.decode(&jwk.n), B64URL.decode(&jwk.e)) else { return false };
        let key = RsaPublicKeyComponents { n: n.as_slice(), e: e.as_slice() };
        key.verify(alg.verification(), self.signing_input.as_bytes(), &self.signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_forgeries() {
        let key = SigningKey::from_pkcs8("k1", &generate_rsa_pkcs8().unwrap()).unwrap();
        let token = key.sign_jwt(br#"{"sub":"a"}"#).unwrap();
        let parsed = parse(&token).unwrap();
        assert_eq!(parsed.kid.as_deref(), Some("k1"));
        assert_eq!(parsed.payload, br#"{"sub":"a"}"#);
        assert!(parsed.verify_rs256(&key.jwk()));

        let other = SigningKey::from_pkcs8("k2", &generate_rsa_pkcs8().unwrap()).unwrap();
        assert!(!parsed.verify_rs256(&other.jwk()));

        let (head, rest) = token.split_once('.').unwrap();
        let sig = rest.split_once('.').unwrap().1;
        let altered = format!("{head}.{}.{sig}", B64URL.encode(br#"{"sub":"b"}"#));
        assert!(!parse(&altered).unwrap().verify_rs256(&key.jwk()));

        let none = format!("{}.{}.", B64URL.encode(br#"{"alg":"none"}"#), B64URL.encode(br#"{"sub":"a"}"#));
        assert!(!parse(&none).unwrap().verify_rs256(&key.jwk()));
        assert_eq!(parse("abc").unwrap_err(), JwsError::Malformed);
    }

    #[test]
    fn rs512_is_its_own_algorithm() {
        let key = SigningKey::from_pkcs8("k1", &generate_rsa_pkcs8().unwrap()).unwrap();
        let token = key.sign_jwt_with(RsaAlg::Rs512, br#"{"sub":"a"}"#).unwrap();
        let parsed = parse(&token).unwrap();
        assert_eq!(parsed.alg, "RS512");
        assert!(parsed.verify_rsa(RsaAlg::Rs512, &key.jwk_for(RsaAlg::Rs512)));
        assert!(!parsed.verify_rs256(&key.jwk()));
        assert!(!parse(&key.sign_jwt(b"{}").unwrap()).unwrap().verify_rsa(RsaAlg::Rs512, &key.jwk()));
    }

    #[test]
    fn certificate_is_pem() {
        let key = SigningKey::from_pkcs8("k1", &generate_rsa_pkcs8().unwrap()).unwrap();
        let pem = key.certificate_pem("us-east-1_x").unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }
}

#[cfg(test)]
mod es256_tests {
    use super::*;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

    #[test]
    fn es256_signs_and_verifies_with_the_public_point_only() {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = pair.public_key().as_ref().to_vec();
        let (x, y) = (&point[1..33], &point[33..65]);
        let token = sign_es256_jwt(pkcs8.as_ref(), "kid1", br#"{"sub":"a"}"#).unwrap();
        let parsed = parse(&token).unwrap();
        assert_eq!(parsed.kid.as_deref(), Some("kid1"));
        assert!(parsed.verify_es256_key(x, y));
        assert!(!parsed.verify_es256_key(y, x));
        assert!(!parsed.verify_rs256_key(x, y));
        assert!(sign_es256_jwt(b"not a key", "k", b"{}").is_err());
    }
}
