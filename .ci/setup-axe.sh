#!/usr/bin/env bash
# Install axe-core (the accessibility checker the browser tests inject into Chromium) from
# the npm registry into .cache/axe-core; the version is pinned in tests/visual_support.py
# (AXE_VERSION). Idempotent; the tests run the same install when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^AXE_VERSION = "\(.*\)"$/\1/p' tests/visual_support.py)
if [ -f .cache/axe-core/node_modules/axe-core/axe.min.js ]; then
  echo "axe-core already installed"
  exit 0
fi
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq npm >/dev/null; }
mkdir -p .cache/axe-core
npm install --no-save --no-audit --no-fund --prefix .cache/axe-core "axe-core@${version}" >/dev/null
echo "installed axe-core ${version}"
