// Cheap indexing for huge (generated) headers: their `#define` names by a line scan, nothing parsed.
import { F_FUNCLIKE, type FileRecord } from './fileRecord';
import { lineStarts } from './lexer';
import { RecordBuilder } from './recordBuilder';

export function extractDefinesOnly(source: string, file: string, size: number, mtimeMs: number, problem: string): FileRecord {
  const b = new RecordBuilder(source, lineStarts(source));
  const re = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\()?/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(source))) {
    const at = m.index + m[0].indexOf(m[1], m[0].indexOf('define') + 6);
    b.sym(m[1], 'macro', at, at, at + m[1].length, m[2] ? F_FUNCLIKE : 0);
  }
  return {
    file, size, mtimeMs, strings: b.strings, syms: Int32Array.from(b.syms),
    calls: new Int32Array(0), icalls: new Int32Array(0), binds: new Int32Array(0), fieldTypes: new Int32Array(0),
    // The defined names are the file's identifiers for find-references (their uses inside the header are not scanned).
    aliases: new Int32Array(0), idents: Int32Array.from(b.strings.keys()), problem,
  };
}
