#!/usr/bin/env bash
# Times `tandem analyze` against `buf breaking` on the same large protobuf corpus, side by side.
#
# usage: bash scripts/bench-buf.sh [RUNS (default 3)] [FILES (default 2000)] [MESSAGES (default 30000)] [EDITS (default 300)]
#        SYNTAX=editions bash scripts/bench-buf.sh …   the same corpus as `edition = "2023"` files
#        TANDEM=/path/to/tandem bash scripts/bench-buf.sh …   that binary, not a fresh build
#
# Generates two revisions (scripts/bench/gen_proto_corpus.py), commits them as two commits of a
# git repository for tandem and keeps them as two directories for buf, runs each tool RUNS
# times, and prints the median wall time, the peak memory (max RSS), their ratios, and whether
# both found the same (rule, file, line, column) set. Needs buf: `bash scripts/setup.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
FILES="${2:-2000}"
MESSAGES="${3:-30000}"
EDITS="${4:-300}"
SYNTAX="${SYNTAX:-proto3}"
TOOLS_DIR="${TANDEM_TOOLS_DIR:-$HOME/.cache/tandem-tools}"
BUF="${BUF:-$TOOLS_DIR/npm/node_modules/@bufbuild/buf-linux-x64/bin/buf}"
[ -x "$BUF" ] || { echo "buf not found at $BUF; run bash scripts/setup.sh" >&2; exit 2; }

# TANDEM=/path/to/tandem compares that binary (e.g. another revision's) instead of building this one
if [ -z "${TANDEM:-}" ]; then
  cargo build --release -q -p tandem-cli
  TANDEM="${CARGO_TARGET_DIR:-$PWD/target}/release/tandem"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 scripts/bench/gen_proto_corpus.py "$WORK/trees" --files "$FILES" --messages "$MESSAGES" --edits "$EDITS" --syntax "$SYNTAX"

# the git repository: previous, then current, as two commits
mkdir -p "$WORK/repo"
(
  cd "$WORK/repo"
  git init -q -b main
  git config user.email bench@example.invalid
  git config user.name bench
  cp -r "$WORK/trees/previous/." .
  git add -A && git commit -qm previous
  rm -rf bench buf.yaml
  cp -r "$WORK/trees/current/." .
  git add -A && git commit -qm current
)

measure() { # label, dir, command...
  local label=$1 dir=$2
  shift 2
  for i in $(seq "$RUNS"); do
    (cd "$dir" && /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/$label.out" 2>"$WORK/$label.err") || true
    # /usr/bin/time adds "Command exited with non-zero status" when the tool reports findings
    grep -E '^[0-9.]+ [0-9]+$' "$WORK/time" >>"$WORK/$label.times"
  done
}

measure tandem "$WORK/repo" "$TANDEM" analyze --base HEAD~1 --head HEAD --format json
measure buf "$WORK/trees" "$BUF" breaking current --against previous --error-format json

python3 - "$WORK" "$RUNS" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
def stats(label):
    rows = [l.split() for l in open(f"{work}/{label}.times") if l.strip()]
    secs = [float(r[0]) for r in rows]
    mem = [int(r[1]) for r in rows]
    return statistics.median(secs), max(mem) / 1024
t_s, t_m = stats("tandem")
b_s, b_m = stats("buf")
tandem = json.load(open(f"{work}/tandem.out"))
ours = {(f["rule"], f["path"], f["line"], f["column"]) for f in tandem["findings"]}
theirs = set()
for line in open(f"{work}/buf.out"):
    if line.strip():
        v = json.loads(line)
        path = v.get("path", "")
        path = path.split("/", 1)[1] if path.startswith(("current/", "previous/")) else path
        theirs.add((v["type"], path, v.get("start_line", 0), v.get("start_column", 0)))
print(f"runs: {runs}")
print(f"tandem analyze : median {t_s:.2f} s, peak {t_m:.0f} MB, {len(ours)} findings")
print(f"buf breaking   : median {b_s:.2f} s, peak {b_m:.0f} MB, {len(theirs)} findings")
print(f"speed-up       : {b_s / max(t_s, 0.001):.1f}x faster")
print(f"memory         : {t_m / max(b_m, 1) * 100:.1f}% of buf's")
same = ours == theirs
print(f"same findings  : {'yes' if same else 'NO'}")
if not same:
    print("  only tandem:", sorted(ours - theirs)[:10])
    print("  only buf   :", sorted(theirs - ours)[:10])
    sys.exit(1)
PY
