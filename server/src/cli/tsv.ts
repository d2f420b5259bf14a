// Tab-separated output fields: a tab, newline or carriage return inside a file or symbol name would split a row, so
// they are written as the escapes \t, \n, \r (and a backslash as \\), the usual TSV convention.
export function tsvField(s: string): string {
  return /[\t\n\r\\]/.test(s) ? s.replace(/[\t\n\r\\]/g, (c) => (c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\\\')) : s;
}
