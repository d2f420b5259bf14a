// Black-box tests of the language server's navigation over the fixture trees: definition, declaration, references,
// call hierarchy (with indirect edges labelled by their ops table), document and workspace symbols, hover.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  CallHierarchyIncomingCall,
  CallHierarchyItem,
  CallHierarchyOutgoingCall,
  DocumentSymbol,
  Hover,
  Location,
  MarkupContent,
  SymbolInformation,
} from 'vscode-languageserver-protocol';
import { copyFixture, hangGuardMs, lineOf, positionOf, ServerClient, uri } from './serverClient';

let server: ServerClient;
let ws: ReturnType<typeof copyFixture>;
const f = (rel: string) => path.join(ws.workspace, ...rel.split('/'));
const text = (rel: string) => fs.readFileSync(f(rel), 'utf8');

const eventsBase = 'linux/drivers/xen/events/events_base.c';
const chip = 'linux/kernel/irq/chip.c';
const eventH = 'xen/xen/include/xen/event.h';
const event2l = 'xen/xen/common/event_2l.c';

before(async () => {
  ws = copyFixture();
  server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage });
  await server.waitReady();
}, { timeout: hangGuardMs });

after(async () => {
  const code = await server?.stop();
  ws?.cleanup();
  assert.equal(code, 0, 'the server exits cleanly after shutdown/exit');
}, { timeout: hangGuardMs });

/** `file:line` (one-based in messages, zero-based in LSP) of each location, sorted. */
function places(locs: Location[] | null): string[] {
  return (locs ?? []).map((l) => `${path.relative(ws.workspace, new URL(l.uri).pathname)}:${l.range.start.line}`).sort();
}

async function prepare(rel: string, needle: string, nth = 0): Promise<CallHierarchyItem> {
  const items = await server.request<CallHierarchyItem[] | null>('textDocument/prepareCallHierarchy', {
    textDocument: { uri: uri(f(rel)) },
    position: positionOf(text(rel), needle, nth, 1),
  });
  assert.ok(items && items.length === 1, `one call-hierarchy item for ${needle}, got ${JSON.stringify(items)}`);
  return items[0];
}

void test('status: both trees found below the workspace folder, with codebase and version', () => {
  const ready = server.statuses.find((s) => s.state === 'ready');
  assert.ok(ready, `ready status, got ${JSON.stringify(server.statuses.at(-1))}`);
  const trees = ready.trees.map((t) => ({ root: path.relative(ws.workspace, t.root), codebase: t.codebase, version: t.version }));
  assert.deepEqual(
    trees.sort((a, b) => a.root.localeCompare(b.root)),
    [
      { root: 'linux', codebase: 'linux', version: '6.1.192' },
      { root: 'xen', codebase: 'xen', version: '4.17.5' },
    ],
  );
  for (const t of ready.trees) assert.ok(t.files > 0 && t.functions > 0, `${t.root}: files and functions counted`);
});

void test('definition: a function passed as a value resolves to its body, not the prototype', { timeout: hangGuardMs }, async () => {
  const locs = await server.request<Location[]>('textDocument/definition', {
    textDocument: { uri: uri(f(eventsBase)) },
    position: positionOf(text(eventsBase), 'chip, handle_edge_irq', 0, 'chip, '.length + 2),
  });
  assert.deepEqual(places(locs), [`${chip}:${lineOf(text(chip), 'void handle_edge_irq(struct irq_desc *desc)')}`]);
});

void test('definition: a static helper called in the same file', { timeout: hangGuardMs }, async () => {
  const src = text(eventsBase);
  const locs = await server.request<Location[]>('textDocument/definition', {
    textDocument: { uri: uri(f(eventsBase)) },
    position: positionOf(src, 'evtchn_from_irq((unsigned int)irq)', 0, 3),
  });
  assert.deepEqual(places(locs), [`${eventsBase}:${lineOf(src, 'static evtchn_port_t evtchn_from_irq(unsigned int irq)')}`]);
});

void test('definition on an #include line opens the header, found in the tree without a build', { timeout: hangGuardMs }, async () => {
  const cases: [string, string, string][] = [
    [eventsBase, '#include <xen/events.h>', 'linux/include/xen/events.h'],
    [chip, '#include <linux/irq.h>', 'linux/include/linux/irq.h'],
    [event2l, '#include <xen/event.h>', 'xen/xen/include/xen/event.h'],
  ];
  for (const [from, line, header] of cases) {
    const locs = await server.request<Location[]>('textDocument/definition', {
      textDocument: { uri: uri(f(from)) },
      position: positionOf(text(from), line, 0, line.length - 4),
    });
    assert.deepEqual(places(locs), [`${header}:0`], `${from}: ${line}`);
  }
});

void test('declaration: the prototype in the header', { timeout: hangGuardMs }, async () => {
  const src = text(eventsBase);
  const locs = await server.request<Location[]>('textDocument/declaration', {
    textDocument: { uri: uri(f(eventsBase)) },
    position: positionOf(src, 'void notify_remote_via_irq(int irq)', 0, 'void '.length + 2),
  });
  const h = 'linux/include/xen/events.h';
  assert.deepEqual(places(locs), [`${h}:${lineOf(text(h), 'void notify_remote_via_irq(int irq);')}`]);
});

void test('references: every use of ack_dynirq, with and without its definition', { timeout: hangGuardMs }, async () => {
  const src = text(eventsBase);
  const position = positionOf(src, 'static void ack_dynirq', 0, 'static void '.length + 1);
  const expectedUses = [lineOf(src, '    ack_dynirq(data);'), lineOf(src, '.irq_ack      = ack_dynirq')].map((l) => `${eventsBase}:${l}`);
  const defLine = `${eventsBase}:${position.line}`;
  const withDecl = await server.request<Location[]>('textDocument/references', {
    textDocument: { uri: uri(f(eventsBase)) },
    position,
    context: { includeDeclaration: true },
  });
  assert.deepEqual(places(withDecl), [...expectedUses, defLine].sort());
  const withoutDecl = await server.request<Location[]>('textDocument/references', {
    textDocument: { uri: uri(f(eventsBase)) },
    position,
    context: { includeDeclaration: false },
  });
  assert.deepEqual(places(withoutDecl), expectedUses.sort());
});

void test('call hierarchy: incoming of ack_dynirq reaches handle_edge_irq through xen_dynamic_chip.irq_ack', { timeout: hangGuardMs }, async () => {
  const item = await prepare(eventsBase, 'static void ack_dynirq', 0);
  assert.equal(item.name, 'ack_dynirq');
  const calls = await server.request<CallHierarchyIncomingCall[]>('callHierarchy/incomingCalls', { item });
  const got = calls.map((c) => `${c.from.name} [${c.from.detail?.startsWith('via ') ? c.from.detail : 'direct'}]`).sort();
  assert.deepEqual(got, ['handle_edge_irq [via xen_dynamic_chip.irq_ack]', 'mask_ack_dynirq [direct]']);
  const edge = calls.find((c) => c.from.name === 'handle_edge_irq');
  assert.ok(edge);
  assert.equal(edge.from.uri, uri(f(chip)));
  assert.deepEqual(
    edge.fromRanges.map((r) => r.start.line),
    [lineOf(text(chip), 'chip->irq_ack(&desc->irq_data);')],
    'the call site is the indirect call through chip->irq_ack',
  );
});

void test('call hierarchy: outgoing of handle_edge_irq expands chip->irq_ack to every bound function, labelled', { timeout: hangGuardMs }, async () => {
  const item = await prepare(chip, 'void handle_edge_irq(struct irq_desc *desc)\n{', 0);
  const calls = await server.request<CallHierarchyOutgoingCall[]>('callHierarchy/outgoingCalls', { item });
  const got = calls.map((c) => `${c.to.name} [${c.to.detail?.startsWith('via ') ? c.to.detail : 'direct'}]`).sort();
  assert.deepEqual(got, [
    'ack_dynirq [via xen_dynamic_chip.irq_ack]',
    'handle_irq_event [direct]',
    'lateeoi_ack_dynirq [via xen_lateeoi_chip.irq_ack]',
  ]);
  const ack = calls.find((c) => c.to.name === 'ack_dynirq');
  assert.equal(ack?.to.uri, uri(f(eventsBase)));
  assert.equal(ack?.to.selectionRange.start.line, lineOf(text(eventsBase), 'static void ack_dynirq'));
});

void test('call hierarchy (Xen): incoming of evtchn_2l_set_pending is evtchn_port_set_pending via evtchn_port_ops_2l.set_pending', { timeout: hangGuardMs }, async () => {
  const item = await prepare(event2l, 'evtchn_2l_set_pending(struct vcpu', 0);
  const calls = await server.request<CallHierarchyIncomingCall[]>('callHierarchy/incomingCalls', { item });
  assert.deepEqual(
    calls.map((c) => `${c.from.name} [${c.from.detail}]`),
    ['evtchn_port_set_pending [via evtchn_port_ops_2l.set_pending]'],
  );
  assert.equal(calls[0].from.uri, uri(f(eventH)));

  const outer = await prepare(eventH, 'void evtchn_port_set_pending', 0);
  const out = await server.request<CallHierarchyOutgoingCall[]>('callHierarchy/outgoingCalls', { item: outer });
  assert.deepEqual(out.map((c) => `${c.to.name} [${c.to.detail}]`).sort(), [
    'evtchn_2l_set_pending [via evtchn_port_ops_2l.set_pending]',
    'evtchn_fifo_set_pending [via evtchn_port_ops_fifo.set_pending]',
  ]);
});

void test('document symbols: the outline of events_base.c, nothing missing, nothing extra', { timeout: hangGuardMs }, async () => {
  const syms = await server.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: uri(f(eventsBase)) } });
  assert.deepEqual(syms.map((s) => s.name).sort(), [
    'VALID_EVTCHN',
    'ack_dynirq',
    'bind_evtchn_to_irq',
    'bind_evtchn_to_irq_chip',
    'bind_evtchn_to_irq_lateeoi',
    'clear_evtchn',
    'disable_dynirq',
    'enable_dynirq',
    'evtchn_from_irq',
    'evtchn_of_irq',
    'lateeoi_ack_dynirq',
    'mask_ack_dynirq',
    'mask_evtchn',
    'notify_remote_via_evtchn',
    'notify_remote_via_irq',
    'unmask_evtchn',
    'xen_dynamic_chip',
    'xen_lateeoi_chip',
  ]);
  const ack = syms.find((s) => s.name === 'ack_dynirq');
  const src = text(eventsBase);
  assert.equal(ack?.selectionRange.start.line, lineOf(src, 'static void ack_dynirq'));
  assert.ok(ack && ack.range.end.line > ack.range.start.line, 'a function symbol spans its body');
  for (const s of syms) {
    const inside =
      (s.selectionRange.start.line > s.range.start.line ||
        (s.selectionRange.start.line === s.range.start.line && s.selectionRange.start.character >= s.range.start.character)) &&
      (s.selectionRange.end.line < s.range.end.line ||
        (s.selectionRange.end.line === s.range.end.line && s.selectionRange.end.character <= s.range.end.character));
    assert.ok(inside, `${s.name}: selectionRange inside range (VS Code rejects the outline otherwise)`);
  }
});

void test('workspace symbols: substring and fuzzy queries across both trees', { timeout: hangGuardMs }, async () => {
  const hits = await server.request<SymbolInformation[]>('workspace/symbol', { query: 'set_pending' });
  const names = new Set(hits.map((h) => h.name));
  for (const n of ['evtchn_2l_set_pending', 'evtchn_fifo_set_pending', 'evtchn_port_set_pending']) assert.ok(names.has(n), `${n} found`);
  const port = hits.find((h) => h.name === 'evtchn_port_set_pending');
  assert.equal(port?.location.uri, uri(f(eventH)));
  assert.equal(port?.location.range.start.line, lineOf(text(eventH), 'static inline void evtchn_port_set_pending'));

  const fuzzy = await server.request<SymbolInformation[]>('workspace/symbol', { query: 'hndedgirq' });
  assert.ok(fuzzy.some((h) => h.name === 'handle_edge_irq'), `fuzzy "hndedgirq" finds handle_edge_irq: ${fuzzy.map((h) => h.name).join(', ')}`);

  const none = await server.request<SymbolInformation[]>('workspace/symbol', { query: 'zzqqxx_no_such_symbol' });
  assert.deepEqual(none, []);
});

void test('hover: signature as written and the leading comment', { timeout: hangGuardMs }, async () => {
  const src = text('xen/xen/common/event_channel.c');
  const hover = await server.request<Hover | null>('textDocument/hover', {
    textDocument: { uri: uri(f('xen/xen/common/event_channel.c')) },
    position: positionOf(src, 'evtchn_port_set_pending(ld', 0, 4),
  });
  assert.ok(hover, 'a hover');
  const value = (hover.contents as MarkupContent).value;
  assert.match(value, /static inline void evtchn_port_set_pending\(struct domain \*d, unsigned int vcpu_id, struct evtchn \*evtchn\)/);
  assert.match(value, /Marks the channel pending through the domain's ABI/);
  assert.doesNotMatch(value, /\/\*|\*\//, 'comment markers are stripped');

  const onSpace = await server.request<Hover | null>('textDocument/hover', {
    textDocument: { uri: uri(f('xen/xen/common/event_channel.c')) },
    position: { line: lineOf(src, 'long rc;') + 1, character: 0 },
  });
  assert.equal(onSpace, null, 'no hover on an empty line');
});

void test('hover on an ops table shows its bindings; on a struct, its fields', { timeout: hangGuardMs }, async () => {
  const src = text(eventsBase);
  const table = await server.request<Hover | null>('textDocument/hover', {
    textDocument: { uri: uri(f(eventsBase)) },
    position: positionOf(src, 'return bind_evtchn_to_irq_chip(evtchn, &xen_dynamic_chip)', 0, 'return bind_evtchn_to_irq_chip(evtchn, &'.length + 2),
  });
  const tv = (table?.contents as MarkupContent | undefined)?.value ?? '';
  assert.match(tv, /static struct irq_chip xen_dynamic_chip __read_mostly = \{/);
  assert.match(tv, /\.irq_ack {6}= ack_dynirq,/);
  assert.match(tv, /\n\};\n```/, 'the whole initializer, closed');
  assert.doesNotMatch(tv, /xen_lateeoi_chip/, 'and not the next table');

  const st = await server.request<Hover | null>('textDocument/hover', {
    textDocument: { uri: uri(f(eventsBase)) },
    position: positionOf(src, 'struct irq_chip xen_dynamic_chip', 0, 'struct '.length + 2),
  });
  const sv = (st?.contents as MarkupContent | undefined)?.value ?? '';
  assert.match(sv, /struct irq_chip \{/);
  assert.match(sv, /void \(\*irq_ack\)\(struct irq_data \*data\);/);
});
