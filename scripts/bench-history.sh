#!/usr/bin/env bash
# Runs tandem and buf side by side on a real repository's history, commit by commit.
#
# usage: bash scripts/bench-history.sh REPO [MAX_COMMITS (default: all)] [RULES (default: FILE)]
#
# REPO is a local git repository (a clone or a bare git directory); nothing is fetched here.
# Every first-parent commit of its HEAD that touches a .proto file is judged against its parent,
# with one buf.yaml for the whole history (`version: v1`, `breaking.use: [RULES]`, RULES a
# comma-separated list of rule IDs or categories) in place of whatever the repository had then:
#   buf:    `buf breaking cur --against prev` on the two trees' .proto files (directories);
#   tandem: `tandem analyze --base PREV --head CUR` on a scratch repository holding the same two
#           trees as two commits (commit mode: only the changed files are compiled).
# Each run is measured with /usr/bin/time -v. Prints per-commit disagreements and the totals:
# commits agreeing on the (rule, file, line, column) set, buf's findings found/missed, tandem's
# extra ones, and the total wall time and peak memory (max RSS) of each tool. Commits where buf
# fails (e.g. a tree that does not compile) are counted apart.
# Env: BUF (default: buf 1.75 under TANDEM_TOOLS_DIR, from scripts/setup.sh), TANDEM (default:
#      builds the release binary), VERBOSE=1 prints each differing finding.
set -euo pipefail
export LC_ALL=C
[[ $# -ge 1 ]] || { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
SRC="$(cd "$1" && pwd)"
MAX="${2:-0}"
RULES="${3:-FILE}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${TANDEM_TOOLS_DIR:-$HOME/.cache/tandem-tools}"
BUF="${BUF:-$TOOLS_DIR/npm/node_modules/@bufbuild/buf-linux-x64/bin/buf}"
[[ -x "$BUF" ]] || { echo "error: buf not found at $BUF; run bash scripts/setup.sh" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "error: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
if [[ -z "${TANDEM:-}" ]]; then
  (cd "$ROOT" && cargo build --release -q -p tandem-cli)
  TANDEM="${CARGO_TARGET_DIR:-$ROOT/target}/release/tandem"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export BUF_CACHE_DIR="$WORK/buf-cache"
# no checkout: the trees are read with ls-tree and archive
git clone -q --no-checkout "$SRC" "$WORK/src"
{
  echo "version: v1"
  echo "breaking:"
  echo "  use:"
  IFS=',' read -ra rules <<<"$RULES"
  for r in "${rules[@]}"; do echo "    - $r"; done
} >"$WORK/template.yaml"

mapfile -t commits < <(git -C "$WORK/src" rev-list --first-parent --reverse HEAD -- '*.proto')
if [[ "$MAX" -gt 0 && ${#commits[@]} -gt "$MAX" ]]; then
  commits=("${commits[@]: -$MAX}")
fi

# the trees of a commit's .proto files, with the one buf.yaml
tree() { # commit dest
  mkdir -p "$2"
  local files
  # .proto files whose content the repository holds (a partial copy may lack some large ones:
  # they are left out of both sides alike)
  local listing
  listing="$(git -C "$WORK/src" ls-tree -r "$1" | awk -F'\t' '$1 ~ / blob / && $2 ~ /\.proto$/' || true)"
  files=()
  if [[ -n "$listing" ]]; then
    mapfile -t files < <(paste <(cut -f1 <<<"$listing" | awk '{print $3}' |
      git -C "$WORK/src" cat-file --batch-check='%(objecttype)') <(cut -f2 <<<"$listing") |
      awk -F'\t' '$1 == "blob" {print $2}')
  fi
  if [[ ${#files[@]} -gt 0 ]]; then
    git -C "$WORK/src" archive "$1" -- "${files[@]}" | tar -x -C "$2"
  fi
  cp "$WORK/template.yaml" "$2/buf.yaml"
}

mkdir -p "$WORK/out" "$WORK/scratch"
git -C "$WORK/scratch" init -q -b main
git -C "$WORK/scratch" config user.email history@example.invalid
git -C "$WORK/scratch" config user.name history
n=0
for c in "${commits[@]}"; do
  parent="$(git -C "$WORK/src" rev-parse -q --verify "$c^" || true)"
  [[ -n "$parent" ]] || continue
  n=$((n + 1))
  out="$WORK/out/$(printf '%05d' "$n")-${c:0:12}"
  mkdir -p "$out"
  rm -rf "$WORK/trees"
  tree "$parent" "$WORK/trees/prev"
  tree "$c" "$WORK/trees/cur"
  # the scratch repository: previous, then current
  for side in prev cur; do
    find "$WORK/scratch" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
    cp -r "$WORK/trees/$side/." "$WORK/scratch/"
    git -C "$WORK/scratch" add -A
    git -C "$WORK/scratch" commit -qm "$side ${c:0:12}" --allow-empty
  done
  (cd "$WORK/trees" && /usr/bin/time -v -o "$out/buf.time" "$BUF" breaking cur --against prev --error-format json >"$out/buf.json" 2>"$out/buf.err") || true
  (cd "$WORK/scratch" && /usr/bin/time -v -o "$out/tandem.time" "$TANDEM" analyze --base HEAD~1 --head HEAD --format json >"$out/tandem.json" 2>"$out/tandem.err") || true
done

python3 - "$WORK/out" "${VERBOSE:-0}" "$RULES" <<'PY'
import json, os, re, sys
out, verbose, rules = sys.argv[1], sys.argv[2] == "1", sys.argv[3]

def timing(path):
    text = open(path).read()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
    secs = (int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))) if wall else 0.0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    return secs, int(rss.group(1)) if rss else 0

commits = sorted(os.listdir(out))
agree = found = missed = extra = buf_failed = total = both_refuse = 0
t_time = b_time = 0.0
t_rss = b_rss = 0
for c in commits:
    d = f"{out}/{c}"
    bt, br = timing(f"{d}/buf.time")
    tt, tr = timing(f"{d}/tandem.time")
    b_time += bt; t_time += tt; b_rss = max(b_rss, br); t_rss = max(t_rss, tr)
    theirs, compile_error = set(), False
    for line in open(f"{d}/buf.json"):
        if not line.strip():
            continue
        v = json.loads(line)
        if v["type"] == "COMPILE":
            compile_error = True
        path = v.get("path", "")
        path = path.split("/", 1)[1] if path.startswith(("cur/", "prev/")) else path
        theirs.add((v["type"], path, v.get("start_line", 0), v.get("start_column", 0)))
    if compile_error or "Failure" in open(f"{d}/buf.err").read():
        buf_failed += 1
        # a tree that does not compile: does tandem say so on the same files?
        theirs_files = {p for r, p, _, _ in theirs if r == "COMPILE"}
        try:
            doc = json.load(open(f"{d}/tandem.json"))
            ours_files = {f["path"] for f in doc.get("findings", []) if f["rule"].startswith("COMPILE")}
        except ValueError:
            ours_files = set()
        first = next((json.loads(l)["message"] for l in open(f"{d}/buf.json") if '"COMPILE"' in l), "")
        same = "tandem too" if theirs_files and theirs_files <= ours_files else f"tandem reports {sorted(ours_files)}"
        print(f"buf-fail {c}: {sorted(theirs_files)[:3]} {first[:80]} {open(f'{d}/buf.err').read().strip()[:120]} ({same})")
        both_refuse += bool(theirs_files) and theirs_files <= ours_files
        continue
    try:
        doc = json.load(open(f"{d}/tandem.json"))
    except ValueError:
        print(f"DISAGREE {c}: tandem failed: {open(f'{d}/tandem.err').read().strip()[:300]}")
        missed += len(theirs); total += len(theirs)
        continue
    ours = set()
    for f in doc.get("findings", []):
        if f.get("kind") != "protobuf":
            continue
        pathless = any(r == f["rule"] and p == "" for r, p, _, _ in theirs)
        ours.add((f["rule"], "" if pathless else f["path"], f["line"], f["column"]))
    total += len(theirs)
    found += len(ours & theirs); missed += len(theirs - ours); extra += len(ours - theirs)
    if ours == theirs:
        agree += 1
    else:
        print(f"DISAGREE {c}: buf {len(theirs)}, tandem found {len(ours & theirs)}, extra {len(ours - theirs)}")
        if verbose:
            for k in sorted(theirs - ours, key=str):
                print(f"    missing {k}")
            for k in sorted(ours - theirs, key=str):
                print(f"    extra   {k}")
judged = len(commits) - buf_failed
print(f"rules: {rules}; {len(commits)} commits touching .proto files, {buf_failed} where buf failed (not judged; tandem reports the same files as not compiling on {both_refuse})")
print(f"agreement: {agree} of {judged} commits agree; {found} of {total} buf findings found, {missed} missed, {extra} extra")
print(f"tandem analyze (commit mode): total {t_time:.1f} s, {t_time / max(judged + buf_failed, 1) * 1000:.0f} ms per commit, peak {t_rss / 1024:.0f} MB")
print(f"buf breaking (directories) : total {b_time:.1f} s, {b_time / max(judged + buf_failed, 1) * 1000:.0f} ms per commit, peak {b_rss / 1024:.0f} MB")
PY
