// The growing record of one file while it is extracted: its string table and packed arrays, plus the small range
// helpers every extraction phase shares.
import { identEnd } from './cScan';
import { KIND_ID } from './fileRecord';
import { lineOf } from './lexer';
import type { Capture } from './queryRunner';
import type { SymbolKind } from './types';

export type TSNode = Capture;

export function startOf(n: TSNode): number {
  return n.start;
}

/** The identifier starting at `at` ('' when none starts there). */
export function wordAt(text: string, at: number): string {
  const end = identEnd(text, at);
  return end > at ? text.slice(at, end) : '';
}

/** The type name a declaration's `type` node names: `struct irq_chip` → `irq_chip`, `MemoryRegionOps` → itself. */
export function typeNameAt(text: string, at: number): string {
  const w = wordAt(text, at);
  if (w === 'struct' || w === 'union' || w === 'enum') {
    let i = at + w.length;
    while (i < text.length && /\s/.test(text[i])) i++;
    return wordAt(text, i);
  }
  return w;
}

export interface Range {
  start: number;
  end: number;
}
export interface Fn extends Range {
  typeAt: number;
  declStart: number;
  bodyStart: number;
  name: number;
  nameAt: number;
}
export interface Named extends Range {
  name: string;
  type?: string;
}
export interface Local {
  name: string;
  type: string;
  at: number;
}

/** Index of the last range whose start ≤ at (ranges sorted by start), or -1. */
export function lastStartingBefore(ranges: Range[], at: number): number {
  let lo = 0;
  let hi = ranges.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid].start <= at) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

export function containing<T extends Range>(ranges: T[], at: number): T | undefined {
  const i = lastStartingBefore(ranges, at);
  return i >= 0 && at < ranges[i].end ? ranges[i] : undefined;
}

/** A string table several records share (a parse worker's batch): each record's ids index its `strings`. */
export interface SharedStrings {
  strings: string[];
  ids: Map<string, number>;
}

export function sharedStrings(): SharedStrings {
  return { strings: [], ids: new Map() };
}

export class RecordBuilder {
  strings: string[];
  ids: Map<string, number>;
  syms: number[] = [];
  calls: number[] = [];
  icalls: number[] = [];
  binds: number[] = [];
  fieldTypes: number[] = [];
  aliases: number[] = [];
  /** With `shared`, names are interned in that table (the record then has no table of its own). */
  constructor(
    readonly text: string,
    readonly starts: number[],
    shared?: SharedStrings,
  ) {
    this.strings = shared?.strings ?? [];
    this.ids = shared?.ids ?? new Map();
  }
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
  pos(at: number): [number, number] {
    const line = lineOf(this.starts, at);
    return [line, at - this.starts[line]];
  }
  sym(name: string, kind: SymbolKind, nameAt: number, start: number, end: number, flags = 0, aux = -1): void {
    // A declarator the query could not name (`static DEFINE_PER_CPU(int [N], name) = …`) is no symbol: an empty name
    // would reach editors as a nameless outline entry, which they reject.
    if (name.length === 0) return;
    const [nl, nc] = this.pos(nameAt);
    const [sl, sc] = start === nameAt ? [nl, nc] : this.pos(start);
    const [el, ec] = end === nameAt + name.length ? [nl, nc + name.length] : this.pos(end);
    this.syms.push(this.id(name), KIND_ID[kind] | flags, nl, nc, sl, sc, el, ec, aux);
  }
}

