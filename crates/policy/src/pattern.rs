//! Policy strings compiled once: literal text, `*`/`?` wildcards and `${...}` policy variables
//! (with `'default'` values and the `${*}`, `${?}`, `${$}` escapes), matched without allocating.

use crate::context::Context;
use crate::error::PolicyError;

/// One compiled piece of a policy string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    Lit(String),
    /// `${key}` or `${key, 'default'}`; `key` is lowercased.
    Var {
        key: String,
        default: Option<String>,
    },
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
}

/// How a policy string is read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    /// `${...}` is a variable (policy Version 2012-10-17); otherwise it is literal text.
    pub variables: bool,
    /// `*` and `?` are wildcards (Action, Resource, `...Like` operators).
    pub wildcards: bool,
}

/// A policy string compiled into tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    tokens: Vec<Token>,
}

/// A token with its variable resolved, borrowing from the template or the context.
#[derive(Debug, Clone, Copy)]
enum Piece<'a> {
    Lit(&'a str),
    Star,
    One,
}

/// Templates up to this many tokens resolve on the stack; longer ones fall back to a Vec.
const INLINE_PIECES: usize = 24;

impl Template {
    pub(crate) fn parse(text: &str, syntax: Syntax) -> Result<Self, PolicyError> {
        let mut tokens = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if syntax.variables && rest.starts_with("${") {
                let (token, after) = parse_variable(rest)?;
                match token {
                    Token::Lit(s) => lit.push_str(&s),
                    other => flush_then(&mut tokens, &mut lit, other),
                }
                rest = after;
                continue;
            }
            match c {
                '*' if syntax.wildcards => flush_then(&mut tokens, &mut lit, Token::Star),
                '?' if syntax.wildcards => flush_then(&mut tokens, &mut lit, Token::One),
                _ => lit.push(c),
            }
            rest = &rest[c.len_utf8()..];
        }
        if !lit.is_empty() {
            tokens.push(Token::Lit(lit));
        }
        Ok(Self { tokens })
    }

    /// A template that is exactly `*`.
    pub(crate) fn is_star(&self) -> bool {
        matches!(self.tokens.as_slice(), [Token::Star])
    }

    /// Whether the last token is a `*` wildcard.
    pub(crate) fn ends_with_star(&self) -> bool {
        matches!(self.tokens.last(), Some(Token::Star))
    }

    /// Lowercases literal text, for patterns matched case-insensitively (actions).
    pub(crate) fn lowercased(mut self) -> Self {
        for token in &mut self.tokens {
            if let Token::Lit(s) = token {
                *s = s.to_lowercase();
            }
        }
        self
    }

    /// Splits at the literal `:` characters (never inside a variable) into at most `max` parts;
    /// the last part keeps any further colons.
    pub(crate) fn split_colons(self, max: usize) -> Vec<Template> {
        let mut parts = vec![Template { tokens: Vec::new() }];
        for token in self.tokens {
            let Token::Lit(text) = token else {
                push_token(&mut parts, token);
                continue;
            };
            let mut rest = text.as_str();
            while parts.len() < max
                && let Some((head, tail)) = rest.split_once(':')
            {
                push_token(&mut parts, Token::Lit(head.to_owned()));
                parts.push(Template { tokens: Vec::new() });
                rest = tail;
            }
            push_token(&mut parts, Token::Lit(rest.to_owned()));
        }
        parts
    }

    /// Wildcard match; `None` when a variable without a default cannot be resolved.
    /// `ascii_fold` compares ASCII letters without case (the template must be lowercased).
    pub(crate) fn matches(&self, text: &str, ctx: &Context, ascii_fold: bool) -> Option<bool> {
        self.with_pieces(ctx, |pieces| glob(pieces, text.as_bytes(), ascii_fold))
    }

    /// Exact comparison of the resolved text; `None` when a variable cannot be resolved.
    pub(crate) fn equals(&self, text: &str, ctx: &Context, ignore_case: bool) -> Option<bool> {
        self.with_pieces(ctx, |pieces| {
            let chars = pieces.iter().flat_map(|p| piece_text(*p).chars());
            if ignore_case {
                chars.flat_map(char::to_lowercase).eq(text.chars().flat_map(char::to_lowercase))
            } else {
                chars.eq(text.chars())
            }
        })
    }

    /// How many `:` the resolved text holds outside wildcards, substituted values included;
    /// `None` when a variable cannot be resolved.
    pub(crate) fn literal_colons(&self, ctx: &Context) -> Option<usize> {
        self.with_pieces(ctx, |pieces| {
            pieces.iter().map(|p| if let Piece::Lit(s) = p { s.matches(':').count() } else { 0 }).sum()
        })
    }

    fn with_pieces<R>(&self, ctx: &Context, f: impl FnOnce(&[Piece<'_>]) -> R) -> Option<R> {
        if self.tokens.len() <= INLINE_PIECES {
            let mut buf = [Piece::Star; INLINE_PIECES];
            for (slot, token) in buf.iter_mut().zip(&self.tokens) {
                *slot = resolve_token(token, ctx)?;
            }
            Some(f(&buf[..self.tokens.len()]))
        } else {
            let pieces: Option<Vec<_>> = self.tokens.iter().map(|t| resolve_token(t, ctx)).collect();
            Some(f(&pieces?))
        }
    }
}

fn push_token(parts: &mut [Template], token: Token) {
    let Some(last) = parts.last_mut() else { return };
    match token {
        Token::Lit(text) if text.is_empty() => {}
        token => last.tokens.push(token),
    }
}

fn flush_then(tokens: &mut Vec<Token>, lit: &mut String, token: Token) {
    if !lit.is_empty() {
        tokens.push(Token::Lit(std::mem::take(lit)));
    }
    tokens.push(token);
}

fn resolve_token<'a>(token: &'a Token, ctx: &'a Context) -> Option<Piece<'a>> {
    Some(match token {
        Token::Lit(s) => Piece::Lit(s),
        Token::Star => Piece::Star,
        Token::One => Piece::One,
        // Substituted values are literal text: a user named `*` must not become a wildcard.
        Token::Var { key, default } => Piece::Lit(ctx.single(key).or(default.as_deref())?),
    })
}

fn piece_text(piece: Piece<'_>) -> &str {
    match piece {
        Piece::Lit(s) => s,
        Piece::Star => "*",
        Piece::One => "?",
    }
}

/// Parses `${...}` at the start of `text`: an escape (`${*}`, `${?}`, `${$}`) becomes literal
/// text, anything else a variable with an optional single-quoted default (`''` is a quote).
fn parse_variable(text: &str) -> Result<(Token, &str), PolicyError> {
    let bad = || PolicyError::InvalidVariable(text.chars().take(40).collect());
    let body = &text[2..];
    for escape in ["*}", "?}", "$}"] {
        if let Some(after) = body.strip_prefix(escape) {
            return Ok((Token::Lit(escape[..1].to_owned()), after));
        }
    }
    let end = body.find([',', '}']).ok_or_else(bad)?;
    let key = body[..end].trim();
    if key.is_empty() || key.contains(char::is_whitespace) {
        return Err(bad());
    }
    let key = key.to_ascii_lowercase();
    if body[end..].starts_with('}') {
        return Ok((Token::Var { key, default: None }, &body[end + 1..]));
    }
    let (default, after) = parse_default(body[end + 1..].trim_start()).ok_or_else(bad)?;
    let after = after.trim_start().strip_prefix('}').ok_or_else(bad)?;
    Ok((Token::Var { key, default: Some(default) }, after))
}

/// A single-quoted default value; returns it and the text after the closing quote.
fn parse_default(text: &str) -> Option<(String, &str)> {
    let mut rest = text.strip_prefix('\'')?;
    let mut value = String::new();
    loop {
        let quote = rest.find('\'')?;
        value.push_str(&rest[..quote]);
        rest = &rest[quote + 1..];
        match rest.strip_prefix('\'') {
            Some(after) => {
                value.push('\'');
                rest = after;
            }
            None => return Some((value, rest)),
        }
    }
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

fn next_boundary(text: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < text.len() && is_continuation(text[i]) {
        i += 1;
    }
    i
}

fn lit_at(text: &[u8], at: usize, lit: &str, ascii_fold: bool) -> bool {
    let Some(slice) = text.get(at..at + lit.len()) else { return false };
    if ascii_fold { slice.iter().map(u8::to_ascii_lowercase).eq(lit.bytes()) } else { slice == lit.as_bytes() }
}

/// Wildcard matching with one backtracking point (the last `*`), linear in practice.
fn glob(pieces: &[Piece<'_>], text: &[u8], ascii_fold: bool) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        let advanced = match pieces.get(pi) {
            Some(Piece::Star) => {
                star = Some((pi + 1, ti));
                pi += 1;
                continue;
            }
            Some(Piece::One) if ti < text.len() && !is_continuation(text[ti]) => {
                ti = next_boundary(text, ti);
                true
            }
            Some(Piece::Lit(lit)) if lit_at(text, ti, lit, ascii_fold) => {
                ti += lit.len();
                true
            }
            None if ti == text.len() => return true,
            _ => false,
        };
        if advanced {
            pi += 1;
            continue;
        }
        match star {
            Some((resume, from)) if from < text.len() => {
                let from = next_boundary(text, from);
                star = Some((resume, from));
                (pi, ti) = (resume, from);
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIKE: Syntax = Syntax { variables: true, wildcards: true };

    fn like(pattern: &str, text: &str) -> Option<bool> {
        let mut ctx = Context::new();
        ctx.insert("aws:username", ["bob"]);
        Template::parse(pattern, LIKE).unwrap().matches(text, &ctx, false)
    }

    #[test]
    fn wildcards_and_variables() {
        assert_eq!(like("a*c", "abbbc"), Some(true));
        assert_eq!(like("a?c", "abc"), Some(true));
        assert_eq!(like("a?c", "ac"), Some(false));
        assert_eq!(like("*", ""), Some(true));
        assert_eq!(like("a*b*c", "axxbyyc"), Some(true));
        assert_eq!(like("a*b*c", "axxbyy"), Some(false));
        assert_eq!(like("h/${aws:username}/*", "h/bob/x"), Some(true));
        assert_eq!(like("h/${aws:userid}/*", "h/bob/x"), None);
        assert_eq!(like("${aws:userid, 'it''s'}", "it's"), Some(true));
        assert_eq!(like("${*}${?}${$}", "*?$"), Some(true));
        assert_eq!(like("${*}", "x"), Some(false));
        assert_eq!(like("é?", "éü"), Some(true));
    }

    #[test]
    fn malformed_variables_are_refused() {
        for bad in ["${", "${}", "${a", "${a, b}", "${a, 'b}", "${a b}"] {
            assert!(Template::parse(bad, LIKE).is_err(), "{bad}");
        }
    }
}
