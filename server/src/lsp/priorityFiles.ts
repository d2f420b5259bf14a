// The files worth parsing before the whole tree on a cold start: the open documents, the headers they include, their
// neighbours in the same folder, and the files the model links name for each tree's codebase. Indexed first, they let
// definitions, hovers and lenses answer within seconds while the rest of the tree is indexed in the background.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, allLinks } from '@irqlens/models';
import { detectTree } from '../engine/index/treeInfo';
import { longestRoot, treeRelative } from '../engine/index/treeMembership';
import { includedFiles } from '../engine/index/includes';

/** Neighbours of an open document taken at most (a Linux driver folder can hold hundreds of files). */
const maxNeighbours = 60;
/** Headers included by one open document, at most. */
const maxIncludes = 80;

function neighbours(file: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(file));
  } catch {
    return [];
  }
  return names
    .filter((n) => /\.[ch]$/.test(n))
    .sort()
    .slice(0, maxNeighbours)
    .map((n) => path.join(path.dirname(file), n));
}

/** Per tree root, the tree-relative files to index first. `openText` gives an open document's text. */
export function priorityFiles(roots: readonly string[], openFiles: readonly string[], openText: (file: string) => string | undefined): Map<string, string[]> {
  const out = new Map<string, Set<string>>(roots.map((r) => [r, new Set<string>()]));
  const links = allLinks(allFlows);
  for (const root of roots) {
    const codebase = detectTree(root).codebase;
    for (const ref of links) if (ref.link.codebase === codebase && ref.link.file) out.get(root)!.add(ref.link.file);
  }
  for (const file of openFiles) {
    const root = longestRoot(roots, file);
    if (!root) continue;
    const wanted = out.get(root)!;
    for (const f of [file, ...includedFiles(root, file, openText(file), maxIncludes), ...neighbours(file)]) {
      if (longestRoot(roots, f) === root) wanted.add(treeRelative(root, f));
    }
  }
  return new Map([...out].map(([root, files]) => [root, [...files]]));
}
