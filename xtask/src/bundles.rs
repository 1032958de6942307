//! The published site's per-page bundles (web/src/bundle.rs): one WebAssembly build of the
//! app per page, so a first visit downloads only the page it opens. `www/loader.js` picks
//! the bundle from the URL. Trunk builds the whole app (`netsplit-app`, what `trunk serve`
//! runs and the loader's fallback) and copies the static files; this adds the bundles to
//! `dist/` beside it.

use std::path::Path;

use crate::steps::Steps;

/// The bundles of the site, read from web/src/bin/: one `main` per bundle, in
/// `netsplit-<name>.rs`, named as its files are (`netsplit-raft.js`,
/// `netsplit-raft_bg.wasm`). Nothing else lists them: a lab's bundle exists when its `main`
/// does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The pages: the gallery (`home`) and each lab, by name, sorted.
    pub pages: Vec<&'static str>,
    /// Bundles that are a part of a page rather than a page (web/src/remote_part.rs; their
    /// `main` calls `remote_part::mount`): the page downloads one when it first shows that
    /// part. Each with the page that opens it, the part's name up to its first `-`.
    pub parts: Vec<(&'static str, &'static str)>,
}

impl Site {
    /// Reads the bundles from `bin`'s file names (web/src/bin/).
    pub fn read(bin: &Path) -> Result<Site, String> {
        let mut mains: Vec<(String, String)> = Vec::new();
        for entry in
            std::fs::read_dir(bin).map_err(|error| format!("{}: {error}", bin.display()))?
        {
            let path = entry.map_err(|error| error.to_string())?.path();
            let Some(name) = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .and_then(|name| {
                    Some(
                        name.strip_prefix("netsplit-")?
                            .strip_suffix(".rs")?
                            .to_string(),
                    )
                })
            else {
                continue;
            };
            let text = std::fs::read_to_string(&path)
                .map_err(|error| format!("{}: {error}", path.display()))?;
            mains.push((name, text));
        }
        mains.sort();
        // Names live as long as the process: xtask reads them once and runs to its end.
        let leak = |name: &str| -> &'static str { Box::leak(name.to_string().into_boxed_str()) };
        let mut site = Site {
            pages: Vec::new(),
            parts: Vec::new(),
        };
        for (name, text) in &mains {
            if !text.contains("remote_part::mount") {
                site.pages.push(leak(name));
            }
        }
        for (name, text) in &mains {
            if text.contains("remote_part::mount") {
                let page = name.split('-').next().unwrap_or(name);
                let page = site
                    .pages
                    .iter()
                    .find(|known| **known == page)
                    .ok_or_else(|| {
                        format!(
                            "web/src/bin/netsplit-{name}.rs mounts a part, but no page {page:?} \
                         (web/src/bin/netsplit-{page}.rs) shows it"
                        )
                    })?;
                site.parts.push((leak(name), page));
            }
        }
        if site.pages.is_empty() {
            return Err(format!("{} has no netsplit-<page>.rs", bin.display()));
        }
        Ok(site)
    }

    /// Every bundle to build: the pages, then the parts.
    pub fn all(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.pages
            .iter()
            .copied()
            .chain(self.parts.iter().map(|(part, _)| *part))
    }
}

/// The site's bundles, read from the checkout's web/src/bin/.
pub fn site(root: &Path) -> Result<Site, String> {
    Site::read(&root.join("web/src/bin"))
}

/// Builds every bundle into `dist/` with the profile, wasm-bindgen and wasm-opt level
/// Trunk uses for the whole app. Returns whether all of it worked.
pub fn build(root: &Path, steps: &mut Steps) -> bool {
    let site = match site(root) {
        Ok(site) => site,
        Err(why) => {
            steps.failed("per-page bundles: the bundles in web/src/bin/", &why);
            return false;
        }
    };
    // One cargo invocation builds every bin: the library compiles once and the bins
    // link (with link-time optimisation, which drops the labs a bin never reaches) in
    // parallel.
    let built = steps.check(
        "per-page bundles: cargo build",
        "cargo",
        &[
            "build",
            "--profile",
            "wasm-release",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "netsplit-web",
            "--bins",
        ],
    );
    if !built {
        return false;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let dist = root.join("dist").display().to_string();
    let mut jobs = Vec::new();
    for name in site.all() {
        let mut commands = Vec::new();
        let input = target
            .join("wasm32-unknown-unknown/wasm-release")
            .join(format!("netsplit-{name}.wasm"))
            .display()
            .to_string();
        let output = format!("{dist}/netsplit-{name}_bg.wasm");
        commands.push((
            "wasm-bindgen",
            vec![
                "--target".into(),
                "web".into(),
                "--no-typescript".into(),
                // Keep the function names for wasm-opt's ordering below; it strips them.
                "--keep-debug".into(),
                "--out-dir".into(),
                dist.clone(),
                "--out-name".into(),
                format!("netsplit-{name}"),
                input,
            ],
        ));
        // Rust's wasm never touches the lowest 1 KiB of memory (its data starts at 1 MiB) and
        // the module's memory is its own, so it starts zeroed: both let wasm-opt drop code
        // and data segments (2 KB gzip off each bundle). Ordering the functions by their
        // (mangled) names puts the copies of one generic function side by side, where gzip's
        // 32 KiB window finds their likeness (another 2% off); then the names go.
        commands.push((
            "wasm-opt",
            vec![
                "-Oz".into(),
                "--low-memory-unused".into(),
                "--zero-filled-memory".into(),
                "--reorder-functions-by-name".into(),
                "--strip-debug".into(),
                "--strip-producers".into(),
                output.clone(),
                "-o".into(),
                output,
            ],
        ));
        jobs.push(commands);
    }
    if !steps.check_all_parallel("per-page bundles: wasm-bindgen and wasm-opt", &jobs) {
        return false;
    }
    // Short names for the functions each bundle imports from its glue (6 KB gzip a page).
    for name in site.all() {
        let wasm = format!("{dist}/netsplit-{name}_bg.wasm");
        let glue = format!("{dist}/netsplit-{name}.js");
        let shortened = std::fs::read(&wasm)
            .map_err(|error| format!("{wasm}: {error}"))
            .and_then(|bytes| {
                let js =
                    std::fs::read_to_string(&glue).map_err(|error| format!("{glue}: {error}"))?;
                crate::shorten::shorten_imports(&bytes, &js)
            })
            .and_then(|(bytes, js)| {
                std::fs::write(&wasm, bytes).map_err(|error| format!("{wasm}: {error}"))?;
                std::fs::write(&glue, js).map_err(|error| format!("{glue}: {error}"))
            });
        if let Err(why) = shortened {
            steps.failed(
                &format!("per-page bundles: short import names ({name})"),
                &why,
            );
            return false;
        }
    }
    let mut commands = Vec::new();
    // The JS glue and the loader, minified (a fifth of their gzip bytes). (Trunk's own
    // minifier cannot read the glue, and its HTML minifier drops the `</head>` the bundle
    // list goes before, so Trunk copies everything as written.)
    for file in site
        .all()
        .map(|name| format!("{dist}/netsplit-{name}.js"))
        .chain([format!("{dist}/loader.js")])
    {
        commands.push((
            "terser",
            // The file first: `--compress` and `--mangle` take optional values.
            vec![
                file.clone(),
                "--module".into(),
                "--compress".into(),
                "--mangle".into(),
                "--output".into(),
                file,
            ],
        ));
    }
    // The styles too, without merging rules (that could change which rule wins).
    let styles = format!("{dist}/styles.css");
    commands.push((
        "csso",
        vec![
            "--no-restructure".into(),
            "--input".into(),
            styles.clone(),
            "--output".into(),
            styles,
        ],
    ));
    if !steps.check_all("per-page bundles: terser and csso", &commands) {
        return false;
    }
    let unpacker = match pack_bundles(root, &site) {
        Ok(integrity) => integrity,
        Err(why) => {
            steps.failed("per-page bundles: pack the WebAssembly with xz", &why);
            return false;
        }
    };
    steps.passed(
        "per-page bundles: pack the WebAssembly with xz",
        "every bundle and the whole app, with the unpacker beside them",
    );
    let page_styles = match split_styles(root, &site) {
        Ok(page_styles) => page_styles,
        Err(why) => {
            steps.failed("per-page bundles: styles by page", &why);
            return false;
        }
    };
    if let Err(why) = refresh_integrity(&root.join("dist/index.html")) {
        steps.failed("per-page bundles: integrity of the minified files", &why);
        return false;
    }
    match list_in_page(
        &root.join("dist/index.html"),
        &site,
        &page_styles,
        &unpacker,
    ) {
        Ok(()) => true,
        Err(why) => {
            steps.failed("per-page bundles: list them in dist/index.html", &why);
            false
        }
    }
}

/// Packs every bundle's WebAssembly, and the whole app's, with xz (crate::pack) and copies
/// the unpacker the loader uses into `dist/`. Returns the unpacker's sha384 integrity.
fn pack_bundles(root: &Path, site: &Site) -> Result<String, String> {
    let dist = root.join("dist");
    for name in site.all().chain(["app"]) {
        crate::pack::pack_file(&dist.join(format!("netsplit-{name}_bg.wasm")))?;
    }
    let source = root.join(crate::pack::UNPACKER_SOURCE);
    let unpacker =
        std::fs::read(&source).map_err(|error| format!("{}: {error}", source.display()))?;
    let target = dist.join(crate::pack::UNPACKER);
    std::fs::write(&target, &unpacker).map_err(|error| format!("{}: {error}", target.display()))?;
    Ok(integrity(&unpacker))
}

/// The subresource-integrity value of a file's bytes: `sha384-` and the base64 digest.
fn integrity(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(bytes));
    format!("sha384-{hash}")
}

/// Splits `dist/styles.css` (minified) into the rules every page needs, left there, and
/// each page's own, written to `dist/styles-<page>.css` (crate::styles). Returns each
/// page's file with its sha384 integrity, for the loader.
fn split_styles(root: &Path, site: &Site) -> Result<Vec<(&'static str, String)>, String> {
    let dist = root.join("dist");
    let shared = dist.join("styles.css");
    let css = std::fs::read_to_string(&shared)
        .map_err(|error| format!("{}: {error}", shared.display()))?;
    let owners = crate::styles::Owners::scan(root, &site.pages)?;
    let split = crate::styles::split(&css, &owners)?;
    std::fs::write(&shared, &split.shared)
        .map_err(|error| format!("{}: {error}", shared.display()))?;
    let mut listed = Vec::new();
    for (page, rules) in &split.pages {
        let file = dist.join(format!("styles-{page}.css"));
        std::fs::write(&file, rules).map_err(|error| format!("{}: {error}", file.display()))?;
        listed.push((*page, integrity(rules.as_bytes())));
    }
    Ok(listed)
}

/// The tags that tell www/loader.js which bundles the site has, which pages have styles
/// of their own (with each file's integrity), and the integrity of the unpacker for the
/// packed WebAssembly. Without them (`trunk serve`) the loader starts the whole app, whose
/// `styles.css` is whole and whose WebAssembly is not packed.
fn bundles_meta(site: &Site, page_styles: &[(&str, String)], unpacker: &str) -> String {
    format!(
        "<meta name=\"netsplit-bundles\" content=\"{}\" />\n  <meta name=\"netsplit-parts\" content=\"{}\" />\n  <meta name=\"netsplit-styles\" content=\"{}\" />\n  <meta name=\"netsplit-unpacker\" content=\"{unpacker}\" />",
        site.pages.join(" "),
        site.parts
            .iter()
            .map(|(part, _)| *part)
            .collect::<Vec<_>>()
            .join(" "),
        page_styles
            .iter()
            .map(|(page, integrity)| format!("{page}:{integrity}"))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

fn list_in_page(
    page: &Path,
    site: &Site,
    page_styles: &[(&str, String)],
    unpacker: &str,
) -> Result<(), String> {
    let html = std::fs::read_to_string(page)
        .map_err(|error| format!("could not read {}: {error}", page.display()))?;
    if html.contains(r#"name="netsplit-bundles""#) {
        return Ok(());
    }
    // Trunk preloads the whole app, which the loader no longer starts when a bundle fits.
    let html = without_whole_app_preloads(&html);
    let Some(head_end) = html.find("</head>") else {
        return Err(format!("{} has no </head>", page.display()));
    };
    let listed = format!(
        "{}  {}\n  {}",
        &html[..head_end],
        bundles_meta(site, page_styles, unpacker),
        &html[head_end..]
    );
    std::fs::write(page, listed)
        .map_err(|error| format!("could not write {}: {error}", page.display()))
}

/// Recomputes each `integrity="sha384-..."` of a `<link>` in `page` from the file its
/// `href` names beside it: Trunk hashed the styles before xtask minified them, and a browser
/// refuses a file whose hash does not match.
fn refresh_integrity(page: &Path) -> Result<(), String> {
    let html = std::fs::read_to_string(page)
        .map_err(|error| format!("could not read {}: {error}", page.display()))?;
    let directory = page.parent().unwrap_or(Path::new("."));
    let refreshed = with_integrity(&html, |file| std::fs::read(directory.join(file)).ok())?;
    std::fs::write(page, refreshed)
        .map_err(|error| format!("could not write {}: {error}", page.display()))
}

/// `html` with each `<link ...>` tag replaced by what `edit` makes of it (`None` drops the
/// tag), the rest as it was; an error from `edit` stops the rewrite.
fn edit_links(
    html: &str,
    mut edit: impl FnMut(&str) -> Result<Option<String>, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<link") {
        let Some(length) = rest[start..].find('>') else {
            break;
        };
        out.push_str(&rest[..start]);
        if let Some(tag) = edit(&rest[start..start + length + 1])? {
            out.push_str(&tag);
        }
        rest = &rest[start + length + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `html` with each `<link>`'s sha384 integrity recomputed from the bytes `read` gives for
/// its `href` (a relative path, `./` removed). A link whose file cannot be read is an error.
fn with_integrity(html: &str, read: impl Fn(&str) -> Option<Vec<u8>>) -> Result<String, String> {
    let attribute = |tag: &str, name: &str| -> Option<(usize, usize)> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let length = tag[start..].find('"')?;
        Some((start, start + length))
    };
    edit_links(html, |tag| {
        match (attribute(tag, "href"), attribute(tag, "integrity")) {
            (Some((href_start, href_end)), Some((hash_start, hash_end)))
                if tag[hash_start..hash_end].starts_with("sha384-") =>
            {
                let file = tag[href_start..href_end].trim_start_matches("./");
                let bytes = read(file)
                    .ok_or_else(|| format!("{file} (linked with an integrity hash) is missing"))?;
                Ok(Some(format!(
                    "{}{}{}",
                    &tag[..hash_start],
                    integrity(&bytes),
                    &tag[hash_end..]
                )))
            }
            _ => Ok(Some(tag.to_string())),
        }
    })
}

/// `html` without the `<link>` tags that preload the whole app's files.
fn without_whole_app_preloads(html: &str) -> String {
    let kept = edit_links(html, |tag| {
        Ok((!(tag.contains("preload") && tag.contains("netsplit-app"))).then(|| tag.to_string()))
    });
    // The edit never fails.
    kept.unwrap_or_else(|_| html.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_list_goes_into_the_page_head_once() {
        let directory = std::env::temp_dir().join(format!("netsplit-xtask-{}", std::process::id()));
        std::fs::create_dir_all(&directory).expect("a temporary directory");
        let page = directory.join("index.html");
        std::fs::write(
            &page,
            concat!(
                r#"<html><head><title>t</title><link rel="stylesheet" href="./styles.css"/>"#,
                r#"<link rel="modulepreload" href="./netsplit-app.js"><link rel="preload" "#,
                r#"href="./netsplit-app_bg.wasm" as="fetch"></head><body></body></html>"#
            ),
        )
        .expect("written");
        let styles = [("raft", "sha384-abc".to_string())];
        let site = Site {
            pages: vec!["home", "raft"],
            parts: vec![("raft-extra", "raft")],
        };
        list_in_page(&page, &site, &styles, "sha384-xyz").expect("listed");
        list_in_page(&page, &site, &styles, "sha384-xyz").expect("listed again");
        let html = std::fs::read_to_string(&page).expect("read");
        assert_eq!(html.matches("netsplit-bundles").count(), 1, "{html}");
        assert!(html.find("netsplit-bundles") < html.find("</head>"));
        assert!(html.contains(r#"<meta name="netsplit-bundles" content="home raft" />"#));
        assert!(html.contains(r#"<meta name="netsplit-parts" content="raft-extra" />"#));
        assert!(html.contains(r#"<meta name="netsplit-styles" content="raft:sha384-abc" />"#));
        assert!(html.contains(r#"<meta name="netsplit-unpacker" content="sha384-xyz" />"#));
        assert!(
            !html.contains("netsplit-app"),
            "no preload of the whole app: {html}"
        );
        assert!(html.contains("styles.css"), "other links stay: {html}");
        let _ = std::fs::remove_dir_all(&directory);
    }

    #[test]
    fn integrity_hashes_follow_the_files_as_they_are_now() {
        let html = concat!(
            r#"<link rel="stylesheet" href="./styles.css" integrity="sha384-stale"/>"#,
            r#"<link rel="icon" href="./favicon.svg"/><p>text</p>"#
        );
        let refreshed =
            with_integrity(html, |file| (file == "styles.css").then(|| b"abc".to_vec()))
                .expect("the styles are there");
        // SHA-384 of "abc" (FIPS 180-2's example), in base64.
        assert!(
            refreshed.contains(
                r#"integrity="sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn""#
            ),
            "{refreshed}"
        );
        assert!(refreshed.ends_with(r#"<link rel="icon" href="./favicon.svg"/><p>text</p>"#));
        let missing = with_integrity(html, |_| None).expect_err("no styles");
        assert!(missing.contains("styles.css"), "{missing}");
    }

    #[test]
    fn a_page_without_a_head_is_an_error_not_a_panic() {
        let directory =
            std::env::temp_dir().join(format!("netsplit-xtask-nohead-{}", std::process::id()));
        std::fs::create_dir_all(&directory).expect("a temporary directory");
        let page = directory.join("index.html");
        std::fs::write(&page, "<p>no head</p>").expect("written");
        let error = list_in_page(
            &page,
            &site(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .parent()
                    .expect("the workspace"),
            )
            .expect("the bundles"),
            &[],
            "sha384-xyz",
        )
        .expect_err("no </head> to put the list before");
        assert!(error.contains("</head>"), "{error}");
        let _ = std::fs::remove_dir_all(&directory);
    }

    #[test]
    fn the_bundles_are_the_mains_in_web_src_bin_and_parts_belong_to_their_page() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the workspace");
        let site = site(root).expect("web/src/bin is readable");
        assert!(site.pages.contains(&"home"), "{site:?}");
        for (part, page) in &site.parts {
            assert!(site.pages.contains(page), "{part} belongs to {page}");
            assert!(part.starts_with(&format!("{page}-")), "{part}");
        }
        let directory =
            std::env::temp_dir().join(format!("netsplit-xtask-bin-{}", std::process::id()));
        std::fs::create_dir_all(&directory).expect("a temporary directory");
        std::fs::write(
            directory.join("netsplit-home.rs"),
            "fn main() { start(&HOME) }",
        )
        .expect("written");
        std::fs::write(
            directory.join("netsplit-paxos.rs"),
            "fn main() { start(&BUNDLE) }",
        )
        .expect("written");
        std::fs::write(
            directory.join("netsplit-paxos-log.rs"),
            "fn main() { remote_part::mount(&X, \"paxos-log\") }",
        )
        .expect("written");
        std::fs::write(directory.join("notes.txt"), "not a main").expect("written");
        let read = Site::read(&directory).expect("readable");
        assert_eq!(read.pages, vec!["home", "paxos"]);
        assert_eq!(read.parts, vec![("paxos-log", "paxos")]);
        std::fs::write(
            directory.join("netsplit-raft-log.rs"),
            "remote_part::mount(&X, \"raft-log\")",
        )
        .expect("written");
        let error = Site::read(&directory).expect_err("no raft page");
        assert!(
            error.contains("netsplit-raft-log.rs") && error.contains("\"raft\""),
            "{error}"
        );
        let _ = std::fs::remove_dir_all(&directory);
    }
}
