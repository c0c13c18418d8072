#!/usr/bin/env bash
# Builds .cache/pybkt-venv: a SEPARATE interpreter for pyBKT 1.4.3, the reference BKT library that
# `kgplatform eval-tracing` compares against. pyBKT 1.4.3 fails with numpy >= 2 and scikit-learn >= 1.6,
# which the main .venv needs newer, so it lives apart and is run as a subprocess exchanging files.
# pyBKT is built from its source distribution so that its own C++ E-step is compiled (g++ with OpenMP):
# PyPI's wheel is the pure-Python fallback, which needs over ten minutes per assist2009 fold on 2 cores
# instead of about one. Without a compiler pyBKT's setup falls back to pure Python by itself (slow, same
# results). Idempotent; prints the interpreter path on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

# Where `kgplatform eval-tracing` looks for it: <services.cache_dir>/pybkt-venv, KGP_SERVICES__CACHE_DIR and
# .env included. The settings are read by the project's .venv, so that is made first: on a fresh clone the
# script built .cache/pybkt-venv whatever the setting said (a review, 2 December).
UV=.cache/tools/bin/uv
[ -x "$UV" ] && [ -x .venv/bin/python ] || scripts/bootstrap.sh >/dev/null   # uv (.cache/tools) and .venv
VENV="$(.venv/bin/python -c 'from kgplatform.settings import get_settings; print(get_settings().services.cache_dir / "pybkt-venv")')"
PY="${KGP_PYTHON:-$(command -v python3.11 || command -v python3)}"

[ -x "$VENV/bin/python" ] || "$UV" venv --quiet --python "$PY" "$VENV"
VENV="$(cd "$VENV" && pwd)"   # absolute from here on (the cache folder may be relative)
export VIRTUAL_ENV="$VENV"
if ! "$VENV/bin/python" -c 'import pyBKT.models, numpy; assert numpy.__version__ < "2"' 2>/dev/null; then
  # numpy 1.x C API and pre-1.6 scikit-learn, as pyBKT 1.4.3 expects; pandas < 2.2 matches that numpy era.
  "$UV" pip install --quiet "numpy>=1.24,<2" "scikit-learn>=1.2,<1.6" "pandas>=1.5,<2.2" requests setuptools wheel
  # no build isolation: the extension must compile against the numpy 1.x installed just above
  "$UV" pip install --quiet --no-build-isolation --no-binary pybkt --no-deps --reinstall-package pybkt "pyBKT==1.4.3"
fi
"$VENV/bin/python" - >&2 <<'PY'
import importlib.util, numpy, sklearn
compiled = importlib.util.find_spec("pyBKT.fit.E_step") is not None
print("pyBKT 1.4.3 ready:", "C++ E-step" if compiled else "pure Python (slow: no compiler?)",
      "numpy", numpy.__version__, "scikit-learn", sklearn.__version__)
PY
echo "$VENV/bin/python"
