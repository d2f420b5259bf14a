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
import { describeCuts, limitNesting } from './nestingLimit';
import { PhaseClock, type PhaseTimes } from './extractProfile';
import { preprocess } from './preprocess';
import { RecordBuilder, type SharedStrings } from './recordBuilder';

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
  /** A table the record's names are interned in (a worker's batch): the record then carries no `strings`. */
  strings?: SharedStrings;
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
  const bodiesApart = !(opts.fullParse || opts.keepTree || opts.oldTree);
  // With the bodies read by the lexer, the nesting limit (a bound on what tree-sitter is given) applies to the text
  // parsed, a third of the file or less, rather than to all of it: the lexer reads any depth.
  const nestingLater = bodiesApart && !opts.preprocessed;
  const pre = opts.preprocessed ?? preprocess(source, { nesting: !nestingLater });
  let text = pre.text;
  let cuts = pre.cuts ?? [];
  clock.lap('preprocess');
  const budgetMs = opts.budgetMs ?? EXTRACT_BUDGET_MS;
  const started = performance.now();
  const preCuts = cuts;
  let skip: BodySkip | undefined;
  let parsed = text;
  /** Leaves the bodies (and, unless `headsKept`, what else the lexer reads) out of the text to parse. */
  const leaveOut = (headsKept: boolean) => {
    skip = bodiesApart ? skipBodies(text, { headsKept }) : undefined;
    if (skip && skip.text === text) skip = undefined;
    parsed = skip ? skip.text : text;
    cuts = preCuts;
    if (nestingLater) {
      const limited = limitNesting(parsed);
      parsed = limited.text;
      if (!skip) text = parsed;
      const map = skip?.map;
      cuts = map ? limited.cuts.map((c) => ({ ...c, start: map.start(c.start), end: map.end(c.end) })) : limited.cuts;
      // An unended comment the text parsed left out (with the blanks around it) is reported all the same.
      if (skip?.unendedComment !== undefined && !cuts.some((c) => c.reason === 'unterminated comment')) cuts.push({ start: skip.unendedComment, end: text.length, reason: 'unterminated comment' });
    }
  };
  leaveOut(false);
  clock.lap('bodies');
  let tree = parseWithin(parsed, opts.oldTree, budgetMs);
  clock.lap('parse');
  clock.parsedChars(parsed.length);
  if (tree && skip?.windows && recoveredPastWindow(tree, skip)) {
    // tree-sitter's recovery from an unended macro call ran past the definition that was to end it: parsed again
    // with every head, declaration and directive line in place (as far as those end it, they do so there).
    (tree as unknown as { delete?: () => void }).delete?.();
    leaveOut(true);
    clock.lap('bodies');
    tree = parseWithin(parsed, undefined, Math.max(1, budgetMs - (performance.now() - started)));
    clock.lap('parse');
    clock.parsedChars(parsed.length);
  }
  if (!tree) {
    const record = extractDefinesOnly(source, file, size, mtimeMs, `parse took longer than ${budgetMs / 1000} s: only #define names indexed`);
    return { record, errors: 0 };
  }
  const b = new RecordBuilder(text, lineStarts(text), opts.strings);
  let errors = 0;
  const problems: string[] = [];
  if (cuts.length) problems.push(describeCuts(text, cuts));
  try {
    const left = Math.max(1, budgetMs - (performance.now() - started));
    errors = collectRecords(b, tree, pre.generated, text, left, clock, skip as BodySkip | undefined);
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
    ...(opts.strings ? {} : { strings: b.strings }),
    syms: new Int32Array(b.syms),
    calls: new Int32Array(b.calls),
    icalls: new Int32Array(b.icalls),
    binds: new Int32Array(b.binds),
    fieldTypes: new Int32Array(b.fieldTypes),
    aliases: new Int32Array(b.aliases),
    idents: identIds,
    defines: new Int32Array(0),
  };
  if (problems.length) record.problem = problems.join('; ');
  clock.lap('pack');
  return { record, tree: opts.keepTree ? tree : undefined, errors };
}

/**
 * True when an ERROR node of the parse crosses a recovery window's edge (bodyScan.recoveryWindows): the error recovery
 * from an unended macro call ran past the definition that was to end it, or a recovery from before the window ran
 * into it. Either way the text around the window, with heads left out, is not what tree-sitter read before.
 */
function recoveredPastWindow(tree: Parser.Tree, skip: BodySkip): boolean {
  const root = tree.rootNode;
  if (!root.hasError) return false;
  const parsedLength = root.endIndex;
  // An ERROR crossing an edge holds the first character kept after it: one walk up from that character per edge.
  for (const edge of skip.windows!) {
    const at = skip.map.toShort(edge);
    if (at >= parsedLength) continue;
    for (let n: Parser.SyntaxNode | null = root.descendantForIndex(at); n; n = n.parent) {
      if (n.type === 'ERROR' && skip.map.start(n.startIndex) < edge) return true;
    }
  }
  return false;
}
