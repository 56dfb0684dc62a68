//! JSON as the contract reads it ("What a line is, and what JSON is"): RFC 8259 strictly, the
//! I-JSON rules of RFC 7493 on top (a name at most once per object, no lone surrogate), at most
//! [`MAX_DEPTH`] nested arrays and objects, and numbers of any length.
//!
//! A reader of its own, because `serde_json` can do none of the last three: its `Value` keeps
//! the last of two equal names, its recursion limit is 128 and not configurable, and without
//! `arbitrary_precision` it refuses `1e400` outright. With that feature on, a number reaches a
//! custom `Deserialize` as a map under a private key, so a visitor cannot count depth or refuse
//! duplicates without relying on it. This reader builds the same `Value` (numbers keep every
//! digit, through `arbitrary_precision`), so the validation of fields reads a `Value` like any other.

use std::fmt;

use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

/// Arrays and objects nest at most this deep, the request object being depth 1.
pub const MAX_DEPTH: usize = 64;

/// Why a text is not a JSON value the contract accepts, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The byte where the problem was found, from 0.
    offset: usize,
    problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    /// Breaks the grammar of RFC 8259: what was expected there.
    Expected(&'static str),
    /// A string holds a character that must be escaped.
    ControlCharacter(char),
    /// A number starts with a zero that other digits follow.
    LeadingZero,
    /// Something follows the value.
    TrailingText,
    /// A `\u` escape leaves half of a surrogate pair.
    LoneSurrogate(u32),
    /// A name appears twice in one object.
    Duplicate(String),
    /// Arrays and objects nest deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let column = self.offset + 1;
        match &self.problem {
            Problem::Expected(what) => write!(f, "not JSON: expected {what} at byte {column}"),
            Problem::ControlCharacter(c) => write!(
                f,
                "not JSON: control character U+{:04X} in a string at byte {column}; \
                 write it as an escape",
                u32::from(*c)
            ),
            Problem::LeadingZero => write!(
                f,
                "not JSON: a number with a leading zero at byte {column}; write it without"
            ),
            Problem::TrailingText => write!(
                f,
                "not JSON: text after the value at byte {column}; a line holds one value"
            ),
            Problem::LoneSurrogate(unit) => write!(
                f,
                "not I-JSON (RFC 7493): \\u{unit:04x} at byte {column} is a lone surrogate; \
                 a surrogate must come in a pair"
            ),
            Problem::Duplicate(name) => write!(
                f,
                "not I-JSON (RFC 7493): the name {name:?} appears twice in one object, the \
                 second time at byte {column}; a name must be unique"
            ),
            Problem::TooDeep => write!(
                f,
                "nested too deep: arrays and objects nest deeper than {MAX_DEPTH} at byte \
                 {column}; the contract allows at most {MAX_DEPTH}"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Reads `text` as exactly one JSON value, with only JSON whitespace around it.
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut reader = Reader { text, at: 0 };
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.at < text.len() {
        return Err(reader.error(Problem::TrailingText));
    }
    Ok(value)
}

struct Reader<'a> {
    text: &'a str,
    /// The next byte to read. Only ever moved past ASCII bytes and over whole slices of
    /// `text`, so it always lies on a character boundary.
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn error(&self, problem: Problem) -> Error {
        Error {
            offset: self.at,
            problem,
        }
    }

    fn expected(&self, what: &'static str) -> Error {
        self.error(Problem::Expected(what))
    }

    /// RFC 8259's whitespace only: space, tab, line feed and carriage return.
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Moves past `byte` if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        let next = self.peek() == Some(byte);
        if next {
            self.at += 1;
        }
        next
    }

    /// A value inside a container at `depth` (0 for the top-level value).
    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            _ => Err(self.expected("a value")),
        }
    }

    fn literal(&mut self, word: &'static str, value: Value) -> Result<Value, Error> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.expected("a value"))
        }
    }

    /// Checked before anything is read inside, so that no depth of input can exhaust the stack.
    fn enter(&self, depth: usize) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            return Err(self.error(Problem::TooDeep));
        }
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<Value, Error> {
        self.enter(depth)?;
        self.at += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.eat(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_whitespace();
            if self.eat(b']') {
                return Ok(Value::Array(items));
            }
            if !self.eat(b',') {
                return Err(self.expected("',' or ']'"));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, Error> {
        self.enter(depth)?;
        self.at += 1;
        let mut fields = Map::new();
        self.skip_whitespace();
        if self.eat(b'}') {
            return Ok(Value::Object(fields));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.expected("a name in double quotes"));
            }
            let name_at = self.at;
            let name = self.string()?;
            let slot = match fields.entry(name) {
                Entry::Vacant(slot) => slot,
                Entry::Occupied(field) => {
                    return Err(Error {
                        offset: name_at,
                        problem: Problem::Duplicate(field.key().clone()),
                    });
                }
            };
            self.skip_whitespace();
            if !self.eat(b':') {
                return Err(self.expected("':'"));
            }
            slot.insert(self.value(depth)?);
            self.skip_whitespace();
            if self.eat(b'}') {
                return Ok(Value::Object(fields));
            }
            if !self.eat(b',') {
                return Err(self.expected("',' or '}'"));
            }
        }
    }

    fn string(&mut self) -> Result<String, Error> {
        let opening = self.at;
        self.at += 1;
        let mut text = String::new();
        loop {
            // Copy the run of characters that need no attention in one go. It ends at an ASCII
            // byte or at the end, so it is whole characters.
            let run = self.text.as_bytes()[self.at..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .map_or(self.text.len(), |length| self.at + length);
            text.push_str(&self.text[self.at..run]);
            self.at = run;
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(text);
                }
                Some(b'\\') => text.push(self.escape()?),
                Some(control) => {
                    return Err(self.error(Problem::ControlCharacter(char::from(control))));
                }
                None => {
                    return Err(Error {
                        offset: opening,
                        problem: Problem::Expected("a closing '\"' for this string"),
                    });
                }
            }
        }
    }

    /// The character an escape stands for; `at` is on its backslash.
    fn escape(&mut self) -> Result<char, Error> {
        let backslash = self.at;
        self.at += 1;
        let simple = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.at += 1;
                return self.unicode(backslash);
            }
            _ => {
                return Err(self.expected(r#"an escape: one of \" \\ \/ \b \f \n \r \t \uXXXX"#));
            }
        };
        self.at += 1;
        Ok(simple)
    }

    /// The character of a `\uXXXX` escape, or of two that make a surrogate pair.
    fn unicode(&mut self, backslash: usize) -> Result<char, Error> {
        let lone = |unit| Error {
            offset: backslash,
            problem: Problem::LoneSurrogate(unit),
        };
        let unit = self.hex4()?;
        let code = match unit {
            0xD800..=0xDBFF => {
                if !self.text[self.at..].starts_with("\\u") {
                    return Err(lone(unit));
                }
                self.at += 2;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(lone(unit));
                }
                0x1_0000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(lone(unit)),
            _ => unit,
        };
        // Every value left is a scalar value: surrogates were taken care of above.
        char::from_u32(code).ok_or_else(|| lone(unit))
    }

    /// Four hex digits, as a UTF-16 code unit.
    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self.text.as_bytes().get(self.at..self.at + 4);
        let unit = digits.and_then(|digits| {
            digits.iter().try_fold(0, |unit, &digit| {
                char::from(digit)
                    .to_digit(16)
                    .map(|value| unit * 16 + value)
            })
        });
        let unit = unit.ok_or_else(|| self.expected("four hex digits after \\u"))?;
        self.at += 4;
        Ok(unit)
    }

    /// A number as written, however long: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<Number, Error> {
        let start = self.at;
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => {
                self.at += 1;
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return Err(self.error(Problem::LeadingZero));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.expected("a digit")),
        }
        if self.eat(b'.') {
            self.at_least_one_digit()?;
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            self.at_least_one_digit()?;
        }
        // The text is a number of the grammar, which `Number` reads with `arbitrary_precision`
        // keeping every digit, and never fails on.
        self.text[start..self.at].parse().map_err(|_| Error {
            offset: start,
            problem: Problem::Expected("a number"),
        })
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn at_least_one_digit(&mut self) -> Result<(), Error> {
        if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return Err(self.expected("a digit"));
        }
        self.digits();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problem(text: &str) -> String {
        parse(text).expect_err("not accepted").to_string()
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let texts = [
            r#"{"a": [1, -2, 3.5, -0.0, 1e3, 2E-2, 0], "b": {"c": null, "d": true, "e": false}}"#,
            r#"  [ "", "x", "\"\\\/\b\f\n\r\t", "\u00e9\u20ac\ud83d\ude00", "é€😀" ] "#,
            "\t\r\n{}\n",
            "[]",
            r#""\u2028 raw: \u2029""#,
            "18446744073709551615",
            "-9223372036854775808",
            "123456789012345678901234567890",
        ];
        for text in texts {
            let expected: Value = serde_json::from_str(text).expect("JSON");
            assert_eq!(parse(text), Ok(expected), "{text}");
        }
        let specs = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../harness/spec"))
            .expect("the spec folder");
        for spec in specs {
            let text = std::fs::read_to_string(spec.expect("an entry").path()).expect("a spec");
            let expected: Value = serde_json::from_str(&text).expect("JSON");
            assert_eq!(parse(&text), Ok(expected));
        }
    }

    /// Every digit is kept; only the exponent is spelt one way, `e` and its sign.
    #[test]
    fn numbers_keep_the_digits_they_were_written_in() {
        let digits = "7".repeat(5000);
        for (text, kept) in [
            ("1e400", "1e+400"),
            ("-1E400", "-1e+400"),
            ("0.1e-999", "0.1e-999"),
            ("-0", "-0"),
            ("4.0", "4.0"),
            (&digits, &digits),
        ] {
            let Ok(Value::Number(number)) = parse(text) else {
                panic!("{text} is a number");
            };
            assert_eq!(number.as_str(), kept);
        }
    }

    #[test]
    fn names_the_problem_and_where() {
        let cases = [
            ("", "expected a value at byte 1"),
            ("[1,]", "expected a value at byte 4"),
            ("{\"a\":1,}", "expected a name in double quotes at byte 8"),
            ("{'a':1}", "expected a name in double quotes at byte 2"),
            ("[1 2]", "expected ',' or ']' at byte 4"),
            ("{\"a\" 1}", "expected ':' at byte 6"),
            ("NaN", "expected a value at byte 1"),
            ("-Infinity", "expected a digit at byte 2"),
            ("01", "a number with a leading zero at byte 2"),
            ("1.", "expected a digit at byte 3"),
            ("1e+", "expected a digit at byte 4"),
            ("tru", "expected a value at byte 1"),
            (
                "\"a\u{0}b\"",
                "control character U+0000 in a string at byte 3",
            ),
            ("\"abc", "expected a closing '\"' for this string at byte 1"),
            ("\"\\x\"", "expected an escape"),
            ("\"\\u12\"", "expected four hex digits after \\u at byte 4"),
            (
                "\"\\u+123\"",
                "expected four hex digits after \\u at byte 4",
            ),
            ("{} {}", "text after the value at byte 4"),
            ("1 // one", "text after the value at byte 3"),
            ("\u{feff}1", "expected a value at byte 1"),
            ("\"\\ud800\"", "\\ud800 at byte 2 is a lone surrogate"),
            ("\"\\udc00\"", "\\udc00 at byte 2 is a lone surrogate"),
            ("\"\\ud800x\"", "\\ud800 at byte 2 is a lone surrogate"),
            (
                "\"\\ud800\\u0041\"",
                "\\ud800 at byte 2 is a lone surrogate",
            ),
            (
                "{\"a\": 1, \"\\u0061\": 2}",
                "the name \"a\" appears twice in one object, the second time at byte 10",
            ),
        ];
        for (text, expected) in cases {
            let problem = problem(text);
            assert!(problem.contains(expected), "{text:?}: {problem}");
            let grammar = !expected.contains("surrogate") && !expected.contains("twice");
            let kind = if grammar {
                "not JSON: "
            } else {
                "not I-JSON (RFC 7493): "
            };
            assert!(problem.starts_with(kind), "{text:?}: {problem}");
        }
    }

    #[test]
    fn nests_at_most_64_deep() {
        let nested = |depth: usize| "[".repeat(depth) + &"]".repeat(depth);
        assert_eq!(
            parse(&nested(MAX_DEPTH)).map(|value| value.is_array()),
            Ok(true)
        );
        assert!(problem(&nested(MAX_DEPTH + 1)).contains("nest deeper than 64 at byte 65"));
        assert!(problem(&nested(1_000_000)).contains("nest deeper than 64"));
        let objects = "{\"a\":".repeat(MAX_DEPTH) + "1" + &"}".repeat(MAX_DEPTH);
        assert!(parse(&objects).is_ok());
        let objects = "{\"a\":".repeat(MAX_DEPTH + 1) + "1" + &"}".repeat(MAX_DEPTH + 1);
        assert!(problem(&objects).contains("deeper than 64"));
    }

    #[test]
    fn names_are_unique_at_every_depth() {
        assert!(problem(r#"[{"a": {"b": 1, "b": 2}}]"#).contains("\"b\" appears twice"));
        assert_eq!(
            parse(r#"{"a": {"a": 1}, "b": {"a": 2}}"#),
            Ok(json!({ "a": { "a": 1 }, "b": { "a": 2 } }))
        );
    }
}
