#!/usr/bin/env bash
# Make sure the PostgreSQL server binaries (initdb, pg_ctl, postgres, pgbench) are on this
# machine; the broker's tests and benchmark start throwaway servers from them (see
# src/gigawatt/broker/pgtemp.py). Idempotent: does nothing when they are already there.
set -euo pipefail

have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; }

if have_pg; then
  echo "PostgreSQL binaries present: $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "PostgreSQL binaries missing and not root: install the 'postgresql' package" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql postgresql-contrib >/dev/null
# The Debian package may create and start a default cluster; the tests do not use it.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters --no-header 2>/dev/null | while read -r ver name _; do
    pg_ctlcluster "$ver" "$name" stop 2>/dev/null || true
  done
fi
have_pg || { echo "PostgreSQL install failed" >&2; exit 1; }
id postgres >/dev/null 2>&1 || { echo "no postgres system user" >&2; exit 1; }
echo "PostgreSQL installed: $(ls -d /usr/lib/postgresql/*/bin | tail -1)"
