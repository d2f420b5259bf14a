// A cold multi-root workspace of the real Xen and Linux trees with an empty cache: the server answers from the early
// index of priority files (open documents, their headers and neighbours, the model links' files) long before the full
// index is ready, and requests that need the whole tree wait for it. Signals, not timings: the answer must come while
// the status still says indexing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Hover, Location, MarkupContent } from 'vscode-languageserver-protocol';
import { realTrees } from '../support/realTrees';
import { positionOf, ServerClient, uri } from './serverClient';

/** Indexing all of Linux on two shared cores takes minutes: a hang guard, not a timing assertion. */
const hangGuardMs = 20 * 60_000;

let server: ServerClient;
let storage: string;
let xen: string;
let linux: string;
const irqC = () => path.join(xen, 'xen', 'arch', 'x86', 'hvm', 'irq.c');

before(
  async () => {
    ({ xen, linux } = realTrees());
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-cold-'));
    // As VS Code does: initialize, initialized, then the editor's open documents.
    server = await ServerClient.start({ workspace: xen, moreFolders: [linux], storage });
    await server.open(irqC());
  },
  { timeout: hangGuardMs },
);

after(
  async () => {
    await server?.stop();
    if (storage) fs.rmSync(storage, { recursive: true, force: true });
  },
  { timeout: hangGuardMs },
);

const stillIndexing = () => !server.statuses.some((s) => s.state === 'ready');

void test('a definition in a linked file answers from the early index while the trees are still being indexed', { timeout: hangGuardMs }, async () => {
  const text = fs.readFileSync(irqC(), 'utf8');
  // hvm_assert_evtchn_irq calls vlapic_set_irq, defined in vlapic.c (a file the models link).
  const fn = text.indexOf('void hvm_assert_evtchn_irq(');
  assert.ok(fn >= 0, 'hvm_assert_evtchn_irq is in irq.c');
  const at = positionOf(text.slice(0, fn) + text.slice(fn).replace(/vlapic_set_irq\(/, '\u0000'), '\u0000');
  const locs = await server.request<Location[]>('textDocument/definition', { textDocument: { uri: uri(irqC()) }, position: at });
  const answeredWhileIndexing = stillIndexing();
  assert.ok(locs.length > 0, 'vlapic_set_irq resolves');
  assert.equal(path.relative(xen, new URL(locs[0].uri).pathname), 'xen/arch/x86/hvm/vlapic.c');
  assert.ok(answeredWhileIndexing, 'answered before the full index was ready');
  assert.ok(server.logs.some((l) => /early index: \d+ priority files/.test(l.message)), 'the early index was built');
});

void test('hover on a function of the open file answers from the early index', { timeout: hangGuardMs }, async () => {
  const text = fs.readFileSync(irqC(), 'utf8');
  const hover = await server.request<Hover | null>('textDocument/hover', {
    textDocument: { uri: uri(irqC()) },
    position: positionOf(text, 'void hvm_assert_evtchn_irq(', 0, 5),
  });
  assert.ok(hover, 'a hover');
  assert.match((hover.contents as MarkupContent).value, /hvm_assert_evtchn_irq\(struct vcpu \*v\)/);
});

void test('a definition outside the priority files waits for the full index, then answers', { timeout: hangGuardMs }, async () => {
  // kzalloc is a static inline in include/linux/slab.h: neither an open document's header at start nor a linked file.
  // Asked from events_base.c (opened after the start), the early index has no answer: the full index gives it.
  const eventsBase = path.join(linux, 'drivers', 'xen', 'events', 'events_base.c');
  const text = fs.readFileSync(eventsBase, 'utf8');
  await server.open(eventsBase, text);
  const locs = await server.request<Location[]>('textDocument/definition', {
    textDocument: { uri: uri(eventsBase) },
    position: positionOf(text, 'kzalloc(', 0, 2),
  });
  assert.ok(!stillIndexing(), 'answered once the full index was ready');
  assert.ok(locs.length > 0, 'kzalloc resolves');
  assert.equal(path.relative(linux, new URL(locs[0].uri).pathname), 'include/linux/slab.h');
  const ready = await server.waitReady();
  assert.equal(ready.state, 'ready');
  assert.deepEqual(ready.trees.map((t) => t.codebase).sort(), ['linux', 'xen']);
});
