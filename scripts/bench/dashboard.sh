#!/usr/bin/env bash
# Dashboard speed on a generated workspace (500 repositories, 2,000 coordinations of 4 children,
# plus nothing else): server render time per page with curl, and largest contentful paint in
# Chromium on loopback. The server-side render time of single pages is measured by criterion:
# `cargo bench -p tandem-web --bench pages`.
# usage: bash scripts/bench/dashboard.sh [REPOS] [COORDINATIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
repos="${1:-500}"
coords="${2:-2000}"
bash scripts/setup.sh >/dev/null
cargo build --release -q -p tandem-web --example dashboard
target="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
"$target/release/examples/dashboard" generated "$work/ws" "$repos" "$coords" 4 >"$work/out" 2>"$work/err" &
server_pid=$!
for _ in $(seq 1 1200); do
  grep -q "listening on" "$work/out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/err"; exit 1; }
  sleep 0.5
done
base="$(sed -n 's/^listening on //p' "$work/out")"
[ -n "$base" ] || { echo "the server did not start" >&2; exit 1; }
cat "$work/err"
echo "server: $base ($repos repos, $coords coordinations)"
for p in "/?show=all" "/" "/coordinations/1" "/graph"; do
  curl -s -o /dev/null "$base$p"
  printf '%-22s' "$p"
  for _ in 1 2 3 4 5; do curl -s -o /dev/null -w ' %{time_total}s' "$base$p"; done
  echo
done
NODE_PATH="${TANDEM_TOOLS_DIR:-$HOME/.cache/tandem-tools}/browser-npm/node_modules" BASE="$base" \
  node crates/tandem-web/tests/browser/lcp.cjs "/" "/?show=all" "/coordinations/1" "/graph"
