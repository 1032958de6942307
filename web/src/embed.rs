//! Embed mode: `index.html?embed&lab=raft&preset=raft-leader-crash&autoplay=1&speed=10&controls=play,step,crash&theme=dark`
//! shows just the lab with the controls asked for, for an `<iframe>` in a blog post.
//!
//! The options live in the page's query (before the `#`), so the hash stays free for a
//! share link (`index.html?embed#/raft?s=..&t=..`). Unknown options and values are
//! ignored with a console warning rather than breaking the page. See
//! `docs/embedding.md` for every option.

use crate::share::query_value;

/// The controls an embed can show, by the names `controls=` takes, with the CSS
/// selector of what each one shows.
pub const CONTROLS: &[(&str, &str)] = &[
    (
        "play",
        ".playback [aria-label=\"Play\"], .playback [aria-label=\"Pause\"]",
    ),
    ("step", ".playback [aria-label=\"Step\"]"),
    ("speed", ".playback label:has([aria-label=\"Speed\"])"),
    ("seek", ".playback .scrubber"),
    (
        "seed",
        ".playback label:has([aria-label=\"Seed\"]), .playback [aria-label=\"New random seed\"]",
    ),
    ("add", ".toolbar [aria-label=\"Add node\"]"),
    (
        "partition",
        ".toolbar [aria-label=\"Partition\"], .toolbar [aria-label=\"Apply partition\"]",
    ),
    ("heal", ".toolbar [aria-label=\"Heal all\"]"),
    ("client", ".toolbar [aria-label=\"Client request\"]"),
    (
        "crash",
        ".inspector [aria-label=\"Crash\"], .inspector [aria-label=\"Restart\"]",
    ),
    ("share", ".share-actions"),
];

/// The most origins `origin=` may list.
pub const ORIGINS_MAX: usize = 16;

/// The options of an embedded lab.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EmbedOptions {
    /// Whether the page is in embed mode (`?embed`).
    pub enabled: bool,
    /// The lab to show when the hash names none.
    pub lab: Option<String>,
    /// The preset to start from instead of the lab's first.
    pub preset: Option<String>,
    /// Whether time starts flowing at once.
    pub autoplay: bool,
    /// The playback speed, if given and in range.
    pub speed: Option<f64>,
    /// The controls to show; `None` shows the embed's default set (every control).
    pub controls: Option<Vec<String>>,
    /// `light` or `dark`; `None` follows the reader's system setting.
    pub theme: Option<String>,
    /// The origins allowed to drive the frame through the script API and to receive
    /// its events; empty means any origin (see `host_api`).
    pub origins: Vec<String>,
    /// Options that were present but not understood, in words, for the console.
    pub warnings: Vec<String>,
}

impl EmbedOptions {
    /// Reads the options from a location's query string (`?embed&lab=raft...`).
    pub fn parse(search: &str) -> EmbedOptions {
        let search = search.strip_prefix('?').unwrap_or(search);
        let mut options = EmbedOptions {
            enabled: query_value(search, "embed").is_some(),
            ..EmbedOptions::default()
        };
        if let Some(lab) = query_value(search, "lab").filter(|lab| !lab.is_empty()) {
            if crate::labs::find(lab).is_some() {
                options.lab = Some(lab.to_string());
            } else {
                options
                    .warnings
                    .push(format!("lab={lab:?} names no lab; showing the gallery"));
            }
        }
        options.preset = query_value(search, "preset")
            .filter(|preset| !preset.is_empty())
            .map(str::to_string);
        if let Some(autoplay) = query_value(search, "autoplay") {
            options.autoplay = matches!(autoplay, "" | "1" | "true" | "yes");
        }
        if let Some(speed) = query_value(search, "speed") {
            match crate::number::parse_decimal(speed) {
                Some(value)
                    if (crate::state::SPEED_MIN..=crate::state::SPEED_MAX).contains(&value) =>
                {
                    options.speed = Some(value);
                }
                _ => options.warnings.push(format!(
                    "speed={speed:?} must be a number from {} to {}; using the default",
                    crate::state::SPEED_MIN,
                    crate::state::SPEED_MAX
                )),
            }
        }
        if let Some(controls) = query_value(search, "controls") {
            let mut shown = Vec::new();
            // Bounded by the number of known controls: duplicates and unknown names are dropped.
            for name in controls.split(',').filter(|name| !name.is_empty()) {
                if CONTROLS.iter().any(|(known, _)| *known == name) {
                    if !shown.iter().any(|seen| seen == name) {
                        shown.push(name.to_string());
                    }
                } else {
                    options.warnings.push(format!(
                        "controls: unknown control {name:?}; known controls: {}",
                        CONTROLS
                            .iter()
                            .map(|(known, _)| *known)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            options.controls = Some(shown);
        }
        match query_value(search, "theme") {
            Some(theme @ ("light" | "dark")) => options.theme = Some(theme.to_string()),
            Some(other) => options
                .warnings
                .push(format!("theme={other:?} must be light or dark")),
            None => {}
        }
        if let Some(origins) = query_value(search, "origin") {
            for origin in origins.split(',').filter(|origin| !origin.is_empty()) {
                let origin = decode_percent(origin);
                if options.origins.len() >= ORIGINS_MAX {
                    options
                        .warnings
                        .push(format!("origin: at most {ORIGINS_MAX} origins are read"));
                    break;
                }
                if origin.starts_with("https://") || origin.starts_with("http://") {
                    options
                        .origins
                        .push(origin.trim_end_matches('/').to_string());
                } else {
                    options.warnings.push(format!(
                        "origin={origin:?} must be a scheme and host such as https://blog.example"
                    ));
                }
            }
        }
        options
    }

    /// The CSS that hides every control not listed in `controls=`, and the
    /// playground parts an embed leaves out.
    pub fn stylesheet(&self) -> String {
        if !self.enabled {
            return String::new();
        }
        let mut css = String::from(
            "body.embed .lab-title label, body.embed .scenario-description, \
             body.embed .lab-title .description-toggle, \
             body.embed .side .inspector ~ .event-log { display: none; }\n",
        );
        if let Some(shown) = &self.controls {
            for (name, selector) in CONTROLS {
                if !shown.iter().any(|control| control == name) {
                    for part in selector.split(", ") {
                        css.push_str(&format!("body.embed {part} {{ display: none; }}\n"));
                    }
                }
            }
        }
        css
    }
}

/// Decodes `%2F`-style escapes (origins are often written `https%3A%2F%2F...`).
fn decode_percent(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && index + 2 < bytes.len()
            && let Ok(value) = u8::from_str_radix(text.get(index + 1..index + 3).unwrap_or(""), 16)
        {
            out.push(value);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The embed options of the current page, read once.
pub fn current() -> EmbedOptions {
    thread_local! {
        static OPTIONS: EmbedOptions = EmbedOptions::parse(
            &web_sys::window()
                .and_then(|window| window.location().search().ok())
                .unwrap_or_default(),
        );
    }
    OPTIONS.with(Clone::clone)
}

/// Puts the page in embed mode if asked: the `embed` class on `<body>`, the theme on
/// `<html>`, the stylesheet of shown controls, and a console warning per option not
/// understood.
pub fn apply_to_document(options: &EmbedOptions) {
    for warning in &options.warnings {
        web_sys::console::warn_1(&format!("Netsplit embed: {warning}").into());
    }
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    if let Some(theme) = &options.theme
        && let Some(root) = document.document_element()
    {
        let _ = root.set_attribute("data-theme", theme);
    }
    if !options.enabled {
        return;
    }
    if let Some(body) = document.body() {
        let _ = body.class_list().add_1("embed");
    }
    if let (Ok(style), Some(head)) = (document.create_element("style"), document.head()) {
        style.set_text_content(Some(&options.stylesheet()));
        let _ = head.append_child(&style);
    }
}
