//! `EncryptedAssertion` handling.
//!
//! samael's serde type for it (`schema::EncryptedAssertion`) requires an
//! `xmlns:ds`/`xmlns:dsig` attribute *on the `KeyInfo` element itself*, so it
//! fails on perfectly valid input (pysaml2/xmlsec declare the prefix on
//! `EncryptedData`; ADFS uses a default namespace). We therefore extract the
//! four values we need with a namespace-aware reader and call only samael's
//! crypto primitives (`decrypt_assertion_key_info` / `_value_info`).

use crate::error::SamlError;
use crate::response::DecryptionKey;
use crate::xml_guard::NS_ASSERTION;
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use samael::crypto::{Crypto, CryptoProvider};
use samael::schema::CipherValue;

const NS_XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
/// Key transport accepted (RSA PKCS#1 v1.5 is refused: Bleichenbacher oracle).
const KEY_TRANSPORT_OAEP: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
const SHA1_DIGEST: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const AES128_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
const AES128_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes128-gcm";

/// A Response split around its EncryptedAssertion.
pub(crate) struct Extracted {
    /// The Response XML with the EncryptedAssertion element cut out (for
    /// parsing the envelope with samael's `Response`).
    pub envelope_xml: String,
    /// Namespace declarations in scope at the EncryptedAssertion (innermost
    /// wins): the plaintext may use prefixes declared on ancestors.
    inherited_ns: Vec<(String, String)>,
    key_method: Option<String>,
    /// OAEP DigestMethod, if given (samael's OAEP uses SHA-1 only).
    key_oaep_digest: Option<String>,
    key_cipher: Option<String>,
    data_method: Option<String>,
    data_cipher: Option<String>,
    encrypted_keys: usize,
    encrypted_datas: usize,
}

fn bound<'a>(r: &'a ResolveResult<'_>) -> &'a [u8] {
    match r {
        ResolveResult::Bound(ns) => ns.as_ref(),
        _ => b"",
    }
}

/// Finds the (single, already guard-checked) EncryptedAssertion in `xml`.
/// Returns `None` when there is none.
/// Unreachable: the walk only records inside an EncryptedAssertion it has opened.
fn outside() -> SamlError {
    SamlError::MalformedXml("content outside the EncryptedAssertion".into())
}

pub(crate) fn extract(xml: &str) -> Result<Option<Extracted>, SamlError> {
    let mut reader = NsReader::from_str(xml);
    reader.config_mut().expand_empty_elements = true;
    let malformed = |e: quick_xml::Error| SamlError::MalformedXml(e.to_string());
    // Namespace declarations per open element (outside the EncryptedAssertion).
    let mut ns_stack: Vec<Vec<(String, String)>> = Vec::new();
    // Path (ns, local) inside the EncryptedAssertion; empty = outside.
    let mut path: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut start_at = 0usize;
    let mut out: Option<Extracted> = None;
    loop {
        let before = reader.buffer_position() as usize;
        let (ns, ev) = reader.read_resolved_event().map_err(malformed)?;
        match ev {
            Event::Start(s) => {
                let local = s.local_name().as_ref().to_vec();
                let nsv = bound(&ns).to_vec();
                if path.is_empty() {
                    let mut decl = Vec::new();
                    for a in s.attributes().flatten() {
                        let k = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                        let p = if k == "xmlns" {
                            Some(String::new())
                        } else {
                            k.strip_prefix("xmlns:").map(str::to_string)
                        };
                        if let Some(p) = p {
                            decl.push((p, String::from_utf8_lossy(&a.value).into_owned()));
                        }
                    }
                    ns_stack.push(decl);
                    if nsv == NS_ASSERTION.as_bytes() && local == b"EncryptedAssertion" {
                        start_at = before;
                        let mut scope: Vec<(String, String)> = Vec::new();
                        for frame in &ns_stack {
                            for (p, u) in frame {
                                scope.retain(|(q, _)| q != p);
                                scope.push((p.clone(), u.clone()));
                            }
                        }
                        out = Some(Extracted {
                            envelope_xml: String::new(),
                            inherited_ns: scope,
                            key_method: None,
                            key_oaep_digest: None,
                            key_cipher: None,
                            data_method: None,
                            data_cipher: None,
                            encrypted_keys: 0,
                            encrypted_datas: 0,
                        });
                        path.push((nsv, local));
                    }
                    continue;
                }
                let Some(e) = out.as_mut() else { return Err(outside()) };
                let in_key = path.iter().any(|(n, l)| n == NS_XENC.as_bytes() && l == b"EncryptedKey");
                let parent = path.last().map(|(_, l)| l.as_slice()).unwrap_or(b"");
                let attr = |name: &[u8]| {
                    s.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == name)
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                };
                if nsv == NS_XENC.as_bytes() {
                    match local.as_slice() {
                        b"EncryptedKey" => e.encrypted_keys += 1,
                        b"EncryptedData" => e.encrypted_datas += 1,
                        b"EncryptionMethod" if in_key && parent == b"EncryptedKey" => e.key_method = attr(b"Algorithm"),
                        b"EncryptionMethod" if parent == b"EncryptedData" => e.data_method = attr(b"Algorithm"),
                        _ => {}
                    }
                } else if local == b"DigestMethod" && parent == b"EncryptionMethod" && in_key {
                    e.key_oaep_digest = attr(b"Algorithm");
                }
                path.push((nsv, local));
            }
            Event::Text(t) if !path.is_empty() => {
                let n = path.len();
                let is_cipher_value = n >= 3
                    && path[n - 1].1 == b"CipherValue"
                    && path[n - 2].1 == b"CipherData"
                    && path[n - 1].0 == NS_XENC.as_bytes();
                if is_cipher_value {
                    let owner = path[n - 3].1.as_slice();
                    let text = String::from_utf8_lossy(t.as_ref()).into_owned();
                    let Some(e) = out.as_mut() else { return Err(outside()) };
                    let slot = match owner {
                        b"EncryptedKey" => &mut e.key_cipher,
                        b"EncryptedData" => &mut e.data_cipher,
                        _ => continue,
                    };
                    slot.get_or_insert_with(String::new).push_str(&text);
                }
            }
            Event::End(_) => {
                if path.is_empty() {
                    ns_stack.pop();
                } else {
                    path.pop();
                    if path.is_empty() {
                        let end_at = reader.buffer_position() as usize;
                        let Some(e) = out.as_mut() else { return Err(outside()) };
                        e.envelope_xml = format!("{}{}", &xml[..start_at], &xml[end_at..]);
                        ns_stack.pop();
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

impl Extracted {
    /// Decrypts to the assertion's XML text (namespace-completed). Every
    /// failure is the same error (no padding / key-transport oracle).
    pub(crate) fn decrypt(&self, key: &DecryptionKey) -> Result<String, SamlError> {
        let fail = SamlError::Decryption;
        if self.encrypted_keys != 1 || self.encrypted_datas != 1 {
            return Err(fail);
        }
        let key_method = self.key_method.as_deref().ok_or(SamlError::Decryption)?;
        if key_method != KEY_TRANSPORT_OAEP {
            return Err(fail);
        }
        if self.key_oaep_digest.as_deref().is_some_and(|d| d != SHA1_DIGEST) {
            return Err(fail);
        }
        let data_method = self.data_method.as_deref().ok_or(SamlError::Decryption)?;
        if data_method != AES128_CBC && data_method != AES128_GCM {
            return Err(fail);
        }
        let key_cv = CipherValue { value: strip_ws(self.key_cipher.as_deref().ok_or(SamlError::Decryption)?) };
        let data_cv = CipherValue { value: strip_ws(self.data_cipher.as_deref().ok_or(SamlError::Decryption)?) };
        let session_key =
            Crypto::decrypt_assertion_key_info(&key_cv, key_method, key.pkey()).map_err(|_| SamlError::Decryption)?;
        if session_key.len() != 16 {
            return Err(fail);
        }
        // samael slices IV/tag without length checks: make sure they exist.
        if data_cv.value.len() < 64 {
            return Err(fail);
        }
        let mut plain = Crypto::decrypt_assertion_value_info(&data_cv, data_method, &session_key)
            .map_err(|_| SamlError::Decryption)?;
        if data_method == AES128_CBC {
            // XML-Enc padding (samael leaves it in): last byte = pad length 1..=16.
            let n = *plain.last().ok_or(SamlError::Decryption)? as usize;
            if n == 0 || n > 16 || n > plain.len() {
                return Err(fail);
            }
            plain.truncate(plain.len() - n);
        }
        let text = String::from_utf8(plain).map_err(|_| SamlError::Decryption)?;
        with_inherited_namespaces(&text, &self.inherited_ns)
    }
}

fn strip_ws(s: &str) -> String {
    s.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

/// Adds the inherited namespace declarations the plaintext root lacks.
/// Unused declarations do not change exclusive c14n, so an inner signature
/// still verifies; the result is guard-checked by the caller.
fn with_inherited_namespaces(plain: &str, inherited: &[(String, String)]) -> Result<String, SamlError> {
    let start = plain.find('<').ok_or(SamlError::Decryption)?;
    let body = &plain[start..];
    let name_end = body[1..]
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .map(|i| i + 1)
        .ok_or(SamlError::Decryption)?;
    let tag_end = body.find('>').ok_or(SamlError::Decryption)?;
    let head = &body[..tag_end];
    let mut extra = String::new();
    for (p, u) in inherited {
        let attr = if p.is_empty() { "xmlns".to_string() } else { format!("xmlns:{p}") };
        let declared = head.contains(&format!("{attr}=\"")) || head.contains(&format!("{attr}='"));
        if !declared {
            let escaped = u.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
            extra.push_str(&format!(" {attr}=\"{escaped}\""));
        }
    }
    Ok(format!("{}{}{}", &body[..name_end], extra, &body[name_end..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml_guard;

    #[test]
    fn extracts_adfs_style_default_namespaces_and_sibling_key() {
        // ADFS-like: default-namespace KeyInfo, EncryptedKey as a sibling of EncryptedData.
        let xml = r##"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="r"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><RetrievalMethod URI="#k"/></KeyInfo><xenc:CipherData><xenc:CipherValue>DATA
==</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData><e:EncryptedKey xmlns:e="http://www.w3.org/2001/04/xmlenc#" Id="k"><e:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"><DigestMethod xmlns="http://www.w3.org/2000/09/xmldsig#" Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></e:EncryptionMethod><e:CipherData><e:CipherValue>KEY</e:CipherValue></e:CipherData></e:EncryptedKey></saml:EncryptedAssertion></samlp:Response>"##;
        let e = extract(xml).unwrap().unwrap();
        assert_eq!((e.encrypted_keys, e.encrypted_datas), (1, 1));
        assert_eq!(e.key_method.as_deref(), Some(KEY_TRANSPORT_OAEP));
        assert_eq!(e.key_oaep_digest.as_deref(), Some(SHA1_DIGEST));
        assert_eq!(e.key_cipher.as_deref(), Some("KEY"));
        assert_eq!(e.data_method.as_deref(), Some(AES128_CBC));
        assert_eq!(e.data_cipher.as_deref().map(strip_ws).as_deref(), Some("DATA=="));
        assert!(!e.envelope_xml.contains("EncryptedAssertion"));
        assert!(e.envelope_xml.contains("<samlp:Status>"));
        assert!(e.inherited_ns.contains(&("saml".into(), NS_ASSERTION.into())));
        assert!(extract("<a/>").unwrap().is_none());
    }

    #[test]
    fn plaintext_gets_inherited_namespaces() {
        let plain = r#"<saml:Assertion ID="a"><saml:Issuer>x</saml:Issuer></saml:Assertion>"#;
        let out = with_inherited_namespaces(plain, &[("saml".into(), NS_ASSERTION.into())]).unwrap();
        assert!(xml_guard::scan(&out, 1 << 16).unwrap().root_is(NS_ASSERTION, "Assertion"));
        // Already declared: unchanged.
        let declared = format!(r#"<saml:Assertion xmlns:saml="{NS_ASSERTION}" ID="a"/>"#);
        assert_eq!(with_inherited_namespaces(&declared, &[("saml".into(), NS_ASSERTION.into())]).unwrap(), declared);
    }
}
