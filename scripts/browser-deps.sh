#!/usr/bin/env bash
# What the browser tests (tests/e2e) need beyond Python, installed only when missing, so a repeat run
# costs nothing: Debian's Chromium (Playwright cannot download browsers here), Node.js, and ui/'s
# npm packages (playwright-core; axe-core, the accessibility checks; cytoscape, whose build is already
# vendored in kgplatform/api/ui/vendor).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/apt.sh
source scripts/lib/apt.sh

[ -x /usr/bin/chromium ] || apt_install chromium fonts-dejavu-core
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
# npm ci when the packages are absent or older than the lock file.
if [ ! -d ui/node_modules/playwright-core ] || [ ! -d ui/node_modules/axe-core ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  npm ci --prefix ui --no-audit --no-fund --loglevel=error
fi
echo "browser tests ready: $(/usr/bin/chromium --version 2>/dev/null | head -1), node $(node --version)"
