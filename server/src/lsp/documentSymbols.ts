// Implements textDocument/documentSymbol: the file's symbols as an outline, fields and enumerators nested in their
// struct/union/enum by span containment.
import type { CancellationToken, Connection, DocumentSymbol } from 'vscode-languageserver';
import type { IndexQueries, Span, SymbolDef } from '../engine/index/types';
import { spanRange, uriToPath } from './positions';
import type { RequestGuard } from './requestGuard';
import { lspKind } from './symbolKinds';

const before = (a: Span, b: Span) => a.line < b.line || (a.line === b.line && a.col < b.col);
const contains = (outer: Span, inner: Span) =>
  !before(inner, outer) && !before({ line: outer.endLine, col: outer.endCol, endLine: 0, endCol: 0 }, { line: inner.endLine, col: inner.endCol, endLine: 0, endCol: 0 });

/** Builds the outline from the flat list; a symbol goes under the innermost earlier symbol whose span holds it. */
export function computeDocumentSymbols(defs: SymbolDef[]): DocumentSymbol[] {
  const sorted = [...defs].sort((a, b) => a.span.line - b.span.line || a.span.col - b.span.col || b.span.endLine - a.span.endLine);
  const roots: DocumentSymbol[] = [];
  const stack: { def: SymbolDef; sym: DocumentSymbol }[] = [];
  for (const def of sorted) {
    // Editors reject a nameless outline entry (a cache written before extraction dropped them may still hold one).
    if (!def.name) continue;
    // The selection range must lie inside the range (LSP), so widen a span that the index gave narrower.
    const span = contains(def.span, def.nameSpan) ? def.span : def.nameSpan;
    const sym: DocumentSymbol = {
      name: def.name,
      kind: lspKind(def),
      detail: def.signature,
      range: spanRange(span),
      selectionRange: spanRange(def.nameSpan),
      children: [],
    };
    while (stack.length > 0 && !contains(stack[stack.length - 1].def.span, span)) stack.pop();
    // Only types hold members: a function's body is not an outline level for the globals after it.
    const parent = stack[stack.length - 1];
    if (parent && (def.kind === 'field' || def.kind === 'enumerator')) parent.sym.children?.push(sym);
    else roots.push(sym);
    if (def.kind === 'struct' || def.kind === 'union' || def.kind === 'enum' || def.kind === 'typedef') stack.push({ def: { ...def, span }, sym });
  }
  return roots;
}

export class DocumentSymbolsFeature {
  constructor(private readonly guard: RequestGuard) {}

  register(connection: Connection): void {
    connection.onDocumentSymbol((params, token: CancellationToken) =>
      this.guard.run(
        'textDocument/documentSymbol',
        token,
        [] as DocumentSymbol[],
        (idx: IndexQueries) => {
          const file = uriToPath(params.textDocument.uri);
          return file ? computeDocumentSymbols(idx.fileSymbols(file)) : [];
        },
        { partialOk: () => true },
      ),
    );
  }
}
