// The tree's string table filled to 3/4 before it grows: every string keeps its id through growth and through a
// rebuild from the list, and a string never interned is not found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StringTable } from '../../server/src/engine/index/stringTable';

void test('ids stay stable through growth and a rebuild from the list; absent strings are absent', () => {
  const t = new StringTable();
  const n = 50_000;
  for (let i = 0; i < n; i++) assert.equal(t.intern(`s${i}`), i);
  for (let i = 0; i < n; i += 7) assert.equal(t.intern(`s${i}`), i, 'interning again gives the same id');
  const rebuilt = new StringTable([...t.strings]);
  for (let i = 0; i < n; i++) {
    assert.equal(t.get(`s${i}`), i);
    assert.equal(rebuilt.get(`s${i}`), i);
  }
  assert.equal(t.get('absent'), undefined);
  assert.equal(rebuilt.get(`s${n}`), undefined);
  assert.equal(rebuilt.intern('new one'), n);
  assert.equal(rebuilt.size, n + 1);
});
