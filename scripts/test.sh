#!/usr/bin/env bash
# The whole test suite: installs what the tests need, then runs every test of every crate.
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Snapshots are compared, never rewritten, by this command (`cargo insta review` updates them).
export INSTA_UPDATE=no
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

bash scripts/setup.sh

# Unit, integration and CLI tests; benches and examples are compiled and run once in test mode.
cargo test --workspace --all-targets
# Documentation examples.
cargo test --workspace --doc
