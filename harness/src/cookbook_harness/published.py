"""Published cases never change: `harness/spec/published.json` holds a fingerprint of each
published case, and a fix to a case must be a new case with a new id."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import SPEC_DIR
from .compare import canonical
from .spec import PatternSpec, load_all

LOCK = SPEC_DIR / "published.json"


def fingerprint(spec: PatternSpec, case_id: str) -> str:
    raw = next(c for c in spec.raw["cases"] if c["id"] == case_id)
    return hashlib.sha256(canonical(raw).encode()).hexdigest()[:16]


def _lock(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    loaded: dict[str, dict[str, str]] = json.loads(path.read_text())
    return loaded


def check(spec: PatternSpec, path: Path = LOCK) -> list[str]:
    """What breaks the rule for one pattern: changed, removed or unpublished cases."""
    locked = _lock(path).get(spec.pattern, {})
    ids = {c.id for c in spec.cases}
    problems = [
        f"{spec.pattern}/{cid}: a published case was removed; keep it, or it breaks older reports"
        for cid in locked
        if cid not in ids
    ]
    for case in spec.cases:
        if case.id not in locked:
            problems.append(f"{spec.pattern}/{case.id}: not published yet; run `just publish-spec`")
        elif locked[case.id] != fingerprint(spec, case.id):
            problems.append(
                f"{spec.pattern}/{case.id}: a published case changed; restore it and add the fix "
                "as a new case with a new id"
            )
    return problems


def publish(path: Path = LOCK) -> list[str]:
    """Fingerprint every case not yet published; never touches a published fingerprint."""
    lock = _lock(path)
    added = []
    for spec in load_all():
        mine = lock.setdefault(spec.pattern, {})
        for case in spec.cases:
            if case.id not in mine:
                mine[case.id] = fingerprint(spec, case.id)
                added.append(f"{spec.pattern}/{case.id}")
    path.write_text(json.dumps(lock, indent=2, sort_keys=True) + "\n")
    return added
