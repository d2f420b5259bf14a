#!/usr/bin/env bash
# Editor end-to-end: builds and packages the extension (.vsix), then runs it in code-server (VS Code 1.139 web) on free
# loopback ports, each instance under its own process group:
#   1. the extension-host mocha suites (test/e2e/extension) with the smoke-test driver, on the sample trees;
#   2. Playwright UI tests in Debian's Chromium with the .vsix installed: the sample trees (editor.e2e.mjs), then, when
#      IRQLENS_XEN and IRQLENS_LINUX name real trees, a multi-root workspace of both (realTrees.e2e.mjs).
# Why code-server: VS Code itself cannot be downloaded on the test machines; code-server bundles the same workbench. Exits non-zero on any failure; always kills code-server's process groups.
#   IRQLENS_E2E_CACHE      where install.sh keeps Node 24, code-server and playwright-core, and the real trees' index cache
#   IRQLENS_E2E_SKIP_BUILD=1  reuse out/ as it is
#   IRQLENS_E2E_ONLY=host,sample,real  run only these parts
#   IRQLENS_E2E_KEEP=1     keep the scratch folder (logs, profile) for a look afterwards
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
log() { echo "e2e: $*" >&2; }
want() { [ -z "${IRQLENS_E2E_ONLY:-}" ] || [[ ",$IRQLENS_E2E_ONLY," == *",$1,"* ]]; }

# Node 24, code-server and playwright-core, reused when present.
installed=$(bash test/e2e/install.sh) || { log "FAIL: test/e2e/install.sh failed (see above)"; exit 1; }
eval "$(grep -E '^(NODE24|CODE_SERVER|PLAYWRIGHT)=' <<<"$installed")"
: "${NODE24:?install.sh did not report NODE24}" "${CODE_SERVER:?}" "${PLAYWRIGHT:?}"
CACHE="${IRQLENS_E2E_CACHE:-$HOME/.cache/irqlens/e2e}"

[ "${IRQLENS_E2E_SKIP_BUILD:-}" = 1 ] || npm run build >&2
for f in out/client.js out/server.js out/webview.js; do
  [ -f "$f" ] || { log "FAIL: $f missing after the build"; exit 1; }
done

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/irqlens-e2e.XXXXXX")
CS_PIDS=()
stop_code_server() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  for pid in "${CS_PIDS[@]}"; do stop_code_server "$pid"; done
  if [ "$rc" -ne 0 ]; then
    for f in "$SCRATCH"/*/code-server.log; do [ -f "$f" ] && { log "--- $f"; tail -n 30 "$f" >&2; }; done
    # The extension's output channel and the extension host log, where a server crash shows.
    find "$SCRATCH" -path '*/logs/*' \( -name 'exthost.log' -o -iname '*irq*lens*.log' \) 2>/dev/null | while read -r f; do
      log "--- $f"; tail -n 30 "$f" >&2
    done
  fi
  if [ "${IRQLENS_E2E_KEEP:-}" = 1 ]; then log "scratch kept: $SCRATCH"; else rm -rf "$SCRATCH"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The .vsix, exactly as `npm run package` makes it (vsce, offline; see .vscodeignore), and the same files unpacked for
# the extension-host run (an extension under development is a folder).
node node_modules/@vscode/vsce/vsce package --allow-missing-repository --no-rewrite-relative-links --out "$SCRATCH/irqlens.vsix" >&2
log "packaged $(du -h "$SCRATCH/irqlens.vsix" | cut -f1) ($SCRATCH/irqlens.vsix)"
mkdir -p "$SCRATCH/dev" && unzip -q "$SCRATCH/irqlens.vsix" 'extension/*' -d "$SCRATCH/dev"
DEV="$SCRATCH/dev/extension"
ls "$DEV"/node_modules/tree-sitter/prebuilds/linux-x64/*.node "$DEV"/node_modules/tree-sitter-c/prebuilds/linux-x64/*.node >/dev/null \
  || { log "FAIL: tree-sitter prebuilds missing from the .vsix"; exit 1; }

# The sample trees, copied so that nothing the editor or the server writes lands in the repository.
cp -r sample "$SCRATCH/sample"

# code-server and Chromium write into XDG folders; keep them in the scratch folder.
export XDG_CONFIG_HOME="$SCRATCH/xdg/config" XDG_DATA_HOME="$SCRATCH/xdg/data" XDG_CACHE_HOME="$SCRATCH/xdg/cache"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# start_code_server NAME EXTENSIONS_DIR [code-server args…]: starts an instance with its own profile, on NEXT_PORT when
# set, else a free port; sets PORT, PID.
start_code_server() {
  local name=$1 extdir=$2; shift 2
  mkdir -p "$SCRATCH/$name/user/User" "$extdir"
  cat > "$SCRATCH/$name/user/User/settings.json" <<'JSON'
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
  PORT=${NEXT_PORT:-$(free_port)}
  NEXT_PORT=
  setsid "$NODE24" "$CODE_SERVER/out/node/entry.js" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry \
    --disable-update-check --disable-workspace-trust --user-data-dir "$SCRATCH/$name/user" --extensions-dir "$extdir" "$@" \
    > "$SCRATCH/$name/code-server.log" 2>&1 < /dev/null &
  PID=$!
  CS_PIDS+=("$PID")
  for _ in $(seq 300); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$PID" 2>/dev/null || { log "FAIL: code-server ($name) exited"; exit 1; }
    sleep 0.1
  done
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || { log "FAIL: code-server ($name) not healthy on port $PORT"; exit 1; }
  log "code-server ($name) pid $PID on port $PORT"
}

mkdir -p test-results/e2e
RESULTS="$REPO/test-results/e2e"

# 1. Extension-host suites: the unpacked .vsix as the extension under development, the suites bundled beside it.
if want host; then
  HOST_TESTS="$SCRATCH/host-tests/extensionTests.js"
  node -e "require('esbuild').build({ entryPoints: ['test/e2e/extension/index.ts'], outfile: process.argv[1], bundle: true,
    platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'mocha'], logLevel: 'warning' })" "$HOST_TESTS"
  # The bundle requires mocha from this checkout's node_modules.
  ln -s "$REPO/node_modules" "$SCRATCH/host-tests/node_modules"
  start_code_server host "$SCRATCH/host/ext" --vscode-option enable-smoke-test-driver
  E2E_URL="http://127.0.0.1:$PORT" E2E_WORKSPACE="$SCRATCH/sample/irqlens.code-workspace" E2E_PLAYWRIGHT="$PLAYWRIGHT" \
    E2E_DEV_EXTENSION="$DEV" E2E_HOST_TESTS="$HOST_TESTS" "$NODE24" test/e2e/hostSuites.e2e.mjs
  stop_code_server "$PID"
fi

# 2. UI tests with the .vsix installed as a user would, one code-server instance per workspace (the real-tree test
#    kills its language server: only that instance's server may match).
install_vsix() { "$NODE24" "$CODE_SERVER/out/node/entry.js" --user-data-dir "$SCRATCH/$1/user" --extensions-dir "$SCRATCH/$1/ext" \
  --install-extension "$SCRATCH/irqlens.vsix" >&2; }
if want sample; then
  install_vsix ui
  start_code_server ui "$SCRATCH/ui/ext"
  E2E_URL="http://127.0.0.1:$PORT" E2E_WORKSPACE="$SCRATCH/sample/irqlens.code-workspace" E2E_PLAYWRIGHT="$PLAYWRIGHT" \
    E2E_RESULTS="$RESULTS" "$NODE24" test/e2e/editor.e2e.mjs
  stop_code_server "$PID"
fi
if want real; then
  if [ -n "${IRQLENS_XEN:-}" ] && [ -n "${IRQLENS_LINUX:-}" ]; then
    # The real trees' index cache outlives the scratch folder (the Linux tree takes minutes to index cold). The server
    # keeps it in the workspace's storage folder, named by VS Code's string hash of the workspace URI, which holds the
    # port: pick the port first, then put the cached files where that instance's server will look.
    REAL_WS_DIR="$CACHE/real-workspace"
    mkdir -p "$REAL_WS_DIR/index-cache"
    # A third, writable folder holds the scenario files the test writes (the trees are read-only).
    mkdir -p "$SCRATCH/scenarios"
    node -e "require('fs').writeFileSync(process.argv[1], JSON.stringify({ folders: [{ name: 'xen', path: process.argv[2] }, { name: 'linux', path: process.argv[3] }, { name: 'scenarios', path: process.argv[4] }], settings: {} }, null, 2))" \
      "$REAL_WS_DIR/irqlens-real.code-workspace" "$IRQLENS_XEN" "$IRQLENS_LINUX" "$SCRATCH/scenarios"
    NEXT_PORT=$(free_port)
    WS_ID=$(node -e "let h=0;const n=(v)=>{h=((h<<5)-h+v)|0};n(149417);for(const c of process.argv[1])n(c.charCodeAt(0));console.log(h.toString(16))" \
      "vscode-remote://127.0.0.1:$NEXT_PORT$REAL_WS_DIR/irqlens-real.code-workspace")
    INDEX_CACHE="$SCRATCH/real/user/User/workspaceStorage/$WS_ID/irqlens.irqlens/index-cache"
    mkdir -p "$INDEX_CACHE"
    for f in "$REAL_WS_DIR"/index-cache/*.idx; do
      if [ -f "$f" ]; then cp -l "$f" "$INDEX_CACHE/" 2>/dev/null || cp "$f" "$INDEX_CACHE/"; fi
    done
    log "real trees: workspace storage $WS_ID, $(ls "$INDEX_CACHE" | wc -l) cached index file(s)"
    install_vsix real
    start_code_server real "$SCRATCH/real/ext"
    real_rc=0
    E2E_URL="http://127.0.0.1:$PORT" E2E_WORKSPACE="$REAL_WS_DIR/irqlens-real.code-workspace" E2E_PLAYWRIGHT="$PLAYWRIGHT" \
      E2E_RESULTS="$RESULTS/real" E2E_SCRATCH="$SCRATCH" E2E_SERVER_JS="$SCRATCH/real/ext" \
      "$NODE24" test/e2e/realTrees.e2e.mjs || real_rc=$?
    stop_code_server "$PID"
    # Keep the index cache for the next run, pass or fail.
    for f in "$INDEX_CACHE"/*.idx; do
      if [ -f "$f" ] && ! [ "$f" -ef "$REAL_WS_DIR/index-cache/$(basename "$f")" ]; then cp "$f" "$REAL_WS_DIR/index-cache/"; fi
    done
    [ "$real_rc" -eq 0 ] || { log "FAIL: real-tree UI tests"; exit "$real_rc"; }
  else
    log "real trees: IRQLENS_XEN and IRQLENS_LINUX not both set, skipped"
  fi
fi
log "PASS"
