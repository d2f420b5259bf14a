// The index on our own C fixtures (Xen/Linux/QEMU shapes): every definition, call edge and function-pointer binding is
// marked inline; the test fails on anything missing and on anything unexpected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';
import { diffSets, readMarkers } from './fixtureMarkers';

const dir = path.join(__dirname, '..', 'fixtures', 'index', 'tree');
const cFiles = ['evtchn.c', 'irq.c', 'apic.c', 'broken.c', 'latin1.c'];

async function build(): Promise<{ index: WorkspaceIndex; logs: string[] }> {
  const logs: string[] = [];
  const index = await WorkspaceIndex.build({ roots: [dir], noCache: true, workers: 2, log: (level, msg) => logs.push(`${level} ${msg}`) });
  return { index, logs };
}

void test('definitions, calls and bindings match the fixture markers exactly', async () => {
  const { index } = await build();
  const markers = readMarkers(dir, cFiles);
  const defs = new Set<string>();
  const calls = new Set<string>();
  const binds = new Set<string>();
  for (const f of cFiles) {
    for (const s of index.fileSymbols(path.join(dir, f))) {
      defs.add(`${f}:${s.nameSpan.line + 1} ${s.kind} ${s.name}`);
      if (s.kind !== 'function') continue;
      for (const e of index.outgoingCalls(s.name)) {
        for (const site of e.sites) {
          if (site.file !== path.join(dir, f)) continue;
          calls.add(`${f}:${site.line + 1} ${e.name}${e.via ? ` via ${e.via}` : ''}`);
        }
      }
      for (const b of index.bindingsOf(s.name)) binds.add(`${path.relative(dir, b.file)}:${b.line + 1} ${s.name} ${b.via}`);
    }
  }
  const problems = [...diffSets('def', markers.defs, defs), ...diffSets('call', markers.calls, calls), ...diffSets('bind', markers.binds, binds)];
  assert.deepEqual(problems, []);
  await index.dispose();
});

void test('incoming calls cross function-pointer tables, narrowed by struct type', async () => {
  const { index } = await build();
  const inc = index.incomingCalls('ack_dynirq');
  assert.deepEqual(inc.map((e) => `${e.name} via ${e.via}`), ['handle_edge_irq via xen_dynamic_chip.irq_ack']);
  const setPending = index.incomingCalls('evtchn_2l_set_pending');
  assert.deepEqual(setPending.map((e) => `${e.name} via ${e.via}`), ['evtchn_port_set_pending via evtchn_port_ops_2l.set_pending']);
  // `unmask` is bound only through an assignment `ops->unmask = …`; the call through evtchn_ops->unmask reaches it.
  assert.deepEqual(index.incomingCalls('evtchn_fifo_unmask').map((e) => e.name), ['unmask_evtchn']);
  // A generated definition is found by the name it defines, and its generator is known.
  const [sysvec] = index.definitions('sysvec_xen_hvm_callback');
  assert.equal(sysvec.kind, 'function');
  assert.equal(index.generatorOf(sysvec), 'DEFINE_IDTENTRY_SYSVEC');
  await index.dispose();
});

void test('bad input: binary, non-UTF-8 and unparsable files each get one log line and indexing goes on', async () => {
  const { index, logs } = await build();
  const [stats] = index.stats();
  assert.equal(stats.files, 6);
  const reasons = Object.fromEntries(stats.skipped.map((s) => [s.file, s.reason]));
  assert.match(reasons['binary.c'], /binary/);
  assert.match(reasons['latin1.c'], /UTF-8/);
  assert.equal(logs.filter((l) => l.includes('binary.c')).length, 1);
  assert.equal(logs.filter((l) => l.includes('latin1.c')).length, 1);
  assert.deepEqual(index.fileSymbols(path.join(dir, 'binary.c')), []);
  assert.equal(index.definitions('latin1_function')[0]?.file, 'latin1.c');
  await index.dispose();
});

void test('references are exact identifier positions, comments and strings excluded', async () => {
  const { index } = await build();
  const refs = index.references('evtchn_2l_set_pending').map((r) => `${path.basename(r.file)}:${r.line + 1}:${r.col + 1}${r.container ? ` in ${r.container}` : ''}`);
  assert.deepEqual(refs, ['evtchn.c:22:22 in evtchn_2l_set_pending', 'evtchn.c:34:22']);
  const at = index.identifierAt(path.join(dir, 'irq.c'), 24, 6);
  assert.deepEqual(at, { name: 'clear_evtchn', container: 'ack_dynirq' });
  await index.dispose();
});

void test('definitions carry signature and leading comment; workspace search ranks prefix matches first', async () => {
  const { index } = await build();
  const [d] = index.definitions('evtchn_2l_set_pending');
  assert.equal(d.signature, 'static void cf_check evtchn_2l_set_pending(struct vcpu *v, struct evtchn *evtchn) /*@def function evtchn_2l_set_pending*/');
  const [h] = index.definitions('handle_edge_irq');
  assert.equal(h.comment, undefined);
  const found = index.searchSymbols('evtchn_2l', 10).map((s) => s.name);
  assert.deepEqual(found.slice(0, 3).sort(), ['evtchn_2l_clear_pending', 'evtchn_2l_init', 'evtchn_2l_set_pending']);
  assert.ok(index.searchSymbols('hdlegirq', 5).some((s) => s.name === 'handle_edge_irq'), 'fuzzy subsequence match');
  await index.dispose();
});
