#!/usr/bin/env bash
# Builds .cache/pybkt-venv: a SEPARATE interpreter for pyBKT 1.4.3, the reference BKT library that
# `kgplatform eval-tracing` compares against. pyBKT 1.4.3 fails with numpy >= 2 and scikit-learn >= 1.6,
# which the main .venv needs newer, so it lives apart and is run as a subprocess exchanging files.
# Idempotent; prints the interpreter path on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${KGP_PYBKT_VENV:-.cache/pybkt-venv}"
PY="${KGP_PYTHON:-$(command -v python3.11 || command -v python3)}"
UV=.cache/tools/bin/uv
[ -x "$UV" ] || scripts/bootstrap.sh >/dev/null   # bootstrap.sh installs uv into .cache/tools

if [ ! -x "$VENV/bin/python" ]; then
  "$UV" venv --quiet --python "$PY" "$VENV"
fi
if ! "$VENV/bin/python" -c 'import pyBKT, numpy; assert numpy.__version__ < "2"' 2>/dev/null; then
  # pyBKT 1.4.3 imports numpy's 1.x C API and sklearn's pre-1.6 metrics; pandas < 2.2 matches that numpy era.
  VIRTUAL_ENV="$PWD/$VENV" "$UV" pip install --quiet "pyBKT==1.4.3" "numpy>=1.24,<2" "scikit-learn>=1.2,<1.6" \
    "pandas>=1.5,<2.2"
fi
"$VENV/bin/python" -c 'import pyBKT.models, numpy, sklearn; print("pyBKT ready:", numpy.__version__, sklearn.__version__)' >&2
echo "$PWD/$VENV/bin/python"
