// Bundles the client, the language server, the CLI, the parse worker and the benchmark with esbuild.
// tree-sitter and tree-sitter-c are native (Node-API prebuilds): they stay external and ship in node_modules.
// node-mbox stays there too: its line-stream dependency calls `new Buffer`, which Node only lets pass silently in node_modules.
import * as esbuild from 'esbuild';
import { existsSync, chmodSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const entries = {
  client: 'client/src/extension.ts',
  server: 'server/src/server.ts',
  cli: 'server/src/cli/main.ts',
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

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log('esbuild: watching');
} else {
  await esbuild.build(options);
  if (existsSync('out/cli.js')) chmodSync('out/cli.js', 0o755);
}
