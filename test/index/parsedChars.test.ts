// The characters given to tree-sitter are counted per extraction (PhaseTimes.parsed): the parse workers pace their
// collections, which free the parse trees' native memory, by them. Bodies the lexer reads and files read by the
// `#define` scan build no tree text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { emptyPhaseTimes } from '../../server/src/engine/index/extractProfile';
import { extractFile } from '../../server/src/engine/index/fileExtract';

void test('an extraction counts the characters tree-sitter parsed: the text the lexer left, none for a #define scan', () => {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-parsed-'));
  try {
    const body = Array.from({ length: 200 }, (_, i) => `\tcount += step_${i}(dev, ${i});`).join('\n');
    fs.writeFileSync(path.join(tree, 'a.c'), `struct dev;\nint step_0(struct dev *d, int n);\nint run(struct dev *dev)\n{\n\tint count = 0;\n${body}\n\treturn count;\n}\n`);
    fs.writeFileSync(path.join(tree, 'regs.h'), Array.from({ length: 9000 }, (_, i) => `#define REG_${i}_OFFSET 0x${i.toString(16)}`).join('\n'));
    const times = emptyPhaseTimes();
    const r = extractFile(tree, 'a.c', times);
    assert.ok(r.calls.length > 0);
    assert.ok(times.parsed > 0 && times.parsed < r.size / 4, `${times.parsed} of ${r.size}`);
    const before = times.parsed;
    const regs = extractFile(tree, 'regs.h', times);
    assert.match(regs.problem ?? '', /generated header/);
    assert.equal(times.parsed, before);
    assert.equal(times.files, 2);
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
});
