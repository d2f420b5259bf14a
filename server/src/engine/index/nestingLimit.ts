// Bounds how deep a file nests before tree-sitter sees it. Past ~32k levels tree-sitter's query cursor slows down
// superlinearly and drops captures (100k nested calls took minutes and kept 32,766 of them; 100k nested `if`s lost the
// innermost call). Real C nests a few dozen levels; a part deeper than the limit is blanked (newlines kept, so every
// other offset and line stays put) and reported as the file's problem, and the rest of the file is indexed as usual.
// An unterminated block comment is blanked the same way: tree-sitter re-lexes it from every `/*` inside it
// (quadratic), and a compiler would reject the file anyway.
import { continuedAt, isIdentChar, isIdentStart } from './cScan';

/**
 * Estimated tree depth past which a part of a file is not parsed: brackets, plus brace-less `if`/`for`/`while`/`else`
 * chains, plus operators in one expression (`a->f()->f()…`, `x + x + …` and `* * *…` nest one level each).
 */
export const MAX_NESTING = 1000;

export interface NestingCut {
  /** Blanked range [start, end) of the text. */
  start: number;
  end: number;
  reason: 'nesting' | 'unterminated comment';
}

/** True when text[i, i + len) is `if`, `else`, `for`, `while`, `switch` or `do` (compared in place, no slice). */
function isControlWord(text: string, i: number, len: number): boolean {
  switch (len) {
    case 2:
      return text.startsWith('if', i) || text.startsWith('do', i);
    case 3:
      return text.startsWith('for', i);
    case 4:
      return text.startsWith('else', i);
    case 5:
      return text.startsWith('while', i);
    case 6:
      return text.startsWith('switch', i);
    default:
      return false;
  }
}

function isOperatorChar(c: number): boolean {
  // - . * + & | ^ < > = ? : ! ~ / %
  return c === 45 || c === 46 || c === 42 || c === 43 || c === 38 || c === 124 || c === 94 || c === 60 || c === 62 ||
    c === 61 || c === 63 || c === 58 || c === 33 || c === 126 || c === 47 || c === 37;
}

/** Offset just past the comment or literal starting at `i`, or `i` when none starts there (-1: unterminated comment). */
function skipOpaque(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 47) {
    const d = text.charCodeAt(i + 1);
    if (d === 42) {
      const end = text.indexOf('*/', i + 2);
      return end < 0 ? -1 : end + 2;
    }
    if (d === 47) {
      const end = text.indexOf('\n', i + 2);
      return end < 0 ? text.length : end;
    }
    return i;
  }
  if (c === 34 || c === 39) {
    // A string or character literal ends at its quote or, unterminated, at the end of the line.
    let j = i + 1;
    while (j < text.length) {
      const e = text.charCodeAt(j);
      if (e === c) return j + 1;
      if (e === 10) return j;
      j += e === 92 ? 2 : 1;
    }
    return text.length;
  }
  return i;
}

/** End of the logical line (continuations included) starting before `i`: the offset of its final newline. */
function directiveEnd(text: string, i: number): number {
  for (;;) {
    const nl = text.indexOf('\n', i);
    if (nl < 0) return text.length;
    if (!continuedAt(text, nl)) return nl;
    i = nl + 1;
  }
}

/**
 * End of the part to cut from `start`: for an opening bracket, just past its matching closer; otherwise up to the
 * `;`, `,` or closing bracket that ends the expression or statement (left in place). The end of the text when unbalanced.
 */
function cutEnd(text: string, start: number, bracket: boolean): number {
  let depth = 0;
  for (let i = start; i < text.length; ) {
    const skipped = skipOpaque(text, i);
    if (skipped < 0) return text.length;
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const c = text.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      if (bracket && --depth === 0) return i + 1;
      if (!bracket && --depth < 0) return i;
    } else if ((c === 59 || c === 44) && !bracket && depth === 0) return i;
    i++;
  }
  return text.length;
}

/** Blanks (records) the part from `start` that nests too deep; returns where the scan resumes. */
function cut(text: string, cuts: NestingCut[], start: number, bracket: boolean): number {
  const end = cutEnd(text, start, bracket);
  cuts.push({ start, end, reason: 'nesting' });
  return end;
}

/** The text with every part nested deeper than `maxDepth` blanked, and the blanked ranges. Linear in the text. */
export function limitNesting(text: string, maxDepth = MAX_NESTING): { text: string; cuts: NestingCut[] } {
  const cuts: NestingCut[] = [];
  // levels[d]: keywords and operators in the current statement at bracket depth d; `total` is their sum.
  const levels: number[] = [0];
  let depth = 0;
  let total = 0;
  let atLineStart = true;
  // No closures over `depth` and `total`: captured, they would live in a context object the hot loop reads through.
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      atLineStart = true;
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) {
      i++;
      continue;
    }
    if (c === 35 && atLineStart) {
      // Directive lines are opaque to tree-sitter (a `#define` body is one token): skip them whole.
      i = directiveEnd(text, i);
      continue;
    }
    atLineStart = false;
    // Only `/`, `"` and `'` can start a comment or literal.
    if (c === 47 || c === 34 || c === 39) {
      const skipped = skipOpaque(text, i);
      if (skipped < 0) {
        cuts.push({ start: i, end: text.length, reason: 'unterminated comment' });
        break;
      }
      if (skipped !== i) {
        i = skipped;
        continue;
      }
    }
    if (isIdentStart(c) || (c >= 48 && c <= 57)) {
      let j = i + 1;
      while (j < text.length && isIdentChar(text.charCodeAt(j))) j++;
      if (isIdentStart(c) && isControlWord(text, i, j - i)) {
        if (depth + total + 1 > maxDepth) {
          i = cut(text, cuts, i, false);
          continue;
        }
        levels[depth]++;
        total++;
      }
      i = j;
      continue;
    }
    if (isOperatorChar(c)) {
      if (depth + total + 1 > maxDepth) {
        i = cut(text, cuts, i, false);
        continue;
      }
      levels[depth]++;
      total++;
      let j = i + 1;
      let d: number;
      while (j < text.length && isOperatorChar((d = text.charCodeAt(j))) && (d !== 47 || skipOpaque(text, j) === j)) j++;
      i = j;
      continue;
    }
    if (c === 40 || c === 91 || c === 123) {
      if (depth + total + 1 > maxDepth) {
        i = cut(text, cuts, i, true);
        continue;
      }
      if (c === 123) {
        total -= levels[depth];
        levels[depth] = 0;
      }
      depth++;
      levels[depth] = 0;
    } else if (c === 41 || c === 93 || c === 125) {
      // Unbalanced closers (unmatched `#if` branches) never take the depth below zero.
      if (depth > 0) {
        total -= levels[depth];
        levels[depth] = 0;
        depth--;
      }
      if (c === 125) {
        total -= levels[depth];
        levels[depth] = 0;
      }
    } else if (c === 59 || c === 44) {
      total -= levels[depth];
      levels[depth] = 0;
    }
    i++;
  }
  if (!cuts.length) return { text, cuts };
  const parts: string[] = [];
  let last = 0;
  for (const { start, end } of cuts) {
    parts.push(text.slice(last, start), text.slice(start, end).replace(/[^\n]/g, ' '));
    last = end;
  }
  parts.push(text.slice(last));
  return { text: parts.join(''), cuts };
}

/** The problem text for a file with cuts: what was cut, where the first one starts, and how much was left out. */
export function describeCuts(text: string, cuts: NestingCut[]): string {
  const lineOf = (at: number) => {
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) n++;
    return n;
  };
  const out: string[] = [];
  const deep = cuts.filter((c) => c.reason === 'nesting');
  if (deep.length) {
    const chars = deep.reduce((sum, c) => sum + c.end - c.start, 0);
    const more = deep.length > 1 ? ` (and ${deep.length - 1} more place${deep.length > 2 ? 's' : ''})` : '';
    out.push(`nested deeper than ${MAX_NESTING} levels at line ${lineOf(deep[0].start)}${more}: ${chars} characters not indexed`);
  }
  const open = cuts.find((c) => c.reason === 'unterminated comment');
  if (open) out.push(`unterminated comment from line ${lineOf(open.start)}: the rest of the file not indexed`);
  return out.join('; ');
}
