// The QEMU/virtio/Linux-IO-APIC flows (Q1, Q2, Q7, Q8, Q11) against the real trees: every step has a link, every
// link names a function definition in its file as our tree-sitter extraction sees it, and every contract holds on
// the real function body (a textual check of the body: calls, mentions, call order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { qemuFlows } from '../../models/src/flows/qemu/index';
import { Link } from '../../models/src/core/types';
import { realTrees } from '../support/realTrees';
import { extractFile } from '../../server/src/engine/index/extract';
import { KINDS, SYM } from '../../server/src/engine/index/fileRecord';

const MINE = ['Q1', 'Q2', 'Q7', 'Q8', 'Q11'];
const flows = qemuFlows.filter((f) => MINE.includes(f.id));

function root(codebase: Link['codebase']): string {
  const t = realTrees();
  return codebase === 'qemu' ? t.qemu : codebase === 'linux' ? t.linux : t.xen;
}

const fileCache = new Map<string, string[]>();
function lines(file: string): string[] {
  let l = fileCache.get(file);
  if (!l) {
    l = fs.readFileSync(file, 'utf8').split('\n');
    fileCache.set(file, l);
  }
  return l;
}

/** The line index of a C function definition (header at column 0, possibly `DEFINE_IDTENTRY_*(name)`), or −1. */
function findDefinition(ls: string[], sym: string): number {
  const head = new RegExp(`^(?:[A-Za-z_][^;=]*[\\s*])?${sym}\\s*\\(|^DEFINE_IDTENTRY\\w*\\(${sym}\\)`);
  for (let i = 0; i < ls.length; i++) {
    if (!head.test(ls[i]) || /^\s/.test(ls[i]) || /^(return|if|else|while|for)\b/.test(ls[i])) continue;
    // The header ends before a body: find `{` before any `;` in the next few lines.
    const tail = ls.slice(i, i + 8).join('\n');
    const brace = tail.indexOf('{');
    const semi = tail.indexOf(';');
    if (brace >= 0 && (semi < 0 || brace < semi)) return i;
  }
  return -1;
}

function body(ls: string[], at: number): string {
  const text = ls.slice(at, at + 2000).join('\n');
  const start = text.indexOf('{');
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return text.slice(start);
}

void test('every step of Q1, Q2, Q7, Q8, Q11 has at least one link, an operation key only where shared, and a source', () => {
  assert.deepEqual(flows.map((f) => f.id), MINE);
  let n = 0;
  for (const f of flows) {
    for (const s of f.steps) {
      assert.ok(s.links.length >= 1, `${s.id} has a link`);
      assert.ok(s.source.includes('qemu-kvm.md'), `${s.id} cites the catalogue`);
      n++;
    }
  }
  assert.equal(n, 17 + 6 + 7 + 8 + 10, 'catalogue step counts: Q1 17, Q2 6, Q7 7, Q8 8, Q11 10');
});

const defCache = new Map<string, Map<string, string[]>>();
/** name → kinds of the definitions in a C file, as our index extracts them. */
function definitions(rootDir: string, file: string): Map<string, string[]> {
  const key = `${rootDir}\0${file}`;
  let m = defCache.get(key);
  if (m) return m;
  m = new Map();
  const rec = extractFile(rootDir, file);
  const strings = rec.strings ?? [];
  for (let i = 0; i < rec.syms.length; i += SYM) {
    const name = strings[rec.syms[i]];
    m.set(name, [...(m.get(name) ?? []), KINDS[rec.syms[i + 1] & 0xff]]);
  }
  defCache.set(key, m);
  return m;
}

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
        const kinds = definitions(r, l.file).get(l.symbol) ?? [];
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
        if (findDefinition(lines(file), l.symbol) < 0) missing.push(`${s.id} ${l.symbol}: not defined in ${l.file}`);
      }
    }
  }
  assert.deepEqual(missing, [], `${missing.length} of ${total} links unresolved`);
  assert.ok(total > 200, `${total} links checked`);
});

void test('every contract of these flows holds on the real function body', () => {
  const failures: string[] = [];
  let count = 0;
  for (const f of flows) {
    for (const s of f.steps) {
      for (const c of s.contracts ?? []) {
        count++;
        const link = s.links.find((l) => l.symbol === c.symbol && l.codebase === c.codebase);
        assert.ok(link?.file, `${c.id}: the contract's function ${c.symbol} is one of the step's links`);
        const ls = lines(path.join(root(c.codebase), link.file));
        const at = findDefinition(ls, c.symbol);
        assert.ok(at >= 0, `${c.id}: ${c.symbol} found`);
        const b = body(ls, at);
        const call = (n: string): number => b.search(new RegExp(`\\b${n}\\s*\\(`));
        const lastCall = (n: string): number => {
          let last = -1;
          for (const m of b.matchAll(new RegExp(`\\b${n}\\s*\\(`, 'g'))) last = m.index ?? -1;
          return last;
        };
        const ch = c.check;
        let ok: boolean;
        if (ch.kind === 'calls') ok = ch.anyOf.some((n) => call(n) >= 0);
        else if (ch.kind === 'mentions') ok = ch.anyOf.some((n) => new RegExp(`\\b${n}\\b`).test(b));
        else if (ch.kind === 'doesNotCall') ok = ch.names.every((n) => call(n) < 0);
        else {
          const firsts = ch.first.map(call).filter((i) => i >= 0);
          const thens = ch.then.map(lastCall).filter((i) => i >= 0);
          ok = firsts.length > 0 && thens.length > 0 && Math.min(...firsts) < Math.max(...thens);
        }
        if (!ok) failures.push(`${c.id} (${c.symbol}): ${JSON.stringify(ch)}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(count >= 25, `${count} contracts checked`);
});
