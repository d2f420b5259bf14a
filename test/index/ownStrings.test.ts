// A record whose ids index a worker batch's shared table, given a table of its own for the content store
// (fileRecord.withOwnStrings): it reads as the record extracted with its own table did, file after file on one shared
// table (the scratch map withOwnStrings keeps between calls leaks nothing from one record into the next).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { extractFile } from '../../server/src/engine/index/fileExtract';
import { withOwnStrings } from '../../server/src/engine/index/fileRecord';
import { sharedStrings } from '../../server/src/engine/index/recordBuilder';
import { walkTree } from '../../server/src/engine/index/walker';
import { recordTuples } from './recordTuples';

void test('withOwnStrings gives each record of a shared table the tuples of its own extraction, with only the names it uses', () => {
  const root = path.join(__dirname, '..', '..', 'sample', 'linux');
  const files = walkTree(root).files.map((f) => f.rel).sort();
  assert.ok(files.length >= 5, files.join(' '));
  const shared = sharedStrings();
  for (const rel of files) {
    const own = extractFile(root, rel);
    const inBatch = extractFile(root, rel, undefined, undefined, shared);
    assert.equal(inBatch.strings, undefined, rel);
    const copy = withOwnStrings(inBatch, shared.strings);
    assert.deepEqual(recordTuples(copy), recordTuples(own), rel);
    // Only the names its slots use, each once.
    assert.equal(new Set(copy.strings).size, copy.strings!.length, rel);
    assert.ok(copy.strings!.length <= shared.strings.length, rel);
  }
});
