//! Validation of request fields, read from `serde_json::Value` rather than derived, because an
//! error must name the first bad field in the documented order, as a path (`jobs[2].cost`),
//! with the rule and the received value: serde's derived errors give neither.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::num::{NonZeroU64, NonZeroUsize};
use std::ops::RangeInclusive;

use serde::Serialize;
use serde_json::{Map, Number, Value};

/// 2^53 - 1: the largest integer every language's JSON reads exactly (ids, keys, times).
pub const SAFE_INTEGER: RangeInclusive<u64> = 0..=9_007_199_254_740_991;
/// A sleep in milliseconds: at most a minute, so that no case can hang a run.
pub const SLEEP_MS: RangeInclusive<u64> = 0..=60_000;
/// Iterations of the deterministic work: at most a fraction of a second of CPU.
pub const COST: RangeInclusive<u64> = 0..=100_000_000;

/// The first invalid field of a request: answered as an error, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's path from the top of the input, as in `jobs[2].cost`.
    pub field: String,
    /// The path, the rule it breaks and what was received.
    pub message: String,
}

impl FieldError {
    /// An error at `path`, whose message begins with that path.
    pub fn new(path: Path<'_>, problem: impl fmt::Display) -> Self {
        let field = path.to_string();
        let message = format!("{field} {problem}");
        Self { field, message }
    }
}

/// Where a value sits in a request. Built on the stack as validation descends and only turned
/// into text when there is an error to report, so valid input costs no allocation.
#[derive(Debug, Clone, Copy)]
pub enum Path<'a> {
    /// The input itself.
    Input,
    /// A field of an object.
    Key(&'a Path<'a>, &'a str),
    /// An element of an array.
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// The path of field `key` of the object at this path.
    #[must_use]
    pub fn key(&'a self, key: &'a str) -> Self {
        Path::Key(self, key)
    }

    /// The path of element `index` of the array at this path.
    #[must_use]
    pub fn index(&'a self, index: usize) -> Self {
        Path::Index(self, index)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Input => f.write_str("input"),
            // Fields of the input are named alone: `workers`, not `input.workers`.
            Path::Key(Path::Input, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// Names what was received, for messages: a number as itself, any other value by its type.
struct Received<'a>(&'a Value);

impl fmt::Display for Received<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::Null => f.write_str("null"),
            Value::Bool(_) => f.write_str("a boolean"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(_) => f.write_str("a string"),
            Value::Array(_) => f.write_str("an array"),
            Value::Object(_) => f.write_str("an object"),
        }
    }
}

/// A JSON object under validation, with the path that names its fields in errors.
#[derive(Debug, Clone, Copy)]
pub struct Object<'a> {
    path: Path<'a>,
    fields: &'a Map<String, Value>,
}

impl<'a> Object<'a> {
    /// The object at `path`, or an error if `value` is not an object.
    pub fn new(path: Path<'a>, value: &'a Value) -> Result<Self, FieldError> {
        match value {
            Value::Object(fields) => Ok(Self { path, fields }),
            other => Err(FieldError::new(
                path,
                format_args!("must be an object, got {}", Received(other)),
            )),
        }
    }

    /// The path of this object's field `key`.
    pub fn path(&'a self, key: &'a str) -> Path<'a> {
        self.path.key(key)
    }

    /// A required integer within `range`.
    pub fn required_int(&self, key: &str, range: RangeInclusive<u64>) -> Result<u64, FieldError> {
        match self.fields.get(key) {
            Some(value) => integer(self.path.key(key), value, &range),
            None => Err(missing(self.path.key(key), &range)),
        }
    }

    /// An optional integer within `range`, `default` when the field is absent. A `null` is a
    /// value of the wrong type, not an absent field.
    pub fn optional_int(
        &self,
        key: &str,
        range: RangeInclusive<u64>,
        default: u64,
    ) -> Result<u64, FieldError> {
        self.fields.get(key).map_or(Ok(default), |value| {
            integer(self.path.key(key), value, &range)
        })
    }

    /// An optional integer within `range`, `None` when the field is absent: a limit that, when
    /// not given, is no limit at all.
    pub fn maybe_int(
        &self,
        key: &str,
        range: RangeInclusive<u64>,
    ) -> Result<Option<u64>, FieldError> {
        self.fields
            .get(key)
            .map(|value| integer(self.path.key(key), value, &range))
            .transpose()
    }

    /// A required count from 1 to `max`: a number of workers, a capacity, a batch size.
    pub fn required_count(&self, key: &str, max: u32) -> Result<NonZeroUsize, FieldError> {
        let range = 1..=u64::from(max);
        let count = self.required_int(key, range.clone())?;
        // Always converts: the range starts at 1 and `u32` fits in `usize` on every target
        // tokio runs on.
        usize::try_from(count)
            .ok()
            .and_then(NonZeroUsize::new)
            .ok_or_else(|| out_of_range(self.path.key(key), &range, &Value::from(count)))
    }

    /// A required integer from 1 to `max`: a rate, a period, a size that zero would break.
    pub fn required_positive(&self, key: &str, max: u64) -> Result<NonZeroU64, FieldError> {
        let range = 1..=max;
        let n = self.required_int(key, range.clone())?;
        NonZeroU64::new(n).ok_or_else(|| out_of_range(self.path.key(key), &range, &Value::from(n)))
    }

    /// A required string, one of `choices`, returned as what it stands for.
    pub fn required_choice<T: Copy>(
        &self,
        key: &str,
        choices: &[(&str, T)],
    ) -> Result<T, FieldError> {
        choice(self.path.key(key), self.fields.get(key), choices)
    }

    /// An optional string, one of `choices`, returned as what it stands for; `None` when the
    /// field is absent.
    pub fn optional_choice<T: Copy>(
        &self,
        key: &str,
        choices: &[(&str, T)],
    ) -> Result<Option<T>, FieldError> {
        if self.fields.contains_key(key) {
            self.required_choice(key, choices).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A required string.
    pub fn required_str(&self, key: &str) -> Result<&'a str, FieldError> {
        match self.fields.get(key) {
            Some(Value::String(text)) => Ok(text),
            Some(other) => Err(FieldError::new(
                self.path.key(key),
                format_args!("must be a string, got {}", Received(other)),
            )),
            None => Err(FieldError::new(self.path.key(key), "is required: a string")),
        }
    }

    /// A required boolean.
    pub fn required_bool(&self, key: &str) -> Result<bool, FieldError> {
        if self.fields.contains_key(key) {
            self.optional_bool(key, false)
        } else {
            Err(FieldError::new(
                self.path.key(key),
                "is required: a boolean",
            ))
        }
    }

    /// An optional boolean, `default` when the field is absent.
    pub fn optional_bool(&self, key: &str, default: bool) -> Result<bool, FieldError> {
        match self.fields.get(key) {
            None => Ok(default),
            Some(Value::Bool(flag)) => Ok(*flag),
            Some(other) => Err(FieldError::new(
                self.path.key(key),
                format_args!("must be a boolean, got {}", Received(other)),
            )),
        }
    }

    /// A required array.
    pub fn required_array(&self, key: &str) -> Result<&'a [Value], FieldError> {
        match self.fields.get(key) {
            Some(value) => array(self.path.key(key), value),
            None => Err(FieldError::new(self.path.key(key), "is required: an array")),
        }
    }

    /// An optional array, empty when the field is absent.
    pub fn optional_array(&self, key: &str) -> Result<&'a [Value], FieldError> {
        self.fields
            .get(key)
            .map_or(Ok(&[]), |value| array(self.path.key(key), value))
    }

    /// A required array of at most `max` elements: a bound that keeps a mistyped request
    /// from spawning without limit.
    pub fn required_array_at_most(&self, key: &str, max: usize) -> Result<&'a [Value], FieldError> {
        let items = self.required_array(key)?;
        if items.len() > max {
            return Err(FieldError::new(
                self.path.key(key),
                format_args!("must have at most {max} elements, got {}", items.len()),
            ));
        }
        Ok(items)
    }

    /// A required array whose length lies within `lengths`.
    pub fn required_array_of(
        &self,
        key: &str,
        lengths: RangeInclusive<usize>,
    ) -> Result<&'a [Value], FieldError> {
        let items = self.required_array(key)?;
        if !lengths.contains(&items.len()) {
            return Err(FieldError::new(
                self.path.key(key),
                format_args!(
                    "must have {} to {} elements, got {}",
                    lengths.start(),
                    lengths.end(),
                    items.len()
                ),
            ));
        }
        Ok(items)
    }

    /// A required object.
    pub fn required_object(&'a self, key: &'a str) -> Result<Object<'a>, FieldError> {
        match self.fields.get(key) {
            Some(value) => Object::new(self.path.key(key), value),
            None => Err(FieldError::new(
                self.path.key(key),
                "is required: an object",
            )),
        }
    }

    /// An optional object, `None` when the field is absent: a part of an element that only
    /// some elements have.
    pub fn optional_object(&'a self, key: &'a str) -> Result<Option<Object<'a>>, FieldError> {
        self.fields
            .get(key)
            .map(|value| Object::new(self.path.key(key), value))
            .transpose()
    }
}

/// The string at `path`, one of `choices`, returned as what it stands for; `value` is `None`
/// when the field is absent, which is an error too.
pub fn choice<T: Copy>(
    path: Path<'_>,
    value: Option<&Value>,
    choices: &[(&str, T)],
) -> Result<T, FieldError> {
    let names = Choices(choices);
    match value {
        Some(Value::String(text)) => choices
            .iter()
            .find(|(name, _)| name == text)
            .map(|&(_, choice)| choice)
            .ok_or_else(|| {
                FieldError::new(path, format_args!("must be one of {names}, got {text:?}"))
            }),
        Some(other) => Err(FieldError::new(
            path,
            format_args!("must be one of {names}, got {}", Received(other)),
        )),
        None => Err(FieldError::new(
            path,
            format_args!("is required: one of {names}"),
        )),
    }
}

/// The array at `path`, or an error if `value` is not an array.
pub fn array<'a>(path: Path<'_>, value: &'a Value) -> Result<&'a [Value], FieldError> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(FieldError::new(
            path,
            format_args!("must be an array, got {}", Received(other)),
        )),
    }
}

/// Ids that must be unique within a request, each remembered with where it was first seen
/// (an index, or a pair of them), so that a repeated id is reported at its second occurrence
/// and names the first. `W` stays a few integers: valid input builds no path text.
#[derive(Debug)]
pub struct Unique<W> {
    seen: HashMap<u64, W>,
}

impl<W: Copy> Unique<W> {
    /// No id seen yet; `expected` is how many there will be.
    pub fn with_capacity(expected: usize) -> Self {
        Self {
            seen: HashMap::with_capacity(expected),
        }
    }

    /// Records `id`, read at `path` in the element `at`; an error at `path` if an earlier
    /// element had it, naming that element as `first` writes it.
    pub fn insert(
        &mut self,
        path: Path<'_>,
        id: u64,
        at: W,
        first: impl FnOnce(W) -> String,
    ) -> Result<(), FieldError> {
        match self.seen.entry(id) {
            Entry::Vacant(slot) => {
                slot.insert(at);
                Ok(())
            }
            Entry::Occupied(earlier) => Err(FieldError::new(
                path,
                format_args!(
                    "must be unique, got {id}, already the id of {}",
                    first(*earlier.get())
                ),
            )),
        }
    }
}

/// Reads `listed`, the array at `path`, as objects each with an `id` from 0 to 2^53 - 1 that no
/// earlier element has: jobs, items, subscribers. Each element is checked in turn (itself, its
/// `id`, a duplicate `id`), then handed to `each` with its index and id for its other fields.
pub fn each_with_unique_id(
    path: Path<'_>,
    listed: &[Value],
    mut each: impl FnMut(usize, &Object<'_>, u64) -> Result<(), FieldError>,
) -> Result<(), FieldError> {
    let mut ids = Unique::with_capacity(listed.len());
    for (index, element) in listed.iter().enumerate() {
        let element = Object::new(path.index(index), element)?;
        let id = element.required_int("id", SAFE_INTEGER)?;
        ids.insert(element.path("id"), id, index, |first| {
            path.index(first).to_string()
        })?;
        each(index, &element, id)?;
    }
    Ok(())
}

/// A time that must not come before the one before it (`previous`), read at `path`.
pub fn not_before(path: Path<'_>, previous: u64, at: u64) -> Result<u64, FieldError> {
    if at < previous {
        return Err(FieldError::new(
            path,
            format_args!("must not come before the time before it ({previous}), got {at}"),
        ));
    }
    Ok(at)
}

/// The names of the allowed strings, for messages: `"merge", "scatter-gather"`.
struct Choices<'a, T>(&'a [(&'a str, T)]);

impl<T> fmt::Display for Choices<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, (name, _)) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name:?}")?;
        }
        Ok(())
    }
}

fn missing(path: Path<'_>, range: &RangeInclusive<u64>) -> FieldError {
    FieldError::new(
        path,
        format_args!(
            "is required: an integer from {} to {}",
            range.start(),
            range.end()
        ),
    )
}

fn out_of_range(path: Path<'_>, range: &RangeInclusive<u64>, value: &Value) -> FieldError {
    FieldError::new(
        path,
        format_args!(
            "must be an integer from {} to {}, got {}",
            range.start(),
            range.end(),
            Received(value)
        ),
    )
}

/// An integer within `range`. A number with no fractional part (`4.0`, `1e3`) counts as an
/// integer, because JSON itself draws no line there and JavaScript cannot tell `4.0` from `4`;
/// every language then accepts the same inputs.
pub fn integer(
    path: Path<'_>,
    value: &Value,
    range: &RangeInclusive<u64>,
) -> Result<u64, FieldError> {
    let Value::Number(number) = value else {
        return Err(FieldError::new(
            path,
            format_args!("must be an integer, got {}", Received(value)),
        ));
    };
    match Reading::of(number) {
        Reading::Whole(Some(n)) if range.contains(&n) => Ok(n),
        Reading::Whole(_) => Err(out_of_range(path, range, value)),
        Reading::Fractional => Err(FieldError::new(
            path,
            format_args!("must be an integer, got {number}"),
        )),
    }
}

/// What a number is, read exactly from the decimal text it was written in: no rounding to a
/// float decides that `0.1e-999` is 0 or that `4.000000000000000001` is 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// A whole number: `None` when it is negative or above `u64::MAX`.
    Whole(Option<u64>),
    /// A number with a fractional part.
    Fractional,
}

impl Reading {
    fn of(number: &Number) -> Self {
        // The usual case, digits alone.
        if let Some(n) = number.as_u64() {
            return Self::Whole(Some(n));
        }
        let text = number.as_str();
        let (negative, magnitude) = match text.strip_prefix('-') {
            Some(magnitude) => (true, magnitude),
            None => (false, text),
        };
        let (mantissa, exponent) = magnitude.split_once(['e', 'E']).unwrap_or((magnitude, "0"));
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        // The value is `digits * 10^scale`, with `digits` free of leading and trailing zeros.
        let digits = format!("{whole}{fraction}");
        let digits = digits.trim_start_matches('0');
        let significant = digits.trim_end_matches('0');
        if significant.is_empty() {
            return Self::Whole(Some(0));
        }
        let trailing_zeros = digits.len() - significant.len();
        // Saturates far beyond any exponent that could matter: the result only needs to stay
        // below zero, or above 20 digits, when the true one does.
        let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
        let exponent = match exponent.strip_prefix('-') {
            Some(digits) => -saturating_decimal(digits),
            None => saturating_decimal(exponent),
        };
        let scale = exponent
            .saturating_sub(i64::try_from(fraction.len()).unwrap_or(i64::MAX))
            .saturating_add(i64::try_from(trailing_zeros).unwrap_or(i64::MAX));
        if scale < 0 {
            return Self::Fractional;
        }
        if negative {
            return Self::Whole(None);
        }
        // Twenty digits or fewer may fit in a `u64`; `checked_*` tells.
        let whole = u32::try_from(scale).ok().and_then(|scale| {
            let mantissa: u64 = significant.parse().ok()?;
            mantissa.checked_mul(10_u64.checked_pow(scale)?)
        });
        Self::Whole(whole)
    }
}

/// Decimal digits as an `i64`, saturating at `i64::MAX`.
fn saturating_decimal(digits: &str) -> i64 {
    digits.bytes().fold(0_i64, |n, digit| {
        n.saturating_mul(10).saturating_add(i64::from(digit - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Reads field `n` of `{"n": value}` as an integer from 1 to 10.
    fn read_int(value: &Value) -> Result<u64, FieldError> {
        let input = json!({ "n": value });
        Object::new(Path::Input, &input)?.required_int("n", 1..=10)
    }

    /// A number as it was written.
    fn number(text: &str) -> Value {
        Value::Number(text.parse().expect("a JSON number"))
    }

    fn message(result: Result<impl fmt::Debug, FieldError>) -> String {
        result.expect_err("invalid").message
    }

    #[test]
    fn paths_read_as_in_the_contract() {
        let root = Path::Input;
        let jobs = root.key("jobs");
        let job = jobs.index(2);
        let params = root.key("params");
        assert_eq!(root.to_string(), "input");
        assert_eq!(jobs.to_string(), "jobs");
        assert_eq!(job.to_string(), "jobs[2]");
        assert_eq!(job.key("cost").to_string(), "jobs[2].cost");
        assert_eq!(params.key("workers").to_string(), "params.workers");
    }

    #[test]
    fn integers_name_the_rule_and_what_was_received() {
        assert_eq!(read_int(&json!(3)), Ok(3));
        assert_eq!(read_int(&json!(4.0)), Ok(4), "a whole float is an integer");
        let cases = [
            (json!(0), "n must be an integer from 1 to 10, got 0"),
            (json!(-2), "n must be an integer from 1 to 10, got -2"),
            (
                number("1e30"),
                "n must be an integer from 1 to 10, got 1e+30",
            ),
            (
                number("1e400"),
                "n must be an integer from 1 to 10, got 1e+400",
            ),
            (
                number("-1e400"),
                "n must be an integer from 1 to 10, got -1e+400",
            ),
            (number("0.1e-999"), "n must be an integer, got 0.1e-999"),
            (
                number("10.000000000000000001"),
                "n must be an integer, got 10.000000000000000001",
            ),
            (
                json!(u64::MAX),
                "n must be an integer from 1 to 10, got 18446744073709551615",
            ),
            (json!(2.5), "n must be an integer, got 2.5"),
            (json!("four"), "n must be an integer, got a string"),
            (json!(true), "n must be an integer, got a boolean"),
            (json!(null), "n must be an integer, got null"),
            (json!([1]), "n must be an integer, got an array"),
        ];
        for (value, expected) in cases {
            assert_eq!(message(read_int(&value)), expected);
        }
        let empty = json!({});
        let missing = Object::new(Path::Input, &empty).and_then(|o| o.required_int("n", 1..=10));
        assert_eq!(message(missing), "n is required: an integer from 1 to 10");
    }

    #[test]
    fn numbers_are_read_exactly_from_their_text() {
        let whole = |n| Reading::Whole(Some(n));
        let cases = [
            ("7", whole(7)),
            ("4.0", whole(4)),
            ("-0", whole(0)),
            ("-0.0e-5", whole(0)),
            ("0e999999999999999999999", whole(0)),
            ("1e2", whole(100)),
            ("1E+2", whole(100)),
            ("0.2e1", whole(2)),
            ("200e-2", whole(2)),
            ("12.50e1", whole(125)),
            ("18446744073709551615", whole(u64::MAX)),
            ("1.8446744073709551615e19", whole(u64::MAX)),
            ("18446744073709551616", Reading::Whole(None)),
            ("1e20", Reading::Whole(None)),
            ("1e400", Reading::Whole(None)),
            ("1e99999999999999999999999", Reading::Whole(None)),
            ("-1", Reading::Whole(None)),
            ("-1e400", Reading::Whole(None)),
            ("2.5", Reading::Fractional),
            ("-2.5", Reading::Fractional),
            ("0.1e-999", Reading::Fractional),
            ("1e-400", Reading::Fractional),
            ("125e-1", Reading::Fractional),
            ("1e-99999999999999999999999", Reading::Fractional),
            ("4.000000000000000001", Reading::Fractional),
        ];
        for (text, expected) in cases {
            let Value::Number(n) = number(text) else {
                unreachable!("a number")
            };
            assert_eq!(Reading::of(&n), expected, "{text}");
        }
        let digits = "9".repeat(5000);
        assert_eq!(
            message(read_int(&number(&digits))),
            format!("n must be an integer from 1 to 10, got {digits}")
        );
    }

    #[test]
    fn optional_fields_default_only_when_absent() {
        let input = json!({ "flag": null, "count": 7 });
        let object = Object::new(Path::Input, &input).expect("an object");
        assert_eq!(object.optional_int("absent", 0..=9, 5), Ok(5));
        assert_eq!(object.optional_bool("absent", true), Ok(true));
        assert_eq!(
            message(object.optional_bool("flag", false)),
            "flag must be a boolean, got null"
        );
        assert_eq!(
            message(object.optional_int("count", 0..=5, 0)),
            "count must be an integer from 0 to 5, got 7"
        );
    }

    #[test]
    fn containers_name_their_type() {
        let input = json!({ "jobs": { "id": 0 }, "params": [] });
        let object = Object::new(Path::Input, &input).expect("an object");
        assert_eq!(
            message(object.required_array("jobs")),
            "jobs must be an array, got an object"
        );
        assert_eq!(
            message(object.required_object("params")),
            "params must be an object, got an array"
        );
        assert_eq!(
            message(object.required_array("none")),
            "none is required: an array"
        );
        assert_eq!(
            message(Object::new(Path::Input, &json!(7))),
            "input must be an object, got 7"
        );
    }

    #[test]
    fn choices_name_every_allowed_string() {
        let input = json!({ "op": "zip", "mode": 3, "live": "live" });
        let object = Object::new(Path::Input, &input).expect("an object");
        let modes = [("decide", 1), ("live", 2)];
        assert_eq!(object.required_choice("live", &modes), Ok(2));
        assert_eq!(
            message(object.required_choice("op", &modes)),
            r#"op must be one of "decide", "live", got "zip""#
        );
        assert_eq!(
            message(object.required_choice("mode", &modes)),
            r#"mode must be one of "decide", "live", got 3"#
        );
        assert_eq!(
            message(object.required_choice("none", &modes)),
            r#"none is required: one of "decide", "live""#
        );
        assert_eq!(object.optional_choice("none", &modes), Ok(None));
        assert_eq!(object.optional_choice("live", &modes), Ok(Some(2)));
        assert_eq!(
            message(object.optional_choice("mode", &modes)),
            r#"mode must be one of "decide", "live", got 3"#
        );
    }

    #[test]
    fn strings_and_bounded_arrays() {
        let input = json!({ "value": "v", "number": 5, "list": [1, 2, 3] });
        let object = Object::new(Path::Input, &input).expect("an object");
        assert_eq!(object.required_str("value"), Ok("v"));
        assert_eq!(
            message(object.required_str("number")),
            "number must be a string, got 5"
        );
        assert_eq!(
            message(object.required_str("none")),
            "none is required: a string"
        );
        assert_eq!(
            object.required_array_at_most("list", 3).map(<[_]>::len),
            Ok(3)
        );
        assert_eq!(
            message(object.required_array_at_most("list", 2)),
            "list must have at most 2 elements, got 3"
        );
        let list = Path::Input.key("list");
        assert_eq!(
            message(array(list.index(0), &json!(1))),
            "list[0] must be an array, got 1"
        );
    }

    #[test]
    fn counts_are_non_zero() {
        let input = json!({ "workers": 3, "zero": 0 });
        let object = Object::new(Path::Input, &input).expect("an object");
        assert_eq!(
            object.required_count("workers", 10).map(NonZeroUsize::get),
            Ok(3)
        );
        assert_eq!(
            message(object.required_count("zero", 10)),
            "zero must be an integer from 1 to 10, got 0"
        );
        assert_eq!(
            object.required_positive("workers", 10).map(NonZeroU64::get),
            Ok(3)
        );
        assert_eq!(
            message(object.required_positive("zero", 10)),
            "zero must be an integer from 1 to 10, got 0"
        );
    }
}
