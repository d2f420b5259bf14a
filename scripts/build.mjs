// Bundles the client, the language server, the CLI, the parse worker, the benchmark and the simulation panel's webview
// script with esbuild.
// tree-sitter and tree-sitter-c are native (Node-API prebuilds): they stay external and ship in node_modules.
// node-mbox stays there too: its line-stream dependency calls `new Buffer`, which Node only lets pass silently in node_modules.
import * as esbuild from 'esbuild';
import { existsSync, chmodSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const entries = {
  client: 'client/src/extension.ts',
  server: 'server/src/server.ts',
  // out/cli.js is the command: it loads out/cliMain.js (the CLI) through V8's code cache.
  cli: 'server/src/cli/entry.ts',
  cliMain: 'server/src/cli/main.ts',
  parseWorker: 'server/src/engine/index/parseWorker.ts',
  bench: 'test/bench/bench.ts',
};
const entryPoints = Object.fromEntries(Object.entries(entries).filter(([, f]) => existsSync(f)));

const options = {
  entryPoints,
  outdir: 'out',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: ['vscode', 'tree-sitter', 'tree-sitter-c', 'node-mbox'],
  logLevel: 'warning',
  loader: { '.scm': 'text' },
};

// The simulation panel's script runs in a webview (a browser page): its own bundle, minified, no Node built-ins.
const webview = {
  entryPoints: { webview: 'client/webview/main.ts' },
  outdir: 'out',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
};
const builds = existsSync(webview.entryPoints.webview) ? [options, webview] : [options];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (existsSync('out/cli.js')) chmodSync('out/cli.js', 0o755);
}
