// Small linear scans over C text, used where a regular expression would backtrack on hostile input (runs of
// comments, blanks or parentheses). Every function here reads each character a bounded number of times.

/** Character classes of every UTF-16 code unit, as bits: the per-character tests of the scans are one table load each
 *  (a third faster than range comparisons over a tree's text). */
export const C_LETTER = 1; // A-Z a-z _
export const C_DIGIT = 2; // 0-9
export const C_DOLLAR = 4; // $ (an identifier character to GCC)
export const CHAR_CLASS: Uint8Array = (() => {
  const t = new Uint8Array(65536);
  for (let c = 65; c <= 90; c++) t[c] = C_LETTER;
  for (let c = 97; c <= 122; c++) t[c] = C_LETTER;
  t[95] = C_LETTER;
  for (let c = 48; c <= 57; c++) t[c] = C_DIGIT;
  t[36] = C_DOLLAR;
  return t;
})();

export function isIdentStart(c: number): boolean {
  return CHAR_CLASS[c] === C_LETTER;
}

export function isIdentChar(c: number): boolean {
  return (CHAR_CLASS[c] & (C_LETTER | C_DIGIT)) !== 0;
}

/** True for the characters `\s` matches in the ASCII range (space, tab, newline, CR, vertical tab, form feed). */
export function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** End of the identifier starting at `i` (i itself when there is none). */
export function identEnd(text: string, i: number): number {
  if (i >= text.length || !isIdentStart(text.charCodeAt(i))) return i;
  let j = i + 1;
  while (j < text.length && isIdentChar(text.charCodeAt(j))) j++;
  return j;
}

/** Skips whitespace from `i`. */
export function skipSpaces(text: string, i: number): number {
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  return i;
}

/** Skips spaces and tabs (not newlines) from `i`. */
export function skipInlineSpaces(text: string, i: number): number {
  let c: number;
  while (i < text.length && ((c = text.charCodeAt(i)) === 32 || c === 9)) i++;
  return i;
}

/**
 * Skips whitespace, block comments and line comments from `i` and returns the next significant index. An unterminated
 * block comment runs to the end of the text; a line comment needs its newline (at the end of the text it is not
 * skipped, so a caller looking for a following token sees none).
 */
export function skipBlanksAndComments(text: string, i: number): number {
  for (;;) {
    i = skipSpaces(text, i);
    if (text.charCodeAt(i) !== 47) return i;
    const next = text.charCodeAt(i + 1);
    if (next === 42) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return text.length;
      i = end + 2;
    } else if (next === 47) {
      const end = text.indexOf('\n', i + 2);
      if (end < 0) return i;
      i = end + 1;
    } else return i;
  }
}

/** The start of the line holding offset `at`. */
export function lineStartOf(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

/** True when the newline at `nl` is escaped by a backslash (`\\` or `\\\r` before it): the logical line goes on. */
export function continuedAt(text: string, nl: number): boolean {
  const c = text.charCodeAt(nl - 1);
  return c === 92 || (c === 13 && text.charCodeAt(nl - 2) === 92);
}

/**
 * Whether offsets lie on preprocessor directive lines (logical lines, continuations included, whose first character
 * after spaces and tabs is `#`). The logical line holding an offset is found around it and kept: offsets asked in text
 * order (as the scans over a text ask) read each character a bounded number of times, without a pass over the whole
 * text for the few offsets a file asks about.
 */
export class DirectiveLines {
  /** The last logical line found, [start, end), and whether it is a directive line. */
  private start = 0;
  private end = 0;
  private directive = false;

  constructor(private readonly text: string) {}

  /** True when `at` lies on a directive line. */
  has(at: number): boolean {
    if (at < this.start || at >= this.end) this.find(at);
    return this.directive && at < this.end;
  }

  private find(at: number): void {
    const text = this.text;
    let start = text.lastIndexOf('\n', at - 1) + 1;
    while (start > 1 && continuedAt(text, start - 1)) start = text.lastIndexOf('\n', start - 2) + 1;
    let nl = text.indexOf('\n', at);
    while (nl >= 0 && continuedAt(text, nl)) nl = text.indexOf('\n', nl + 1);
    const end = nl < 0 ? text.length : nl + 1;
    const first = skipInlineSpaces(text, start);
    this.start = start;
    this.end = end;
    this.directive = first < end && text.charCodeAt(first) === 35;
  }
}

/** True when the line (without its newline) ends with a backslash, trailing blanks allowed: a continued macro line. */
export function endsWithContinuation(line: string): boolean {
  let i = line.length - 1;
  while (i >= 0 && isBlank(line.charCodeAt(i))) i--;
  return i >= 0 && line.charCodeAt(i) === 92;
}

/**
 * Each `(` paired with the offset just past its `)` (comments not skipped). A closer is first looked for by a forward
 * scan from its opener (most files ask for a few short argument lists); once the scans have read as many characters as
 * the text holds, every pair is found in one stack pass, so that many openers (a hostile run of `f(f(f(…`) cost one
 * scan instead of one each.
 */
export class ParenPairs {
  private pairs?: Int32Array;
  /** Characters read by forward scans so far. */
  private scanned = 0;
  constructor(private readonly text: string) {}

  /** Offset past the `)` closing the `(` at `open`, or -1 when unclosed or further than `maxSpan` characters away. */
  closeAfter(open: number, maxSpan = Infinity): number {
    const text = this.text;
    if (text.charCodeAt(open) !== 40) return -1;
    if (!this.pairs && this.scanned < text.length) {
      // The `(` at `open` is closed by the first `)` after which as many `)` as `(` follow it: what the stack pass
      // pairs it with. Past `maxSpan` the answer is -1 either way.
      const limit = Math.min(text.length, open + maxSpan);
      let depth = 0;
      let i = open;
      for (; i < limit; i++) {
        const c = text.charCodeAt(i);
        if (c === 40) depth++;
        else if (c === 41 && --depth === 0) break;
      }
      this.scanned += i - open + 1;
      return i < limit ? i + 1 : -1;
    }
    if (!this.pairs) {
      const pairs = new Int32Array(text.length).fill(-1);
      const stack: number[] = [];
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 40) stack.push(i);
        else if (c === 41 && stack.length) pairs[stack.pop()!] = i + 1;
      }
      this.pairs = pairs;
    }
    const close = this.pairs[open] ?? -1;
    return close >= 0 && close - open <= maxSpan ? close : -1;
  }
}
