// Fuzz: mutated C files (our fixtures, plus a few real Xen files when IRQLENS_XEN is set) through preprocessing and
// extraction. Crash: an exception. Hang: over the time budget. Wrong answer: offsets or lines not preserved by the
// preprocessor, or a symbol outside the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractSource } from '../../server/src/engine/index/extract';
import { SYM } from '../../server/src/engine/index/fileRecord';
import { preprocess } from '../../server/src/engine/index/preprocess';
import { seeded } from '../models/seededRandom';
import { clean, counts, LONG, report } from './fuzzCounts';
import { mutateText } from './mutate';

const BUDGET_MS = 1000;

function seeds(): string[] {
  const dirs = [path.join(__dirname, '..', 'fixtures', 'index', 'tree'), path.join(__dirname, '..', 'fixtures', 'server', 'xen', 'xen', 'common')];
  const files = dirs.flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.c')).map((f) => path.join(d, f)));
  const xen = process.env.IRQLENS_XEN;
  if (xen) {
    const common = path.join(xen, 'xen', 'common');
    const real = fs.readdirSync(common).filter((f) => f.endsWith('.c')).sort();
    const rng = seeded(7);
    for (let i = 0; i < (LONG ? 40 : 4); i++) files.push(path.join(common, rng.pick(real)));
  }
  return files.map((f) => fs.readFileSync(f, 'latin1'));
}

function newlines(s: string): number[] {
  const out: number[] = [];
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) out.push(i);
  return out;
}

void test('fuzz: mutated C files through extraction', (t) => {
  const c = counts('extract');
  const rng = seeded(20261203);
  const base = seeds();
  const n = LONG ? 10_000 : 120;
  for (let i = 0; i < n; i++) {
    const text = mutateText(rng, rng.pick(base));
    c.tried++;
    const t = performance.now();
    try {
      const pre = preprocess(text);
      if (pre.text.length !== text.length) c.wrong.push(`#${i}: preprocess changed the length`);
      else if (newlines(pre.text).join() !== newlines(text).join()) c.wrong.push(`#${i}: preprocess moved lines`);
      const { record } = extractSource(text, 'fuzz.c', text.length, 0, { budgetMs: BUDGET_MS });
      const lines = newlines(text).length + 1;
      for (let k = 0; k < record.syms.length; k += SYM) {
        if (record.syms[k + 2] < 0 || record.syms[k + 2] >= lines) {
          c.wrong.push(`#${i}: symbol on line ${record.syms[k + 2]} of ${lines}`);
          break;
        }
      }
    } catch (e) {
      c.crashes.push(`#${i}: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
    }
    const ms = performance.now() - t;
    if (ms > BUDGET_MS * 2 + 3000) c.hangs.push(`#${i}: ${Math.round(ms)} ms`);
  }
  // The counts are printed in both modes (a diagnostic line of the test output).
  t.diagnostic(report(c).split('\n')[0]);
  assert.ok(clean(c), report(c));
});
