// Runs a tree-sitter query and returns plain captures (name, start offset, lazily the end offset) without creating a
// SyntaxNode per capture: node-tree-sitter's Query.matches registers every returned node in the tree's node cache
// with a native finalizer, which costs more than the query itself and keeps trees alive until a later GC.
// Falls back to Query.matches when the binding's internals are not what we expect.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import Parser from 'tree-sitter';

const FIELDS = 6;

export interface Capture {
  name: string;
  /** Start offset (UTF-16 index). */
  start: number;
  /** End offset: one native call, made only when asked. */
  readonly end: number;
}

export interface Match {
  pattern: number;
  captures: Capture[];
}

interface Binding {
  nodeTransferArray: Uint32Array;
  NodeMethods: { endIndex(tree: Parser.Tree): number };
}

let binding: Binding | null | undefined;

function loadBinding(): Binding | null {
  if (binding !== undefined) return binding;
  try {
    // The same native module instance tree-sitter itself loaded (node-gyp-build resolves to the cached prebuild).
    const tsDir = path.dirname(require.resolve('tree-sitter/package.json'));
    const load = createRequire(path.join(tsDir, 'index.js'))('node-gyp-build') as (dir: string) => Binding;
    const b = load(tsDir);
    binding = b && b.nodeTransferArray instanceof Uint32Array && typeof b.NodeMethods?.endIndex === 'function' ? b : null;
  } catch {
    binding = null;
  }
  return binding;
}

class RawCapture implements Capture {
  constructor(
    readonly name: string,
    readonly start: number,
    private readonly fields: Uint32Array,
    private readonly offset: number,
    private readonly tree: Parser.Tree,
    private readonly b: Binding,
  ) {}
  get end(): number {
    const t = this.b.nodeTransferArray;
    for (let i = 0; i < FIELDS; i++) t[i] = this.fields[this.offset + i];
    return this.b.NodeMethods.endIndex(this.tree);
  }
}

class NodeCapture implements Capture {
  constructor(
    readonly name: string,
    private readonly node: Parser.SyntaxNode,
  ) {}
  get start(): number {
    return this.node.startIndex;
  }
  get end(): number {
    return this.node.endIndex;
  }
}

type RawMatchesFn = (
  this: Parser.Query,
  tree: Parser.Tree,
  startRow: number, startCol: number, endRow: number, endCol: number,
  startIndex: number, endIndex: number, matchLimit: number, maxStartDepth: number, timeoutMicros: number,
) => [(number | string)[], (number | object)[]];

/**
 * Every match of `query` in `tree`. With `timeoutMicros`, matching stops after that long and the matches found so far
 * are returned (the caller tells a cut-short run by the time it took).
 */
export function runQuery(query: Parser.Query, tree: Parser.Tree, timeoutMicros = 0): Match[] {
  const b = loadBinding();
  const raw = (Parser.Query.prototype as unknown as { _matches?: RawMatchesFn })._matches;
  if (!b || !raw) return query.matches(tree.rootNode, { timeoutMicros }).map((m) => ({ pattern: m.pattern, captures: m.captures.map((c) => new NodeCapture(c.name, c.node)) }));
  // The native side reads the node to query from the transfer buffer: marshal the root into it.
  const root = tree.rootNode as unknown as ArrayLike<number>;
  for (let i = 0; i < FIELDS; i++) b.nodeTransferArray[i] = root[i];
  const [flat, nodes] = raw.call(query, tree, 0, 0, 0, 0, 0, 0, 0xffffffff, 0xffffffff, timeoutMicros);
  // Copy the node fields out before any other native call reuses the buffer.
  const fields = new Uint32Array(nodes.length * FIELDS);
  const transfer = b.nodeTransferArray;
  let off = 0;
  for (let n = 0; n < nodes.length; n++) {
    const v = nodes[n];
    const src: ArrayLike<number> = typeof v === 'object' ? (v as ArrayLike<number>) : transfer;
    const base = typeof v === 'object' ? 0 : off;
    for (let i = 0; i < FIELDS; i++) fields[n * FIELDS + i] = src[base + i];
    if (typeof v !== 'object') off += FIELDS;
  }
  const out: Match[] = [];
  let i = 0;
  let n = 0;
  while (i < flat.length) {
    const pattern = flat[i++] as number;
    const captures: Capture[] = [];
    while (i < flat.length && typeof flat[i] === 'string') {
      const name = flat[i++] as string;
      // Slot 2 of a node holds its start byte; the parser was given UTF-16 text, so bytes / 2 is the string index.
      captures.push(new RawCapture(name, fields[n * FIELDS + 2] / 2, fields, n * FIELDS, tree, b));
      n++;
    }
    out.push({ pattern, captures });
  }
  return out;
}
