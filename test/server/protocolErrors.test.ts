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
    // A cancellation without an id: vscode-jsonrpc read params.id before any handler and threw inside the reader,
    // which then left the messages behind it unread. Now dropped and logged; the request after it is answered.
    await server.notify('$/cancelRequest', {});
    await server.notify('$/cancelRequest', null);
    const afterCancel = await server.request<SymbolInformation[]>('workspace/symbol', { query: 'ack_dynirq' });
    assert.ok(afterCancel.some((s) => s.name === 'ack_dynirq'));
    assert.ok(server.logs.some((l) => /\$\/cancelRequest: ignored, invalid params: id must be an integer or a string/.test(l.message)));
    assert.ok(!server.logs.some((l) => /uncaught exception/.test(l.message)), server.logs.map((l) => l.message).join('\n'));
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

void test('before initialize requests answer ServerNotInitialized; garbage on the stream is logged once per run with its offset and reading resumes', { timeout: hangGuardMs }, async () => {
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
  const garbageLogs = () => messages().filter((m) => m.method === 'window/logMessage' && /no LSP message/.test(m.params?.message ?? '')).map((m) => m.params!.message!);
  let sent = 0;
  const send = (s: string) => {
    proc.stdin.write(s);
    const at = sent;
    sent += Buffer.byteLength(s);
    return at;
  };
  try {
    // Unframed bytes before the first message: skipped, and the request after them is read.
    const first = send('hello from a shell script\n');
    send(frame({ jsonrpc: '2.0', id: 1, method: 'workspace/symbol', params: { query: 'x' } }));
    await waitFor(() => messages().some((m) => m.id === 1));
    assert.equal(messages().find((m) => m.id === 1)?.error?.code, SERVER_NOT_INITIALIZED);

    send(frame({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } }));
    await waitFor(() => messages().some((m) => m.id === 2));
    assert.ok(messages().find((m) => m.id === 2)?.result, 'initialize answers');
    send(frame({ jsonrpc: '2.0', method: 'initialized', params: {} }));

    // Between messages: a header-less line, then two frames that are no JSON in a row (one run), each followed by a request.
    const second = send('garbage without header\r\n\r\n');
    send(frame({ jsonrpc: '2.0', id: 3, method: 'workspace/symbol', params: { query: 'x' } }));
    const third = send(frame('{ this is not json'));
    send(frame('{ nor this'));
    send(frame({ jsonrpc: '2.0', id: 4, method: 'no/such/method', params: {} }));
    await waitFor(() => messages().some((m) => m.id === 3) && messages().some((m) => m.id === 4));
    assert.deepEqual(messages().find((m) => m.id === 3)?.result, [], 'the request after the garbage is answered');
    assert.equal(messages().find((m) => m.id === 4)?.error?.code, -32601, 'and the one after the bad frames too');

    await waitFor(() => garbageLogs().length >= 3);
    const logs = garbageLogs();
    assert.equal(logs.length, 3, `one line per run of garbage:\n${logs.join('\n')}`);
    assert.match(logs[0], new RegExp(`at byte ${first} of the stream .*"hello from a shell script`));
    assert.match(logs[1], new RegExp(`at byte ${second} of the stream .*"garbage without header`));
    const body = third + frame('{ this is not json').indexOf('{');
    assert.match(logs[2], new RegExp(`at byte ${body} of the stream \\(a frame whose body is not JSON`));
  } finally {
    proc.kill();
  }
});
