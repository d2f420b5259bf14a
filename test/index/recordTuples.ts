// A file record decoded into readable tuples, one list per kind of record, so that two extractions of the same text
// (full parse, bodies scanned by the lexer) can be compared as multisets and their differences shown.
import { ALIAS, BIND, CALL, FIELDT, type FileRecord, ICALL, KINDS, SYM } from '../../server/src/engine/index/fileRecord';

export type RecordKind = 'symbols' | 'calls' | 'icalls' | 'binds' | 'fieldTypes' | 'aliases';
export const RECORD_KINDS: RecordKind[] = ['symbols', 'calls', 'icalls', 'binds', 'fieldTypes', 'aliases'];

export function recordTuples(r: FileRecord): Record<RecordKind, string[]> {
  const s = r.strings ?? [];
  const str = (id: number) => (id < 0 ? '-' : s[id]);
  const out: Record<RecordKind, string[]> = { symbols: [], calls: [], icalls: [], binds: [], fieldTypes: [], aliases: [] };
  const a = r.syms;
  for (let i = 0; i < a.length; i += SYM) {
    const kind = KINDS[a[i + 1] & 0xff];
    const flags = a[i + 1] >> 8;
    out.symbols.push(`${kind} ${str(a[i])} @${a[i + 2] + 1}:${a[i + 3]} ${a[i + 4] + 1}:${a[i + 5]}-${a[i + 6] + 1}:${a[i + 7]} flags=${flags} aux=${str(a[i + 8])}`);
  }
  for (let i = 0; i < r.calls.length; i += CALL) out.calls.push(`${str(r.calls[i])} in ${str(r.calls[i + 1])} @${r.calls[i + 2] + 1}:${r.calls[i + 3]}`);
  const ic = r.icalls;
  for (let i = 0; i < ic.length; i += ICALL) out.icalls.push(`${str(ic[i])} in ${str(ic[i + 1])} @${ic[i + 2] + 1}:${ic[i + 3]} recv=${str(ic[i + 4])} base=${str(ic[i + 5])}`);
  const bd = r.binds;
  for (let i = 0; i < bd.length; i += BIND) {
    out.binds.push(`${str(bd[i])}=${str(bd[i + 1])} table=${str(bd[i + 2])}:${str(bd[i + 3])} @${bd[i + 4] + 1}:${bd[i + 5]} flags=${bd[i + 6]} base=${str(bd[i + 7])}`);
  }
  for (let i = 0; i < r.fieldTypes.length; i += FIELDT) out.fieldTypes.push(`${str(r.fieldTypes[i])}.${str(r.fieldTypes[i + 1])}: ${str(r.fieldTypes[i + 2])}`);
  for (let i = 0; i < r.aliases.length; i += ALIAS) out.aliases.push(`${str(r.aliases[i])} = ${str(r.aliases[i + 1])}`);
  return out;
}

/** Multiset difference: what `a` has more of than `b`. */
export function onlyIn(a: string[], b: string[]): string[] {
  const count = new Map<string, number>();
  for (const x of b) count.set(x, (count.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const c = count.get(x) ?? 0;
    if (c > 0) count.set(x, c - 1);
    else out.push(x);
  }
  return out;
}
