// A small C lexer for identifiers: skips comments, string and character literals and numbers.
// Used for each file's identifier set (the names' hashes) and, on demand, to find the exact positions of a name (find-references),
// so the index never stores every identifier position of a tree the size of Linux.
import { isIdentChar, isIdentStart } from './cScan';


export const C_KEYWORDS = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern', 'float',
  'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed', 'sizeof', 'static',
  'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'volatile', 'while', 'include', 'define', 'ifdef',
  'ifndef', 'endif', 'elif', 'undef', 'defined', 'pragma', 'bool', 'true', 'false', 'NULL',
]);


/** End of the quoted literal whose opening quote is at `i - 1`: past its closing quote, or at the newline or the text's
 *  end when unterminated; a backslash escapes any next character (a newline too). */
function quotedEnd(text: string, i: number, quote: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === quote) return i + 1;
    if (c === 10) return i;
    if (c === 92) {
      if (i + 1 >= n) return i;
      i += 2;
    } else i++;
  }
  return n;
}

/**
 * Start of the first identifier at or after `i` that lies outside comments, string and character literals and numbers
 * (`0x1f`, `1e5`, `3.fUL`), or -1. Comments and literals end as a compiler ends them: a block comment at `*\/` (or the
 * text's end), a line comment at a newline no backslash escapes, a literal at its quote or its line's end.
 */
export function nextIdentifier(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isIdentStart(c)) return i;
    if (c >= 48 && c <= 57) {
      i++;
      let d: number;
      while (i < n && (isIdentChar((d = text.charCodeAt(i))) || d === 46)) i++;
    } else if (c === 47) {
      const d = text.charCodeAt(i + 1);
      if (d === 42) {
        const e = text.indexOf('*/', i + 2);
        i = e < 0 ? n : e + 2;
      } else if (d === 47) i = lineCommentEnd(text, i + 2);
      else i++;
    } else if (c === 34 || c === 39) i = quotedEnd(text, i + 1, c);
    else i++;
  }
  return -1;
}

/**
 * End of a line comment whose text starts at `from`: its first newline that no backslash escapes (a backslash escapes
 * the character after it, another backslash too, so an odd run of them before a newline continues the comment).
 */
function lineCommentEnd(text: string, from: number): number {
  for (let nl = text.indexOf('\n', from); nl >= 0; nl = text.indexOf('\n', nl + 1)) {
    let k = nl - 1;
    while (k >= from && text.charCodeAt(k) === 92) k--;
    if ((nl - 1 - k) % 2 === 0) return nl;
  }
  return text.length;
}

/** End of the identifier starting at `i`. */
function identifierEnd(text: string, i: number): number {
  const n = text.length;
  i++;
  while (i < n && isIdentChar(text.charCodeAt(i))) i++;
  return i;
}

/** Calls `fn(name, offset)` for every identifier outside comments and literals. */
export function forEachIdentifier(text: string, fn: (name: string, offset: number) => void): void {
  for (let i = nextIdentifier(text, 0); i >= 0; ) {
    const e = identifierEnd(text, i);
    fn(text.slice(i, e), i);
    i = nextIdentifier(text, e);
  }
}

/**
 * The hashes `identifierHash` gives the identifiers of a text (keywords left out), each once, sorted: a file's
 * identifier set as references look files up by (a name's hash, then its occurrences found in the text). No name is
 * cut out of the text, and none crosses to the main thread or into the cache.
 */
export function identifierHashes(text: string): Int32Array {
  // Told apart by hash alone: two names of one hash are one entry of the set either way. A keyword's hash is left out
  // for the keyword only (compared in place), not for a name that happens to share it.
  let mask = 1023;
  let slots: Int32Array = new Int32Array(mask + 1);
  let hashes: Int32Array = new Int32Array(256);
  // Per hash: 1 while only its keyword was met (its hash not yet given out).
  let keywordOnly: Uint8Array = new Uint8Array(256);
  let count = 0;
  // Hashes given out for a keyword only (left out of the set).
  let keywordsOnly = 0;
  const n = text.length;
  for (let i = nextIdentifier(text, 0); i >= 0; ) {
    let h = text.charCodeAt(i);
    let e = i + 1;
    let c: number;
    while (e < n && isIdentChar((c = text.charCodeAt(e)))) {
      h = (Math.imul(h, 31) + c) | 0;
      e++;
    }
    h = finishHash(h);
    let slot = h & mask;
    for (;;) {
      const k = slots[slot];
      if (k === 0) {
        const id = count++;
        if (id === hashes.length) {
          hashes = grownInt32(hashes, 2 * id);
          const kw = new Uint8Array(2 * id);
          kw.set(keywordOnly);
          keywordOnly = kw;
        }
        hashes[id] = h;
        slots[slot] = id + 1;
        if (isKeywordAt(text, i, e, h)) {
          keywordOnly[id] = 1;
          keywordsOnly++;
        }
        if (2 * count > mask) {
          mask = 2 * mask + 1;
          slots = rehashed(hashes, count, mask);
        }
        break;
      }
      if (hashes[k - 1] === h) {
        if (keywordOnly[k - 1] === 1 && !isKeywordAt(text, i, e, h)) {
          keywordOnly[k - 1] = 0;
          keywordsOnly--;
        }
        break;
      }
      slot = (slot + 1) & mask;
    }
    i = nextIdentifier(text, e);
  }
  const out = new Int32Array(count - keywordsOnly);
  for (let id = 0, j = 0; id < count; id++) if (keywordOnly[id] === 0) out[j++] = hashes[id];
  return out.sort();
}

/** True when the sorted hash set `set` (identifierHashes' result, a define table's names) holds `h`. */
export function inSortedHashes(set: Int32Array, h: number): boolean {
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (set[mid] === h) return true;
    if (set[mid] < h) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** True when text[i, e) is the C keyword whose identifierHash is `h`. */
function isKeywordAt(text: string, i: number, e: number, h: number): boolean {
  const kw = KEYWORD_BY_HASH.get(h);
  return kw !== undefined && kw.length === e - i && text.startsWith(kw, i);
}

/** The hash of a name as identifierHashes files it. */
export function identifierHash(name: string): number {
  let h = name.charCodeAt(0);
  for (let k = 1; k < name.length; k++) h = (Math.imul(h, 31) + name.charCodeAt(k)) | 0;
  return finishHash(h);
}

/** The last mixing step of identifierHash, for a scan that hashes a name while it reads it. */
export function finishHash(h: number): number {
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

const KEYWORD_BY_HASH = new Map([...C_KEYWORDS].map((k) => [identifierHash(k), k]));

function grownInt32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

/** A slot table of `mask + 1` slots holding the first `count` names by their hashes. */
function rehashed(hashes: Int32Array, count: number, mask: number): Int32Array {
  const slots = new Int32Array(mask + 1);
  for (let id = 0; id < count; id++) {
    let slot = hashes[id] & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = id + 1;
  }
  return slots;
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
