// Records share their typed arrays' memory: the arrays of a group of records (a worker's batch, a cache chunk) are
// copied into one Int32Array and become views of it. Seven buffers per file cost Linux 387 k ArrayBuffers, each with
// its own allocation and bookkeeping; and arrays deserialised from a cache chunk are views into the whole chunk (or,
// when unaligned, copies beside it), which kept every chunk's bytes alive next to the copies.
import type { FileRecord } from './fileRecord';

const ARRAYS = ['syms', 'calls', 'icalls', 'binds', 'fieldTypes', 'aliases', 'idents'] as const;

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
