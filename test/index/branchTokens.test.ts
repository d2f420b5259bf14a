// How the lexer reads `#if` groups whose branches change the bracket depth: it follows the first branch, leaves the
// others out of its tokens and says where they are, so brackets pair as a compiler building one configuration sees them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T_IDENT, tokenize } from '../../server/src/engine/index/cTokens';

const words = (text: string) => {
  const t = tokenize(text);
  const out: string[] = [];
  for (let i = 0; i < t.count; i++) if (t.kind[i] === T_IDENT) out.push(text.slice(t.start[i], t.end[i]));
  return { t, out, hidden: Array.from({ length: t.hidden.length / 2 }, (_, k) => text.slice(t.hidden[2 * k], t.hidden[2 * k + 1])) };
};

void test('branches that keep the depth are all read', () => {
  const { t, out, hidden } = words('f()\n{\n#if A\n\ta(1);\n#elif B\n\tb(2);\n#else\n\tc(3);\n#endif\n}\n');
  assert.equal(t.unsure, undefined);
  assert.deepEqual(out, ['f', 'a', 'b', 'c']);
  assert.deepEqual(hidden, []);
});

void test('after a first branch that opens a brace, the others are left out and the brace pairs with the later one', () => {
  const text = 'f()\n{\n#ifdef A\n\tif (a) {\n#elif B\n\tif (b) {\n#else\n\tif (c) {\n#endif\n\t\tgo();\n\t}\n}\n';
  const { t, out, hidden } = words(text);
  assert.equal(t.unsure, undefined);
  assert.deepEqual(out, ['f', 'if', 'a', 'go']);
  assert.deepEqual(hidden, ['\tif (b) {\n', '\tif (c) {\n']);
  // The first branch's `{` pairs with the `}` after `go();`, the body's with the last.
  const open = [...Array(t.count).keys()].filter((i) => text[t.start[i]] === '{');
  assert.equal(text.slice(t.start[t.match[open[1]]] - 8, t.start[t.match[open[1]]] + 1), '\tgo();\n\t}');
  assert.equal(t.match[open[0]], t.count - 1);
});

void test('a later branch that alone changes the depth is left out; a nested one goes with its outer branch', () => {
  const text = 'x;\n#if A\n\ty;\n#else\n#if B\n\tz {\n#else\n\tw {\n#endif\n\tv (\n#endif\nu;\n';
  const { t, out, hidden } = words(text);
  assert.equal(t.unsure, undefined);
  assert.deepEqual(out, ['x', 'y', 'u']);
  // One range: the outer #else branch, nested group included.
  assert.deepEqual(hidden, ['#if B\n\tz {\n#else\n\tw {\n#endif\n\tv (\n']);
});

void test('a header readable from C++: `extern "C" {` in one group, its `}` in another, pair', () => {
  const text = '#ifdef __cplusplus\nextern "C" {\n#endif\nint f(void);\n#ifdef __cplusplus\n}\n#endif\n';
  const { t, hidden } = words(text);
  assert.equal(t.unsure, undefined);
  assert.deepEqual(hidden, []);
  const open = [...Array(t.count).keys()].find((i) => text[t.start[i]] === '{')!;
  assert.equal(text[t.start[t.match[open]]], '}');
});

void test('brackets that pair in no branch still make the lexer unsure', () => {
  assert.match(tokenize('f()\n{\n\tif (a) {\n}\n').unsure ?? '', /unclosed/);
  assert.match(tokenize('f()\n{\n#if A\n}\n#endif\n}\n').unsure ?? '', /unbalanced/);
});
