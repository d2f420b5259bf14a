// Two headers for one body (`#ifdef CONFIG_LINUX\nstatic void f(int a, siginfo_t *i)\n#else\nstatic void f(int a)\n#endif\n{`):
// keep the first header, blank the directives and the alternative, so tree-sitter sees one definition.
// A linear scan: each `#if` line looks ahead only to the next `#`, `{`, `}` or `;`.
import { skipInlineSpaces, skipSpaces } from './cScan';

/** Offset of the first `#`, `{`, `}` or `;` at or after `i` (the text's length if none). */
function nextStop(text: string, i: number): number {
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 35 || c === 123 || c === 125 || c === 59) return i;
  }
  return i;
}

/** When the line [start, end) is a directive `#<word>…`, the word; otherwise ''. */
function directiveWord(text: string, start: number, end: number): string {
  let i = skipInlineSpaces(text, start);
  if (i >= end || text.charCodeAt(i) !== 35) return '';
  i = skipInlineSpaces(text, i + 1);
  let j = i;
  while (j < end && /[a-z]/.test(text[j])) j++;
  return text.slice(i, j);
}

/** A header's last line: it ends with `)`, or with `) /* comment *\/`, trailing blanks allowed. */
function endsHeader(line: string): boolean {
  let e = line.length;
  while (e > 0 && (line.charCodeAt(e - 1) === 32 || line.charCodeAt(e - 1) === 9)) e--;
  if (e > 0 && line.charCodeAt(e - 1) === 41) return true;
  if (!line.startsWith('*/', e - 2)) return false;
  const commentEnd = e - 2;
  for (let i = line.indexOf(')'); i >= 0 && i < commentEnd; i = line.indexOf(')', i + 1)) {
    let j = i + 1;
    while (j < commentEnd && (line.charCodeAt(j) === 32 || line.charCodeAt(j) === 9)) j++;
    if (line.startsWith('/*', j) && j + 2 <= commentEnd) return true;
  }
  return false;
}

/** The header block between `from` (just after a directive line) and the directive line starting at `stop`'s line. */
function headerBlock(text: string, from: number, stop: number): number {
  // The directive must start its own line; the block before it must be non-empty and end with a header line.
  const dirLine = text.lastIndexOf('\n', stop - 1) + 1;
  if (dirLine <= from || skipInlineSpaces(text, dirLine) !== stop) return -1;
  const lastLine = text.lastIndexOf('\n', dirLine - 2) + 1;
  return endsHeader(text.slice(Math.max(from, lastLine), dirLine - 1)) ? dirLine : -1;
}

function blank(s: string): string {
  return s.replace(/[^\n]/g, ' ');
}

export function mergeAlternativeHeaders(text: string): string {
  if (!text.includes('#else')) return text;
  const parts: string[] = [];
  let last = 0;
  for (let ifStart = 0; ifStart < text.length; ) {
    const ifEnd = text.indexOf('\n', ifStart);
    if (ifEnd < 0) break;
    const next = ifEnd + 1;
    if (!directiveWord(text, ifStart, ifEnd).startsWith('if')) {
      ifStart = next;
      continue;
    }
    const elseAt = nextStop(text, next);
    const elseLine = text.charCodeAt(elseAt) === 35 ? headerBlock(text, next, elseAt) : -1;
    const elseEnd = elseLine < 0 ? -1 : text.indexOf('\n', elseLine);
    if (elseEnd < 0 || !directiveWord(text, elseLine, elseEnd).startsWith('else')) {
      ifStart = next;
      continue;
    }
    const endifAt = nextStop(text, elseEnd + 1);
    const endifLine = text.charCodeAt(endifAt) === 35 ? headerBlock(text, elseEnd + 1, endifAt) : -1;
    const endifEnd = endifLine < 0 ? -1 : text.indexOf('\n', endifLine);
    if (endifEnd < 0 || !directiveWord(text, endifLine, endifEnd).startsWith('endif') || text.charCodeAt(skipSpaces(text, endifEnd)) !== 123) {
      ifStart = next;
      continue;
    }
    // Keep the first header (between the #if line and #else); blank the #if line and everything from #else to #endif.
    parts.push(text.slice(last, ifStart), blank(text.slice(ifStart, ifEnd)), text.slice(ifEnd, elseLine), blank(text.slice(elseLine, endifEnd)));
    last = endifEnd;
    ifStart = endifEnd + 1;
  }
  if (last === 0) return text;
  parts.push(text.slice(last));
  return parts.join('');
}
