// The Xen flows' links: every step has a link and a role, and every link names a definition that exists in the
// real Xen 4.17 / Linux 6.1 trees (C definitions through our tree-sitter extraction, asm labels by their label), and
// every contract holds on the real function body (the contract engine on the hinted file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findFlow, Link } from '@irqlens/models';
import { xenFlows } from '../../models/src/flows/xen/index';
import { findAsmLabel } from '../../server/src/engine/links/asmLabels';
import { contractFailures, extractedDefinitions } from '../support/linkCheck';
import { realTrees } from '../support/realTrees';

const XEN_FLOWS = xenFlows.map((f) => f.id);

void test('every step of the Xen flows has at least one link and a non-empty role', () => {
  for (const id of XEN_FLOWS) {
    const f = findFlow(id);
    assert.ok(f, id);
    for (const s of f.steps) {
      assert.ok(s.links.length > 0, `${s.id} has a link`);
      assert.ok(s.role.trim().length > 20, `${s.id} has a role`);
      for (const l of s.links) assert.ok(l.file && l.file.length > 0, `${s.id} ${l.symbol} has a file hint`);
      assert.ok(!s.source || !/\.md\b/.test(s.source), `${s.id}: further reading is checkable, not a file of ours`);
    }
  }
});

function resolves(root: string, l: Link): string | undefined {
  const abs = path.join(root, l.file!);
  if (!fs.existsSync(abs)) return `${l.file} does not exist`;
  if (l.kind === 'asm') {
    // The same label finder `irqlens links` uses; the label must be in the hinted file.
    const hit = findAsmLabel(root, l.symbol, l.file);
    return hit && hit.file === abs ? undefined : `no asm label ${l.symbol} in ${l.file}`;
  }
  const kinds = extractedDefinitions(root, l.file!).get(l.symbol) ?? [];
  const want = l.kind === 'macro' ? ['macro'] : ['function'];
  return kinds.some((k) => want.includes(k)) ? undefined : `${l.symbol} is not defined as ${want.join('/')} in ${l.file} (found: ${kinds.join(', ') || 'nothing'})`;
}

void test('every Xen-flow link resolves to a definition in Xen 4.17.5 and Linux 6.1', () => {
  const trees = realTrees();
  const seen = new Set<string>();
  const failures: string[] = [];
  const count = { xen: 0, linux: 0, qemu: 0 };
  for (const id of XEN_FLOWS) {
    for (const s of findFlow(id)!.steps) {
      for (const l of s.links) {
        const k = `${l.codebase}:${l.symbol}:${l.file}`;
        if (seen.has(k)) continue;
        seen.add(k);
        count[l.codebase]++;
        const root = l.codebase === 'xen' ? trees.xen : l.codebase === 'linux' ? trees.linux : trees.qemu;
        const why = resolves(root, l);
        if (why) failures.push(`${s.id}: ${why}`);
      }
    }
  }
  assert.ok(count.xen > 50 && count.linux > 50, `distinct links: xen ${count.xen}, linux ${count.linux}`);
  assert.deepEqual(failures, [], `unresolved links (xen ${count.xen}, linux ${count.linux} checked)`);
});

void test('every contract of the Xen flows holds on the real function body (checked by the contract engine)', () => {
  const { checked, failures } = contractFailures(XEN_FLOWS.flatMap((id) => findFlow(id)!.steps));
  assert.ok(checked >= 25, `${checked} contracts checked`);
  assert.deepEqual(failures, []);
});
