// A large open document (~5 MB) edited quickly: edits are parsed at most once per pause, and a request sees the
// latest text (the pending edit is parsed before the request reads the index). Counted from the server's debug log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DocumentSymbol } from 'vscode-languageserver-protocol';
import { copyFixture, hangGuardMs, ServerClient, uri } from './serverClient';

let server: ServerClient;
let ws: ReturnType<typeof copyFixture>;

before(async () => {
  ws = copyFixture();
  server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage, settings: { logLevel: 'debug' } });
  await server.waitReady();
}, { timeout: hangGuardMs });

after(async () => {
  await server?.stop();
  ws?.cleanup();
}, { timeout: hangGuardMs });

/** A C file of about `bytes` bytes: many small functions, then `last` as the final one. */
function bigSource(bytes: number, last: string): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const f = `static int filler_${i}(int x)\n{\n\treturn x + ${i};\n}\n\n`;
    parts.push(f);
    size += f.length;
  }
  parts.push(`int ${last}(void)\n{\n\treturn 0;\n}\n`);
  return parts.join('');
}

void test('ten quick edits of a 5 MB document are parsed in at most two passes, and a request sees the last one', { timeout: hangGuardMs }, async () => {
  const file = path.join(ws.workspace, 'xen', 'common', 'huge_table.c');
  const docUri = uri(file);
  await server.notify('textDocument/didOpen', { textDocument: { uri: docUri, languageId: 'c', version: 1, text: bigSource(5_000_000, 'edit_0') } });
  const parsesBefore = () => server.logs.filter((l) => l.message.includes('huge_table.c: parsed the open document')).length;
  // The open itself is parsed at once (not an edit); wait for it so the count below is of edits only.
  await server.waitFor('the open parse', () => parsesBefore() >= 1);
  const opened = parsesBefore();
  for (let v = 1; v <= 10; v++) {
    await server.notify('textDocument/didChange', { textDocument: { uri: docUri, version: v + 1 }, contentChanges: [{ text: bigSource(5_000_000, `edit_${v}`) }] });
  }
  const syms = await server.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: docUri } });
  const names = new Set(syms.map((s) => s.name));
  assert.ok(names.has('edit_10'), 'the last edit is what the request sees');
  assert.ok(!names.has('edit_9'), 'no earlier edit lingers');
  const editParses = parsesBefore() - opened;
  assert.ok(editParses >= 1 && editParses <= 2, `edits parsed ${editParses} times`);
});
