// Offsets in a text made of pieces of another (the file with its function bodies left out) mapped back to that
// other text, so that what tree-sitter reports on the shorter text lands on the original offsets.

import { lineOf } from './lexer';

export class OffsetMap {
  /** Start of each piece in the short text, and where it came from in the original; pieces in order. */
  private readonly shortStarts: number[] = [];
  private readonly originalStarts: number[] = [];
  private length = 0;

  /** Appends the original's [from, to) as the next piece. */
  add(from: number, to: number): void {
    if (to <= from) return;
    const n = this.shortStarts.length;
    // Contiguous with the previous piece: one piece.
    if (n && this.originalStarts[n - 1] + (this.length - this.shortStarts[n - 1]) === from) {
      this.length += to - from;
      return;
    }
    this.shortStarts.push(this.length);
    this.originalStarts.push(from);
    this.length += to - from;
  }

  /** Original offset of the character at `at` in the short text. */
  start(at: number): number {
    const s = this.shortStarts;
    if (!s.length) return at;
    // The piece holding `at`: the last one starting at or before it (the search that finds an offset's line).
    const i = lineOf(s, at);
    return this.originalStarts[i] + (at - s[i]);
  }

  /** Offset in the short text of the first character kept at or after the original's `at` (the length if none). */
  toShort(at: number): number {
    const o = this.originalStarts;
    if (!o.length) return at;
    // The last piece starting at or before `at` (the first one when none does).
    const lo = lineOf(o, at);
    if (o[lo] > at) return this.shortStarts[lo];
    const pieceEnd = lo + 1 < o.length ? this.shortStarts[lo + 1] : this.length;
    const inPiece = this.shortStarts[lo] + (at - o[lo]);
    return inPiece < pieceEnd ? inPiece : pieceEnd;
  }

  /** Original offset for an exclusive end: just past the original of the character before it. */
  end(at: number): number {
    return at <= 0 ? 0 : this.start(at - 1) + 1;
  }
}
