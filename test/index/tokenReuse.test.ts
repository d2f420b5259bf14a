// The tokenizer's kept arrays: a text tokenized after a longer one reads exactly as if tokenized alone, nothing of
// the longer one showing past its last token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type CTokens, tokenize } from '../../server/src/engine/index/cTokens';

const same = (a: CTokens, b: CTokens) => {
  assert.equal(a.count, b.count);
  for (let i = 0; i < a.count; i++) {
    assert.deepEqual([a.kind[i], a.op[i], a.start[i], a.end[i], a.match[i]], [b.kind[i], b.op[i], b.start[i], b.end[i], b.match[i]], `token ${i}`);
  }
  assert.deepEqual(a.directives, b.directives);
  assert.equal(a.unsure, b.unsure);
};

void test('tokens of a short text after a long one equal its tokens alone, and read as no token past the end', () => {
  const long = Array.from({ length: 400 }, (_, i) => `static int f${i}(int a) { return g(a, ${i}) + h[a]; }\n`).join('');
  const short = 'int x = f(1);\n{ (y); }\n';
  const first = tokenize(long, true);
  assert.ok(first.count > 5000);
  const reused = tokenize(short, true);
  same(reused, tokenize(short));
  // Past the short text's tokens: kind 0 (no token) where the long text's tokens were.
  for (let i = reused.count; i < first.count; i++) assert.equal(reused.kind[i], 0, `kind ${i}`);
  // And again long, then an unbalanced text: brackets pair as they would alone.
  tokenize(long, true);
  const odd = 'f(a]\n{ x; }\n';
  same(tokenize(odd, true), tokenize(odd));
});
