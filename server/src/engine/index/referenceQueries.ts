// References and positions: every occurrence of a name as an identifier (files holding it are known from each
// record's identifier set; positions are found in the text on demand), and the identifier at a position.
import * as path from 'node:path';
import type { Definitions } from './definitionQueries';
import type { IndexedTrees } from './indexedTrees';
import { findIdentifier, identifierAtOffset, identifierHash, inSortedHashes, lineStarts } from './lexer';
import type { PositionQueries, Reference, ReferenceQueries } from './types';

export class References implements ReferenceQueries, PositionQueries {
  constructor(
    private readonly trees: IndexedTrees,
    private readonly defs: Definitions,
  ) {}

  references(name: string): (Reference & { root: string })[] {
    const out: (Reference & { root: string })[] = [];
    if (!name) return out;
    const hash = identifierHash(name);
    for (const t of this.trees.list) {
      for (const r of t.liveRecords()) {
        if (!inSortedHashes(r.idents, hash)) continue;
        const abs = path.join(t.root, r.file);
        const text = this.trees.textOf(abs);
        if (!text) continue;
        for (const p of findIdentifier(text, name)) {
          const container = this.defs.containerIn(t, r, p.line);
          out.push({ name, file: abs, line: p.line, col: p.col, root: t.root, ...(container ? { container } : {}) });
        }
      }
    }
    return out;
  }

  identifierAt(file: string, line: number, col: number): { name: string; container?: string } | undefined {
    const abs = path.resolve(file);
    const text = this.trees.textOf(abs);
    if (!text) return undefined;
    const starts = lineStarts(text);
    if (line >= starts.length) return undefined;
    const id = identifierAtOffset(text, starts[line] + col);
    if (!id) return undefined;
    const container = this.defs.enclosingFunction(abs, line)?.name;
    return { name: id.name, ...(container ? { container } : {}) };
  }
}
