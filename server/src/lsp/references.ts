// Implements textDocument/references: every occurrence of the name under the cursor across all trees, optionally
// without the definitions themselves (`context.includeDeclaration`).
import type { Connection, Location, Position } from 'vscode-languageserver';
import type { IndexQueries } from '../engine/index/types';
import type { Documents } from './documents';
import { location, nameAt, pointRange, uriToPath } from './positions';
import type { RequestGuard } from './requestGuard';
import { absolutePath } from './symbolKinds';

export function computeReferences(index: IndexQueries, file: string, pos: Position, includeDeclaration: boolean, text?: string): Location[] {
  const name = nameAt(index, file, pos, text);
  if (!name) return [];
  const key = (f: string, line: number, col: number) => `${f}:${line}:${col}`;
  const declared = new Set<string>();
  for (const d of index.definitions(name)) declared.add(key(absolutePath(d.root, d.file), d.nameSpan.line, d.nameSpan.col));
  const seen = new Set<string>();
  const out: Location[] = [];
  const add = (f: string, line: number, col: number) => {
    const k = key(f, line, col);
    if (seen.has(k) || (!includeDeclaration && declared.has(k))) return;
    seen.add(k);
    out.push(location(f, pointRange(line, col, name.length)));
  };
  for (const r of index.references(name)) add(absolutePath(r.root, r.file), r.line, r.col);
  // The index may record definitions as symbols only, not as identifier occurrences: add them when asked for.
  if (includeDeclaration) {
    for (const d of index.definitions(name)) add(absolutePath(d.root, d.file), d.nameSpan.line, d.nameSpan.col);
  }
  return out;
}

export class ReferencesFeature {
  constructor(
    private readonly documents: Documents,
    private readonly guard: RequestGuard,
  ) {}

  register(connection: Connection): void {
    connection.onReferences((params, token) =>
      this.guard.run('textDocument/references', token, [] as Location[], (idx) => {
        const file = uriToPath(params.textDocument.uri);
        if (!file) return [];
        return computeReferences(idx, file, params.position, params.context.includeDeclaration, this.documents.text(params.textDocument.uri));
      }),
    );
  }
}
