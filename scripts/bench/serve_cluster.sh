#!/usr/bin/env bash
# Three `tandem serve` instances on one PostgreSQL database (issue 15): the throughput of the
# exactly-once test (3,000 signed deliveries, a fifth of them redeliveries to another instance,
# one instance killed with SIGKILL half way and restarted) on a release binary. Prints the
# test's FIGURES line: received_per_s (answered while sending) and processed_per_s (all 3,000
# over the time until the last one was processed).
# usage: scripts/bench/serve_cluster.sh   (PostgreSQL on 127.0.0.1:5432, trust auth, database
# `test`, or $TANDEM_TEST_POSTGRES_URL; uses $TANDEM_BIN if set, else builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET="${CARGO_TARGET_DIR:-target}"
if [ -z "${TANDEM_BIN:-}" ]; then
  cargo build -q --release -p tandem-cli --bin tandem
  TANDEM_BIN="$(cd "$TARGET" && pwd)/release/tandem"
fi
export TANDEM_BIN
uptime
cargo test -q -p tandem-cli --test serve_cluster -- --nocapture 2>&1 | grep -E "FIGURES|test result|panicked"
