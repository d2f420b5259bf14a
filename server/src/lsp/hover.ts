// Implements textDocument/hover: the signature of the name under the cursor as written (types and tables: their source,
// so an ops table shows its `.field = function` bindings), its leading comment, and where it is defined.
import * as fs from 'node:fs';
import { MarkupKind, type Connection, type Hover, type Position } from 'vscode-languageserver';
import { codebaseOfFile } from '../engine/flowGuide/fileCodebase';
import { flowHoverMarkdown } from '../engine/flowGuide/flowHover';
import type { FlowGuide } from '../engine/flowGuide/flowGuide';
import type { IndexQueries, SymbolDef } from '../engine/index/types';
import { preferLocal } from './definition';
import type { Documents } from './documents';
import { nameAt, uriToPath } from './positions';
import type { RequestGuard } from './requestGuard';
import { absolutePath } from './symbolKinds';

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

/** Types and tables are best read as written: a struct's fields, an ops table's `.field = function` lines. */
const shownAsSource = new Set<SymbolDef['kind']>(['struct', 'union', 'enum', 'typedef', 'variable']);
const maxSourceLines = 25;
const hoverLines = 40;

function sourceOf(def: SymbolDef & { root: string }): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(absolutePath(def.root, def.file), 'utf8');
  } catch {
    return undefined;
  }
  const all = text.split('\n');
  let end = def.span.endLine;
  // A table's span may stop at its name: follow the initializer's braces to the closing `};`.
  if (/[{=]\s*$/.test(all[end] ?? '')) {
    let depth = 0;
    for (let l = def.span.line; l < all.length && l < def.span.line + 200; l++) {
      for (const ch of all[l]) depth += ch === '{' ? 1 : ch === '}' ? -1 : 0;
      end = l;
      if (depth <= 0 && l > def.span.line && /[;}]\s*$/.test(all[l])) break;
    }
  }
  const lines = all.slice(def.span.line, end + 1);
  if (lines.length === 0) return undefined;
  const shown = lines.length > maxSourceLines ? [...lines.slice(0, maxSourceLines - 1), '    …'] : lines;
  return shown.join('\n').trimEnd();
}

/** The hover: the symbol part below, then, for a function linked to model steps, the flow part (flowHover.ts). */
export function computeHover(index: IndexQueries, file: string, pos: Position, text?: string, guide?: FlowGuide): Hover | null {
  const name = nameAt(index, file, pos, text);
  if (!name) return null;
  const symbol = symbolHover(index, file, name);
  // The whole hover stays within ~40 lines: the flow part gets what the signature and comment leave.
  const room = hoverLines - (symbol ? symbol.split('\n').length + 4 : 0);
  const flows = guide?.isLinked(name) ? flowHoverMarkdown(guide, index, name, codebaseOfFile(index, file), room) : undefined;
  const parts = [symbol, flows].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') } } : null;
}

function symbolHover(index: IndexQueries, file: string, name: string): string | undefined {
  const defs = index.definitions(name, file);
  if (defs.length === 0) return undefined;
  // Prefer the definition (its comment is usually the documentation), but a prototype's comment when the body has none.
  const bodies = preferLocal(defs.filter((d) => d.kind !== 'prototype'), file);
  const def = bodies[0] ?? defs[0];
  const comment = def.comment ?? defs.find((d) => d.comment)?.comment;
  const code = (shownAsSource.has(def.kind) ? sourceOf(def) : undefined) ?? codeOf(def);
  const parts = ['```c\n' + code + '\n```'];
  if (comment) parts.push(comment);
  const more = defs.length > 1 ? ` (+${defs.length - 1} more)` : '';
  parts.push(`*${def.kind}* · \`${def.file}:${def.nameSpan.line + 1}\`${more}`);
  return parts.join('\n\n---\n\n');
}

export class HoverFeature {
  constructor(
    private readonly documents: Documents,
    private readonly guard: RequestGuard,
    private readonly guide?: FlowGuide,
  ) {}

  register(connection: Connection): void {
    connection.onHover((params, token) =>
      this.guard.run('textDocument/hover', token, null as Hover | null, (idx) => {
        const file = uriToPath(params.textDocument.uri);
        return file ? computeHover(idx, file, params.position, this.documents.text(params.textDocument.uri), this.guide) : null;
      }),
    );
  }
}
