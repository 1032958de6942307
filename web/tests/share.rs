//! Share links, embed options and the host API's message checks, in a real browser.

use netsplit_core::{Action as SimAction, presets, scenario::Scenario};
use netsplit_web::components::lab_page::lab_presets;
use netsplit_web::embed::EmbedOptions;
use netsplit_web::host_api::{HostCommand, Refusal, origin_allowed, parse_command};
use netsplit_web::share::{initial_run, read_link, share_link};
use netsplit_web::state::{Action, PlaygroundState};
use std::rc::Rc;
use wasm_bindgen_test::*;
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

const PAGE: &str = "https://example.org/netsplit/index.html";

fn raft_state() -> Rc<PlaygroundState> {
    let scenario = Scenario::parse(presets::get("raft-steady-state").unwrap()).unwrap();
    Rc::new(PlaygroundState::new("raft", scenario).unwrap())
}

#[wasm_bindgen_test]
async fn a_share_link_reopens_the_same_run_at_the_same_time_with_the_same_fingerprint() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = raft_state()
        .reduce(Action::Seek(400_000))
        .reduce(Action::Apply(SimAction::Crash { node: 1 }));
    state.run.borrow_mut().run_until(900_375);
    let (scenario, now, hash) = {
        let run = state.run.borrow();
        (run.scenario(), run.now(), run.trace_hash())
    };
    // The browser deflates the link and inflates it again; the core's own decoder (the
    // CLI's) reads it the same.
    let link = share_link(&format!("{PAGE}?embed#/raft"), "raft", &scenario, now)
        .await
        .expect("Chromium compresses");
    assert!(link.starts_with(&format!("{PAGE}#/raft?s=")), "{link}");
    let fragment = &link[link.find('#').unwrap()..];
    let opened = read_link(fragment).await.expect("a link");
    assert_eq!(
        opened,
        Ok(
            netsplit_core::share::parse_link_query(netsplit_web::share::hash_query(fragment))
                .unwrap()
        )
    );
    let start = initial_run("raft", Some(opened), None, &lab_presets("raft")).expect("a start");
    assert_eq!(start.notice, None);
    assert_eq!(start.time_us, Some(now));
    let mut opened = PlaygroundState::new("raft", start.scenario).unwrap();
    netsplit_web::share::prepare(&mut opened, start.time_us, None, &EmbedOptions::default());
    assert_eq!(opened.run.borrow().trace_hash(), hash);
}

#[wasm_bindgen_test]
async fn a_malformed_share_link_falls_back_to_the_default_preset_with_a_message() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let presets = lab_presets("raft");
    let default = presets.first().unwrap().1.clone();
    let encoded = netsplit_core::share::encode(&presets[1].1);
    // Cut where the base64 still reads (a multiple of four characters after the
    // version), so the browser's decompressor is what finds the end missing.
    let truncated = format!("#/raft?s={}", &encoded[..1 + (encoded.len() / 2) / 4 * 4]);
    // Valid base64 of bytes that are not DEFLATE (a reserved block type).
    let not_deflate = "#/raft?s=1_____w";
    // A zip bomb: a million and one zero bytes, past the limit once inflated.
    let bomb = {
        use base64::Engine as _;
        let zeros = vec![0u8; netsplit_core::share::DECOMPRESSED_BYTES_MAX + 1];
        let deflated = miniz_oxide::deflate::compress_to_vec(&zeros, 10);
        format!(
            "#/raft?s=1{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(deflated)
        )
    };
    for (hash, words) in [
        (truncated.as_str(), "truncated"),
        (not_deflate, "not valid DEFLATE"),
        (bomb.as_str(), "larger than"),
        ("#/raft?s=9abc", "format version"),
        ("#/raft?s=1!!!!", "corrupted"),
        ("#/raft?s=", "empty"),
        ("#/raft?s=1abcd&t=soon", "t parameter"),
    ] {
        let start = initial_run("raft", read_link(hash).await, None, &presets).expect("a fallback");
        assert_eq!(start.scenario, default, "{hash}");
        let notice = start.notice.expect("a message");
        assert!(notice.contains(words), "{hash}: {notice}");
        assert!(notice.contains("default scenario"), "{notice}");
    }
}

#[wasm_bindgen_test]
async fn a_share_link_of_another_lab_falls_back_with_a_message() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let broadcast = Scenario::parse(presets::get("broadcast-basic").unwrap()).unwrap();
    let link = share_link(PAGE, "broadcast", &broadcast, 0)
        .await
        .expect("Chromium compresses");
    let fragment = &link[link.find('#').unwrap()..];
    let start = initial_run(
        "raft",
        read_link(fragment).await,
        None,
        &lab_presets("raft"),
    )
    .unwrap();
    assert!(start.notice.unwrap().contains("\"broadcast\" lab"));
    assert_eq!(start.scenario.lab, "raft");
}

#[wasm_bindgen_test]
fn embed_options_are_read_from_the_query_and_bad_ones_are_reported() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let options = EmbedOptions::parse(
        "?embed&lab=raft&preset=raft-leader-crash&autoplay=1&speed=10&controls=play,step,crash,bogus&theme=dark&origin=https%3A%2F%2Fblog.example",
    );
    assert!(options.enabled);
    assert_eq!(options.lab.as_deref(), Some("raft"));
    assert_eq!(options.preset.as_deref(), Some("raft-leader-crash"));
    assert!(options.autoplay);
    assert_eq!(options.speed, Some(10.0));
    assert_eq!(
        options.controls,
        Some(vec![
            "play".to_string(),
            "step".to_string(),
            "crash".to_string()
        ])
    );
    assert_eq!(options.theme.as_deref(), Some("dark"));
    assert_eq!(options.origins, vec!["https://blog.example".to_string()]);
    assert_eq!(options.warnings.len(), 1, "{:?}", options.warnings);
    let css = options.stylesheet();
    assert!(css.contains("[aria-label=\"Add node\"]"), "hidden: {css}");
    assert!(!css.contains("[aria-label=\"Step\"]"), "shown: {css}");
    assert!(!EmbedOptions::parse("?lab=raft").enabled);
    assert_eq!(EmbedOptions::parse("?embed&speed=1e9").speed, None);
}

#[wasm_bindgen_test]
fn host_messages_are_validated_and_foreign_ones_ignored() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    use serde_json::json;
    assert_eq!(
        parse_command(
            &json!({"netsplit": 1, "type": "action", "action": {"type": "crash", "node": 2}}),
            "raft"
        ),
        Ok(HostCommand::Apply(SimAction::Crash { node: 2 }))
    );
    assert_eq!(
        parse_command(
            &json!({"netsplit": 1, "type": "seek", "time_ms": 1.5}),
            "raft"
        ),
        Ok(HostCommand::Seek(1_500))
    );
    assert_eq!(
        parse_command(&json!({"type": "play"}), "raft"),
        Err(Refusal::NotOurs)
    );
    assert_eq!(
        parse_command(&json!("hello"), "raft"),
        Err(Refusal::NotOurs)
    );
    for malformed in [
        json!({"netsplit": 2, "type": "play"}),
        json!({"netsplit": 1}),
        json!({"netsplit": 1, "type": "explode"}),
        json!({"netsplit": 1, "type": "seek", "time_ms": -4}),
        json!({"netsplit": 1, "type": "action", "action": {"type": "crash"}}),
        json!({"netsplit": 1, "type": "load", "preset": "nope"}),
        json!({"netsplit": 1, "type": "load", "preset": "broadcast-basic"}),
        json!({"netsplit": 1, "type": "load", "link": "1x"}),
        json!({"netsplit": 1, "type": "load", "link": "2xyz"}),
    ] {
        assert!(
            matches!(
                parse_command(&malformed, "raft"),
                Err(Refusal::Malformed(_))
            ),
            "{malformed}"
        );
    }
    assert!(matches!(
        parse_command(
            &json!({"netsplit": 1, "type": "load", "preset": "raft-leader-crash"}),
            "raft"
        ),
        Ok(HostCommand::Load(_))
    ));
    let link = netsplit_core::share::encode(&lab_presets("raft")[1].1);
    assert_eq!(
        parse_command(
            &json!({"netsplit": 1, "type": "load", "link": link}),
            "raft"
        ),
        Ok(HostCommand::OpenLink(link))
    );
    assert!(origin_allowed("https://a.example", &[]));
    assert!(origin_allowed(
        "https://a.example",
        &["https://a.example".to_string()]
    ));
    assert!(!origin_allowed(
        "https://evil.example",
        &["https://a.example".to_string()]
    ));
}

#[wasm_bindgen_test]
async fn a_browser_without_compression_streams_is_told_why_there_is_no_link() {
    let global = js_sys::global();
    let name = wasm_bindgen::JsValue::from_str("CompressionStream");
    let saved = js_sys::Reflect::get(&global, &name).expect("Chromium has it");
    js_sys::Reflect::delete_property(&global, &name).expect("deletable");
    let broadcast = Scenario::parse(presets::get("broadcast-basic").unwrap()).unwrap();
    let result = share_link(PAGE, "broadcast", &broadcast, 0).await;
    js_sys::Reflect::set(&global, &name, &saved).expect("restored");
    let reason = result.expect_err("no compressor, no link");
    assert!(reason.contains("CompressionStream"), "{reason}");
    // Restored, links work again.
    assert!(share_link(PAGE, "broadcast", &broadcast, 0).await.is_ok());
}
