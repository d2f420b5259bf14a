// Function bodies read by the lexer instead of tree-sitter. Parsing every statement of every body and matching the
// extraction query over it was most of a cold index's CPU; what the index needs from a body is small: direct calls,
// calls through `recv->field (`, local declarations (they type receivers) and `recv->field = fn` assignments.
// `skipBodies` finds the top-level bodies (`{` at depth 0 right after `)`), scans them from the tokens (cTokens.ts) and
// leaves their insides out of the text tree-sitter parses — all but their directive lines — so that the parse and the
// query cover the rest of the file; an offset map (offsetMap.ts) takes what the query finds back to the original.
// A body whose records need the parse tree (a local struct, enum or typedef, a local table with designated
// initializers) is left to tree-sitter; a file whose brackets the lexer cannot trust is left whole.
import { type CTokens, OP_ARROW, OP_ASSIGN, OP_INCDEC, T_IDENT, T_PUNCT, T_STRING, TokenReader, directiveOfLine, tokenize } from './cTokens';
import { isBlank } from './cScan';
import { LITERAL_WORDS, NOT_CALLEES, SIZED_TYPE_WORDS as SIZED } from './cWords';
import { defineOnLine } from './definesOnly';
import { type DeclaredVar, readDeclaration } from './declarationScan';
import { type FunctionHead, directiveBetween, readFunctionHead } from './headScan';
import { type EarlyRecord, type TypeDefinition, readTypeDefinition } from './typeScan';
import { scanInitializer } from './initializerScan';
import { OffsetMap } from './offsetMap';
import type { Capture } from './queryRunner';
import { wordAt } from './recordBuilder';

export interface BodyVar {
  name: string;
  at: number;
  typeAt: number;
  /** A `{…}` initializer: a local table whose designated pairs bind (scanned by initializerScan.ts). */
  init?: Capture;
}

/** What the scanner found inside the skipped bodies, in the shapes queryMatches.ts gives collectRecords.ts. */
export interface BodyFindings {
  directCalls: number[];
  icalls: { recv: Capture; field: number }[];
  vars: BodyVar[];
  asgs: { recv: Capture; field: number; target: number }[];
  /** From the file-scope initializers the scan left out (initializerScan.ts). */
  bindPairs: { field: number; target: number }[];
  nests: { start: number; end: number }[];
  /** `#define` names on the directive lines of those initializers: name offset, and whether it takes arguments. */
  defines: { at: number; funclike: boolean }[];
  /** Definitions left out of the parse whole, head included (headScan.ts): their heads, bodies' `{` and ends. */
  heads: { head: FunctionHead; bodyStart: number; end: number }[];
  /** From file-scope declarations left out of the parse (declarationScan.ts): prototypes' names, variables. */
  protos: number[];
  fileVars: DeclaredVar[];
  /** File-scope type definitions and typedefs left out of the parse (typeScan.ts), in text order. */
  typeDefs: TypeDefinition[];
  /** Symbols the query records as it meets them, of what was left out of the parse (macros of `#define` lines,
   *  typedefs, enumerators, aliases), in text order. */
  early: EarlyRecord[];
}

export interface BodySkip {
  /** The text without the skipped bodies' insides (their directive lines kept), for tree-sitter. */
  text: string;
  /** From offsets in `text` to the original's. */
  map: OffsetMap;
  /** The skipped ranges of the original, [after `{`, at `}`). */
  blanked: { start: number; end: number }[];
  /** Bodies left to tree-sitter. */
  kept: number;
  /** File-scope declarations left out of the parse. */
  declarations: number;
  /** Why nothing was skipped: the lexer cannot trust the file's brackets (the file is parsed whole). */
  unsure?: string;
  /** Start of a block comment no `*\/` ends (cTokens.ts). */
  unendedComment?: number;
  /** [start, end) offset pairs from a file-scope macro call no `;` ends to the end of the next file-scope construct,
   *  where heads, declarations and directive lines stay in the parse (tree-sitter's error recovery needs them). */
  windows?: number[];
  findings: BodyFindings;
}

/** Words after which `name (` is still a call (`return f(x)`), where another identifier would make it a declaration. */
const CALL_AFTER = new Set(['return', 'else', 'case', 'do', 'sizeof', 'goto']);

/** Words that never start a declaration's type. */
const STATEMENT_WORDS = new Set([
  'return', 'goto', 'break', 'continue', 'case', 'default', 'if', 'else', 'while', 'for', 'do', 'switch', 'sizeof',
  'typeof', '__typeof__', '__typeof', 'asm', '__asm__', '__asm', 'typedef', 'NULL', 'nullptr', 'true', 'false', 'TRUE',
  'FALSE', '_Generic', 'offsetof', '_Alignof', 'alignof', '__alignof__',
]);

/** Storage classes and qualifiers: not the type node tree-sitter names in a declaration. */
const QUALIFIERS = new Set(['const', 'volatile', 'static', 'register', 'extern', 'auto', 'inline', 'restrict', '__restrict', '__thread', '_Thread_local', '_Atomic']);


/** Operators before a receiver that make the assigned expression something else than a field expression. */
function isPrefixOperator(op: number): boolean {
  return op === 42 || op === 38 || op === 33 || op === 126 || op === 45 || op === 43 || op === OP_INCDEC;
}

class Scanner extends TokenReader {
  readonly found: BodyFindings = { directCalls: [], icalls: [], vars: [], asgs: [], bindPairs: [], nests: [], defines: [], heads: [], protos: [], fileVars: [], typeDefs: [], early: [] };
  private a = 0;
  /** Receiver starts found so far, by the receiver's last token. */
  private readonly receivers = new Map<number, number>();


  /** True when the body (tokens open+1 … close-1) holds something only the parse tree records. */
  needsTree(open: number, close: number): boolean {
    const t = this.t;
    for (let i = open + 1; i < close; i++) {
      if (t.kind[i] === T_IDENT) {
        // Only words of 4 to 7 letters can be one of these: most identifiers are not cut out of the text.
        const len = t.end[i] - t.start[i];
        if (len < 4 || len > 7) continue;
        const w = this.word(i);
        if (w === 'typedef') return true;
        // A named struct, union or enum defines symbols and field types; an anonymous enum defines its enumerators.
        // An anonymous struct or union (`struct { u16 vcpu, dom; } d;` for a trace record) defines nothing the
        // index keeps: its body is scanned like the rest.
        if ((w === 'struct' || w === 'union' || w === 'enum') && this.isIdent(i + 1) && this.isPunct(i + 2, 123)) return true;
        if (w === 'enum' && this.isPunct(i + 1, 123)) return true;
      }
    }
    return false;
  }

  /** Scans the tokens strictly between a body's braces. */
  scan(open: number, close: number): void {
    const t = this.t;
    this.a = open + 1;
    for (let i = open + 1; i < close; i++) {
      if (t.kind[i] !== T_IDENT) continue;
      if (this.atStatementStart(i)) this.declaration(i, close);
      const prev = i - 1 >= this.a && t.kind[i - 1] === T_PUNCT ? t.op[i - 1] : -1;
      const next = i + 1 < close && t.kind[i + 1] === T_PUNCT ? t.op[i + 1] : -1;
      if (prev === OP_ARROW || prev === 46) {
        this.member(i, next, close);
        continue;
      }
      if (next === 40 && namesCall(this, i, this.a, close)) this.found.directCalls.push(t.start[i]);
    }
  }

  private atStatementStart(i: number): boolean {
    if (i === this.a) return true;
    const t = this.t;
    if (t.kind[i - 1] !== T_PUNCT) return false;
    const o = t.op[i - 1];
    if (o === 59 || o === 123 || o === 125) return true;
    return o === 40 && i - 2 >= this.a && this.isIdent(i - 2) && this.word(i - 2) === 'for';
  }

  /** A local declaration starting at token i: `[qualifiers] type [*…] name [[…]] [= …] {, …} ;`. */
  private declaration(i: number, close: number): void {
    const t = this.t;
    let p = i;
    while (p < close && this.isIdent(p) && QUALIFIERS.has(this.word(p))) p++;
    if (!this.isIdent(p)) return;
    const first = this.word(p);
    if (STATEMENT_WORDS.has(first)) return;
    const typeAt = t.start[p];
    if (first === 'struct' || first === 'union' || first === 'enum') {
      // `struct { … } d;`: an anonymous type (needsTree leaves only those to the scan); its variables still type
      // receivers, with the empty name tree-sitter's reading gives them.
      if (this.isPunct(p + 1, 123) && t.match[p + 1] > p + 1 && t.match[p + 1] < close) p = t.match[p + 1] + 1;
      else if (!this.isIdent(p + 1)) return;
      else p += 2;
    } else if (SIZED.has(first)) {
      while (p < close && this.isIdent(p) && SIZED.has(this.word(p))) p++;
    } else p++;
    // After a tag, a word followed by `*` or another word is a macro between the type and the declarator (zlib's
    // `struct inflate_state FAR *state;`), not the variable's name. (After a plain type word it may be the type itself:
    // in `g_autofree Type *p`, the first word is the macro.)
    const tagged = first === 'struct' || first === 'union' || first === 'enum';
    for (;;) {
      while (p < close && ((this.isIdent(p) && (QUALIFIERS.has(this.word(p)) || (tagged && (this.isPunct(p + 1, 42) || this.isIdent(p + 1))))) || this.isPunct(p, 42))) p++;
      if (!this.isIdent(p) || p >= close) return;
      const nameTok = p;
      p++;
      while (this.isPunct(p, 91)) p = t.match[p] + 1;
      if (p >= close || t.kind[p] !== T_PUNCT) return;
      const o = t.op[p];
      if (o !== 61 && o !== 44 && o !== 59) return;
      const v: BodyVar = { name: this.word(nameTok), at: t.start[nameTok], typeAt };
      this.found.vars.push(v);
      if (o === 59) return;
      if (o === 61 && this.isPunct(p + 1, 123) && t.match[p + 1] > p + 1) {
        // A local table: its bindings and nested lists (its calls are found by the scan going on over its tokens).
        const close = t.match[p + 1];
        v.init = { name: 'init', start: t.start[p + 1], end: t.end[close] };
        scanInitializer(this.text, t, p + 1, close, { directCalls: [], bindPairs: this.found.bindPairs, nests: this.found.nests });
      }
      if (o === 61) {
        // The initializer runs to the next `,` or `;` outside brackets.
        p++;
        while (p < close) {
          if (t.kind[p] === T_PUNCT) {
            const q = t.op[p];
            if (q === 44 || q === 59) break;
            if ((q === 40 || q === 91 || q === 123) && t.match[p] > p) {
              p = t.match[p] + 1;
              continue;
            }
          }
          p++;
        }
        if (p >= close || t.op[p] === 59) return;
      }
      p++;
    }
  }

  /** A field `recv->name` / `recv.name`: a call through it, `(*recv->name)(…)`, or an assignment to it. */
  private member(i: number, next: number, close: number): void {
    const t = this.t;
    if (next === 40) {
      const s = this.receiverStart(i - 2);
      if (s >= 0) this.found.icalls.push({ recv: this.capture(s, i - 2), field: t.start[i] });
      return;
    }
    if (next === 41 && this.isPunct(i + 2, 40)) {
      const k = t.match[i + 1];
      const s = this.receiverStart(i - 2);
      if (s >= 0 && s === k + 2 && this.isPunct(k + 1, 42)) this.found.icalls.push({ recv: this.capture(s, i - 2), field: t.start[i] });
      return;
    }
    if (next !== 61 && next !== OP_ASSIGN) return;
    let u = i + 2;
    // `= &fn` and `= *p` are both pointer expressions around an identifier to tree-sitter.
    if (this.isPunct(u, 38) || this.isPunct(u, 42)) u++;
    if (u >= close || !this.isIdent(u) || LITERAL_WORDS.has(this.word(u))) return;
    const after = u + 1 < close && t.kind[u + 1] === T_PUNCT ? t.op[u + 1] : -1;
    if (after !== 59 && after !== 44 && after !== 41) return;
    const s = this.receiverStart(i - 2);
    if (s < 0) return;
    if (s - 1 >= this.a && t.kind[s - 1] === T_PUNCT && isPrefixOperator(t.op[s - 1])) return;
    // `(T *)recv->field = x`: the cast takes the field expression, tree-sitter assigns to a cast expression.
    if (this.isPunct(s - 1, 41) && !this.isStatementHead(t.match[s - 1] - 1)) return;
    this.found.asgs.push({ recv: this.capture(s, i - 2), field: t.start[i], target: t.start[u] });
  }

  /** True when token i is `if`, `while`, `for` or `switch`: the parenthesis after it is a condition, not a cast. */
  private isStatementHead(i: number): boolean {
    if (!this.isIdent(i)) return false;
    const w = this.word(i);
    return w === 'if' || w === 'while' || w === 'for' || w === 'switch';
  }

  /** First token of the postfix expression ending at token j (`a->b[i].c`, `f(x)`, `(*p)`), or -1. */
  private receiverStart(from: number): number {
    const known = this.receivers.get(from);
    if (known !== undefined) return known;
    const r = this.walkReceiver(from);
    this.receivers.set(from, r);
    return r;
  }

  private walkReceiver(j: number): number {
    const t = this.t;
    while (j >= this.a) {
      // A chain `a->f()->g()->…` is walked once: each call's receiver ends where an earlier one's walk started.
      const known = this.receivers.get(j);
      if (known !== undefined) return known;
      if (t.kind[j] === T_PUNCT) {
        const o = t.op[j];
        if (o === 41) {
          const k = t.match[j];
          if (k < this.a) return -1;
          const p = k - 1;
          if (p >= this.a && t.kind[p] === T_IDENT && !STATEMENT_WORDS.has(this.word(p))) {
            j = p;
            continue;
          }
          if (p >= this.a && t.kind[p] === T_PUNCT && (t.op[p] === 41 || t.op[p] === 93)) {
            // `for (…) (p + i)->f`: the `)` of a statement's head ends the receiver; it is no call or cast.
            if (t.op[p] === 41 && this.isStatementHead(t.match[p] - 1)) return k;
            j = p;
            continue;
          }
          return k;
        }
        if (o === 93) {
          const k = t.match[j];
          if (k <= this.a) return -1;
          j = k - 1;
          continue;
        }
        return -1;
      }
      if (t.kind[j] === T_IDENT) {
        if (j - 1 >= this.a && t.kind[j - 1] === T_PUNCT && (t.op[j - 1] === OP_ARROW || t.op[j - 1] === 46)) {
          j -= 2;
          continue;
        }
        return j;
      }
      return j;
    }
    return -1;
  }

  private capture(first: number, last: number): Capture {
    return { name: 'recv', start: this.t.start[first], end: this.t.end[last] };
  }
}

/**
 * The text without the function bodies' insides and what the scanner found in them; nothing is left out when the file
 * is better parsed whole (the lexer cannot trust its brackets) or has no body worth scanning. With `headsKept`, a file
 * with an unended file-scope call keeps all its heads, declarations and directive lines (see recoveryWindows).
 */
export function skipBodies(text: string, opts: { headsKept?: boolean } = {}): BodySkip {
  const t = tokenize(text, true);
  if (t.unsure) return { text, map: new OffsetMap(), blanked: [], kept: 0, declarations: 0, unsure: t.unsure, findings: { directCalls: [], icalls: [], vars: [], asgs: [], bindPairs: [], nests: [], defines: [], heads: [], protos: [], fileVars: [], typeDefs: [], early: [] } };
  const sc = new Scanner(text, t);
  const out: string[] = [];
  const map = new OffsetMap();
  const piece = (from: number, to: number) => {
    out.push(text.slice(from, to));
    map.add(from, to);
  };
  // After a file-scope macro call no `;` ends, tree-sitter's error recovery runs on until something ends it: a
  // directive line, a declaration, a function's head. From such a call to the end of the next construct (a window)
  // everything stays in the parse; elsewhere plain heads and declarations are left out.
  const found = recoveryWindows(text, t);
  // With `headsKept` (a parse of the windows' text recovered past a window's end), one window covers the file.
  const windows = opts.headsKept && found.length ? [0, text.length] : found;
  let win = 0;
  /** Whether offset `at` lies in a window (asked in increasing order of `at`). */
  const inWindow = (at: number) => {
    while (win < windows.length && windows[win + 1] <= at) win += 2;
    return win < windows.length && windows[win] <= at;
  };
  // Directive lines that structure nothing tree-sitter needs are left out of whatever is copied: `#define` lines (their
  // macros recorded here) and `#include "…"`, `#undef`, `#pragma`, `#error` lines (no records); not in a window.
  const dropped = outsideWindows(droppedDirectives(text, t.directives, t.comments), windows);
  let s = 0;
  const copy = (from: number, to: number) => {
    while (s < dropped.length && dropped[s].end <= from) s++;
    let a = from;
    for (; s < dropped.length && dropped[s].start < to; s++) {
      const dr = dropped[s];
      if (dr.start < a || dr.end > to) break;
      if (dr.start > a) piece(a, dr.start);
      if (dr.define) sc.found.early.push(dr.define);
      a = dr.end;
    }
    if (a < to) piece(a, to);
  };
  const blanked: { start: number; end: number }[] = [];
  const dirs = t.directives;
  let d = 0;
  let last = 0;
  let kept = 0;
  let declarations = 0;
  // First token of the file-scope construct the loop is in.
  let first = 0;
  // Last token of the latest construct left out of the parse. A run of them next to each other needs one `;` for
  // them all, not one each (each is two nodes to parse and to query).
  let anchorTok = -1;
  // The closing brace of the `extern "C" {` block the loop is in, or -1.
  let linkageEnd = -1;
  const nextToCut = (k: number) => anchorTok >= 0 && k - 1 === anchorTok && !directiveBetween(t, t.end[anchorTok], t.start[k]);
  for (let i = 0; i < t.count; i++) {
    if (t.kind[i] !== T_PUNCT) continue;
    const o = t.op[i];
    if (o === 59) {
      // A plain declaration is left out of the parse but for its `;` (the anchor error recovery stops at); not when
      // part of it went out already (an initializer's list).
      if (first < i && t.start[first] >= last && !inWindow(t.start[first])) {
        const decl = readDeclaration(text, t, first, i);
        const type = decl ? undefined : readTypeDefinition(text, t, first, i);
        if (decl || type) {
          copy(last, t.start[first]);
          last = nextToCut(first) ? t.end[i] : t.start[i];
          anchorTok = i;
          declarations++;
        }
        if (decl) {
          for (const at of decl.protos) sc.found.protos.push(at);
          for (const v of decl.vars) sc.found.fileVars.push(v);
        } else if (type) {
          sc.found.typeDefs.push(type);
          for (const e of type.early) sc.found.early.push(e);
        }
      }
      first = i + 1;
      continue;
    }
    if (o === 125 && i === linkageEnd) {
      first = i + 1;
      linkageEnd = -1;
      continue;
    }
    if (o !== 40 && o !== 91 && o !== 123) continue;
    const close = t.match[i];
    // `extern "C" {` (a header readable from C++): its declarations and definitions are at file scope to the scan.
    if (o === 123 && linkageEnd < 0 && isLinkageBlock(text, t, i)) {
      linkageEnd = close;
      first = i + 1;
      continue;
    }
    if (o === 123 && i > 0 && ((sc.isPunct(i - 1, 41) && isFunctionHead(sc, t, i - 1)) || (sc.isPunct(i - 1, 59) && inWindow(t.start[i]) && isOldStyleBody(t, i)))) {
      if (sc.needsTree(i, close)) kept++;
      else {
        sc.scan(i, close);
        const from = t.end[i];
        const to = t.start[close];
        while (d < dirs.length && dirs[d + 1] <= from) d += 2;
        // A plain head goes with its body: nothing of the definition but its directive lines is parsed. A body with
        // other directive lines than conditionals keeps its head: out of a definition, a `#define` would stand at file
        // scope, where tree-sitter reads some (a comment before a continuation line) otherwise.
        const head = onlyConditionals(text, dirs, d, to) && !inWindow(t.start[i]) ? readFunctionHead(text, t, i) : undefined;
        copy(last, head ? head.start : from);
        const alone = !(d < dirs.length && dirs[d] < to) && head !== undefined && nextToCut(head.first);
        // Directive lines inside the body stay, each with the newline before it (a directive line starts a line):
        // tree-sitter indexes a `#define` there and the calls of `#if` lines.
        for (; d < dirs.length && dirs[d] < to; d += 2) copy(Math.max(dirs[d] - 1, from), Math.min(dirs[d + 1], to));
        // One `;` of the body stays too: after an unterminated macro call at file scope (`BUILD_HELPER(read)` lines),
        // an empty `{}` led tree-sitter's error recovery astray over the rest of the file; `{;}` does not, and without
        // the definition a `;` is where the recovery from an earlier error ends, as the definition was.
        for (let k = close - 1; k > i && !alone; k--) {
          if (t.kind[k] === T_PUNCT && t.op[k] === 59) {
            copy(t.start[k], t.end[k]);
            break;
          }
        }
        if (head) {
          sc.found.heads.push({ head, bodyStart: t.start[i], end: t.end[close] });
          last = t.end[close];
          anchorTok = close;
        } else last = to;
        blanked.push({ start: from, end: to });
      }
    } else if (o === 123 && i > 0 && sc.isPunct(i - 1, 61) && close > i + 1) {
      // A file-scope initializer: its pairs and calls come from the lexer, the parse keeps `= {}`. Its directive lines
      // go too: inside an initializer list tree-sitter reads them as errors, losing pairs around them.
      scanInitializer(text, t, i, close, sc.found);
      const from = t.end[i];
      const to = t.start[close];
      while (d < dirs.length && dirs[d + 1] <= from) d += 2;
      for (; d < dirs.length && dirs[d] < to; d += 2) {
        const def = defineOnLine(text, dirs[d]);
        if (def) sc.found.defines.push(def);
      }
      copy(last, from);
      last = to;
      blanked.push({ start: from, end: to });
    }
    // After a function body or an initializer a new construct starts; a struct, union or enum body (after its tag or
    // keyword) is inside one.
    if (o === 123 && !(i > 0 && t.kind[i - 1] === T_IDENT)) first = close + 1;
    i = close;
  }
  // Branches left out of the tokens, inside bodies left out of the parse: their direct calls still count (the text
  // of one outside a body goes to tree-sitter, which finds them there).
  for (let h = 0, b = 0; h < t.hidden.length; h += 2) {
    while (b < blanked.length && blanked[b].end <= t.hidden[h]) b++;
    if (b < blanked.length && blanked[b].start <= t.hidden[h] && t.hidden[h + 1] <= blanked[b].end) branchCalls(text, t.hidden[h], t.hidden[h + 1], sc.found.directCalls);
  }
  const unended = { ...(t.unendedComment !== undefined ? { unendedComment: t.unendedComment } : {}), ...(windows.length ? { windows } : {}) };
  if (!blanked.length && !declarations && !dropped.length) return { text, map, blanked, kept, declarations, findings: sc.found, ...unended };
  copy(last, text.length);
  return { text: out.join(''), map, blanked, kept, declarations, findings: sc.found, ...unended };
}

/**
 * The directive lines and comments [start, end) the parse can do without, in text order, with the macro a `#define`
 * line defines. A comment goes when a blank is next to it (else it keeps two tokens apart).
 */
function droppedDirectives(text: string, dirs: number[], comments: number[]): { start: number; end: number; define?: EarlyRecord }[] {
  const out: { start: number; end: number; define?: EarlyRecord }[] = [];
  let c = 0;
  const commentsBefore = (at: number) => {
    for (; c < comments.length && comments[c] < at; c += 2) {
      const s = comments[c];
      const e = comments[c + 1];
      if (s === 0 || e >= text.length || isBlank(text.charCodeAt(s - 1)) || isBlank(text.charCodeAt(e))) out.push({ start: s, end: e });
    }
  };
  for (let d = 0; d < dirs.length; d += 2) {
    commentsBefore(dirs[d]);
    const { name, after } = directiveOfLine(text, dirs[d]);
    if (name === 'define') {
      const def = defineOnLine(text, dirs[d]);
      if (!def) continue;
      const macro = wordAt(text, def.at);
      out.push({ start: dirs[d], end: dirs[d + 1], define: { at: def.at, kind: 'macro', name: macro, nameAt: def.at, funclike: def.funclike } });
    } else if ((name === 'include' && includesPath(text, after)) || name === 'undef' || name === 'pragma' || name === 'error' || name === 'warning') {
      out.push({ start: dirs[d], end: dirs[d + 1] });
    }
  }
  commentsBefore(Infinity);
  return out;
}

/** `#include "…"` or `#include <…>`: no macro to expand (`#include MACRO(x)` is a call to tree-sitter). */
function includesPath(text: string, after: number): boolean {
  let i = after;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  return text.charCodeAt(i) === 34 || text.charCodeAt(i) === 60;
}

const CONDITIONALS = new Set(['if', 'ifdef', 'ifndef', 'elif', 'else', 'endif']);

/** True when the directive lines from pair index d up to offset `to` are all `#if` group lines. */
function onlyConditionals(text: string, dirs: number[], d: number, to: number): boolean {
  for (; d < dirs.length && dirs[d] < to; d += 2) if (!CONDITIONALS.has(directiveOfLine(text, dirs[d]).name)) return false;
  return true;
}

/**
 * True when the identifier at token `i`, followed by `(`, names a direct call by the words around it (`from`: the
 * first token of the body): no keyword, no `T name (` declaration (a local prototype), no `T (*name)(` function
 * pointer, no `MACRO(type) name` (a type given by a macro, XEN_GUEST_HANDLE(…) h: no expression is followed by a name).
 */
function namesCall(r: TokenReader, i: number, from: number, close: number): boolean {
  if (NOT_CALLEES.has(r.word(i))) return false;
  if (r.isIdent(i - 1) && i - 1 >= from && !CALL_AFTER.has(r.word(i - 1))) return false;
  if (r.isPunct(i + 2, 42) && r.isIdent(i + 3) && r.isPunct(i + 4, 41) && r.isPunct(i + 5, 40)) return false;
  const args = r.t.match[i + 1];
  return !(args >= 0 && args + 1 < close && r.isIdent(args + 1) && !r.isPunct(args + 2, 40));
}

/**
 * Pushes the offsets of the direct calls in [from, to), a branch left out of the tokens: a name before `(` that is no
 * member, by the rule the body scan applies (namesCall; the branch's brackets need not pair).
 */
function branchCalls(text: string, from: number, to: number, out: number[]): void {
  const t = tokenize(text.slice(from, to));
  const r = new TokenReader(text.slice(from, to), t);
  for (let i = 0; i + 1 < t.count; i++) {
    if (t.kind[i] !== T_IDENT || !r.isPunct(i + 1, 40)) continue;
    if (r.isPunct(i - 1, OP_ARROW) || r.isPunct(i - 1, 46)) continue;
    if (namesCall(r, i, 0, t.count)) out.push(from + t.start[i]);
  }
}

/** The `{` at token `i` opens `extern "C" {`, a block of file-scope declarations in a header readable from C++. */
function isLinkageBlock(text: string, t: CTokens, i: number): boolean {
  return i >= 2 && t.kind[i - 1] === T_STRING && t.kind[i - 2] === T_IDENT && t.end[i - 2] - t.start[i - 2] === 6 && text.startsWith('extern', t.start[i - 2]);
}

/**
 * Windows where tree-sitter's error recovery needs heads, declarations and directive lines, as [start, end) pairs, in
 * one pass over the file-scope tokens. A window starts at a construct where a `)` is followed by something no
 * declaration continues with: an unterminated macro call (`LIBXL_DEFINE_DEVICE_ADD(usbdev)` lines, `guest_testop(x)`),
 * an old-style definition, a trailing attribute macro (`int f(void) NN1;`), or a struct whose body holds such a call
 * (`struct s { MEMBERS(a, b) };`). It ends with the first file-scope construct that ends after it (a `;`, or a
 * function definition's body, an old-style one's parameter declarations included), where the recovery stops;
 * overlapping windows are merged. The parse checks that it did stop there (extract.ts) and parses the file with every
 * head in place otherwise.
 */
function recoveryWindows(text: string, t: CTokens): number[] {
  const calls: number[] = [];
  const ends: number[] = [];
  // Start of the file-scope construct the loop is in: a window starts there, where tree-sitter's ERROR starts too.
  let construct = -1;
  // How many ends there were at the last file-scope `(`: an old-style definition's parameter declarations
  // (`f(a) int a; {`) end with `;` but belong to the definition, which ends with its body.
  let atParen = 0;
  const unended = () => {
    if (calls[calls.length - 1] !== construct) calls.push(construct);
  };
  for (let i = 0; i < t.count; i++) {
    if (construct < 0) construct = t.start[i];
    if (t.kind[i] !== T_PUNCT) continue;
    const o = t.op[i];
    if (o === 59 || o === 125) {
      if (o === 59) ends.push(t.end[i]);
      construct = -1;
      continue;
    }
    if (o !== 40 && o !== 91 && o !== 123) continue;
    if (o === 123 && isLinkageBlock(text, t, i)) {
      construct = -1;
      continue;
    }
    const close = t.match[i];
    if (close < 0) {
      unended();
      break;
    }
    const before = i > 0 && t.kind[i - 1] === T_PUNCT ? t.op[i - 1] : -1;
    if (o === 123 && (before === 41 || before === 59)) {
      // A function's body, or an old-style definition's (after its parameters' declarations): it ends the construct.
      if (before === 59) ends.length = atParen;
      ends.push(t.end[close]);
      construct = -1;
    } else if (o === 40) {
      atParen = ends.length;
      // The last construct of a file (`type_init(f)` ending a QEMU device) is followed by nothing to recover over.
      if (close + 1 < t.count && !continuesDeclaration(t, close + 1)) unended();
    } else if (o === 123 && i > 0 && t.kind[i - 1] === T_IDENT) {
      // A struct, union or enum body: a `)` in it followed by `}` or a word ends no member, unless it closes a macro
      // naming a member's type (`QTAILQ_ENTRY(Req) next;`), which tree-sitter reads as a type.
      for (let k = i + 1; k < close; k++) {
        if (t.kind[k] !== T_PUNCT || t.op[k] !== 41) continue;
        if ((t.kind[k + 1] === T_PUNCT && t.op[k + 1] === 125) || (t.kind[k + 1] === T_IDENT && !macroTypedMember(t, k))) {
          unended();
          break;
        }
      }
    }
    i = close;
  }
  const out: number[] = [];
  let e = 0;
  for (const at of calls) {
    while (e < ends.length && ends[e] <= at) e++;
    const end = e < ends.length ? ends[e] : text.length;
    if (out.length && at <= out[out.length - 1]) out[out.length - 1] = Math.max(out[out.length - 1], end);
    else out.push(at, end);
  }
  return out;
}

/** The entries of `dropped` (in text order) that no window overlaps. */
function outsideWindows<T extends { start: number; end: number }>(dropped: T[], windows: number[]): T[] {
  if (!windows.length) return dropped;
  let w = 0;
  return dropped.filter((d) => {
    while (w < windows.length && windows[w + 1] <= d.start) w += 2;
    return !(w < windows.length && windows[w] < d.end);
  });
}

/**
 * The `)` at token `rp` closes `NAME(type)` before a member's name, as tree-sitter's macro type specifier takes it: the
 * parentheses hold a type (a word, or `struct`/`union`/`enum` and a word, then stars) and the member's name is followed
 * by `;`, `,`, `[` or `:`.
 */
function macroTypedMember(t: CTokens, rp: number): boolean {
  const lp = t.match[rp];
  if (lp < 1 || t.kind[lp - 1] !== T_IDENT) return false;
  let p = lp + 1;
  if (p < rp && t.kind[p] === T_IDENT && t.kind[p + 1] === T_IDENT && p + 1 < rp) p++;
  if (p >= rp || t.kind[p] !== T_IDENT) return false;
  p++;
  while (p < rp && t.kind[p] === T_PUNCT && t.op[p] === 42) p++;
  if (p !== rp) return false;
  const after = rp + 2;
  if (after >= t.count || t.kind[after] !== T_PUNCT) return false;
  const a = t.op[after];
  return a === 59 || a === 44 || a === 91 || a === 58;
}

/** Token k can follow a file-scope `)`: `;`, `,`, `{`, `=`, `(` or `[`. */
function continuesDeclaration(t: CTokens, k: number): boolean {
  if (k >= t.count || t.kind[k] !== T_PUNCT) return false;
  const n = t.op[k];
  return n === 59 || n === 44 || n === 123 || n === 61 || n === 40 || n === 91;
}

/**
 * The `)` at token `rp` ends a function's head, unless it is `struct name MACRO(…) {` (an attribute macro on a type,
 * which a function returning `struct name` by value looks the same as: left to tree-sitter).
 */
/**
 * The `{` at token `lb` (after a `;`) opens an old-style definition's body: `f(a, b) int a; char *b; {`. Back from it,
 * the parameters' declarations (words, `*`, `,`, bracketed sizes and `(*fp)()` declarators, each ended by `;`) reach a
 * `)` whose list holds only names and commas and follows the function's name. Its head and declarations stay in the
 * parse (a recovery window covers them), the body is scanned like any other.
 */
function isOldStyleBody(t: CTokens, lb: number): boolean {
  let k = lb - 1;
  let declarations = 0;
  while (k >= 0) {
    if (t.kind[k] === T_PUNCT) {
      const o = t.op[k];
      if (o === 59) declarations++;
      else if (o === 93 || (o === 41 && !(t.kind[k - 1] === T_IDENT || (t.kind[k - 1] === T_PUNCT && t.op[k - 1] === 44)))) {
        // A declarator's size or parameter list (`int v[4];`, `int (*fp)();`): stepped over whole.
        const open = t.match[k];
        if (open < 0 || open >= k) return false;
        k = open - 1;
        continue;
      } else if (o === 41) break;
      else if (o !== 42 && o !== 44 && o !== 40) return false;
    } else if (t.kind[k] !== T_IDENT) return false;
    k--;
  }
  if (k < 0 || declarations === 0 || t.kind[lb - 1] !== T_PUNCT || t.op[lb - 1] !== 59) return false;
  // The `)` closing the names: only names and commas inside, the function's name before.
  const open = t.match[k];
  if (open < 1 || t.kind[open - 1] !== T_IDENT || open + 1 === k) return false;
  for (let p = open + 1; p < k; p++) {
    const name = (p - open) % 2 === 1;
    if (name ? t.kind[p] !== T_IDENT : t.kind[p] !== T_PUNCT || t.op[p] !== 44) return false;
  }
  return (k - open) % 2 === 0;
}

function isFunctionHead(sc: Scanner, t: CTokens, rp: number): boolean {
  const k = t.match[rp];
  if (k < 3) return true;
  if (!sc.isIdent(k - 1) || !sc.isIdent(k - 2) || !sc.isIdent(k - 3)) return true;
  const w = sc.word(k - 3);
  return w !== 'struct' && w !== 'union' && w !== 'enum';
}
