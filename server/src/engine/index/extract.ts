// Extracts one C file into a compact FileRecord with a single tree-sitter query (queries/cExtract.scm): definitions,
// call sites with their enclosing function, function-pointer bindings, struct field types and receiver types.
// Node positions are read from the node's transfer slots (start offset) so that only ends cross into native code;
// trees are deleted as soon as extraction is done, except when the caller keeps one (open documents).
import type Parser from 'tree-sitter';
import type { FileRecord } from './fileRecord';
import { identifierHashes, lineStarts } from './lexer';
import { type BodySkip, skipBodies } from './bodyScan';
import { parseWithin } from './cParse';
import { collectRecords } from './collectRecords';
import { extractDefinesOnly } from './definesOnly';
import { describeCuts } from './nestingLimit';
import { PhaseClock, type PhaseTimes } from './extractProfile';
import { preprocess } from './preprocess';
import { RecordBuilder } from './recordBuilder';

export interface ExtractOptions {
  /** Keep the tree (for open documents) instead of deleting it. */
  keepTree?: boolean;
  oldTree?: Parser.Tree;
  /** Already preprocessed text (when the caller keeps trees and edits them). */
  preprocessed?: ReturnType<typeof preprocess>;
  /** Time the parse and the query together may take, in ms (default EXTRACT_BUDGET_MS). */
  budgetMs?: number;
  /** Parse the function bodies too instead of scanning them with the lexer (the reference the scanner is checked
   *  against); open documents, whose trees are kept and re-parsed incrementally, are always parsed whole. */
  fullParse?: boolean;
  /** Where to add the time each phase took. */
  times?: PhaseTimes;
  /** The clock of a caller that already timed this file's reading. */
  clock?: PhaseClock;
}

/** How long one file's parse and query may take before the rest of the file is left out. */
export const EXTRACT_BUDGET_MS = 10_000;

export interface ExtractResult {
  record: FileRecord;
  tree?: Parser.Tree;
  errors: number;
}

/** Parses and extracts one file's text. `file` is the path relative to the tree root. */
export function extractSource(source: string, file: string, size: number, mtimeMs: number, opts: ExtractOptions = {}): ExtractResult {
  const clock = opts.clock ?? new PhaseClock(opts.times);
  const pre = opts.preprocessed ?? preprocess(source);
  const text = pre.text;
  clock.lap('preprocess');
  const budgetMs = opts.budgetMs ?? EXTRACT_BUDGET_MS;
  const started = performance.now();
  let skip: BodySkip | undefined = opts.fullParse || opts.keepTree || opts.oldTree ? undefined : skipBodies(text);
  if (skip && skip.text === text) skip = undefined;
  clock.lap('bodies');
  const tree = parseWithin(skip ? skip.text : text, opts.oldTree, budgetMs);
  clock.lap('parse');
  if (!tree) {
    const record = extractDefinesOnly(source, file, size, mtimeMs, `parse took longer than ${budgetMs / 1000} s: only #define names indexed`);
    return { record, errors: 0 };
  }
  const b = new RecordBuilder(text, lineStarts(text));
  let errors = 0;
  const problems: string[] = [];
  if (pre.cuts?.length) problems.push(describeCuts(text, pre.cuts));
  try {
    const left = Math.max(1, budgetMs - (performance.now() - started));
    errors = collectRecords(b, tree, pre.generated, text, left, clock, skip);
    if (performance.now() - started >= budgetMs) problems.push(`extraction stopped after ${budgetMs / 1000} s: later definitions and calls may be missing`);
  } finally {
    if (!opts.keepTree) (tree as unknown as { delete?: () => void }).delete?.();
    clock.lap('free');
  }
  const identIds = identifierHashes(source);
  clock.lap('idents');
  const record: FileRecord = {
    file,
    size,
    mtimeMs,
    strings: b.strings,
    syms: new Int32Array(b.syms),
    calls: new Int32Array(b.calls),
    icalls: new Int32Array(b.icalls),
    binds: new Int32Array(b.binds),
    fieldTypes: new Int32Array(b.fieldTypes),
    aliases: new Int32Array(b.aliases),
    idents: identIds,
  };
  if (problems.length) record.problem = problems.join('; ');
  clock.lap('pack');
  return { record, tree: opts.keepTree ? tree : undefined, errors };
}

