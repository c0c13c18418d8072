#!/usr/bin/env bash
# Creates .venv with the project and its dev extras. Idempotent; fast when nothing changed.
# uv does the install (it resolves and links the multi-GB torch wheels far faster than pip);
# uv itself lives in a small tool venv so a fresh Debian needs only python3 and python3-venv.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${KGP_PYTHON:-$(command -v python3.11 || command -v python3 || true)}"
if [ -z "$PY" ]; then  # set -e ended the script without a word when neither was on PATH
  echo "kgplatform needs Python 3.11 and found no python3.11 or python3 on PATH:" \
    "apt-get install python3.11 python3.11-venv, or set KGP_PYTHON" >&2
  exit 2
fi
if ! "$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
  echo "kgplatform needs Python 3.11 (found: $("$PY" --version 2>&1)); set KGP_PYTHON" >&2
  exit 2
fi

TOOLS=.cache/tools
if [ ! -x "$TOOLS/bin/uv" ]; then
  if ! "$PY" -m venv "$TOOLS" 2>/dev/null; then
    # shellcheck source=scripts/lib/apt.sh
    source scripts/lib/apt.sh
    # The versioned package: on Ubuntu python3-venv is the system Python's (3.10 on 22.04), not 3.11's.
    apt_install python3.11-venv
    "$PY" -m venv "$TOOLS"
  fi
  "$TOOLS/bin/pip" install --quiet --disable-pip-version-check uv
fi
UV="$TOOLS/bin/uv"

[ -x .venv/bin/python ] || "$UV" venv --quiet --python "$PY" .venv
# torch from PyPI is the CUDA build; it runs on the CPU here and needs no GPU.
# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as on our CI machines), nothing would ever
# be cached, and every CLI start would spend seconds recompiling the neo4j driver and torch imports.
# requirements.lock pins every package to the versions the tests last passed with: without it a fresh
# machine took whatever was newest (on 1 December a neo4j driver whose datetimes cost 60 us each to read).
# Regenerate it with scripts/lock.sh after changing pyproject.toml's dependencies.
VIRTUAL_ENV="$PWD/.venv" "$UV" pip install --quiet --compile-bytecode -e ".[dev]" --constraint requirements.lock
echo "python environment ready: .venv ($(.venv/bin/python -c 'import torch; print("torch", torch.__version__)'))"
