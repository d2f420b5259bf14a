// The extraction query's matches sorted into plain lists, one per kind of capture. Symbols that need no context
// (macros, enumerators, typedefs, tag aliases) are recorded right away; the rest is resolved by collectRecords.ts.
import type Parser from 'tree-sitter';
import { F_FUNCLIKE } from './fileRecord';
import { extractQuery } from './cParse';
import type { OffsetMap } from './offsetMap';
import { type Capture, runQuery } from './queryRunner';
import { type Fn, type Local, type Range, type RecordBuilder, type TSNode, startOf, typeNameAt, wordAt } from './recordBuilder';
import type { EarlyRecord } from './typeScan';
import type { SymbolKind } from './types';

export interface QueryFindings {
  fns: Fn[];
  /** Starts of function declarators' parameter lists: the function's name ends right before one. */
  fdNames: number[];
  protos: number[];
  types: { kind: SymbolKind; name: string; nameAt: number; bodyStart: number; body: TSNode }[];
  anon: { name: string; nameAt: number; body: TSNode }[];
  fieldDecls: { type: string; name: string; at: number }[];
  vars: { name: string; type: string; at: number; init?: TSNode; typeAt: number }[];
  params: Local[];
  directCalls: number[];
  icalls: { recv: TSNode; field: number }[];
  bindPairs: { field: number; target: number }[];
  nests: Range[];
  asgs: { recv: TSNode; field: number; target: number }[];
  errorRanges: Range[];
}

/** A capture of a tree parsed from a shortened text, at the original text's offsets. */
class MappedCapture implements Capture {
  readonly name: string;
  readonly start: number;
  constructor(
    private readonly c: Capture,
    private readonly map: OffsetMap,
  ) {
    this.name = c.name;
    this.start = map.start(c.start);
  }
  get end(): number {
    return this.map.end(this.c.end);
  }
}

/**
 * Runs the query on the tree within the budget (µs granularity) and sorts its matches by kind. With `map`, the tree
 * was parsed from a shortened text (bodyScan.ts) and every capture is taken back to `text`'s offsets.
 */
export function gatherMatches(b: RecordBuilder, tree: Parser.Tree, text: string, budgetMs: number, map?: OffsetMap, early: EarlyRecord[] = []): QueryFindings {
  const found: QueryFindings = {
    fns: [], fdNames: [], protos: [], types: [], anon: [], fieldDecls: [], vars: [], params: [], directCalls: [], icalls: [],
    bindPairs: [], nests: [], asgs: [], errorRanges: [],
  };
  const { fns, fdNames, protos, types, anon, fieldDecls, vars, params, directCalls, icalls, bindPairs, nests, asgs, errorRanges } = found;
  const matches = runQuery(extractQuery(), tree, Math.ceil(budgetMs * 1000));
  // Symbols of definitions the lexer read (typeScan.ts) are recorded where the query would have met them.
  let e = 0;
  const before = (at: number) => {
    for (; e < early.length && early[e].at < at; e++) recordEarly(b, early[e]);
  };
  for (const m of matches) {
    const c = map ? m.captures.map((x) => new MappedCapture(x, map)) : m.captures;
    const head = c[0].name;
    switch (head) {
      case 'fn.def': {
        const def = c[0];
        const type = c.find((x) => x.name === 'fn.type');
        const decl = c.find((x) => x.name === 'fn.decl')!;
        const body = c.find((x) => x.name === 'fn.body')!;
        fns.push({ start: startOf(def), end: def.end, declStart: startOf(decl), bodyStart: startOf(body), name: -1, nameAt: -1, typeAt: type ? startOf(type) : -1 });
        break;
      }
      case 'fd.params':
        fdNames.push(startOf(c[0]));
        break;
      case 'proto.name':
        protos.push(startOf(c[0]));
        break;
      case 'macro.obj':
      case 'macro.fn': {
        const at = startOf(c[0]);
        before(at);
        const name = wordAt(text, at);
        b.sym(name, 'macro', at, at, at + name.length, head === 'macro.fn' ? F_FUNCLIKE : 0);
        break;
      }
      case 'struct.name':
      case 'union.name':
      case 'enum.name': {
        const at = startOf(c[0]);
        const body = c[1];
        types.push({ kind: head.slice(0, head.indexOf('.')) as SymbolKind, name: wordAt(text, at), nameAt: at, bodyStart: startOf(body), body });
        break;
      }
      case 'enumerator.name': {
        const at = startOf(c[0]);
        before(at);
        const name = wordAt(text, at);
        b.sym(name, 'enumerator', at, at, at + name.length);
        break;
      }
      case 'anon.body': {
        const nameNode = c.find((x) => x.name === 'anon.name')!;
        const at = startOf(nameNode);
        anon.push({ name: wordAt(text, at), nameAt: at, body: c[0] });
        break;
      }
      case 'alias.tag': {
        before(startOf(c[0]));
        const tag = wordAt(text, startOf(c[0]));
        const name = wordAt(text, startOf(c[1]));
        b.aliases.push(b.id(name), b.id(tag));
        break;
      }
      case 'typedef.name': {
        const at = startOf(c[0]);
        before(at);
        const name = wordAt(text, at);
        b.sym(name, 'typedef', at, at, at + name.length);
        break;
      }
      case 'field.type': {
        const type = typeNameAt(text, startOf(c[0]));
        const at = startOf(c[1]);
        fieldDecls.push({ type, name: wordAt(text, at), at });
        break;
      }
      case 'var.type': {
        const typeAt = startOf(c[0]);
        const at = startOf(c[1]);
        const init = c[2];
        vars.push({ name: wordAt(text, at), type: typeNameAt(text, typeAt), at, init, typeAt });
        break;
      }
      case 'param.type': {
        const at = startOf(c[1]);
        params.push({ name: wordAt(text, at), type: typeNameAt(text, startOf(c[0])), at });
        break;
      }
      case 'call.callee':
        directCalls.push(startOf(c[0]));
        break;
      case 'icall.recv':
        icalls.push({ recv: c[0], field: startOf(c[1]) });
        break;
      case 'bind.field':
        bindPairs.push({ field: startOf(c[0]), target: startOf(c[1]) });
        break;
      case 'nest.field': {
        const list = c[1];
        nests.push({ start: startOf(list), end: list.end });
        break;
      }
      case 'asg.recv':
        asgs.push({ recv: c[0], field: startOf(c[1]), target: startOf(c[2]) });
        break;
      case 'error.node': {
        const n = c[0];
        errorRanges.push({ start: startOf(n), end: n.end });
        break;
      }
    }
  }
  before(Infinity);
  return found;
}

function recordEarly(b: RecordBuilder, r: EarlyRecord): void {
  if (r.kind === 'alias') b.aliases.push(b.id(r.name), b.id(r.tag!));
  else b.sym(r.name, r.kind, r.nameAt, r.nameAt, r.nameAt + r.name.length, r.funclike ? F_FUNCLIKE : 0);
}
