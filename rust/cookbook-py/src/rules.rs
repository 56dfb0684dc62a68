//! The rules the Python API checks its arguments against, and the messages that name them.
//!
//! A message names the parameter, says the rule and shows what was received, as the
//! cookbook's runners do: `workers must be an integer of at least 1, got 0`. Kept apart from
//! pyo3, so that the wording is tested without an interpreter.

use std::fmt;
use std::ops::RangeInclusive;

/// The largest time, in milliseconds, that the decision cores accept: 2^53 - 1, the contract's
/// bound, far enough away (285 000 years) that adding a window to it never overflows.
pub(crate) const MAX_TIME_MS: u64 = (1 << 53) - 1;

/// The integers a parameter accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Integer(pub(crate) RangeInclusive<u64>);

impl Integer {
    /// Any unsigned 64-bit integer.
    pub(crate) const UNSIGNED: Self = Self(0..=u64::MAX);
    /// Any unsigned 64-bit integer but zero.
    pub(crate) const POSITIVE: Self = Self(1..=u64::MAX);

    pub(crate) fn contains(&self, value: u64) -> bool {
        self.0.contains(&value)
    }

    /// `name must be <rule>, got <got>`.
    pub(crate) fn violated(&self, name: &str, got: impl fmt::Display) -> String {
        format!("{name} must be {self}, got {got}")
    }
}

impl fmt::Display for Integer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (*self.0.start(), *self.0.end()) {
            (0, u64::MAX) => write!(f, "an integer from 0 to 2**64 - 1"),
            (low, u64::MAX) => write!(f, "an integer of at least {low}"),
            (low, high) => write!(f, "an integer from {low} to {high}"),
        }
    }
}

/// `name must be <expected>, got <type>`, for an argument of the wrong type.
pub(crate) fn wrong_type(name: &str, expected: &str, got: &str) -> String {
    format!("{name} must be {expected}, got {got}")
}

/// A time earlier than the last one a decision core was given.
pub(crate) fn went_back(name: &str, previous: u64, now: u64) -> String {
    format!(
        "{name} must not be earlier than the time of the decision before ({previous}), got {now}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_names_the_parameter_the_rule_and_what_was_received() {
        let workers = Integer::POSITIVE;
        assert_eq!(
            workers.violated("workers", 0),
            "workers must be an integer of at least 1, got 0"
        );
        assert_eq!(
            Integer(1..=1_000_000).violated("tokens", 1_000_001),
            "tokens must be an integer from 1 to 1000000, got 1000001"
        );
        assert_eq!(
            Integer::UNSIGNED.violated("seeds[2]", -1),
            "seeds[2] must be an integer from 0 to 2**64 - 1, got -1"
        );
    }

    #[test]
    fn a_range_contains_its_bounds() {
        let rule = Integer(1..=3);
        assert!(rule.contains(1) && rule.contains(3));
        assert!(!rule.contains(0) && !rule.contains(4));
    }

    #[test]
    fn wrong_types_and_times_going_back_say_what_was_expected() {
        assert_eq!(
            wrong_type("value", "a str", "int"),
            "value must be a str, got int"
        );
        assert_eq!(
            went_back("now_ms", 500, 499),
            "now_ms must not be earlier than the time of the decision before (500), got 499"
        );
    }
}
