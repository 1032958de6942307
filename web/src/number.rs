//! Numbers typed by the learner (or put in the page's query), read without the standard
//! library's float parser.
//!
//! `str::parse::<f64>` brings its own tables (10 KB of powers of five) and code into every
//! bundle. Short numbers, which is what people type, are read exactly with one IEEE
//! operation (Clinger's fast path: at most 15 digits times or divided by an exactly
//! representable power of ten rounds once, correctly). Longer ones are rewritten into JSON's
//! number grammar and read by serde_json's exact parser, which the labs carry anyway.

/// Powers of ten that are exact in an f64 (10^22 is the largest).
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Decimal notation taken apart: the sign, the digits before and after the point, and the
/// exponent's text (with its `e`), or `None` if `text` is not decimal notation.
struct Decimal<'a> {
    negative: bool,
    whole: &'a str,
    fraction: &'a str,
    exponent: &'a str,
}

fn split(text: &str) -> Option<Decimal<'_>> {
    let text = text.trim();
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], &unsigned[at..]),
        None => (unsigned, ""),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    Some(Decimal {
        negative,
        whole: whole.trim_start_matches('0'),
        fraction,
        exponent,
    })
}

/// The number `text` spells if it is short (at most 15 significant digits, and a power of
/// ten within 10^±22 after moving the point), read exactly as `str::parse::<f64>` reads it;
/// `None` for longer numbers and for anything that is not decimal notation. Needs no float
/// parser at all: the page query's `speed=` uses it.
pub fn parse_short_decimal(text: &str) -> Option<f64> {
    let decimal = split(text)?;
    let exponent: i32 = match decimal.exponent {
        "" => 0,
        spelled => {
            let digits = spelled[1..].strip_prefix('+').unwrap_or(&spelled[1..]);
            let (negative, digits) = match digits.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, digits),
            };
            if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            let magnitude: i32 = digits.parse().ok()?;
            if negative { -magnitude } else { magnitude }
        }
    };
    let fraction = decimal.fraction.trim_end_matches('0');
    let mut significant = String::with_capacity(decimal.whole.len() + fraction.len());
    significant.push_str(decimal.whole);
    significant.push_str(fraction);
    let significant = significant.trim_start_matches('0');
    let scale = exponent - fraction.len() as i32;
    let value = if significant.is_empty() {
        0.0
    } else {
        if significant.len() > 15 {
            return None;
        }
        // At most 15 digits: below 2^53, so exact as an f64.
        let mantissa = significant.parse::<u64>().ok()? as f64;
        let power = *EXACT_POWERS_OF_TEN.get(scale.unsigned_abs() as usize)?;
        if scale >= 0 {
            mantissa * power
        } else {
            mantissa / power
        }
    };
    Some(if decimal.negative { -value } else { value })
}

/// The number `text` spells, as `str::parse::<f64>` reads decimal notation: an optional sign,
/// digits with at most one decimal point (`.5` and `5.` included), and an optional exponent,
/// with blanks around it ignored. `None` for anything else, including `inf` and `NaN`, which
/// no field of the app accepts, and for numbers too large for an f64.
pub fn parse_decimal(text: &str) -> Option<f64> {
    if let Some(value) = parse_short_decimal(text) {
        return Some(value);
    }
    let decimal = split(text)?;
    let mut json = String::with_capacity(text.len() + 2);
    if decimal.negative {
        json.push('-');
    }
    json.push_str(if decimal.whole.is_empty() {
        "0"
    } else {
        decimal.whole
    });
    if !decimal.fraction.is_empty() {
        json.push('.');
        json.push_str(decimal.fraction);
    }
    // serde_json checks the exponent's own grammar (`e`, an optional sign, digits).
    json.push_str(decimal.exponent);
    serde_json::from_str::<f64>(&json)
        .ok()
        .filter(|value| value.is_finite())
}
