// The language server as a black box on the real Xen 4.17 tree (Debian source package): indexing through the server,
// then the event-channel path by definition, #include, call hierarchy with indirect edges, hover. Names what it found.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CallHierarchyIncomingCall, CallHierarchyItem, CallHierarchyOutgoingCall, Hover, Location, MarkupContent, SymbolInformation } from 'vscode-languageserver-protocol';
import { realTrees } from '../support/realTrees';
import { positionOf, ServerClient, uri } from './serverClient';

/** Indexing all of Xen on two shared cores takes a while: a hang guard, not a timing assertion. */
const hangGuardMs = 15 * 60_000;

let server: ServerClient;
let xen: string;
let storage: string;
const f = (rel: string) => path.join(xen, ...rel.split('/'));
const text = (rel: string) => fs.readFileSync(f(rel), 'utf8');
const rel = (u: string) => path.relative(xen, new URL(u).pathname);

before(async () => {
  xen = realTrees().xen;
  storage = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-realxen-'));
  server = await ServerClient.start({ workspace: xen, storage });
  const ready = await server.waitReady();
  const t = ready.trees[0];
  // Not a timing assertion: the numbers are printed for whoever reads the test log.
  console.log(`real Xen through the server: ${t?.codebase} ${t?.version}, ${t?.files} files, ${t?.functions} functions, ${t?.calls} calls, ${t?.skipped} skipped, ${t?.seconds.toFixed(1)} s`);
}, { timeout: hangGuardMs });

after(async () => {
  await server?.stop();
  if (storage) fs.rmSync(storage, { recursive: true, force: true });
}, { timeout: hangGuardMs });

void test('the tree is recognised as Xen 4.17 with thousands of files', () => {
  const ready = server.statuses.find((s) => s.state === 'ready');
  assert.equal(ready?.trees.length, 1);
  assert.equal(ready.trees[0].codebase, 'xen');
  assert.match(ready.trees[0].version ?? '', /^4\.17\./);
  assert.ok(ready.trees[0].files > 1000 && ready.trees[0].functions > 10000, JSON.stringify(ready.trees[0]));
  assert.equal(server.logs.filter((l) => l.type === 1).length, 0, server.logs.filter((l) => l.type === 1).map((l) => l.message).join('\n'));
});

void test('definition from a call site in event_channel.c reaches the static inline in xen/include/xen/event.h', async () => {
  const src = text('xen/common/event_channel.c');
  const locs = await server.request<Location[]>('textDocument/definition', {
    textDocument: { uri: uri(f('xen/common/event_channel.c')) },
    position: positionOf(src, '    evtchn_port_set_pending(', 0, 8),
  });
  assert.deepEqual(
    locs.map((l) => `${rel(l.uri)}:${l.range.start.line}`),
    [`xen/include/xen/event.h:${positionOf(text('xen/include/xen/event.h'), 'static inline void evtchn_port_set_pending(').line}`],
  );
  for (const [line, header] of [
    ['#include <xen/sched.h>', 'xen/include/xen/sched.h'],
    ['#include "event_channel.h"', 'xen/common/event_channel.h'],
  ]) {
    const inc = await server.request<Location[]>('textDocument/definition', {
      textDocument: { uri: uri(f('xen/common/event_channel.c')) },
      position: positionOf(src, line, 0, 12),
    });
    assert.deepEqual(inc.map((l) => rel(l.uri)), [header], line);
  }
});

void test('call hierarchy: evtchn_2l_set_pending is called by evtchn_port_set_pending via evtchn_port_ops_2l.set_pending, and back', async () => {
  const hits = await server.request<SymbolInformation[]>('workspace/symbol', { query: 'evtchn_2l_set_pending' });
  const def = hits.find((h) => h.name === 'evtchn_2l_set_pending');
  assert.equal(def && rel(def.location.uri), 'xen/common/event_2l.c');
  const [item] = (await server.request<CallHierarchyItem[]>('textDocument/prepareCallHierarchy', {
    textDocument: { uri: def!.location.uri },
    position: { line: def!.location.range.start.line, character: def!.location.range.start.character + 1 },
  }))!;
  const incoming = await server.request<CallHierarchyIncomingCall[]>('callHierarchy/incomingCalls', { item });
  assert.ok(
    incoming.some((c) => c.from.name === 'evtchn_port_set_pending' && c.from.detail === 'via evtchn_port_ops_2l.set_pending'),
    incoming.map((c) => `${c.from.name} [${c.from.detail}]`).join(', '),
  );

  const callers = incoming.find((c) => c.from.name === 'evtchn_port_set_pending')!.from;
  const outgoing = await server.request<CallHierarchyOutgoingCall[]>('callHierarchy/outgoingCalls', { item: callers });
  const labels = outgoing.map((c) => `${c.to.name} [${c.to.detail}]`);
  for (const want of ['evtchn_2l_set_pending [via evtchn_port_ops_2l.set_pending]', 'evtchn_fifo_set_pending [via evtchn_port_ops_fifo.set_pending]']) {
    assert.ok(labels.includes(want), `${want} in ${labels.join(', ')}`);
  }
});

void test('hover on do_event_channel_op shows its signature', async () => {
  const src = text('xen/common/event_channel.c');
  const hover = await server.request<Hover | null>('textDocument/hover', {
    textDocument: { uri: uri(f('xen/common/event_channel.c')) },
    position: positionOf(src, 'long do_event_channel_op(', 0, 8),
  });
  assert.match((hover?.contents as MarkupContent | undefined)?.value ?? '', /long do_event_channel_op\(int cmd, XEN_GUEST_HANDLE_PARAM\(void\) arg\)/);
});
