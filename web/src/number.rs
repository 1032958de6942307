//! Numbers typed by the learner (or put in the page's query), read by the browser.
//!
//! The browser already reads numbers, correctly rounded as the standard requires, so the
//! bundles carry no float parser of their own for it (`str::parse::<f64>` brings 10 KB of
//! tables). Its grammar is wider than any field means, so what it would read that the
//! standard library would not is refused first: blanks (which it reads as 0), hexadecimal,
//! binary and octal, and the infinities.

/// The number `text` spells, as `str::parse::<f64>` reads decimal notation: an optional sign,
/// digits with at most one decimal point (`.5` and `5.` included), and an optional exponent,
/// with blanks around it ignored. `None` for anything else, including `inf` and `NaN`, which
/// no field of the app accepts, and for numbers too large for an f64.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    let decimal_characters = text
        .bytes()
        .all(|byte| byte.is_ascii_digit() || b"+-.eE".contains(&byte));
    if text.is_empty() || !decimal_characters {
        return None;
    }
    // `new Number(text)`: the browser's own reading, NaN for what is not a number.
    let value = text.parse::<js_sys::Number>().ok()?.value_of();
    value.is_finite().then_some(value)
}
