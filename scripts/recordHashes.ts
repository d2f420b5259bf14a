// Fingerprints of the records a tree's files extract to, one per file: every file the index walks is extracted the way
// the parse workers do (extractFile) and its record hashed with string ids resolved to their strings (the string
// table's order is no part of a record's meaning; the identifier set is hashed sorted). A change meant to speed the
// extraction up must leave every fingerprint as it was: write them before, check them after.
// With --shared, files intern their names in one table per 64 files, as the parse workers do.
// Run: node --import tsx scripts/recordHashes.ts <tree> --write <file> | --check <file> [--under dir]... [--shared]

import * as fs from 'node:fs';
import { emptyPhaseTimes, PHASES } from '../server/src/engine/index/extractProfile';
import { extractFile } from '../server/src/engine/index/fileExtract';
import type { FileRecord } from '../server/src/engine/index/fileRecord';
import { sharedStrings } from '../server/src/engine/index/recordBuilder';
import { walkTree } from '../server/src/engine/index/walker';
import { recordTuples } from '../test/index/recordTuples';
import { fingerprint, writeOrCheck } from './fingerprints';

/** A record's meaning: its file facts, its records as readable tuples (string ids resolved), its identifier set and
 *  its define table (name hashes, no ids). */
function resolved(r: FileRecord, table?: string[]): unknown {
  const s = r.strings ?? table ?? [];
  const facts = { file: r.file, size: r.size, mtimeMs: r.mtimeMs, ctimeMs: r.ctimeMs ?? null, ino: r.ino ?? null, hash: r.hash ?? null, problem: r.problem ?? null };
  return { facts, records: recordTuples(s === r.strings ? r : { ...r, strings: s }), idents: Array.from(r.idents), defines: Array.from(r.defines) };
}

const args = process.argv.slice(2);
const root = args[0];
const modeAt = args.findIndex((a) => a === '--write' || a === '--check');
const mode = modeAt >= 0 ? args[modeAt] : undefined;
const file = modeAt >= 0 ? args[modeAt + 1] : undefined;
const under: string[] = [];
for (let i = 1; i < args.length; i++) if (args[i] === '--under') under.push(args[++i].replace(/\/$/, '') + '/');
if (!root || !fs.existsSync(root) || !mode || !file) {
  console.error('usage: recordHashes.ts <tree> --write <file> | --check <file> [--under dir]...');
  process.exit(2);
}

const times = emptyPhaseTimes();
const now: Record<string, string> = {};
const t0 = performance.now();
const shareTables = args.includes('--shared');
let shared = sharedStrings();
let inBatch = 0;
for (const e of walkTree(root).files) {
  if (under.length && !under.some((u) => e.rel.startsWith(u))) continue;
  if (shareTables && ++inBatch > 64) {
    shared = sharedStrings();
    inBatch = 1;
  }
  const r = extractFile(root, e.rel, times, undefined, shareTables ? shared : undefined);
  now[e.rel] = fingerprint(resolved(r, shareTables ? shared.strings : undefined));
}
const phases = PHASES.filter((p) => times.ms[p] > 0).map((p) => `${p} ${Math.round(times.ms[p])}`).join(', ');
console.log(`${Object.keys(now).length} files extracted in ${Math.round(performance.now() - t0)} ms (${phases})`);
writeOrCheck(mode as '--write' | '--check', file, now, 50, under.length > 0);
