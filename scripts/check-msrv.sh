#!/usr/bin/env bash
# Checks that the workspace's `rust-version` is true of its dependencies: no package in the
# resolved graph (Cargo.lock, every target and feature in use) declares a newer `rust-version`
# than the workspace does. Only one toolchain can be installed on the build machines, so the
# declared minimum cannot be compiled with here; this check and clippy's `incompatible_msrv`
# lint (which reads `rust-version` for the standard library's APIs) keep the number honest.
# Usage: bash scripts/check-msrv.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --locked | python3 -c '
import json, sys
meta = json.load(sys.stdin)
def key(v):
    return tuple(int(p) for p in (v.split(".") + ["0", "0"])[:3])
ws_ids = set(meta["workspace_members"])
resolved = {n["id"] for n in meta["resolve"]["nodes"]}
ours = {p["rust_version"] for p in meta["packages"] if p["id"] in ws_ids}
if len(ours) != 1 or None in ours:
    sys.exit(f"check-msrv: every workspace crate must inherit one rust-version; found {sorted(map(str, ours))}")
declared = ours.pop()
newer = sorted(
    (p["name"], p["version"], p["rust_version"])
    for p in meta["packages"]
    if p["id"] in resolved and p["id"] not in ws_ids and p.get("rust_version") and key(p["rust_version"]) > key(declared)
)
if newer:
    lines = "\n".join(f"  {n} {v} needs Rust {rv}" for n, v, rv in newer)
    sys.exit(f"check-msrv: the workspace declares rust-version {declared}, but:\n{lines}\nraise rust-version in Cargo.toml (and the README) or pin older versions")
print(f"check-msrv: rust-version {declared} covers every dependency")
'
