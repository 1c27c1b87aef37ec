#!/usr/bin/env bash
# Regenerates the recorded `buf breaking` output of every protobuf conformance case.
#
# Layout (see crates/tandem-analyze/tests/fixtures/protobuf/RULES.md):
#   tests/fixtures/protobuf/<RULE_ID>/<case>/{previous,current}/   one rule per buf.yaml
#   tests/fixtures/protobuf/_categories/<case>/{previous,current}/ whole categories, v1/v1beta1/no buf.yaml
#   tests/fixtures/protobuf/_malformed/<case>/{previous,current}/  current does not compile
#   tests/fixtures/protobuf/snapshots/                           tandem's findings per case (insta)
#
# tests/buf_conformance.rs runs the same buf command live on every case and fails a case whose
# recording buf no longer prints: after a buf upgrade, re-record here and review the diff.
#
# For each case dir this runs, from inside the case dir,
#   buf breaking current --against previous --error-format json
# and stores stdout in expected.json. Exit code 100 ("breaking changes found") is normal.
# For `_malformed` cases it also writes expected.txt: buf's exit code and its stderr.
#
# Checks: a case named `breaking*` under <RULE_ID>/ must yield at least one line of type
# <RULE_ID>; a case named `ok*` must yield none; only _malformed cases may yield COMPILE
# lines (and they must). Any exit of buf other than 0 or 100 is an error (except under
# _malformed; note buf also exits 100 on compile errors). Exits non-zero when a check fails.
#
# Usage: scripts/record-buf-fixtures.sh [--check] [CASE_DIR_FILTER]
#   --check   do not write; fail if a recording differs from what buf prints now
#   CASE_DIR_FILTER  only cases whose path (relative to the fixture root) contains this string
# Env: BUF (path to buf), TANDEM_TOOLS_DIR (default ~/.cache/tandem-tools).
set -euo pipefail
export LC_ALL=C

BUF_VERSION=1.75.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIXTURES="$ROOT/crates/tandem-analyze/tests/fixtures/protobuf"

check_only=0
filter=""
for arg in "$@"; do
  case "$arg" in
    --check) check_only=1 ;;
    -h|--help) sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) filter="$arg" ;;
  esac
done

find_buf() {
  if [[ -n "${BUF:-}" ]]; then
    [[ -x "$BUF" ]] || { echo "error: BUF=$BUF is not executable" >&2; exit 2; }
    return
  fi
  local tools="${TANDEM_TOOLS_DIR:-$HOME/.cache/tandem-tools}"
  BUF="$tools/npm/node_modules/@bufbuild/buf-linux-x64/bin/buf"
  if [[ ! -x "$BUF" ]]; then
    echo "buf not found at $BUF; installing @bufbuild/buf@$BUF_VERSION with npm" >&2
    mkdir -p "$tools/npm"
    npm install --silent --prefix "$tools/npm" "@bufbuild/buf@$BUF_VERSION" >&2
    [[ -x "$BUF" ]] || { echo "error: npm install did not produce $BUF" >&2; exit 2; }
  fi
}
find_buf
actual_version="$("$BUF" --version 2>/dev/null || true)"
if [[ "$actual_version" != "$BUF_VERSION" ]]; then
  echo "warning: recordings are for buf $BUF_VERSION, $BUF is '$actual_version'" >&2
fi

# Keep buf's cache out of the user's home and away from other runs.
BUF_CACHE_DIR="$(mktemp -d)"
export BUF_CACHE_DIR
trap 'rm -rf "$BUF_CACHE_DIR"' EXIT

cases=0
with_findings=0
failures=0
changed=0

fail() { echo "FAIL $1" >&2; failures=$((failures + 1)); }

# Writes $2 (a file) to $1 unless identical; in --check mode reports a difference instead.
store() {
  local dest="$1" src="$2" rel="$3"
  if [[ -f "$dest" ]] && cmp -s "$dest" "$src"; then
    return
  fi
  changed=$((changed + 1))
  if [[ $check_only -eq 1 ]]; then
    fail "$rel: recording differs from buf's current output"
    diff -u "$dest" "$src" >&2 || true
  else
    cp "$src" "$dest"
    echo "updated $rel"
  fi
}

tmp_out="$(mktemp)"
tmp_err="$(mktemp)"
tmp_txt="$(mktemp)"
trap 'rm -rf "$BUF_CACHE_DIR" "$tmp_out" "$tmp_err" "$tmp_txt"' EXIT

while IFS= read -r case_dir; do
  rel="${case_dir#"$FIXTURES"/}"
  [[ -n "$filter" && "$rel" != *"$filter"* ]] && continue
  [[ -d "$case_dir/previous" && -d "$case_dir/current" ]] || continue
  cases=$((cases + 1))
  group="${rel%%/*}"
  name="${rel##*/}"

  set +e
  (cd "$case_dir" && "$BUF" breaking current --against previous --error-format json) >"$tmp_out" 2>"$tmp_err"
  rc=$?
  set -e

  if [[ "$group" == "_malformed" ]]; then
    { echo "exit code: $rc"; cat "$tmp_err"; } >"$tmp_txt"
    store "$case_dir/expected.txt" "$tmp_txt" "$rel/expected.txt"
    if [[ $rc -eq 0 ]]; then
      fail "$rel: buf accepted a case that should not compile"
    fi
  elif [[ $rc -ne 0 && $rc -ne 100 ]]; then
    fail "$rel: buf exited $rc: $(cat "$tmp_err")"
    continue
  fi
  store "$case_dir/expected.json" "$tmp_out" "$rel/expected.json"
  [[ -s "$tmp_out" ]] && with_findings=$((with_findings + 1))
  if [[ "$group" != "_malformed" ]] && grep -q '"type":"COMPILE"' "$tmp_out"; then
    fail "$rel: does not compile (only _malformed cases may): $(grep '"type":"COMPILE"' "$tmp_out" | head -1)"
  elif [[ "$group" == "_malformed" ]] && ! grep -q '"type":"COMPILE"' "$tmp_out"; then
    fail "$rel: malformed case produced no COMPILE line"
  fi

  if [[ "$group" != _* ]]; then
    own="$(grep -c "\"type\":\"$group\"" "$tmp_out" || true)"
    # a helper's prefix (e.g. bufsuite_) may stand before breaking/ok
    case "${name#bufsuite_}" in
      breaking*) [[ "$own" -ge 1 ]] || fail "$rel: breaking case produced no $group finding" ;;
      ok*) [[ "$own" -eq 0 ]] || fail "$rel: ok case produced $own $group finding(s)" ;;
      *) fail "$rel: case name must start with 'breaking' or 'ok'" ;;
    esac
  elif [[ "$group" == "_categories" && "$name" == breaking* && ! -s "$tmp_out" ]]; then
    fail "$rel: breaking case produced no finding"
  fi
done < <(find "$FIXTURES" -mindepth 2 -maxdepth 2 -type d | sort)

verb="recorded"; [[ $check_only -eq 1 ]] && verb="checked"
echo "$verb $cases cases with $BUF ($actual_version): $with_findings with findings, $((cases - with_findings)) without; $changed recording(s) changed; $failures failure(s)"
[[ $failures -eq 0 ]]
