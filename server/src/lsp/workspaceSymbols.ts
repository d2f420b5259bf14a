// Implements workspace/symbol: the index's fuzzy symbol search across all trees, best first, capped.
import type { Connection, SymbolInformation } from 'vscode-languageserver';
import type { IndexQueries } from '../engine/index/types';
import { location, spanRange } from './positions';
import type { RequestGuard } from './requestGuard';
import { absolutePath, lspKind } from './symbolKinds';

/** VS Code shows a few hundred at most and re-asks as the user types. */
export const workspaceSymbolLimit = 256;

export function computeWorkspaceSymbols(index: IndexQueries, query: string, limit = workspaceSymbolLimit): SymbolInformation[] {
  return index.searchSymbols(query, limit).map((d) => ({
    name: d.name,
    kind: lspKind(d),
    location: location(absolutePath(d.root, d.file), spanRange(d.nameSpan)),
    // The tree-relative path tells apart same-named statics in different files.
    containerName: d.file,
  }));
}

export class WorkspaceSymbolsFeature {
  constructor(private readonly guard: RequestGuard) {}

  register(connection: Connection): void {
    connection.onWorkspaceSymbol((params, token) =>
      this.guard.run('workspace/symbol', token, [] as SymbolInformation[], (idx) => computeWorkspaceSymbols(idx, params.query)),
    );
  }
}
