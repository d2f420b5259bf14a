// Which codebase a file belongs to: the codebase of the indexed tree holding it (the deepest root, for nested trees).
import * as path from 'node:path';
import type { Codebase as ModelCodebase } from '../../../../models/src/index';
import type { IndexQueries, TreeInfo } from '../index/types';

export function treeOfFile(trees: TreeInfo[], file: string): TreeInfo | undefined {
  const abs = path.resolve(file);
  let best: TreeInfo | undefined;
  for (const t of trees) {
    const root = path.resolve(t.root);
    if ((abs === root || abs.startsWith(root + path.sep)) && (!best || root.length > path.resolve(best.root).length)) best = t;
  }
  return best;
}

/** The model codebase of a file, or undefined when it is in no tree of a known codebase. */
export function codebaseOfFile(index: IndexQueries, file: string): ModelCodebase | undefined {
  const cb = treeOfFile(index.trees(), file)?.codebase;
  return cb === 'xen' || cb === 'qemu' || cb === 'linux' ? cb : undefined;
}
