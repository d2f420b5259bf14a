// Function heads read from the tokens. A definition whose head is plain C — storage words, one type, pointers, the
// name, and parameters that each name a plain type — gives the index nothing a syntax tree would tell better: its
// extent, its name, and its parameters' types (they type receivers in the body). Such a definition is left out of the
// text tree-sitter parses, head and body (bodyScan.ts); function heads were the largest part of what was still parsed
// once the bodies were scanned. Anything else (a macro in the head, a function-pointer or array parameter, an
// unnamed parameter, a directive line inside the head, an unterminated construct before it) is left to tree-sitter.
import { type CTokens, OP_OTHER, T_PUNCT, TokenReader } from './cTokens';
import { SIZED_TYPE_WORDS as SIZED } from './cWords';
import { C_KEYWORDS } from './lexer';

/** A parameter as the extraction query captures it: the name, and where its type's first word is. */
export interface HeadParam {
  name: string;
  at: number;
  typeAt: number;
}

/** A function head read from the tokens, at the original text's offsets (the query's captures for a definition). */
export interface FunctionHead {
  /** The definition's first token, and its offset. */
  first: number;
  start: number;
  /** The type's first word (`fn.type`). */
  typeAt: number;
  /** The declarator's start: its first `*`, or the name. */
  declStart: number;
  /** The parameter list's `(` (`fd.params`): the name ends right before it. */
  paramsAt: number;
  params: HeadParam[];
}

/** Storage classes, function specifiers and qualifiers before or after the type; tree-sitter knows each. */
const SPECIFIERS = new Set(['static', 'extern', 'inline', '__inline', '__inline__', 'register', 'const', 'volatile']);
/** Qualifiers after a `*`. */
const POINTER_QUALIFIERS = new Set(['const', 'volatile', 'restrict', '__restrict__']);
/** Keywords that are a whole type. */
const TYPE_KEYWORDS = new Set(['void', 'bool', '_Bool']);
/** The query captures a parameter named through at most two pointers (`T **name`). */
const MAX_PARAM_POINTERS = 2;

export class HeadReader extends TokenReader {
  /** An identifier that can name something (a function, a parameter, a typedef): no keyword, no specifier. */
  isName(i: number): boolean {
    if (!this.isIdent(i)) return false;
    const w = this.word(i);
    return !C_KEYWORDS.has(w) && !SPECIFIERS.has(w) && !POINTER_QUALIFIERS.has(w) && !SIZED.has(w) && !TYPE_KEYWORDS.has(w);
  }

  /**
   * Reads `specifiers type specifiers` from token p up to `end`; returns the token after it and the type's first
   * token, or undefined when the words there are not exactly one plain type.
   */
  declSpecifiers(p: number, end: number): { next: number; type: number } | undefined {
    let type = -1;
    while (p < end && this.isIdent(p)) {
      const w = this.word(p);
      if (SPECIFIERS.has(w)) {
        p++;
        continue;
      }
      // A second word that is no specifier: the declarator's name, or a second type (the caller tells).
      if (type >= 0) return { next: p, type };
      type = p;
      if (w === 'struct' || w === 'union' || w === 'enum') {
        if (!this.isName(p + 1) || p + 1 >= end) return undefined;
        p += 2;
      } else if (SIZED.has(w)) {
        while (p < end && this.isIdent(p) && SIZED.has(this.word(p))) p++;
      } else if (TYPE_KEYWORDS.has(w) || this.isName(p)) p++;
      else return undefined;
    }
    return type >= 0 ? { next: p, type } : undefined;
  }

  /** `*` and pointer qualifiers from p; the token after them and how many `*`. */
  pointers(p: number, end: number): { next: number; stars: number } {
    let stars = 0;
    while (p < end) {
      if (this.isPunct(p, 42)) stars++;
      else if (!(this.isIdent(p) && POINTER_QUALIFIERS.has(this.word(p)))) break;
      p++;
    }
    return { next: p, stars };
  }

  /**
   * The parameters between the `(` at lp and the `)` at rp, or undefined when one of them is not plain. With
   * `unnamed`, a parameter may name no variable (a prototype's `int f(struct domain *, int)`): it gives no entry.
   * An array parameter (`char *argv[]`) gives none either, as the query captures none; a function-pointer parameter
   * (`int (*cb)(struct vcpu *v)`) gives its own named parameters, as the query does.
   */
  params(lp: number, rp: number, unnamed = false): HeadParam[] | undefined {
    const out: HeadParam[] = [];
    if (rp === lp + 1) return out;
    if (rp === lp + 2 && this.isIdent(lp + 1) && this.word(lp + 1) === 'void') return out;
    let p = lp + 1;
    for (;;) {
      if (this.t.kind[p] === T_PUNCT && this.t.op[p] === OP_OTHER && this.word(p) === '...') {
        return p + 1 === rp ? out : undefined;
      }
      const spec = this.declSpecifiers(p, rp);
      if (!spec) return undefined;
      const ptr = this.pointers(spec.next, rp);
      const nameTok = ptr.next;
      if (unnamed && (nameTok === rp || this.isPunct(nameTok, 44))) p = nameTok;
      else if (this.isPunct(nameTok, 40)) {
        // `(*name)(params)`: a function pointer.
        const inner = this.t.match[nameTok];
        if (inner !== nameTok + 3 || !this.isPunct(nameTok + 1, 42) || !this.isName(nameTok + 2) || !this.isPunct(inner + 1, 40)) return undefined;
        const close = this.t.match[inner + 1];
        if (close < 0 || close >= rp) return undefined;
        const own = this.params(inner + 1, close, true);
        if (!own) return undefined;
        for (const q of own) out.push(q);
        p = close + 1;
      } else {
        if (nameTok >= rp || !this.isName(nameTok) || ptr.stars > MAX_PARAM_POINTERS) return undefined;
        p = nameTok + 1;
        if (this.isPunct(p, 91)) {
          while (this.isPunct(p, 91)) {
            const rb = this.t.match[p];
            if (rb < 0 || rb >= rp || !this.plainSize(p + 1, rb)) return undefined;
            p = rb + 1;
          }
        } else out.push({ name: this.word(nameTok), at: this.t.start[nameTok], typeAt: this.t.start[spec.type] });
      }
      if (p === rp) return out;
      if (!this.isPunct(p, 44)) return undefined;
      p++;
    }
  }

  /** An array size of words, numbers and operators only (a call there would be a call record). */
  plainSize(from: number, to: number): boolean {
    for (let k = from; k < to; k++) if (this.isPunct(k, 40) || this.isPunct(k, 123) || this.isPunct(k, 91)) return false;
    return true;
  }
}

/**
 * The head of the definition whose body opens at token `lbrace` (`)` right before it), when it is plain; undefined
 * when tree-sitter should read it. `directives` are the directive lines' [start, end) offsets (cTokens.ts).
 */
export function readFunctionHead(text: string, t: CTokens, lbrace: number): FunctionHead | undefined {
  const r = new HeadReader(text, t);
  const rp = lbrace - 1;
  const lp = t.match[rp];
  if (lp < 1 || !r.isName(lp - 1)) return undefined;
  // The head's first token: back over words and `*` to a clean boundary.
  let h = lp - 1;
  while (h > 0 && (r.isIdent(h - 1) || r.isPunct(h - 1, 42))) h--;
  // Directive lines between do not count: after an unterminated macro call (`guest_testop(x)` then `#undef`), taking
  // a definition out of the parse leaves tree-sitter's error recovery running over the lines after it.
  if (h > 0 && !cleanBoundary(r, t, h - 1)) return undefined;
  if (directiveBetween(t, t.start[h], t.start[lbrace])) return undefined;
  const spec = r.declSpecifiers(h, lp - 1);
  if (!spec) return undefined;
  const ptr = r.pointers(spec.next, lp - 1);
  if (ptr.next !== lp - 1) return undefined;
  const params = r.params(lp, rp);
  if (!params) return undefined;
  return { first: h, start: t.start[h], typeAt: t.start[spec.type], declStart: t.start[spec.next], paramsAt: t.start[lp], params };
}

/** Token k ends a construct: a `;`, or the `}` of a function body. */
export function cleanBoundary(r: HeadReader, t: CTokens, k: number): boolean {
  if (r.isPunct(k, 59)) return true;
  if (!r.isPunct(k, 125)) return false;
  const open = t.match[k];
  return open > 0 && r.isPunct(open - 1, 41);
}

/** True when a directive line starts within [from, to). */
export function directiveBetween(t: CTokens, from: number, to: number): boolean {
  const d = t.directives;
  // Directive lines are in text order: find the first ending after `from`.
  let lo = 0;
  let hi = d.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (d[2 * mid + 1] <= from) lo = mid + 1;
    else hi = mid;
  }
  return 2 * lo < d.length && d[2 * lo] < to;
}
