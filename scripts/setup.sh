#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain. Idempotent: fast when all is there.
# Each later capability adds its tools here (never by hand), so CI and a fresh machine get them.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }

if ! need git; then
  echo "setup: installing git" >&2
  apt-get update -qq && apt-get install -y -qq git >/dev/null
fi
