// The content store's saved table (storeTable.ts): a build reads one file instead of every pack's table, and what it
// gets is always the table the packs themselves give: packs written since are merged in, packs evicted since are
// dropped, and a damaged, foreign or missing table file means the packs are read as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ContentStore, contentKey, ENTRY } from '../../server/src/engine/index/contentStore';
import { emptyRecord } from '../../server/src/engine/index/fileRecord';
import { loadStoreTable, TABLE_FILE } from '../../server/src/engine/index/storeTable';

/** Writes one pack holding an entry per text; returns the texts' keys. */
function writePack(dir: string, texts: string[]): Buffer[] {
  const store = new ContentStore(dir, undefined);
  const keys = texts.map((t) => {
    const { key } = contentKey(Buffer.from(t));
    store.add(key, { ...emptyRecord(`${t}.c`, t.length, 0), strings: [t], syms: Int32Array.of(0, 7, 0, 4, 0, 4, 0, 5, -1) });
    return key;
  });
  store.flush();
  return keys;
}

function packNames(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.pack'));
}

/** The table's entries as sorted hex strings (order among equal keys aside), to compare tables. */
function entries(table: SharedArrayBuffer | undefined): string[] {
  if (!table) return [];
  const b = Buffer.from(table);
  const out: string[] = [];
  for (let i = 0; i < b.length; i += ENTRY) out.push(b.toString('hex', i, i + ENTRY));
  return out.sort();
}

/** The table read from the packs alone (the saved file out of the way). */
function fromPacks(dir: string): string[] {
  const file = path.join(dir, TABLE_FILE);
  const saved = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
  fs.rmSync(file, { force: true });
  try {
    return entries(loadStoreTable(dir));
  } finally {
    if (saved) fs.writeFileSync(file, saved);
    else fs.rmSync(file, { force: true });
  }
}

function isSorted(table: SharedArrayBuffer | undefined): boolean {
  if (!table) return true;
  const b = Buffer.from(table);
  for (let i = ENTRY; i < b.length; i += ENTRY) if (b.compare(b, i - ENTRY, i - ENTRY + 20, i, i + 20) < 0) return false;
  return true;
}

function scratch(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-table-')), 'packs');
}

void test('the saved table follows the packs: written once, new packs merged in, evicted packs dropped, sorted', () => {
  const dir = scratch();
  const a = writePack(dir, ['int a;', 'int b;', 'int c;']);
  const first = loadStoreTable(dir);
  assert.ok(fs.existsSync(path.join(dir, TABLE_FILE)), 'the table is saved');
  assert.equal(entries(first).length, 3);
  const stamp = fs.statSync(path.join(dir, TABLE_FILE)).mtimeMs;
  assert.deepEqual(entries(loadStoreTable(dir)), entries(first));
  assert.equal(fs.statSync(path.join(dir, TABLE_FILE)).mtimeMs, stamp, 'packs unchanged: the saved table is not rewritten');

  // Packs written since: their entries are merged in, in key order.
  const [oldPack] = packNames(dir);
  const b = writePack(dir, ['long d;', 'char e;']);
  writePack(dir, ['short f;', 'int a;']);
  const merged = loadStoreTable(dir);
  assert.ok(isSorted(merged));
  assert.equal(entries(merged).length, 7, 'a key in two packs is kept twice: either entry is right');
  assert.deepEqual(entries(merged), fromPacks(dir));
  const reader = new ContentStore(dir, merged);
  for (const [key, text] of [[a[1], 'int b;'], [b[0], 'long d;'], [b[1], 'char e;']] as const) assert.deepEqual(reader.get(key)?.strings, [text]);

  // A pack evicted since: its entries go; the others are still found.
  fs.rmSync(path.join(dir, oldPack));
  const after = loadStoreTable(dir);
  assert.ok(isSorted(after));
  assert.equal(entries(after).length, 4);
  assert.deepEqual(entries(after), fromPacks(dir));
  const again = new ContentStore(dir, after);
  assert.equal(again.get(a[1]), undefined, 'int b; was only in the evicted pack');
  assert.deepEqual(again.get(a[0])?.strings, ['int a;'], 'int a; is in a later pack too');
  assert.deepEqual(again.get(b[0])?.strings, ['long d;']);

  // Every pack evicted: no table.
  for (const p of packNames(dir)) fs.rmSync(path.join(dir, p));
  assert.equal(loadStoreTable(dir), undefined);
});

void test('a build reads the saved table, not each pack: a pack covered by it is not opened', () => {
  const dir = scratch();
  writePack(dir, ['int a;']);
  writePack(dir, ['int b;']);
  const want = entries(loadStoreTable(dir));
  // Each pack's header made unreadable: read from the packs, the table would be empty.
  for (const p of packNames(dir)) {
    const bytes = fs.readFileSync(path.join(dir, p));
    bytes.write('XXXXXXXX', 0, 'latin1');
    fs.writeFileSync(path.join(dir, p), bytes);
  }
  assert.deepEqual(fromPacks(dir), []);
  assert.deepEqual(entries(loadStoreTable(dir)), want);
});

void test('a damaged, truncated, foreign or special table file is ignored and replaced: the packs give the table', () => {
  const dir = scratch();
  writePack(dir, ['int a;', 'int b;']);
  writePack(dir, ['int c;']);
  const want = entries(loadStoreTable(dir));
  assert.equal(want.length, 3);
  const file = path.join(dir, TABLE_FILE);
  const good = fs.readFileSync(file);
  const damaged: [string, Buffer][] = [
    ['truncated', good.subarray(0, good.length - 7)],
    ['longer', Buffer.concat([good, Buffer.alloc(ENTRY)])],
    ['another format', Buffer.from(good.toString('latin1').replace(/^(\S+) \d+/, '$1 9999'), 'latin1')],
    ['not a table', Buffer.from('hello\n')],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [what, bytes] of damaged) {
    fs.writeFileSync(file, bytes);
    assert.deepEqual(entries(loadStoreTable(dir)), want, what);
  }
  // A folder in the table's place: read from the packs, left alone.
  fs.rmSync(file);
  fs.mkdirSync(file);
  assert.deepEqual(entries(loadStoreTable(dir)), want, 'a folder');
  assert.ok(fs.statSync(file).isDirectory());
  assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temporary file left');
});

void test('no packs folder, or an empty one: no table and nothing written', () => {
  const dir = scratch();
  assert.equal(loadStoreTable(dir), undefined);
  fs.mkdirSync(dir);
  assert.equal(loadStoreTable(dir), undefined);
  assert.deepEqual(fs.readdirSync(dir), []);
});
