#!/usr/bin/env bash
# Records what the real squawk reports on each SQL migration fixture:
# crates/tandem-analyze/tests/fixtures/sql/<RULE_ID>/<case>.sql → <case>.squawk.json (squawk's JSON
# reporter, pretty-printed). src/sql/tests/squawk.rs compares tandem with these recordings, and with
# squawk run live. Opt-in rules that tandem has are included (--include); the cases under
# _per_file_transaction/ are run with --assume-in-transaction (one transaction per file). Usage:
#   bash scripts/record-squawk-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${TANDEM_TOOLS_DIR:-$HOME/.cache/tandem-tools}"
SQUAWK="$TOOLS_DIR/squawk-venv/bin/squawk"
[ -x "$SQUAWK" ] || bash scripts/setup.sh
# Keep in step with SQUAWK_ARGS and SQUAWK_PER_FILE_ARGS in
# crates/tandem-analyze/src/sql/tests/squawk.rs.
ARGS=(--reporter json --include ban-drop-index)

cd crates/tandem-analyze/tests/fixtures/sql
"$SQUAWK" --version >&2
n=0
for f in */*.sql; do
  case "$f" in *.previous.sql) continue ;; esac
  out="${f%.sql}.squawk.json"
  extra=()
  case "$f" in _per_file_transaction/*) extra=(--assume-in-transaction) ;; esac
  # squawk exits 1 when it finds something: that is the recording, not a failure.
  json=$("$SQUAWK" "${ARGS[@]}" "${extra[@]}" "$f" || true)
  printf '%s' "$json" | "$TOOLS_DIR/squawk-venv/bin/python" -m json.tool --indent 1 >"$out"
  n=$((n + 1))
done
echo "recorded $n fixtures" >&2
