#!/usr/bin/env bash
# Create .venv with exactly the locked dependency set (requirements.lock, what CI tested), then
# the project itself (editable, no dependencies). Safe to re-run.
# Bytecode is compiled at install: without .pyc files (uv writes none by default, and
# PYTHONDONTWRITEBYTECODE stops Python writing them) every Dagster process spends ~5 s compiling
# the same 3,000 modules.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check uv || true
fi
if command -v uv >/dev/null 2>&1; then
    uv venv --quiet --allow-existing --python python3 .venv
    uv pip sync --quiet --python .venv/bin/python --compile-bytecode requirements.lock
    uv pip install --quiet --python .venv/bin/python --no-deps --compile-bytecode -e .
    if ! uv pip check --quiet --python .venv/bin/python; then
        echo "bootstrap: requirements.lock does not satisfy pyproject.toml; run: bash scripts/lock.sh" >&2
        exit 1
    fi
else
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
    .venv/bin/python -m pip check >/dev/null || {
        echo "bootstrap: requirements.lock does not satisfy pyproject.toml; run: bash scripts/lock.sh" >&2
        exit 1
    }
fi
