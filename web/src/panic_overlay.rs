//! A Rust panic must never leave a blank page: this hook logs it, then puts an overlay with
//! the message and a reload button straight into the DOM (Yew may be unusable by then).

/// Installs the panic hook. Call once at start-up.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

fn show(message: &str) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let Ok(overlay) = document.create_element("div") else {
        return;
    };
    overlay.set_class_name("panic-overlay");
    let _ = overlay.set_attribute("role", "alertdialog");
    let _ = overlay.set_attribute("aria-label", "Netsplit stopped");
    let Ok(body) = document.create_element("div") else {
        return;
    };
    body.set_class_name("box");
    let Ok(heading) = document.create_element("h2") else {
        return;
    };
    heading.set_text_content(Some("Netsplit hit a bug and stopped"));
    let Ok(text) = document.create_element("p") else {
        return;
    };
    text.set_text_content(Some(
        "Your scenario is still in the address bar: reloading replays it. The error was:",
    ));
    let Ok(pre) = document.create_element("pre") else {
        return;
    };
    pre.set_text_content(Some(message));
    // A link, not a script: the page runs under a strict Content-Security-Policy, and after a
    // panic the wasm instance cannot be trusted to run a click handler. The URL differs from
    // the current one only in its query, so following it reloads and keeps the hash.
    let Ok(button) = document.create_element("a") else {
        return;
    };
    button.set_text_content(Some("Reload"));
    let _ = button.set_attribute("class", "button primary");
    let _ = button.set_attribute("href", &reload_url());
    for child in [&heading, &text, &pre, &button] {
        let _ = body.append_child(child);
    }
    let _ = overlay.append_child(&body);
    if let Some(root) = document.body() {
        let _ = root.append_child(&overlay);
    }
}

/// The current URL with a `reload` marker in the query, so following it reloads the page.
fn reload_url() -> String {
    let Some(location) = web_sys::window().map(|window| window.location()) else {
        return String::new();
    };
    let path = location.pathname().unwrap_or_default();
    let search = location.search().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let marker = if search.contains("reload=1") {
        "reload=2"
    } else {
        "reload=1"
    };
    let search = search
        .trim_start_matches('?')
        .split('&')
        .filter(|part| !part.is_empty() && !part.starts_with("reload="))
        .chain(std::iter::once(marker))
        .collect::<Vec<_>>()
        .join("&");
    format!("{path}?{search}{hash}")
}
