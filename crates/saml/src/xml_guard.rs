//! Pre-parse guard: every XML string this crate hands to libxml2 (xmlsec) or to
//! quick-xml's serde (samael's schema types) goes through [`scan`] first.
//!
//! Why a separate pass:
//! * libxml2 is called by samael with `XML_PARSE_RECOVER`, i.e. it silently
//!   repairs malformed input. Two parsers seeing two different documents is the
//!   root of most SAML bypasses, so we only let through input that a strict
//!   reader (quick-xml with end-name checks, duplicate-attribute checks,
//!   namespace resolution) accepts as well-formed.
//! * DTDs are refused outright (no XXE, no billion laughs, no external fetch),
//!   independent of libxml2's own defaults.
//! * Comments, processing instructions and CDATA sections are refused: exclusive
//!   c14n removes comments and turns CDATA into text, so `admin@example.com<!---->.evil.org`
//!   keeps a valid signature while a naive text reader sees two text nodes.
//!   Identity providers do not emit them in protocol messages.
//! * Structure facts needed for anti-wrapping checks (how many `Assertion`s
//!   and `Signature`s, where) are collected here from the whole raw document.

use crate::error::{SamlError, clip};
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

pub(crate) const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub(crate) const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub(crate) const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub(crate) const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";

/// Nesting limit. Real responses are < 12 deep (EncryptedAssertion/KeyInfo/X509Data...).
const MAX_DEPTH: usize = 48;
/// Element limit (a response with a few hundred attributes stays far below).
const MAX_ELEMENTS: usize = 20_000;

/// An element's expanded name and depth (root = 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    pub depth: usize,
}

/// What the guard learned about a document.
#[derive(Debug, Clone)]
pub(crate) struct Scan {
    /// Namespace URI of the root element ("" when unbound).
    pub root_ns: String,
    /// Local name of the root element.
    pub root_local: String,
    /// `ds:Signature` elements anywhere.
    pub signatures: Vec<Located>,
    /// `saml:Assertion` elements anywhere.
    pub assertions: Vec<Located>,
    /// `saml:EncryptedAssertion` elements anywhere.
    pub encrypted_assertions: Vec<Located>,
}

impl Scan {
    pub(crate) fn root_is(&self, ns: &str, local: &str) -> bool {
        self.root_ns == ns && self.root_local == local
    }
}

fn bad(msg: impl Into<String>) -> SamlError {
    SamlError::MalformedXml(msg.into())
}

fn ns_of(r: &ResolveResult<'_>) -> Result<String, SamlError> {
    match r {
        ResolveResult::Bound(ns) => Ok(String::from_utf8_lossy(ns.as_ref()).into_owned()),
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(p) => {
            Err(bad(format!("undeclared namespace prefix `{}`", clip(&String::from_utf8_lossy(p)))))
        }
    }
}

/// Checks `xml` strictly and returns its structure facts. `limit` bounds the byte length.
pub(crate) fn scan(xml: &str, limit: usize) -> Result<Scan, SamlError> {
    if xml.len() > limit {
        return Err(SamlError::TooLarge { size: xml.len(), limit });
    }
    // Cheap belt-and-braces check before any tokenizer: a DTD must start with
    // this exact (case-sensitive) token. Also catches it inside odd places.
    if xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY") {
        return Err(SamlError::DtdForbidden);
    }
    if xml.contains('\0') {
        return Err(bad("NUL character"));
    }

    let mut reader = NsReader::from_str(xml);
    {
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.allow_unmatched_ends = false;
        cfg.check_comments = true;
        cfg.expand_empty_elements = false;
        cfg.trim_text(false);
    }

    let mut depth = 0usize; // number of open elements
    let mut elements = 0usize;
    let mut root: Option<(String, String)> = None;
    let mut root_closed = false;
    let mut seen_anything = false;
    let mut scan = Scan {
        root_ns: String::new(),
        root_local: String::new(),
        signatures: vec![],
        assertions: vec![],
        encrypted_assertions: vec![],
    };

    loop {
        let pos = reader.buffer_position();
        let (ns, event) = reader.read_resolved_event().map_err(|e| bad(format!("after byte {pos}: {e}")))?;
        match event {
            Event::Decl(decl) => {
                if seen_anything {
                    return Err(bad("XML declaration not at start"));
                }
                if let Some(enc) = decl.encoding() {
                    let enc = enc.map_err(|e| bad(e.to_string()))?;
                    if !enc.eq_ignore_ascii_case(b"utf-8") {
                        return Err(bad("only UTF-8 documents are accepted"));
                    }
                }
            }
            Event::DocType(_) => return Err(SamlError::DtdForbidden),
            Event::Comment(_) => return Err(bad("comments are not allowed")),
            Event::PI(_) => return Err(bad("processing instructions are not allowed")),
            Event::CData(_) => return Err(bad("CDATA sections are not allowed")),
            Event::GeneralRef(r) => {
                // Only character references and the five predefined entities exist
                // without a DTD; anything else is an undefined entity.
                if depth == 0 {
                    return Err(bad("entity reference outside the root element"));
                }
                let ok = r.is_char_ref() || matches!(r.as_ref(), b"amp" | b"lt" | b"gt" | b"apos" | b"quot");
                if !ok {
                    return Err(bad("undefined entity reference"));
                }
                if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| bad(e.to_string()))?
                        .ok_or_else(|| bad("invalid character reference"))?;
                }
            }
            Event::Text(t) => {
                if depth == 0 && !t.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
                    return Err(bad("text outside the root element"));
                }
            }
            Event::Start(ref s) | Event::Empty(ref s) => {
                if root_closed {
                    return Err(bad("more than one root element"));
                }
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(bad("too many elements"));
                }
                if depth >= MAX_DEPTH {
                    return Err(bad("elements nested too deeply"));
                }
                let ns = ns_of(&ns)?;
                let local = String::from_utf8_lossy(s.local_name().as_ref()).into_owned();
                // Attributes: duplicates, syntax, undeclared prefixes.
                for a in s.attributes() {
                    let a = a.map_err(|e| bad(format!("attribute: {e}")))?;
                    let key = a.key;
                    if key.as_ref() == b"xmlns" || key.as_ref().starts_with(b"xmlns:") {
                        continue;
                    }
                    let (ans, _) = reader.resolver().resolve_attribute(key);
                    ns_of(&ans)?;
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| bad(format!("attribute value: {e}")))?;
                }
                let here = Located { depth };
                match (ns.as_str(), local.as_str()) {
                    (NS_DSIG, "Signature") => scan.signatures.push(here),
                    (NS_ASSERTION, "Assertion") => scan.assertions.push(here),
                    (NS_ASSERTION, "EncryptedAssertion") => scan.encrypted_assertions.push(here),
                    _ => {}
                }
                if root.is_none() {
                    root = Some((ns, local));
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                } else if depth == 0 {
                    root_closed = true;
                }
            }
            Event::End(_) => {
                // quick-xml already checked the name matches.
                depth -= 1;
                if depth == 0 {
                    root_closed = true;
                }
            }
            Event::Eof => break,
        }
        seen_anything = true;
    }
    if depth != 0 {
        return Err(bad("unclosed elements at end of input"));
    }
    let (root_ns, root_local) = root.ok_or_else(|| bad("no root element"))?;
    scan.root_ns = root_ns;
    scan.root_local = root_local;
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 1 << 20;

    #[test]
    fn accepts_plain_document() {
        let s = scan(
            r#"<?xml version="1.0" encoding="UTF-8"?><p:Response xmlns:p="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:a="urn:oasis:names:tc:SAML:2.0:assertion"><a:Assertion ID="x">a &amp; b &#65;</a:Assertion></p:Response>"#,
            LIMIT,
        )
        .unwrap();
        assert!(s.root_is(NS_PROTOCOL, "Response"));
        assert_eq!(s.assertions, vec![Located { depth: 1 }]);
    }

    #[test]
    fn refuses_dtd_and_entities() {
        let lol = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>"#;
        assert_eq!(scan(lol, LIMIT).unwrap_err(), SamlError::DtdForbidden);
        let xxe = r#"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#;
        assert_eq!(scan(xxe, LIMIT).unwrap_err(), SamlError::DtdForbidden);
        // Undefined entity without a DTD.
        assert!(matches!(scan("<r>&x;</r>", LIMIT), Err(SamlError::MalformedXml(_))));
    }

    #[test]
    fn refuses_comments_pi_cdata_and_malformed() {
        for doc in [
            "<r><n>admin@example.com<!---->.evil.org</n></r>",
            "<r><?pi x?></r>",
            "<r><![CDATA[x]]></r>",
            "<r><a></b></r>",
            "<r a='1' a='2'/>",
            "<r/><r/>",
            "<r>",
            "<x:r/>",
            "<r x:a='1'/>",
            r#"<?xml version="1.0" encoding="UTF-16"?><r/>"#,
        ] {
            assert!(matches!(scan(doc, LIMIT), Err(SamlError::MalformedXml(_))), "{doc}");
        }
    }

    #[test]
    fn bounds_size_and_depth() {
        assert!(matches!(scan("<r/>", 3), Err(SamlError::TooLarge { .. })));
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(matches!(scan(&deep, LIMIT), Err(SamlError::MalformedXml(_))));
    }
}
