#!/usr/bin/env bash
# Install Debian's chromium for the report's browser test (tests/report/test_report_browser.py
# drives it headless through the Python playwright package; Playwright's own browser
# download is never used). Idempotent: does nothing when chromium is already installed.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "chromium already installed: $(chromium --version 2>/dev/null || echo unknown version)"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive

install() {
  "${as_root[@]}" apt-get install -y -qq chromium >/dev/null
}

# Refresh the package lists once when they are missing or do not know chromium; retry
# the install after a refresh when the lists were stale.
policy=$(apt-cache policy chromium 2>/dev/null || true)
if ! grep -q 'Candidate: [0-9]' <<<"$policy"; then
  "${as_root[@]}" apt-get update -qq
  install
elif ! install; then
  "${as_root[@]}" apt-get update -qq
  install
fi

echo "installed $(chromium --version 2>/dev/null || echo chromium)"
