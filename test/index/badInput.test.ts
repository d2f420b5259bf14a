// Bad input on disk: a generated header indexed by a #define line scan, a symlink loop, a dangling symlink, excluded
// and non-C files. Each gets one log line and the rest of the tree is indexed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractFile } from '../../server/src/engine/index/fileExtract';
import { namedSymbols } from '../../server/src/engine/index/recordViews';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';

void test('generated headers, symlink loops and dangling links are reported once each; indexing goes on', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-bad-'));
  fs.mkdirSync(path.join(root, 'drivers', 'gpu'), { recursive: true });
  const defines = Array.from({ length: 12000 }, (_, i) => `#define mmREG_${i}_OFFSET 0x${(i * 4).toString(16)} /* a register */`).join('\n');
  fs.writeFileSync(path.join(root, 'drivers', 'gpu', 'regs.h'), `/* generated */\n${defines}\nstatic inline int reg_helper(void) { return 0; }\n`);
  fs.writeFileSync(path.join(root, 'drivers', 'ok.c'), 'int ok_function(void)\n{\n    return mmREG_7_OFFSET;\n}\n');
  fs.symlinkSync('..', path.join(root, 'drivers', 'loop'));
  fs.symlinkSync('missing.c', path.join(root, 'drivers', 'dangling.c'));
  fs.mkdirSync(path.join(root, 'node_modules'));
  fs.writeFileSync(path.join(root, 'node_modules', 'skipped.c'), 'int never_indexed(void) { return 0; }\n');
  fs.writeFileSync(path.join(root, 'drivers', 'notes.txt'), 'int not_c(void);\n');
  const logs: string[] = [];
  const index = await WorkspaceIndex.build({ roots: [root], noCache: true, workers: 1, exclude: ['**/excluded/**'], log: (l, m) => logs.push(`${l} ${m}`) });
  const [stats] = index.stats();
  const reasons = Object.fromEntries(stats.skipped.map((s) => [s.file, s.reason]));
  assert.match(reasons['drivers/gpu/regs.h'], /generated header .*#define/);
  assert.match(reasons['drivers/loop'], /symlink loop/);
  assert.match(reasons['drivers/dangling.c'], /dangling symlink/);
  for (const f of ['regs.h', 'drivers/loop', 'dangling.c']) assert.equal(logs.filter((l) => l.includes(f)).length, 1, `${f}: ${logs.join('\n')}`);
  assert.equal(index.definitions('mmREG_11999_OFFSET')[0]?.kind, 'macro');
  assert.deepEqual(index.references('mmREG_7_OFFSET').map((r) => `${path.basename(r.file)}:${r.line + 1}`).sort(), ['ok.c:3', 'regs.h:9']);
  assert.equal(index.definitions('ok_function')[0]?.kind, 'function');
  assert.deepEqual(index.definitions('never_indexed'), []);
  assert.deepEqual(index.definitions('not_c'), []);
  assert.equal(stats.files, 2);
  await index.dispose();
});

void test('a per-CPU variable declared through a macro yields no nameless symbol', () => {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-percpu-'));
  try {
    fs.writeFileSync(path.join(tree, 'percpu.c'), 'static DEFINE_PER_CPU(int [NR_VIRQS], virq_to_irq) = {[0 ... NR_VIRQS-1] = -1};\nstatic DEFINE_PER_CPU(unsigned int, irq_epoch);\nint after(void)\n{\n\treturn 0;\n}\n');
    const r = extractFile(tree, 'percpu.c');
    const names = namedSymbols(r).map((s) => s.name);
    assert.ok(names.every((n) => n.length > 0), JSON.stringify(names));
    assert.ok(names.includes('after'), 'the function after them is kept');
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
});
