// Implements textDocument/definition: where the name under the cursor is defined (function bodies, macros, types,
// variables); prototypes only when nothing defines it. A `static` definition in the same file hides the others.
import type { Connection, Location, Position } from 'vscode-languageserver';
import type { IndexQueries, SymbolDef } from '../engine/index/types';
import type { Documents } from './documents';
import { location, nameAt, spanRange, uriToPath } from './positions';
import type { RequestGuard } from './requestGuard';
import { absolutePath } from './symbolKinds';

type RootedDef = SymbolDef & { root: string };

/** C linkage: a static definition in the requesting file is the one the name means there. */
export function preferLocal(defs: RootedDef[], file: string): RootedDef[] {
  const local = defs.filter((d) => d.isStatic && absolutePath(d.root, d.file) === file);
  return local.length > 0 ? local : defs;
}

export function computeDefinition(index: IndexQueries, file: string, pos: Position, text?: string): Location[] {
  const name = nameAt(index, file, pos, text);
  if (!name) return [];
  const defs = index.definitions(name, file);
  const bodies = defs.filter((d) => d.kind !== 'prototype');
  return preferLocal(bodies.length > 0 ? bodies : defs, file).map((d) => location(absolutePath(d.root, d.file), spanRange(d.nameSpan)));
}

export class DefinitionFeature {
  constructor(
    private readonly documents: Documents,
    private readonly guard: RequestGuard,
  ) {}

  register(connection: Connection): void {
    connection.onDefinition((params, token) =>
      this.guard.run('textDocument/definition', token, [] as Location[], (idx) => {
        const file = uriToPath(params.textDocument.uri);
        return file ? computeDefinition(idx, file, params.position, this.documents.text(params.textDocument.uri)) : [];
      }),
    );
  }
}
