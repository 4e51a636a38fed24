//! Just enough of a JSON parser to read `--log` back strictly: objects,
//! arrays, strings with every escape, numbers, true, false and null.
#![allow(dead_code)] // each test crate uses some of it

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
}

pub fn parse(text: &str) -> Result<Value, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let value = value(&chars, &mut at)?;
    if at == chars.len() {
        Ok(value)
    } else {
        Err(format!("trailing text at {at}"))
    }
}

fn value(c: &[char], at: &mut usize) -> Result<Value, String> {
    match c.get(*at) {
        Some('{') => {
            *at += 1;
            let mut fields = Vec::new();
            if c.get(*at) == Some(&'}') {
                *at += 1;
                return Ok(Value::Object(fields));
            }
            loop {
                let Value::Str(key) = value(c, at)? else {
                    return Err("key".into());
                };
                expect(c, at, ':')?;
                fields.push((key, value(c, at)?));
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
            if c.get(*at) == Some(&']') {
                *at += 1;
                return Ok(Value::Array(items));
            }
            loop {
                items.push(value(c, at)?);
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
        Some('"') => string(c, at).map(Value::Str),
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

fn string(c: &[char], at: &mut usize) -> Result<String, String> {
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

#[test]
fn the_parser_is_strict() {
    assert!(parse(r#"{"a":[1,-2.5e3,true,null,"x\n\u0041"]}"#).is_ok());
    for bad in
        ["{\"a\":1,}", "[1 2]", "\"raw\u{1}\"", "\"\\x\"", "{\"a\"}", "nul"]
    {
        assert!(parse(bad).is_err(), "{bad}");
    }
}
