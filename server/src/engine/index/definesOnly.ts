// Cheap indexing for huge (generated) headers: their `#define` names by a line scan, nothing parsed.
import { F_FUNCLIKE, type FileRecord } from './fileRecord';
import { identifierHash, lineStarts } from './lexer';
import { RecordBuilder } from './recordBuilder';

/** A `#define` line's head: its name (group 1) and a `(` right after it, which makes it function-like (group 2). */
const DEFINE_HEAD = String.raw`[ \t]*#[ \t]*define[ \t]+([A-Za-z_$][\w$]*)(\()?`;
const DEFINE_LINE = new RegExp(DEFINE_HEAD, 'y');

/** The name a `#define` line starting at `lineStart` defines (offset, function-like), or undefined for other lines. */
export function defineOnLine(text: string, lineStart: number): { at: number; funclike: boolean } | undefined {
  DEFINE_LINE.lastIndex = lineStart;
  const m = DEFINE_LINE.exec(text);
  return m ? { at: m.index + m[0].length - m[1].length - (m[2] ? 1 : 0), funclike: m[2] !== undefined } : undefined;
}

export function extractDefinesOnly(source: string, file: string, size: number, mtimeMs: number, problem: string): FileRecord {
  const b = new RecordBuilder(source, lineStarts(source));
  const re = new RegExp(`^${DEFINE_HEAD}`, 'gm');
  let m: RegExpExecArray | null;
  while ((m = re.exec(source))) {
    const at = m.index + m[0].length - m[1].length - (m[2] ? 1 : 0);
    b.sym(m[1], 'macro', at, at, at + m[1].length, m[2] ? F_FUNCLIKE : 0);
  }
  return {
    file, size, mtimeMs, strings: b.strings, syms: Int32Array.from(b.syms),
    calls: new Int32Array(0), icalls: new Int32Array(0), binds: new Int32Array(0), fieldTypes: new Int32Array(0),
    // The defined names are the file's identifiers for find-references (their uses inside the header are not scanned).
    aliases: new Int32Array(0), idents: Int32Array.from(b.strings, identifierHash).sort(), problem,
  };
}
