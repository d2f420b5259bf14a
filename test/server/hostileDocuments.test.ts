// Hostile documents opened in the editor do not freeze the server: the 200-byte generator file (once 84 s of
// backtracking; the server froze for 52 s and a request cancelled after 1 s still waited), 40k nested calls and 40k
// nested ifs. Requests after the opens are answered, a cancelled one is answered (cancelled or not), and what the depth limit
// cut leaves the document's other functions known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import type { DocumentSymbol, SymbolInformation } from 'vscode-languageserver-protocol';
import { ADVERSARIAL_C } from '../support/adversarialC';
import { copyFixture, hangGuardMs, ServerClient, uri } from './serverClient';

/** LSPErrorCodes.RequestCancelled */
const requestCancelled = -32800;

void test('hostile documents opened in the editor leave the server answering, and cancellation answers at once', { timeout: hangGuardMs }, async () => {
  const ws = copyFixture();
  const server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage });
  try {
    await server.waitReady();
    const dir = path.join(ws.workspace, 'linux', 'kernel', 'irq');
    const docs: Record<string, string> = {
      'generator.c': 'DEFINE_IDTENTRY(f)' + '/**/'.repeat(30) + ';\n',
      'generator_long.c': ADVERSARIAL_C['generator then empty comments'],
      'nested_calls.c': ADVERSARIAL_C['nested calls'],
      'nested_ifs.c': ADVERSARIAL_C['nested ifs'],
    };
    const t0 = Date.now();
    for (const [name, text] of Object.entries(docs)) await server.open(path.join(dir, name), text);
    // A request queued behind the opens, cancelled one second later: answered as cancelled, not after the parses.
    const source = new CancellationTokenSource();
    const cancelled = server.conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: 'ack_dynirq' }, source.token);
    setTimeout(() => source.cancel(), 1000);
    const outcome = await cancelled.then(
      () => 'answered',
      (err: unknown) => (err instanceof ResponseError && err.code === requestCancelled ? 'cancelled' : String(err)),
    );
    assert.ok(outcome === 'cancelled' || outcome === 'answered', outcome);
    const syms = await server.request<SymbolInformation[]>('workspace/symbol', { query: 'ack_dynirq' });
    assert.ok(syms.some((s) => s.name === 'ack_dynirq'));
    const seconds = (Date.now() - t0) / 1000;
    // Each document's parse is bounded by the extraction budget (seconds), not by its content (minutes before).
    assert.ok(seconds < 60, `answered ${seconds.toFixed(1)} s after the opens`);
    const nested = await server.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: uri(path.join(dir, 'nested_calls.c')) } });
    assert.deepEqual(nested.map((s) => s.name).sort(), ['g', 'h'], 'the functions around the cut part are kept');
  } finally {
    await server.stop();
    ws.cleanup();
  }
});
