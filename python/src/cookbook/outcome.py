"""What a pool returns for each job: `Ok(value)` or `Failed(error)`.

A failing job is a result, not an exception that escapes the pool: the caller gets every other
job's value as well, and decides what one failure means.
"""

from dataclasses import dataclass
from typing import Generic, TypeAlias, TypeVar

R = TypeVar("R")


@dataclass(frozen=True)
class Ok(Generic[R]):
    """The job returned `value`."""

    value: R


@dataclass(frozen=True)
class Failed:
    """The job raised `error`."""

    error: Exception


Outcome: TypeAlias = Ok[R] | Failed
