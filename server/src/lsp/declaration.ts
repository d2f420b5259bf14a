// Implements textDocument/declaration: the prototypes of the name under the cursor (usually in a header), falling back
// to its definitions when it has no separate declaration (static functions, macros, types).
import type { Connection, Location, Position } from 'vscode-languageserver';
import type { IndexQueries } from '../engine/index/types';
import type { Documents } from './documents';
import { computeDefinition } from './definition';
import { location, nameAt, spanRange, uriToPath } from './positions';
import type { RequestGuard } from './requestGuard';
import { absolutePath } from './symbolKinds';

export function computeDeclaration(index: IndexQueries, file: string, pos: Position, text?: string): Location[] {
  const name = nameAt(index, file, pos, text);
  if (!name) return [];
  const protos = index.definitions(name, file).filter((d) => d.kind === 'prototype');
  if (protos.length === 0) return computeDefinition(index, file, pos, text);
  return protos.map((d) => location(absolutePath(d.root, d.file), spanRange(d.nameSpan)));
}

export class DeclarationFeature {
  constructor(
    private readonly documents: Documents,
    private readonly guard: RequestGuard,
  ) {}

  register(connection: Connection): void {
    connection.onDeclaration((params, token) =>
      this.guard.run(
        'textDocument/declaration',
        token,
        [] as Location[],
        (idx) => {
          const file = uriToPath(params.textDocument.uri);
          return file ? computeDeclaration(idx, file, params.position, this.documents.text(params.textDocument.uri)) : [];
        },
        { partialOk: (r) => r.length > 0 },
      ),
    );
  }
}
