// Compares the records of two checkouts' extraction over one tree: for each file the index walks, the records the other
// checkout's extractSource gives and this one's, and per kind of record what was lost and gained, with examples. A
// change to what tree-sitter is given (bodyScan.ts) is judged by these differences: mangled records found, none lost.
// Run: node --import tsx scripts/extractionDiff.ts <other checkout> <tree> [--under dir]... [--examples n]
// (the other checkout, e.g. `git worktree add ../before HEAD~1`, needs its node_modules: a symbolic link does.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractSource as extractHere } from '../server/src/engine/index/extract';
import { HUGE_FILE_BYTES, readByDefineScan } from '../server/src/engine/index/fileExtract';
import { sourceText } from '../server/src/engine/index/sourceText';
import { walkTree } from '../server/src/engine/index/walker';
import { RECORD_KINDS, type RecordKind, onlyIn, recordTuples } from '../test/index/recordTuples';

const args = process.argv.slice(2);
const [other, root] = args;
const otherExtract = other && path.join(path.resolve(other), 'server/src/engine/index/extract.ts');
if (!root || !fs.existsSync(root) || !otherExtract || !fs.existsSync(otherExtract)) {
  process.stderr.write('usage: extractionDiff.ts <other checkout> <tree> [--under dir]... [--examples n]\n');
  process.exit(2);
}
const under: string[] = [];
let examples = 10;
for (let i = 2; i < args.length; i++) {
  if (args[i] === '--under') under.push(args[++i].replace(/\/$/, '') + '/');
  else if (args[i] === '--examples') examples = Number(args[++i]);
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const extractThere = (require(otherExtract) as { extractSource: typeof extractHere }).extractSource;

const tally = Object.fromEntries(RECORD_KINDS.map((k) => [k, { total: 0, lost: 0, gained: 0, ex: [] as string[] }])) as Record<RecordKind, { total: number; lost: number; gained: number; ex: string[] }>;
let files = 0;
const changed: string[] = [];
for (const e of walkTree(root).files) {
  if (under.length && !under.some((u) => e.rel.startsWith(u))) continue;
  if (!/\.(c|h|inc)$/.test(e.rel) || e.size > HUGE_FILE_BYTES) continue;
  const buf = fs.readFileSync(path.join(root, e.rel));
  if (buf.subarray(0, 8192).includes(0)) continue;
  const text = sourceText(buf);
  // Large generated headers are read by the `#define` scan, not extracted: no parse to compare.
  if (readByDefineScan(text, e.size)) continue;
  files++;
  const before = recordTuples(extractThere(text, e.rel, e.size, 0).record);
  const after = recordTuples(extractHere(text, e.rel, e.size, 0).record);
  let differs = false;
  for (const k of RECORD_KINDS) {
    const lost = onlyIn(before[k], after[k]);
    const gained = onlyIn(after[k], before[k]);
    const t = tally[k];
    t.total += before[k].length;
    t.lost += lost.length;
    t.gained += gained.length;
    if (lost.length || gained.length) differs = true;
    for (const x of lost) if (t.ex.length < examples) t.ex.push(`  - ${e.rel}: ${x}`);
    for (const x of gained) if (t.ex.length < examples) t.ex.push(`  + ${e.rel}: ${x}`);
  }
  if (differs) changed.push(e.rel);
}
process.stdout.write(`${root}: ${files} files extracted, ${changed.length} with other records\n`);
for (const k of RECORD_KINDS) {
  const t = tally[k];
  process.stdout.write(`${k.padEnd(10)} before ${t.total}  lost ${t.lost}  gained ${t.gained}\n`);
  for (const x of t.ex) process.stdout.write(`${x}\n`);
}
if (changed.length) process.stdout.write(`files with other records: ${changed.slice(0, 40).join(', ')}${changed.length > 40 ? ', …' : ''}\n`);
