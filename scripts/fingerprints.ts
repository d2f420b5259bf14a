// Fingerprint files shared by the scripts that prove a speed-up changed nothing (traceHashes.ts for the simulator,
// recordHashes.ts for the index): a short SHA-256 per named result, written before a change and checked after it.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

/** A value's fingerprint: the first 16 hex digits of the SHA-256 of its JSON. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/**
 * `--write`: saves `now` to `file`. `--check`: compares `now` with the fingerprints saved in `file`, lists the names
 * that differ (at most `listed` of them) and exits 1 when any does; `partial`: only the names `now` holds are compared.
 */
export function writeOrCheck(mode: '--write' | '--check', file: string, now: Record<string, string>, listed = Infinity, partial = false): void {
  if (mode === '--write') {
    fs.writeFileSync(file, `${JSON.stringify(now, null, 1)}\n`);
    console.log(`${Object.keys(now).length} fingerprints written to ${file}`);
    return;
  }
  const before = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  // A partial run (part of a tree) is checked against the saved fingerprints of what it computed.
  const keys = partial ? Object.keys(now) : [...new Set([...Object.keys(before), ...Object.keys(now)])];
  const differ = keys.filter((k) => before[k] !== now[k]);
  for (const k of differ.slice(0, listed)) console.log(`differs: ${k} (${before[k] ?? 'absent'} → ${now[k] ?? 'absent'})`);
  console.log(`${keys.length - differ.length} of ${keys.length} fingerprints unchanged`);
  process.exit(differ.length ? 1 : 0);
}
