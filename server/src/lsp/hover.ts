// Implements textDocument/hover: the signature of the name under the cursor as written, its leading comment, and where
// it is defined (tree-relative path and line).
import { MarkupKind, type Connection, type Hover, type Position } from 'vscode-languageserver';
import type { IndexQueries, SymbolDef } from '../engine/index/types';
import { preferLocal } from './definition';
import type { Documents } from './documents';
import { nameAt, uriToPath } from './positions';
import type { RequestGuard } from './requestGuard';

function codeOf(def: SymbolDef): string {
  if (def.signature) return def.signature;
  switch (def.kind) {
    case 'struct':
    case 'union':
    case 'enum':
      return `${def.kind} ${def.name}`;
    case 'macro':
      return `#define ${def.name}`;
    default:
      return def.name;
  }
}

export function computeHover(index: IndexQueries, file: string, pos: Position, text?: string): Hover | null {
  const name = nameAt(index, file, pos, text);
  if (!name) return null;
  const defs = index.definitions(name, file);
  if (defs.length === 0) return null;
  // Prefer the definition (its comment is usually the documentation), but a prototype's comment when the body has none.
  const bodies = preferLocal(defs.filter((d) => d.kind !== 'prototype'), file);
  const def = bodies[0] ?? defs[0];
  const comment = def.comment ?? defs.find((d) => d.comment)?.comment;
  const parts = ['```c\n' + codeOf(def) + '\n```'];
  if (comment) parts.push(comment);
  const more = defs.length > 1 ? ` (+${defs.length - 1} more)` : '';
  parts.push(`*${def.kind}* · \`${def.file}:${def.nameSpan.line + 1}\`${more}`);
  return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') } };
}

export class HoverFeature {
  constructor(
    private readonly documents: Documents,
    private readonly guard: RequestGuard,
  ) {}

  register(connection: Connection): void {
    connection.onHover((params, token) =>
      this.guard.run('textDocument/hover', token, null as Hover | null, (idx) => {
        const file = uriToPath(params.textDocument.uri);
        return file ? computeHover(idx, file, params.position, this.documents.text(params.textDocument.uri)) : null;
      }),
    );
  }
}
