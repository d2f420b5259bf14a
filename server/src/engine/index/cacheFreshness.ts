// Whether a file's cached record still describes the file on disk. Size and mtime alone lie: a same-length edit with
// the old mtime restored (`touch -r`) was served stale. A record is reused as is when size, mtime, ctime and inode all
// match; otherwise, when the size matches, the file is read and hashed, and the record is reused (with the new stat)
// only when the content hash matches. Anything else is parsed again.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileRecord } from './fileRecord';
import type { WalkEntry } from './walker';

/** The content hash stored in each record (fast, not for security). */
export function contentHash(buf: Buffer): string {
  return createHash('sha1').update(buf).digest('base64');
}

/** The cached record to reuse for `entry`, or undefined when the file must be parsed. */
export function reusableRecord(cached: FileRecord | undefined, entry: WalkEntry, root: string): FileRecord | undefined {
  if (!cached) return undefined;
  if (
    cached.size === entry.size && cached.mtimeMs === entry.mtimeMs &&
    cached.ctimeMs !== undefined && cached.ctimeMs === entry.ctimeMs && cached.ino !== undefined && cached.ino === entry.ino
  ) return cached;
  if (cached.size !== entry.size || !cached.hash) return undefined;
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path.join(root, entry.rel));
  } catch {
    return undefined;
  }
  if (buf.length !== cached.size || contentHash(buf) !== cached.hash) return undefined;
  return { ...cached, mtimeMs: entry.mtimeMs, ctimeMs: entry.ctimeMs, ino: entry.ino };
}
