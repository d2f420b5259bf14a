// The server's life cycle under a client that misbehaves or goes away, over --stdio: the server ends when its input
// closes (it kept running, and indexing, for nobody), shutdown during a build answers and exits within a deadline,
// nothing is indexed before `initialized` (a settings change or irqlens/reindex before it used to start a build), a
// second `initialized` starts nothing, and a client that never sends `initialized` still gets answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SymbolInformation } from 'vscode-languageserver-protocol';
import { copyFixture, hangGuardMs, ServerClient } from './serverClient';

/** Resolves with the exit code, or with 'timeout' when the process is still running after `ms`. */
function exitWithin(server: ServerClient, ms: number): Promise<number | null | 'timeout'> {
  if (server.exitCode !== undefined) return Promise.resolve(server.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    server.proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Adds `count` generated C files to the fixture's Linux tree, so that a cold build takes a few seconds. */
function addBulk(workspace: string, count: number): void {
  const dir = path.join(workspace, 'linux', 'drivers', 'bulk');
  fs.mkdirSync(dir, { recursive: true });
  for (let f = 0; f < count; f++) {
    const fns = Array.from({ length: 40 }, (_, i) => `static int bulk_${f}_${i}(int x)\n{\n\tif (x > ${i})\n\t\treturn bulk_${f}_${(i + 1) % 40}(x - 1);\n\treturn x * ${i};\n}\n`);
    fs.writeFileSync(path.join(dir, `bulk${f}.c`), fns.join('\n'));
  }
}

void test('the server exits when its client closes the stream without shutdown/exit', { timeout: hangGuardMs }, async () => {
  const ws = copyFixture();
  const server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage });
  try {
    await server.waitReady();
    server.proc.stdin.end();
    // Exit code 1: the client did not shut the server down (LSP).
    assert.equal(await exitWithin(server, 5000), 1);
  } finally {
    if (server.exitCode === undefined) server.proc.kill();
    ws.cleanup();
  }
});

void test('shutdown and exit during a cold build end the server within the deadline, without finishing the build', { timeout: hangGuardMs }, async () => {
  const ws = copyFixture();
  addBulk(ws.workspace, 1500);
  const server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage });
  try {
    // Files are being parsed: the full build is under way.
    await server.waitFor('the full build parsing files', () => server.statuses.some((s) => s.state === 'indexing' && (s.done ?? 0) > 0 && (s.done ?? 0) < (s.total ?? 0)));
    const t0 = Date.now();
    await server.request('shutdown', null);
    const shutdownMs = Date.now() - t0;
    await server.notify('exit', null);
    assert.equal(await exitWithin(server, 5000), 0, 'exit after shutdown: code 0, within 5 s');
    assert.ok(shutdownMs < 5000, `shutdown answered in ${shutdownMs} ms`);
    assert.equal(server.statuses.filter((s) => s.state === 'ready').length, 0, 'the abandoned build never reported ready');
    const cache = path.join(ws.storage, 'index-cache');
    const written = fs.existsSync(cache) ? fs.readdirSync(cache).filter((f) => !f.endsWith('.tmp')) : [];
    assert.ok(written.length <= 1, `at most the Xen tree's cache (built before the Linux one), not the abandoned tree's: ${written.join(', ')}`);
  } finally {
    if (server.exitCode === undefined) server.proc.kill();
    ws.cleanup();
  }
});

void test('a settings change and irqlens/reindex before `initialized` start no build; the first build uses the new settings', { timeout: hangGuardMs }, async () => {
  const ws = copyFixture();
  const server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage, sendInitialized: false, env: { IRQLENS_INITIALIZED_GRACE_MS: '60000' } });
  try {
    await server.notify('workspace/didChangeConfiguration', { settings: { irqlens: { trees: ['xen'] } } });
    const reindexed = server.request('irqlens/reindex', null);
    // Give the server time to (wrongly) start indexing; nothing may be reported before `initialized`.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(server.statuses.length, 0, 'no indexing before initialized');
    assert.ok(server.logs.some((l) => /applied when indexing starts/.test(l.message)), server.logs.map((l) => l.message).join('\n'));
    await server.initialized();
    await reindexed;
    const ready = server.statuses.filter((s) => s.state === 'ready');
    assert.equal(ready.length, 1, 'one build, started by initialized');
    assert.deepEqual(ready[0].trees.map((t) => path.basename(t.root)), ['xen'], 'with the settings sent before it');
  } finally {
    await server.stop();
    ws.cleanup();
  }
});

void test('a second `initialized` starts nothing; a client that never sends it is answered after the grace period', { timeout: hangGuardMs }, async () => {
  const ws = copyFixture();
  const twice = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage });
  try {
    await twice.waitReady();
    await twice.initialized();
    const syms = await twice.request<SymbolInformation[]>('workspace/symbol', { query: 'ack_dynirq' });
    assert.ok(syms.some((s) => s.name === 'ack_dynirq'));
    await twice.waitLog(/initialized was already received/);
    assert.equal(twice.statuses.filter((s) => s.state === 'indexing' && s.message === 'finding trees').length, 1, 'one build');
  } finally {
    await twice.stop();
  }
  const never = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage, sendInitialized: false, env: { IRQLENS_INITIALIZED_GRACE_MS: '1000' } });
  try {
    const syms = await never.request<SymbolInformation[]>('workspace/symbol', { query: 'ack_dynirq' });
    assert.ok(syms.some((s) => s.name === 'ack_dynirq'), 'answered once indexing started without initialized');
    assert.ok(never.logs.some((l) => /no initialized notification .* indexing starts without it/.test(l.message)));
  } finally {
    await never.stop();
    ws.cleanup();
  }
});
