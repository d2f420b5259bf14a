// A cache of a few files of a tree: their records with a string table of only the names they use, so a reader that
// needs those files (the CLI's review) loads kilobytes rather than the tree's whole table of millions of names.
import type { CachedTree } from './cache';
import { type FileRecord, mapRecordIds, RECORD_ARRAYS } from './fileRecord';

function copyRecord(r: FileRecord): FileRecord {
  const c = { ...r };
  for (const k of RECORD_ARRAYS) c[k] = r[k].slice();
  return c;
}

/**
 * The records (copied, the index's own are left alone) re-numbered into a compact table. Every string-id slot is
 * found with mapRecordIds itself: mapped through `id → −id−2`, id slots read ≤ −2 while the others (lines, columns,
 * flags, −1 for "none") stay ≥ −1; each is then given its compact id.
 */
export function cacheSlice(root: string, records: readonly FileRecord[], strings: readonly string[]): CachedTree {
  const tag = new Int32Array(strings.length);
  for (let i = 0; i < tag.length; i++) tag[i] = -i - 2;
  const compact = new Map<number, number>();
  const table: string[] = [];
  const files = records.map((r) => {
    const c = copyRecord(r);
    mapRecordIds(c, tag);
    for (const a of [c.syms, c.calls, c.icalls, c.binds, c.fieldTypes, c.aliases]) {
      for (let i = 0; i < a.length; i++) {
        if (a[i] > -2) continue;
        const id = -a[i] - 2;
        let to = compact.get(id);
        if (to === undefined) {
          to = table.length;
          table.push(strings[id]);
          compact.set(id, to);
        }
        a[i] = to;
      }
    }
    return c;
  });
  return { root, strings: table, files };
}
