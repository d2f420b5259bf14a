// Black-box tests of the LSP life cycle over stdio: a second `initialize` is refused (InvalidRequest) and the server
// keeps serving; requests before `initialize` answer ServerNotInitialized; requests after `shutdown` answer
// InvalidRequest; malformed params answer InvalidParams naming the field; bytes that are no message are logged once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ResponseError } from 'vscode-jsonrpc/node';
import type { SymbolInformation } from 'vscode-languageserver-protocol';
import { buildOnce, copyFixture, hangGuardMs, repoRoot, ServerClient, uri } from './serverClient';

const INVALID_REQUEST = -32600;
const INVALID_PARAMS = -32602;
const SERVER_NOT_INITIALIZED = -32002;

function rejectsWith(p: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  return assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ResponseError, `a response error: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

void test('a second initialize is refused and the server goes on answering; malformed params name the field; after shutdown requests are refused', { timeout: hangGuardMs }, async () => {
  const ws = copyFixture();
  const server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage });
  try {
    await server.waitReady();
    await rejectsWith(server.request('initialize', { processId: null, rootUri: null, capabilities: {} }), INVALID_REQUEST, /only once/);
    const syms = await server.request<SymbolInformation[]>('workspace/symbol', { query: 'ack_dynirq' });
    assert.ok(syms.some((s) => s.name === 'ack_dynirq'), 'still serving the first session');

    const file = path.join(ws.workspace, 'linux', 'kernel', 'irq', 'chip.c');
    await rejectsWith(server.request('textDocument/definition', { textDocument: { uri: uri(file) } }), INVALID_PARAMS, /position must be an object/);
    await rejectsWith(server.request('textDocument/definition', { textDocument: { uri: 42 }, position: { line: 0, character: 0 } }), INVALID_PARAMS, /textDocument\.uri must be a string/);
    await rejectsWith(server.request('textDocument/hover', { textDocument: { uri: uri(file) }, position: { line: -1, character: 0 } }), INVALID_PARAMS, /position\.line must be a non-negative integer/);
    await rejectsWith(server.request('workspace/symbol', {}), INVALID_PARAMS, /query must be a string/);
    await rejectsWith(server.request('callHierarchy/incomingCalls', { item: { name: 'x' } }), INVALID_PARAMS, /item\.uri must be a string/);
    await rejectsWith(server.request('textDocument/documentSymbol', null), INVALID_PARAMS, /params must be an object/);
    // A malformed notification is dropped (and logged), not applied.
    await server.notify('textDocument/didOpen', { textDocument: { uri: uri(file) } });
    const again = await server.request<SymbolInformation[]>('workspace/symbol', { query: 'ack_dynirq' });
    assert.deepEqual(again.map((s) => s.name), syms.map((s) => s.name));
    assert.ok(server.logs.some((l) => /didOpen: ignored, invalid params: textDocument\.text must be a string/.test(l.message)));

    assert.equal(await server.request('shutdown', null), null);
    await rejectsWith(server.request('workspace/symbol', { query: 'ack_dynirq' }), INVALID_REQUEST, /shutting down/);
    const exited = new Promise((resolve) => server.proc.once('exit', resolve));
    await server.notify('exit', null);
    assert.equal(await exited, 0, 'exit after shutdown ends the server cleanly');
  } finally {
    await server.stop();
    ws.cleanup();
  }
});

/** Raw stdio: frames written by hand, answers read by hand (the library client would not send these). */
function frame(body: unknown): string {
  const json = typeof body === 'string' ? body : JSON.stringify(body);
  return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
}

void test('before initialize requests answer ServerNotInitialized; garbage on the stream is logged once with its position', { timeout: hangGuardMs }, async () => {
  buildOnce();
  const proc = spawn(process.execPath, [path.join(repoRoot, 'out', 'server.js'), '--stdio'], { cwd: repoRoot, stdio: 'pipe' });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const messages = () =>
    out.split(/Content-Length: \d+\r\n\r\n/).filter(Boolean).map((s) => JSON.parse(s) as { id?: number; method?: string; params?: { message?: string }; error?: { code: number; message: string }; result?: unknown });
  const waitFor = async (pred: () => boolean) => {
    for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(pred(), `waited for the server: ${out}`);
  };
  try {
    proc.stdin.write(frame({ jsonrpc: '2.0', id: 1, method: 'workspace/symbol', params: { query: 'x' } }));
    await waitFor(() => messages().some((m) => m.id === 1));
    assert.equal(messages().find((m) => m.id === 1)?.error?.code, SERVER_NOT_INITIALIZED);

    proc.stdin.write(frame({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } }));
    await waitFor(() => messages().some((m) => m.id === 2));
    assert.ok(messages().find((m) => m.id === 2)?.result, 'initialize answers');

    proc.stdin.write(frame('{ this is not json'));
    proc.stdin.write(frame('{ nor this'));
    await waitFor(() => messages().some((m) => m.method === 'window/logMessage' && /no LSP message/.test(m.params?.message ?? '')));
    const garbage = messages().filter((m) => m.method === 'window/logMessage' && /no LSP message/.test(m.params?.message ?? ''));
    assert.equal(garbage.length, 1, 'logged once');
    assert.match(garbage[0].params!.message!, /within the first \d+ bytes of the stream/);
  } finally {
    proc.kill();
  }
});
