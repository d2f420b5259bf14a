// Loads a CommonJS bundle through V8's code cache: the CLI bundle is 2 MB of JavaScript, and compiling it plus running
// its modules' top levels took ~90 ms of every `irqlens` run before it did anything (an index, a one-patch review).
// The cache holds the bytecode V8 made for the bundle's top level and the functions its modules ran on loading; it is
// keyed by the bundle's bytes, the Node version and the architecture (V8 itself checks only the source's length), and
// anything wrong with it (missing, unreadable, rejected by V8) only means the bundle is compiled as without it.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { userCacheHome } from './userCache';

/** Where the CLI keeps compiled code: next to its index cache, under the user's cache folder. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(userCacheHome(env), 'code');
}

/** The cache file for `source` of bundle `name` (the bundle's file name) on this Node and architecture. */
export function codeCacheFile(dir: string, name: string, source: string): string {
  const key = createHash('sha1').update(process.version).update(process.arch).update(source).digest('hex').slice(0, 20);
  return path.join(dir, `${name}-${key}.bin`);
}

function readCache(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes the new cache (tmp + rename: a concurrent reader sees the old file or the new one) and drops older ones. */
function writeCache(dir: string, file: string, data: Buffer): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
    const prefix = `${path.basename(file).replace(/-[0-9a-f]+\.bin$/, '')}-`;
    for (const other of fs.readdirSync(dir)) {
      if (other.startsWith(prefix) && other.endsWith('.bin') && path.join(dir, other) !== file) fs.rmSync(path.join(dir, other), { force: true });
    }
  } catch {
    // A read-only or full cache folder: the next run compiles the bundle again.
  }
}

/**
 * Runs the CommonJS file `file` as the module `parent` would require it, compiled with the cached code from `dir` when
 * it is there and valid; writes the cache once the bundle's top level has run (the modules' own loading included)
 * when there was none or V8 rejected it. Returns the module's exports.
 */
export function requireWithCodeCache(file: string, dir: string | undefined, parent: NodeModule | undefined): unknown {
  const raw = fs.readFileSync(file, 'utf8');
  // A bundle keeps its entry's `#!` line, which only Node's own loader strips.
  const source = raw.startsWith('#!') ? `//${raw.slice(2)}` : raw;
  const cacheFile = dir ? codeCacheFile(dir, path.basename(file, '.js'), source) : undefined;
  const cached = cacheFile ? readCache(cacheFile) : undefined;
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cached ? { cachedData: cached } : {}) });
  const mod = new Module(file, parent);
  mod.filename = file;
  // Resolves as the bundle's own require would: from its folder (node_modules of the package).
  const req = Module.createRequire(file);
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  wrapper.call(mod.exports, mod.exports, req, mod, file, path.dirname(file));
  mod.loaded = true;
  // Made now, before the program changes V8 flags (the parse pool's), which would make V8 reject it on the next run.
  if (dir && cacheFile && (!cached || script.cachedDataRejected)) writeCache(dir, cacheFile, script.createCachedData());
  return mod.exports;
}
