// Every contract of every flow holds on the real Xen 4.17 / QEMU 7.2 / Linux 6.1 function bodies, read through the
// index (shared cache with links.test.ts, so a second run is warm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { allFlows, Contract, ContractCheck, Flow } from '@irqlens/models';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';
import { checkContracts, summarizeContracts } from '../../server/src/engine/contracts/checkContracts';
import { realTrees } from '../support/realTrees';

void test('every contract of every flow is kept on the real Xen, QEMU and Linux trees', { timeout: 30 * 60_000 }, async () => {
  const trees = realTrees();
  const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'irqlens', 'test-index');
  const index = await WorkspaceIndex.build({ roots: [trees.xen, trees.qemu, trees.linux], cacheDir, include: undefined, log: () => undefined });
  try {
    const results = checkContracts(allFlows, index);
    const summary = summarizeContracts(results);
    const distinct = (cb: string) => new Set(results.filter((r) => r.codebase === cb).map((r) => `${r.contract}\0${r.symbol}`)).size;
    for (const s of summary) {
      console.log(`${s.codebase}: ${s.kept} kept, ${s.broken} broken, ${s.unresolved} unresolved of ${s.total} (${distinct(s.codebase)} distinct contracts)`);
    }
    const bad = results.filter((r) => r.status !== 'kept');
    for (const r of bad) console.log(`${r.status.toUpperCase()} ${r.flow} ${r.step} ${r.contract} ${r.codebase}:${r.symbol} — ${r.evidence?.summary ?? r.reason}`);
    assert.deepEqual(summary.map((s) => s.codebase).sort(), ['linux', 'qemu', 'xen']);
    assert.ok(results.length >= 200, `${results.length} contract checks`);
    assert.deepEqual(bad.map((r) => `${r.step} ${r.contract}: ${r.status}`), []);
    // Kept means evidence on a line inside the definition that was read.
    for (const r of results) {
      assert.ok(r.file && r.line && r.evidence, `${r.contract} has a location and evidence`);
      for (const s of r.evidence.sites) assert.ok(s.line >= r.line, `${r.contract}: evidence line ${s.line} is in ${r.symbol} (from ${r.line})`);
    }
    // The body read is the one in the link's hinted file, when the link has one.
    const hint = new Map(allFlows.flatMap((f) => f.steps.flatMap((st) => st.links.map((l) => [`${f.id}\0${st.id}\0${l.codebase}\0${l.symbol}`, l.file] as const))));
    for (const r of results) {
      const want = hint.get(`${r.flow}\0${r.step}\0${r.codebase}\0${r.symbol}`);
      if (want) assert.equal(path.relative(r.tree!, r.file!), want, `${r.step} ${r.contract}: body read from the hinted file`);
    }
    // The checker can fail on real code: each contract's opposite is broken on the same body.
    const negated = allFlows.map((f) => ({ ...f, steps: f.steps.map((st) => ({ ...st, contracts: (st.contracts ?? []).flatMap((c) => opposite(c)) })) })) as Flow<unknown>[];
    const flipped = checkContracts(negated, index);
    console.log(`opposites: ${flipped.length} checked, ${flipped.filter((r) => r.status === 'broken').length} broken`);
    assert.ok(flipped.length >= 80, `${flipped.length} opposites`);
    assert.deepEqual(flipped.filter((r) => r.status !== 'broken').map((r) => `${r.step} ${r.contract}: ${r.status} ${r.evidence?.summary ?? r.reason}`), []);
  } finally {
    await index.dispose();
  }
});

/** The rule that must fail where `c` holds: `calls` ↔ `doesNotCall`. `mentions` and `callOrder` have no opposite among
 *  the check kinds (a reversed order can hold too when a name is called twice), so they are left out. */
function opposite(c: Contract): Contract[] {
  const flip = (check: ContractCheck): ContractCheck | undefined =>
    check.kind === 'calls' ? { kind: 'doesNotCall', names: check.anyOf } : check.kind === 'doesNotCall' ? { kind: 'calls', anyOf: check.names } : undefined;
  const f = flip(c.check);
  return f ? [{ ...c, id: `not ${c.id}`, check: f }] : [];
}
