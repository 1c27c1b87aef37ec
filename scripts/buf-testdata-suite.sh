#!/usr/bin/env bash
# Runs buf's own breaking-rule test suite through tandem and the real buf, case for case.
#
# usage: bash scripts/buf-testdata-suite.sh BUF_CHECKOUT [CASE_FILTER]
#
# BUF_CHECKOUT is a directory holding buf's sources (at least
# private/bufpkg/bufcheck/testdata/breaking/{previous,current}/), extracted outside this
# repository; nothing is fetched here. Each case is the pair previous/<case>, current/<case>.
# Plugin and policy cases (breaking_custom_plugins, breaking_policy_*) are left out: they need
# buf's plugin runtime. Editions cases are included.
#
# For each case buf runs as `buf breaking current/<case> --against previous/<case>` and tandem
# twice: on the two directories (`tandem analyze --dir --against`) and as a commit (the two
# sides as two commits of a scratch git repository, `--base HEAD~1 --head HEAD`). A case agrees
# when tandem's (rule, file, line, column) set equals buf's, in both modes. Prints one line per
# case and the totals: "N of M cases agree, X of Y buf findings found, Z extra", and how many of
# buf's findings tandem words exactly as buf does (directory mode; VERBOSE=1 shows differences).
# Env: BUF (default: buf 1.75 under TANDEM_TOOLS_DIR, installed by scripts/setup.sh),
#      TANDEM (default: builds the debug binary), VERBOSE=1 prints each difference.
set -euo pipefail
export LC_ALL=C
[[ $# -ge 1 ]] || { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
SRC="$(cd "$1" && pwd)"
FILTER="${2:-}"
DATA="$SRC/private/bufpkg/bufcheck/testdata/breaking"
[[ -d "$DATA/current" && -d "$DATA/previous" ]] || { echo "error: no $DATA/{previous,current}" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${TANDEM_TOOLS_DIR:-$HOME/.cache/tandem-tools}"
BUF="${BUF:-$TOOLS_DIR/npm/node_modules/@bufbuild/buf-linux-x64/bin/buf}"
[[ -x "$BUF" ]] || { echo "error: buf not found at $BUF; run bash scripts/setup.sh" >&2; exit 2; }
if [[ -z "${TANDEM:-}" ]]; then
  (cd "$ROOT" && cargo build -q -p tandem-cli)
  TANDEM="${CARGO_TARGET_DIR:-$ROOT/target}/debug/tandem"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export BUF_CACHE_DIR="$WORK/buf-cache"
mkdir -p "$WORK/out"

for dir in "$DATA"/current/*/; do
  name="$(basename "$dir")"
  case "$name" in breaking_custom_plugins | breaking_policy_*) continue ;; esac
  [[ -n "$FILTER" && "$name" != *"$FILTER"* ]] && continue
  [[ -d "$DATA/previous/$name" ]] || continue
  out="$WORK/out/$name"
  mkdir -p "$out"
  (cd "$DATA" && "$BUF" breaking "current/$name" --against "previous/$name" --error-format json >"$out/buf.json" 2>"$out/buf.err") || true
  (cd "$DATA" && "$TANDEM" analyze --dir "current/$name" --against "previous/$name" --format json >"$out/dir.json" 2>"$out/dir.err") || true
  # the same pair as a commit: previous, then current
  repo="$WORK/repo-$name"
  mkdir -p "$repo"
  (
    cd "$repo"
    git init -q -b main
    git config user.email suite@example.invalid
    git config user.name suite
    cp -r "$DATA/previous/$name/." .
    git add -A && git commit -qm previous --allow-empty
    git rm -rqf --ignore-unmatch . && rm -rf ./*
    cp -r "$DATA/current/$name/." .
    git add -A && git commit -qm current --allow-empty
  )
  (cd "$repo" && "$TANDEM" analyze --base HEAD~1 --head HEAD --format json >"$out/commit.json" 2>"$out/commit.err") || true
  rm -rf "$repo"
done

python3 - "$WORK/out" "${VERBOSE:-0}" <<'PY'
import json, os, sys
out, verbose = sys.argv[1], sys.argv[2] == "1"

messages = {}  # (case, mode) -> set of (rule, path, line, column, message)

def buf_keys(case):
    keys, worded = set(), set()
    for line in open(f"{out}/{case}/buf.json"):
        if not line.strip():
            continue
        v = json.loads(line)
        path = v.get("path", "")
        for side in ("current/", "previous/"):
            if path.startswith(side + case + "/"):
                path = path[len(side + case + "/"):]
        keys.add((v["type"], path, v.get("start_line", 0), v.get("start_column", 0)))
        worded.add((v["type"], path, v.get("start_line", 0), v.get("start_column", 0), v.get("message", "")))
    messages[(case, "buf")] = worded
    return keys

def tandem_keys(case, mode, theirs):
    try:
        doc = json.load(open(f"{out}/{case}/{mode}.json"))
    except (ValueError, OSError):
        err = open(f"{out}/{case}/{mode}.err").read().strip().splitlines()
        return None, (err[-1] if err else "no output")
    keys, worded = set(), set()
    for f in doc.get("findings", []):
        if f.get("kind") != "protobuf":
            continue
        # buf names no file for a deleted file or package; the key then has none either
        pathless = any(r == f["rule"] and p == "" for r, p, _, _ in theirs)
        keys.add((f["rule"], "" if pathless else f["path"], f["line"], f["column"]))
        worded.add((f["rule"], "" if pathless else f["path"], f["line"], f["column"], f["message"]))
    messages[(case, mode)] = worded
    return keys, None

cases = sorted(os.listdir(out))
agree = total = found = extra = worded = total_worded = 0
for case in cases:
    theirs = buf_keys(case)
    total += len(theirs)
    verdicts, case_found, case_extra, notes = [], None, None, []
    for mode in ("dir", "commit"):
        ours, err = tandem_keys(case, mode, theirs)
        if ours is None:
            verdicts.append(False)
            notes.append(f"{mode}: tandem failed: {err}")
            ours = set()
        else:
            verdicts.append(ours == theirs)
        if mode == "dir":
            case_found, case_extra = len(ours & theirs), len(ours - theirs)
        if ours != theirs and verbose:
            for k in sorted(theirs - ours, key=str):
                notes.append(f"{mode} missing {k}")
            for k in sorted(ours - theirs, key=str):
                notes.append(f"{mode} extra   {k}")
    found += case_found
    extra += case_extra
    ours_worded, theirs_worded = messages.get((case, "dir"), set()), messages[(case, "buf")]
    worded += len(ours_worded & theirs_worded)
    total_worded += len(theirs_worded)
    if verbose:
        for k in sorted(theirs_worded - ours_worded, key=str):
            if k[:4] in theirs and any(o[:4] == k[:4] for o in ours_worded):
                notes.append(f"dir words {k[:4]} otherwise: buf {k[4]!r}")
    ok = all(verdicts)
    agree += ok
    modes = "" if ok or not any(verdicts) else " (" + ("dir" if verdicts[0] else "commit") + " mode only)"
    print(f"{'agree   ' if ok else 'DISAGREE'} {case}: buf {len(theirs)}, tandem found {case_found}, extra {case_extra}{modes}")
    for n in notes:
        print(f"    {n}")
print(f"{agree} of {len(cases)} cases agree (directory and commit mode), {found} of {total} buf findings found, {extra} extra (directory mode)")
print(f"{worded} of {total_worded} buf messages (several may share a place) worded exactly as buf does (directory mode)")
PY
