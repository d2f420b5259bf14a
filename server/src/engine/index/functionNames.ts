// Function names: what the declarator names, what a generator macro names (`DISAS_INSN(undef)`), and functions
// tree-sitter could not see inside ERROR regions (a line-anchored header scan).
import { F_GENERATED, F_RECOVERED, F_STATIC } from './fileRecord';
import { identEnd, isIdentStart, skipSpaces } from './cScan';
import { scanHeader } from './functionHeader';
import { C_KEYWORDS } from './lexer';
import { type Fn, type Range, type RecordBuilder, containing, wordAt } from './recordBuilder';

export const NOT_FUNCTION_NAMES = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'do', 'else', 'case', 'typeof', '__typeof__', 'defined']);

/** Names each function definition (sorted by start) and records it; returns the named ones. */
export function nameFunctions(b: RecordBuilder, text: string, fns: Fn[], fdNames: number[], generated: { at: number; original: number; macro: string }[]): Fn[] {
  // Functions: name = first function_declarator identifier inside the declarator.
  fns.sort((x, y) => x.start - y.start);
  fdNames.sort((x, y) => x - y);
  const genAt = new Map(generated.map((g) => [g.at, g]));
  const fnNames: Fn[] = [];
  for (const f of fns) {
    let lo = 0;
    let hi = fdNames.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (fdNames[mid] < f.declStart) lo = mid + 1;
      else hi = mid;
    }
    let nameAt = -1;
    for (let i = lo; i < fdNames.length && fdNames[i] < f.bodyStart && nameAt < 0; i++) nameAt = identBefore(text, fdNames[i]);
    let generator: string | undefined;
    if (nameAt < 0 && f.typeAt >= 0 && text.charCodeAt(f.declStart) === 40) {
      // `T(x) {` with no function declarator: a generator macro (`DISAS_INSN(undef)`: the function is named after x,
      // the macro recorded) or a function whose return type hid behind an unknown macro (`void VISIBLE16\nwait_irq(void)`).
      const t = wordAt(text, f.typeAt);
      const inner = /^\(\s*([A-Za-z_]\w*)?\s*\)/.exec(text.slice(f.declStart, f.bodyStart));
      if (t && inner) {
        if (/^[A-Z][A-Z0-9_]*$/.test(t) && inner[1] && inner[1] !== 'void') {
          generator = t;
          nameAt = f.declStart + inner[0].indexOf(inner[1]);
        } else nameAt = f.typeAt;
      }
    }
    if (nameAt < 0) nameAt = fallbackName(text, f.declStart, f.bodyStart);
    if (nameAt < 0) continue;
    const name = wordAt(text, nameAt);
    if (!name || NOT_FUNCTION_NAMES.has(name)) continue;
    f.name = b.id(name);
    f.nameAt = nameAt;
    const gen = genAt.get(nameAt) ?? (generator ? { at: nameAt, original: nameAt, macro: generator } : undefined);
    let flags = /\bstatic\b/.test(text.slice(f.start, nameAt)) ? F_STATIC : 0;
    let aux = -1;
    let shownAt = nameAt;
    if (gen) {
      flags |= F_GENERATED;
      aux = b.id(gen.macro);
      shownAt = gen.original;
    }
    b.sym(name, 'function', shownAt, f.start, f.end, flags, aux);
    fnNames.push(f);
  }
  return fnNames;
}

/** The identifier ending right before `at` (whitespace allowed in between), or -1. */
function identBefore(text: string, at: number): number {
  let i = at - 1;
  while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13)) i--;
  const end = i + 1;
  while (i >= 0 && /[A-Za-z0-9_]/.test(text[i])) i--;
  const start = i + 1;
  if (start >= end || !/[A-Za-z_]/.test(text[start])) return -1;
  return NOT_FUNCTION_NAMES.has(text.slice(start, end)) ? -1 : start;
}

/** For a declarator tree-sitter could not resolve: the first identifier (not a keyword) followed by `(` before the body. */
function fallbackName(text: string, from: number, to: number): number {
  for (let i = from; i < to; ) {
    const c = text.charCodeAt(i);
    if (!isIdentStart(c)) {
      i++;
      continue;
    }
    const end = identEnd(text, i);
    if (text.charCodeAt(skipSpaces(text, end)) === 40 && !NOT_FUNCTION_NAMES.has(text.slice(i, end))) return i;
    i = end;
  }
  return -1;
}

/** Functions inside ERROR regions, found by a line-anchored header scan (see functionHeader.ts). */
export function recoverFunctions(b: RecordBuilder, text: string, errors: Range[], known: Fn[]): Fn[] {
  const found: Fn[] = [];
  const have = new Set(known.map((f) => f.nameAt));
  const braces = new BracePairs(text);
  // Line starts below `failedTo` were read as type words by a header scan that failed: they fail the same way.
  let failedTo = 0;
  for (const r of errors) {
    let line = r.start;
    if (line > 0 && text.charCodeAt(line - 1) !== 10) line = text.indexOf('\n', line) + 1 || text.length;
    for (; line < r.end && line < text.length; line = text.indexOf('\n', line) + 1 || text.length) {
      if (line < failedTo) continue;
      const h = scanHeader(text, line);
      if (!h.header) {
        failedTo = Math.max(failedTo, h.wordsTo);
        continue;
      }
      const { nameAt, bodyStart } = h.header;
      const name = wordAt(text, nameAt);
      if (have.has(nameAt) || NOT_FUNCTION_NAMES.has(name) || C_KEYWORDS.has(name)) continue;
      if (containing(known, nameAt)) continue;
      const first = wordAt(text, line);
      if (NOT_FUNCTION_NAMES.has(first) || first === 'else' || first === 'return' || first === 'typedef') continue;
      const end = braces.closeAfter(bodyStart);
      b.sym(name, 'function', nameAt, line, end, F_RECOVERED | (/\bstatic\b/.test(text.slice(line, nameAt)) ? F_STATIC : 0));
      found.push({ start: line, end, typeAt: -1, declStart: nameAt, bodyStart, name: b.id(name), nameAt });
      have.add(nameAt);
      // Go on at the first line starting at or after the body's end.
      line = end - 1;
    }
  }
  return found;
}

/** Each `{` paired with the offset just past its `}` (the text's end when unclosed), computed once for the text. */
class BracePairs {
  private pairs?: Map<number, number>;
  constructor(private readonly text: string) {}
  closeAfter(open: number): number {
    if (!this.pairs) {
      this.pairs = new Map();
      const stack: number[] = [];
      for (let i = 0; i < this.text.length; i++) {
        const c = this.text.charCodeAt(i);
        if (c === 123) stack.push(i);
        else if (c === 125 && stack.length) this.pairs.set(stack.pop()!, i + 1);
      }
    }
    return this.pairs.get(open) ?? this.text.length;
  }
}

