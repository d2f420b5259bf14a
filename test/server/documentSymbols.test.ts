// Unit test of the outline builder (server/src/lsp/documentSymbols.ts): members nest in their type, functions stay flat,
// and a selection range always lies inside its range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SymbolDef } from '../../server/src/engine/index/types';
import { computeDocumentSymbols } from '../../server/src/lsp/documentSymbols';

const def = (name: string, kind: SymbolDef['kind'], line: number, endLine: number, col = 0): SymbolDef => ({
  name,
  kind,
  file: 'include/linux/irq.h',
  nameSpan: { line, col: col + 7, endLine: line, endCol: col + 7 + name.length },
  span: { line, col, endLine, endCol: 2 },
});

void test('fields nest under their struct, functions and globals are top level, in source order', () => {
  const out = computeDocumentSymbols([
    def('handle_edge_irq', 'function', 20, 25),
    def('irq_ack', 'field', 3, 3, 4),
    def('irq_chip', 'struct', 1, 6),
    def('irq_eoi', 'field', 4, 4, 4),
    def('xen_dynamic_chip', 'variable', 10, 14),
  ]);
  assert.deepEqual(
    out.map((s) => [s.name, (s.children ?? []).map((c) => c.name)]),
    [
      ['irq_chip', ['irq_ack', 'irq_eoi']],
      ['xen_dynamic_chip', []],
      ['handle_edge_irq', []],
    ],
  );
});

void test('a span narrower than its name is widened so the selection range stays inside', () => {
  const bad: SymbolDef = { ...def('VALID_EVTCHN', 'macro', 5, 5), span: { line: 5, col: 0, endLine: 5, endCol: 3 } };
  const [s] = computeDocumentSymbols([bad]);
  assert.deepEqual(s.range, s.selectionRange);
});
