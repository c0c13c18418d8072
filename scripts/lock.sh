#!/usr/bin/env bash
# Re-pins requirements.lock from pyproject.toml (newest versions the ranges allow, for every platform
# with Python 3.11). Run it after changing a dependency, then scripts/bootstrap.sh and the tests, and
# commit the lock with what the tests passed with.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh >/dev/null  # brings uv (.cache/tools)
.cache/tools/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
  --upgrade -o requirements.lock
