// A small C lexer for identifiers: skips comments, string and character literals and numbers.
// Used for each file's distinct-identifier set and, on demand, to find the exact positions of a name (find-references),
// so the index never stores every identifier position of a tree the size of Linux.

const TOKEN = /\/\*[\s\S]*?(?:\*\/|$)|\/\/(?:[^\n\\]|\\[\s\S])*|"(?:[^"\\\n]|\\[\s\S])*"?|'(?:[^'\\\n]|\\[\s\S])*'?|[A-Za-z_][A-Za-z0-9_]*|[0-9][A-Za-z0-9_.]*/g;

export const C_KEYWORDS = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern', 'float',
  'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed', 'sizeof', 'static',
  'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'volatile', 'while', 'include', 'define', 'ifdef',
  'ifndef', 'endif', 'elif', 'undef', 'defined', 'pragma', 'bool', 'true', 'false', 'NULL',
]);

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Calls `fn(name, offset)` for every identifier outside comments and literals. */
export function forEachIdentifier(text: string, fn: (name: string, offset: number) => void): void {
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN.exec(text))) {
    if (isIdentStart(m[0].charCodeAt(0))) fn(m[0], m.index);
  }
}

/** The distinct identifiers of a text (keywords left out). */
export function distinctIdentifiers(text: string): Set<string> {
  const out = new Set<string>();
  forEachIdentifier(text, (name) => {
    if (!C_KEYWORDS.has(name)) out.add(name);
  });
  return out;
}

/** Zero-based line starts of a text. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Line index for an offset, by binary search over `lineStarts`. */
export function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Every position of `name` as an identifier in `text` (zero-based line and column). */
export function findIdentifier(text: string, name: string): { line: number; col: number; offset: number }[] {
  const out: { line: number; col: number; offset: number }[] = [];
  if (!text.includes(name)) return out;
  let starts: number[] | undefined;
  forEachIdentifier(text, (id, offset) => {
    if (id !== name) return;
    starts ??= lineStarts(text);
    const line = lineOf(starts, offset);
    out.push({ line, col: offset - starts[line], offset });
  });
  return out;
}

/** The identifier covering `offset`, if any (a cheap local scan, comments not excluded). */
export function identifierAtOffset(text: string, offset: number): { name: string; start: number } | undefined {
  const isId = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57);
  let s = offset;
  while (s > 0 && isId(text.charCodeAt(s - 1))) s--;
  let e = offset;
  while (e < text.length && isId(text.charCodeAt(e))) e++;
  if (e === s || !isIdentStart(text.charCodeAt(s))) return undefined;
  return { name: text.slice(s, e), start: s };
}
