//! Share links, embed snippets and exports of the current run.
//!
//! A share link is the page address with `#/<lab>?s=<encoded scenario>&t=<ms>`; the
//! scenario carries every action the learner took with its time
//! ([`netsplit_core::share`]), so opening the link rebuilds the run and runs it to `t`,
//! reaching the same fingerprint. The pure parts (what to start from, which link to
//! show) take strings so the tests can drive them without a browser page; the rest
//! talks to the DOM to download files and copy text.

use netsplit_core::protocol::Time;
use netsplit_core::scenario::Scenario;
use netsplit_core::share;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// What a lab page starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct InitialRun {
    /// The scenario to build.
    pub scenario: Scenario,
    /// The virtual time to run it to before showing it, in microseconds.
    pub time_us: Option<Time>,
    /// A message for the learner, set when a share link could not be opened and
    /// the lab's default scenario is shown instead.
    pub notice: Option<String>,
}

/// The query part of a location hash (`#/raft?s=..&t=..` gives `s=..&t=..`).
pub fn hash_query(hash: &str) -> &str {
    hash.split_once('?').map(|(_, query)| query).unwrap_or("")
}

/// The value of parameter `name` in a query string (`a=1&b=2`), if present.
pub fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    let query = query.strip_prefix('?').unwrap_or(query);
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then_some(value)
    })
}

/// Whether the location hash carries a share link (an `s` parameter), which
/// [`read_link`] opens.
pub fn has_link(hash: &str) -> bool {
    query_value(hash_query(hash), "s").is_some()
}

/// What the share link in the page's address gave, as [`use_share_link`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened<T> {
    /// The address carries no share link (or the caller did not ask for it).
    Absent,
    /// The browser is still inflating it.
    Opening,
    /// What it holds, or why it could not be read.
    Read(Box<Result<T, share::ShareError>>),
}

/// An engine lab's share link, opened: its run.
pub type OpenedLink = Opened<share::SharedRun>;

/// A share link's scenario as JSON text (checked to be text, not yet parsed: a page with a
/// scenario format of its own parses it), and the time it was shared at.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedText {
    /// The scenario's JSON.
    pub json: String,
    /// The link's `t`, in microseconds, if it has one.
    pub time_us: Option<Time>,
}

/// Opens the share link in the page's address once, when the calling component starts
/// and `wanted` is true, and reads its scenario with `read` (an engine lab's with
/// [`engine_run`]; a page with a format of its own parses the text itself). The browser
/// inflates it, so it is [`Opened::Opening`] for a moment before it is [`Opened::Read`].
#[yew::hook]
pub fn use_share_link<T: Clone + PartialEq + 'static>(
    wanted: bool,
    read: fn(SharedText) -> Result<T, share::ShareError>,
) -> Opened<T> {
    use yew::prelude::{use_effect_with, use_state};
    let hash = use_state(|| {
        let hash = crate::route::current_hash();
        (wanted && has_link(&hash)).then_some(hash)
    });
    let parse = read;
    let read = use_state(|| None);
    {
        let (hash, read) = ((*hash).clone(), read.clone());
        use_effect_with((), move |_| {
            if let Some(hash) = hash {
                wasm_bindgen_futures::spawn_local(async move {
                    read.set(read_link_text(&hash).await.map(|text| text.and_then(parse)));
                });
            }
        });
    }
    match (&*hash, &*read) {
        (None, _) => Opened::Absent,
        (Some(_), None) => Opened::Opening,
        (Some(_), Some(result)) => Opened::Read(Box::new(result.clone())),
    }
}

/// Opens the share link in location hash `hash`: its scenario, validated, and its time.
/// `None` when the hash carries no link. The browser's `DecompressionStream` inflates the
/// scenario (so the app carries no decompressor of its own), which is why this waits.
pub async fn read_link(hash: &str) -> Option<Result<share::SharedRun, share::ShareError>> {
    Some(read_link_text(hash).await?.and_then(engine_run))
}

/// An engine lab's run from a share link's text: its scenario, validated, and its time.
pub fn engine_run(text: SharedText) -> Result<share::SharedRun, share::ShareError> {
    Ok(share::SharedRun {
        scenario: Scenario::parse(&text.json)?,
        time_us: text.time_us,
    })
}

/// Opens the share link in location hash `hash` as [`read_link`] does, leaving its
/// scenario as JSON text for the caller to parse.
pub async fn read_link_text(hash: &str) -> Option<Result<SharedText, share::ShareError>> {
    if !has_link(hash) {
        return None;
    }
    let read = async {
        let link = share::read_link_query(hash_query(hash))?;
        Ok(SharedText {
            json: read_json(link.encoded).await?,
            time_us: link.time_us,
        })
    };
    Some(read.await)
}

/// Decodes an encoded scenario (the `s` of a share link) as [`share::decode`] does, with
/// the browser's decompressor.
pub async fn read_scenario(encoded: &str) -> Result<Scenario, share::ShareError> {
    Ok(Scenario::parse(&read_json(encoded).await?)?)
}

/// Decodes an encoded scenario to its JSON text, as [`share::decode_to_json`] does, with
/// the browser's decompressor.
async fn read_json(encoded: &str) -> Result<String, share::ShareError> {
    let deflated = share::deflated_payload(encoded)?;
    share::inflated_text(inflate_raw(&deflated).await?)
}

/// Raw DEFLATE `bytes` inflated by the browser's `DecompressionStream("deflate-raw")`,
/// read a chunk at a time and given up as soon as the output would pass
/// [`share::DECOMPRESSED_BYTES_MAX`], so a small link cannot expand into gigabytes.
async fn inflate_raw(bytes: &[u8]) -> Result<Vec<u8>, share::ShareError> {
    use share::ShareError;
    let browser = |step: &'static str| {
        move |_: JsValue| {
            ShareError::Browser(format!("the link could not be decompressed ({step})"))
        }
    };
    let inflated = through_stream(bytes, "DecompressionStream").map_err(|(step, missing)| {
        missing.map_or_else(|| browser(step)(JsValue::NULL), ShareError::Browser)
    })?;
    let reader = call(&inflated, "getReader", &[]).map_err(browser("reader"))?;
    let mut out = Vec::new();
    loop {
        let next = call(&reader, "read", &[])
            .and_then(|promise| promise.dyn_into::<js_sys::Promise>())
            .map_err(browser("read"))?;
        // The stream fails on data that is not DEFLATE or ends too early; browsers word
        // the two differently, and Chromium's second says "truncated".
        let chunk = wasm_bindgen_futures::JsFuture::from(next)
            .await
            .map_err(|error| {
                let message = js_sys::Reflect::get(&error, &JsValue::from_str("message"))
                    .ok()
                    .and_then(|message| message.as_string())
                    .unwrap_or_default();
                if message.to_ascii_lowercase().contains("truncated") {
                    ShareError::Truncated
                } else {
                    ShareError::Corrupted {
                        reason: format!("the compressed data is not valid DEFLATE ({message})"),
                    }
                }
            })?;
        let field = |name: &str| js_sys::Reflect::get(&chunk, &JsValue::from_str(name));
        if field("done").ok().and_then(|done| done.as_bool()) != Some(false) {
            return Ok(out);
        }
        let value = js_sys::Uint8Array::new(&field("value").map_err(browser("chunk"))?);
        if out.len() + value.length() as usize > share::DECOMPRESSED_BYTES_MAX {
            let _ = call(&reader, "cancel", &[]);
            return Err(ShareError::Oversized);
        }
        out.extend(value.to_vec());
    }
}

/// Chooses what lab `lab` starts from: the run of share link `link` (what
/// [`read_link`] gave for the page's address), else the preset named by `preset` (an
/// embed option), else the lab's first preset. A share link that cannot be read, or
/// that is for another lab, falls back to the default with a notice saying why; it
/// never leaves the page blank. `None` only when the lab has no presets at all.
pub fn initial_run(
    lab: &str,
    link: Option<Result<share::SharedRun, share::ShareError>>,
    preset: Option<&str>,
    presets: &[(&'static str, Scenario)],
) -> Option<InitialRun> {
    let default = preset
        .and_then(|name| presets.iter().find(|(preset, _)| *preset == name))
        .or_else(|| presets.first())
        .map(|(_, scenario)| scenario.clone());
    let Some(link) = link else {
        let notice = preset
            .filter(|name| !presets.iter().any(|(preset, _)| preset == name))
            .map(|name| {
                format!(
                    "There is no preset called {name:?} in this lab; showing the default scenario."
                )
            });
        return default.map(|scenario| InitialRun {
            scenario,
            time_us: None,
            notice,
        });
    };
    let fallback = |reason: String| {
        default.clone().map(|scenario| InitialRun {
            scenario,
            time_us: None,
            notice: Some(format!(
                "This share link could not be opened: {reason}. Showing the lab's default scenario instead."
            )),
        })
    };
    match link {
        // Building checks the lab's own parameters too, so a link that parses but
        // cannot run falls back here rather than failing the page.
        Ok(shared) if shared.scenario.lab == lab => {
            match crate::bundle::current().build(&shared.scenario) {
                Ok(_) => Some(InitialRun {
                    scenario: shared.scenario,
                    time_us: shared.time_us,
                    notice: None,
                }),
                Err(error) => fallback(error.to_string()),
            }
        }
        Ok(shared) => fallback(format!(
            "it holds a scenario of the {:?} lab, not of this one",
            shared.scenario.lab
        )),
        Err(error) => fallback(error.to_string()),
    }
}

/// The share link of `scenario` at `time_us` in lab `lab`, on the page at `page`
/// (the address without its `#` part; any embed query is dropped so the link opens
/// the full playground), or why the browser could not make it.
pub async fn share_link(
    page: &str,
    lab: &str,
    scenario: &Scenario,
    time_us: Time,
) -> Result<String, String> {
    share_link_json(page, lab, &scenario.to_json(), Some(time_us)).await
}

/// The share link of a scenario given as JSON text (any lab's format), at `time_us` if
/// the page has a time, as [`share_link`] makes it.
pub async fn share_link_json(
    page: &str,
    lab: &str,
    json: &str,
    time_us: Option<Time>,
) -> Result<String, String> {
    let page = page.split('#').next().unwrap_or(page);
    let page = page.split('?').next().unwrap_or(page);
    let query = link_query_json(json, time_us).await?;
    Ok(format!("{page}#/{lab}?{query}"))
}

/// An `<iframe>` snippet that embeds `scenario` at `time_us` in lab `lab`, served
/// from `page`. The frame is 100% wide (it works from 320 px) and 560 px tall.
pub async fn embed_snippet(
    page: &str,
    lab: &str,
    scenario: &Scenario,
    time_us: Time,
) -> Result<String, String> {
    let title = scenario
        .title
        .clone()
        .unwrap_or_else(|| format!("Netsplit {lab} lab"));
    embed_snippet_json(page, lab, &title, &scenario.to_json(), Some(time_us)).await
}

/// The embed snippet of a scenario given as JSON text (any lab's format) with title
/// `title`, at `time_us` if the page has a time, as [`embed_snippet`] makes it.
pub async fn embed_snippet_json(
    page: &str,
    lab: &str,
    title: &str,
    json: &str,
    time_us: Option<Time>,
) -> Result<String, String> {
    let page = page.split('#').next().unwrap_or(page);
    let page = page.split('?').next().unwrap_or(page);
    let title = title
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    let query = link_query_json(json, time_us).await?;
    Ok(format!(
        "<iframe src=\"{page}?embed&amp;lab={lab}#/{lab}?{}\" title=\"{title}\" \
         style=\"width:100%;min-width:320px;height:560px;border:0\" loading=\"lazy\"></iframe>",
        query.replace('&', "&amp;")
    ))
}

/// The query of a share link, `s=<scenario>&t=<time>`, in the format
/// [`netsplit_core::share`] reads (its version, then the raw DEFLATE of the scenario's
/// JSON in base64url), which its `link_query` also writes. The browser's own
/// `CompressionStream` deflates here, so the app carries no compressor of its own (nor
/// a decompressor: [`read_link`] uses the browser's).
pub async fn link_query(scenario: &Scenario, time_us: Time) -> Result<String, String> {
    // The export's JSON: one serializer in the app. Its indentation costs the link a few
    // bytes after compression.
    link_query_json(&scenario.to_json(), Some(time_us)).await
}

/// The query of a share link of a scenario given as JSON text, `s=<scenario>` and
/// `&t=<time>` when there is a time, encoded as [`link_query`] encodes (the core's
/// [`share::encode_json`] writes the same).
pub async fn link_query_json(json: &str, time_us: Option<Time>) -> Result<String, String> {
    use base64::Engine as _;
    let compressed = deflate_raw(json.as_bytes()).await?;
    let mut encoded = String::with_capacity(1 + compressed.len().div_ceil(3) * 4);
    encoded.push(share::FORMAT_VERSION);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(&compressed, &mut encoded);
    Ok(match time_us {
        Some(time_us) => format!("s={encoded}&t={}", share::format_time_ms(time_us)),
        None => format!("s={encoded}"),
    })
}

/// `bytes` compressed to raw DEFLATE by the browser's `CompressionStream("deflate-raw")`.
async fn deflate_raw(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let failed = |step: &'static str| {
        move |_: JsValue| format!("the browser could not compress the link ({step})")
    };
    let compressed = through_stream(bytes, "CompressionStream")
        .map_err(|(step, missing)| missing.unwrap_or_else(|| failed(step)(JsValue::NULL)))?;
    let response =
        js_sys::Reflect::construct(&constructor("Response")?, &js_sys::Array::of1(&compressed))
            .map_err(failed("response"))?;
    let buffer = call(&response, "arrayBuffer", &[])
        .and_then(|promise| promise.dyn_into::<js_sys::Promise>())
        .map_err(failed("read"))?;
    let buffer = wasm_bindgen_futures::JsFuture::from(buffer)
        .await
        .map_err(failed("read"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A stream of `bytes` piped through the browser's transform `transform` (e.g.
/// `CompressionStream`) made for raw DEFLATE. On failure, the step that failed, and the
/// reason when the browser has no such transform.
fn through_stream(
    bytes: &[u8],
    transform: &str,
) -> Result<JsValue, (&'static str, Option<String>)> {
    let transform = js_sys::Reflect::construct(
        &constructor(transform).map_err(|missing| ("deflate-raw", Some(missing)))?,
        &js_sys::Array::of1(&JsValue::from_str("deflate-raw")),
    )
    .map_err(|_| ("deflate-raw", None))?;
    let data = js_sys::Uint8Array::from(bytes);
    let blob = web_sys::Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&data))
        .map_err(|_| ("blob", None))?;
    let stream = call(&blob, "stream", &[]).map_err(|_| ("stream", None))?;
    call(&stream, "pipeThrough", &[transform]).map_err(|_| ("pipe", None))
}

/// The browser's global constructor `name`, or why there is none.
fn constructor(name: &str) -> Result<js_sys::Function, String> {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str(name))
        .ok()
        .and_then(|value| value.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| format!("this browser has no {name}, which share links need"))
}

/// Calls method `name` of `target` with `arguments`.
fn call(target: &JsValue, name: &str, arguments: &[JsValue]) -> Result<JsValue, JsValue> {
    let method: js_sys::Function =
        js_sys::Reflect::get(target, &JsValue::from_str(name))?.dyn_into()?;
    method.apply(target, &arguments.iter().collect::<js_sys::Array>())
}

/// The run's metrics as CSV: one `metric,value` row per scalar metric, by name.
pub fn metrics_csv(metrics: &netsplit_core::MetricsView) -> String {
    let mut csv = String::from("metric,value\n");
    for (name, value) in metrics.scalars() {
        // Metric names come from labs and message kinds; quote any that could break a row.
        if name.contains([',', '"', '\n']) {
            csv.push_str(&format!("\"{}\",{value}\n", name.replace('"', "\"\"")));
        } else {
            csv.push_str(&format!("{name},{value}\n"));
        }
    }
    csv
}

/// The page's address without its hash, e.g. `https://example.org/netsplit/index.html`.
pub fn page_address() -> String {
    web_sys::window()
        .and_then(|window| window.location().href().ok())
        .map(|href| href.split('#').next().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// Offers `contents` to the learner as a file download called `file_name`.
pub fn download_text(file_name: &str, mime: &str, contents: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(contents));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser could not make the file".to_string())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the browser could not make a download address".to_string())?;
    let result = download_url(file_name, &url);
    let _ = web_sys::Url::revoke_object_url(&url);
    result
}

fn download_url(file_name: &str, url: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("there is no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "the browser could not make a link")?
        .unchecked_into();
    anchor.set_href(url);
    anchor.set_download(file_name);
    anchor.click();
    Ok(())
}

/// The cluster view's `<svg>` as a standalone SVG document, or why not.
pub fn canvas_svg() -> Result<String, String> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("there is no document")?;
    let svg = document
        .query_selector(".canvas-wrap svg")
        .ok()
        .flatten()
        .ok_or("there is no canvas on this page")?;
    let markup = svg.outer_html();
    // Elements Yew creates with createElementNS serialize without the namespace
    // attribute, which a standalone .svg file needs.
    Ok(if markup.contains("xmlns=") {
        markup
    } else {
        markup.replacen("<svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"", 1)
    })
}

/// Draws the cluster view into a PNG (through an `<img>` of the SVG and a canvas)
/// and offers it as a download. The drawing finishes after the image loads.
pub fn download_canvas_png(file_name: &str) -> Result<(), String> {
    let svg = canvas_svg()?;
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("there is no document")?;
    let size = document
        .query_selector(".canvas-wrap svg")
        .ok()
        .flatten()
        .map(|element| element.get_bounding_client_rect())
        .map(|rect| (rect.width().max(1.0), rect.height().max(1.0)))
        .unwrap_or((800.0, 600.0));
    let parts = js_sys::Array::of1(&JsValue::from_str(&svg));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("image/svg+xml");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser could not make the image")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the browser could not make an image address")?;
    let image = web_sys::HtmlImageElement::new().map_err(|_| "no image support")?;
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|_| "no canvas support")?
        .unchecked_into();
    // Twice the on-screen size, so the picture stays sharp on high-density screens.
    canvas.set_width((size.0 * 2.0) as u32);
    canvas.set_height((size.1 * 2.0) as u32);
    let file_name = file_name.to_string();
    let loaded = image.clone();
    let onload = Closure::once_into_js(move || {
        let _ = draw_and_download(&canvas, &loaded, size, &file_name);
        let _ = web_sys::Url::revoke_object_url(&loaded.src());
    });
    image.set_onload(Some(onload.unchecked_ref()));
    image.set_src(&url);
    Ok(())
}

fn draw_and_download(
    canvas: &web_sys::HtmlCanvasElement,
    image: &web_sys::HtmlImageElement,
    size: (f64, f64),
    file_name: &str,
) -> Result<(), String> {
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .ok_or("no 2D canvas")?
        .unchecked_into();
    let _ = context.scale(2.0, 2.0);
    context
        .draw_image_with_html_image_element_and_dw_and_dh(image, 0.0, 0.0, size.0, size.1)
        .map_err(|_| "the image could not be drawn")?;
    let data_url = canvas
        .to_data_url_with_type("image/png")
        .map_err(|_| "the canvas could not be read")?;
    download_url(file_name, &data_url)
}

/// A scenario file the learner picked or dropped: its name and its text, for the page to
/// parse in its lab's format.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioFile {
    /// The file's name.
    pub name: String,
    /// Its contents.
    pub text: String,
}

impl ScenarioFile {
    /// The file's scenario read by `parse`, or a sentence naming the file and saying why it
    /// is not a valid scenario.
    pub fn parse<T, E: std::fmt::Display>(
        &self,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, String> {
        parse(&self.text).map_err(|error| format!("{} is not a valid scenario: {error}", self.name))
    }
}

/// Reads a scenario file the learner picked or dropped, and calls `on_done` with its text
/// or a sentence saying why it cannot be used.
pub fn read_scenario_file(
    file: web_sys::File,
    on_done: yew::Callback<Result<ScenarioFile, String>>,
) {
    // Refuse huge files before reading them into memory.
    let size = file.size();
    if size > netsplit_core::scenario::SCENARIO_BYTES_MAX as f64 {
        on_done.emit(Err(format!(
            "{} is {size} bytes; scenario files of at most {} bytes are accepted",
            file.name(),
            netsplit_core::scenario::SCENARIO_BYTES_MAX
        )));
        return;
    }
    let name = file.name();
    let on_error = on_done.clone();
    let error_name = name.clone();
    let on_text = Closure::once_into_js(move |text: JsValue| {
        let text = text.as_string().unwrap_or_default();
        on_done.emit(Ok(ScenarioFile { name, text }));
    });
    let on_failure = Closure::once_into_js(move |_: JsValue| {
        on_error.emit(Err(format!("{error_name} could not be read")));
    });
    when_settled(&file.text(), &on_text, &on_failure);
}

/// Copies `text` with the Clipboard API; calls `on_done` with whether it worked
/// (it fails without permission or outside a secure context, and the caller then
/// leaves the text selected for the learner to copy).
pub fn copy_text(text: &str, on_done: yew::Callback<bool>) {
    let Some(window) = web_sys::window() else {
        on_done.emit(false);
        return;
    };
    let clipboard = window.navigator().clipboard();
    // `navigator.clipboard` is undefined outside secure contexts.
    if JsValue::from(clipboard.clone()).is_undefined() {
        on_done.emit(false);
        return;
    }
    let on_failed = on_done.clone();
    let ok = Closure::once_into_js(move |_: JsValue| on_done.emit(true));
    let failed = Closure::once_into_js(move |_: JsValue| on_failed.emit(false));
    when_settled(&clipboard.write_text(text), &ok, &failed);
}

/// Brings a freshly built playground to where a share link or embed asks: runs it to
/// `time_us` (the sharer's moment), shows `notice`, and applies the embed's speed and
/// autoplay.
pub fn prepare(
    state: &mut crate::state::PlaygroundState,
    time_us: Option<Time>,
    notice: Option<String>,
    embed: &crate::embed::EmbedOptions,
) {
    if let Some(time_us) = time_us {
        state.run.borrow_mut().run_until(time_us);
    }
    state.notice = notice;
    if let Some(speed) = embed.speed {
        state.speed = speed;
    }
    state.playing = embed.autoplay;
}

/// Calls `promise.then(on_fulfilled, on_rejected)` with functions made by
/// `Closure::once_into_js`, which free themselves after their one call (the typed
/// `then` of js-sys wants closures the caller keeps alive instead).
fn when_settled(promise: &js_sys::Promise, on_fulfilled: &JsValue, on_rejected: &JsValue) {
    let then = js_sys::Reflect::get(promise, &JsValue::from_str("then"))
        .ok()
        .and_then(|then| then.dyn_into::<js_sys::Function>().ok());
    if let Some(then) = then {
        let _ = then.call2(promise, on_fulfilled, on_rejected);
    }
}
