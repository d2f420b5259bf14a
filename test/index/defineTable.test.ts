// A generated header's macros are kept by name hash (defineTable.ts), not as interned names: definitions, a file's
// symbols, call-graph ends and the cache give what the symbol rows gave, and none of the header's names is a string of
// the tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { allDefines, defineKey, definesNamed } from '../../server/src/engine/index/defineTable';
import { extractDefinesOnly } from '../../server/src/engine/index/definesOnly';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';

function tree(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-defines-'));
  fs.mkdirSync(path.join(root, 'gpu'));
  // Over 256 KB and nearly all #define lines: indexed by the line scan.
  const lines = ['/* generated */'];
  for (let i = 0; i < 9000; i++) lines.push(`#define regBLOCK${i}_CNTL 0x${(i * 4).toString(16)}`);
  lines.push('#define REG_FIELD(reg, f) ((reg) >> (f))', '  #  define  SHARED_NAME 1', '#define regBLOCK7_CNTL 0x99');
  fs.writeFileSync(path.join(root, 'gpu', 'asic_regs.h'), `${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(root, 'gpu', 'other_regs.h'), `${lines.slice(0, 9001).join('\n').replace(/regBLOCK/g, 'regOTHER')}\n#define SHARED_NAME 2\n`);
  fs.writeFileSync(path.join(root, 'shared.h'), '#define SHARED_NAME 3\n');
  fs.writeFileSync(path.join(root, 'use.c'), '#include "gpu/asic_regs.h"\nint read_block(int v)\n{\n\treturn REG_FIELD(v, regBLOCK12_CNTL);\n}\n');
  return root;
}

const where = (d: { file: string; nameSpan: { line: number; col: number } }) => `${d.file}:${d.nameSpan.line}:${d.nameSpan.col}`;

void test('macros of generated headers are found by name, listed per file, and never interned', async () => {
  const root = tree();
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-defines-cache-'));
  try {
    const cold = await WorkspaceIndex.build({ roots: [root], cacheDir, workers: 1 });
    const [stats] = cold.stats();
    assert.match(stats.skipped.find((s) => s.file === 'gpu/asic_regs.h')?.reason ?? '', /generated header/);

    const check = (index: WorkspaceIndex) => {
      // Both definitions of a name in one header, in text order; a function-like one says so.
      assert.deepEqual(index.definitions('regBLOCK7_CNTL').map(where), ['gpu/asic_regs.h:8:8', 'gpu/asic_regs.h:9003:8']);
      const fn = index.definitions('REG_FIELD');
      assert.deepEqual(fn.map((d) => [where(d), d.kind, d.isFunctionLike, d.span.endCol]), [['gpu/asic_regs.h:9001:8', 'macro', true, 17]]);
      // A name defined in a parsed header and in two generated ones: all three, the parsed header's first as before
      // (same kind, ordered by file).
      assert.deepEqual(index.definitions('SHARED_NAME').map(where), ['gpu/asic_regs.h:9002:13', 'gpu/other_regs.h:9001:8', 'shared.h:0:8']);
      assert.deepEqual(index.definitions('regBLOCK9000_CNTL'), []);
      assert.deepEqual(index.definitions('regOTHER3_CNTL').map(where), ['gpu/other_regs.h:4:8']);
      // The call graph's end of a call to a macro only a generated header defines.
      const out = index.outgoingCalls('read_block');
      const call = out.find((c) => c.name === 'REG_FIELD');
      assert.ok(call, JSON.stringify(out));
      assert.equal(call.file && path.relative(root, call.file), 'gpu/asic_regs.h');
      // A file's symbols: every macro, in text order, names read back from the text.
      const syms = index.fileSymbols(path.join(root, 'gpu', 'asic_regs.h'));
      assert.equal(syms.length, 9003);
      assert.deepEqual(syms.slice(0, 2).map((d) => `${d.name} ${where(d)}`), ['regBLOCK0_CNTL gpu/asic_regs.h:1:8', 'regBLOCK1_CNTL gpu/asic_regs.h:2:8']);
      assert.deepEqual(syms.slice(-2).map((d) => d.name), ['SHARED_NAME', 'regBLOCK7_CNTL']);
      // References still find the header's lines.
      assert.deepEqual(index.references('regBLOCK12_CNTL').map((r) => `${path.relative(root, r.file)}:${r.line}`).sort(), ['gpu/asic_regs.h:13', 'use.c:3']);
    };
    check(cold);
    // None of the header's names is a string of the tree (the memory the table saves).
    const strings = (cold as unknown as { state: { list: { strings: string[] }[] } }).state.list[0].strings;
    assert.ok(!strings.some((s) => s.startsWith('regBLOCK') || s.startsWith('regOTHER')), 'register names interned');
    assert.ok(strings.includes('REG_FIELD'), 'a called macro is a string of the caller');
    await cold.dispose();

    const warm = await WorkspaceIndex.build({ roots: [root], cacheDir, workers: 1 });
    assert.equal(warm.stats()[0].fromCache, 4);
    check(warm);
    await warm.dispose();

  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

void test('a row whose name no longer reads in the text is left out of the listing, never shown under another name', () => {
  const text = '#define ALPHA 1\n#define BETA(x) x\n#define GAMMA 3\n';
  const r = extractDefinesOnly(text, 'g.h', text.length, 0, 'p');
  assert.deepEqual(allDefines(r, text).map((d) => d.name), ['ALPHA', 'BETA', 'GAMMA']);
  assert.deepEqual(allDefines(r, text.replace('BETA', 'BETX')).map((d) => d.name), ['ALPHA', 'GAMMA']);
  assert.deepEqual(allDefines(r, '#define ALPHA 1\n').map((d) => d.name), ['ALPHA']);
  // Looked up by name: length and both hashes must agree.
  assert.equal(definesNamed(r, defineKey('BETA'))[0]?.isFunctionLike, true);
  assert.deepEqual(definesNamed(r, defineKey('BETAX')), []);
  assert.deepEqual(definesNamed(r, defineKey('')), []);
});
