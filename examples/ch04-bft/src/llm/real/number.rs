//! `--compare number`: the last number in a model's prose, written one way.
//!
//! A number is an optional sign, digits (with thousands separators, `1,000`
//! or `1,000,000`, when every group after the first has three digits), and
//! an optional decimal part (`.` then digits). Anything around it is not
//! part of it: `$18`, `18%` and `18.` all hold the number 18. A sign counts
//! only where it cannot be a minus between two terms: `-5` is minus five,
//! `16-5` ends in five.
//!
//! The key is the number in one spelling: no separators, no leading zeros,
//! no trailing zeros after the point, no point without digits after it, no
//! `+`, no `-0`. Two numbers are equal exactly when their keys are: `18`,
//! `18.0`, `018` and `+18` are one answer, compared as text, never as a
//! floating-point value that could round.

// ANCHOR: last_number
/// The last number in `text`, in its one spelling; `None` when there is
/// none.
pub fn last_number(text: &[u8]) -> Option<Vec<u8>> {
    let mut last = None;
    let mut i = 0;
    while i < text.len() {
        if text[i].is_ascii_digit() {
            let (number, end) = read_number(text, i);
            last = Some(number);
            i = end;
        } else {
            i += 1;
        }
    }
    last
}
// ANCHOR_END: last_number

/// The number whose first digit is at `start`, and where it ends.
fn read_number(text: &[u8], start: usize) -> (Vec<u8>, usize) {
    let digits_from = |from: usize| {
        text[from..].iter().take_while(|b| b.is_ascii_digit()).count()
    };
    let mut integer: Vec<u8> = text[start..start + digits_from(start)].to_vec();
    let mut end = start + integer.len();
    // Thousands separators: only after a first group of 1 to 3 digits, and
    // only groups of exactly three.
    if integer.len() <= 3 {
        while text.get(end) == Some(&b',') && digits_from(end + 1) == 3 {
            integer.extend_from_slice(&text[end + 1..end + 4]);
            end += 4;
        }
    }
    let mut fraction: &[u8] = &[];
    if text.get(end) == Some(&b'.') && digits_from(end + 1) > 0 {
        let digits = digits_from(end + 1);
        fraction = &text[end + 1..end + 1 + digits];
        end += 1 + digits;
    }
    let negative = start > 0
        && text[start - 1] == b'-'
        && (start == 1 || !text[start - 2].is_ascii_alphanumeric());
    (spelling(negative, &integer, fraction), end)
}

/// The one spelling of a number given by its parts.
fn spelling(negative: bool, integer: &[u8], fraction: &[u8]) -> Vec<u8> {
    let first = integer.iter().position(|&b| b != b'0');
    let integer = first.map_or(&b"0"[..], |first| &integer[first..]);
    let kept = fraction.iter().rposition(|&b| b != b'0').map_or(0, |i| i + 1);
    let fraction = &fraction[..kept];
    let zero = integer == b"0" && fraction.is_empty();
    let mut key = Vec::with_capacity(integer.len() + fraction.len() + 2);
    if negative && !zero {
        key.push(b'-');
    }
    key.extend_from_slice(integer);
    if !fraction.is_empty() {
        key.push(b'.');
        key.extend_from_slice(fraction);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Option<String> {
        last_number(text.as_bytes()).map(|k| String::from_utf8(k).unwrap())
    }

    #[test]
    fn one_number_has_one_spelling() {
        for same in ["18", "18.0", "18.00", "$18", "18.", "018", "+18", "18%"] {
            assert_eq!(key(same).as_deref(), Some("18"), "{same}");
        }
        for thousand in ["1,000", "1000", "$1,000.00", "1,000."] {
            assert_eq!(key(thousand).as_deref(), Some("1000"), "{thousand}");
        }
        assert_eq!(key("90,000,000").as_deref(), Some("90000000"));
        assert_eq!(key("-3.50").as_deref(), Some("-3.5"));
        assert_eq!(key("0.25").as_deref(), Some("0.25"));
        assert_eq!(key("-0").as_deref(), Some("0"), "no minus zero");
        assert_eq!(key("-0.0").as_deref(), Some("0"));
        assert_eq!(key("000").as_deref(), Some("0"));
    }

    #[test]
    fn the_last_number_of_the_prose_is_the_answer() {
        let prose = "She makes 9 * 2 = $<<9*2=18>>18 every day.\nA: 18";
        assert_eq!(key(prose).as_deref(), Some("18"));
        assert_eq!(key("16-5").as_deref(), Some("5"), "a minus between terms");
        assert_eq!(key("so x-5").as_deref(), Some("5"));
        assert_eq!(key("it is -5").as_deref(), Some("-5"));
        assert_eq!(key("(-5)").as_deref(), Some("-5"));
        assert_eq!(key("1,00").as_deref(), Some("0"), "two digits: no group");
        assert_eq!(key("1234,567").as_deref(), Some("567"));
        assert_eq!(key("1,2345").as_deref(), Some("2345"));
        assert_eq!(key("3.14.15").as_deref(), Some("15"));
        assert_eq!(key("no digits here"), None);
        assert_eq!(key(""), None);
        assert_eq!(key("A: 5 apples."), Some("5".to_string()));
    }
}
