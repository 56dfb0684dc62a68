"""Validation of decoded JSON, reporting the offending field by its path.

A pattern validates its input by reading it through `Fields`, field by field in its documented
order, so the first problem raised is the one the contract says to report. Every message names the
path, the rule and what was received: `workers must be an integer from 1 to 10000, got 0`.
"""

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import NoReturn


class FieldError(Exception):
    """An invalid field: answered as `{"status": "error", "error": {"field", "message"}}`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LongInteger:
    """A JSON integer with more digits than `int()` converts (`sys.get_int_max_str_digits()`,
    4300 by default, a guard against conversions that take quadratic time). Every integer a
    pattern reads lies within 2**53 - 1, so such a number is out of range wherever it is read,
    and kept as its digits only to say so."""

    digits: str


def kind(value: object) -> str:
    """The received type, as a message names it: `str`, `float`, `bool`, `list`, `null`."""
    if isinstance(value, LongInteger):
        return "int"
    return "null" if value is None else type(value).__name__


def integer_at(value: object, path: str, low: int, high: int) -> int:
    """`value`, found at `path`, as an integer from `low` to `high`."""
    rule = f"{path} must be an integer from {low} to {high}"
    if isinstance(value, LongInteger):
        raise FieldError(path, f"{rule}, got an integer of {len(value.digits.lstrip('-'))} digits")
    # bool is a subclass of int, but `true` is not a number in JSON.
    if not isinstance(value, int) or isinstance(value, bool):
        raise FieldError(path, f"{path} must be an integer, got {kind(value)}")
    if not low <= value <= high:
        raise FieldError(path, f"{rule}, got {value}")
    return value


def array_at(value: object, path: str, most: int | None = None) -> list[object]:
    """`value`, found at `path`, as an array of at most `most` elements (any number if None)."""
    if not isinstance(value, list):
        raise FieldError(path, f"{path} must be an array, got {kind(value)}")
    if most is not None and len(value) > most:
        raise FieldError(path, f"{path} must have at most {most} elements, got {len(value)}")
    return value


def _shown(value: object) -> str:
    """What was received, as a message shows it: a string quoted, anything else by its type."""
    return f'"{value}"' if isinstance(value, str) else kind(value)


def choice_at(value: object, path: str, options: tuple[str, ...]) -> str:
    """`value`, found at `path`, as a string, one of `options`."""
    if not isinstance(value, str) or value not in options:
        named = ", ".join(f'"{option}"' for option in options)
        raise FieldError(path, f"{path} must be one of {named}, got {_shown(value)}")
    return value


class Fields:
    """A JSON object under validation, and the path where it sits (`""` at the root)."""

    def __init__(self, value: object, path: str = "") -> None:
        if not isinstance(value, dict):
            raise FieldError(path, f"{path} must be an object, got {kind(value)}")
        self._values: Mapping[str, object] = value
        self.path = path

    def at(self, key: str) -> str:
        """The path of the field `key` of this object: `jobs[2]` and `cost` give `jobs[2].cost`."""
        return f"{self.path}.{key}" if self.path else key

    def integer(self, key: str, low: int, high: int, default: int | None = None) -> int:
        """An integer from `low` to `high`; required unless a `default` is given."""
        value = self._get(key, f"an integer from {low} to {high}", default)
        return integer_at(value, self.at(key), low, high)

    def optional_integer(self, key: str, low: int, high: int) -> int | None:
        """An integer from `low` to `high`, or None when the field is absent."""
        return self.integer(key, low, high) if key in self._values else None

    def boolean(self, key: str, default: bool | None = None) -> bool:
        """`true` or `false`; required unless a `default` is given."""
        path, value = self.at(key), self._get(key, "a boolean", default)
        if not isinstance(value, bool):
            raise FieldError(path, f"{path} must be a boolean, got {kind(value)}")
        return value

    def array(self, key: str, most: int | None = None) -> list[object]:
        """A required array, of at most `most` elements if given."""
        return array_at(self._get(key, "an array", None), self.at(key), most)

    def optional_array(self, key: str, most: int | None = None) -> list[object] | None:
        """An array of at most `most` elements if given, or None when the field is absent."""
        return self.array(key, most) if key in self._values else None

    def objects(self, key: str, most: int | None = None) -> Iterator["Fields"]:
        """A required array (of at most `most` elements), checked now; then each element, read
        as an object through its own `Fields` (`jobs[2]`) only when the iteration reaches it, so
        that whatever is wrong with one element is reported before anything after it is read."""
        path, values = self.at(key), self.array(key, most)
        return (Fields(value, f"{path}[{index}]") for index, value in enumerate(values))

    def times(self, key: str, high: int, what: str) -> list[int]:
        """A required array of integers from 0 to `high` that never decrease (`arrivalsMs`):
        each element is checked whole, in range and then in order (`what` says why the times are
        in order), before the next, so the first bad element is the one reported."""
        path, times = self.at(key), list[int]()
        for index, value in enumerate(self.array(key)):
            time = integer_at(value, f"{path}[{index}]", 0, high)
            if times:
                not_earlier(f"{path}[{index}]", time, f"{path}[{index - 1}]", times[-1], what)
            times.append(time)
        return times

    def string(self, key: str) -> str:
        """A required string."""
        path, value = self.at(key), self._get(key, "a string", None)
        if not isinstance(value, str):
            raise FieldError(path, f"{path} must be a string, got {kind(value)}")
        return value

    def choice(self, key: str, options: tuple[str, ...]) -> str:
        """A required string, one of `options`."""
        named = ", ".join(f'"{option}"' for option in options)
        return choice_at(self._get(key, f"one of {named}", None), self.at(key), options)

    def optional_choice(self, key: str, options: tuple[str, ...]) -> str | None:
        """One of `options`, or None when the field is absent."""
        return self.choice(key, options) if key in self._values else None

    def absent(self, key: str, reason: str) -> None:
        """Refuse the field `key` if it is given, for `reason`: a field that a reader cannot honour
        is an error rather than ignored, so that nothing runs other than what was asked for."""
        if key in self._values:
            path = self.at(key)
            got = _shown(self._values[key])
            raise FieldError(path, f"{path} must be absent: {reason}, got {got}")

    def obj(self, key: str) -> "Fields":
        """A required object, read through its own `Fields`."""
        return Fields(self._get(key, "an object", None), self.at(key))

    def optional_obj(self, key: str) -> "Fields | None":
        """An object read through its own `Fields`, or None when the field is absent."""
        return self.obj(key) if key in self._values else None

    def reject(self, key: str, rule: str) -> NoReturn:
        """Report a rule that spans fields, such as a duplicate id, at the field `key`."""
        raise FieldError(self.at(key), f"{self.at(key)} {rule}")

    def _get(self, key: str, rule: str, default: object) -> object:
        if key in self._values:
            return self._values[key]
        if default is None:
            raise FieldError(self.at(key), f"{self.at(key)} is required: {rule}")
        return default


class Unique:
    """A field whose values must differ across a list (or several lists: item ids across every
    producer's items): the second occurrence is the one reported, naming where the first is."""

    def __init__(self) -> None:
        self._first: dict[Hashable, str] = {}

    def check(self, fields: Fields, key: str, value: Hashable) -> None:
        """Refuse `value`, read from `fields`' `key`, if an earlier object held it already."""
        if value in self._first:
            fields.reject(key, f"must be unique, got {value} again (first at {self._first[value]})")
        self._first[value] = fields.path


def not_earlier(path: str, value: int, previous_path: str, previous: int, what: str) -> None:
    """Refuse a time at `path` earlier than the one before it, at `previous_path`: `what` says
    why the times are in order (`arrivals are in time order`)."""
    if value < previous:
        raise FieldError(
            path,
            f"{path} must not be earlier than {previous_path} ({previous}): {what}, got {value}",
        )
