"""The bad-input corpus (harness/corpus/bad-inputs.json) against every runner: each entry answered
as the corpus says, exit code, answers and error fields alike, in all six implementations."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from cookbook_harness import corpus, runners
from cookbook_harness.corpus import Entry, Seen
from cookbook_harness.implementations import IMPLEMENTATIONS, Implementation
from cookbook_harness.spec import load_all

ENTRIES = corpus.load()
SPECS = {s.pattern: s for s in load_all()}
Results = dict[str, dict[str, Seen | None]]


def exempt(impl: Implementation, entry: Entry) -> str | None:
    """Why `impl` need not answer `entry`: it skips every case of a pattern the entry needs."""
    listing = runners.listing(impl)
    for pattern in entry.patterns:
        skips = listing.patterns.get(pattern, {})
        if {c.id for c in SPECS[pattern].cases} <= set(skips):
            return f"{impl.name} skips {pattern} whole"
    return None


def answer_all(impl: Implementation) -> dict[str, Seen | None]:
    runners.ensure_built(impl)
    argv = impl.argv()
    applicable = [e for e in ENTRIES if exempt(impl, e) is None]
    together = [e for e in applicable if e.command == "run" and not e.alone]
    alone = [e for e in applicable if e.command == "bench" or e.alone]
    results: dict[str, Seen | None] = {e.name: None for e in ENTRIES}
    batch = corpus.run_batch(argv, together)
    if batch is None:
        alone += together  # something in the batch went wrong: find out which, one by one
    else:
        results.update(batch)
    # The runners are processes, mostly waiting on start-up: a few at once on two cores.
    with ThreadPoolExecutor(max_workers=4) as pool:
        answered = pool.map(lambda e: corpus.run_entry(argv, e), alone)
        for entry, seen in zip(alone, answered, strict=True):
            results[entry.name] = seen
    return results


@pytest.fixture(scope="session")
def results() -> Results:
    return {}


def seen_by(impl: Implementation, results: Results) -> dict[str, Seen | None]:
    if impl.name not in results:
        results[impl.name] = answer_all(impl)
    return results[impl.name]


def test_the_corpus_file_is_what_its_generator_makes() -> None:
    made = [e.as_json() for e in corpus.generate()]
    assert [e.as_json() for e in ENTRIES] == made, "run `just corpus` and commit the file"


def test_the_corpus_is_large_and_spread_over_every_pattern_and_both_commands() -> None:
    assert len(ENTRIES) >= 300
    names = [e.name for e in ENTRIES]
    assert len(set(names)) == len(names), "entry names must be unique"
    for command in ("run", "bench"):
        for pattern in SPECS:
            found = [e for e in ENTRIES if e.command == command and pattern in e.patterns]
            assert len(found) >= 10, (command, pattern)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=lambda i: i.name)
def test_every_entry_is_answered_as_the_corpus_says(impl: Implementation, results: Results) -> None:
    seen = seen_by(impl, results)
    wrong: dict[str, list[str]] = {}
    for entry in ENTRIES:
        got = seen[entry.name]
        if got is None:
            assert exempt(impl, entry), f"{entry.name} was not run"
            continue
        problems = corpus.judge(entry, got)
        if problems:
            wrong[entry.name] = problems
    shown = "\n".join(f"{name}: {'; '.join(p)}" for name, p in list(wrong.items())[:40])
    assert not wrong, (
        f"{impl.name} answers {len(wrong)} of {len(ENTRIES)} entries wrongly:\n{shown}"
    )


def test_every_implementation_answers_every_entry_alike(results: Results) -> None:
    differ = []
    for entry in ENTRIES:
        groups: dict[str, list[str]] = {}
        for impl in IMPLEMENTATIONS:
            got = seen_by(impl, results)[entry.name]
            if got is not None:
                groups.setdefault(got.summary(), []).append(impl.name)
        if len(groups) > 1:
            differ.append(f"{entry.name}: " + " | ".join(f"{v}: {k}" for k, v in groups.items()))
    assert not differ, f"{len(differ)} entries split the languages:\n" + "\n".join(differ[:40])
