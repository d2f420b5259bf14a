// Walks a source tree for the files to index: .c/.h by default, include/exclude globs (picomatch), skipping .git,
// node_modules and build outputs; symlinked directories are followed once, loops detected by their real path.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileSelection } from './treeMembership';

export interface WalkEntry {
  /** Path relative to the root, forward slashes. */
  rel: string;
  size: number;
  mtimeMs: number;
}

export interface WalkResult {
  files: WalkEntry[];
  skipped: { file: string; reason: string }[];
}

export function walkTree(root: string, selection: FileSelection = new FileSelection()): WalkResult {
  const files: WalkEntry[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const seen = new Set<string>();
  /** Real paths of the folders on the current descent (a symlink to one of them is a loop). */
  const realParents = new Set<string>();
  const walk = (dirAbs: string, dirRel: string) => {
    let real: string;
    try {
      real = fs.realpathSync(dirAbs);
    } catch (e) {
      skipped.push({ file: dirRel || '.', reason: `unreadable folder: ${(e as NodeJS.ErrnoException).code}` });
      return;
    }
    if (seen.has(real)) {
      // Reported once, by the caller, with every other skipped entry. A loop points back at one of its own parents;
      // anything else is a second path to a folder already indexed.
      const parentReal = realParents.has(real);
      skipped.push({ file: dirRel, reason: parentReal ? `symlink loop (points back to ${real})` : `symlinked folder already indexed as ${path.relative(root, real) || '.'}` });
      return;
    }
    seen.add(real);
    realParents.add(real);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dirAbs, { withFileTypes: true });
    } catch (e) {
      skipped.push({ file: dirRel || '.', reason: `unreadable folder: ${(e as NodeJS.ErrnoException).code}` });
      realParents.delete(real);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const rel = dirRel ? `${dirRel}/${e.name}` : e.name;
      const abs = path.join(dirAbs, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = fs.statSync(abs);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          skipped.push({ file: rel, reason: 'dangling symlink' });
          continue;
        }
      }
      if (isDir) {
        if (!selection.wantsFolder(rel, e.name)) continue;
        walk(abs, rel);
      } else if (isFile && selection.wantsFileIn(rel)) {
        try {
          const st = fs.statSync(abs);
          files.push({ rel, size: st.size, mtimeMs: st.mtimeMs });
        } catch (err) {
          skipped.push({ file: rel, reason: `unreadable: ${(err as NodeJS.ErrnoException).code}` });
        }
      }
    }
    realParents.delete(real);
  };
  walk(root, '');
  return { files, skipped };
}
