#!/usr/bin/env bash
# The test command: install what is missing, start Neo4j and Redis, migrate, run pytest against
# the real services, then stop whatever this run started (and only that).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
scripts/browser-deps.sh  # Chromium, Node and ui/'s npm packages for tests/e2e, when missing
# docker-compose (no engine) validates docker-compose.yml in tests/unit/test_deployment.py.
command -v docker-compose >/dev/null || (source scripts/lib/apt.sh && apt_install docker-compose)
source .venv/bin/activate
# Tests empty the Redis database they use: keep them off database 0, where a developer's data lives.
# (They also empty the Neo4j graph they are pointed at: never point them at a graph you care about;
# tests/wipe_guard.py stops them on a server that is not on this machine.) The Redis the settings name
# (a .env file's included, which the shell cannot see; the default address before, so the tests emptied
# another checkout's Redis while following .env's Neo4j), always on database 15: an exported URL was kept
# as it was, and the example of one in docs/operations.md names database 0.
KGP_REDIS__URL="$(python - <<'PY'
from urllib.parse import urlsplit, urlunsplit

from kgplatform.settings import get_settings

print(urlunsplit(urlsplit(get_settings().redis.url)._replace(path="/15")))
PY
)"
export KGP_REDIS__URL

started_file=$(mktemp)
stop_started() {
  for name in $(cat "$started_file"); do kgplatform services down --only "$name" || true; done
  rm -f "$started_file"
}
trap stop_started EXIT

kgplatform services up --started-file "$started_file"
kgplatform migrate

set +e
# The slowest tests at the end of every run: CI has 90 minutes, and a test that grows slow is seen there.
python -m pytest --durations=25 "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$status"
