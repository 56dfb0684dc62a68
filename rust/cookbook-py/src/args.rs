//! Python arguments read into Rust values, with the exceptions a Python caller expects:
//! `TypeError` for an argument of the wrong type, `ValueError` for one out of range, each
//! naming the parameter and its rule (`rules`).
//!
//! pyo3's own conversions would raise `OverflowError` for a negative seed and accept `True` as
//! 1; the contract never counts a boolean as an integer, and neither does this API.

use std::num::NonZeroUsize;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyString};

use crate::rules::{Integer, wrong_type};

/// `value`, the argument `name`, as an integer that `rule` accepts.
pub(crate) fn integer(name: &str, value: &Bound<'_, PyAny>, rule: &Integer) -> PyResult<u64> {
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(wrong_type(
            name,
            "an int",
            &type_name(value),
        )));
    }
    // An int that does not fit in 64 bits, or is negative, is out of range like any other.
    match value.extract::<u64>() {
        Ok(number) if rule.contains(number) => Ok(number),
        _ => Err(PyValueError::new_err(rule.violated(name, value))),
    }
}

/// `value`, the argument `name`, as a non-zero count such as a number of workers.
pub(crate) fn count(name: &str, value: &Bound<'_, PyAny>) -> PyResult<NonZeroUsize> {
    let number = integer(name, value, &Integer::POSITIVE)?;
    usize::try_from(number)
        .ok()
        .and_then(NonZeroUsize::new)
        .ok_or_else(|| PyValueError::new_err(Integer::POSITIVE.violated(name, number)))
}

/// `value`, the argument `name`, as text.
pub(crate) fn text(name: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    let text = value
        .cast::<PyString>()
        .map_err(|_| PyTypeError::new_err(wrong_type(name, "a str", &type_name(value))))?;
    Ok(text.to_str()?.to_owned())
}

/// `value`, the argument `name`, as a bool: `True` or `False`, and no other value.
pub(crate) fn boolean(name: &str, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    let flag = value
        .cast::<PyBool>()
        .map_err(|_| PyTypeError::new_err(wrong_type(name, "a bool", &type_name(value))))?;
    Ok(flag.is_true())
}

/// The name of `value`'s type, as Python prints it: `float`, `str`, `NoneType`.
pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value.get_type().name().map_or_else(
        |_| "an object of unknown type".to_owned(),
        |name| name.to_string(),
    )
}
