"""Loading and validating the language-neutral specs in harness/spec/."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from . import SPEC_DIR

NOT_PATTERNS = frozenset({"schema.json", "work.json", "published.json"})


class SpecError(ValueError):
    """A spec file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Case:
    pattern: str
    id: str
    description: str
    input: dict[str, Any]
    expected: dict[str, Any]
    compare: dict[str, str] = field(default_factory=dict)
    invariants: tuple[dict[str, Any], ...] = ()

    @property
    def expects_error(self) -> bool:
        return "error" in self.expected

    def request(self) -> dict[str, Any]:
        """The runner protocol's request line for this case."""
        return {"pattern": self.pattern, "id": self.id, "input": self.input}


@dataclass(frozen=True)
class PatternSpec:
    pattern: str
    title: str
    summary: str
    cases: tuple[Case, ...]
    bench: dict[str, Any] | None
    path: Path
    raw: dict[str, Any]

    def case(self, case_id: str) -> Case:
        for c in self.cases:
            if c.id == case_id:
                return c
        raise KeyError(f"{self.pattern} has no case {case_id!r}")


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SPEC_DIR / "schema.json").read_text())
    return loaded


def spec_paths(spec_dir: Path = SPEC_DIR) -> list[Path]:
    return sorted(p for p in spec_dir.glob("*.json") if p.name not in NOT_PATTERNS)


def load(path: Path) -> PatternSpec:
    """Read and schema-check one spec file."""
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: not valid JSON: {exc}") from exc
    errors = sorted(
        jsonschema.Draft202012Validator(schema()).iter_errors(raw), key=lambda e: list(e.path)
    )
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise SpecError(f"{path}: at {where}: {first.message}")
    if raw["pattern"] != path.stem:
        raise SpecError(
            f"{path}: pattern {raw['pattern']!r} must match the file name {path.stem!r}"
        )
    shared = tuple(raw.get("invariants", ()))
    cases = tuple(
        Case(
            pattern=raw["pattern"],
            id=c["id"],
            description=c["description"],
            input=c["input"],
            expected=c["expected"],
            compare=c.get("compare", {}),
            # Pattern-level invariants apply to every case that expects an output.
            invariants=(shared if "output" in c["expected"] else ())
            + tuple(c.get("invariants", ())),
        )
        for c in raw["cases"]
    )
    return PatternSpec(
        pattern=raw["pattern"],
        title=raw["title"],
        summary=raw["summary"],
        cases=cases,
        bench=raw.get("bench"),
        path=path,
        raw=raw,
    )


@cache
def load_all(spec_dir: Path = SPEC_DIR) -> tuple[PatternSpec, ...]:
    return tuple(load(p) for p in spec_paths(spec_dir))


def resolve(value: Any, case_input: dict[str, Any]) -> Any:
    """Resolve an invariant parameter: `"$input.workers"` takes that field of the case's input."""
    if isinstance(value, str) and value.startswith("$input."):
        key = value.removeprefix("$input.")
        if key not in case_input:
            raise SpecError(f"invariant parameter {value!r}: the case's input has no field {key!r}")
        return case_input[key]
    return value
