// Conversions between LSP positions/URIs and the index's absolute paths and zero-based spans, and the name under the cursor.
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Location, Position, Range } from 'vscode-languageserver';
import type { IndexQueries, Span } from '../engine/index/types';

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}

export function spanRange(s: Span): Range {
  return { start: { line: s.line, character: s.col }, end: { line: s.endLine, character: s.endCol } };
}

/** A range covering `length` characters from a point (call sites and references carry only their start). */
export function pointRange(line: number, col: number, length: number): Range {
  return { start: { line, character: col }, end: { line, character: col + length } };
}

export function location(file: string, range: Range): Location {
  return { uri: pathToUri(file), range };
}

const identChar = /[A-Za-z0-9_]/;

/** The C identifier touching `pos` in `text`, when the document text is at hand. */
export function wordAt(text: string, pos: Position): string | undefined {
  let lineStart = 0;
  for (let l = 0; l < pos.line; l++) {
    const nl = text.indexOf('\n', lineStart);
    if (nl < 0) return undefined;
    lineStart = nl + 1;
  }
  const nl = text.indexOf('\n', lineStart);
  const line = text.slice(lineStart, nl < 0 ? text.length : nl);
  let s = Math.min(pos.character, line.length);
  let e = s;
  while (s > 0 && identChar.test(line[s - 1])) s--;
  while (e < line.length && identChar.test(line[e])) e++;
  const w = line.slice(s, e);
  return /^[A-Za-z_]\w*$/.test(w) ? w : undefined;
}

/**
 * The name a request at `pos` is about: what the index saw there, else the identifier in the open document's text
 * (the index may not have the file: outside every tree, or skipped as bad input).
 */
export function nameAt(index: IndexQueries, file: string, pos: Position, text?: string): string | undefined {
  const fromIndex = index.identifierAt(file, pos.line, pos.character)?.name;
  if (fromIndex) return fromIndex;
  return text === undefined ? undefined : wordAt(text, pos);
}
