// Shared by the index-reading CLI commands: the `--tree`/`--cache-dir`/`--no-cache` options and building the index.
import { Command, InvalidArgumentError } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CACHE_LIMIT_BYTES } from '../engine/index/cacheLimit';
import { WorkspaceIndex } from '../engine/index/workspaceIndex';
import { cliCacheOptions } from './cacheOptions';

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function withIndexOptions(cmd: Command): Command {
  return cmd
    .option('--cache-dir <dir>', 'index cache folder (default: $XDG_CACHE_HOME/irqlens/index or ~/.cache/irqlens/index)')
    .option('--no-cache', 'do not read or write the index cache')
    .option('--cache-limit <MB>', `size limit of the cache folder in MB; least recently used entries are evicted (default ${DEFAULT_CACHE_LIMIT_BYTES / 1048576})`)
    .option('--max-file-size <MiB>', 'skip files larger than this without reading them (default 64)', parseMiB)
    .option('--verbose', 'log every skipped file and progress to stderr');
}

export interface IndexCliOptions {
  cacheDir?: string;
  cache?: boolean;
  cacheLimit?: string;
  verbose?: boolean;
  /** Bytes (parsed from MiB). */
  maxFileSize?: number;
}

function parseMiB(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1) throw new InvalidArgumentError(`--max-file-size: ${JSON.stringify(value)} is not a number of MiB (1 or more)`);
  return Math.round(n * 1024 * 1024);
}

export function checkTrees(trees: string[]): string[] {
  if (!trees.length) throw new Error('no tree given');
  return trees.map((t) => {
    const abs = path.resolve(t);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new Error(`not a folder: ${t}`);
    return abs;
  });
}

/** `--cache-limit` in MB, checked: a number of megabytes, 0 included (keep only the trees just indexed). */
export function cacheLimitBytes(mb: string | undefined): number | undefined {
  if (mb === undefined) return undefined;
  const n = Number(mb);
  if (mb.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`--cache-limit: expected a size in MB (a number ≥ 0), got ${JSON.stringify(mb)}`);
  return Math.round(n * 1048576);
}

export async function openIndex(trees: string[], opts: IndexCliOptions): Promise<WorkspaceIndex> {
  return WorkspaceIndex.build({
    roots: checkTrees(trees),
    ...cliCacheOptions(opts),
    cacheLimitBytes: cacheLimitBytes(opts.cacheLimit),
    maxFileSize: opts.maxFileSize,
    log: (level, msg) => {
      if (level === 'error' || (opts.verbose && level !== 'debug')) process.stderr.write(`irqlens: ${msg}\n`);
    },
  });
}
