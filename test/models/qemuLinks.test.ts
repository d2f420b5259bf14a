// The QEMU/virtio/Linux-IO-APIC flows (Q1, Q2, Q7, Q8, Q11) against the real trees: every step has a link, every
// link names a function definition in its file as our tree-sitter extraction sees it, and every contract holds on
// the real function body (the contract engine: calls, mentions, call order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { qemuFlows } from '../../models/src/flows/qemu/index';
import { Step } from '../../models/src/core/types';
import { contractFailures, extractedDefinitions, lines, root, textualDefinitionLine } from '../support/linkCheck';

const MINE = ['Q1', 'Q2', 'Q7', 'Q8', 'Q11'];
const flows = qemuFlows.filter((f) => MINE.includes(f.id));

void test('every step of Q1, Q2, Q7, Q8, Q11 has at least one link, and an operation key only where shared', () => {
  assert.deepEqual(flows.map((f) => f.id), MINE);
  let n = 0;
  for (const f of flows) {
    for (const s of f.steps) {
      assert.ok(s.links.length >= 1, `${s.id} has a link`);
      n++;
    }
  }
  assert.equal(n, 17 + 6 + 7 + 8 + 10, 'step counts: Q1 17, Q2 6, Q7 7, Q8 8, Q11 10');
});

void test('every link of these flows is a function our index extracts from its file in QEMU 7.2 / Linux 6.1', () => {
  const missing: string[] = [];
  let total = 0;
  for (const f of flows) {
    for (const s of f.steps) {
      for (const l of s.links) {
        total++;
        const r = root(l.codebase);
        if (!l.file || !fs.existsSync(path.join(r, l.file))) {
          missing.push(`${s.id} ${l.symbol}: no file ${l.file}`);
          continue;
        }
        const kinds = extractedDefinitions(r, l.file).get(l.symbol) ?? [];
        if (!kinds.includes(l.kind === 'macro' ? 'macro' : 'function')) missing.push(`${s.id} ${l.symbol}: ${l.file} defines it as ${kinds.join(', ') || 'nothing'}`);
      }
    }
  }
  assert.deepEqual(missing, [], `${missing.length} of ${total} links unresolved`);
});

void test('every link of these flows names a function defined in its file in QEMU 7.2 / Linux 6.1 (textual check)', () => {
  const missing: string[] = [];
  let total = 0;
  for (const f of flows) {
    for (const s of f.steps) {
      for (const l of s.links) {
        total++;
        const file = path.join(root(l.codebase), l.file ?? '');
        if (!l.file || !fs.existsSync(file)) {
          missing.push(`${s.id} ${l.symbol}: no file ${l.file}`);
          continue;
        }
        if (textualDefinitionLine(lines(file), l.symbol) < 0) missing.push(`${s.id} ${l.symbol}: not defined in ${l.file}`);
      }
    }
  }
  assert.deepEqual(missing, [], `${missing.length} of ${total} links unresolved`);
  assert.ok(total > 200, `${total} links checked`);
});

void test('every contract of these flows holds on the real function body (checked by the contract engine)', () => {
  const { checked, failures } = contractFailures(flows.flatMap((f) => f.steps as Step<unknown>[]));
  assert.deepEqual(failures, []);
  assert.ok(checked >= 25, `${checked} contracts checked`);
});
