// One lexing pass over preprocessed C: tokens (identifiers, numbers, literals, punctuators) in flat typed arrays, with
// comments, literals' insides and preprocessor directive lines skipped and brackets matched. Where the branches of an
// `#if` group change the bracket depth (`if (a) {` / `#else` / `if (b) {`), the brackets follow the first branch and
// the others are left out of the tokens, as ctags reads such code. The body scanner (bodyScan.ts) reads function
// bodies from these tokens instead of a parse tree.

import { CHAR_CLASS, C_DOLLAR, C_LETTER, continuedAt, identEnd, isIdentChar, skipInlineSpaces } from './cScan';

export const T_IDENT = 1;
export const T_NUMBER = 2;
export const T_STRING = 3;
export const T_CHAR = 4;
export const T_PUNCT = 5;

/** Punctuator codes above the single characters' char codes. */
export const OP_ARROW = 256;
/** `+=`, `-=`, `*=`, `/=`, `%=`, `&=`, `|=`, `^=`, `<<=`, `>>=`: assignments like `=` to tree-sitter. */
export const OP_ASSIGN = 257;
/** `==`, `!=`, `<=`, `>=`, `&&`, `||`, `<<`, `>>`, `...`, `##`. */
export const OP_OTHER = 258;
/** `++`, `--`. */
export const OP_INCDEC = 259;

export interface CTokens {
  count: number;
  kind: Uint8Array;
  /** Char code of a one-character punctuator, or an OP_* code. */
  op: Int32Array;
  start: Int32Array;
  end: Int32Array;
  /** For a bracket, the index of its partner (-1 when unmatched). */
  match: Int32Array;
  /** Directive lines as [start, end) pairs of offsets, continuation lines included. */
  directives: number[];
  /** Comments outside directive lines as [start, end) pairs of offsets. */
  comments: number[];
  /** Start of a block comment outside directive lines that no `*\/` ends (it runs to the end of the text). */
  unendedComment?: number;
  /**
   * `#elif`/`#else` branches left out of the tokens, as [start, end) pairs of offsets (their text, directive lines
   * excluded): branches that change the bracket depth, or follow a first branch that does.
   */
  hidden: number[];
  /** Why the tokens cannot be trusted for bracket structure (unbalanced brackets), if so. */
  unsure?: string;
}

// GCC accepts `$` in identifiers; a name split at it would pair the wrong tokens.
function isIdChar(c: number): boolean {
  return isIdentChar(c) || c === 36;
}

/** A copy of `a` with room for `cap` entries (the token arrays double as they fill). */
function grown<T extends Uint8Array | Int32Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}

/** Offset of the end of the logical line holding `i` (at its newline), continuations and block comments followed. */
function directiveEnd(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      if (continuedAt(text, i)) {
        i++;
        continue;
      }
      return i;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const e = text.indexOf('*/', i + 2);
      if (e < 0) return n;
      i = e + 2;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      // A line comment ends the directive at its (possibly continued) end.
      i += 2;
      continue;
    }
    if (c === 34 || c === 39) {
      i = literalEnd(text, i, c);
      continue;
    }
    i++;
  }
  return n;
}

/** End of a string or char literal starting at `i` (at the closing quote + 1, or at the newline when unterminated). */
function literalEnd(text: string, i: number, quote: number): number {
  const n = text.length;
  for (let j = i + 1; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === 92) {
      j++;
      continue;
    }
    if (c === quote) return j + 1;
    if (c === 10) return j;
  }
  return n;
}

/** The directive's name (`if`, `ifdef`, `else`, `endif` …) after the `#` at `hash`, and the offset after it. */
function directiveName(text: string, hash: number): { name: string; after: number } {
  const at = skipInlineSpaces(text, hash + 1);
  const after = identEnd(text, at);
  return { name: text.slice(at, after), after };
}

/** The name of the directive on the line starting at `lineStart` (a `directives` entry), and the offset after it. */
export function directiveOfLine(text: string, lineStart: number): { name: string; after: number } {
  const hash = skipInlineSpaces(text, lineStart);
  return text.charCodeAt(hash) === 35 ? directiveName(text, hash) : { name: '', after: hash };
}

/** Reading tokens by index: their text and kind (an index out of range is no token). */
export class TokenReader {
  constructor(
    readonly text: string,
    readonly t: CTokens,
  ) {}

  word(i: number): string {
    return this.text.slice(this.t.start[i], this.t.end[i]);
  }
  isPunct(i: number, op: number): boolean {
    return i >= 0 && i < this.t.count && this.t.kind[i] === T_PUNCT && this.t.op[i] === op;
  }
  isIdent(i: number): boolean {
    return i >= 0 && i < this.t.count && this.t.kind[i] === T_IDENT;
  }
}

/** A group's first-branch depth change before that branch has ended. */
const NO_DELTA = -0x7fffffff;

/**
 * Token arrays a thread reuses from one text to the next (tokenize with `reuse`): allocating and zeroing four arrays of
 * a quarter of each text's length was a tenth of the tokenizer's time, and their memory work for the collector.
 * Arrays grown past KEPT_TOKENS entries (a file of megabytes) are not kept.
 */
let kept: { kind: Uint8Array; op: Int32Array; start: Int32Array; end: Int32Array; match: Int32Array; used: number } | undefined;
const KEPT_TOKENS = 1 << 20;

/**
 * The tokens of `text`. With `reuse`, the arrays are the thread's kept ones, valid until the next such call (the
 * body scan's, which reads them before it returns); entries past `count` read as no token.
 */
export function tokenize(text: string, reuse = false): CTokens {
  const n = text.length;
  let cap = Math.max(64, n >> 2);
  const k = reuse && kept && kept.kind.length >= cap ? kept : undefined;
  if (k) cap = k.kind.length;
  let kind = k ? k.kind : new Uint8Array(cap);
  let op = k ? k.op : new Int32Array(cap);
  let start = k ? k.start : new Int32Array(cap);
  let end = k ? k.end : new Int32Array(cap);
  let count = 0;
  const directives: number[] = [];
  const comments: number[] = [];
  const push = (k: number, o: number, s: number, e: number) => {
    if (count === cap) {
      cap *= 2;
      kind = grown(kind, cap);
      op = grown(op, cap);
      start = grown(start, cap);
      end = grown(end, cap);
    }
    kind[count] = k;
    op[count] = o;
    start[count] = s;
    end[count] = e;
    count++;
  };
  const stack: number[] = [];
  // Per open `#if` group: the bracket depth at its `#if`, how its first branch changed that depth (NO_DELTA while the
  // first branch runs) and the token count where the current later branch started.
  const groupBase: number[] = [];
  const groupDelta: number[] = [];
  const branchStart: number[] = [];
  const branchText: number[] = [];
  const hidden: number[] = [];
  let unsure: string | undefined;
  let unendedComment: number | undefined;
  let depth = 0;
  let lineBlank = true;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineBlank = true;
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12) {
      i++;
      continue;
    }
    // A line continuation outside a directive is a blank to the compiler (and to tree-sitter).
    if (c === 92 && (text.charCodeAt(i + 1) === 10 || (text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10))) {
      i += text.charCodeAt(i + 1) === 10 ? 2 : 3;
      continue;
    }
    if (c === 47) {
      const d = text.charCodeAt(i + 1);
      if (d === 42) {
        const e = text.indexOf('*/', i + 2);
        if (e < 0) unendedComment = i;
        comments.push(i, e < 0 ? n : e + 2);
        i = e < 0 ? n : e + 2;
        continue;
      }
      if (d === 47) {
        // To the newline, continuations followed.
        let j = i + 2;
        for (;;) {
          const nl = text.indexOf('\n', j);
          if (nl < 0) {
            j = n;
            break;
          }
          let k = nl - 1;
          if (k >= i && text.charCodeAt(k) === 13) k--;
          if (text.charCodeAt(k) === 92 && k > i + 1) {
            j = nl + 1;
            continue;
          }
          j = nl;
          break;
        }
        comments.push(i, j);
        i = j;
        continue;
      }
    }
    if (c === 35 && lineBlank) {
      const e = directiveEnd(text, i);
      const lineStart = text.lastIndexOf('\n', i - 1) + 1;
      directives.push(lineStart, e < n ? e + 1 : n);
      const { name } = directiveName(text, i);
      if (name === 'if' || name === 'ifdef' || name === 'ifndef') {
        groupBase.push(depth);
        groupDelta.push(NO_DELTA);
        branchStart.push(count);
        branchText.push(0);
      } else if (groupBase.length && (name === 'elif' || name === 'else' || name === 'endif' || name === 'elifdef' || name === 'elifndef')) {
        // A branch ends. The brackets follow the first branch, as a compiler building with it sees them; a later
        // branch is kept when it, like the first, leaves the depth as it was, and is left out of the tokens otherwise
        // (its text stays: bodies around it are blanked whole, file-scope text goes to tree-sitter as before).
        const g = groupBase.length - 1;
        const delta = depth - groupBase[g];
        if (groupDelta[g] === NO_DELTA) groupDelta[g] = delta;
        else if (delta !== 0 || groupDelta[g] !== 0) {
          count = branchStart[g];
          // Nested branches hidden before are inside this one.
          while (hidden.length && hidden[hidden.length - 2] >= branchText[g]) hidden.length -= 2;
          hidden.push(branchText[g], lineStart);
        }
        depth = groupBase[g];
        branchStart[g] = count;
        branchText[g] = e < n ? e + 1 : n;
        if (name === 'endif') {
          depth += groupDelta[g];
          groupBase.pop();
          groupDelta.pop();
          branchStart.pop();
          branchText.pop();
        }
      }
      i = e;
      continue;
    }
    lineBlank = false;
    const cls = CHAR_CLASS[c];
    if (cls === C_LETTER || cls === C_DOLLAR) {
      // One table load per character: letters, digits, `_` and `$` are the characters with a class.
      let j = i + 1;
      while (j < n && CHAR_CLASS[text.charCodeAt(j)] !== 0) j++;
      push(T_IDENT, 0, i, j);
      i = j;
      continue;
    }
    if ((c >= 48 && c <= 57) || (c === 46 && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57)) {
      let j = i + 1;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (isIdChar(d) || d === 46) continue;
        // Exponent signs: 1e+5, 0x1p-3.
        if ((d === 43 || d === 45) && /[eEpP]/.test(text[j - 1])) continue;
        break;
      }
      push(T_NUMBER, 0, i, j);
      i = j;
      continue;
    }
    if (c === 34 || c === 39) {
      const e = literalEnd(text, i, c);
      push(c === 34 ? T_STRING : T_CHAR, 0, i, e);
      i = e;
      continue;
    }
    // Punctuators.
    const d = text.charCodeAt(i + 1);
    let code = c;
    let len = 1;
    if (c === 45 && d === 62) {
      code = OP_ARROW;
      len = 2;
    } else if ((c === 43 && d === 43) || (c === 45 && d === 45)) {
      code = OP_INCDEC;
      len = 2;
    } else if ((c === 60 || c === 62) && d === c) {
      if (text.charCodeAt(i + 2) === 61) {
        code = OP_ASSIGN;
        len = 3;
      } else {
        code = OP_OTHER;
        len = 2;
      }
    } else if (d === 61 && (c === 43 || c === 45 || c === 42 || c === 47 || c === 37 || c === 38 || c === 124 || c === 94)) {
      code = OP_ASSIGN;
      len = 2;
    } else if (d === 61 && (c === 61 || c === 33 || c === 60 || c === 62)) {
      code = OP_OTHER;
      len = 2;
    } else if ((c === 38 || c === 124) && d === c) {
      code = OP_OTHER;
      len = 2;
    } else if (c === 46 && d === 46 && text.charCodeAt(i + 2) === 46) {
      code = OP_OTHER;
      len = 3;
    } else if (c === 35 && d === 35) {
      code = OP_OTHER;
      len = 2;
    }
    if (code === 40 || code === 91 || code === 123) depth++;
    else if (code === 41 || code === 93 || code === 125) depth--;
    push(T_PUNCT, code, i, i + len);
    i += len;
  }
  let match: Int32Array;
  if (reuse && cap <= KEPT_TOKENS) {
    // Kept arrays: what the previous text used past this one's tokens is cleared (read as no token, unmatched).
    const used = k ? k.used : 0;
    if (used > count) kind.fill(0, count, used);
    match = k && k.match.length >= cap ? k.match : new Int32Array(cap);
    match.fill(-1, 0, Math.max(count, used));
    kept = { kind, op, start, end, match, used: count };
  } else match = new Int32Array(count).fill(-1);
  for (let t = 0; t < count; t++) {
    if (kind[t] !== T_PUNCT) continue;
    const o = op[t];
    if (o === 40 || o === 91 || o === 123) stack.push(t);
    else if (o === 41 || o === 93 || o === 125) {
      const want = o === 41 ? 40 : o === 93 ? 91 : 123;
      const top = stack.pop();
      if (top === undefined || op[top] !== want) {
        unsure ??= `unbalanced '${String.fromCharCode(o)}' at offset ${start[t]}`;
        if (top !== undefined && op[top] !== want) stack.push(top);
        continue;
      }
      match[t] = top;
      match[top] = t;
    }
  }
  if (stack.length) unsure ??= `unclosed '${String.fromCharCode(op[stack[stack.length - 1]])}' at offset ${start[stack[stack.length - 1]]}`;
  return { count, kind, op, start, end, match, directives, comments, hidden, unsure, ...(unendedComment !== undefined ? { unendedComment } : {}) };
}
