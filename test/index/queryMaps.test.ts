// The query maps keep one Int32 per entry (the element's number over all files) instead of a (file, index) pair:
// every lookup must still give exactly the pairs a scan of the records gives, with empty and removed files between.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CALL, emptyRecord, type FileRecord, SYM } from '../../server/src/engine/index/fileRecord';
import { type CsrName, TreeIndex } from '../../server/src/engine/index/treeIndex';

function scan(tree: TreeIndex, pick: (r: FileRecord) => Int32Array, stride: number, slot: number, key: number): [number, number][] {
  const out: [number, number][] = [];
  tree.files.forEach((r, f) => {
    if (!r) return;
    const a = pick(r);
    for (let i = slot, e = 0; i < a.length; i += stride, e++) if (a[i] === key) out.push([f, e]);
  });
  return out;
}

void test('lookups give exactly the (file, element) pairs of a scan, empty and removed files included', () => {
  const tree = new TreeIndex({ root: '/t', codebase: 'unknown' } as never);
  const names = Array.from({ length: 12 }, (_, i) => `n${i}`);
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  for (let f = 0; f < 40; f++) {
    // Every fourth file has no symbols and no calls.
    const nSyms = f % 4 === 0 ? 0 : 1 + rnd(5);
    const nCalls = f % 4 === 0 ? 0 : rnd(9);
    const syms = new Int32Array(nSyms * SYM).fill(0);
    for (let i = 0; i < nSyms; i++) syms[i * SYM] = rnd(names.length);
    const calls = new Int32Array(nCalls * CALL);
    for (let i = 0; i < nCalls; i++) calls.set([rnd(names.length), rnd(3) === 0 ? -1 : rnd(names.length), i, 0], i * CALL);
    tree.setRecord({ ...emptyRecord(`f${f}.c`, 1, 0), strings: names, syms, calls });
  }
  tree.removeFile('f5.c');
  tree.compact();
  tree.removeFile('f9.c');
  const specs: [CsrName, (r: FileRecord) => Int32Array, number, number][] = [
    ['symByName', (r) => r.syms, SYM, 0],
    ['callByCallee', (r) => r.calls, CALL, 0],
    ['callByCaller', (r) => r.calls, CALL, 1],
  ];
  let pairs = 0;
  for (const [name, pick, stride, slot] of specs) {
    for (let key = 0; key < names.length; key++) {
      const id = tree.ids.get(names[key])!;
      const got = tree.lookup(name, id).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      assert.deepEqual(got, scan(tree, pick, stride, slot, id), `${name} ${names[key]}`);
      pairs += got.length;
    }
  }
  assert.ok(pairs > 100, `the lookups found pairs (${pairs})`);
});
