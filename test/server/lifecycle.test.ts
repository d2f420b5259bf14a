// Black-box tests of the language server's life cycle: `$/progress` and status while indexing, requests sent before the
// index exists (they wait; cancelled ones answer RequestCancelled), requests on unknown files, clean shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import type { Location, SymbolInformation } from 'vscode-languageserver-protocol';
import { copyFixture, hangGuardMs, ServerClient, uri } from './serverClient';

/** LSPErrorCodes.RequestCancelled */
const requestCancelled = -32800;

void test('requests before indexing wait for the index; a cancelled one answers RequestCancelled; progress and status are reported', { timeout: hangGuardMs }, async () => {
  const ws = copyFixture();
  const server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage, sendInitialized: false });
  try {
    const caps = server.initializeResult?.capabilities;
    assert.ok(caps?.callHierarchyProvider && caps.workspaceSymbolProvider && caps.hoverProvider && caps.declarationProvider);
    assert.deepEqual(caps.textDocumentSync, { openClose: true, change: 2 }, 'incremental sync');

    // Indexing starts on `initialized`: until then these requests can only wait.
    const source = new CancellationTokenSource();
    const cancelled = server.conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: 'ack_dynirq' }, source.token);
    const waiting = server.request<SymbolInformation[]>('workspace/symbol', { query: 'ack_dynirq' });
    source.cancel();
    await assert.rejects(cancelled, (err: unknown) => err instanceof ResponseError && err.code === requestCancelled);
    assert.equal(server.statuses.length, 0, 'no indexing before initialized');

    await server.initialized();
    const answered = await waiting;
    assert.ok(answered.some((s) => s.name === 'ack_dynirq'), 'the early request is answered from the finished index');

    const ready = await server.waitReady();
    assert.equal(ready.state, 'ready');
    assert.equal(server.statuses[0].state, 'indexing', 'status says indexing first');

    // $/progress: created by the server, begin → report(s) with counts → end, all on that token.
    assert.equal(server.createdProgressTokens.length, 1, 'one work-done progress created');
    const token = server.createdProgressTokens[0];
    const kinds = server.progress.filter((p) => p.token === token).map((p) => p.value.kind);
    assert.equal(kinds[0], 'begin');
    assert.equal(kinds.at(-1), 'end');
    assert.ok(kinds.includes('report'), `a report between begin and end: ${kinds.join(' ')}`);
    assert.equal(server.progress.filter((p) => p.token !== token).length, 0, 'no progress on unknown tokens');
    const reports = server.progress.filter((p) => p.value.kind === 'report').map((p) => p.value.message ?? '');
    for (const r of reports) assert.match(r, /^\d+\/\d+ files$/);
    const last = /^(\d+)\/(\d+)/.exec(reports.at(-1) ?? '');
    assert.ok(last && last[1] === last[2] && Number(last[2]) > 0, `the last report counts every file: ${reports.at(-1)}`);
    const files = ready.trees.reduce((n, t) => n + t.files, 0);
    assert.equal(Number(last[2]), files, 'progress total = files in the ready status');
  } finally {
    const code = await server.stop();
    ws.cleanup();
    assert.equal(code, 0);
  }
});

void test('requests about files outside every tree, or that do not exist, answer empty', { timeout: hangGuardMs }, async () => {
  const ws = copyFixture();
  const server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage, workDoneProgress: false });
  try {
    await server.waitReady();
    assert.equal(server.createdProgressTokens.length, 0, 'no progress token when the client does not support it');
    const missing = path.join(ws.workspace, 'nowhere', 'missing.c');
    const defs = await server.request<Location[]>('textDocument/definition', { textDocument: { uri: uri(missing) }, position: { line: 3, character: 4 } });
    assert.deepEqual(defs, []);
    const syms = await server.request<unknown[]>('textDocument/documentSymbol', { textDocument: { uri: 'untitled:Untitled-1' } });
    assert.deepEqual(syms, []);
    assert.equal(
      server.logs.filter((l) => l.type === 1).length,
      0,
      `no errors logged: ${server.logs.filter((l) => l.type === 1).map((l) => l.message).join('\n')}`,
    );
  } finally {
    await server.stop();
    ws.cleanup();
  }
});

void test('a warm start reads the cache in the storage folder and finds the same trees', { timeout: hangGuardMs }, async () => {
  const ws = copyFixture();
  try {
    const first = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage });
    const cold = await first.waitReady();
    await first.stop();
    const second = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage });
    const warm = await second.waitReady();
    await second.stop();
    const summary = (s: typeof cold) => s.trees.map((t) => `${path.basename(t.root)} ${t.codebase} ${t.version} ${t.files} ${t.functions}`).sort();
    assert.deepEqual(summary(warm), summary(cold));
    assert.ok(
      warm.trees.every((t) => Number(t.fromCache) > 0),
      `warm start served from the cache: ${JSON.stringify(warm.trees.map((t) => t.fromCache))}`,
    );
  } finally {
    ws.cleanup();
  }
});

void test('shutdown before `initialized` releases waiting requests and exits cleanly', { timeout: hangGuardMs }, async () => {
  const ws = copyFixture();
  try {
    const server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage, sendInitialized: false });
    const waiting = server.request<SymbolInformation[]>('workspace/symbol', { query: 'ack_dynirq' }).catch((e: unknown) => e);
    assert.equal(await server.stop(), 0);
    const answer = await waiting;
    // The request waited for an index that shutdown will never build: it is answered with the empty list, or refused
    // as the connection closes; never left hanging and never an answer made up from nothing.
    if (Array.isArray(answer)) assert.deepEqual(answer, [], 'no index was built: nothing to answer');
    else assert.ok(answer instanceof Error && /closed|disposed|shutting|cancel/i.test(answer.message), `dropped with a clear reason: ${String(answer)}`);
  } finally {
    ws.cleanup();
  }
});

void test('settings change (irqlens.trees) and irqlens/reindex rebuild the index; logLevel applies at once', { timeout: hangGuardMs }, async () => {
  const ws = copyFixture();
  const server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage });
  try {
    await server.waitReady();
    const readies = () => server.statuses.filter((s) => s.state === 'ready');
    const found = async (name: string) =>
      (await server.request<SymbolInformation[]>('workspace/symbol', { query: name })).some((s) => s.name === name);
    assert.ok(await found('ack_dynirq'));

    await server.notify('workspace/didChangeConfiguration', { settings: { irqlens: { trees: ['xen'], logLevel: 'debug' } } });
    // Requests after the change wait for the new index: only the Xen tree is left.
    assert.equal(await found('ack_dynirq'), false, 'the Linux tree is gone');
    assert.ok(await found('evtchn_2l_set_pending'), 'the Xen tree is still there');
    assert.equal(readies().length, 2);
    assert.deepEqual(readies()[1].trees.map((t) => path.basename(t.root)), ['xen']);

    await server.request('irqlens/reindex', null);
    assert.equal(readies().length, 3, 'reindex answers once the new index is ready');
    assert.ok(server.logs.some((l) => l.type === 5), 'debug lines appear once logLevel is debug');
  } finally {
    await server.stop();
    ws.cleanup();
  }
});

void test('a request waiting for the index is answered by the newest build when settings change meanwhile', { timeout: hangGuardMs }, async () => {
  const ws = copyFixture();
  const server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage, sendInitialized: false });
  try {
    await server.initialized();
    // Both messages are queued before the first build can finish: the request waits on a build that gets superseded.
    const waiting = server.request<SymbolInformation[]>('workspace/symbol', { query: 'evtchn_2l_set_pending' });
    await server.notify('workspace/didChangeConfiguration', { settings: { irqlens: { trees: ['xen'] } } });
    const answer = await waiting;
    assert.ok(answer.some((s) => s.name === 'evtchn_2l_set_pending'), 'answered from the new index, not emptied by the superseded one');
    const ready = server.statuses.filter((s) => s.state === 'ready');
    assert.deepEqual(ready.at(-1)?.trees.map((t) => path.basename(t.root)), ['xen']);
  } finally {
    await server.stop();
    ws.cleanup();
  }
});
