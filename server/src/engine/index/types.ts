// The shape of the symbol index: what queries return, and the query interfaces. The language server, the CLI, link
// resolution and the contract checker read the index through these; each asks only the interface it needs.

export type Codebase = 'xen' | 'qemu' | 'linux' | 'unknown';

export type SymbolKind = 'function' | 'prototype' | 'macro' | 'struct' | 'union' | 'enum' | 'typedef' | 'variable' | 'enumerator' | 'field';

/** Zero-based, like LSP. `endLine/endCol` close the whole definition (a function's body). */
export interface Span {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export interface SymbolDef {
  name: string;
  kind: SymbolKind;
  /** Path relative to the tree root, with forward slashes. */
  file: string;
  /** The span of the name. */
  nameSpan: Span;
  /** The span of the whole definition (for document symbols and for finding the enclosing function). */
  span: Span;
  /** One-line signature as written, e.g. `static void evtchn_2l_set_pending(struct vcpu *v, struct evtchn *evtchn)`. */
  signature?: string;
  /** The comment directly above the definition, without comment markers. */
  comment?: string;
  /** `static` linkage: references resolve to it only from the same file first. */
  isStatic?: boolean;
  /** For macros: function-like (has parameters). */
  isFunctionLike?: boolean;
  /** For variables: the struct type when the variable is a struct object, e.g. `irq_chip`. */
  structType?: string;
}

/** Any identifier occurrence, for find-references. */
export interface Reference {
  name: string;
  file: string;
  line: number;
  col: number;
  /** Enclosing function, if any. */
  container?: string;
}

export interface TreeInfo {
  root: string;
  codebase: Codebase;
  /** e.g. `4.17.5`, `7.2.0`, `6.1.192`; undefined when not recognised. */
  version?: string;
}

/** One edge of the call graph, as the CLI and call hierarchy show it. */
export interface CallEdge {
  /** The other end: the caller (incoming) or the callee (outgoing). */
  name: string;
  /** Where that function is defined (absolute path), when known. */
  file?: string;
  line?: number;
  /** The call sites (absolute file, zero-based line/col). */
  sites: { file: string; line: number; col: number }[];
  /** For indirect edges: `table.field`, e.g. `xen_dynamic_chip.irq_ack`. */
  via?: string;
}

/** Progress of an indexing run, for `$/progress` and the CLI. */
export interface IndexProgress {
  tree: string;
  done: number;
  total: number;
}

/** A function bound to a struct field: `.irq_ack = ack_dynirq` in `xen_dynamic_chip`, or `ops->f = g`. */
export interface FunctionBinding {
  /** The table variable (`xen_dynamic_chip`), or the assigned expression for assignments. */
  table: string;
  field: string;
  /** The struct type of the table (`irq_chip`), when known. */
  structType?: string;
  /** Absolute path; zero-based line and column of the binding. */
  file: string;
  line: number;
  col: number;
  /** How an edge through this binding is labelled: `table.field` or `receiver->field`. */
  via: string;
}

// The query interfaces. Paths in and out are absolute; lines and columns zero-based.

export interface TreeQueries {
  trees(): TreeInfo[];
}

export interface DefinitionQueries {
  /** Definitions of a name (functions first, then prototypes, macros, types, variables). */
  definitions(name: string, fromFile?: string): (SymbolDef & { root: string })[];
  /** Symbols defined in one file (absolute path). */
  fileSymbols(file: string): SymbolDef[];
  /** The function whose definition encloses a position. */
  enclosingFunction(file: string, line: number): SymbolDef | undefined;
}

export interface ReferenceQueries {
  /** Every occurrence of a name as an identifier, across trees. */
  references(name: string): (Reference & { root: string })[];
}

export interface PositionQueries {
  /** The identifier at a position, and the function enclosing it. */
  identifierAt(file: string, line: number, col: number): { name: string; container?: string } | undefined;
}

export interface CallGraphQueries {
  /** Callers of `name`, direct and through field bindings. */
  incomingCalls(name: string): CallEdge[];
  /** Callees of `name`, with indirect calls expanded to every bound function. */
  outgoingCalls(name: string): CallEdge[];
  /** Every binding of a function to a struct field. */
  bindingsOf(name: string): FunctionBinding[];
}

export interface SearchQueries {
  /** Fuzzy workspace-symbol search, best first. */
  searchSymbols(query: string, limit: number): (SymbolDef & { root: string })[];
}

/** Everything at once: what the façade (WorkspaceIndex) answers. */
export interface IndexQueries extends TreeQueries, DefinitionQueries, ReferenceQueries, PositionQueries, CallGraphQueries, SearchQueries {}
