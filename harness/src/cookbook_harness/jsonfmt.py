"""Stable, readable JSON for the spec files: small flat values stay on one line."""

from __future__ import annotations

import json
from typing import Any

_LINE = 100


def dumps(value: Any, indent: int = 0) -> str:
    """Format `value` with two-space indentation, keeping any container that holds no non-empty
    container and fits in one line on that line, so a list of jobs reads one job per line."""
    flat = json.dumps(value, ensure_ascii=False)
    nested = isinstance(value, (dict, list)) and any(
        isinstance(v, (dict, list)) and len(v) > 0
        for v in (value.values() if isinstance(value, dict) else value)
    )
    if not isinstance(value, (dict, list)) or (not nested and indent + len(flat) <= _LINE):
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {dumps(v, indent + 2)}" for k, v in value.items()]
        open_, close = "{", "}"
    else:
        items = [f"{pad}{dumps(v, indent + 2)}" for v in value]
        open_, close = "[", "]"
    if not items:
        return open_ + close
    return open_ + "\n" + ",\n".join(items) + "\n" + " " * indent + close
