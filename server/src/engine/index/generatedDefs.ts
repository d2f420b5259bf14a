// Generated definitions (`DEFINE_IDTENTRY_SYSVEC(f) {`, `SYSCALL_DEFINE2(name, int, a, char *, b) {`) rewritten into
// plain function headers of the same length, so tree-sitter sees a function and every offset stays put.
// A linear scan, not a regular expression: a lookahead over "comments then `{`" backtracked exponentially on runs of
// `/**/` after the name.
import { ParenPairs, identEnd, isIdentChar, skipBlanksAndComments, skipInlineSpaces, skipSpaces } from './cScan';

/** A generator's argument list longer than this is not one. */
const MAX_ARGS_SPAN = 4096;

/** A generated definition: the function's name as it appears in the source, and the macro that generated it. */
export interface GeneratedDef {
  /** Offset of the name in the rewritten text (where tree-sitter will report it). */
  at: number;
  /** Offset of the name in the original text. */
  original: number;
  macro: string;
}

/** Generators with a single name argument, by prefix (the macro name may go on) or exact name. */
const SINGLE_PREFIXES = ['DEFINE_IDTENTRY', 'DEFINE_FREDENTRY', 'DEFINE_INTERRUPT_HANDLER', 'DEFINE_KVM_HANDLER'];
const SINGLE_EXACT = new Set(['SYSCALL_DEFINE0', 'COMPAT_SYSCALL_DEFINE0', '__visible_SYSCALL0']);
/** Generators of the SYSCALL_DEFINEn(name, type, arg, …) family. */
const ARGS_EXACT = new Set([
  ...[1, 2, 3, 4, 5, 6].flatMap((n) => [`SYSCALL_DEFINE${n}`, `COMPAT_SYSCALL_DEFINE${n}`, `SYSCALL32_DEFINE${n}`]),
  ...[0, 1, 2, 3, 4, 5].map((n) => `BPF_CALL_${n}`),
  'SYSCALL_DEFINE_MAXARGS',
]);

function isSingleGenerator(name: string): boolean {
  return SINGLE_EXACT.has(name) || SINGLE_PREFIXES.some((p) => name.startsWith(p));
}

/** A `(\s*name\s*` head inside a generator's parentheses: the name's span, or undefined. */
function nameAfterOpen(text: string, open: number): { start: number; end: number } | undefined {
  const start = skipSpaces(text, open + 1);
  let end = start;
  while (end < text.length && isIdentChar(text.charCodeAt(end))) end++;
  return end > start ? { start, end } : undefined;
}

/** Rewrites every generated definition at the start of a line; returns the new text and where the names are. */
export function rewriteGeneratedDefs(text: string): { text: string; generated: GeneratedDef[] } {
  const generated: GeneratedDef[] = [];
  if (!text.includes('DEFINE') && !text.includes('BPF_CALL') && !text.includes('SYSCALL')) return { text, generated };
  const parts: string[] = [];
  let last = 0;
  // Line starts before `skippedTo` lie in blanks or comments already read after an earlier head: not code.
  let skippedTo = 0;
  let pairs: ParenPairs | undefined;
  for (let lineStart = 0; lineStart < text.length; lineStart = text.indexOf('\n', lineStart) + 1 || text.length) {
    if (lineStart < skippedTo) continue;
    const first = skipInlineSpaces(text, lineStart);
    let macroAt = first;
    let end = identEnd(text, macroAt);
    let isStatic = false;
    if (end - macroAt === 6 && text.startsWith('static', macroAt)) {
      const after = skipInlineSpaces(text, end);
      if (after === end) continue;
      isStatic = true;
      macroAt = after;
      end = identEnd(text, macroAt);
    }
    // Only a line's first word followed by `(` is cut out of the text.
    if (text.charCodeAt(end) !== 40 || end === macroAt) continue;
    const word = text.slice(macroAt, end);
    const single = isSingleGenerator(word);
    if (!single && (isStatic || !ARGS_EXACT.has(word))) continue;
    const name = nameAfterOpen(text, end);
    if (!name) continue;
    let close: number;
    if (single) {
      const after = skipSpaces(text, name.end);
      if (text.charCodeAt(after) !== 41) continue;
      close = after + 1;
    } else {
      if (text.charCodeAt(skipSpaces(text, name.end)) !== 44) continue;
      close = (pairs ??= new ParenPairs(text)).closeAfter(end, MAX_ARGS_SPAN);
      if (close < 0 || /[{};]/.test(text.slice(end, close))) continue;
    }
    const next = skipBlanksAndComments(text, close);
    skippedTo = next;
    if (text.charCodeAt(next) !== 123) continue;
    const all = text.slice(lineStart, close);
    const nameText = text.slice(name.start, name.end);
    let out: string;
    if (single) {
      // `M(name)` → `void    name()`: the name moves one column left to make room for `()`.
      out = 'void' + ' '.repeat(Math.max(0, all.length - 4 - nameText.length - 2)) + nameText + '()';
      if (out.length !== all.length) continue;
      generated.push({ at: lineStart + all.length - 2 - nameText.length, original: name.start, macro: word });
    } else {
      // `SYSCALL_DEFINE2(name, int, a, char *, b)` → `long            name( int  a, char *  b)`.
      const comma = text.indexOf(',', name.end);
      const args = text.slice(comma + 1, close - 1);
      let n = 0;
      const params = args.replace(/,/g, () => (n++ % 2 === 0 ? ' ' : ','));
      const head = text.slice(lineStart, end + 1);
      out = 'long' + ' '.repeat(head.length - 4) + text.slice(end + 1, comma) + '(' + params + ')';
      if (out.length !== all.length) continue;
      generated.push({ at: name.start, original: name.start, macro: word });
    }
    parts.push(text.slice(last, lineStart), out);
    last = close;
  }
  if (last === 0) return { text, generated };
  parts.push(text.slice(last));
  return { text: parts.join(''), generated };
}
