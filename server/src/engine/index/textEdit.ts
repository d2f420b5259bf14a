// The edit between two versions of a document's text, as tree-sitter's incremental re-parse wants it: the common
// prefix and suffix are kept, the middle is the change (one edit covers any number of changes in between).
import type Parser from 'tree-sitter';

function pointAt(s: string, at: number): Parser.Point {
  let row = 0;
  let lastNewline = -1;
  for (let i = s.indexOf('\n'); i >= 0 && i < at; i = s.indexOf('\n', i + 1)) {
    row++;
    lastNewline = i;
  }
  return { row, column: at - (lastNewline + 1) };
}

export function textEditBetween(before: string, after: string): Parser.Edit {
  let start = 0;
  const min = Math.min(before.length, after.length);
  while (start < min && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--;
    endAfter--;
  }
  return {
    startIndex: start,
    oldEndIndex: endBefore,
    newEndIndex: endAfter,
    startPosition: pointAt(before, start),
    oldEndPosition: pointAt(before, endBefore),
    newEndPosition: pointAt(after, endAfter),
  };
}
