// Fingerprints of the records a tree's files extract to, one per file: every file the index walks is extracted the way
// the parse workers do (extractFile) and its record hashed with string ids resolved to their strings (the string
// table's order is no part of a record's meaning; the identifier set is hashed sorted). A change meant to speed the
// extraction up must leave every fingerprint as it was: write them before, check them after.
// Run: node --import tsx scripts/recordHashes.ts <tree> --write <file> | --check <file> [--under dir]...

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { emptyPhaseTimes, PHASES } from '../server/src/engine/index/extractProfile';
import { extractFile } from '../server/src/engine/index/fileExtract';
import { ALIAS, BIND, CALL, FIELDT, type FileRecord, ICALL, SYM } from '../server/src/engine/index/fileRecord';
import { walkTree } from '../server/src/engine/index/walker';

/** The slots of each packed array that hold string ids (the layout mapRecordIds re-maps). */
const STRING_SLOTS: [keyof FileRecord, number, number[]][] = [
  ['syms', SYM, [0, 8]],
  ['calls', CALL, [0, 1]],
  ['icalls', ICALL, [0, 1, 4, 5]],
  ['binds', BIND, [0, 1, 2, 3, 7]],
  ['fieldTypes', FIELDT, [0, 1, 2]],
  ['aliases', ALIAS, [0, 1]],
];

/** A record's fields with every string id replaced by its string (-1 stays null), in record order. */
function resolved(r: FileRecord): unknown {
  const s = r.strings ?? [];
  const str = (id: number) => (id < 0 ? null : s[id]);
  const out: Record<string, unknown> = {
    file: r.file, size: r.size, mtimeMs: r.mtimeMs, ctimeMs: r.ctimeMs ?? null, ino: r.ino ?? null, hash: r.hash ?? null, problem: r.problem ?? null,
  };
  for (const [field, stride, slots] of STRING_SLOTS) {
    const a = r[field] as Int32Array;
    const rows: unknown[][] = [];
    for (let i = 0; i < a.length; i += stride) {
      const row: unknown[] = [];
      for (let k = 0; k < stride; k++) row.push(slots.includes(k) ? str(a[i + k]) : a[i + k]);
      rows.push(row);
    }
    out[field] = rows;
  }
  out.idents = Array.from(r.idents, (id) => s[id]).sort();
  return out;
}

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
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
for (const e of walkTree(root).files) {
  if (under.length && !under.some((u) => e.rel.startsWith(u))) continue;
  now[e.rel] = hash(resolved(extractFile(root, e.rel, times)));
}
const phases = PHASES.filter((p) => times.ms[p] > 0).map((p) => `${p} ${Math.round(times.ms[p])}`).join(', ');
console.log(`${Object.keys(now).length} files extracted in ${Math.round(performance.now() - t0)} ms (${phases})`);
if (mode === '--write') {
  fs.writeFileSync(file, `${JSON.stringify(now, null, 1)}\n`);
  console.log(`${Object.keys(now).length} fingerprints written to ${file}`);
} else {
  const before = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])];
  const differ = keys.filter((k) => before[k] !== now[k]);
  for (const k of differ.slice(0, 50)) console.log(`differs: ${k} (${before[k] ?? 'absent'} → ${now[k] ?? 'absent'})`);
  console.log(`${keys.length - differ.length} of ${keys.length} fingerprints unchanged`);
  process.exit(differ.length ? 1 : 0);
}
