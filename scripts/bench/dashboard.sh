#!/usr/bin/env bash
# Dashboard speed on a generated workspace (500 repositories, 2,000 coordinations of 4 children,
# plus one coordination of 500 children), release build, all on loopback:
# - the server's answer time per page with curl (5 requests after a warm-up; the first request
#   of a page after a change is the cold one: `cargo bench -p tandem-web --bench pages`);
# - largest contentful paint in Debian's Chromium driven by Playwright (median of 4 loads after a
#   warm-up, tests/browser/lcp.cjs).
# usage: bash scripts/bench/dashboard.sh [REPOS] [COORDINATIONS] [WIDE]
set -euo pipefail
cd "$(dirname "$0")/../.."
repos="${1:-500}"
coords="${2:-2000}"
wide="${3:-500}"
bash scripts/setup.sh >/dev/null
cargo build --release -q -p tandem-web --example dashboard
target="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  # One positive PID: the server this script started.
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
"$target/release/examples/dashboard" generated "$work/ws" "$repos" "$coords" 4 --wide "$wide" >"$work/out" 2>"$work/err" &
server_pid=$!
for _ in $(seq 1 1200); do
  grep -q "listening on" "$work/out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/err"; exit 1; }
  sleep 0.5
done
base="$(sed -n 's/^listening on //p' "$work/out")"
[ -n "$base" ] || { echo "the server did not start" >&2; exit 1; }
wide_id="$(sed -n 's/^wide coordination //p' "$work/out")"
cat "$work/err"
echo "server: $base ($repos repos, $coords coordinations + #$wide_id with $wide children); load: $(uptime | sed 's/.*load average: //')"
pages=("/" "/?show=all" "/coordinations/$wide_id" "/graph" "/health" "/charts")
for p in "${pages[@]}"; do
  curl -sf -o /dev/null "$base$p"
  printf '%-22s' "$p"
  for _ in 1 2 3 4 5; do curl -sf -o /dev/null -w ' %{time_total}s' "$base$p"; done
  printf '  (%s bytes)\n' "$(curl -sf "$base$p" | wc -c)"
done
NODE_PATH="${TANDEM_TOOLS_DIR:-$HOME/.cache/tandem-tools}/browser-npm/node_modules" BASE="$base" \
  node crates/tandem-web/tests/browser/lcp.cjs "${pages[@]}"
