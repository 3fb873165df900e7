#!/usr/bin/env bash
# Regenerate requirements.lock from pyproject.toml (runtime + dev extra), for Python >= 3.11 on
# every platform. Versions already in the lock are kept unless a requirement excludes them;
# nothing released after EXCLUDE_NEWER is considered, so a fresh machine installs exactly what
# CI tested. Move the date forward (EXCLUDE_NEWER=YYYY-MM-DD bash scripts/lock.sh) to take
# newer releases; add --upgrade to re-resolve everything.
set -euo pipefail
cd "$(dirname "$0")/.."
EXCLUDE_NEWER="${EXCLUDE_NEWER:-2026-12-01}"
uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
    --exclude-newer "$EXCLUDE_NEWER" --no-emit-package edge-dagster --quiet \
    --custom-compile-command "bash scripts/lock.sh" \
    -o requirements.lock "$@"
