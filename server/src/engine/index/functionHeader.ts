// A function header at the start of a line: return type words, a name, a parameter list (one level of inner
// parentheses), then `{`, with K&R parameter declarations allowed in between. Used inside ERROR regions, where
// tree-sitter gave up. A scan rather than a regular expression: the expression backtracked over every line start.
import { identEnd, isBlank, isIdentStart, skipSpaces } from './cScan';

/** A header longer than this is no header (and each line start costs at most this much). */
export const HEADER_MAX_CHARS = 4096;

export interface HeaderScan {
  header?: { nameAt: number; bodyStart: number };
  /**
   * On failure, how far the return-type words reached: a scan from any line start inside them reads the same words
   * and fails the same way, so the caller skips those line starts.
   */
  wordsTo: number;
}

export function scanHeader(text: string, lineStart: number): HeaderScan {
  const limit = Math.min(text.length, lineStart + HEADER_MAX_CHARS);
  let i = lineStart;
  let words = 0;
  let nameAt = -1;
  let open = -1;
  // Type words separated by blanks or `*`, then the name right before `(`.
  while (i < limit) {
    if (!isIdentStart(text.charCodeAt(i))) return { wordsTo: i };
    const end = identEnd(text, i);
    const after = skipSpaces(text, end);
    if (text.charCodeAt(after) === 40) {
      if (words === 0) return { wordsTo: after };
      nameAt = i;
      open = after;
      break;
    }
    let k = end;
    while (k < limit && (isBlank(text.charCodeAt(k)) || text.charCodeAt(k) === 42)) k++;
    if (k === end) return { wordsTo: k };
    words++;
    i = k;
  }
  if (nameAt < 0) return { wordsTo: i };
  const wordsTo = open;
  // Parameters: no `;`, `{`, `}`; parentheses one level deep.
  let depth = 0;
  let j = open + 1;
  for (; j < limit; j++) {
    const c = text.charCodeAt(j);
    if (c === 59 || c === 123 || c === 125) return { wordsTo };
    if (c === 40) {
      if (depth === 1) return { wordsTo };
      depth = 1;
    } else if (c === 41) {
      if (depth === 0) break;
      depth = 0;
    }
  }
  if (j >= limit) return { wordsTo };
  // K&R declarations (`int a; char *b;`), then the body's `{`.
  for (j = skipSpaces(text, j + 1); j < limit; j = skipSpaces(text, j + 1)) {
    const c = text.charCodeAt(j);
    if (c === 123) return { header: { nameAt, bodyStart: j }, wordsTo };
    if (!isIdentStart(c)) return { wordsTo };
    while (j < limit && !/[;{}]/.test(text[j])) j++;
    if (text.charCodeAt(j) !== 59) return { wordsTo };
  }
  return { wordsTo };
}
