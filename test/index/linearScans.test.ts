// Every scan the index and the contract checker run on file text stays linear on hostile input (runs of comments,
// blanks, parentheses, backslashes, unterminated comments and strings, deep nesting), and extraction bounds its work
// per file: what it cut is the file's problem, the rest of the file is still indexed.
// `DEFINE_IDTENTRY(f)` then 30 `/**/` then `;` once took 84 s; 100k nested calls took 244 s and kept 32,766 calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { extractSource } from '../../server/src/engine/index/extract';
import { limitNesting, MAX_NESTING } from '../../server/src/engine/index/nestingLimit';
import { preprocess } from '../../server/src/engine/index/preprocess';
import { ADVERSARIAL_C } from '../support/adversarialC';
import { runWithDeadline } from '../support/deadlineRun';

const PROBE = path.join(__dirname, '..', 'support', 'scanProbe.ts');
const NAMES = Object.keys(ADVERSARIAL_C);

void test('the 200-byte generator file that froze indexing is handled in milliseconds', () => {
  const text = 'DEFINE_IDTENTRY(f)' + '/**/'.repeat(30) + ';\n';
  const t = performance.now();
  const r = extractSource(text, 'a.c', text.length, 0);
  assert.ok(performance.now() - t < 2000, `took ${performance.now() - t} ms`);
  assert.equal(r.record.problem, undefined);
  // With a body after the comments it is still recognised as the generated function f.
  const good = 'DEFINE_IDTENTRY(f)' + '/**/'.repeat(30) + '\n{\n  g();\n}\n';
  const pre = preprocess(good);
  assert.equal(pre.generated.length, 1);
  assert.equal(pre.generated[0].macro, 'DEFINE_IDTENTRY');
  assert.equal(pre.text.length, good.length);
});

void test('text scans are linear on every adversarial input (each under 3 s)', async () => {
  const run = await runWithDeadline<{ name: string; ms: number }>(PROBE, ['scans'], 120_000);
  const done = new Map(run.lines.map((l) => [l.name, l.ms]));
  const hung = NAMES.find((n) => !done.has(n));
  assert.equal(hung, undefined, `scans hung on "${hung}" (${run.timedOut ? 'killed at the deadline' : run.stderr.slice(0, 500)})`);
  const slow = [...done].filter(([, ms]) => ms > 3000);
  assert.deepEqual(slow, [], 'inputs over 3 s');
});

void test('extraction stays within its time budget and keeps the symbols outside the cut part', async () => {
  type Line = { name: string; ms: number; problem: string; syms: string[]; calls: string[] };
  const run = await runWithDeadline<Line>(PROBE, ['extract'], 300_000);
  const byName = new Map(run.lines.map((l) => [l.name, l]));
  const hung = NAMES.find((n) => !byName.has(n));
  assert.equal(hung, undefined, `extraction hung on "${hung}" (${run.timedOut ? 'killed at the deadline' : run.stderr.slice(0, 500)})`);
  // Budget 2 s for parse + query; preprocessing and the record around it get the same again.
  const slow = run.lines.filter((l) => l.ms > 6000).map((l) => `${l.name}: ${l.ms} ms`);
  assert.deepEqual(slow, [], 'inputs over the budget');
  // Deep nesting inside function bodies is read by the lexer, which takes any depth: nothing is cut, every call found.
  for (const [name, inner] of [['nested calls', 'f'], ['nested ifs', 'inner']]) {
    const l = byName.get(name)!;
    assert.equal(l.problem, '', name);
    assert.ok(l.syms.includes('g') && l.syms.includes('h'), `${name}: functions kept (${l.syms.join(',')})`);
    assert.ok(l.calls.includes(inner) && l.calls.includes('k'), `${name}: the deep call and the call after it are kept (${l.calls.join(',')})`);
  }
  // Deep nesting tree-sitter is given (a file the lexer cannot trust, a file-scope initializer) is cut there.
  for (const [name, line, fns] of [['nested calls, file unbalanced', 2, ['g', 'h']], ['nested file-scope initializer', 1, ['h']]] as const) {
    const l = byName.get(name)!;
    assert.match(l.problem, new RegExp(`nested deeper than ${MAX_NESTING} levels at line ${line}`), name);
    for (const fn of fns) assert.ok(l.syms.includes(fn), `${name}: ${fn} kept (${l.syms.join(',')})`);
    assert.ok(l.calls.includes('k'), `${name}: the call after the cut is kept`);
  }
  assert.match(byName.get('unterminated comment')!.problem, /unterminated comment from line 1/);
  assert.equal(byName.get('chained indirect calls')!.problem, '', 'a chain in a body is read by the lexer whole');
});

void test('the nesting limit cuts only the part past the limit, keeps offsets and lines, and leaves real nesting alone', () => {
  const deep = 'void g(void) { ' + 'f('.repeat(MAX_NESTING + 50) + ')'.repeat(MAX_NESTING + 50) + '; }\nvoid h(void) { k(); }\n';
  const r = limitNesting(deep);
  assert.equal(r.text.length, deep.length);
  assert.equal(r.cuts.length, 1);
  assert.equal(r.text.split('\n').length, deep.split('\n').length);
  assert.ok(r.text.endsWith('; }\nvoid h(void) { k(); }\n'));
  // Balanced brackets remain: the cut takes an opener together with its closer.
  const opens = [...r.text].filter((c) => c === '(').length;
  const closes = [...r.text].filter((c) => c === ')').length;
  assert.equal(opens, closes);
  const real = 'int f(int a) {\n  if (a) { while (b) { x = (a + b) * c->d[e]; } } else if (c) return;\n#define X(a) ((((((a))))))\n  return a;\n}\n';
  assert.deepEqual(limitNesting(real).cuts, []);
  // 100k nested ifs. Parsed whole, the deep part is cut and the call after them is a call of h, not lost; with the
  // body read by the lexer nothing is cut and the innermost call is found too.
  const ifs = 'void g(int x) {\n  ' + 'if (x) '.repeat(100_000) + 'inner();\n}\nvoid h(void) { k(); }\n';
  const callsOf = (r: ReturnType<typeof extractSource>) => {
    const s = r.record.strings!;
    const calls: string[] = [];
    for (let i = 0; i < r.record.calls.length; i += 4) calls.push(`${s[r.record.calls[i + 1]]}->${s[r.record.calls[i]]}`);
    return calls;
  };
  const whole = extractSource(ifs, 'a.c', ifs.length, 0, { fullParse: true });
  assert.deepEqual(callsOf(whole), ['h->k']);
  assert.match(whole.record.problem ?? '', /nested deeper than/);
  const lexed = extractSource(ifs, 'a.c', ifs.length, 0);
  assert.deepEqual(callsOf(lexed), ['g->inner', 'h->k']);
  assert.equal(lexed.record.problem, undefined);
});
