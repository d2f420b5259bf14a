// What an edit does to one C file's functions: the changed lines (from a line diff of the pre- and post-image, so
// hunks applied at an offset are placed right), mapped to the functions the parser finds on each side — never to the
// `@@ … @@ name` context git prints — plus the ops-table bindings that appear or disappear.

import { structuredPatch } from 'diff';
import type { Codebase } from '../index/types';
import { bodyOf, CBinding, CFile, CFunction, functionAt, parseC } from './cFunctions';
import { classifyEdit } from './cosmeticChange';
import { TouchedFunction } from './types';

export interface FunctionSides {
  touched: TouchedFunction;
  before?: { fn: CFunction; body: string };
  after?: { fn: CFunction; body: string };
}

export interface FileEdit {
  rel: string;
  codebase: Codebase;
  functions: FunctionSides[];
  /** Bindings present after and not before (`joins`), before and not after (`leaves`). */
  joins: CBinding[];
  leaves: CBinding[];
  pre: CFile;
  post: CFile;
  preLines: string[];
  postLines: string[];
  /** 1-based post-image lines added or changed. */
  addedLines: number[];
  /** A 1-based pre-image line → the 1-based post-image line at the same place. */
  toPost(line: number): number;
}

const C_FILE = /\.(c|h|inc|cc)$/;

export function isCFile(rel: string): boolean {
  return C_FILE.test(rel);
}

const bindingKey = (b: CBinding) => `${b.table}.${b.field}=${b.target}`;

/** Files longer than this are parsed only around their changes (a 13,000-line x86.c costs a second to parse). */
const WINDOW_ABOVE_LINES = 1500;

/** The text with every line outside the top-level definitions holding `changed` (1-based) emptied: line numbers and
 *  columns stay, tree-sitter parses a few functions instead of the file. A definition ends at a `}` in column 0. */
export function windowed(lines: string[], changed: number[]): string {
  if (lines.length <= WINDOW_ABOVE_LINES || changed.length === 0) return lines.join('\n');
  const keep = new Uint8Array(lines.length);
  for (const c of changed) {
    let a = Math.min(Math.max(0, c - 1), lines.length - 1);
    while (a > 0 && !/^}/.test(lines[a - 1])) a--;
    let b = Math.min(Math.max(0, c - 1), lines.length - 1);
    while (b < lines.length - 1 && !/^}/.test(lines[b])) b++;
    // One more definition below: a function whose header a change touched ends at the next `}`.
    let b2 = b + 1;
    while (b2 < lines.length - 1 && !/^}/.test(lines[b2])) b2++;
    keep.fill(1, a, Math.min(lines.length, b2 + 1));
  }
  return lines.map((l, i) => (keep[i] ? l : '')).join('\n');
}

/** Compares two images of one file. Either side may be empty (new or deleted file). */
export function fileEdit(rel: string, codebase: Codebase, preText: string, postText: string): FileEdit {
  const preLines = preText.split('\n');
  const postLines = postText.split('\n');
  const diff = structuredPatch('a', 'b', preText, postText, '', '', { context: 0 });
  const preTouched = diff.hunks.flatMap((h) => [h.oldStart, h.oldStart + Math.max(0, h.oldLines - 1)]);
  const postTouched = diff.hunks.flatMap((h) => [h.newStart, h.newStart + Math.max(0, h.newLines - 1)]);
  // Each side is windowed around its own side of the hunks: both widen to the same unchanged `}` boundaries.
  const pre = parseC(windowed(preLines, preTouched), rel);
  const post = parseC(windowed(postLines, postTouched), rel);
  const removed: number[] = [];
  const added: number[] = [];
  // Pre-line → post-line offsets at each hunk, for placing a removed clause in the post-image.
  const anchors: { oldStart: number; oldEnd: number; newStart: number; newEnd: number }[] = [];
  for (const h of diff.hunks) {
    let o = h.oldStart;
    let n = h.newStart;
    // With zero context, a pure insertion's oldStart is the line before it (or 0); a pure deletion's newStart likewise.
    if (h.oldLines === 0) o++;
    if (h.newLines === 0) n++;
    anchors.push({ oldStart: o, oldEnd: o + h.oldLines, newStart: n, newEnd: n + h.newLines });
    for (const l of h.lines) {
      if (l[0] === '-') removed.push(o++);
      else if (l[0] === '+') added.push(n++);
    }
  }
  const toPost = (line: number): number => {
    let delta = 0;
    for (const a of anchors) {
      if (line < a.oldStart) break;
      if (line < a.oldEnd) return Math.min(a.newStart, Math.max(1, postLines.length));
      delta = a.newEnd - a.oldEnd;
    }
    return line + delta;
  };

  const byName = new Map<string, { before?: CFunction; after?: CFunction; lines: Set<number> }>();
  const entry = (name: string) => {
    let e = byName.get(name);
    if (!e) byName.set(name, (e = { lines: new Set() }));
    return e;
  };
  for (const l of removed) {
    const f = functionAt(pre, l - 1);
    if (f) entry(f.name).lines.add(toPost(l));
  }
  for (const l of added) {
    const f = functionAt(post, l - 1);
    if (f) entry(f.name).lines.add(l);
  }
  const functions: FunctionSides[] = [];
  for (const [name, e] of byName) {
    const before = pre.functions.find((f) => f.name === name);
    const after = post.functions.find((f) => f.name === name);
    const bBody = before ? bodyOf(preLines, before) : undefined;
    const aBody = after ? bodyOf(postLines, after) : undefined;
    const fullBefore = before ? preLines.slice(before.startLine, before.endLine + 1).join('\n') : '';
    const fullAfter = after ? postLines.slice(after.startLine, after.endLine + 1).join('\n') : '';
    const edit = before && after ? classifyEdit(fullBefore, fullAfter) : 'code';
    if (edit === 'none') continue;
    functions.push({
      touched: {
        name,
        file: rel,
        codebase,
        ...(before ? { lineBefore: before.nameLine + 1 } : {}),
        ...(after ? { lineAfter: after.nameLine + 1 } : {}),
        change: before && after ? 'modified' : after ? 'added' : 'removed',
        cosmetic: edit === 'layout' || edit === 'local-rename',
        lines: [...e.lines].sort((x, y) => x - y),
      },
      ...(before && bBody !== undefined ? { before: { fn: before, body: bBody } } : {}),
      ...(after && aBody !== undefined ? { after: { fn: after, body: aBody } } : {}),
    });
  }
  const preKeys = new Set(pre.bindings.map(bindingKey));
  const postKeys = new Set(post.bindings.map(bindingKey));
  return {
    rel,
    codebase,
    functions,
    joins: post.bindings.filter((b) => !preKeys.has(bindingKey(b))),
    leaves: pre.bindings.filter((b) => !postKeys.has(bindingKey(b))),
    pre,
    post,
    preLines,
    postLines,
    addedLines: added,
    toPost,
  };
}
