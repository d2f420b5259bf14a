// The tree's string table filled to 3/4 before it grows: every string keeps its id through growth and through a
// rebuild from the list, and a string never interned is not found; with slots tagged by hash bits and without.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StringTable } from '../../server/src/engine/index/stringTable';

function checkTable(taggedIds?: number): void {
  const t = new StringTable([], taggedIds);
  const n = 50_000;
  for (let i = 0; i < n; i++) assert.equal(t.intern(`s${i}`), i);
  for (let i = 0; i < n; i += 7) assert.equal(t.intern(`s${i}`), i, 'interning again gives the same id');
  const rebuilt = new StringTable([...t.strings], taggedIds);
  for (let i = 0; i < n; i++) {
    assert.equal(t.get(`s${i}`), i);
    assert.equal(rebuilt.get(`s${i}`), i);
  }
  assert.equal(t.get('absent'), undefined);
  assert.equal(rebuilt.get(`s${n}`), undefined);
  assert.equal(rebuilt.intern('new one'), n);
  assert.equal(rebuilt.size, n + 1);
  // Strings whose hashes share slots and tags are still told apart by their text.
  const same = new StringTable([], taggedIds);
  const words = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat(1 + Math.floor(i / 26)));
  for (let i = 0; i < words.length; i++) assert.equal(same.intern(words[i]), i);
  for (let i = words.length - 1; i >= 0; i--) assert.equal(same.get(words[i]), i);
}

void test('ids stay stable through growth and a rebuild from the list; absent strings are absent (tagged slots)', () => checkTable());

void test('the same past the count of tagged ids (slots then hold bare ids)', () => checkTable(1000));
