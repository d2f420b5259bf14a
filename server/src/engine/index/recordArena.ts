// Records share their typed arrays' memory: the arrays of a worker's batch are copied into one Int32Array and become
// views of it, transferred to the main thread as one buffer. A buffer per array per file (seven arrays then) cost Linux
// 387 k ArrayBuffers, each with its own allocation and bookkeeping. (A cache chunk is read the same way: one buffer,
// views of it; see cache.ts.)
import { type FileRecord, RECORD_ARRAYS as ARRAYS } from './fileRecord';

/** Moves the arrays of `records` into one new buffer (views keep their lengths and contents); returns that buffer. */
export function packRecords(records: readonly FileRecord[]): ArrayBuffer {
  let total = 0;
  for (const r of records) for (const k of ARRAYS) total += r[k].length;
  const arena = new Int32Array(total);
  let at = 0;
  for (const r of records) {
    for (const k of ARRAYS) {
      const a = r[k];
      arena.set(a, at);
      r[k] = arena.subarray(at, at + a.length);
      at += a.length;
    }
  }
  return arena.buffer;
}
