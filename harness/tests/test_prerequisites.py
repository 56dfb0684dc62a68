"""README's prerequisites say what the project's own files require, so that a reader who installs
what the table says can build everything."""

from __future__ import annotations

import json
import re
import tomllib

from cookbook_harness import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def stated(tool: str) -> str:
    """The version README's prerequisites table gives for `tool` (the first cell's start)."""
    for line in README.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith(tool):
            found = re.search(r"\d+(\.\d+)*", cells[1])
            assert found, f"README gives no version for {tool}: {line}"
            return found.group(0)
    raise AssertionError(f"README's prerequisites have no row for {tool}")


def major_minor(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")[:2])


def test_go_version_is_what_go_mod_requires() -> None:
    go_mod = (ROOT / "go" / "go.mod").read_text()
    required = re.search(r"^go (\S+)$", go_mod, re.MULTILINE)
    assert required
    assert major_minor(stated("Go")) == major_minor(required.group(1))


def test_rust_version_is_the_workspace_rust_version() -> None:
    cargo = tomllib.loads((ROOT / "rust" / "Cargo.toml").read_text())
    assert major_minor(stated("Rust")) == major_minor(cargo["workspace"]["package"]["rust-version"])


def test_node_version_is_what_package_json_requires() -> None:
    package = json.loads((ROOT / "typescript" / "package.json").read_text())
    required = re.search(r"\d+", package["engines"]["node"])
    assert required
    assert stated("Node.js").split(".")[0] == required.group(0)


def test_python_version_is_what_every_pyproject_requires() -> None:
    for path in ("python", "harness", "rust/cookbook-py"):
        project = tomllib.loads((ROOT / path / "pyproject.toml").read_text())["project"]
        required = re.search(r"\d+\.\d+", project["requires-python"])
        assert required, path
        assert major_minor(stated("Python")) == major_minor(required.group(0)), path
