#!/usr/bin/env bash
# Editor end-to-end: builds and packages the extension, starts code-server (VS Code 1.139 web) on a free loopback port
# under its own process group, and drives it with Playwright in Debian's Chromium (test/e2e/editor.e2e.mjs).
# Why code-server: VS Code itself cannot be downloaded on the test machines; code-server bundles the same workbench. Exits non-zero on any failure; always kills code-server's process group.
#   IRQLENS_E2E_CACHE      where install.sh keeps Node 24, code-server and playwright-core
#   IRQLENS_E2E_SKIP_BUILD=1  reuse out/ as it is
#   IRQLENS_E2E_KEEP=1     keep the scratch folder (logs, profile) for a look afterwards
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
log() { echo "e2e: $*" >&2; }

# Node 24, code-server and playwright-core, reused when present.
installed=$(bash test/e2e/install.sh) || { log "FAIL: test/e2e/install.sh failed (see above)"; exit 1; }
eval "$(grep -E '^(NODE24|CODE_SERVER|PLAYWRIGHT)=' <<<"$installed")"
: "${NODE24:?install.sh did not report NODE24}" "${CODE_SERVER:?}" "${PLAYWRIGHT:?}"

[ "${IRQLENS_E2E_SKIP_BUILD:-}" = 1 ] || npm run build >&2
for f in out/client.js out/server.js; do
  [ -f "$f" ] || { log "FAIL: $f missing after the build (client or server not written yet?)"; exit 1; }
done

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/irqlens-e2e.XXXXXX")
CS_PID=
cleanup() {
  local rc=$?
  if [ -n "$CS_PID" ] && kill -0 "$CS_PID" 2>/dev/null; then
    kill -TERM -- "-$CS_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$CS_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$CS_PID" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ]; then
    log "code-server log tail:"; tail -n 40 "$SCRATCH/code-server.log" >&2 2>/dev/null || true
    # The extension's output channel and the extension host log, where a server crash shows.
    find "$SCRATCH/user/logs" \( -name 'exthost.log' -o -iname '*irq*lens*.log' \) 2>/dev/null | while read -r f; do
      log "--- $f"; tail -n 30 "$f" >&2
    done
  fi
  if [ "${IRQLENS_E2E_KEEP:-}" = 1 ]; then log "scratch kept: $SCRATCH"; else rm -rf "$SCRATCH"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Package the extension as `vsce package` would lay it out: the manifest, out/ (no benchmark), and the production
# node_modules, tree-sitter's Node-API prebuilds included, copied folder by folder from this install.
VERSION=$(node -p "require('./package.json').version")
EXT="$SCRATCH/ext/irqlens.irqlens-$VERSION"
mkdir -p "$EXT/out"
cp package.json "$EXT/"
for f in README.md LICENSE CHANGELOG.md; do [ -f "$f" ] && cp "$f" "$EXT/"; done
[ -d syntaxes ] && cp -r syntaxes "$EXT/"
find out -maxdepth 1 -type f \( -name '*.js' -o -name '*.js.map' \) ! -name 'bench.*' -exec cp {} "$EXT/out/" \;
find out -maxdepth 1 -type f -name '*.scm' -exec cp {} "$EXT/out/" \; 2>/dev/null || true
npm ls --omit=dev --all --parseable 2>/dev/null | grep '/node_modules/' | sed "s|^$REPO/||" | sort -u | while read -r dep; do
  mkdir -p "$EXT/$(dirname "$dep")"; cp -a "$dep" "$EXT/$(dirname "$dep")/"
done
ls "$EXT"/node_modules/tree-sitter/prebuilds/linux-x64/*.node "$EXT"/node_modules/tree-sitter-c/prebuilds/linux-x64/*.node >/dev/null \
  || { log "FAIL: tree-sitter prebuilds missing from the packaged extension"; exit 1; }
log "packaged $(du -sh "$EXT" | cut -f1) into $EXT"

# The sample trees, copied so that nothing the editor or the server writes lands in the repository.
cp -r sample "$SCRATCH/sample"

# code-server and Chromium write into XDG folders; keep them in the scratch folder.
export XDG_CONFIG_HOME="$SCRATCH/xdg/config" XDG_DATA_HOME="$SCRATCH/xdg/data" XDG_CACHE_HOME="$SCRATCH/xdg/cache"
mkdir -p "$SCRATCH/user/User" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
cat > "$SCRATCH/user/User/settings.json" <<'JSON'
{
  "chat.disableAIFeatures": true,
  "workbench.startupEditor": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off",
  "workbench.tips.enabled": false,
  "security.workspace.trust.enabled": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden"
}
JSON

PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
setsid "$NODE24" "$CODE_SERVER/out/node/entry.js" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry \
  --disable-update-check --disable-workspace-trust --user-data-dir "$SCRATCH/user" --extensions-dir "$SCRATCH/ext" \
  > "$SCRATCH/code-server.log" 2>&1 < /dev/null &
CS_PID=$!
for _ in $(seq 300); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$CS_PID" 2>/dev/null || { log "FAIL: code-server exited"; exit 1; }
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || { log "FAIL: code-server not healthy on port $PORT"; exit 1; }
log "code-server pid $CS_PID on port $PORT"

mkdir -p test-results/e2e
E2E_URL="http://127.0.0.1:$PORT" E2E_WORKSPACE="$SCRATCH/sample/irqlens.code-workspace" E2E_PLAYWRIGHT="$PLAYWRIGHT" \
  E2E_RESULTS="$REPO/test-results/e2e" \
  "$NODE24" test/e2e/editor.e2e.mjs
log "PASS"
