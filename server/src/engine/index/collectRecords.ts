// Resolves the query's findings into the file's record: function names, prototypes, types with their field types,
// file-scope variables, direct and indirect calls with their enclosing function and receiver type, and
// function-pointer bindings from designated initializers and assignments.
import type Parser from 'tree-sitter';
import type { BodySkip } from './bodyScan';
import { B_ASSIGN, B_NESTED, F_FUNCLIKE, F_STATIC } from './fileRecord';
import { type PhaseClock } from './extractProfile';
import { NOT_FUNCTION_NAMES, nameFunctions, recoverFunctions } from './functionNames';
import { C_KEYWORDS } from './lexer';
import { type QueryFindings, gatherMatches } from './queryMatches';
import { type Fn, type Local, type Named, type RecordBuilder, type TSNode, containing, lastStartingBefore, startOf, typeNameAt, wordAt } from './recordBuilder';

const MAX_RECEIVER_CHARS = 256;

/**
 * Fills `b` from the tree and, when the function bodies were left out of the parse, from what the body scanner found
 * in them (bodyScan.ts); returns the number of ERROR regions the parse left.
 */
export function collectRecords(b: RecordBuilder, tree: Parser.Tree, generated: { at: number; original: number; macro: string }[], text: string, budgetMs: number, clock: PhaseClock, skipped?: BodySkip): number {
  const found = gatherMatches(b, tree, text, budgetMs, skipped?.map, skipped?.findings.early);
  if (skipped) addBodyFindings(b, found, skipped.findings, text);
  const { fns, fdNames, protos, types, anon, fieldDecls, vars, params, directCalls, icalls, bindPairs, nests, asgs, errorRanges } = found;
  clock.lap('query');
  const fnNames = nameFunctions(b, text, fns, fdNames, generated);
  // Functions tree-sitter could not see (inside ERROR regions): a careful line-anchored scan of those regions. They
  // enclose the calls found inside them like any other function.
  if (errorRanges.length) {
    for (const f of recoverFunctions(b, text, errorRanges, fnNames)) fnNames.push(f);
    fnNames.sort((x, y) => x.start - y.start);
  }
  const inFunction = (at: number) => containing(fnNames, at);
  const inAnyFunction = (at: number) => containing(fns, at);

  for (const at of protos) {
    if (inAnyFunction(at)) continue;
    const name = wordAt(text, at);
    if (NOT_FUNCTION_NAMES.has(name)) continue;
    b.sym(name, 'prototype', at, at, at + name.length);
  }

  // Types, with struct bodies as containers for field types.
  const containers: Named[] = [];
  for (const t of types) {
    const end = t.body.end;
    b.sym(t.name, t.kind, t.nameAt, t.nameAt, end);
    if (t.kind !== 'enum') containers.push({ start: t.bodyStart, end, name: t.name });
  }
  for (const a of anon) containers.push({ start: startOf(a.body), end: a.body.end, name: a.name });
  if (fieldDecls.length && containers.length) {
    containers.sort((x, y) => x.start - y.start || y.end - x.end);
    for (const f of fieldDecls) {
      // Innermost named container: scan back from the last one starting before the field.
      for (let i = lastStartingBefore(containers, f.at); i >= 0; i--) {
        if (f.at < containers[i].end) {
          b.fieldTypes.push(b.id(containers[i].name), b.id(f.name), b.id(f.type));
          break;
        }
      }
    }
  }

  // Variables: file-scope ones are symbols; initialised struct objects are tables for bindings; all type receivers.
  const tables: Named[] = [];
  const globalTypes = new Map<string, string>();
  const localsByFn = new Map<Fn, Local[]>();
  for (const v of vars) {
    const fn = inAnyFunction(v.at);
    if (v.init && text.charCodeAt(startOf(v.init)) === 123) tables.push({ start: startOf(v.init), end: v.init.end, name: v.name, type: v.type });
    if (fn) {
      let l = localsByFn.get(fn);
      if (!l) localsByFn.set(fn, (l = []));
      l.push({ name: v.name, type: v.type, at: v.at });
      continue;
    }
    if (C_KEYWORDS.has(v.name)) continue;
    globalTypes.set(v.name, v.type);
    const isStatic = /\bstatic\b/.test(text.slice(Math.max(0, v.typeAt - 40), v.typeAt));
    const structType = /^(struct|union)\b/.test(text.slice(v.typeAt, v.typeAt + 6)) || /^[A-Z]/.test(v.type) || v.type.endsWith('_t') ? b.id(v.type) : -1;
    b.sym(v.name, 'variable', v.at, v.at, v.at + v.name.length, isStatic ? F_STATIC : 0, structType);
  }
  for (const p of params) {
    const fn = inAnyFunction(p.at);
    if (!fn) continue;
    let l = localsByFn.get(fn);
    if (!l) localsByFn.set(fn, (l = []));
    l.push(p);
  }
  const baseType = (recvText: string, at: number): number => {
    const m = /^[\s(*&]*([A-Za-z_]\w*)/.exec(recvText);
    if (!m) return -1;
    const name = m[1];
    const fn = inAnyFunction(at);
    const locals = fn ? localsByFn.get(fn) : undefined;
    if (locals) {
      for (let i = locals.length - 1; i >= 0; i--) if (locals[i].name === name && locals[i].at < at) return b.id(locals[i].type);
    }
    const g = globalTypes.get(name);
    return g ? b.id(g) : -1;
  };
  // Receivers are short expressions; a chained one (`a->f()->f()->…`) is capped so that each call does not copy the
  // whole chain (quadratic in the chain's length); a capped receiver keeps its base name and resolves no deeper.
  const recvText = (n: TSNode) => {
    const start = startOf(n);
    const end = n.end;
    const raw = text.slice(start, Math.min(end, start + MAX_RECEIVER_CHARS)).replace(/\s+/g, '');
    return end - start > MAX_RECEIVER_CHARS ? raw + '…' : raw;
  };

  for (const at of directCalls) {
    const fn = inFunction(at);
    const [l, c] = b.pos(at);
    b.calls.push(b.id(wordAt(text, at)), fn ? fn.name : -1, l, c);
  }
  for (const ic of icalls) {
    const fn = inFunction(ic.field);
    const [l, c] = b.pos(ic.field);
    const recv = recvText(ic.recv);
    b.icalls.push(b.id(wordAt(text, ic.field)), fn ? fn.name : -1, l, c, b.id(recv), baseType(recv, ic.field));
  }
  tables.sort((x, y) => x.start - y.start);
  nests.sort((x, y) => x.start - y.start);
  for (const p of bindPairs) {
    const table = containing(tables, p.field);
    if (!table) continue;
    const nested = containing(nests, p.field) !== undefined && (containing(nests, p.field)!.start > table.start);
    const [l, c] = b.pos(p.field);
    b.binds.push(b.id(wordAt(text, p.field)), b.id(wordAt(text, p.target)), b.id(table.name), nested ? -1 : b.id(table.type ?? ''), l, c, nested ? B_NESTED : 0, -1);
  }
  for (const a of asgs) {
    const [l, c] = b.pos(a.field);
    const recv = recvText(a.recv);
    b.binds.push(b.id(wordAt(text, a.field)), b.id(wordAt(text, a.target)), b.id(recv), -1, l, c, B_ASSIGN, baseType(recv, a.field));
  }
  clock.lap('collect');
  return errorRanges.length;
}

/** Merges the body scanner's findings into the query's, in text order as the query gives them. */
function addBodyFindings(b: RecordBuilder, found: QueryFindings, bodies: BodySkip['findings'], text: string): void {
  for (const at of bodies.directCalls) found.directCalls.push(at);
  found.directCalls.sort((x, y) => x - y);
  for (const ic of bodies.icalls) found.icalls.push(ic);
  found.icalls.sort((x, y) => x.field - y.field);
  for (const v of bodies.vars) found.vars.push({ name: v.name, type: typeNameAt(text, v.typeAt), at: v.at, typeAt: v.typeAt, init: v.init });
  for (const v of bodies.fileVars) found.vars.push({ name: v.name, type: typeNameAt(text, v.typeAt), at: v.at, typeAt: v.typeAt });
  if (bodies.typeDefs.length) {
    const types: QueryFindings['types'] = [];
    const members: QueryFindings['fieldDecls'] = [];
    for (const d of bodies.typeDefs) {
      if (d.type) types.push({ kind: d.type.kind, name: d.type.name, nameAt: d.type.nameAt, bodyStart: d.type.bodyStart, body: { name: 'body', start: d.type.bodyStart, end: d.type.end } });
      if (d.anon) found.anon.push({ name: d.anon.name, nameAt: d.anon.nameAt, body: { name: 'body', start: d.anon.bodyStart, end: d.anon.end } });
      for (const m of d.members) members.push(m);
    }
    // In text order among the query's, as the query would have given them.
    found.types = mergeByPosition(found.types, types, (x) => x.nameAt);
    found.fieldDecls = mergeByPosition(found.fieldDecls, members, (x) => x.at);
  }
  if (bodies.protos.length) {
    for (const at of bodies.protos) found.protos.push(at);
    found.protos.sort((x, y) => x - y);
  }
  found.vars.sort((x, y) => x.at - y.at);
  for (const a of bodies.asgs) found.asgs.push(a);
  found.asgs.sort((x, y) => x.field - y.field);
  for (const p of bodies.bindPairs) found.bindPairs.push(p);
  found.bindPairs.sort((x, y) => x.field - y.field);
  for (const n of bodies.nests) found.nests.push(n);
  // Definitions read whole by the lexer: what the query captures for a function definition and its parameters.
  for (const { head, bodyStart, end } of bodies.heads) {
    found.fns.push({ start: head.start, end, declStart: head.declStart, bodyStart, name: -1, nameAt: -1, typeAt: head.typeAt });
    found.fdNames.push(head.paramsAt);
    for (const p of head.params) found.params.push({ name: p.name, type: typeNameAt(text, p.typeAt), at: p.at });
  }
  for (const d of bodies.defines) {
    const name = wordAt(text, d.at);
    b.sym(name, 'macro', d.at, d.at, d.at + name.length, d.funclike ? F_FUNCLIKE : 0);
  }
}

/** `a` (in the query's order) and `b` (sorted) merged by position; an entry of `a` goes first at equal positions. */
function mergeByPosition<T>(a: T[], b: T[], at: (x: T) => number): T[] {
  if (!b.length) return a;
  const out: T[] = [];
  let j = 0;
  for (const x of a) {
    const p = at(x);
    while (j < b.length && at(b[j]) < p) out.push(b[j++]);
    out.push(x);
  }
  while (j < b.length) out.push(b[j++]);
  return out;
}
