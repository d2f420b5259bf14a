// The pinned tree-sitter pair loads: tree-sitter 0.25.x with tree-sitter-c 0.24.x (0.22.x with 0.24.x crashes in
// setLanguage), and the extraction query compiles against the grammar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { extractSource } from '../../server/src/engine/index/extract';

void test('tree-sitter 0.25 + tree-sitter-c 0.24 load and parse C', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const tsVersion = (require('tree-sitter/package.json') as { version: string }).version;
  const cVersion = (require('tree-sitter-c/package.json') as { version: string }).version;
  /* eslint-enable @typescript-eslint/no-require-imports */
  assert.match(tsVersion, /^0\.25\./);
  assert.match(cVersion, /^0\.24\./);
  const parser = new Parser();
  parser.setLanguage(C as unknown as Parser.Language);
  const tree = parser.parse('int f(void) { return g(); }');
  assert.equal(tree.rootNode.type, 'translation_unit');
  assert.equal(tree.rootNode.hasError, false);
});

void test('the extraction query compiles and extracts', () => {
  const { record } = extractSource('static int f(void) { return g(); }\n', 'x.c', 0, 0);
  assert.deepEqual(record.strings?.slice(0, 2), ['f', 'g']);
});
