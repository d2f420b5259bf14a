// Type definitions read from the tokens: `struct`/`union` definitions with their members, `enum` definitions with their
// enumerators, and typedefs (`typedef struct irq_desc irq_desc_t;`, `typedef void (*handler_t)(int);`,
// `typedef struct { … } name;`). After function heads and declarations they were the largest part of what tree-sitter
// still parsed. The records are what the extraction query makes of them: the type's symbol and extent, member types
// (for `a->b.c->f()`), enumerators, typedef names and tag aliases. A definition with anything the query would read
// differently — a nested body, a macro, a call in a size or a value, a directive line — is left to tree-sitter.
import { type CTokens, T_IDENT, T_PUNCT } from './cTokens';
import { HeadReader, cleanBoundary, directiveBetween } from './headScan';
import type { SymbolKind } from './types';

/** A member whose type names a struct, union or typedef: the query's field.type capture. */
export interface MemberType {
  type: string;
  name: string;
  at: number;
}

/** Symbols the query records as soon as it meets them, in the order it meets them. */
export interface EarlyRecord {
  /** Where in the text: records are merged with the query's in text order. */
  at: number;
  kind: 'typedef' | 'enumerator' | 'alias' | 'macro';
  name: string;
  nameAt: number;
  /** For an alias: the struct or union tag the typedef name stands for. */
  tag?: string;
  /** For a macro: whether it takes arguments. */
  funclike?: boolean;
}

export interface TypeDefinition {
  /** A named struct, union or enum: its symbol runs from the name to the body's end. */
  type?: { kind: SymbolKind; name: string; nameAt: number; bodyStart: number; end: number };
  /** `typedef struct { … } name;`: the members belong to `name`. */
  anon?: { name: string; nameAt: number; bodyStart: number; end: number };
  members: MemberType[];
  early: EarlyRecord[];
}

/** tree-sitter-c's primitive types: a member of one of these types gets no field.type capture. */
const PRIMITIVES = new Set([
  'bool', 'char', 'int', 'float', 'double', 'void', 'size_t', 'ssize_t', 'ptrdiff_t', 'intptr_t', 'uintptr_t', 'charptr_t',
  'nullptr_t', 'max_align_t', 'int8_t', 'int16_t', 'int32_t', 'int64_t', 'uint8_t', 'uint16_t', 'uint32_t', 'uint64_t',
  'char8_t', 'char16_t', 'char32_t', 'char64_t',
]);

class TypeReader extends HeadReader {
  /** `(*name)(params)` from the `(` at p: the token after it, or -1. */
  functionPointer(p: number, end: number): number {
    const inner = this.t.match[p];
    if (inner !== p + 3 || !this.isPunct(p + 1, 42) || !this.isName(p + 2) || !this.isPunct(inner + 1, 40)) return -1;
    const close = this.t.match[inner + 1];
    if (close < 0 || close >= end || !this.params(inner + 1, close, true)) return -1;
    return close + 1;
  }

  /** Members between the braces at open and close, or undefined when one is not plain. */
  members(open: number, close: number): MemberType[] | undefined {
    const out: MemberType[] = [];
    let p = open + 1;
    while (p < close) {
      const spec = this.declSpecifiers(p, close);
      if (!spec) return undefined;
      const first = this.word(spec.type);
      // The type the query captures: a struct or union tag, or a typedef name.
      const tagged = first === 'struct' || first === 'union';
      const typeName = tagged ? this.word(spec.type + 1) : first === 'enum' || !this.isName(spec.type) || PRIMITIVES.has(first) ? undefined : first;
      p = spec.next;
      for (;;) {
        const ptr = this.pointers(p, close);
        p = ptr.next;
        if (this.isPunct(p, 40)) {
          // A function pointer member: the query captures nothing of it.
          p = this.functionPointer(p, close);
          if (p < 0) return undefined;
        } else {
          if (!this.isName(p)) return undefined;
          const nameTok = p;
          p++;
          let dims = 0;
          while (this.isPunct(p, 91)) {
            const rb = this.t.match[p];
            if (rb < 0 || rb >= close || !this.plainSize(p + 1, rb)) return undefined;
            dims++;
            p = rb + 1;
          }
          if (this.isPunct(p, 58)) {
            // A bit-field's width: one word or number.
            if (this.t.kind[p + 1] === T_PUNCT) return undefined;
            p += 2;
          }
          // The query's member shapes: `m`, `*m`, `**m`, `m[]`, `*m[]`.
          const captured = ptr.stars <= 2 && (dims === 0 || (dims === 1 && ptr.stars <= 1));
          if (typeName !== undefined && captured) out.push({ type: typeName, name: this.word(nameTok), at: this.t.start[nameTok] });
        }
        if (this.isPunct(p, 59)) break;
        if (!this.isPunct(p, 44)) return undefined;
        p++;
      }
      p++;
    }
    return p === close ? out : undefined;
  }

  /** Enumerators between the braces, or undefined when a value holds a call or a brace. */
  enumerators(open: number, close: number): EarlyRecord[] | undefined {
    const out: EarlyRecord[] = [];
    let p = open + 1;
    while (p < close) {
      if (!this.isName(p)) return undefined;
      out.push({ at: this.t.start[p], kind: 'enumerator', name: this.word(p), nameAt: this.t.start[p] });
      p++;
      if (this.isPunct(p, 61)) {
        p++;
        while (p < close && !this.isPunct(p, 44)) {
          if (this.isPunct(p, 123) || this.isPunct(p, 91) || (this.t.kind[p] === T_IDENT && this.isPunct(p + 1, 40))) return undefined;
          p = this.isPunct(p, 40) && this.t.match[p] > p ? this.t.match[p] + 1 : p + 1;
        }
      }
      if (p === close) break;
      if (!this.isPunct(p, 44)) return undefined;
      p++;
    }
    return out;
  }
}

/**
 * The type definition or typedef made of tokens [first, semi) (`semi` its `;`), when plain; undefined when tree-sitter
 * should read it.
 */
export function readTypeDefinition(text: string, t: CTokens, first: number, semi: number): TypeDefinition | undefined {
  if (first >= semi) return undefined;
  const r = new TypeReader(text, t);
  if (first > 0 && !cleanBoundary(r, t, first - 1)) return undefined;
  if (directiveBetween(t, t.start[first], t.start[semi])) return undefined;
  const at = t.start[first];
  let p = first;
  const typedef = r.isIdent(p) && r.word(p) === 'typedef';
  if (typedef) p++;
  const kw = r.isIdent(p) ? r.word(p) : '';
  if (kw === 'struct' || kw === 'union' || kw === 'enum') {
    const nameTok = r.isName(p + 1) ? p + 1 : -1;
    const open = nameTok >= 0 ? p + 2 : p + 1;
    if (r.isPunct(open, 123)) return body(r, t, at, typedef, kw, nameTok, open, semi);
  }
  return typedef ? plainTypedef(r, t, at, p, semi) : undefined;
}

/** `[typedef] struct|union|enum [name] { … } [name];` with the body opening at token `open`. */
function body(r: TypeReader, t: CTokens, at: number, typedef: boolean, kw: string, nameTok: number, open: number, semi: number): TypeDefinition | undefined {
  const close = t.match[open];
  if (close < 0 || close >= semi) return undefined;
  const bodyStart = t.start[open];
  const end = t.end[close];
  const out: TypeDefinition = { members: [], early: [] };
  // After the body: nothing, or for a typedef one plain name (anything else is left to tree-sitter).
  let alias = -1;
  if (typedef) {
    if (close + 2 !== semi || !r.isName(close + 1)) return undefined;
    alias = close + 1;
  } else if (close + 1 !== semi || nameTok < 0) return undefined;
  // A typedef'd enum's enumerators and name would interleave with the query's in an order it alone knows.
  if (kw === 'enum') {
    if (typedef) return undefined;
    const en = r.enumerators(open, close);
    if (!en) return undefined;
    out.early = en;
  } else {
    const m = r.members(open, close);
    if (!m) return undefined;
    out.members = m;
  }
  if (nameTok >= 0) out.type = { kind: kw as SymbolKind, name: r.word(nameTok), nameAt: t.start[nameTok], bodyStart, end };
  if (alias >= 0) {
    const name = r.word(alias);
    const nameAt = t.start[alias];
    if (nameTok >= 0) out.early.push({ at, kind: 'alias', name, nameAt, tag: r.word(nameTok) });
    else out.anon = { name, nameAt, bodyStart, end };
    out.early.push({ at, kind: 'typedef', name, nameAt });
  }
  return out;
}

/** `typedef T name;`, `typedef T *name;`, `typedef T name[N];`, `typedef T (*name)(…);`, `typedef T name(…);`. */
function plainTypedef(r: TypeReader, t: CTokens, at: number, p: number, semi: number): TypeDefinition | undefined {
  const spec = r.declSpecifiers(p, semi);
  if (!spec) return undefined;
  const ptr = r.pointers(spec.next, semi);
  let q = ptr.next;
  let nameTok: number;
  let plain = false;
  if (r.isPunct(q, 40)) {
    // `(*name)(params)`, through at most one pointer before it (the query's shapes).
    if (ptr.stars > 1) return undefined;
    nameTok = q + 2;
    q = r.functionPointer(q, semi);
    if (q < 0) return undefined;
  } else {
    if (!r.isName(q)) return undefined;
    nameTok = q;
    q++;
    if (r.isPunct(q, 40)) {
      // A function type: `typedef int handler_t(int irq);`.
      const rp = t.match[q];
      if (ptr.stars > 0 || rp < 0 || rp >= semi || !r.params(q, rp, true)) return undefined;
      q = rp + 1;
    } else if (r.isPunct(q, 91)) {
      const rb = t.match[q];
      if (ptr.stars > 0 || rb < 0 || rb >= semi || !r.plainSize(q + 1, rb)) return undefined;
      q = rb + 1;
    } else if (ptr.stars > 1) return undefined;
    else plain = ptr.stars === 0;
  }
  if (q !== semi) return undefined;
  const name = r.word(nameTok);
  const nameAt = t.start[nameTok];
  const out: TypeDefinition = { members: [], early: [] };
  const first = r.word(spec.type);
  if (plain && (first === 'struct' || first === 'union')) out.early.push({ at, kind: 'alias', name, nameAt, tag: r.word(spec.type + 1) });
  out.early.push({ at, kind: 'typedef', name, nameAt });
  return out;
}
