// Walks a source tree for the files to index: .c/.h by default, include/exclude globs (picomatch), skipping .git,
// node_modules and build outputs. A symlink is followed only when its target resolves inside the tree (a link to
// /usr/include or to `..` would index outside files); loops are detected by real path. Everything left out is reported
// once with its reason: links leading outside, loops, dangling links, names that are not UTF-8, FIFOs/sockets/devices,
// files over the size limit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileSelection } from './treeMembership';

export interface WalkEntry {
  /** Path relative to the root, forward slashes. */
  rel: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** Files larger than this are not read by default (a 1.5 GB `.c` was read whole before being flagged). */
export const DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024;

export interface WalkOptions {
  /** Files larger than this many bytes are skipped without being read. */
  maxFileSize?: number;
  /** Called with each file the walk keeps, as it is found (a build may start work before the walk ends). */
  onFile?: (entry: WalkEntry) => void;
}

export interface WalkResult {
  files: WalkEntry[];
  skipped: { file: string; reason: string }[];
}

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function mb(n: number): string {
  return n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GB` : `${(n / (1 << 20)).toFixed(1)} MB`;
}

/** Walks `root`: the selected files with their status, and what was skipped and why. */
export function walkTree(root: string, selection: FileSelection = new FileSelection(), opts: WalkOptions = {}): WalkResult {
  const walk = walkSteps(root, selection, opts);
  for (;;) {
    const step = walk.next();
    if (step.done) return step.value;
  }
}

/** How long the walk holds the thread before it lets the event loop turn (walkTreeYielding). */
const WALK_SLICE_MS = 8;

/**
 * walkTree, letting the event loop turn every few milliseconds: the language server answers requests (and writes the
 * answers) while it walks a tree of 70,000 files, which took it a few hundred milliseconds.
 */
export async function walkTreeYielding(root: string, selection: FileSelection = new FileSelection(), opts: WalkOptions = {}, sliceMs = WALK_SLICE_MS): Promise<WalkResult> {
  const walk = walkSteps(root, selection, opts);
  let slice = performance.now();
  for (let step = walk.next(); ; step = walk.next()) {
    if (step.done) return step.value;
    if (performance.now() - slice >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      slice = performance.now();
    }
  }
}

/** The walk, one step per folder read; its return value is the result. */
function* walkSteps(root: string, selection: FileSelection, opts: WalkOptions): Generator<void, WalkResult> {
  const maxFileSize = opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  let rootReal = root;
  try {
    rootReal = fs.realpathSync.native(root);
  } catch {
    // Reported by the first walk step.
  }
  const inTree = (real: string) => real === rootReal || real.startsWith(rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep);
  const files: WalkEntry[] = [];
  const skipped: { file: string; reason: string }[] = [];
  /** Real path of each folder walked → the path it was walked under first. */
  const seen = new Map<string, string>();
  /** Real paths of the folders on the current descent (a symlink to one of them is a loop). */
  const realParents = new Set<string>();
  /** `knownReal`: the folder's real path when the caller knows it (a plain folder in a folder whose real path is known). */
  function* walk(dirAbs: string, dirRel: string, knownReal?: string): Generator<void> {
    let real: string;
    try {
      real = knownReal ?? fs.realpathSync.native(dirAbs);
    } catch (e) {
      skipped.push({ file: dirRel || '.', reason: `unreadable folder: ${(e as NodeJS.ErrnoException).code}` });
      return;
    }
    if (seen.has(real)) {
      // Reported once, by the caller, with every other skipped entry. A loop points back at one of its own parents;
      // anything else is a second path to a folder already indexed.
      const parentReal = realParents.has(real);
      skipped.push({ file: dirRel, reason: parentReal ? `symlink loop (points back to ${real})` : `symlinked folder already indexed as ${seen.get(real) || '.'}` });
      return;
    }
    seen.set(real, dirRel);
    realParents.add(real);
    let entries: fs.Dirent<Buffer>[];
    try {
      entries = fs.readdirSync(dirAbs, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      skipped.push({ file: dirRel || '.', reason: `unreadable folder: ${(e as NodeJS.ErrnoException).code}` });
      realParents.delete(real);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Names from readdir hold no separator and are never `.` or `..`: joined by concatenation (path.join normalizes).
    const absPrefix = dirAbs.endsWith(path.sep) ? dirAbs : dirAbs + path.sep;
    const realPrefix = real.endsWith(path.sep) ? real : real + path.sep;
    for (const e of entries) {
      const name = e.name.toString('utf8');
      const rel = dirRel ? `${dirRel}/${name}` : name;
      // As many characters as bytes and no replacement character: ASCII, which round-trips (most names; no copy made).
      const ascii = name.length === e.name.length && !name.includes('\uFFFD');
      if (!ascii && !Buffer.from(name, 'utf8').equals(e.name)) {
        // Such a name cannot round-trip through a string path (it would be reported as ENOENT).
        skipped.push({ file: rel, reason: 'file name is not valid UTF-8, skipped' });
        continue;
      }
      const abs = absPrefix + name;
      let isDir = e.isDirectory();
      // A folder that is no symlink is where its parent's real path says (one realpath call per folder saved).
      let childReal: string | undefined = isDir ? realPrefix + name : undefined;
      let isFile = e.isFile();
      let other = !isDir && !isFile && !e.isSymbolicLink();
      if (e.isSymbolicLink()) {
        let target: string;
        try {
          target = fs.realpathSync.native(abs);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          skipped.push({ file: rel, reason: code === 'ELOOP' ? 'symlink loop' : code === 'ENOENT' ? 'dangling symlink (its target does not exist)' : `unreadable symlink: ${code}` });
          continue;
        }
        if (!inTree(target)) {
          skipped.push({ file: rel, reason: `symlink to ${target}, outside the tree: not followed` });
          continue;
        }
        childReal = target;
        try {
          const st = fs.statSync(abs);
          isDir = st.isDirectory();
          isFile = st.isFile();
          other = !isDir && !isFile;
        } catch (err) {
          skipped.push({ file: rel, reason: `unreadable symlink: ${(err as NodeJS.ErrnoException).code}` });
          continue;
        }
      }
      if (isDir) {
        if (!selection.wantsFolder(rel, name)) continue;
        yield* walk(abs, rel, childReal);
      } else if ((isFile || other) && selection.wantsFileIn(rel)) {
        try {
          const st = fs.statSync(abs);
          if (!st.isFile()) skipped.push({ file: rel, reason: `${kindOf(st)}, not a regular file: skipped` });
          else if (st.size > maxFileSize) skipped.push({ file: rel, reason: `too large (${mb(st.size)}, over the ${mb(maxFileSize)} limit): skipped without reading` });
          else {
            const entry: WalkEntry = { rel, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
            files.push(entry);
            opts.onFile?.(entry);
          }
        } catch (err) {
          skipped.push({ file: rel, reason: `unreadable: ${(err as NodeJS.ErrnoException).code}` });
        }
      }
    }
    realParents.delete(real);
    yield;
  }
  yield* walk(root, '');
  return { files, skipped };
}

/**
 * The walk's rule for one file named directly (the early index's priority files, a file changed on disk): a regular
 * file whose real path is inside the tree's, under the size limit. Undefined when it does not exist; else the entry,
 * or why it is left out (the same reasons the walk gives).
 */
export function admitFile(root: string, rel: string, maxFileSize = DEFAULT_MAX_FILE_SIZE): { entry: WalkEntry } | { reason: string } | undefined {
  const abs = path.join(root, rel);
  let real: string;
  try {
    real = fs.realpathSync.native(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { reason: 'symlink loop' };
    let link = false;
    try {
      link = fs.lstatSync(abs).isSymbolicLink();
    } catch {
      return undefined;
    }
    return link ? { reason: 'dangling symlink (its target does not exist)' } : undefined;
  }
  let rootReal = root;
  try {
    rootReal = fs.realpathSync.native(root);
  } catch {
    return undefined;
  }
  if (real !== rootReal && !real.startsWith(rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep)) {
    return { reason: `symlink to ${real}, outside the tree: not followed` };
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(real);
  } catch (err) {
    return { reason: `unreadable: ${(err as NodeJS.ErrnoException).code}` };
  }
  if (!st.isFile()) return { reason: `${kindOf(st)}, not a regular file: skipped` };
  if (st.size > maxFileSize) return { reason: `too large (${mb(st.size)}, over the ${mb(maxFileSize)} limit): skipped without reading` };
  return { entry: { rel, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino } };
}
