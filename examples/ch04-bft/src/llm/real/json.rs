//! The JSON of `--log`: strings written with every escape JSON requires,
//! and just enough of a strict parser to read a log back (objects, arrays,
//! strings, numbers, true, false and null; the log puts no space between
//! tokens, other JSON lines, such as GSM8K's release, may).

use std::fmt::Write as _;

/// `text` as a JSON string: quotes, backslashes and control characters
/// escaped. Bytes that are not UTF-8 become U+FFFD (the log keeps such an
/// output in hexadecimal too).
pub fn string(text: &[u8]) -> String {
    let mut json = String::from("\"");
    for c in String::from_utf8_lossy(text).chars() {
        match c {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            '\n' => json.push_str("\\n"),
            '\r' => json.push_str("\\r"),
            '\t' => json.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                // Writing to a String cannot fail.
                let _ = write!(json, "\\u{:04x}", u32::from(c));
            }
            c => json.push(c),
        }
    }
    json.push('"');
    json
}

/// Bytes as lowercase hexadecimal, two digits each.
pub fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(2 * bytes.len());
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// The bytes `hex` wrote, or `None` for anything else.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(fields) => {
                fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
            }
            _ => None,
        }
    }

    pub fn items(&self) -> &[Value] {
        match self {
            Value::Array(items) => items,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(text) => Some(text),
            _ => None,
        }
    }

    /// A whole number that fits in a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            // Whole, not negative and below 2^53: the cast is exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Value::Number(n) if n >= 0.0 && n.fract() == 0.0 && n < 9e15 => {
                Some(n as u64)
            }
            _ => None,
        }
    }
}

pub fn parse(text: &str) -> Result<Value, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let value = value(&chars, &mut at)?;
    space(&chars, &mut at);
    if at == chars.len() {
        Ok(value)
    } else {
        Err(format!("trailing text at {at}"))
    }
}

/// Skips JSON's whitespace.
fn space(c: &[char], at: &mut usize) {
    while c.get(*at).is_some_and(|ch| " \t\r\n".contains(*ch)) {
        *at += 1;
    }
}

fn value(c: &[char], at: &mut usize) -> Result<Value, String> {
    space(c, at);
    match c.get(*at) {
        Some('{') => {
            *at += 1;
            let mut fields = Vec::new();
            space(c, at);
            if c.get(*at) == Some(&'}') {
                *at += 1;
                return Ok(Value::Object(fields));
            }
            loop {
                let Value::Str(key) = value(c, at)? else {
                    return Err("key".into());
                };
                space(c, at);
                expect(c, at, ':')?;
                fields.push((key, value(c, at)?));
                space(c, at);
                match c.get(*at) {
                    Some(',') => *at += 1,
                    Some('}') => {
                        *at += 1;
                        return Ok(Value::Object(fields));
                    }
                    _ => return Err(format!("object at {at}")),
                }
            }
        }
        Some('[') => {
            *at += 1;
            let mut items = Vec::new();
            space(c, at);
            if c.get(*at) == Some(&']') {
                *at += 1;
                return Ok(Value::Array(items));
            }
            loop {
                items.push(value(c, at)?);
                space(c, at);
                match c.get(*at) {
                    Some(',') => *at += 1,
                    Some(']') => {
                        *at += 1;
                        return Ok(Value::Array(items));
                    }
                    _ => return Err(format!("array at {at}")),
                }
            }
        }
        Some('"') => string_at(c, at).map(Value::Str),
        Some('t') => word(c, at, "true", Value::Bool(true)),
        Some('f') => word(c, at, "false", Value::Bool(false)),
        Some('n') => word(c, at, "null", Value::Null),
        Some(_) => {
            let start = *at;
            while c
                .get(*at)
                .is_some_and(|ch| ch.is_ascii_digit() || "-+.eE".contains(*ch))
            {
                *at += 1;
            }
            let number: String = c[start..*at].iter().collect();
            number
                .parse()
                .map(Value::Number)
                .map_err(|_| format!("number at {start}"))
        }
        None => Err("end of text".into()),
    }
}

fn string_at(c: &[char], at: &mut usize) -> Result<String, String> {
    *at += 1;
    let mut s = String::new();
    loop {
        let ch = *c.get(*at).ok_or("unterminated string")?;
        *at += 1;
        match ch {
            '"' => return Ok(s),
            '\\' => {
                let e = *c.get(*at).ok_or("escape")?;
                *at += 1;
                s.push(match e {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'u' => {
                        let hex: String =
                            c.get(*at..*at + 4).ok_or("\\u")?.iter().collect();
                        *at += 4;
                        let code = u32::from_str_radix(&hex, 16)
                            .map_err(|e| e.to_string())?;
                        char::from_u32(code).ok_or("surrogate")?
                    }
                    other => {
                        return Err(format!("bad escape \\{other}"));
                    }
                });
            }
            ch if (ch as u32) < 0x20 => {
                return Err("raw control character".into());
            }
            ch => s.push(ch),
        }
    }
}

fn word(
    c: &[char],
    at: &mut usize,
    w: &str,
    v: Value,
) -> Result<Value, String> {
    let found: String =
        c.get(*at..*at + w.len()).ok_or("end")?.iter().collect();
    if found != w {
        return Err(format!("expected {w}"));
    }
    *at += w.len();
    Ok(v)
}

fn expect(c: &[char], at: &mut usize, ch: char) -> Result<(), String> {
    if c.get(*at) == Some(&ch) {
        *at += 1;
        Ok(())
    } else {
        Err(format!("expected '{ch}' at {at}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parser_is_strict() {
        assert!(parse(r#"{"a":[1,-2.5e3,true,null,"x\n\u0041"]}"#).is_ok());
        for bad in [
            "{\"a\":1,}",
            "[1 2]",
            "\"raw\u{1}\"",
            "\"\\x\"",
            "{\"a\"}",
            "nul",
            "{\"a\":1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn strings_escape_everything_json_requires_and_read_back() {
        assert_eq!(
            string(b"a\"b\\c\n\t\r\x01\x7f"),
            r#""a\"b\\c\n\t\r\u0001\u007f""#
        );
        assert_eq!(string(&[b'o', 0xFF, b'k']), "\"o\u{FFFD}k\"");
        assert_eq!(string("é ✓".as_bytes()), "\"é ✓\"");
        let text = "q\"\\\n\u{1}\u{7f}é";
        assert_eq!(
            parse(&string(text.as_bytes())),
            Ok(Value::Str(text.into()))
        );
    }

    #[test]
    fn hex_round_trips_every_byte() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(from_hex(&hex(&bytes)), Some(bytes));
        assert_eq!(hex(&[0, 0xab]), "00ab");
        for bad in ["0", "zz", "0g", "é0"] {
            assert_eq!(from_hex(bad), None, "{bad}");
        }
    }
}
