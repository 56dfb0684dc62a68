# The concurrency cookbook: every pattern in Python, Rust, Go and TypeScript, checked alike.
# `just test-all` sets everything up from a fresh clone and runs every test and linter;
# `just compare` runs every pattern in every language and prints them side by side.

set shell := ["bash", "-euo", "pipefail", "-c"]

# mkdocs-material prints a banner about a future MkDocs on every build; the site pins MkDocs 1.
export NO_MKDOCS_2_WARNING := "1"

venv := justfile_directory() / ".venv"
py := venv / "bin/python"

# List the recipes.
default:
    @just --list --unsorted

# Run every pattern in every language on the same cases; print the table, write docs/results/latest.json.
compare *ARGS: setup-python
    {{ py }} -m cookbook_harness compare {{ ARGS }}

# Set up everything from a fresh clone, then run every linter and every test.
test-all: setup lint test

# Every test suite: each language's native tests, the extension's, the harness over all of them,
# a smoke run of every benchmark, and the site.
test: test-python test-rust test-go test-ts test-py-ext test-harness bench-smoke test-site

# Every linter and formatter check, in every language.
lint: lint-python lint-rust lint-go lint-ts

# Create the virtual environment and build every runner and the Rust extension for Python.
setup: setup-python build build-py-ext

# Create .venv with the pinned tools and install the cookbook's Python package and the harness.
setup-python:
    test -x {{ py }} || python3 -m venv {{ venv }}
    {{ py }} -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
    {{ py }} -m pip install --quiet --disable-pip-version-check --no-deps -e python -e harness

# Build every runner: Rust (release), Go, TypeScript.
build: build-rust build-go build-ts

# Build the Rust runner in release mode.
build-rust:
    cd rust && cargo build --release --locked

# Build the Go runner into go/bin/, and again with the race detector for the harness's race run.
build-go:
    cd go && go build -o bin/cookbook-runner ./cmd/cookbook-runner
    cd go && go build -race -o bin/cookbook-runner-race ./cmd/cookbook-runner

# Install the pinned npm packages and compile the TypeScript.
build-ts:
    cd typescript && npm ci --no-audit --no-fund --loglevel=error && npm run build

# Build the Rust extension for Python (pyo3, maturin) into .venv as the package cookbook_rs.
build-py-ext: setup-python
    VIRTUAL_ENV={{ venv }} {{ venv }}/bin/maturin develop --release --quiet -m rust/cookbook-py/Cargo.toml

# ruff (lint and format) and mypy --strict over the Python package, the extension's Python side
# and the harness.
lint-python: build-py-ext
    {{ venv }}/bin/ruff check python harness rust/cookbook-py
    {{ venv }}/bin/ruff format --check python harness rust/cookbook-py
    cd python && {{ venv }}/bin/mypy
    cd harness && {{ venv }}/bin/mypy
    cd rust/cookbook-py && {{ venv }}/bin/mypy

# rustfmt and clippy with warnings as errors.
lint-rust:
    cd rust && cargo fmt --all --check
    cd rust && cargo clippy --all-targets --locked -- -D warnings

# gofmt, go vet and staticcheck (pinned in go.mod as a tool).
lint-go:
    cd go && test -z "$(gofmt -l .)" || { echo "gofmt would change: $(gofmt -l .)"; exit 1; }
    cd go && go vet ./...
    cd go && go tool staticcheck ./...

# tsc --strict, eslint and prettier.
lint-ts: build-ts
    cd typescript && npm run lint

# Rewrite every file the formatters would change.
fmt: setup-python
    {{ venv }}/bin/ruff format python harness rust/cookbook-py
    {{ venv }}/bin/ruff check --fix python harness rust/cookbook-py
    cd rust && cargo fmt --all
    cd go && gofmt -w .
    cd typescript && npm run format

# The Python implementations' native tests (pytest: the asyncio, threads and Rust-extension variants).
test-python: build-py-ext
    {{ py }} -m pytest python/tests -q

# The Rust extension's tests, from Python (threads hammering the cache and the limiters).
test-py-ext: build-py-ext
    {{ py }} -m pytest rust/cookbook-py/tests -q

# The Rust native tests.
test-rust:
    cd rust && cargo test --locked --quiet

# The Go native tests, under the race detector.
test-go:
    cd go && go test -race ./...

# The TypeScript native tests (node --test over the compiled tests).
test-ts: build-ts
    cd typescript && npm test

# The harness's own tests, then every implementation on every case of the spec.
test-harness: setup-python
    {{ py }} -m pytest harness/tests -q -m "not browser"

# Build the site strictly, then open it in headless Chromium as a reader would.
test-site: docs setup-browser
    {{ py }} -m pytest harness/tests -q -m browser

# Install Debian's Chromium for the site's browser test, unless it is already there.
setup-browser:
    #!/usr/bin/env bash
    set -euo pipefail
    command -v chromium >/dev/null && exit 0
    if [ "$(id -u)" != 0 ]; then
        echo "the site's browser test needs Debian's chromium: sudo apt-get install chromium" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# The benchmark suite: `just bench` (full: 5 rounds, sizes to a million, writes docs/results/),
# `just bench quick` (a smoke run); more options: `just bench full --help`.
bench profile="full" *ARGS: setup
    {{ py }} -m cookbook_harness bench --profile {{ profile }} {{ ARGS }}

# Every benchmark once, small, checking that each still runs and reports sane figures.
bench-smoke: setup
    {{ py }} -m cookbook_harness bench --profile quick --output-dir build/bench-quick > /dev/null

# The Rust extension against pure Python: the parallel speed-up and the cost per operation.
bench-native *ARGS: build-py-ext
    {{ py }} rust/cookbook-py/benchmarks/native_vs_python.py {{ ARGS }}

# Rewrite the bad-input corpus, harness/corpus/bad-inputs.json, from its generator.
corpus: setup-python
    {{ py }} -m cookbook_harness corpus

# Fingerprint new spec cases, so that a published case can never silently change.
publish-spec: setup-python
    {{ py }} -m cookbook_harness publish

# Build the site with mkdocs --strict into build/site.
docs: setup-python
    {{ venv }}/bin/mkdocs build --strict --quiet --site-dir build/site

# Serve the site on http://127.0.0.1:8000 while you edit it.
serve: setup-python
    {{ venv }}/bin/mkdocs serve --dev-addr 127.0.0.1:8000
