// One C file as the index's parser sees it, for review: its functions with their spans, the calls each makes and the
// ops-table bindings (`.irq_ack = ack_dynirq`) — from extractSource, the same extraction the index runs (attribute
// macros blanked, DEFINE_IDTENTRY-style generated definitions recognised).

import { extractSource } from '../index/extract';
import { BIND, CALL, ICALL, KINDS, SYM } from '../index/fileRecord';

export interface CFunction {
  name: string;
  /** Zero-based line of the name, first and last line of the definition. */
  nameLine: number;
  nameCol: number;
  startLine: number;
  endLine: number;
  endCol: number;
  kind: 'function' | 'macro';
}

export interface CBinding {
  table: string;
  field: string;
  target: string;
  /** Zero-based line. */
  line: number;
}

export interface CFile {
  functions: CFunction[];
  /** Direct calls and indirect calls (by field) per enclosing function. */
  calls: Map<string, Set<string>>;
  bindings: CBinding[];
}

/** A series edits the same file patch after patch: the post-image of one is the pre-image of the next, and the
 *  series' net review reads the first pre- and the last post-image again. Parses are kept for a few texts. */
const PARSE_CACHE_SIZE = 32;
const parsed = new Map<string, CFile>();

/** Parses C text (a pre- or post-image held in memory). `rel` is the path relative to the tree root. */
export function parseC(text: string, rel: string): CFile {
  const key = `${rel}\0${text}`;
  const hit = parsed.get(key);
  if (hit) return hit;
  const file = parseUncached(text, rel);
  parsed.set(key, file);
  if (parsed.size > PARSE_CACHE_SIZE) parsed.delete(parsed.keys().next().value as string);
  return file;
}

function parseUncached(text: string, rel: string): CFile {
  const rec = extractSource(text, rel, text.length, 0).record;
  const s = rec.strings ?? [];
  const functions: CFunction[] = [];
  let lines: string[] | undefined;
  for (let i = 0; i < rec.syms.length; i += SYM) {
    const kind = KINDS[rec.syms[i + 1] & 0xff];
    if (kind !== 'function' && kind !== 'macro') continue;
    const name = s[rec.syms[i]];
    let endLine = rec.syms[i + 6];
    if (kind === 'macro') {
      // A macro's span is its name: its replacement runs over backslash-continued lines.
      lines ??= text.split('\n');
      endLine = rec.syms[i + 2];
      while (endLine + 1 < lines.length && /\\\s*$/.test(lines[endLine])) endLine++;
    }
    functions.push({ name, kind, nameLine: rec.syms[i + 2], nameCol: rec.syms[i + 3], startLine: rec.syms[i + 4], endLine, endCol: rec.syms[i + 7] });
  }
  const calls = new Map<string, Set<string>>();
  const add = (caller: number, callee: number) => {
    if (caller < 0) return;
    const c = s[caller];
    let set = calls.get(c);
    if (!set) calls.set(c, (set = new Set()));
    set.add(s[callee]);
  };
  for (let i = 0; i < rec.calls.length; i += CALL) add(rec.calls[i + 1], rec.calls[i]);
  for (let i = 0; i < rec.icalls.length; i += ICALL) add(rec.icalls[i + 1], rec.icalls[i]);
  const bindings: CBinding[] = [];
  for (let i = 0; i < rec.binds.length; i += BIND) {
    bindings.push({ field: s[rec.binds[i]], target: s[rec.binds[i + 1]], table: s[rec.binds[i + 2]], line: rec.binds[i + 4] });
  }
  return { functions, calls, bindings };
}

/** The innermost function or macro whose lines cover a zero-based line. */
export function functionAt(file: CFile, line: number): CFunction | undefined {
  let best: CFunction | undefined;
  for (const f of file.functions) {
    if (line < f.startLine || line > f.endLine) continue;
    if (!best || f.endLine - f.startLine < best.endLine - best.startLine) best = f;
  }
  return best;
}

/** The text a contract reads, as checkContracts reads it: from the `{` on for a function (header blanked, lines kept),
 *  after the name for a macro. The text's first line is the name's line. */
export function bodyOf(lines: string[], f: CFunction): string {
  const part = lines.slice(f.nameLine, f.endLine + 1);
  if (part.length === 0) return '';
  if (f.kind === 'function') part[part.length - 1] = part[part.length - 1].slice(0, f.endCol);
  part[0] = part[0].slice(f.nameCol + f.name.length);
  let text = part.join('\n');
  if (f.kind === 'function') {
    const brace = text.indexOf('{');
    if (brace >= 0) text = text.slice(0, brace).replace(/[^\n]/g, ' ') + text.slice(brace);
  }
  return text;
}
