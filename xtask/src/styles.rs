//! Per-page styles: the published site's stylesheet split into what every page needs and
//! what only one page needs, so a visit to the Raft page does not download the rules of the
//! rate limiting timelines, the hashing charts or the gallery.
//!
//! `www/styles.css` stays one file (`trunk serve` and the example blog page use it whole).
//! After Trunk copies it and csso minifies it, [`split`] sorts its rules by page: a rule
//! whose every class is named only in one page's source files (a lab's page: its folder
//! `web/src/labs/<lab>/` and its `main`; the gallery: [`HOME_SOURCES`])
//! belongs to that page and moves to `styles-<page>.css`; any other rule (no class, a
//! class no source names, a class shared by pages or named by shared code) stays in
//! `styles.css`. The test is conservative: a class spelled only at run time (never whole
//! in the source) keeps its rule shared. `www/loader.js` adds the page's file before it
//! starts the page's bundle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The gallery's own source file (every other page's own files are its lab's folder).
const HOME_SOURCES: &[&str] = &["web/src/components/home_gallery.rs"];

/// Where each class name is spelled: the pages whose own files name it, and `None` for
/// shared code.
#[derive(Debug, Default)]
pub struct Owners(BTreeMap<String, BTreeSet<Option<&'static str>>>);

impl Owners {
    /// Reads every class-like word of the sources under `root` (`web/src/**/*.rs` and the
    /// files of `www/`).
    ///
    /// `pages` are the site's pages (`crate::bundles::Site`): a lab's folder belongs to
    /// its page only if the lab has a page of its own. A lab's gallery picture is drawn on
    /// the home page from the lab's folder, so pictures use no classes of their own.
    pub fn scan(root: &Path, pages: &[&'static str]) -> Result<Owners, String> {
        let mut sources = Vec::new();
        collect(&root.join("web/src"), &mut sources)?;
        collect(&root.join("www"), &mut sources)?;
        let mut owners = Owners::default();
        for path in sources {
            let text = std::fs::read_to_string(&path)
                .map_err(|error| format!("{}: {error}", path.display()))?;
            let relative = path.strip_prefix(root).unwrap_or(&path);
            owners.add(&text, page_of(relative, pages));
        }
        Ok(owners)
    }

    /// Records every word of `text` (letters, digits, `-`, `_`) as named by `page`.
    pub fn add(&mut self, text: &str, page: Option<&'static str>) {
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
            if !word.is_empty() {
                self.0.entry(word.to_string()).or_default().insert(page);
            }
        }
    }

    /// The one page a selector list belongs to, or `None` when it must stay shared.
    pub fn page_of_selector(&self, selector: &str) -> Option<&'static str> {
        let mut page = None;
        for class in classes(selector) {
            let named_by = self.0.get(class)?;
            for owner in named_by {
                let owner = (*owner)?;
                if page.is_some_and(|page| page != owner) {
                    return None;
                }
                page = Some(owner);
            }
        }
        page
    }
}

/// The one page a source file belongs to, if it is that page's own: `web/src/labs/<lab>/`
/// and `web/src/bin/netsplit-<lab>.rs` are the lab's, [`HOME_SOURCES`] the gallery's.
fn page_of(relative: &Path, pages: &[&'static str]) -> Option<&'static str> {
    let text = relative.to_string_lossy().replace('\\', "/");
    if HOME_SOURCES.contains(&text.as_str()) {
        return pages.iter().copied().find(|page| *page == "home");
    }
    let lab = text
        .strip_prefix("web/src/labs/")
        .and_then(|rest| rest.split_once('/'))
        .map(|(lab, _)| lab)
        .or_else(|| {
            text.strip_prefix("web/src/bin/netsplit-")
                .and_then(|rest| rest.strip_suffix(".rs"))
        })?;
    pages.iter().copied().find(|page| *page == lab)
}

fn collect(directory: &Path, into: &mut Vec<std::path::PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(directory)
        .map_err(|error| format!("{}: {error}", directory.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|error| format!("{}: {error}", directory.display()))?
            .path();
        if path.is_dir() {
            collect(&path, into)?;
        } else if path
            .extension()
            .is_some_and(|extension| ["rs", "html", "js"].contains(&&*extension.to_string_lossy()))
        {
            into.push(path);
        }
    }
    Ok(())
}

/// The class names in a selector list (`.a .b:hover, .c[data-x="y"]` gives a, b, c),
/// skipping attribute values and strings.
fn classes(selector: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let bytes = selector.as_bytes();
    let mut index = 0;
    let mut bracket = 0_u32;
    while index < bytes.len() {
        match bytes[index] {
            b'[' => bracket += 1,
            b']' => bracket = bracket.saturating_sub(1),
            b'.' if bracket == 0 => {
                let start = index + 1;
                let mut end = start;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric()
                        || bytes[end] == b'-'
                        || bytes[end] == b'_')
                {
                    end += 1;
                }
                if end > start {
                    found.push(&selector[start..end]);
                }
                index = end;
                continue;
            }
            _ => {}
        }
        index += 1;
    }
    found
}

/// A stylesheet split by page: the shared rules, and each page's own.
#[derive(Debug, PartialEq)]
pub struct Split {
    /// Rules every page may need, in their original order.
    pub shared: String,
    /// Each page's own rules, in their original order, for pages that have some.
    pub pages: BTreeMap<&'static str, String>,
}

/// Splits minified CSS (no comments) by page; `owners` decides each rule. `@media` and
/// `@supports` blocks are split inside (each side keeps the wrapper); any other at-rule
/// stays shared whole. An unbalanced brace is an error.
pub fn split(css: &str, owners: &Owners) -> Result<Split, String> {
    let mut shared = String::new();
    let mut pages: BTreeMap<&'static str, String> = BTreeMap::new();
    split_into(css, owners, &mut shared, &mut pages)?;
    Ok(Split { shared, pages })
}

fn split_into(
    css: &str,
    owners: &Owners,
    shared: &mut String,
    pages: &mut BTreeMap<&'static str, String>,
) -> Result<(), String> {
    let mut rest = css.trim();
    while !rest.is_empty() {
        let open = rest
            .find('{')
            .ok_or_else(|| format!("a rule without a block: {:.60}", rest))?;
        let close =
            matching_brace(rest, open).ok_or_else(|| format!("an unclosed block: {:.60}", rest))?;
        let prelude = rest[..open].trim();
        let body = &rest[open + 1..close];
        let whole = &rest[..=close];
        if prelude.starts_with("@media") || prelude.starts_with("@supports") {
            let mut inner_shared = String::new();
            let mut inner_pages = BTreeMap::new();
            split_into(body, owners, &mut inner_shared, &mut inner_pages)?;
            if !inner_shared.is_empty() {
                shared.push_str(&format!("{prelude}{{{inner_shared}}}"));
            }
            for (page, rules) in inner_pages {
                pages
                    .entry(page)
                    .or_default()
                    .push_str(&format!("{prelude}{{{rules}}}"));
            }
        } else if prelude.starts_with('@') {
            shared.push_str(whole);
        } else if let Some(page) = owners.page_of_selector(prelude) {
            pages.entry(page).or_default().push_str(whole);
        } else {
            shared.push_str(whole);
        }
        rest = rest[close + 1..].trim_start();
    }
    Ok(())
}

/// The index of the `}` that closes the `{` at `open`, skipping quoted strings.
fn matching_brace(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0_u32;
    let mut quote = None;
    for (index, character) in text.char_indices().skip_while(|(index, _)| *index < open) {
        match (quote, character) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(character),
            (None, '{') => depth += 1,
            (None, '}') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners() -> Owners {
        let mut owners = Owners::default();
        owners.add(
            r#"html! { <div class="log-grid raft-view"> }"#,
            Some("raft"),
        );
        owners.add(r#"html! { <div class="rl-timeline"> }"#, Some("ratelimit"));
        owners.add(r#"html! { <main class="lab"> <p class="muted"> }"#, None);
        // Named by two pages: shared.
        owners.add("numbers", Some("hashing"));
        owners.add("numbers", Some("loadbalancing"));
        owners
    }

    #[test]
    fn a_rule_goes_to_the_one_page_that_names_all_its_classes() {
        let owners = owners();
        assert_eq!(owners.page_of_selector(".log-grid td"), Some("raft"));
        assert_eq!(
            owners.page_of_selector(".raft-view h3,.log-grid"),
            Some("raft")
        );
        assert_eq!(
            owners.page_of_selector(".rl-timeline[data-x=\".log-grid\"]"),
            Some("ratelimit")
        );
        // Shared: no class, a shared class, two pages, a page and shared code, an unknown class.
        for selector in [
            "body",
            ".lab",
            ".numbers td",
            ".log-grid,.rl-timeline",
            ".lab .log-grid",
            ".kind-append",
        ] {
            assert_eq!(owners.page_of_selector(selector), None, "{selector}");
        }
    }

    #[test]
    fn media_blocks_are_split_inside_and_other_at_rules_stay_shared() {
        let css = ":root{--a:1}.lab{x:1}.log-grid{y:2}@media (max-width:900px){.lab{z:3}.log-grid{w:4}.rl-timeline{v:5}}@media print{.log-grid{u:6}}@keyframes spin{0%{a:b}to{c:d}}.rl-timeline{t:\"}\"}";
        let split = split(css, &owners()).expect("splits");
        assert_eq!(
            split.shared,
            ":root{--a:1}.lab{x:1}@media (max-width:900px){.lab{z:3}}@keyframes spin{0%{a:b}to{c:d}}"
        );
        assert_eq!(
            split.pages.get("raft").map(String::as_str),
            Some(
                ".log-grid{y:2}@media (max-width:900px){.log-grid{w:4}}@media print{.log-grid{u:6}}"
            )
        );
        assert_eq!(
            split.pages.get("ratelimit").map(String::as_str),
            Some("@media (max-width:900px){.rl-timeline{v:5}}.rl-timeline{t:\"}\"}")
        );
        assert!(!split.pages.contains_key("hashing"));
    }

    #[test]
    fn unbalanced_css_is_an_error_not_a_guess() {
        assert!(split(".a{x:1", &owners()).is_err());
        assert!(split(".a x:1}", &owners()).is_err());
    }

    #[test]
    fn the_projects_styles_split_and_every_class_of_a_page_file_is_that_pages() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let site = crate::bundles::site(&root).expect("the bundles");
        let owners = Owners::scan(&root, &site.pages).expect("the sources read");
        let css = std::fs::read_to_string(root.join("www/styles.css")).expect("styles");
        // The source has comments; the build splits csso's output, which has none.
        let mut without_comments = String::new();
        let mut rest = css.as_str();
        while let Some(start) = rest.find("/*") {
            without_comments.push_str(&rest[..start]);
            let end = rest[start..].find("*/").expect("closed comment");
            rest = &rest[start + end + 2..];
        }
        without_comments.push_str(rest);
        let split = split(&without_comments, &owners).expect("the styles split");
        assert!(
            split
                .pages
                .get("raft")
                .is_some_and(|rules| rules.contains(".log-grid"))
        );
        assert!(
            split
                .pages
                .get("ratelimit")
                .is_some_and(|rules| rules.contains(".rl-"))
        );
        assert!(!split.shared.contains(".rl-timeline"));
        // The playground's own rules stay shared.
        assert!(split.shared.contains(".canvas-wrap"));
    }

    #[test]
    fn a_labs_folder_and_main_are_its_pages_and_everything_else_is_shared() {
        let pages = ["home", "raft", "hashing"];
        assert_eq!(
            page_of(Path::new("web/src/labs/raft/view.rs"), &pages),
            Some("raft")
        );
        assert_eq!(
            page_of(Path::new("web/src/labs/raft/mod.rs"), &pages),
            Some("raft")
        );
        assert_eq!(
            page_of(Path::new("web/src/bin/netsplit-hashing.rs"), &pages),
            Some("hashing")
        );
        assert_eq!(
            page_of(Path::new("web/src/components/home_gallery.rs"), &pages),
            Some("home")
        );
        // A lab without a page of its own, the catalogue, shared components, www/: shared.
        for shared in [
            "web/src/labs/paxos/mod.rs",
            "web/src/labs/mod.rs",
            "web/src/components/lab_page.rs",
            "www/loader.js",
        ] {
            assert_eq!(page_of(Path::new(shared), &pages), None, "{shared}");
        }
    }
}
