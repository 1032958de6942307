//! Names the field of a JSON text that a `serde_json` error is about.
//!
//! Scenario errors read `params.nodes: invalid type: string "three", expected u32`:
//! the path of the offending field, then serde's reason. A deserializer wrapper that
//! tracks the path while decoding (such as `serde_path_to_error`) would have to be
//! compiled once more for every type it decodes, which costs the browser build tens of
//! kilobytes. This module finds the same path afterwards instead, and only when decoding
//! failed: `serde_json` reports the line and column where it stopped, and [`locate`]
//! scans the text up to that place, pushing object keys and array indices as it enters
//! values and popping them as it leaves, so it knows which value the place lies in.
//!
//! The place `serde_json` reports is the byte after the last one it read, so the path is
//! that of the value holding the last byte read. For a wrong type, a number out of range
//! or an unknown variant that is the offending value's own last byte; for an unknown or
//! duplicate field, the key's closing quote; for a missing field, the closing brace of
//! the object that lacks it; for a syntax error, the offending byte, which names the
//! value that could not be read or the object or array whose punctuation is broken.
//! Some errors are placed elsewhere, and the scan corrects for them:
//! - A wrong type where an object or array was not wanted is reported before its
//!   opening bracket is read; the bracket is what the message is about.
//! - A value that serde decodes only after reading it whole (an internally tagged enum
//!   such as an action or a latency) has its error placed by the enclosing object or
//!   array once that has read on: after the whitespace or comma that follow the value,
//!   or after the enclosing closing bracket. The path is the value's.
//! - An unknown variant of an externally tagged enum (`{"stedy": {...}}`) is reported
//!   at its key, which names no field: the path is the enum's own. A variant that needs
//!   data but is given as a bare string (`"add"`) is named after the enum's path, as the
//!   object form `{"add": ...}` would name it.
//! - At the end of the text, the path is the value that was being read if the text
//!   stopped inside it (a string, `tru`, `1.`, after a colon), and otherwise the
//!   enclosing object or array that was left unfinished.
//!
//! One case cannot be told apart by position: a missing field inside an internally
//! tagged enum that is the last member of its object is placed exactly where a missing
//! field of that object would be. The path then names the enclosing object (e.g.
//! `timeline[2]` rather than `timeline[2].action`), which holds the fault either way.
//!
//! Paths are written as `serde_path_to_error` wrote them: keys joined by `.`, array
//! indices as `[2]` without a dot, and `.` alone for the whole text.

/// Where the scan is inside one open value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Inside an object, where a key or the closing brace is expected.
    BeforeKey,
    /// Inside a key's string.
    InKey,
    /// After a key, where the colon is expected.
    AfterKey,
    /// Where a value is expected: after a colon, after `[` or a comma in an array, or
    /// at the start of the text.
    BeforeValue,
    /// Inside a string value.
    InString,
    /// Inside a number or a literal (`true`, `false`, `null`).
    InScalar(Scalar),
    /// Inside an object or array that is a member of this one.
    InChild,
    /// After a complete value, where a comma or a closing bracket is expected.
    AfterValue,
}

/// How far a number or literal has been read, following JSON's grammar, so the scan
/// knows the byte where `serde_json` stopped reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    /// `true`, `false` or `null`, with how many of its bytes have been read.
    Literal(&'static [u8], usize),
    /// A number after its minus sign.
    Minus,
    /// A number whose integer part is a single zero.
    Zero,
    /// A number in its integer digits.
    Integer,
    /// A number right after its decimal point.
    Point,
    /// A number in its fraction digits.
    Fraction,
    /// A number right after its `e`.
    Exponent,
    /// A number right after its exponent's sign.
    ExponentSign,
    /// A number in its exponent digits.
    ExponentDigits,
    /// Something no JSON value starts with.
    Broken,
}

impl Scalar {
    /// The scalar a value starting with `byte` is, if it is one.
    fn start(byte: u8) -> Option<Scalar> {
        Some(match byte {
            b't' => Scalar::Literal(b"true", 1),
            b'f' => Scalar::Literal(b"false", 1),
            b'n' => Scalar::Literal(b"null", 1),
            b'-' => Scalar::Minus,
            b'0' => Scalar::Zero,
            b'1'..=b'9' => Scalar::Integer,
            _ => return None,
        })
    }

    /// The scalar after `byte`, or `None` if `byte` is not part of it. A byte that
    /// breaks an unfinished scalar is part of it, since the error is about the value.
    fn next(self, byte: u8) -> Option<Scalar> {
        let digit = byte.is_ascii_digit();
        Some(match (self, byte) {
            (Scalar::Literal(word, read), _) if read < word.len() => {
                if word[read] == byte {
                    Scalar::Literal(word, read + 1)
                } else {
                    Scalar::Broken
                }
            }
            (Scalar::Minus, b'0') => Scalar::Zero,
            (Scalar::Minus, _) if digit => Scalar::Integer,
            // `serde_json` refuses a digit after a leading zero as an invalid number.
            (Scalar::Zero, _) if digit => Scalar::Broken,
            (Scalar::Integer, _) if digit => Scalar::Integer,
            (Scalar::Zero | Scalar::Integer, b'.') => Scalar::Point,
            (Scalar::Zero | Scalar::Integer | Scalar::Fraction, b'e' | b'E') => Scalar::Exponent,
            (Scalar::Point | Scalar::Fraction, _) if digit => Scalar::Fraction,
            (Scalar::Exponent, b'+' | b'-') => Scalar::ExponentSign,
            (Scalar::Exponent | Scalar::ExponentSign | Scalar::ExponentDigits, _) if digit => {
                Scalar::ExponentDigits
            }
            (Scalar::Minus | Scalar::Point | Scalar::Exponent | Scalar::ExponentSign, _) => {
                Scalar::Broken
            }
            _ => return None,
        })
    }

    /// Whether the bytes read so far are a whole value.
    fn is_complete(self) -> bool {
        match self {
            Scalar::Literal(word, read) => read == word.len(),
            Scalar::Zero | Scalar::Integer | Scalar::Fraction | Scalar::ExponentDigits => true,
            _ => false,
        }
    }
}

/// What kind of value the last complete member or element of a frame was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    /// A number or literal.
    Scalar,
    /// A string.
    String,
    /// An object or array.
    Container,
}

/// What kind of value a frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The whole text, which has no key or index of its own.
    Top,
    /// An object; its current member is named by `Frame::key`.
    Object,
    /// An array; its current element is `Frame::index`.
    Array,
}

/// One open value on the way from the top of the text to the scan's position.
#[derive(Debug)]
struct Frame {
    kind: Kind,
    place: Place,
    /// The current member's key, decoded, once its closing quote has been read.
    key: Option<String>,
    /// The current element's index.
    index: usize,
    /// What the last complete member or element was.
    last: Last,
}

impl Frame {
    fn new(kind: Kind) -> Self {
        Frame {
            kind,
            place: if kind == Kind::Object {
                Place::BeforeKey
            } else {
                Place::BeforeValue
            },
            key: None,
            index: 0,
            last: Last::Scalar,
        }
    }
}

/// Who a byte belongs to: the innermost open value itself, or its current member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// The innermost open object or array (or the whole text).
    Container,
    /// The innermost open value's current member or element.
    Member,
    /// The element before the innermost array's current one.
    PreviousElement,
    /// The value that holds the innermost open value.
    Parent,
}

/// What kind of error the scan is placing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The text is not JSON.
    Syntax,
    /// A value does not fit the type, raised where `serde_json` stopped reading it.
    Data,
    /// A value does not fit the type, raised by the object or array that `serde_json`
    /// has just closed (a missing field, too few elements) or by its last member.
    DataAtClose,
}

/// A pass over JSON text that keeps the stack of open values. It accepts any bytes:
/// what is not JSON is skipped, so it never fails and never panics.
#[derive(Debug)]
struct Scanner {
    /// Never empty: the first frame is the top of the text.
    frames: Vec<Frame>,
    /// The previous byte inside a string was an unescaped backslash.
    escaped: bool,
    /// How many bytes of a `\u` escape's four hex digits are still to come. `serde_json`
    /// reads all four before it checks them, so none of them can end the string.
    hex_digits_left: u8,
    /// The raw bytes of the string (key or value) being read, escapes still undecoded.
    string_bytes: Vec<u8>,
}

impl Scanner {
    fn new() -> Self {
        Scanner {
            frames: vec![Frame::new(Kind::Top)],
            escaped: false,
            hex_digits_left: 0,
            string_bytes: Vec::new(),
        }
    }

    fn top(&mut self) -> &mut Frame {
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    /// Leaves the innermost object or array; its parent now has a complete value.
    fn close(&mut self) {
        if self.frames.len() > 1 {
            self.frames.pop();
            let parent = self.top();
            parent.place = Place::AfterValue;
            parent.last = Last::Container;
        }
    }

    fn step(&mut self, byte: u8) {
        let last = self.frames.len() - 1;
        let frame = &mut self.frames[last];
        match frame.place {
            Place::InKey | Place::InString => {
                let in_key = frame.place == Place::InKey;
                if self.hex_digits_left > 0 {
                    self.hex_digits_left -= 1;
                } else if self.escaped {
                    self.escaped = false;
                    if byte == b'u' {
                        self.hex_digits_left = 4;
                    }
                } else if byte == b'\\' {
                    self.escaped = true;
                } else if byte == b'"' {
                    if in_key {
                        frame.key = Some(decode_string(&self.string_bytes));
                        frame.place = Place::AfterKey;
                    } else {
                        frame.place = Place::AfterValue;
                        frame.last = Last::String;
                    }
                    return;
                }
                self.string_bytes.push(byte);
            }
            Place::InScalar(scalar) => match scalar.next(byte) {
                Some(next) => frame.place = Place::InScalar(next),
                None => {
                    frame.place = Place::AfterValue;
                    frame.last = Last::Scalar;
                    self.step(byte);
                }
            },
            Place::BeforeKey => match byte {
                b'"' => {
                    frame.place = Place::InKey;
                    self.string_bytes.clear();
                }
                b'}' => self.close(),
                _ => {}
            },
            Place::AfterKey => {
                if byte == b':' {
                    frame.place = Place::BeforeValue;
                }
            }
            Place::BeforeValue => match byte {
                b' ' | b'\t' | b'\n' | b'\r' => {}
                b'{' => {
                    frame.place = Place::InChild;
                    self.frames.push(Frame::new(Kind::Object));
                }
                b'[' => {
                    frame.place = Place::InChild;
                    self.frames.push(Frame::new(Kind::Array));
                }
                b']' if frame.kind == Kind::Array => self.close(),
                b'"' => {
                    frame.place = Place::InString;
                    self.string_bytes.clear();
                }
                _ => frame.place = Place::InScalar(Scalar::start(byte).unwrap_or(Scalar::Broken)),
            },
            // Only the innermost frame is stepped, and a frame with a child is not it.
            Place::InChild => {}
            Place::AfterValue => match (byte, frame.kind) {
                (b',', Kind::Object) => {
                    frame.place = Place::BeforeKey;
                    frame.key = None;
                }
                (b',', Kind::Array) => {
                    frame.place = Place::BeforeValue;
                    frame.index += 1;
                }
                (b'}', Kind::Object) | (b']', Kind::Array) => self.close(),
                _ => {}
            },
        }
    }

    /// Who `byte`, the next byte after everything stepped so far, belongs to.
    fn owner_of(&self, byte: u8, fault: Fault, fault_is_unit_variant: bool) -> Owner {
        let frame = &self.frames[self.frames.len() - 1];
        let data = fault != Fault::Syntax;
        let whitespace = matches!(byte, b' ' | b'\t' | b'\n' | b'\r');
        let closes = matches!(
            (byte, frame.kind),
            (b'}', Kind::Object) | (b']', Kind::Array)
        );
        // A number or literal that `byte` does not continue ended before it.
        let place = match frame.place {
            Place::InScalar(scalar) if scalar.next(byte).is_none() => Place::AfterValue,
            place => place,
        };
        match place {
            // The closing quote completes the key, which then names the member.
            Place::InKey if byte == b'"' && !self.escaped && self.hex_digits_left == 0 => {
                Owner::Member
            }
            Place::InKey | Place::BeforeKey => Owner::Container,
            // An unknown field is reported once `serde_json` has skipped what follows
            // the key: whitespace, or a closing brace where the colon should be.
            Place::AfterKey if data || whitespace || byte == b':' => Owner::Member,
            Place::AfterKey => Owner::Container,
            Place::InString | Place::InChild => Owner::Member,
            Place::InScalar(_) => Owner::Member,
            // A value decoded after it was read whole (an internally tagged enum) has
            // its error placed by its parent, after the whitespace, the comma or the
            // closing bracket that follow the value.
            Place::AfterValue
                if data && (whitespace || (byte == b',' && frame.kind == Kind::Array)) =>
            {
                Owner::Member
            }
            Place::AfterValue
                if fault == Fault::Data
                    && closes
                    && (frame.last == Last::Container
                        || (frame.last == Last::String && fault_is_unit_variant)) =>
            {
                Owner::Member
            }
            // A syntax error is never a valid closing bracket itself; placed there, it is
            // about what should have followed, which the enclosing value expected.
            Place::AfterValue if fault == Fault::Syntax && closes && self.frames.len() > 1 => {
                Owner::Parent
            }
            Place::AfterValue => Owner::Container,
            // An array's closing bracket is the array's; anything else where a value
            // is expected starts that value (or is a broken one).
            Place::BeforeValue if byte == b']' && frame.kind == Kind::Array => Owner::Container,
            Place::BeforeValue
                if data && whitespace && frame.kind == Kind::Array && frame.index > 0 =>
            {
                Owner::PreviousElement
            }
            Place::BeforeValue => Owner::Member,
        }
    }

    /// Who the end of the text belongs to.
    fn owner_at_end(&self) -> Owner {
        let frame = &self.frames[self.frames.len() - 1];
        match frame.place {
            Place::InString | Place::InChild => Owner::Member,
            Place::InScalar(scalar) if !scalar.is_complete() => Owner::Member,
            Place::BeforeValue if frame.kind == Kind::Object => Owner::Member,
            _ => Owner::Container,
        }
    }

    /// The path of the innermost open value, or of its current member.
    fn path(&self, owner: Owner, key_just_closed: Option<String>) -> String {
        let mut path = String::new();
        let count = self.frames.len();
        for (position, frame) in self.frames.iter().enumerate() {
            let innermost = position + 1 == count;
            if (innermost && owner == Owner::Container)
                || (position + 2 >= count && owner == Owner::Parent)
            {
                break;
            }
            let index = if innermost && owner == Owner::PreviousElement {
                frame.index.saturating_sub(1)
            } else {
                frame.index
            };
            let key = if innermost && key_just_closed.is_some() {
                key_just_closed.as_deref()
            } else {
                frame.key.as_deref()
            };
            match frame.kind {
                Kind::Top => {}
                Kind::Object => {
                    if let Some(key) = key {
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(key);
                    }
                }
                Kind::Array => {
                    path.push('[');
                    path.push_str(&index.to_string());
                    path.push(']');
                }
            }
        }
        if path.is_empty() {
            path.push('.');
        }
        path
    }
}

/// Decodes the escapes of a string's raw bytes as JSON does. Broken escapes cannot
/// occur in a string `serde_json` read successfully; they are kept as they are.
fn decode_string(raw: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut index = 0;
    while index < raw.len() {
        let byte = raw[index];
        index += 1;
        if byte != b'\\' || index >= raw.len() {
            bytes.push(byte);
            continue;
        }
        let escape = raw[index];
        index += 1;
        let simple = match escape {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(simple) = simple {
            bytes.push(simple);
            continue;
        }
        let Some(unit) = (escape == b'u').then(|| hex_unit(raw, index)).flatten() else {
            bytes.extend_from_slice(&[b'\\', escape]);
            continue;
        };
        index += 4;
        let mut code = u32::from(unit);
        // A high surrogate followed by an escaped low surrogate is one character.
        if (0xD800..0xDC00).contains(&unit)
            && raw.get(index..index + 2) == Some(b"\\u")
            && let Some(low) = hex_unit(raw, index + 2)
            && (0xDC00..0xE000).contains(&low)
        {
            code = 0x10000 + ((code - 0xD800) << 10) + (u32::from(low) - 0xDC00);
            index += 6;
        }
        let character = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
        let mut buffer = [0; 4];
        bytes.extend_from_slice(character.encode_utf8(&mut buffer).as_bytes());
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The four hex digits of a `\u` escape starting at `start`, if they are there.
fn hex_unit(raw: &[u8], start: usize) -> Option<u16> {
    let digits = std::str::from_utf8(raw.get(start..start + 4)?).ok()?;
    if !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(digits, 16).ok()
}

/// The byte offset of `serde_json`'s 1-based `line` and `column` (the number of bytes
/// read on that line) in `text`, clamped to the text's length.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let bytes = text.as_bytes();
    let mut start = 0;
    for _ in 1..line {
        match bytes[start..].iter().position(|&byte| byte == b'\n') {
            Some(newline) => start += newline + 1,
            None => return bytes.len(),
        }
    }
    start.saturating_add(column).min(bytes.len())
}

/// The path of the value in `text` that `error` (from decoding exactly this text with
/// `serde_json`) is about, written like `params.nodes`, `timeline[2].action` or `.`
/// for the whole text.
pub fn locate(text: &str, error: &serde_json::Error) -> String {
    if error.line() == 0 {
        return ".".to_string();
    }
    let bytes = text.as_bytes();
    let offset = offset_of(text, error.line(), error.column());
    let message = error.to_string();
    if error.is_eof() {
        let mut scanner = Scanner::new();
        for &byte in bytes {
            scanner.step(byte);
        }
        let owner = scanner.owner_at_end();
        return scanner.path(owner, None);
    }
    // The byte the error is about: normally the last one read. A wrong type is
    // reported before an object's or array's opening bracket is read.
    let bracket_unread = error.is_data()
        && match bytes.get(offset) {
            Some(b'{') => message.starts_with("invalid type: map"),
            Some(b'[') => message.starts_with("invalid type: sequence"),
            _ => false,
        };
    let target = if bracket_unread {
        offset
    } else if offset == 0 {
        return ".".to_string();
    } else {
        offset - 1
    };
    let mut scanner = Scanner::new();
    for &byte in &bytes[..target] {
        scanner.step(byte);
    }
    let byte = bytes[target];
    let fault = if !error.is_data() {
        Fault::Syntax
    } else if message.starts_with("missing field") || message.starts_with("invalid length") {
        Fault::DataAtClose
    } else {
        Fault::Data
    };
    let unit_variant = message.starts_with("invalid type: unit variant");
    let mut owner = scanner.owner_of(byte, fault, unit_variant);
    let innermost = &scanner.frames[scanner.frames.len() - 1];
    let closes_key = innermost.place == Place::InKey && owner == Owner::Member;
    if closes_key && error.is_data() && message.starts_with("unknown variant") {
        // The key is an enum's variant name, not a field: the enum is at fault.
        owner = Owner::Container;
    }
    let key = (closes_key && owner == Owner::Member).then(|| decode_string(&scanner.string_bytes));
    let mut path = scanner.path(owner, key);
    let last_string = innermost.place == Place::InString && byte == b'"'
        || innermost.place == Place::AfterValue && innermost.last == Last::String;
    if owner == Owner::Member && last_string && unit_variant {
        // A variant that needs data, given as a bare string: the variant is named as
        // it would be under its key in the object form.
        if path == "." {
            path.clear();
        } else {
            path.push('.');
        }
        path.push_str(&decode_string(&scanner.string_bytes));
    }
    path
}

/// `error`'s message without the ` at line L column C` that `serde_json` appends
/// when it decoded text.
pub fn message_without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    match message.strip_suffix(&position) {
        Some(bare) if error.line() != 0 => bare.to_string(),
        _ => message,
    }
}

/// Decodes a `T` from `value` by way of its JSON text, so that `T` is decoded by the one
/// text deserializer every scenario uses and the error can be located. On failure,
/// returns the path of the offending value ([`locate`]) and the reason, worded as
/// decoding `value` directly would word it.
pub fn decode_value<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
) -> Result<T, (String, String)> {
    let text = value.to_string();
    serde_json::from_str(&text)
        .map_err(|error| (locate(&text, &error), value_reason(&text, &error)))
}

/// The reason for `error`, from decoding `text` (the JSON of a value), as decoding the
/// value itself would give it. The two differ only where an externally tagged enum was
/// expected: the text deserializer reports any other value as a syntax error, while the
/// value deserializer says what it found.
fn value_reason(text: &str, error: &serde_json::Error) -> String {
    use serde::de::{Error as _, Unexpected};
    let message = message_without_position(error);
    if !error.is_syntax() || message != "expected value" {
        return message;
    }
    let bytes = text.as_bytes();
    let offset = offset_of(text, error.line(), error.column());
    let Some(target) = offset.checked_sub(1) else {
        return message;
    };
    let mut scanner = Scanner::new();
    for &byte in &bytes[..target] {
        scanner.step(byte);
    }
    let frame = &scanner.frames[scanner.frames.len() - 1];
    let next = bytes[offset..]
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .copied();
    let single_key =
        || serde_json::Error::invalid_value(Unexpected::Map, &"map with a single key").to_string();
    match frame.place {
        // `{}` where an enum was expected.
        Place::BeforeKey if bytes[target] == b'}' => single_key(),
        // A value that is neither a variant's name nor an object naming one.
        Place::BeforeValue => {
            let mut reader = serde_json::Deserializer::from_str(&text[target..]);
            let Ok(found) = <serde_json::Value as serde::Deserialize>::deserialize(&mut reader)
            else {
                return message;
            };
            let unexpected = match &found {
                serde_json::Value::Null => Unexpected::Unit,
                serde_json::Value::Bool(flag) => Unexpected::Bool(*flag),
                serde_json::Value::Number(number) => {
                    if let Some(unsigned) = number.as_u64() {
                        Unexpected::Unsigned(unsigned)
                    } else if let Some(signed) = number.as_i64() {
                        Unexpected::Signed(signed)
                    } else {
                        Unexpected::Float(number.as_f64().unwrap_or(f64::NAN))
                    }
                }
                serde_json::Value::String(string) => Unexpected::Str(string),
                serde_json::Value::Array(_) => Unexpected::Seq,
                serde_json::Value::Object(_) => Unexpected::Map,
            };
            serde_json::Error::invalid_type(unexpected, &"string or map").to_string()
        }
        // An object naming a variant and then more.
        _ if next == Some(b',') => single_key(),
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// A small document shaped like a scenario: plain fields, arrays of structs,
    /// nested arrays, an internally tagged enum and an externally tagged one.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Document {
        count: u8,
        #[serde(default)]
        items: Vec<Item>,
        #[serde(default)]
        shape: Option<Shape>,
        #[serde(default)]
        mode: Option<Mode>,
        #[serde(default)]
        pair: Option<(u8, u8)>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        #[serde(default)]
        tags: Vec<Vec<u8>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
    #[allow(dead_code)]
    enum Shape {
        Circle { radius: u32 },
        Square { side: u32 },
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Mode {
        Steady { interval_ms: u32 },
        Off,
    }

    /// The path `locate` gives for decoding `text` as a [`Document`], and the reason.
    fn located(text: &str) -> (String, String) {
        let error = serde_json::from_str::<Document>(text).expect_err("the text is refused");
        (locate(text, &error), message_without_position(&error))
    }

    fn assert_paths(cases: &[(&str, &str)]) {
        for (text, expected) in cases {
            let (path, reason) = located(text);
            assert_eq!(&path, expected, "for {text} ({reason})");
        }
    }

    #[test]
    fn a_value_of_the_wrong_type_or_range_is_named_by_its_key() {
        assert_paths(&[
            (r#"{"count": "three"}"#, "count"),
            (r#"{"count": 300}"#, "count"),
            (r#"{"count": -1}"#, "count"),
            (r#"{"count": 1e400}"#, "count"),
            (r#"{"count": 1.5, "items": []}"#, "count"),
            (r#"{"items": [], "count": true}"#, "count"),
        ]);
    }

    #[test]
    fn array_elements_are_named_by_their_index_at_any_depth() {
        assert_paths(&[
            (
                r#"{"count": 1, "items": [{"name": "a"}, {"name": 5}]}"#,
                "items[1].name",
            ),
            (
                r#"{"count": 1, "items": [{"name": "a", "tags": [[1, 2], [3, "x"]]}]}"#,
                "items[0].tags[1][1]",
            ),
            // A struct may be written as an array of its fields.
            (r#"{"count": 1, "items": [[1]]}"#, "items[0][0]"),
            (
                r#"{"count": 1, "items": [ {"name": "a"},  {"name": []}]}"#,
                "items[1].name",
            ),
        ]);
        let error = serde_json::from_str::<Vec<u8>>("[1, \"x\"]").expect_err("refused");
        assert_eq!(locate("[1, \"x\"]", &error), "[1]");
    }

    #[test]
    fn an_object_or_array_where_another_type_belongs_is_named_not_its_parent() {
        // `serde_json` reports these before it reads the opening bracket.
        assert_paths(&[
            (r#"{"count": 1, "items": {"name": "a"}}"#, "items"),
            (r#"{"count": {}}"#, "count"),
            (
                r#"{"count": 1, "items": [{"name": "a", "tags": [{}]}]}"#,
                "items[0].tags[0]",
            ),
        ]);
    }

    #[test]
    fn unknown_and_duplicate_fields_are_named_by_their_key() {
        assert_paths(&[
            (r#"{"count": 1, "colour": "red"}"#, "colour"),
            (r#"{"count": 1, "colour" : "red"}"#, "colour"),
            (
                r#"{"count": 1, "items": [{"name": "a", "size": 2}]}"#,
                "items[0].size",
            ),
            (r#"{"count": 1, "count": 2}"#, "count"),
        ]);
    }

    #[test]
    fn a_missing_field_names_the_object_that_lacks_it() {
        assert_paths(&[
            (r#"{"items": []}"#, "."),
            (r#"{"count": 1, "items": [{"tags": []}]}"#, "items[0]"),
            (r#"{"count": 1, "items": [{"name": "a"}, {}]}"#, "items[1]"),
        ]);
    }

    #[test]
    fn an_internally_tagged_value_is_named_wherever_its_parent_placed_the_error() {
        assert_paths(&[
            // The tag itself is read where it stands.
            (
                r#"{"count": 1, "shape": {"kind": "hexagon"}}"#,
                "shape.kind",
            ),
            // The rest is decoded after the whole value was read.
            (
                r#"{"count": 1, "shape": {"kind": "circle", "radius": "big"}, "mode": "off"}"#,
                "shape",
            ),
            (
                r#"{"count": 1, "shape": {"radius": "big", "kind": "circle"}, "mode": "off"}"#,
                "shape",
            ),
            (
                r#"{"count": 1, "shape": {"radius": "big", "kind": "circle"} , "mode": "off"}"#,
                "shape",
            ),
            (
                r#"{"count": 1, "shape": {"radius": {}, "kind": "circle"}}"#,
                "shape",
            ),
            (
                r#"{"count": 1, "shape": {"radius": -1, "kind": "circle"}}"#,
                "shape",
            ),
            (
                r#"{"count": 1, "shape": {"side": 2, "kind": "circle", "radius": 1}}"#,
                "shape",
            ),
            (
                r#"{"count": 1, "items": [{"name": "a", "tags": []}], "shape": {"radius": 1, "kind": "square"}}"#,
                "shape",
            ),
            // A missing field at the end of the parent is the parent's (see the module notes).
            (r#"{"count": 1, "shape": {"kind": "circle"}}"#, "."),
        ]);
    }

    #[test]
    fn an_externally_tagged_enum_is_named_by_its_variant_only_when_the_variant_exists() {
        assert_paths(&[
            (r#"{"count": 1, "mode": {"stedy": {}}}"#, "mode"),
            (
                r#"{"count": 1, "mode": {"steady": {"interval_ms": true}}}"#,
                "mode.steady.interval_ms",
            ),
            (r#"{"count": 1, "mode": "steady"}"#, "mode.steady"),
            (
                r#"{"count": 1, "mode": "steady" , "pair": [1, 2]}"#,
                "mode.steady",
            ),
            (r#"{"count": 1, "mode": "sideways"}"#, "mode"),
        ]);
    }

    #[test]
    fn broken_syntax_names_the_value_that_could_not_be_read_or_its_container() {
        assert_paths(&[
            (r#"{"count": 1,, }"#, "."),
            (r#"{"count": 1 2}"#, "."),
            (
                r#"{"count": 1, "items": [{"name": "a", "tags": [[1,]]}]}"#,
                "items[0].tags[0]",
            ),
            (r#"{"count": tru }"#, "count"),
            (r#"{"count": 01}"#, "count"),
            (r#"{"count": }"#, "count"),
            (r#"{"count" 1}"#, "."),
            (
                r#"{"count": 1, "items": [{"name": "a\qb"}]}"#,
                "items[0].name",
            ),
            (r#"{"count": 1, "it\qems": []}"#, "."),
            (
                r#"{"count": 1, "items": [{"name": "\u12G4"}]}"#,
                "items[0].name",
            ),
            (r#"{"count": 1} trailing"#, "."),
            (r#"{"count": 1, "pair": [1, 2, 3]}"#, "pair[2]"),
        ]);
    }

    #[test]
    fn text_that_ends_early_names_the_value_it_stopped_in() {
        assert_paths(&[
            ("", "."),
            ("{", "."),
            (r#"{"coun"#, "."),
            (r#"{"count""#, "."),
            (r#"{"count": "#, "count"),
            (r#"{"count": "ab"#, "count"),
            (r#"{"count": 1"#, "."),
            (r#"{"count": 1."#, "count"),
            (
                r#"{"count": 1, "items": [{"name": "a", "tags": [[1, "#,
                "items[0].tags[0]",
            ),
            (r#"{"count": 1, "items": [{"name": "a"}"#, "items"),
            (r#"{"count": 1, "items": [{"name": "#, "items[0].name"),
        ]);
    }

    #[test]
    fn keys_are_given_with_their_escapes_decoded() {
        assert_paths(&[
            (r#"{"count": 1, "col\u00f6ur": 2}"#, "colöur"),
            (r#"{"count": 1, "a\"b\\c": 2}"#, "a\"b\\c"),
            (r#"{"count": 1, "\ud83d\ude00": 2}"#, "😀"),
            (r#"{"count": 1, "tab\there\n": 2}"#, "tab\there\n"),
        ]);
    }

    #[test]
    fn multi_byte_characters_and_line_breaks_do_not_shift_the_place() {
        // `serde_json` counts columns in bytes; the scan must too.
        assert_paths(&[
            (
                r#"{"items": [{"name": "été ☃"}, {"name": 5}], "count": 1}"#,
                "items[1].name",
            ),
            (r#"{"count": 1, "naïve": 2}"#, "naïve"),
            (
                "{\n  \"count\": 1,\n  \"items\": [\n    {\"name\": \"é\"},\n    {\"name\": 5}\n  ]\n}",
                "items[1].name",
            ),
            ("{\r\n\"count\":\r\n\"x\"}", "count"),
        ]);
    }

    #[test]
    fn pretty_and_compact_text_give_the_same_path() {
        let value = serde_json::json!({
            "count": 1,
            "items": [{"name": "a", "tags": [[1], [2, 3, "x"]]}],
            "mode": {"steady": {"interval_ms": 5}},
        });
        for text in [
            value.to_string(),
            serde_json::to_string_pretty(&value).expect("prints"),
        ] {
            let (path, _) = located(&text);
            assert_eq!(path, "items[0].tags[1][2]", "for {text}");
        }
    }

    #[test]
    fn the_position_is_removed_from_the_message_and_nothing_else() {
        let error = serde_json::from_str::<u8>("  300").expect_err("out of range");
        assert_eq!(
            message_without_position(&error),
            "invalid value: integer `300`, expected u8"
        );
        let error = serde_json::from_value::<u8>(serde_json::json!("x")).expect_err("a string");
        assert_eq!(
            message_without_position(&error),
            "invalid type: string \"x\", expected u8"
        );
    }

    #[test]
    fn decoding_a_value_through_its_text_words_errors_as_decoding_the_value_would() {
        let values = [
            serde_json::json!({"count": "x"}),
            serde_json::json!({"count": 1, "colour": 2}),
            serde_json::json!({"count": 1, "mode": 5}),
            serde_json::json!({"count": 1, "mode": -5}),
            serde_json::json!({"count": 1, "mode": 1.5}),
            serde_json::json!({"count": 1, "mode": true}),
            serde_json::json!({"count": 1, "mode": [1]}),
            serde_json::json!({"count": 1, "mode": {}}),
            serde_json::json!({"count": 1, "mode": {"off": null, "steady": {"interval_ms": 1}}}),
            serde_json::json!({"count": 1, "shape": {"kind": "circle"}}),
            serde_json::json!({"count": 1, "pair": [1, "x"]}),
            serde_json::json!(["x"]),
        ];
        for value in values {
            let direct = serde_json::from_value::<Document>(value.clone())
                .expect_err("the value is refused")
                .to_string();
            let (_, reason) = decode_value::<Document>(&value).expect_err("the text is refused");
            assert_eq!(reason, direct, "for {value}");
        }
        let decoded: (u8, String) =
            decode_value(&serde_json::json!([7, "seven"])).expect("a valid value decodes");
        assert_eq!(decoded, (7, "seven".to_string()));
    }

    #[test]
    fn decoding_a_value_names_the_path_of_the_bad_field() {
        let value = serde_json::json!({"count": 1, "items": [{"name": "a"}, {"name": 2}]});
        let (path, _) = decode_value::<Document>(&value).expect_err("refused");
        assert_eq!(path, "items[1].name");
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn cases() -> u32 {
            std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|text| text.parse().ok())
                .unwrap_or(256)
        }

        /// Text close to a document: the format's own punctuation, keys and values.
        fn near_json() -> impl Strategy<Value = String> {
            prop::collection::vec(
                prop::sample::select(vec![
                    "{",
                    "}",
                    "[",
                    "]",
                    ",",
                    ":",
                    " ",
                    "\n",
                    "\"",
                    "\\",
                    "\\u",
                    "\\ud83d",
                    "\"count\"",
                    "\"items\"",
                    "\"name\"",
                    "\"mode\"",
                    "\"shape\"",
                    "\"kind\"",
                    "\"steady\"",
                    "\"circle\"",
                    "1",
                    "-",
                    "0",
                    "1.5",
                    "e9",
                    "true",
                    "nul",
                    "é",
                    "☃",
                    "\"x\"",
                ]),
                0..40,
            )
            .prop_map(|parts| parts.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(cases()))]

            #[test]
            fn locating_an_error_in_arbitrary_text_never_panics(text in "\\PC{0,120}") {
                if let Err(error) = serde_json::from_str::<Document>(&text) {
                    prop_assert!(!locate(&text, &error).is_empty());
                }
            }

            #[test]
            fn locating_an_error_in_near_json_never_panics(text in near_json()) {
                if let Err(error) = serde_json::from_str::<Document>(&text) {
                    prop_assert!(!locate(&text, &error).is_empty());
                    prop_assert!(!value_reason(&text, &error).is_empty());
                }
                if let Err(error) = serde_json::from_str::<serde_json::Value>(&text) {
                    prop_assert!(!locate(&text, &error).is_empty());
                }
            }

            #[test]
            fn any_line_and_column_in_any_text_is_handled(
                text in "\\PC{0,60}",
                line in 0usize..5,
                column in 0usize..80,
            ) {
                // `offset_of` and the scan must cope with positions past the end.
                let offset = offset_of(&text, line.max(1), column);
                prop_assert!(offset <= text.len());
                let mut scanner = Scanner::new();
                for &byte in &text.as_bytes()[..offset] {
                    scanner.step(byte);
                }
                prop_assert!(!scanner.path(scanner.owner_at_end(), None).is_empty());
            }
        }
    }
}
