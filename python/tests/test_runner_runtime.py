"""`list`'s `runtime` for asyncio is asked of the live interpreter: change a setting, and the
answer follows."""

import asyncio
import warnings

import pytest

from cookbook.runner import runtime


class NotedLoop(asyncio.SelectorEventLoop):
    """A loop of a class of its own, as a replaced policy (uvloop's, for one) would make."""


class NotedPolicy(asyncio.DefaultEventLoopPolicy):
    _loop_factory = NotedLoop


def test_the_event_loop_is_the_one_asyncio_run_makes() -> None:
    # Policies are deprecated from Python 3.14 on, and still what `asyncio.run` consults here.
    with warnings.catch_warnings(action="ignore", category=DeprecationWarning):
        asyncio.set_event_loop_policy(NotedPolicy())
        try:
            settings = runtime.asyncio_settings()
        finally:
            asyncio.set_event_loop_policy(None)
    assert settings["eventLoop"] == f"{__name__}.NotedLoop"


@pytest.mark.parametrize("enabled", [True, False])
def test_the_gil_is_as_a_free_threaded_build_reports_it(
    monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    monkeypatch.setattr("sys._is_gil_enabled", lambda: enabled, raising=False)
    assert runtime.asyncio_settings()["gil"] is enabled


def test_before_free_threaded_builds_the_gil_is_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr("sys._is_gil_enabled", raising=False)
    assert runtime.gil_enabled() is True


def test_the_cores_are_counted_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 48)
    assert runtime.asyncio_settings()["cpuCount"] == 48
