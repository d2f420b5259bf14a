// Implements textDocument/definition: where the name under the cursor is defined (function bodies, macros, types,
// variables); prototypes only when nothing defines it. A `static` definition in the same file hides the others.
// On an `#include` line: the header, found without a build (engine/index/includes.ts).
import { longestRoot } from '../engine/index/treeMembership';
import * as fs from 'node:fs';
import type { Connection, Location, Position } from 'vscode-languageserver';
import type { IndexQueries, SymbolDef } from '../engine/index/types';
import type { Documents } from './documents';
import { parseInclude, resolveInclude } from '../engine/index/includes';
import { location, nameAt, spanRange, uriToPath } from './positions';
import type { RequestGuard } from './requestGuard';
import { absolutePath } from './symbolKinds';

type RootedDef = SymbolDef & { root: string };

/** C linkage: a static definition in the requesting file is the one the name means there. */
export function preferLocal(defs: RootedDef[], file: string): RootedDef[] {
  const local = defs.filter((d) => d.isStatic && absolutePath(d.root, d.file) === file);
  return local.length > 0 ? local : defs;
}

/** `#include` lines go to the header: the tree the file is in says where to look. */
function includeTarget(index: IndexQueries, file: string, pos: Position, text?: string): Location[] | undefined {
  const line = (text ?? readText(file))?.split('\n', pos.line + 1)[pos.line];
  const inc = line === undefined ? undefined : parseInclude(line);
  if (!inc) return undefined;
  const root = longestRoot(
    index.trees().map((t) => t.root),
    file,
  );
  const target = root ? resolveInclude(root, file, inc.spec, inc.quoted) : undefined;
  return target ? [location(target, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } })] : [];
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function computeDefinition(index: IndexQueries, file: string, pos: Position, text?: string): Location[] {
  const included = includeTarget(index, file, pos, text);
  if (included) return included;
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
      this.guard.run(
        'textDocument/definition',
        token,
        [] as Location[],
        (idx) => {
          const file = uriToPath(params.textDocument.uri);
          return file ? computeDefinition(idx, file, params.position, this.documents.text(params.textDocument.uri)) : [];
        },
        { partialOk: (r) => r.length > 0 },
      ),
    );
  }
}
