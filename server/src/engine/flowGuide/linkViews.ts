// A model link as the editor shows it: where the function is when a tree of its codebase is indexed, else why not.
import { pathToFileURL } from 'node:url';
import type { Link } from '../../../../models/src/index';
import type { IndexQueries, TreeInfo } from '../index/types';
import { resolveLink } from '../links/resolveLinks';
import type { LinkView } from '../../protocol/flowMessages';

export function linkView(index: IndexQueries, link: Link, trees: TreeInfo[] = index.trees()): LinkView {
  const base: LinkView = { codebase: link.codebase, symbol: link.symbol, ...(link.file ? { file: link.file } : {}) };
  const r = resolveLink(index, link, trees);
  if (r.resolved && r.file && r.line !== undefined) {
    return { ...base, location: { uri: pathToFileURL(r.file).href, line: r.line - 1, character: r.column ?? 0 } };
  }
  const where = link.file ? ` (${link.codebase}: ${link.file})` : '';
  return { ...base, unresolved: `${r.reason ?? 'not found'}${where}` };
}
