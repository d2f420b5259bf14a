// File-scope initializers read by the lexer. Tables (`static const struct irq_chip x = { .ack = ack_dynirq, … }`,
// register maps, firmware arrays) were a fifth of what tree-sitter still parsed once the function bodies were left
// out; what the index needs from an initializer is small: the function-pointer bindings of designated pairs, which
// pairs sit in a nested list, and the direct calls (macros such as `BIT(3)`). The declaration around the initializer
// stays in the parse (its name, type and an empty `{}`), so the table's range is still the initializer's.
//
// The shapes follow tree-sitter's grammar and the extraction query: a pair binds only when its FIRST designator is a
// field (`.a.b = f` binds `a`, `[2].c = f` binds nothing), and its value is an identifier, `&identifier` or a cast of
// an identifier, alone up to the next `,` or `}`.
import { type CTokens, OP_ARROW, T_IDENT, T_PUNCT } from './cTokens';
import { LITERAL_WORDS, NOT_CALLEES } from './cWords';

export interface InitializerFindings {
  directCalls: number[];
  bindPairs: { field: number; target: number }[];
  /** Lists that are the value of a field-designated pair, [`{`, after `}`). */
  nests: { start: number; end: number }[];
}

/** Scans the tokens strictly between an initializer's braces (tokens `open` and `close`). */
export function scanInitializer(text: string, t: CTokens, open: number, close: number, found: InitializerFindings): void {
  const punct = (i: number, op: number) => i > open && i < close && t.kind[i] === T_PUNCT && t.op[i] === op;
  const ident = (i: number) => i > open && i < close && t.kind[i] === T_IDENT;
  const word = (i: number) => text.slice(t.start[i], t.end[i]);
  /** True when token i ends a pair's value: `,`, or the `}` of its list (or the initializer's own end). */
  const endsValue = (i: number) => i === close || (t.kind[i] === T_PUNCT && (t.op[i] === 44 || t.op[i] === 125));
  for (let i = open + 1; i < close; i++) {
    if (t.kind[i] === T_IDENT) {
      // `x.f(` and `x->f(` call through a field, not `f`.
      if (punct(i + 1, 40) && !punct(i - 1, 46) && !punct(i - 1, OP_ARROW) && !NOT_CALLEES.has(word(i))) found.directCalls.push(t.start[i]);
      continue;
    }
    // A designated pair starts after `{` or `,` with `.field`.
    if (!punct(i, 46) || !ident(i + 1) || !(t.kind[i - 1] === T_PUNCT && (t.op[i - 1] === 123 || t.op[i - 1] === 44))) continue;
    let eq = i + 2;
    for (;;) {
      if (punct(eq, 46) && ident(eq + 1)) eq += 2;
      else if (punct(eq, 91) && t.match[eq] > eq) eq = t.match[eq] + 1;
      else break;
    }
    if (!punct(eq, 61)) continue;
    const field = t.start[i + 1];
    let v = eq + 1;
    if (punct(v, 123)) {
      found.nests.push({ start: t.start[v], end: t.end[t.match[v]] });
      continue;
    }
    if (punct(v, 38)) v++;
    else if (punct(v, 40) && t.match[v] > v && ident(t.match[v] + 1)) v = t.match[v] + 1;
    if (ident(v) && endsValue(v + 1) && !LITERAL_WORDS.has(word(v))) found.bindPairs.push({ field, target: t.start[v] });
  }
}
