// Black-box tests of how the language server follows change: incremental edits of an open document, files created,
// changed and deleted on disk (workspace/didChangeWatchedFiles), and bad input (binary or unparsable files).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CallHierarchyIncomingCall, CallHierarchyItem, DocumentSymbol, Hover, SymbolInformation } from 'vscode-languageserver-protocol';
import { copyFixture, hangGuardMs, lineOf, positionOf, ServerClient, uri } from './serverClient';

let server: ServerClient;
let ws: ReturnType<typeof copyFixture>;
const f = (rel: string) => path.join(ws.workspace, ...rel.split('/'));
const eventsBase = 'linux/drivers/xen/events/events_base.c';
/** A binary file named .c, present on disk before the server starts. */
const blobOnDisk = 'linux/drivers/xen/events/corrupt_blob.c';

const symbols = (query: string) => server.request<SymbolInformation[]>('workspace/symbol', { query });
const names = async (query: string) => (await symbols(query)).map((s) => s.name).filter((n) => n.includes(query));
/** The server still answers: a known function is found by its exact name. */
const stillServing = async () => assert.ok((await names('ack_dynirq')).includes('ack_dynirq'), 'still serving: ack_dynirq found');

before(async () => {
  ws = copyFixture();
  const blob = Buffer.alloc(4096);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 7919) % 256; // NULs and invalid UTF-8 included
  fs.writeFileSync(f(blobOnDisk), blob);
  server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage, settings: { exclude: ['**/generated/**'] } });
  await server.waitReady();
}, { timeout: hangGuardMs });

after(async () => {
  const code = await server?.stop();
  ws?.cleanup();
  assert.equal(code, 0, 'the server exits cleanly after shutdown/exit');
}, { timeout: hangGuardMs });

void test('a binary .c file on disk is skipped, reported once in the log, and indexing goes on', { timeout: hangGuardMs }, async () => {
  const ready = server.statuses.find((s) => s.state === 'ready');
  const linux = ready?.trees.find((t) => t.codebase === 'linux');
  assert.ok(linux, 'linux tree indexed');
  assert.ok(linux.skipped >= 1, `skipped count includes the blob (got ${linux.skipped})`);
  const lines = server.logs.filter((l) => l.message.includes('corrupt_blob.c'));
  assert.equal(lines.length, 1, `one log line names the file: ${JSON.stringify(lines)}`);
  await stillServing(); // the rest of the directory is indexed
});

void test('didChange (incremental): a function added to an open document is found, renamed, then gone when closed', { timeout: hangGuardMs }, async () => {
  const file = f(eventsBase);
  const original = fs.readFileSync(file, 'utf8');
  await server.open(file, original, 1);
  const endLine = original.split('\n').length - 1;
  const added = '\n/* Added by the test. */\nstatic void xen_fixture_new_handler(struct irq_data *data)\n{\n    ack_dynirq(data);\n}\n';
  await server.notify('textDocument/didChange', {
    textDocument: { uri: uri(file), version: 2 },
    contentChanges: [{ range: { start: { line: endLine, character: 0 }, end: { line: endLine, character: 0 } }, text: added }],
  });
  const hits = await symbols('xen_fixture_new_handler');
  const hit = hits.find((h) => h.name === 'xen_fixture_new_handler');
  assert.ok(hit, `found after didChange: ${hits.map((h) => h.name).join(', ')}`);
  assert.equal(hit.location.uri, uri(file));
  assert.equal(hit.location.range.start.line, endLine + 2);

  // The new call shows up in the call graph as well.
  const [item] = (await server.request<CallHierarchyItem[]>('textDocument/prepareCallHierarchy', {
    textDocument: { uri: uri(file) },
    position: positionOf(original, 'static void ack_dynirq', 0, 13),
  }))!;
  const incoming = await server.request<CallHierarchyIncomingCall[]>('callHierarchy/incomingCalls', { item });
  assert.ok(incoming.some((c) => c.from.name === 'xen_fixture_new_handler'), 'the new caller is an incoming call of ack_dynirq');

  // A second incremental edit inside the name: rename it.
  const nameLine = endLine + 2;
  const col = 'static void xen_fixture_'.length;
  await server.notify('textDocument/didChange', {
    textDocument: { uri: uri(file), version: 3 },
    contentChanges: [{ range: { start: { line: nameLine, character: col }, end: { line: nameLine, character: col + 'new'.length } }, text: 'renamed' }],
  });
  assert.deepEqual(await names('xen_fixture_'), ['xen_fixture_renamed_handler']);

  // Closed without saving: the index goes back to the file on disk.
  await server.notify('textDocument/didClose', { textDocument: { uri: uri(file) } });
  assert.deepEqual(await names('xen_fixture_'), []);
});

void test('watched files: a file created, changed and deleted on disk', { timeout: hangGuardMs }, async () => {
  const rel = 'linux/drivers/xen/events/events_2l.c';
  const file = f(rel);
  const change = (type: 1 | 2 | 3) => server.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(file), type }] });

  // A search first, so the index has built its lookup tables: names that appear later must still be found.
  await stillServing();
  fs.writeFileSync(file, '/* 2-level upcall. */\nvoid evtchn_2l_handle_events(unsigned int cpu)\n{\n    (void)cpu;\n}\n');
  await change(1); // Created
  assert.deepEqual(await names('evtchn_2l_handle_events'), ['evtchn_2l_handle_events']);

  fs.writeFileSync(file, '/* 2-level upcall. */\nvoid evtchn_2l_handle_events_v2(unsigned int cpu)\n{\n    (void)cpu;\n}\n');
  await change(2); // Changed
  assert.deepEqual(await names('evtchn_2l_handle_events'), ['evtchn_2l_handle_events_v2']);

  fs.rmSync(file);
  await change(3); // Deleted
  assert.deepEqual(await names('evtchn_2l_handle_events'), []);

  // irqlens.exclude applies to watched files as it does to the tree walk.
  const excluded = f('linux/drivers/xen/events/generated/gen_table.c');
  fs.mkdirSync(path.dirname(excluded));
  fs.writeFileSync(excluded, 'void generated_should_not_show(void)\n{\n}\n');
  await server.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(excluded), type: 1 }] });
  assert.deepEqual(await names('generated_should_not_show'), []);
});

void test('a binary document opened in the editor: requests answer, one clear log line, the server goes on', { timeout: hangGuardMs }, async () => {
  const file = f('linux/drivers/xen/events/opened_blob.c');
  await server.open(file, 'ELF\u0000\u0001\u0002\u0000\u0000garbage\u0000\ufffd\ufffd', 1);
  const syms = await server.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: uri(file) } });
  assert.deepEqual(syms, []);
  const hover = await server.request<Hover | null>('textDocument/hover', { textDocument: { uri: uri(file) }, position: { line: 0, character: 10 } });
  assert.equal(hover, null);
  const line = await server.waitLog(/opened_blob\.c: binary/);
  assert.equal(line.type, 2, 'logged as a warning');
  await stillServing();
  await server.notify('textDocument/didClose', { textDocument: { uri: uri(file) } });
});

void test('an unparsable document: requests answer, what parses is still indexed, the server goes on', { timeout: hangGuardMs }, async () => {
  const file = f('linux/drivers/xen/events/broken.c');
  const src = 'static void {{{ ))) int x = ;; struct {\n#if\n\nint survivor_after_garbage(void)\n{\n    return 0;\n}\n';
  fs.writeFileSync(file, src);
  await server.open(file, src, 1);
  const syms = await server.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: uri(file) } });
  assert.ok(syms.some((d) => d.name === 'survivor_after_garbage'), `the function after the garbage is a document symbol: ${syms.map((d) => d.name).join(', ')}`);
  const def = await server.request<{ uri: string; range: { start: { line: number } } }[] | null>('textDocument/definition', {
    textDocument: { uri: uri(file) },
    position: { line: lineOf(src, 'survivor_after_garbage'), character: 6 },
  });
  assert.deepEqual(
    (def ?? []).map((l) => [l.uri, l.range.start.line]),
    [[uri(file), lineOf(src, 'survivor_after_garbage')]],
    'definition of the name at its own definition is that definition',
  );
  assert.deepEqual(await names('survivor_after_garbage'), ['survivor_after_garbage'], 'the function after the garbage is indexed');
  await stillServing();
  assert.equal(server.exitCode, undefined, 'the server is alive');
  assert.equal(server.stderr.includes('Error'), false, `nothing thrown to stderr: ${server.stderr}`);
});
