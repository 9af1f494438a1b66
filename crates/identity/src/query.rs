//! The AWS query protocol STS and IAM speak, as data: the request's parameters (a form,
//! with `Name.member.N` lists) in, an element tree out. `cognate-api` parses the form and
//! writes the XML around the tree.

use crate::{IdentityError, IdentityResult};
use std::collections::BTreeMap;

/// A query request's parameters.
#[derive(Debug, Clone, Default)]
pub struct Params(BTreeMap<String, String>);

impl Params {
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Params(pairs.into_iter().collect())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A required parameter: ValidationError naming it when missing or empty.
    pub fn required(&self, name: &str) -> IdentityResult<&str> {
        self.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            IdentityError::InvalidParameter(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(name)
            ))
        })
    }

    pub fn int(&self, name: &str) -> IdentityResult<Option<i64>> {
        self.get(name)
            .map(|v| v.parse().map_err(|_| IdentityError::InvalidParameter(format!("Invalid value for {name}: {v}"))))
            .transpose()
    }

    /// `Name.member.1`, `Name.member.2`, … in order.
    pub fn list(&self, name: &str) -> Vec<&str> {
        (1..).map_while(|i| self.get(&format!("{name}.member.{i}"))).collect()
    }

    /// `Name.member.N.Key` / `Name.member.N.Value` pairs.
    pub fn tags(&self, name: &str) -> Vec<(String, String)> {
        (1..)
            .map_while(|i| {
                let key = self.get(&format!("{name}.member.{i}.Key"))?;
                Some((key.to_owned(), self.get(&format!("{name}.member.{i}.Value")).unwrap_or_default().to_owned()))
            })
            .collect()
    }
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// An XML element: text or children.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub text: Option<String>,
    pub children: Vec<Node>,
}

impl Node {
    pub fn new(name: &str) -> Self {
        Node { name: name.to_owned(), text: None, children: Vec::new() }
    }

    pub fn text(name: &str, text: impl Into<String>) -> Self {
        Node { name: name.to_owned(), text: Some(text.into()), children: Vec::new() }
    }

    /// Adds a child element with text.
    pub fn field(mut self, name: &str, text: impl Into<String>) -> Self {
        self.children.push(Node::text(name, text));
        self
    }

    /// Adds a child element with text when there is some.
    pub fn opt(self, name: &str, text: Option<impl Into<String>>) -> Self {
        match text {
            Some(t) => self.field(name, t),
            None => self,
        }
    }

    pub fn child(mut self, node: Node) -> Self {
        self.children.push(node);
        self
    }

    /// `<name><member>…</member>…</name>`.
    pub fn members(name: &str, items: impl IntoIterator<Item = Node>) -> Self {
        Node {
            name: name.to_owned(),
            text: None,
            children: items.into_iter().map(|n| Node { name: "member".into(), ..n }).collect(),
        }
    }

    /// The element as XML text, escaped.
    pub fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        out.push('>');
        if let Some(text) = &self.text {
            escape(text, out);
        }
        for child in &self.children {
            child.write(out);
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

pub fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all, even as references.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// ISO 8601 in UTC with seconds, as STS and IAM write times.
pub(crate) fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Policy documents travel URL-encoded in IAM's answers (botocore decodes them).
pub(crate) fn url_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
