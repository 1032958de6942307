//! Share links: a [`Scenario`] as a short URL-safe string, and back.
//!
//! A run in Netsplit is fully described by its scenario: the lab, its parameters,
//! the seed, and every action the learner took with its time (a
//! [`crate::LabRun::scenario`] records them in the timeline). So a link that carries
//! the scenario and a time reproduces the exact run, down to its fingerprint.
//!
//! The encoding is `<version><payload>`: one version character, then the
//! scenario's compact JSON compressed with raw DEFLATE and written in base64url
//! without padding, which needs no escaping in a URL's query or fragment. The
//! version character lets the format grow (a new compressor, a binary layout)
//! while links already shared keep working: the decoder reads every version it
//! has ever written. Only [`FORMAT_VERSION`] exists so far.
//!
//! Decoding treats its input as hostile. The encoded length and the decompressed
//! size are bounded up front ([`ENCODED_CHARS_MAX`], [`DECOMPRESSED_BYTES_MAX`]),
//! so a small link cannot expand into gigabytes (a "zip bomb"), and every failure
//! is a [`ShareError`] saying what is wrong in words a learner can act on. Nothing
//! here panics on any input.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use miniz_oxide::inflate::TINFLStatus;

use crate::lab::LabRun;
use crate::protocol::{MICROS_PER_MS, Time};
use crate::scenario::{Scenario, ScenarioError, TIME_MS_MAX};

/// The version character every link written by this build starts with.
pub const FORMAT_VERSION: char = '1';

/// Every version character this build can read, oldest first.
pub const FORMAT_VERSIONS_READ: &[char] = &[FORMAT_VERSION];

/// The longest encoded scenario accepted, in characters. Browsers keep URLs of a
/// few hundred kilobytes, and a learner's run with thousands of actions
/// compresses to far less than this.
pub const ENCODED_CHARS_MAX: usize = 256 * 1024;

/// The most bytes the decompressed JSON may have (1 MiB). Decompression stops
/// as soon as the output would grow past it.
pub const DECOMPRESSED_BYTES_MAX: usize = 1024 * 1024;

/// The DEFLATE level used for links: the strongest, since scenarios are small and
/// a shorter link is worth the few extra microseconds.
const COMPRESSION_LEVEL: u8 = 10;

/// Why a share link could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    /// The link carries no scenario at all.
    #[error("the share link is empty: it carries no scenario")]
    Empty,
    /// The encoded scenario is longer than [`ENCODED_CHARS_MAX`].
    #[error("the share link is {length} characters long; at most {ENCODED_CHARS_MAX} are accepted")]
    TooLong {
        /// How many characters the encoded scenario has.
        length: usize,
    },
    /// The first character is not a version this build reads.
    #[error(
        "the share link has format version {found:?}, which this version of Netsplit cannot read \
         (it reads {known}); it may come from a newer Netsplit"
    )]
    UnknownVersion {
        /// The version character found.
        found: char,
        /// The versions this build reads, comma-separated.
        known: String,
    },
    /// A character outside base64url, or a length no base64 text can have.
    #[error("the share link is corrupted: {reason}")]
    NotBase64 {
        /// What is wrong, with the position of the bad character.
        reason: String,
    },
    /// The compressed data ends too early: the link was cut short, often by copying
    /// only part of it.
    #[error("the share link is truncated: it ends before the scenario does; copy the whole link")]
    Truncated,
    /// The compressed data is not valid DEFLATE, or decompresses to something that
    /// is not UTF-8 text.
    #[error("the share link is corrupted: {reason}")]
    Corrupted {
        /// What the decompressor or the text check reported.
        reason: String,
    },
    /// The scenario would decompress to more than [`DECOMPRESSED_BYTES_MAX`] bytes.
    #[error(
        "the share link's scenario is larger than {DECOMPRESSED_BYTES_MAX} bytes once \
         decompressed; it is refused"
    )]
    Oversized,
    /// The browser lacks what opening a link needs (the web app inflates links with
    /// the browser's `DecompressionStream`).
    #[error("this browser cannot open share links: {0}")]
    Browser(String),
    /// The text decompressed, but it is not a valid scenario.
    #[error("the share link's scenario is invalid: {0}")]
    Scenario(#[from] ScenarioError),
    /// A query parameter of the link is malformed.
    #[error("the share link's {field} parameter is invalid: {reason}")]
    Parameter {
        /// The parameter's name, e.g. `t`.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

/// Encodes `scenario` as `<version><base64url of deflated compact JSON>`.
pub fn encode(scenario: &Scenario) -> String {
    // Compact JSON: the pretty form's whitespace would only cost compression work.
    encode_json(&serde_json::to_string(scenario).unwrap_or_default())
}

/// Encodes any JSON text as [`encode`] encodes a scenario: a lab with a scenario format of
/// its own (the hashing lab's) shares through the same links, and its page checks what
/// [`decode_to_json`] gives back with its own parser.
pub fn encode_json(json: &str) -> String {
    let compressed = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), COMPRESSION_LEVEL);
    let mut encoded = String::with_capacity(1 + compressed.len().div_ceil(3) * 4);
    encoded.push(FORMAT_VERSION);
    URL_SAFE_NO_PAD.encode_string(&compressed, &mut encoded);
    encoded
}

/// Decodes a string written by [`encode`] (of this or an earlier format version)
/// into a validated scenario.
pub fn decode(encoded: &str) -> Result<Scenario, ShareError> {
    let json = decode_to_json(encoded)?;
    Ok(Scenario::parse(&json)?)
}

/// Decodes a string written by [`encode`] into the scenario's JSON text, without
/// parsing it. The text is at most [`DECOMPRESSED_BYTES_MAX`] bytes.
pub fn decode_to_json(encoded: &str) -> Result<String, ShareError> {
    let deflated = deflated_payload(encoded)?;
    let json =
        miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, DECOMPRESSED_BYTES_MAX)
            .map_err(|error| match error.status {
                TINFLStatus::HasMoreOutput => ShareError::Oversized,
                TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                    ShareError::Truncated
                }
                status => ShareError::Corrupted {
                    reason: format!("the compressed data is not valid DEFLATE ({status:?})"),
                },
            })?;
    inflated_text(json)
}

/// The first step of decoding: checks the length and the version of a string written
/// by [`encode`] and returns its payload, the raw DEFLATE bytes of the scenario's JSON
/// (every version read so far compresses that way). A caller with a decompressor of
/// its own (the browser's) inflates them, at most [`DECOMPRESSED_BYTES_MAX`] bytes,
/// and finishes with [`inflated_text`]; [`decode_to_json`] does all three here.
pub fn deflated_payload(encoded: &str) -> Result<Vec<u8>, ShareError> {
    // Links pasted from chat often carry stray spaces or line breaks at the ends.
    let encoded = encoded.trim();
    let length = encoded.chars().count();
    if length == 0 {
        return Err(ShareError::Empty);
    }
    if length > ENCODED_CHARS_MAX {
        return Err(ShareError::TooLong { length });
    }
    let mut chars = encoded.chars();
    let version = chars.next().ok_or(ShareError::Empty)?;
    let payload = chars.as_str();
    match version {
        FORMAT_VERSION => decode_base64(payload),
        found => Err(ShareError::UnknownVersion {
            found,
            known: FORMAT_VERSIONS_READ
                .iter()
                .map(char::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

fn decode_base64(payload: &str) -> Result<Vec<u8>, ShareError> {
    if payload.is_empty() {
        return Err(ShareError::Truncated);
    }
    URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|error| match error {
            // A base64 text whose length leaves one stray character, or whose last
            // character has bits set that a complete encoding never sets, was almost
            // always cut short while copying.
            base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidLastSymbol(..) => {
                ShareError::Truncated
            }
            base64::DecodeError::InvalidByte(offset, byte) => ShareError::NotBase64 {
                reason: format!(
                    "character {} ({:?}) is not a base64url character",
                    offset + 2,
                    char::from(byte)
                ),
            },
            other => ShareError::NotBase64 {
                reason: other.to_string(),
            },
        })
}

/// The last step of decoding: the inflated payload as the scenario's JSON text, or
/// why it is not text.
pub fn inflated_text(inflated: Vec<u8>) -> Result<String, ShareError> {
    String::from_utf8(inflated).map_err(|error| ShareError::Corrupted {
        reason: format!(
            "the decompressed scenario is not UTF-8 text (bad byte at {})",
            error.utf8_error().valid_up_to()
        ),
    })
}

/// A decoded share link's query: the scenario and where the sharer was in it.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedRun {
    /// The scenario, validated.
    pub scenario: Scenario,
    /// The virtual time the sharer was at, in microseconds, if the link says.
    pub time_us: Option<Time>,
}

/// The query part of a share link, `s=<encoded>&t=<ms>`, without the `?`. The
/// time is in milliseconds with up to three decimals, so it keeps the run's
/// microseconds.
pub fn link_query(scenario: &Scenario, time_us: Time) -> String {
    format!("s={}&t={}", encode(scenario), format_time_ms(time_us))
}

/// A time in microseconds as milliseconds with the fewest decimals that keep it exact.
pub fn format_time_ms(time_us: Time) -> String {
    let whole = time_us / MICROS_PER_MS;
    let fraction = time_us % MICROS_PER_MS;
    if fraction == 0 {
        whole.to_string()
    } else {
        let digits = format!("{fraction:03}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// Reads a time in milliseconds with at most three decimals (`"1500"`,
/// `"1500.25"`) into microseconds, no later than [`TIME_MS_MAX`].
pub fn parse_time_ms(text: &str) -> Result<Time, String> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits_only = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) || fraction.len() > 3 {
        return Err(format!(
            "expected milliseconds such as 1500 or 1500.25 (at most three decimals), got {text:?}"
        ));
    }
    let whole: u64 = whole
        .parse()
        .map_err(|_| format!("{text:?} is too large a number of milliseconds"))?;
    if whole > TIME_MS_MAX {
        return Err(format!(
            "must be at most {TIME_MS_MAX} milliseconds, got {whole}"
        ));
    }
    let fraction_us = if fraction.is_empty() {
        0
    } else {
        // "25" means 0.25 ms = 250 µs: pad to three digits before reading.
        format!("{fraction:0<3}").parse::<u64>().unwrap_or(0)
    };
    Ok(whole * MICROS_PER_MS + fraction_us)
}

/// Reads a share link's query (`s=<encoded>&t=<ms>`, with or without
/// a leading `?`). Unknown parameters are ignored so that later versions can add
/// some; a missing `s` is [`ShareError::Empty`].
pub fn parse_link_query(query: &str) -> Result<SharedRun, ShareError> {
    let link = read_link_query(query)?;
    Ok(SharedRun {
        scenario: decode(link.encoded)?,
        time_us: link.time_us,
    })
}

/// A share link's query, read but not decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkQuery<'a> {
    /// The encoded scenario (`s`), as [`encode`] writes it.
    pub encoded: &'a str,
    /// The time (`t`) in microseconds, if the link says.
    pub time_us: Option<Time>,
}

/// Reads the parameters of a share link's query as [`parse_link_query`] does, leaving
/// the scenario encoded.
pub fn read_link_query(query: &str) -> Result<LinkQuery<'_>, ShareError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut encoded = None;
    let mut time_us = None;
    // Bounded by the query's length: `split` yields at most one item per `&` plus one.
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "s" => encoded = Some(value),
            "t" => {
                time_us = Some(
                    parse_time_ms(value)
                        .map_err(|reason| ShareError::Parameter { field: "t", reason })?,
                );
            }
            _ => {}
        }
    }
    Ok(LinkQuery {
        encoded: encoded.ok_or(ShareError::Empty)?,
        time_us,
    })
}

/// Builds the run a share link describes and runs it to the link's time (every
/// event before it, as playing and seeking do), bounded by the scenario's limits.
/// Without a time the run stays at its start.
pub fn replay(shared: &SharedRun) -> Result<Box<dyn LabRun>, ShareError> {
    let mut run = crate::catalogue::build(&shared.scenario)?;
    if let Some(time_us) = shared.time_us {
        run.run_until(time_us);
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Action;
    use crate::scenario::TimelineEntry;
    use proptest::prelude::*;

    fn preset(name: &str) -> Scenario {
        Scenario::parse(crate::presets::get(name).expect("the preset exists")).expect("it parses")
    }

    fn proptest_config(cases: u32) -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(cases);
        ProptestConfig::with_cases(cases)
    }

    #[test]
    fn every_preset_survives_an_encode_decode_round_trip() {
        let mut checked = 0;
        for (name, text) in crate::presets::all() {
            // The hashing lab's presets use that lab's own format, not a scenario.
            let Ok(scenario) = Scenario::parse(text) else {
                continue;
            };
            checked += 1;
            let encoded = encode(&scenario);
            assert_eq!(decode(&encoded).as_ref(), Ok(&scenario), "preset {name}");
        }
        assert!(checked >= 20, "only {checked} presets are scenarios");
    }

    #[test]
    fn an_encoded_link_starts_with_the_version_and_uses_only_url_safe_characters() {
        let encoded = encode(&preset("raft-leader-crash"));
        assert!(encoded.starts_with(FORMAT_VERSION));
        assert!(
            encoded
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{encoded}"
        );
    }

    #[test]
    fn an_encoded_preset_is_shorter_than_its_json() {
        let scenario = preset("raft-figure-8");
        let json = serde_json::to_string(&scenario).expect("serializes");
        assert!(encode(&scenario).len() < json.len());
    }

    #[test]
    fn a_run_with_actions_replays_to_the_same_fingerprint_after_a_round_trip() {
        let mut run = crate::build(&preset("raft-steady-state")).expect("builds");
        run.run_until(300_000);
        run.apply(Action::Crash { node: 1 }).expect("crash applies");
        run.run_until(700_000);
        run.apply(Action::Restart { node: 1 })
            .expect("restart applies");
        // A time between whole milliseconds, as a playing page reaches, must survive the link.
        run.run_until(1_200_375);
        let query = link_query(&run.scenario(), run.now());
        assert!(query.ends_with("&t=1200.375"), "{query}");
        let shared = parse_link_query(&query).expect("decodes");
        let replayed = replay(&shared).expect("builds");
        assert_eq!(replayed.now(), run.now());
        assert_eq!(replayed.trace_hash(), run.trace_hash());
    }

    #[test]
    fn an_empty_link_is_refused_as_empty() {
        assert_eq!(decode(""), Err(ShareError::Empty));
        assert_eq!(decode("  \n"), Err(ShareError::Empty));
        assert_eq!(parse_link_query("t=5"), Err(ShareError::Empty));
    }

    #[test]
    fn a_link_of_an_unknown_version_names_the_version() {
        let encoded = encode(&preset("broadcast-basic"));
        let newer = format!("9{}", &encoded[1..]);
        let error = decode(&newer).expect_err("refused");
        assert!(matches!(
            error,
            ShareError::UnknownVersion { found: '9', .. }
        ));
        assert!(error.to_string().contains("newer Netsplit"), "{error}");
    }

    #[test]
    fn a_truncated_link_is_reported_as_truncated() {
        let encoded = encode(&preset("raft-leader-crash"));
        // Every cut shorter than the whole must fail, and none may panic.
        for cut in 1..encoded.len() {
            let error = decode(&encoded[..cut]).expect_err("a cut link is refused");
            assert!(
                matches!(
                    error,
                    ShareError::Truncated | ShareError::Corrupted { .. } | ShareError::Scenario(_)
                ),
                "cut at {cut}: {error:?}"
            );
        }
        let half = &encoded[..encoded.len() / 2];
        assert_eq!(decode(half), Err(ShareError::Truncated));
    }

    #[test]
    fn a_link_with_a_character_outside_base64url_is_reported_with_its_position() {
        let encoded = encode(&preset("broadcast-basic"));
        let broken = format!("{}+{}", &encoded[..5], &encoded[6..]);
        let error = decode(&broken).expect_err("refused");
        assert!(matches!(error, ShareError::NotBase64 { .. }), "{error:?}");
        assert!(error.to_string().contains("character 6"), "{error}");
    }

    #[test]
    fn a_link_that_decompresses_past_the_bound_is_refused_as_oversized() {
        // Two megabytes of spaces compress to a couple of kilobytes: a small "zip bomb".
        let bomb = vec![b' '; 2 * DECOMPRESSED_BYTES_MAX];
        let compressed = miniz_oxide::deflate::compress_to_vec(&bomb, 10);
        let encoded = format!("{FORMAT_VERSION}{}", URL_SAFE_NO_PAD.encode(compressed));
        assert!(encoded.len() < ENCODED_CHARS_MAX);
        assert_eq!(decode(&encoded), Err(ShareError::Oversized));
    }

    #[test]
    fn a_link_longer_than_the_bound_is_refused_before_decoding() {
        let long = format!("1{}", "A".repeat(ENCODED_CHARS_MAX));
        assert_eq!(
            decode(&long),
            Err(ShareError::TooLong {
                length: ENCODED_CHARS_MAX + 1
            })
        );
    }

    #[test]
    fn a_link_whose_json_is_not_a_valid_scenario_names_the_field() {
        let mut scenario = preset("broadcast-basic");
        scenario.network.loss_probability = 1.5;
        let error = decode(&encode(&scenario)).expect_err("refused");
        assert!(error.to_string().contains("loss_probability"), "{error}");
    }

    #[test]
    fn a_malformed_time_parameter_is_named() {
        let query = link_query(&preset("broadcast-basic"), 10_000);
        let broken = query.replace("t=10", "t=ten");
        let error = parse_link_query(&broken).expect_err("refused");
        assert!(matches!(error, ShareError::Parameter { field: "t", .. }));
    }

    #[test]
    fn unknown_query_parameters_are_ignored_so_later_versions_can_add_some() {
        let scenario = preset("broadcast-basic");
        let query = format!("?future=1&{}", link_query(&scenario, 42_000));
        let shared = parse_link_query(&query).expect("decodes");
        assert_eq!(shared.scenario, scenario);
        assert_eq!(shared.time_us, Some(42_000));
    }

    #[test]
    fn a_link_time_keeps_microseconds_as_millisecond_decimals() {
        assert_eq!(format_time_ms(1_500_000), "1500");
        assert_eq!(format_time_ms(1_500_250), "1500.25");
        assert_eq!(format_time_ms(7), "0.007");
        assert_eq!(parse_time_ms("1500.25"), Ok(1_500_250));
        assert_eq!(parse_time_ms("0.007"), Ok(7));
        assert!(parse_time_ms("1.2345").is_err());
        assert!(parse_time_ms("-1").is_err());
        assert!(parse_time_ms(".5").is_err());
        assert!(parse_time_ms("99999999999999999999999").is_err());
    }

    fn arbitrary_timeline() -> impl Strategy<Value = Vec<TimelineEntry>> {
        let action = prop_oneof![
            (0u32..5).prop_map(|node| Action::Crash { node }),
            (0u32..5).prop_map(|node| Action::Restart { node }),
        ];
        prop::collection::vec((0u64..10_000, action), 0..30).prop_map(|entries| {
            let mut entries: Vec<TimelineEntry> = entries
                .into_iter()
                .map(|(time_ms, action)| TimelineEntry::at(time_ms * 1_000, action))
                .collect();
            entries.sort_by_key(TimelineEntry::time);
            entries
        })
    }

    proptest! {
        #![proptest_config(proptest_config(64))]

        #[test]
        fn any_scenario_round_trips_through_a_link(
            seed in any::<u64>(),
            nodes in 1u32..10,
            loss in 0.0f64..1.0,
            title in proptest::option::of("\\PC{0,40}"),
            timeline in arbitrary_timeline(),
            time_us in 0u64..1_000_000_000,
        ) {
            let mut scenario = preset("broadcast-basic");
            scenario.seed = seed;
            scenario.nodes = nodes;
            scenario.network.loss_probability = loss;
            scenario.title = title;
            scenario.timeline = timeline;
            let query = link_query(&scenario, time_us);
            let shared = parse_link_query(&query);
            // The scenario may be invalid (a crash of node 7 in a 3-node cluster);
            // then the decoder must say so, never return something else.
            match scenario.validate() {
                Ok(()) => {
                    let shared = shared.expect("a valid scenario decodes");
                    prop_assert_eq!(shared.scenario, scenario);
                    prop_assert_eq!(shared.time_us, Some(time_us));
                }
                Err(error) => prop_assert_eq!(shared, Err(ShareError::Scenario(error))),
            }
        }

        #[test]
        fn arbitrary_text_never_panics_the_decoder(text in "\\PC{0,300}") {
            let _ = decode(&text);
            let _ = parse_link_query(&text);
        }

        #[test]
        fn arbitrary_base64url_after_the_version_never_panics_the_decoder(
            text in "[A-Za-z0-9_-]{0,400}",
        ) {
            // Whatever the payload, the answer is an error or a scenario that validates.
            if let Ok(scenario) = decode(&format!("{FORMAT_VERSION}{text}")) {
                prop_assert!(scenario.validate().is_ok());
            }
        }

        #[test]
        fn a_flipped_character_in_a_valid_link_is_refused_or_decodes_to_a_valid_scenario(
            position in 1usize..200,
            replacement in "[A-Za-z0-9_-]",
        ) {
            let encoded = encode(&preset("raft-leader-crash"));
            let position = position % encoded.len().max(2);
            let position = position.max(1);
            let mut broken = String::from(&encoded[..position]);
            broken.push_str(&replacement);
            broken.push_str(&encoded[position + 1..]);
            // Raw DEFLATE has no checksum, so a flipped bit may still decode; then
            // the result must pass validation like any other scenario.
            if let Ok(scenario) = decode(&broken) {
                prop_assert!(scenario.validate().is_ok());
            }
        }
    }
}
