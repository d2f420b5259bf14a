// File-scope declarations read from the tokens: prototypes (`static int f(struct domain *, int);`), variables
// (`extern unsigned long flags, *map[4];`) and forward declarations (`struct vcpu;`). After the function heads they
// were the largest part of what tree-sitter still parsed; what the index keeps of them is a name, where it is, and a
// variable's type. A declaration the extraction query would read differently — a macro in it, an initializer other
// than one word, a function pointer, a call in an array size — is left to tree-sitter.
import { type CTokens, T_CHAR, T_IDENT, T_NUMBER, T_STRING } from './cTokens';
import { HeadReader, cleanBoundary, directiveBetween } from './headScan';

/** A file-scope variable as the extraction query captures it. */
export interface DeclaredVar {
  name: string;
  at: number;
  typeAt: number;
}

export interface Declaration {
  /** Name offsets of the functions it declares. */
  protos: number[];
  vars: DeclaredVar[];
}

/** The query captures a prototype's name through at most two pointers, and a variable through these shapes. */
const MAX_POINTERS = 2;

/**
 * The declaration made of tokens [first, semi) (`semi` is its `;`), when plain; undefined when tree-sitter should
 * read it.
 */
export function readDeclaration(text: string, t: CTokens, first: number, semi: number): Declaration | undefined {
  if (first >= semi) return undefined;
  const r = new HeadReader(text, t);
  if (first > 0 && !cleanBoundary(r, t, first - 1)) return undefined;
  if (directiveBetween(t, t.start[first], t.start[semi])) return undefined;
  const spec = r.declSpecifiers(first, semi);
  if (!spec) return undefined;
  const out: Declaration = { protos: [], vars: [] };
  let p = spec.next;
  // `struct vcpu;`: a forward declaration, nothing to record.
  if (p === semi) return r.word(spec.type) === 'struct' || r.word(spec.type) === 'union' || r.word(spec.type) === 'enum' ? out : undefined;
  for (;;) {
    const ptr = r.pointers(p, semi);
    const nameTok = ptr.next;
    if (nameTok >= semi || !r.isName(nameTok) || ptr.stars > MAX_POINTERS) return undefined;
    p = nameTok + 1;
    if (r.isPunct(p, 40)) {
      const rp = t.match[p];
      if (rp < 0 || rp >= semi || !r.params(p, rp, true)) return undefined;
      out.protos.push(t.start[nameTok]);
      p = rp + 1;
    } else {
      let dims = 0;
      while (r.isPunct(p, 91)) {
        const rb = t.match[p];
        if (rb < 0 || rb >= semi || !r.plainSize(p + 1, rb)) return undefined;
        dims++;
        p = rb + 1;
      }
      // The query's variable shapes: `v`, `*v`, `**v`, `v[]`, `v[][]`, `*v[]`.
      if (dims > 2 || (dims > 0 && ptr.stars > 1) || (dims > 1 && ptr.stars > 0)) return undefined;
      if (r.isPunct(p, 61)) {
        // One word after `=` (`= NULL`, `= 0`, `= "name"`): no call, no table in it.
        const k = t.kind[p + 1];
        if (p + 1 >= semi || (k !== T_IDENT && k !== T_NUMBER && k !== T_STRING && k !== T_CHAR)) return undefined;
        p += 2;
      }
      out.vars.push({ name: r.word(nameTok), at: t.start[nameTok], typeAt: t.start[spec.type] });
    }
    if (p === semi) return out;
    if (!r.isPunct(p, 44)) return undefined;
    p++;
  }
}
