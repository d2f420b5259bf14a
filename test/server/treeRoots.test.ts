// Unit test of tree detection for the language server (server/src/lsp/treeRoots.ts) on the fixture workspace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { treeRootsOf } from '../../server/src/lsp/treeRoots';

const ws = path.resolve(__dirname, '..', 'fixtures', 'server');

void test('trees below a workspace folder are found by their markers', async () => {
  const r = await treeRootsOf(ws, []);
  assert.deepEqual(r, { roots: [path.join(ws, 'linux'), path.join(ws, 'xen')], missing: [] });
});

void test('a folder that is itself a tree is the one root', async () => {
  assert.deepEqual((await treeRootsOf(path.join(ws, 'linux'), [])).roots, [path.join(ws, 'linux')]);
});

void test('irqlens.trees wins; relative to the folder; missing entries are reported', async () => {
  const r = await treeRootsOf(ws, ['xen', 'qemu-nowhere']);
  assert.deepEqual(r, { roots: [path.join(ws, 'xen')], missing: [path.join(ws, 'qemu-nowhere')] });
});

void test('a folder with no known tree is indexed as it is', async () => {
  const plain = path.join(ws, 'linux', 'include');
  assert.deepEqual((await treeRootsOf(plain, [])).roots, [plain]);
});
