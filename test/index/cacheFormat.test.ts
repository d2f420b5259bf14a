// The tree cache's layout (string table in chunks, records' scalars serialised and their arrays as raw bytes): a
// round trip gives back every record exactly — over several string chunks and file chunks, with empty arrays, problems
// and missing optional fields — and a cache whose raw part is cut or altered is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CacheError, loadCache, saveCache } from '../../server/src/engine/index/cache';
import { emptyRecord, type FileRecord } from '../../server/src/engine/index/fileRecord';

function records(n: number): FileRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const r: FileRecord = {
      ...emptyRecord(`dir${i % 7}/f${i}.c`, 100 + i, 1_700_000_000_000 + i),
      ctimeMs: 5 + i,
      ino: 9000 + i,
      hash: `h${i}`,
      syms: Int32Array.from({ length: 9 * (i % 4) }, (_, k) => k * i),
      calls: Int32Array.from({ length: 4 * (i % 3) }, (_, k) => k - i),
      idents: Int32Array.of(i, i + 1),
      defines: Int32Array.from({ length: 5 * (i % 2) }, (_, k) => k + 3 * i),
    };
    delete r.strings;
    if (i % 5 === 0) r.problem = `problem ${i}`;
    if (i % 11 === 0) delete r.hash;
    return r;
  });
}

void test('a saved cache loads back exactly, over several string and file chunks', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-cachefmt-'));
  const file = path.join(dir, 't.idx');
  const strings = Array.from({ length: 300_000 }, (_, i) => `name_${i}${i % 13 === 0 ? 'é' : ''}`);
  const files = records(4_500);
  saveCache(file, { root: '/tree', strings, files });
  const back = loadCache(file, '/tree')!;
  assert.equal(back.root, '/tree');
  assert.deepEqual(back.strings, strings);
  assert.equal(back.files.length, files.length);
  for (let i = 0; i < files.length; i++) assert.deepEqual(back.files[i], files[i], files[i].file);

  // Cut in the last chunk's raw bytes, or one of them changed: refused, never half-loaded.
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 8));
  assert.throws(() => loadCache(file, '/tree'), CacheError);
  const altered = Buffer.from(bytes);
  altered[altered.length - 5] ^= 1;
  fs.writeFileSync(file, altered);
  assert.throws(() => loadCache(file, '/tree'), CacheError);
});
