// The Xen flows' links: every step has a link and a role, and every link names a definition that exists in the
// real Xen 4.17 / Linux 6.1 trees (C definitions through our tree-sitter extraction, asm labels by their label).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findFlow, Link } from '../../models/src/index';
import { extractFile } from '../../server/src/engine/index/extract';
import { KINDS, SYM } from '../../server/src/engine/index/fileRecord';
import { findAsmLabel } from '../../server/src/engine/links/asmLabels';
import { realTrees } from '../support/realTrees';

const XEN_FLOWS = ['X1', 'X2', 'X3', 'X4', 'X5', 'X6', 'X7'];

void test('every step of the Xen flows has at least one link and a non-empty role', () => {
  for (const id of XEN_FLOWS) {
    const f = findFlow(id);
    assert.ok(f, id);
    for (const s of f.steps) {
      assert.ok(s.links.length > 0, `${s.id} has a link`);
      assert.ok(s.role.trim().length > 20, `${s.id} has a role`);
      for (const l of s.links) assert.ok(l.file && l.file.length > 0, `${s.id} ${l.symbol} has a file hint`);
      assert.ok(s.source.includes('xen-linux.md'), `${s.id} cites the catalogue`);
    }
  }
});

const cache = new Map<string, Map<string, string[]>>();

/** name → kinds of the definitions in a C file, as our index extracts them. */
function definitions(root: string, file: string): Map<string, string[]> {
  const key = `${root}\0${file}`;
  let m = cache.get(key);
  if (m) return m;
  m = new Map();
  const rec = extractFile(root, file);
  const strings = rec.strings ?? [];
  for (let i = 0; i < rec.syms.length; i += SYM) {
    const name = strings[rec.syms[i]];
    const kind = KINDS[rec.syms[i + 1] & 0xff];
    m.set(name, [...(m.get(name) ?? []), kind]);
  }
  cache.set(key, m);
  return m;
}

function resolves(root: string, l: Link): string | undefined {
  const abs = path.join(root, l.file!);
  if (!fs.existsSync(abs)) return `${l.file} does not exist`;
  if (l.kind === 'asm') {
    // The same label finder `irqlens links` uses; the label must be in the hinted file.
    const hit = findAsmLabel(root, l.symbol, l.file);
    return hit && hit.file === abs ? undefined : `no asm label ${l.symbol} in ${l.file}`;
  }
  const kinds = definitions(root, l.file!).get(l.symbol) ?? [];
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

/** The body of a function definition, comments stripped, from our extraction's range. */
function functionBody(root: string, file: string, symbol: string): string | undefined {
  const rec = extractFile(root, file);
  const strings = rec.strings ?? [];
  for (let i = 0; i < rec.syms.length; i += SYM) {
    if (strings[rec.syms[i]] !== symbol || KINDS[rec.syms[i + 1] & 0xff] !== 'function') continue;
    const lines = fs.readFileSync(path.join(root, file), 'latin1').split('\n');
    const text = lines.slice(rec.syms[i + 4], rec.syms[i + 6] + 1).join('\n');
    return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, ' ');
  }
  return undefined;
}

void test('every contract of the Xen flows holds on the real function body', () => {
  const trees = realTrees();
  const failures: string[] = [];
  const done = new Set<string>();
  for (const id of XEN_FLOWS) {
    for (const s of findFlow(id)!.steps) {
      for (const c of s.contracts ?? []) {
        if (done.has(c.id)) continue;
        done.add(c.id);
        const link = s.links.find((l) => l.symbol === c.symbol && l.codebase === c.codebase);
        assert.ok(link?.file, `${c.id}: the contract's function is one of the step's links`);
        const body = functionBody(c.codebase === 'xen' ? trees.xen : trees.linux, link.file, c.symbol);
        if (!body) { failures.push(`${c.id}: no body for ${c.symbol}`); continue; }
        const calls = (n: string): number[] => [...body.matchAll(new RegExp(`\\b${n}\\s*\\(`, 'g'))].map((m) => m.index ?? 0);
        const mentions = (n: string): boolean => new RegExp(`\\b${n}\\b`).test(body);
        const k = c.check;
        let ok: boolean;
        if (k.kind === 'calls') ok = k.anyOf.some((x) => calls(x).length > 0);
        else if (k.kind === 'mentions') ok = k.anyOf.some(mentions);
        else if (k.kind === 'doesNotCall') ok = !k.names.some((x) => calls(x).length > 0);
        else ok = Math.min(...k.first.flatMap(calls)) < Math.max(...k.then.flatMap(calls));
        if (!ok) failures.push(`${s.id} ${c.id} (${c.symbol}): ${JSON.stringify(k)}`);
      }
    }
  }
  assert.ok(done.size >= 25, `${done.size} contracts checked`);
  assert.deepEqual(failures, []);
});
