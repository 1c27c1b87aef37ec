#!/usr/bin/env bash
# Refreshes the dashboard screenshots in docs/screenshots/: runs the browser test (which writes
# them into the target directory, so CI never rewrites tracked files) and copies the main pages.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test -p tandem-web --test browser
target="${CARGO_TARGET_DIR:-target}"
src="$target/tmp/tandem-web-screenshots"
mkdir -p docs/screenshots
for page in coordinations coordination graph health charts; do
  cp "$src/$page.png" "docs/screenshots/dashboard-$page.png"
done
echo "screenshots copied to docs/screenshots/"
