// Cheap indexing for huge (generated) headers: their `#define` names by a line scan, nothing parsed.
import { isIdentChar, skipInlineSpaces } from './cScan';
import { DEF, type FileRecord } from './fileRecord';
import { DefineRows, FNV_PRIME, FNV_START } from './defineTable';
import { finishHash } from './lexer';

/** A `#define` line's head: its name (group 1) and a `(` right after it, which makes it function-like (group 2). */
const DEFINE_HEAD = String.raw`[ \t]*#[ \t]*define[ \t]+([A-Za-z_$][\w$]*)(\()?`;
const DEFINE_LINE = new RegExp(DEFINE_HEAD, 'y');

/** The name a `#define` line starting at `lineStart` defines (offset, function-like), or undefined for other lines. */
export function defineOnLine(text: string, lineStart: number): { at: number; funclike: boolean } | undefined {
  DEFINE_LINE.lastIndex = lineStart;
  const m = DEFINE_LINE.exec(text);
  return m ? { at: m.index + m[0].length - m[1].length - (m[2] ? 1 : 0), funclike: m[2] !== undefined } : undefined;
}

/** Characters JavaScript's `\s` matches in one-byte text (a Latin-1 decoded file's no-break space included). */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0xfeff || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/**
 * A text's `#define` names, read line by line, and how many of its non-blank lines are `#define` lines. A line starts
 * the text or follows a newline or a carriage return (where `^` matches in a multiline regular expression); it is
 * non-blank when its first character after spaces and tabs is no white space, and a `#define` line when `#`, spaces or
 * tabs and `define` followed by no word character come first. It names a macro when blanks and a name follow `define`.
 */
function scanDefines(source: string): DefineScan {
  const rows = new DefineRows();
  const n = source.length;
  let lines = 0;
  let defines = 0;
  // Line and column numbers count newlines only.
  let line = 0;
  let lineStart = 0;
  let nextReturn = source.indexOf('\r');
  for (let s = 0; s <= n; ) {
    let e = source.indexOf('\n', s);
    if (e < 0) e = n;
    // Only a text holding a carriage return has its lines split at those too (the next one kept, not searched again).
    if (nextReturn >= 0 && nextReturn < s) nextReturn = source.indexOf('\r', s);
    if (nextReturn >= 0 && nextReturn < e) e = nextReturn;
    // The line's first character after spaces and tabs (its newline, when it has no other).
    const first = skipInlineSpaces(source, s);
    const c = source.charCodeAt(first);
    if (first < n && !isSpace(c)) {
      lines++;
      const d = c === 35 ? skipInlineSpaces(source, first + 1) : -1;
      if (d >= 0 && source.startsWith('define', d) && !isIdentChar(source.charCodeAt(d + 6))) {
        defines++;
        const at = skipInlineSpaces(source, d + 6);
        let h = source.charCodeAt(at);
        if (at > d + 6 && ((h >= 65 && h <= 90) || (h >= 97 && h <= 122) || h === 95 || h === 36)) {
          // The name, hashed as identifierHash and secondHash hash it while it is read.
          let h2 = Math.imul(FNV_START ^ h, FNV_PRIME);
          let end = at + 1;
          let ch: number;
          while (isIdentChar((ch = source.charCodeAt(end))) || ch === 36) {
            h = (Math.imul(h, 31) + ch) | 0;
            h2 = Math.imul(h2 ^ ch, FNV_PRIME);
            end++;
          }
          rows.add(finishHash(h), h2, line, at - lineStart, end - at, source.charCodeAt(end) === 40);
        }
      }
    }
    if (e >= n) break;
    s = e + 1;
    if (source.charCodeAt(e) === 10) {
      line++;
      lineStart = s;
    }
  }
  const table = rows.table();
  // The distinct name hashes, sorted (the table is sorted by them).
  const idents: number[] = [];
  for (let o = 0; o < table.length; o += DEF) if (!idents.length || idents[idents.length - 1] !== table[o]) idents.push(table[o]);
  return { table, idents: Int32Array.from(idents), lines, defines };
}

interface DefineScan {
  /** The macros by name hash (defineTable.ts). */
  table: Int32Array;
  /** The names' identifier hashes, sorted. */
  idents: Int32Array;
  lines: number;
  defines: number;
}

/** The record of a text's `#define` names alone; `problem` says why nothing else is indexed. */
export function extractDefinesOnly(source: string, file: string, size: number, mtimeMs: number, problem: string): FileRecord {
  return definesRecord(scanDefines(source), file, size, mtimeMs, problem);
}

/**
 * The record of a header's `#define` names alone when at least `minShare` of its non-blank lines are `#define` lines
 * (a generated register header), else undefined (the file is to be parsed). `problem` is given the counts.
 */
export function extractGeneratedHeader(source: string, file: string, size: number, mtimeMs: number, minShare: number, problem: (defines: number, lines: number) => string): FileRecord | undefined {
  const scan = scanDefines(source);
  if (!(scan.lines > 0 && scan.defines / scan.lines >= minShare)) return undefined;
  return definesRecord(scan, file, size, mtimeMs, problem(scan.defines, scan.lines));
}

function definesRecord(scan: DefineScan, file: string, size: number, mtimeMs: number, problem: string): FileRecord {
  const none = new Int32Array(0);
  // The defined names are the file's identifiers for find-references (their uses inside the header are not scanned).
  // They are no strings of the record: the macros are found by their names' hashes (defineTable.ts).
  return { file, size, mtimeMs, strings: [], syms: none, calls: none, icalls: none, binds: none, fieldTypes: none, aliases: none, idents: scan.idents, defines: scan.table, problem };
}
