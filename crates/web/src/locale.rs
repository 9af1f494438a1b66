//! The hosted pages' message bundles: English built in, an operator's bundles from
//! `<templates>/locales/<lang>.json`, each laid over English so a missing key reads in
//! English; and which bundle a request gets (its `lang` parameter, else Accept-Language).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

type Bundle = BTreeMap<String, String>;

const ENGLISH: &str = include_str!("../locales/en.json");

/// Every bundle, by lower-case language tag.
pub(crate) struct Locales {
    bundles: HashMap<String, Bundle>,
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
        let Some(dir) = dir.map(|d| d.join("locales")).filter(|d| d.is_dir()) else { return Ok(Locales { bundles }) };
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
        Ok(Locales { bundles })
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
}
