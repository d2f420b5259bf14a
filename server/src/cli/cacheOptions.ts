// The CLI's cache flags: `--cache-dir DIR` (default under the user's cache directory) and `--no-cache`.
import * as path from 'node:path';
import { ensureCacheDir } from '../engine/index/cache';
import { userCacheHome } from './userCache';

export function defaultCacheDir(): string {
  return path.join(userCacheHome(), 'index');
}

/** commander turns `--no-cache` into `cache: false`. */
export function cliCacheOptions(opts: { cacheDir?: string; cache?: boolean }): { cacheDir?: string; noCache: boolean } {
  if (opts.cache === false) return { noCache: true };
  const cacheDir = path.resolve(opts.cacheDir ?? defaultCacheDir());
  // Refused here with a message rather than failing (or spinning, below /proc) when the cache is written.
  ensureCacheDir(cacheDir);
  return { cacheDir, noCache: false };
}
