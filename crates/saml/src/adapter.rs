//! This crate as `cognate-federation`'s SAML backend ([`SamlSp`]): the federation crate
//! decides the protocol (which request, which expectations, replay), this one does the XML.

use crate::{DecryptionKey, Expectations, RequestSigAlg, RequestSigningKey};
use chrono::{DateTime, Utc};
use cognate_federation::{LogoutRequest, SamlAssertion, SamlExpect, SamlIdp, SamlSp, SpDescription};

/// samael and xmlsec behind [`SamlSp`]. Creating one runs the library's global set-up.
pub struct Samael;

impl Samael {
    pub fn new() -> Samael {
        crate::init();
        Samael
    }
}

impl Default for Samael {
    fn default() -> Self {
        Samael::new()
    }
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl SamlSp for Samael {
    fn parse_idp_metadata(&self, xml: &str) -> Result<SamlIdp, String> {
        let m = crate::parse_idp_metadata(xml).map_err(|e| e.to_string())?;
        Ok(SamlIdp {
            entity_id: m.entity_id,
            sso_url: m.sso_redirect_url,
            slo_url: m.slo_redirect_url,
            certs: m.signing_certs,
            want_signed: m.want_authn_requests_signed,
        })
    }

    fn sp_metadata(&self, sp: &SpDescription<'_>) -> Result<String, String> {
        let signing = sp.signs_requests.then_some(sp.cert_pem);
        crate::sp_metadata(sp.entity_id, sp.acs_url, sp.slo_url, signing, Some(sp.cert_pem)).map_err(|e| e.to_string())
    }

    fn logout_request_url(&self, r: &LogoutRequest<'_>) -> Result<String, String> {
        let slo = r.idp.slo_url.as_deref().ok_or("the IdP has no single logout service")?;
        let key =
            RequestSigningKey::from_pem(RequestSigAlg::RsaSha256, r.signing_key_pem).map_err(|e| e.to_string())?;
        crate::logout_request_redirect(
            slo,
            r.sp_entity_id,
            r.request_id,
            time(r.now_ms),
            &r.session.name_id,
            r.session.name_id_format.as_deref(),
            r.session.session_index.as_deref(),
            r.relay_state,
            &key,
        )
        .map_err(|e| e.to_string())
    }

    fn verify_logout_response(
        &self,
        raw_query: &str,
        idp: &SamlIdp,
        in_response_to: &str,
        destination: &str,
    ) -> Result<(), String> {
        let exp = crate::LogoutExpectations {
            idp_entity_id: &idp.entity_id,
            idp_certs: &idp.certs,
            in_response_to,
            destination,
        };
        crate::verify_logout_response_redirect(raw_query, &exp).map_err(|e| e.to_string())
    }

    fn authn_request_url(
        &self,
        idp: &SamlIdp,
        sp_entity_id: &str,
        acs_url: &str,
        request_id: &str,
        now_ms: i64,
        relay_state: &str,
        signing_key_pem: Option<&str>,
    ) -> Result<String, String> {
        let metadata = crate::IdpMetadata {
            entity_id: idp.entity_id.clone(),
            sso_redirect_url: idp.sso_url.clone(),
            slo_redirect_url: idp.slo_url.clone(),
            signing_certs: idp.certs.clone(),
            want_authn_requests_signed: idp.want_signed,
        };
        let key = signing_key_pem
            .map(|pem| RequestSigningKey::from_pem(RequestSigAlg::RsaSha256, pem))
            .transpose()
            .map_err(|e| e.to_string())?;
        crate::authn_request_redirect(
            &metadata,
            sp_entity_id,
            acs_url,
            request_id,
            time(now_ms),
            Some(relay_state),
            key.as_ref(),
        )
        .map_err(|e| e.to_string())
    }

    fn verify_response(&self, response_b64: &str, expect: &SamlExpect<'_>) -> Result<SamlAssertion, String> {
        let key = expect.decryption_key_pem.map(DecryptionKey::from_pem).transpose().map_err(|e| e.to_string())?;
        let exp = Expectations {
            idp_entity_id: &expect.idp.entity_id,
            idp_certs: &expect.idp.certs,
            sp_entity_id: expect.sp_entity_id,
            acs_url: expect.acs_url,
            in_response_to: expect.in_response_to,
            now: time(expect.now_ms),
            skew_seconds: expect.skew_seconds,
            decryption_key: key.as_ref(),
        };
        let a = crate::verify_response(response_b64, &exp).map_err(|e| e.to_string())?;
        Ok(SamlAssertion {
            id: a.id,
            name_id: a.name_id,
            name_id_format: a.name_id_format,
            session_index: a.session_index,
            attributes: a.attributes,
            not_on_or_after_ms: a.not_on_or_after.timestamp_millis(),
        })
    }
}
