//! Typed numbers read by the browser read as the standard library reads them.

use netsplit_web::number::parse_decimal;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn every_decimal_spelling_reads_as_the_standard_parser_reads_it() {
    let signs = ["", "-", "+"];
    let wholes = [
        "",
        "0",
        "00",
        "7",
        "007",
        "42",
        "123456789012345678901234567890",
    ];
    let fractions = [
        "",
        ".",
        ".0",
        ".5",
        ".25",
        ".1000000000000000055511151231257827",
    ];
    let exponents = ["", "e0", "e3", "E-2", "e+8", "e-320", "e308"];
    let mut checked = 0;
    for sign in signs {
        for whole in wholes {
            for fraction in fractions {
                for exponent in exponents {
                    let text = format!("{sign}{whole}{fraction}{exponent}");
                    let expected = text.parse::<f64>().ok().filter(|value| value.is_finite());
                    assert_eq!(parse_decimal(&text), expected, "{text:?}");
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 3 * 7 * 6 * 7);
}

#[wasm_bindgen_test]
fn blanks_around_a_number_are_ignored_and_anything_else_is_refused() {
    assert_eq!(parse_decimal("  12.5 "), Some(12.5));
    assert_eq!(parse_decimal("0.1"), Some(0.1));
    for text in [
        "", " ", ".", "-", "+", "e5", "1e", "1e+", "1.2.3", "1,5", "12 5", "0x10", "inf", "-inf",
        "NaN", "infinity", "1e999", "--1", "+-1", "1_000", "٣",
    ] {
        assert_eq!(parse_decimal(text), None, "{text:?}");
    }
}
