//! The hosted pages' message bundles: English built in, an operator's bundles from
//! `<templates>/locales/<lang>.json`, each laid over English so a missing key reads in
//! English; and which bundle a request gets (its `lang` parameter, else Accept-Language).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::LazyLock;

type Bundle = BTreeMap<String, String>;

const ENGLISH: &str = include_str!("../locales/en.json");

/// Every bundle, by lower-case language tag.
pub(crate) struct Locales {
    bundles: HashMap<String, Bundle>,
    /// Each bundle as the template value `t`, built once: converting a bundle on every
    /// render cost more than rendering the page.
    values: HashMap<String, minijinja::Value>,
}

/// A language tag's characters only: it is echoed into `<html lang>` and looked up as a
/// file name, so nothing else may pass (path traversal, markup).
pub(crate) fn plausible_tag(tag: &str) -> bool {
    !tag.is_empty() && tag.len() <= 16 && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn parse(name: &str, text: &str) -> Result<Bundle, String> {
    serde_json::from_str(text).map_err(|e| format!("the message bundle {name} is not a JSON object of strings: {e}"))
}

impl Locales {
    /// English, then each `DIR/locales/*.json` of the operator; a bundle that does not parse
    /// stops the start-up rather than showing keys to users.
    pub fn load(dir: Option<&Path>) -> Result<Self, String> {
        let english = parse("en.json", ENGLISH)?;
        let mut bundles = HashMap::from([("en".to_owned(), english.clone())]);
        let Some(dir) = dir.map(|d| d.join("locales")).filter(|d| d.is_dir()) else {
            return Ok(Self::with_values(bundles));
        };
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(tag) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            if !plausible_tag(tag) {
                return Err(format!("{}: a bundle's name must be a language tag", path.display()));
            }
            let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
            let mut bundle = english.clone();
            bundle.extend(parse(&path.display().to_string(), &text)?);
            bundles.insert(tag.to_ascii_lowercase(), bundle);
        }
        Ok(Self::with_values(bundles))
    }

    fn with_values(bundles: HashMap<String, Bundle>) -> Self {
        let values = bundles.iter().map(|(tag, b)| (tag.clone(), minijinja::Value::from(b.clone()))).collect();
        Locales { bundles, values }
    }

    /// The bundle of a language [`Self::choose`] returned, as the template value `t`.
    pub fn value(&self, lang: &str) -> minijinja::Value {
        self.values.get(lang).cloned().unwrap_or_default()
    }

    /// The bundle for `tag` (exactly, else its primary language), if there is one.
    fn find(&self, tag: &str) -> Option<(&str, &Bundle)> {
        let tag = tag.trim().to_ascii_lowercase();
        let primary = tag.split('-').next().unwrap_or_default().to_owned();
        [tag, primary].into_iter().find_map(|t| self.bundles.get_key_value(&t)).map(|(k, b)| (k.as_str(), b))
    }

    /// The language and bundle of a page: the request's `lang`, else the first language of
    /// Accept-Language that has a bundle, else English.
    pub fn choose(&self, lang: Option<&str>, accept: Option<&str>) -> (&str, &Bundle) {
        let accepted = accept.unwrap_or_default().split(',').filter_map(|item| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let refused = parts.any(|p| p.trim().trim_start_matches("q=").parse::<f32>().is_ok_and(|q| q == 0.0));
            (!refused).then_some(tag)
        });
        lang.into_iter()
            .chain(accepted)
            .filter(|t| plausible_tag(t))
            .find_map(|t| self.find(t))
            .or_else(|| self.find("en"))
            .unwrap_or(("en", &EMPTY))
    }
}

static EMPTY: Bundle = BTreeMap::new();

/// English, parsed once for `translate` (`Locales::load` has already refused a broken one).
static ENGLISH_BUNDLE: LazyLock<Bundle> = LazyLock::new(|| parse("en.json", ENGLISH).unwrap_or_default());

/// A page value in the page's bundle (`t` looks a key up there): the value itself when it is
/// a key (the web layer passes its own sentences as keys); else the key under `prefix` whose
/// English text is the value (the domain's sentences, Cognito's English, and the rule and
/// attribute words of `cognate-oauth`), where a `{name}` in the English text stands for any
/// words, themselves translated; else the value unchanged.
pub(crate) fn translate(t: &dyn Fn(&str) -> Option<String>, text: &str, prefix: &str) -> String {
    if let Some(found) = t(text) {
        return found;
    }
    let group = ENGLISH_BUNDLE.range(prefix.to_owned()..).take_while(|(key, _)| key.starts_with(prefix));
    for (key, english) in group {
        if english == text {
            return t(key).unwrap_or_else(|| text.to_owned());
        }
        if let Some((name, inner)) = filled(english, text) {
            let inner = translate(t, inner, prefix);
            return t(key).map_or_else(|| text.to_owned(), |s| s.replace(&format!("{{{name}}}"), &inner));
        }
    }
    text.to_owned()
}

/// The placeholder's name and the words standing in for it, when `text` is `english` with its
/// one `{name}` filled in (never a pattern that is nothing but the placeholder).
fn filled<'a>(english: &'a str, text: &'a str) -> Option<(&'a str, &'a str)> {
    let (before, rest) = english.split_once('{')?;
    let (name, after) = rest.split_once('}')?;
    let fits = !(before.is_empty() && after.is_empty()) && text.len() > before.len() + after.len();
    let inner = text.strip_prefix(before)?.strip_suffix(after).filter(|_| fits)?;
    Some((name, inner))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locales() -> Locales {
        let mut l = Locales::load(None).unwrap_or_else(|e| panic!("{e}"));
        let mut fr = l.bundles["en"].clone();
        fr.insert("sign_in_heading".into(), "Connexion".into());
        l.bundles.insert("fr".into(), fr);
        l
    }

    #[test]
    fn the_request_then_the_browser_then_english_choose() {
        let l = locales();
        assert_eq!(l.choose(Some("fr"), None).0, "fr");
        assert_eq!(l.choose(Some("fr-CA"), None).1["sign_in_heading"], "Connexion");
        assert_eq!(l.choose(Some("xx"), Some("de, fr;q=0.8")).0, "fr");
        assert_eq!(l.choose(None, Some("fr;q=0, en")).0, "en");
        assert_eq!(l.choose(Some("../etc"), None).0, "en");
        assert_eq!(l.choose(Some("fr"), None).1["password"], "Password");
    }

    fn in_french(text: &str, prefix: &str) -> String {
        let fr = Bundle::from([
            ("error_page_not_found".to_owned(), "Cette page n'existe pas.".to_owned()),
            ("message_password_policy".into(), "Mot de passe non conforme : {reason}".into()),
            ("message_password_too_short".into(), "Mot de passe trop court".into()),
            ("password_rule_length".into(), "Au moins {count} caractères".into()),
        ]);
        translate(&|key| fr.get(key).cloned(), text, prefix)
    }

    #[test]
    fn keys_and_english_sentences_translate_and_anything_else_stays() {
        assert_eq!(in_french("error_page_not_found", "message_"), "Cette page n'existe pas.");
        assert_eq!(
            in_french("Password did not conform with policy: Password not long enough", "message_"),
            "Mot de passe non conforme : Mot de passe trop court"
        );
        assert_eq!(in_french("At least 12 characters", "password_rule_"), "Au moins 12 caractères");
        assert_eq!(in_french("At least 12 characters", "message_"), "At least 12 characters");
        assert_eq!(in_french("A lowercase letter", "password_rule_"), "A lowercase letter");
        assert_eq!(in_french("ada@example.com", "message_"), "ada@example.com");
    }

    /// The web layer translates `cognate-oauth`'s words by their English text: a change there
    /// must change en.json too.
    #[test]
    fn every_rule_and_attribute_word_of_oauth_has_a_key() {
        let english = |key: &str| ENGLISH_BUNDLE.get(key).cloned();
        let all = serde_json::json!({
            "MinimumLength": 9, "RequireUppercase": true, "RequireLowercase": true,
            "RequireNumbers": true, "RequireSymbols": true,
        });
        let words = cognate_oauth::signup::policy_words(&serde_json::from_value(all).unwrap_or_default());
        assert_eq!(words.len(), 5);
        for word in words {
            let key = ENGLISH_BUNDLE
                .iter()
                .find(|(k, v)| k.starts_with("password_rule_") && (**v == word || filled(v, &word).is_some()));
            assert!(key.is_some(), "no password_rule_ key for {word:?}");
        }
        for (key, text) in ENGLISH_BUNDLE.iter().filter(|(k, _)| k.starts_with("attribute_")) {
            assert_eq!(&cognate_oauth::signup::label(&key["attribute_".len()..]), text);
        }
        assert_eq!(translate(&english, "Given name", "attribute_"), "Given name");
    }

    /// docs/locales/fr.json is the example operators copy: it must translate every key.
    #[test]
    fn the_example_translation_has_exactly_the_keys_of_english() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/locales/fr.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let fr = parse("fr.json", &text).unwrap_or_else(|e| panic!("{e}"));
        let missing: Vec<_> = ENGLISH_BUNDLE.keys().filter(|k| !fr.contains_key(*k)).collect();
        let extra: Vec<_> = fr.keys().filter(|k| !ENGLISH_BUNDLE.contains_key(*k)).collect();
        assert!(missing.is_empty() && extra.is_empty(), "fr.json misses {missing:?}, has unknown {extra:?}");
    }
}
