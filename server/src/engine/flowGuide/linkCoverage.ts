// How many model links resolve in each indexed tree (the status item's "xen 317/317"): per tree, the links of its codebase.
import { allLinks, type Flow } from '../../../../models/src/index';
import type { IndexQueries } from '../index/types';
import { resolveLink } from '../links/resolveLinks';
import type { LinkCoverage } from '../../protocol/flowMessages';

export function linkCoverage(index: IndexQueries, flows: readonly Flow<unknown>[]): LinkCoverage[] {
  const links = allLinks(flows);
  const out: LinkCoverage[] = [];
  for (const tree of index.trees()) {
    if (tree.codebase === 'unknown') continue;
    const mine = links.filter((l) => l.link.codebase === tree.codebase);
    const resolved = mine.filter((l) => resolveLink(index, l.link, [tree]).resolved).length;
    out.push({ root: tree.root, codebase: tree.codebase, resolved, total: mine.length });
  }
  return out;
}
