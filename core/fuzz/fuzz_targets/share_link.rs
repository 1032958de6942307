//! Fuzzes the share-link decoder (`netsplit_core::share`): version character, base64url,
//! bounded DEFLATE, then the scenario parser and validator. Any panic is a bug: a broken
//! link must come back as a `ShareError` saying what is wrong. Whatever decodes must
//! validate and encode again to a link that decodes to the same scenario.
//!
//! Run from `core/fuzz` with a nightly toolchain:
//! `mkdir -p corpus/share_link && cargo +nightly fuzz run share_link corpus/share_link -- -max_total_time=300`
#![no_main]

use libfuzzer_sys::fuzz_target;
use netsplit_core::share;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = share::parse_link_query(text);
    if let Ok(scenario) = share::decode(text) {
        assert!(scenario.validate().is_ok(), "a decoded scenario validates");
        let again = share::decode(&share::encode(&scenario)).expect("a re-encoded link decodes");
        assert_eq!(again, scenario, "encoding is the inverse of decoding");
    }
});
