// The details a hover shows that the index does not store: a function's or macro's signature as written and the
// comment directly above a definition, read from the file's text on demand.
import { lineStarts } from './lexer';
import type { SymbolDef } from './types';

/** How far above a definition to look for its comment. */
const commentWindow = 4000;
/** Longest signature read before falling back to a cut after the name. */
const maxSignature = 2000;

export function addSymbolDetails(def: SymbolDef, text: string): void {
  if (def.signature && !['function', 'prototype', 'macro'].includes(def.kind)) return;
  const starts = lineStarts(text);
  const startOff = (starts[def.span.line] ?? 0) + def.span.col;
  if (def.kind === 'function' || def.kind === 'prototype') {
    const nameOff = (starts[def.nameSpan.line] ?? 0) + def.nameSpan.col;
    const from = def.kind === 'function' ? startOff : (starts[def.nameSpan.line] ?? nameOff);
    let end = text.indexOf(def.kind === 'function' ? '{' : ';', nameOff);
    if (end < 0 || end - from > maxSignature) end = Math.min(text.length, nameOff + 200);
    def.signature ??= text.slice(from, end).replace(/\s+/g, ' ').trim();
  } else if (def.kind === 'macro') {
    const lineEnd = text.indexOf('\n', startOff);
    def.signature ??= text.slice(starts[def.nameSpan.line], lineEnd < 0 ? text.length : lineEnd).trim();
  }
  const comment = commentAbove(text, starts[def.span.line] ?? 0);
  if (comment !== undefined) def.comment = comment;
}

/** The block comment or the run of `//` lines ending right above `lineStart`, without comment markers. */
function commentAbove(text: string, lineStart: number): string | undefined {
  const before = text.slice(Math.max(0, lineStart - commentWindow), lineStart).trimEnd();
  let comment: string | undefined;
  if (before.endsWith('*/')) {
    const open = before.lastIndexOf('/*');
    if (open >= 0) comment = before.slice(open + 2, -2);
  } else {
    const lines = before.split('\n');
    const got: string[] = [];
    while (lines.length && lines[lines.length - 1].trimStart().startsWith('//')) got.unshift(lines.pop()!.replace(/^\s*\/\/+ ?/, ''));
    if (got.length) comment = got.join('\n');
  }
  if (comment === undefined) return undefined;
  return comment
    .split('\n')
    .map((l) => l.replace(/^\s*\*+ ?/, '').trimEnd())
    .join('\n')
    .trim();
}
