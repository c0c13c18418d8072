#!/usr/bin/env bash
# The main job on a fresh machine: install, start services, and run the end-to-end demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/kgplatform demo "$@"
