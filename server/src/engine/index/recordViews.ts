// Typed views over the packed FileRecord arrays: the only place outside extraction that knows the slot layout, so
// queries, the contract checker and tests read `symbol.kind` instead of `syms[o + 1] & 0xff`.
import { B_ASSIGN, BIND, CALL, F_FUNCLIKE, F_GENERATED, F_STATIC, type FileRecord, ICALL, KINDS, SYM } from './fileRecord';
import type { SymbolDef, SymbolKind } from './types';

/** Kind codes (the low byte of a symbol's second slot) of function definitions and prototypes. */
const FUNCTION_KIND = 0;
const PROTOTYPE_KIND = 1;

/** One symbol of a record, by element index. String slots are ids into the record's (or its tree's) string table. */
export interface SymbolEntry {
  element: number;
  nameId: number;
  kind: SymbolKind;
  isStatic: boolean;
  isFunctionLike: boolean;
  /** A function produced by a generator macro; `auxId` is then the macro's name. */
  isGenerated: boolean;
  nameLine: number;
  nameCol: number;
  startLine: number;
  startCol: number;
  endLine: number;
  endCol: number;
  /** Struct type of a variable, or the generator macro of a generated function; -1 when none. */
  auxId: number;
}

export function symbolCount(r: FileRecord): number {
  return r.syms.length / SYM;
}

export function symbolAt(r: FileRecord, element: number): SymbolEntry {
  const s = r.syms;
  const o = element * SYM;
  const flags = s[o + 1];
  return {
    element,
    nameId: s[o],
    kind: KINDS[flags & 0xff],
    isStatic: (flags & F_STATIC) !== 0,
    isFunctionLike: (flags & F_FUNCLIKE) !== 0,
    isGenerated: (flags & F_GENERATED) !== 0,
    nameLine: s[o + 2],
    nameCol: s[o + 3],
    startLine: s[o + 4],
    startCol: s[o + 5],
    endLine: s[o + 6],
    endCol: s[o + 7],
    auxId: s[o + 8],
  };
}

export function* symbolsOf(r: FileRecord): Generator<SymbolEntry> {
  for (let e = 0; e < symbolCount(r); e++) yield symbolAt(r, e);
}

/** The kind of one symbol, without building the whole entry (hot loops over every definition of a name). */
export function symbolKindAt(r: FileRecord, element: number): SymbolKind {
  return KINDS[r.syms[element * SYM + 1] & 0xff];
}

export function symbolNameLineAt(r: FileRecord, element: number): number {
  return r.syms[element * SYM + 2];
}

/** A function definition or prototype. */
export function isFunctionKind(kind: SymbolKind): boolean {
  return kind === KINDS[FUNCTION_KIND] || kind === KINDS[PROTOTYPE_KIND];
}

/** The function definition whose body holds `line`, if any. */
export function enclosingFunctionEntry(r: FileRecord, line: number): SymbolEntry | undefined {
  const s = r.syms;
  for (let o = 0; o < s.length; o += SYM) {
    if ((s[o + 1] & 0xff) === FUNCTION_KIND && s[o + 4] <= line && line <= s[o + 6]) return symbolAt(r, o / SYM);
  }
  return undefined;
}

export interface DirectCallEntry {
  calleeId: number;
  /** -1 at file scope. */
  callerId: number;
  line: number;
  col: number;
}

export function directCallAt(r: FileRecord, element: number): DirectCallEntry {
  const c = r.calls;
  const o = element * CALL;
  return { calleeId: c[o], callerId: c[o + 1], line: c[o + 2], col: c[o + 3] };
}

export interface IndirectCallEntry {
  fieldId: number;
  callerId: number;
  line: number;
  col: number;
  receiverId: number;
  /** The receiver's base struct type id, -1 unknown. */
  baseTypeId: number;
}

export function indirectCallAt(r: FileRecord, element: number): IndirectCallEntry {
  const c = r.icalls;
  const o = element * ICALL;
  return { fieldId: c[o], callerId: c[o + 1], line: c[o + 2], col: c[o + 3], receiverId: c[o + 4], baseTypeId: c[o + 5] };
}

export interface BindingEntry {
  fieldId: number;
  targetId: number;
  /** The table variable, or the receiver text of an assignment. */
  tableId: number;
  /** The table's declared struct type, -1 unknown. */
  tableTypeId: number;
  line: number;
  col: number;
  /** `ops->f = g` rather than a designated initializer `.f = g`. */
  isAssignment: boolean;
  /** For assignments: the receiver's base struct type id, -1 unknown. */
  baseTypeId: number;
}

export function bindingAt(r: FileRecord, element: number): BindingEntry {
  const b = r.binds;
  const o = element * BIND;
  return {
    fieldId: b[o],
    targetId: b[o + 1],
    tableId: b[o + 2],
    tableTypeId: b[o + 3],
    line: b[o + 4],
    col: b[o + 5],
    isAssignment: (b[o + 6] & B_ASSIGN) !== 0,
    baseTypeId: b[o + 7],
  };
}

export function* bindingsOf(r: FileRecord): Generator<BindingEntry> {
  for (let e = 0; e < r.binds.length / BIND; e++) yield bindingAt(r, e);
}

/** The names of a record straight from extraction (its own string table), with their kinds: for tests and the contract checker. */
export function namedSymbols(r: FileRecord, strings: readonly string[] = r.strings ?? []): { name: string; entry: SymbolEntry }[] {
  return [...symbolsOf(r)].map((entry) => ({ name: strings[entry.nameId], entry }));
}

/** A symbol as the queries return it: names resolved through `strings`, spans, linkage and the aux slot's meaning. */
export function toSymbolDef(r: FileRecord, element: number, strings: readonly string[]): SymbolDef {
  const e = symbolAt(r, element);
  const name = strings[e.nameId];
  const def: SymbolDef = {
    name,
    kind: e.kind,
    file: r.file,
    nameSpan: { line: e.nameLine, col: e.nameCol, endLine: e.nameLine, endCol: e.nameCol + name.length },
    span: { line: e.startLine, col: e.startCol, endLine: e.endLine, endCol: e.endCol },
  };
  if (e.isStatic) def.isStatic = true;
  if (e.kind === 'macro') def.isFunctionLike = e.isFunctionLike;
  if (e.auxId >= 0) {
    if (e.isGenerated) def.signature = `${strings[e.auxId]}(${name})`;
    else if (e.kind === 'variable') def.structType = strings[e.auxId];
  }
  return def;
}

/** Function definitions in a record (a raw loop: the build counts them over millions of symbols). */
export function functionCount(r: FileRecord): number {
  let n = 0;
  for (let o = 1; o < r.syms.length; o += SYM) if ((r.syms[o] & 0xff) === FUNCTION_KIND) n++;
  return n;
}

/** Direct and indirect call sites of a record. */
export function callSiteCount(r: FileRecord): number {
  return r.calls.length / CALL + r.icalls.length / ICALL;
}
