// Extracts every file of a tree twice — tree-sitter over whole functions, and with the bodies scanned by the lexer
// (bodyScan.ts) — and reports per kind of record how many are identical, only in the full parse, only in the new one,
// with examples. Usage: node --import tsx scripts/bodyScanEquivalence.ts <tree> [--under dir]... [--examples n] [--hidden-only] [--windowed-only]
// (--hidden-only: the files where the lexer left `#else` branches out of its tokens, or read an `extern "C" {` block;
// --windowed-only: the files with an unterminated file-scope macro call, bodyScan.recoveryWindows)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { skipBodies } from '../server/src/engine/index/bodyScan';
import { tokenize } from '../server/src/engine/index/cTokens';
import { extractSource } from '../server/src/engine/index/extract';
import { HUGE_FILE_BYTES, readByDefineScan } from '../server/src/engine/index/fileExtract';
import { preprocess } from '../server/src/engine/index/preprocess';
import { walkTree } from '../server/src/engine/index/walker';
import { RECORD_KINDS, type RecordKind, onlyIn, recordTuples } from '../test/index/recordTuples';

const args = process.argv.slice(2);
const root = args[0];
if (!root || !fs.existsSync(root)) {
  process.stderr.write('usage: bodyScanEquivalence.ts <tree> [--under dir]... [--examples n] [--hidden-only] [--windowed-only]\n');
  process.exit(2);
}
const under: string[] = [];
let examples = 6;
let hiddenOnly = false;
let windowedOnly = false;
for (let i = 1; i < args.length; i++) {
  if (args[i] === '--under') under.push(args[++i].replace(/\/$/, '') + '/');
  else if (args[i] === '--examples') examples = Number(args[++i]);
  else if (args[i] === '--hidden-only') hiddenOnly = true;
  else if (args[i] === '--windowed-only') windowedOnly = true;
}

interface Tally {
  same: number;
  onlyOld: number;
  onlyNew: number;
  oldEx: string[];
  newEx: string[];
}
const tally = Object.fromEntries(RECORD_KINDS.map((k) => [k, { same: 0, onlyOld: 0, onlyNew: 0, oldEx: [], newEx: [] } as Tally])) as Record<RecordKind, Tally>;
/** Calls found on both sides at the same place whose enclosing function differs (the full parse lost it to an ERROR). */
const callerOnly = { calls: 0, icalls: 0 };
const symbolKinds = new Map<string, { same: number; onlyOld: number; onlyNew: number }>();
let files = 0;
let fellBack = 0;
let bodies = 0;
let kept = 0;
const fallbackFiles: string[] = [];
let oldMs = 0;
let newMs = 0;

const { files: entries } = walkTree(root);
for (const e of entries) {
  if (under.length && !under.some((u) => e.rel.startsWith(u))) continue;
  if (!/\.(c|h)$/.test(e.rel) || e.size > HUGE_FILE_BYTES) continue;
  const buf = fs.readFileSync(path.join(root, e.rel));
  if (buf.subarray(0, 8192).includes(0)) continue;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    text = buf.toString('latin1');
  }
  if (readByDefineScan(text, e.size)) continue;
  const pre = preprocess(text).text;
  if (hiddenOnly && !tokenize(pre).hidden.length && !/\bextern\s*"C"\s*\{/.test(pre)) continue;
  if (windowedOnly && !skipBodies(pre).windows) continue;
  files++;
  const skip = skipBodies(pre);
  if (skip.unsure) {
    fellBack++;
    if (fallbackFiles.length < examples) fallbackFiles.push(`${e.rel} (${skip.unsure})`);
  } else {
    bodies += skip.blanked.length;
    kept += skip.kept;
  }
  let t0 = performance.now();
  const oldRec = extractSource(text, e.rel, e.size, 0, { fullParse: true }).record;
  oldMs += performance.now() - t0;
  t0 = performance.now();
  const newRec = extractSource(text, e.rel, e.size, 0).record;
  newMs += performance.now() - t0;
  const o = recordTuples(oldRec);
  const n = recordTuples(newRec);
  for (const k of RECORD_KINDS) {
    const lost = onlyIn(o[k], n[k]);
    const gained = onlyIn(n[k], o[k]);
    const t = tally[k];
    t.same += o[k].length - lost.length;
    t.onlyOld += lost.length;
    t.onlyNew += gained.length;
    for (const x of lost) if (t.oldEx.length < examples) t.oldEx.push(`${e.rel}: ${x}`);
    for (const x of gained) if (t.newEx.length < examples) t.newEx.push(`${e.rel}: ${x}`);
    if (k === 'calls' || k === 'icalls') {
      const noCaller = (x: string) => x.replace(/ in \S+ @/, ' @');
      callerOnly[k] += lost.length - onlyIn(lost.map(noCaller), gained.map(noCaller)).length;
    }
    if (k === 'symbols') {
      const by = (xs: string[], f: (s: { same: number; onlyOld: number; onlyNew: number }) => void) => {
        for (const x of xs) {
          const kind = x.slice(0, x.indexOf(' '));
          let s = symbolKinds.get(kind);
          if (!s) symbolKinds.set(kind, (s = { same: 0, onlyOld: 0, onlyNew: 0 }));
          f(s);
        }
      };
      by(onlyIn(o[k], lost), (s) => s.same++);
      by(lost, (s) => s.onlyOld++);
      by(gained, (s) => s.onlyNew++);
    }
  }
}

const pct = (t: { same: number; onlyOld: number; onlyNew: number }) => {
  const all = t.same + Math.max(t.onlyOld, t.onlyNew);
  return all ? ((100 * t.same) / all).toFixed(3) : '100.000';
};
process.stdout.write(`${root}${under.length ? ` (${under.join(' ')})` : ''}: ${files} files, ${fellBack} parsed whole (lexer unsure), ${bodies} bodies scanned, ${kept} bodies left to tree-sitter\n`);
process.stdout.write(`extraction time: full parse ${(oldMs / 1000).toFixed(1)} s, bodies scanned ${(newMs / 1000).toFixed(1)} s\n`);
for (const k of RECORD_KINDS) {
  const t = tally[k];
  process.stdout.write(`${k.padEnd(10)} identical ${t.same}  only-old ${t.onlyOld}  only-new ${t.onlyNew}  (${pct(t)}% identical)\n`);
  if (k === 'calls' || k === 'icalls') process.stdout.write(`  of which the same site with another enclosing function: ${callerOnly[k]}\n`);
  if (k === 'symbols') for (const [kind, s] of symbolKinds) process.stdout.write(`  ${kind.padEnd(11)} identical ${s.same}  only-old ${s.onlyOld}  only-new ${s.onlyNew}\n`);
  for (const x of t.oldEx) process.stdout.write(`    only-old ${x}\n`);
  for (const x of t.newEx) process.stdout.write(`    only-new ${x}\n`);
}
if (fallbackFiles.length) process.stdout.write(`parsed whole, e.g.: ${fallbackFiles.join(', ')}\n`);
