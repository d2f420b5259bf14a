// Extraction through the content store (in the parse workers): a file whose bytes were extracted before is taken from
// the store; any other is extracted and its result added to the batch's pack for the next tree, version or checkout
// that holds the same bytes. The store is an optimisation only: a file it cannot help with (unreadable, too large) is
// extracted exactly as without it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ContentStore, contentKey, recordFromStore, storable } from './contentStore';
import { extractFile } from './fileExtract';
import { clock, type PhaseTimes } from './extractProfile';
import type { FileRecord } from './fileRecord';
import { DEFAULT_MAX_FILE_SIZE } from './walker';

export function extractThroughStore(root: string, rel: string, store: ContentStore, times: PhaseTimes): FileRecord {
  const t0 = clock();
  const abs = path.join(root, rel);
  let st: fs.Stats;
  let buf: Buffer;
  try {
    st = fs.statSync(abs);
    // Not read here: extractFile reports these without reading (a FIFO would block, a huge file would be read whole).
    if (!st.isFile() || st.size > DEFAULT_MAX_FILE_SIZE) return extractFile(root, rel, times);
    buf = fs.readFileSync(abs);
  } catch {
    return extractFile(root, rel, times);
  }
  const { key, hash } = contentKey(buf);
  const stored = store.get(key);
  if (stored) {
    times.reused++;
    times.ms.store += clock() - t0;
    return recordFromStore(stored, rel, st, hash);
  }
  times.ms.store += clock() - t0;
  const r = extractFile(root, rel, times);
  // Stored only when the extraction read the bytes hashed here (the file did not change in between).
  if (r.hash === hash && storable(r)) {
    const t1 = clock();
    store.add(key, r);
    times.stored++;
    times.ms.store += clock() - t1;
  }
  return r;
}
