// Whether a function's edit can change what it does: equal token streams once whitespace and comments are dropped,
// or equal up to a consistent renaming of names that are neither called nor used as fields (a local renamed
// everywhere). Such edits never produce a contract finding.

const TOKEN = /\/\*[\s\S]*?(?:\*\/|$)|\/\/(?:[^\n\\]|\\[\s\S])*|"(?:[^"\\\n]|\\[\s\S])*"?|'(?:[^'\\\n]|\\[\s\S])*'?|[A-Za-z_][A-Za-z0-9_]*|[0-9][A-Za-z0-9_.]*|->|\+\+|--|<<=?|>>=?|[<>=!&|^+\-*/%]=|&&|\|\||\S/g;
const IDENT = /^[A-Za-z_]/;

/** The significant tokens of C text: comments and blanks (and backslash line continuations) dropped. */
export function significantTokens(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const t = m[0];
    if (t.startsWith('/*') || t.startsWith('//') || t === '\\') continue;
    out.push(t);
  }
  return out;
}

/** A name read as a field (`x.name`, `p->name`): not the local of the same name. */
function isField(tokens: string[], i: number): boolean {
  return tokens[i - 1] === '.' || tokens[i - 1] === '->';
}

export type EditKind = 'none' | 'layout' | 'local-rename' | 'code';

/** Classifies the edit between two texts of one function. */
export function classifyEdit(before: string, after: string): EditKind {
  if (before === after) return 'none';
  const a = significantTokens(before);
  const b = significantTokens(after);
  if (a.length !== b.length) return 'code';
  const forward = new Map<string, string>();
  const backward = new Map<string, string>();
  let renamed = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) {
      if (!isField(a, i) && forward.has(a[i]) && forward.get(a[i]) !== a[i]) return 'code';
      continue;
    }
    if (!IDENT.test(a[i]) || !IDENT.test(b[i])) return 'code';
    // A called name or a field is not a local: renaming it changes what runs or what is read.
    if (b[i + 1] === '(' || a[i + 1] === '(' || a[i - 1] === '.' || a[i - 1] === '->') return 'code';
    if ((forward.get(a[i]) ?? b[i]) !== b[i] || (backward.get(b[i]) ?? a[i]) !== a[i]) return 'code';
    forward.set(a[i], b[i]);
    backward.set(b[i], a[i]);
    renamed = true;
  }
  // Every occurrence of a renamed name must be renamed (a name kept in one place and renamed in another is a change).
  for (let i = 0; i < a.length; i++) if (!isField(a, i) && forward.has(a[i]) && b[i] !== forward.get(a[i])) return 'code';
  return renamed ? 'local-rename' : 'layout';
}
