// The state every query module reads: the built trees, which tree holds a file, and a file's current text (the
// editor's when the document is open, else the disk's).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileRecord } from './fileRecord';
import { sourceText } from './sourceText';
import type { TreeIndex } from './treeIndex';
import type { TreeMembership } from './treeMembership';

export class IndexedTrees {
  readonly list: TreeIndex[] = [];

  constructor(
    readonly membership: TreeMembership,
    /** The editor's text of an open document (absolute path), if open. */
    private readonly openText: (abs: string) => string | undefined,
  ) {}

  add(tree: TreeIndex): void {
    this.list.push(tree);
  }

  byRoot(root: string): TreeIndex | undefined {
    const abs = path.resolve(root);
    return this.list.find((t) => t.root === abs);
  }

  /** The built tree holding a file the walk would index, and the file's tree-relative path. */
  locate(file: string): { tree: TreeIndex; rel: string } | undefined {
    const loc = this.membership.locate(file);
    const tree = loc && this.byRoot(loc.root);
    return tree && loc ? { tree, rel: loc.rel } : undefined;
  }

  /** The record of a file (absolute path), if indexed. */
  recordOf(file: string): { tree: TreeIndex; record: FileRecord } | undefined {
    const loc = this.locate(file);
    const record = loc?.tree.record(loc.rel);
    return loc && record ? { tree: loc.tree, record } : undefined;
  }

  textOf(abs: string): string | undefined {
    const open = this.openText(abs);
    if (open !== undefined) return open;
    try {
      return sourceText(fs.readFileSync(abs));
    } catch {
      return undefined;
    }
  }

  absolute(tree: TreeIndex, record: FileRecord): string {
    return path.join(tree.root, record.file);
  }
}
