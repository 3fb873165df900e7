#!/usr/bin/env bash
# Create .venv and install the project with its dev extra. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check uv || true
fi
if command -v uv >/dev/null 2>&1; then
    uv venv --quiet --allow-existing --python python3 .venv
    uv pip install --quiet --python .venv/bin/python -e '.[dev]'
else
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet -e '.[dev]'
fi
